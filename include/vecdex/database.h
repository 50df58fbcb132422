// Database: a directory holding named collections of points on RocksDB, with aliases and
// snapshots. Collection: points (external id, vector, payload, model_version) that can be
// upserted, deleted, fetched and searched (top-k with payload filters), durably.
//
// Durability: an upsert or delete returns only after its write is in RocksDB's WAL (synced to
// disk as DatabaseOptions::sync says); a batch is atomic (one RocksDB WriteBatch), also across
// a crash. Reopening after kill -9 recovers every acknowledged write and rebuilds or reloads
// indexes without user action.
//
// Segments: new points land in the collection's mutable segment (an index searchable at once);
// when it holds segment_max_points it is sealed and the collection's index spec is built for it
// in the background; compaction merges small sealed segments and drops deleted points. Searches
// fan out over the segments and merge the top-k.
// Bulk batches (upserts of at least bulk_min_batch_points points) skip the mutable segment's
// graph: they land in a staging segment (an exact, brute-force index that is searchable at
// once) that is sealed the same way, so their points are indexed once, with the index spec.
//
// Thread safety: every method of Database and Collection may be called concurrently from any
// number of threads. Searches see a consistent snapshot (a point is either fully in or out);
// they run concurrently with writes and background work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/payload.h"
#include "vecdex/result.h"
#include "vecdex/search_params.h"
#include "vecdex/types.h"

namespace vecdex {

// When acknowledged writes reach the disk.
enum class SyncPolicy : uint8_t {
  kEveryWrite = 0,   // fsync the WAL before each write returns (RocksDB groups concurrent ones)
  kGroupCommit = 1,  // writes reach the WAL at once, then wait for a shared fsync; fsyncs are
                     // issued at most every group_commit_us (caps the fsync rate)
  kPeriodic = 2,     // return at once; the WAL is fsynced every periodic_sync_ms (a crash of
                     // the machine, not just the process, can lose the last interval)
};

struct DatabaseOptions {
  bool create_if_missing = true;
  SyncPolicy sync = SyncPolicy::kEveryWrite;
  uint32_t group_commit_us = 500;   // kGroupCommit: least time between two fsyncs
  uint32_t periodic_sync_ms = 1000;
  // Points in a mutable segment before it is sealed and indexed in the background.
  size_t segment_max_points = 200000;
  // Sealed segments smaller than this are merged by compaction.
  size_t compaction_min_points = 50000;
  // Threads for background index builds and compaction (0 = none: seal and compact inline,
  // which tests use for determinism).
  uint32_t background_threads = 1;
  // Largest batch accepted by one upsert call.
  size_t max_batch_points = 100000;
  // Upserts of at least this many points are bulk batches (0 = none): they go to the staging
  // segment (exact search, an add is a copy) instead of the mutable segment's HNSW graph, and
  // are indexed once, when the staging segment is sealed. Smaller upserts (streaming) go to the
  // mutable segment.
  size_t bulk_min_batch_points = 2000;
  // A staging segment that holds points is sealed once no bulk batch has arrived for this long
  // (0 = at the end of every bulk batch), so a bulk-loaded collection does not stay on brute
  // force. Database::wait_idle does not wait for this delay; Collection::seal skips it.
  uint32_t staging_idle_seal_ms = 2000;
  // Sealed segments reopened from their files are read into memory by default, on huge pages
  // where the system allows, as a segment built in this process is. With this set they are
  // mapped instead (mmap): they open at once and their pages stay in the page cache, for
  // indexes larger than RAM, but every vector read may walk the page table (4 KiB pages), which
  // made HNSW searches on Fashion-MNIST ~5-8% slower.
  bool map_segment_files = false;
};

struct CollectionConfig {
  std::string name;              // 1..64 chars of [A-Za-z0-9_-]
  size_t dim = 0;                // 1..65536
  Metric metric = Metric::kL2;
  std::string index_spec = "HNSW32";  // factory string for sealed segments
  PayloadSchema schema;
};

struct Point {
  PointId id;
  std::vector<float> vector;   // dim floats
  Payload payload;
  std::string model_version;   // 0..64 bytes; "" = unspecified
};

struct SearchRequest {
  std::span<const float> vector;  // dim floats
  size_t k = 10;
  SearchParams params;            // passed to every segment's index
  std::optional<PayloadFilter> filter;
  bool with_payload = false;
  bool with_vector = false;
  // The embedding model of the query vector. With restrict_to_version only points of that
  // version are searched; otherwise the response reports the share of other versions.
  std::optional<std::string> model_version;
  bool restrict_to_version = false;
};

struct ScoredPoint {
  PointId id;
  float score = 0;  // the metric's value (squared L2, inner product or cosine; Metric docs)
  std::string model_version;
  std::optional<Payload> payload;
  std::optional<std::vector<float>> vector;
};

struct SearchResponse {
  std::vector<ScoredPoint> results;  // best first
  // With a model_version in the request: fraction of results from other versions.
  std::optional<double> other_version_fraction;
};

struct SegmentInfo {
  uint64_t id = 0;
  std::string state;  // "mutable", "sealing" (index being built), "sealed"; also "staging"
                      // (the exact segment that takes bulk batches)
  size_t points = 0;  // live points
  size_t deleted = 0;
  std::string index_spec;
};

struct CollectionInfo {
  CollectionConfig config;
  size_t points = 0;
  std::vector<SegmentInfo> segments;
  std::map<std::string, size_t> model_versions;  // version -> live points
  // Artifact coverage: required field -> live points that have it (of `points`).
  std::map<std::string, size_t> coverage;
  size_t rejected_missing_required = 0;  // upserts refused for lack of a required field
                                         // (since the database was opened; not persisted)
  size_t pending_background_jobs = 0;
};

class Collection {
 public:
  virtual ~Collection() = default;

  virtual const CollectionConfig& config() const = 0;

  // Inserts or replaces the points, atomically (all or none; nothing is written on error).
  // InvalidArgument for a wrong dim, NaN/Inf, a bad id, a payload that fails the schema, a
  // duplicate id within the batch, or more than max_batch_points points.
  virtual Status upsert(std::span<const Point> points) = 0;
  // Deletes the ids (unknown ones are skipped); returns how many existed. Atomic.
  virtual Result<size_t> remove(std::span<const PointId> ids) = 0;
  // Deletes every point the filter matches; returns how many. Atomic.
  virtual Result<size_t> remove_where(const PayloadFilter& filter) = 0;
  // NotFound when the id is absent.
  virtual Result<Point> get(const PointId& id) const = 0;
  virtual Result<SearchResponse> search(const SearchRequest& request) const = 0;
  // Answers every request (in parallel on the shared thread pool), in request order; an error
  // is the lowest-numbered failing request's, with "request <i>" in its message.
  virtual Result<std::vector<SearchResponse>> search_batch(
      std::span<const SearchRequest> requests) const = 0;
  virtual CollectionInfo info() const = 0;
  // Seals every segment that still takes writes and holds points, so that all points get the
  // collection's index_spec (built in the background: Database::wait_idle() waits for it).
  // Call after a bulk load. Later upserts start a new mutable segment.
  virtual Status seal() = 0;
};

class Database {
 public:
  virtual ~Database() = default;

  // Opens (or, with create_if_missing, creates) the database in `dir`, recovering from a crash
  // if needed. IOError / Corruption when the directory cannot be used.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& dir,
                                                const DatabaseOptions& options = {});

  // AlreadyExists for a taken name (or alias); InvalidArgument for a bad config or spec.
  virtual Result<Collection*> create_collection(const CollectionConfig& config) = 0;
  // By name or alias; NotFound otherwise. The pointer stays valid until the collection is
  // dropped or the database closed.
  virtual Result<Collection*> collection(std::string_view name_or_alias) const = 0;
  // Deletes the collection's points and files. NotFound for an unknown name; InvalidArgument
  // for an alias; FailedPrecondition while an alias points at it.
  virtual Status drop_collection(std::string_view name) = 0;
  virtual std::vector<std::string> collection_names() const = 0;

  // Points `alias` at `collection` (creating or switching it) atomically: a search through the
  // alias sees the old or the new collection, never a mix. NotFound for an unknown collection.
  virtual Status set_alias(std::string_view alias, std::string_view collection) = 0;
  virtual Status remove_alias(std::string_view alias) = 0;
  virtual std::map<std::string, std::string> aliases() const = 0;

  // Writes an immutable, checksummed artifact of the collection's current state to `dir`
  // (a manifest plus data files; format in src/engine/snapshot.h). Holds off the collection's
  // writers (not its searches) while it runs. Index files are not included: an import
  // rebuilds the indexes. AlreadyExists when dir is not empty; NotFound for an unknown name.
  virtual Status export_snapshot(std::string_view collection,
                                 const std::filesystem::path& dir) const = 0;
  // Creates collection `name` from an artifact. Every file is verified before anything is
  // created. The collection is visible while it loads; if the process dies before the import
  // returns, the next open drops it. Corruption naming the file for a damaged, truncated,
  // missing or extra file; AlreadyExists for a taken name; NotFound when dir does not exist.
  virtual Result<Collection*> import_snapshot(const std::filesystem::path& dir,
                                              std::string_view name) = 0;

  // Waits until background index builds and compaction are done (tests, shutdown).
  virtual Status wait_idle() = 0;
};

}  // namespace vecdex

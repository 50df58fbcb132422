// SegmentSet::open: option checks and crash recovery. The manifest names the sealed segment
// files and the pids each holds; storage (for_each_live_pid) says which pids still exist.
// Loaded segments drop the points that are gone; a file that is missing or fails to load is
// rebuilt from storage; live pids that no sealed segment holds are handed back as `missing`.
#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "vecdex/index_factory.h"
#include "engine/segment_manifest.h"
#include "engine/segment_set_impl.h"

namespace vecdex::engine {
namespace {

Status check_options(const SegmentOptions& o) {
  if (o.dim == 0) return invalid_argument("segments: dim must be positive, got 0");
  if (o.segment_max_points == 0) {
    return invalid_argument("segments: segment_max_points must be positive, got 0");
  }
  if (o.dir.empty()) return invalid_argument("segments: dir is empty; a directory is required");
  return Status();
}

// Makes an empty index of `spec` to check that segments can use it; returns its search keys.
Result<SearchParams> check_spec(const SegmentOptions& o, const std::string& spec,
                                std::string_view role, bool needs_no_training) {
  Result<std::unique_ptr<Index>> made = make_index(spec, o.dim, o.metric);
  if (!made.ok()) return made.status().with_context(fmt::format("segments: {}", role));
  const Index& index = **made;
  if (!index.supports_remove()) {
    return invalid_argument(fmt::format(
        "segments: {} '{}' cannot remove points; segments need a family with remove", role, spec));
  }
  if (needs_no_training && !index.is_trained()) {
    return invalid_argument(fmt::format(
        "segments: {} '{}' needs training; the mutable segment needs a family without (HNSW, "
        "Flat)",
        role, spec));
  }
  return accepted_search_keys(index);
}

SearchParams union_keys(std::initializer_list<SearchParams> all) {
  SearchParams out;
  for (const SearchParams& p : all) {
    if (p.ef) out.ef = 1;
    if (p.nprobe) out.nprobe = 1;
    if (p.rerank) out.rerank = 1;
    if (p.search_k) out.search_k = 1;
    if (p.threads) out.threads = 1;
  }
  return out;
}

// Sorted live pids with a "seen in a sealed segment" mark each.
struct LiveSet {
  std::vector<Pid> pids;
  std::vector<char> seen;

  // Index of pid in pids, or -1.
  ptrdiff_t find(Pid pid) const {
    auto it = std::lower_bound(pids.begin(), pids.end(), pid);
    return it != pids.end() && *it == pid ? it - pids.begin() : -1;
  }
};

// Rebuilds a segment whose file is gone or damaged from the vectors in storage.
Result<std::unique_ptr<Segment>> rebuild_segment(const SegmentOptions& o,
                                                 const FetchVectors& fetch, uint64_t id,
                                                 const std::vector<Pid>& live) {
  std::vector<float> rows(live.size() * o.dim);
  VECDEX_RETURN_IF_ERROR(fetch(live, rows.data()));
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Segment> segment,
                          build_segment(id, o.index_spec, o.dim, o.metric, live,
                                        MatrixView{rows.data(), live.size(), o.dim},
                                        o.build_threads));
  VECDEX_RETURN_IF_ERROR(segment->index->save(segment_file(o.dir, id)));
  return segment;
}

// Loads seg-<id>.vdx and checks that it fits the options; Corruption-like errors otherwise.
Result<std::unique_ptr<Index>> load_segment_index(const SegmentOptions& o, uint64_t id) {
  std::filesystem::path path = segment_file(o.dir, id);
  LoadOptions load;
  load.mmap = o.map_files;
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index, load_index(path, load));
  if (index->dim() != o.dim || index->metric() != o.metric) {
    return corruption(fmt::format("{}: dim {} metric {}, expected dim {} metric {}",
                                  path.string(), index->dim(), metric_name(index->metric()),
                                  o.dim, metric_name(o.metric)));
  }
  return index;
}

// Deletes seg-* files (and temporaries) that the manifest does not name.
void delete_unnamed_files(const std::filesystem::path& dir, const SegmentList& kept) {
  std::vector<std::string> names;
  for (const std::shared_ptr<Segment>& s : kept) {
    names.push_back(segment_file(dir, s->id).filename().string());
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    bool ours = name.rfind("seg-", 0) == 0 || name == "segments.manifest.tmp";
    if (ours && std::find(names.begin(), names.end(), name) == names.end()) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

}  // namespace

Result<std::unique_ptr<SegmentSet>> SegmentSet::open(SegmentOptions options, FetchVectors fetch,
                                                     const ForEachLivePid& for_each_live_pid,
                                                     std::vector<Pid>* missing) {
  VECDEX_RETURN_IF_ERROR(check_options(options));
  if (!fetch || !for_each_live_pid || missing == nullptr) {
    return invalid_argument("segments: open needs fetch, for_each_live_pid and missing");
  }
  VECDEX_ASSIGN_OR_RETURN(SearchParams mutable_keys,
                          check_spec(options, options.mutable_spec, "mutable_spec", true));
  VECDEX_ASSIGN_OR_RETURN(SearchParams staging_keys,
                          check_spec(options, options.staging_spec, "staging_spec", true));
  VECDEX_ASSIGN_OR_RETURN(SearchParams sealed_keys,
                          check_spec(options, options.index_spec, "index_spec", false));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return io_error(fmt::format("segments: cannot create {}: {}", options.dir.string(),
                                ec.message()));
  }

  LiveSet live;
  for_each_live_pid([&](Pid pid) { live.pids.push_back(pid); });
  std::sort(live.pids.begin(), live.pids.end());
  live.pids.erase(std::unique(live.pids.begin(), live.pids.end()), live.pids.end());
  live.seen.assign(live.pids.size(), 0);

  Result<SegmentManifest> read = read_manifest(options.dir);
  if (!read.ok() && read.status().code() == StatusCode::kIOError) return read.status();
  // No manifest, or a damaged one: nothing sealed survives; every live pid is missing.
  bool rewrite = !read.ok();
  SegmentManifest manifest = read.ok() ? std::move(*read) : SegmentManifest{};

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->fetch = std::move(fetch);
  impl->usable_keys = union_keys({mutable_keys, staging_keys, sealed_keys});
  uint64_t next_id = manifest.next_segment_id;
  SegmentList sealed;
  for (const SegmentManifest::Entry& entry : manifest.segments) {
    next_id = std::max(next_id, entry.id + 1);
    // Points of this file that are live and not already claimed by an earlier segment.
    std::vector<Pid> keep;
    std::vector<Pid> drop;
    for (Pid pid : entry.pids) {
      ptrdiff_t at = live.find(pid);
      if (at >= 0 && !live.seen[at]) {
        live.seen[at] = 1;
        keep.push_back(pid);
      } else {
        drop.push_back(pid);
      }
    }
    if (keep.empty()) {
      rewrite = true;
      continue;
    }
    Result<std::unique_ptr<Index>> loaded = load_segment_index(options, entry.id);
    std::unique_ptr<Segment> segment;
    if (loaded.ok()) {
      segment = wrap_segment(entry.id, std::move(*loaded), entry.pids, SegmentState::kSealed);
      segment->remove(drop);
    } else {
      Result<std::unique_ptr<Segment>> rebuilt =
          rebuild_segment(options, impl->fetch, entry.id, keep);
      rewrite = true;
      if (!rebuilt.ok()) {
        if (rebuilt.status().code() == StatusCode::kIOError) return rebuilt.status();
        // Storage cannot give the vectors back either: the caller re-adds the points.
        for (Pid pid : keep) live.seen[live.find(pid)] = 0;
        continue;
      }
      segment = std::move(*rebuilt);
    }
    for (Pid pid : keep) impl->where.emplace(pid, segment.get());
    sealed.push_back(std::move(segment));
  }
  missing->clear();
  for (size_t i = 0; i < live.pids.size(); ++i) {
    if (!live.seen[i]) missing->push_back(live.pids[i]);
  }
  delete_unnamed_files(options.dir, sealed);

  impl->next_id.store(next_id);
  impl->publish(std::move(sealed));
  if (rewrite) VECDEX_RETURN_IF_ERROR(impl->persist_manifest());
  std::vector<SegmentJobQueue::Job> jobs_to_run;
  {
    std::lock_guard<std::mutex> lock(impl->writer);
    VECDEX_RETURN_IF_ERROR(impl->open_mutable_segment());
    jobs_to_run.push_back(impl->plan_compaction());
  }
  impl->jobs = std::make_unique<SegmentJobQueue>(options.background_threads);
  if (options.staging_idle_ms > 0) {
    Impl* raw = impl.get();
    impl->idle_seal = std::make_unique<IdleTrigger>(
        std::chrono::milliseconds(options.staging_idle_ms), [raw] { raw->seal_idle_staging(); });
  }
  impl->submit_all(std::move(jobs_to_run));
  return std::unique_ptr<SegmentSet>(new SegmentSet(std::move(impl)));
}

}  // namespace vecdex::engine

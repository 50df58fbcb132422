// HNSW: the hierarchical navigable small-world graph index (Malkov & Yashunin, 2018) over a
// pluggable vector codec: "HNSW32" (f32), "HNSW32,FP16", "HNSW32,BF16", "HNSW32,SQ8", and with
// ",Refine" the f32 originals kept for exact re-ranking (rerank=R). File sections hnsw.*
// (docs/file-format.md §HNSW); build and search keys in docs/factory-strings.md §HNSW.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "core/rw_gate.h"
#include "core/visited_pool.h"
#include "index/factory/registry.h"
#include "index/hnsw/graph.h"
#include "index/hnsw/hnsw_params.h"
#include "index/hnsw/neighbor_select.h"
#include "index/hnsw/search.h"
#include "index/id_slot_map.h"
#include "index/index_file.h"
#include "quant/codec.h"
#include "vecdex/index.h"

namespace vecdex::hnsw {

// The registry entry for "HNSW<M>".
factory::FamilyEntry family_entry();

// Default beam width of a query when the request names no ef (hnswlib: 10, FAISS: 16; ours is
// higher so that an unparameterised search already has useful recall).
inline constexpr uint32_t kDefaultEfSearch = 64;

// Per-thread search scratch, pooled (no allocation per query once warm).
struct QueryScratch;

// HNSW index. Slots are internal node numbers; ids_[s] is slot s's external id, or kNoId for a
// removed slot. Removed nodes are excluded from results at once but stay in the graph as
// tombstones that searches walk through; once enough have gathered (repair_batch()), every list
// that points at one is rebuilt with the heuristic (graph_repair.cc) in one scan, so they
// become unreachable, recall does not decay under churn, and their slots are freed for later
// adds. Batching makes a removal cost O(list checks per batch / batch) instead of a full scan.
//
// Thread safety (stronger than the Index default):
//  - search() may run concurrently with search(), add() and remove(). Searches read link lists
//    without locks through acquire loads (graph.h); add()/remove() write them under per-node
//    spin locks with release stores.
//  - add() and remove() are serialised against each other by an internal mutex; add() inserts
//    in parallel (BuildOptions::threads) with per-node locks and one mutex for entry-point
//    changes. Growth of the node arrays, slot reuse and id-map updates happen in a short
//    exclusive section (RwGate) that waits for in-flight queries.
//  - train(), save() and stats() need the index quiescent (no concurrent add/remove).
class HnswIndex final : public Index {
 public:
  HnswIndex(size_t dim, Metric metric, std::string spec, HnswParams params,
            std::unique_ptr<quant::Codec> codec);
  ~HnswIndex() override;

  size_t size() const override { return live_.load(std::memory_order_relaxed); }
  bool is_trained() const override { return codec_->is_trained(); }
  bool supports_remove() const override { return true; }
  IndexStats stats() const override;
  const HnswParams& params() const { return params_; }

  // Loader for the registry (hnsw_io.cc).
  static Result<std::unique_ptr<Index>> load(const IndexFileReader& file,
                                             const LoadOptions& options);

 protected:
  std::vector<std::string> accepted_search_keys() const override;

 private:
  struct QueryPlan;  // resolved search parameters of one batch

  Status train_impl(MatrixView data, const BuildOptions& options) override;
  Status add_impl(std::span<const Id> ids, MatrixView data, const BuildOptions& options) override;
  Result<size_t> remove_impl(std::span<const Id> ids) override;
  Status search_impl(MatrixView queries, size_t k, const SearchParams& params,
                     const Filter* filter, SearchResults& out) const override;
  Status save_impl(const std::filesystem::path& path) const override;

  // Links slots[i] (codes, levels and ids already in place) into the graph.
  template <typename Scorer>
  void insert_all(std::span<const Slot> slots, const float* vectors, size_t threads);
  template <typename Scorer>
  void repair_all(std::span<const Slot> removed);
  // Repairs the lists pointing at unrepaired_ slots and moves those slots to free_slots_.
  void repair_pending();
  // Tombstones gathered before a repair scan: 1/64 of the slots, at least kMinRepairBatch.
  size_t repair_batch() const;
  static constexpr size_t kMinRepairBatch = 128;
  // Picks a live node of the highest level as entry point (after removals).
  void reset_entry_point();
  Status make_owned();

  template <typename Scorer>
  void search_one(const float* q, const QueryPlan& plan, QueryScratch& s, Scorer& score, Id* ids, float* dists) const;
  template <typename Scorer>
  void search_filtered_one(const float* q, const QueryPlan& plan, QueryScratch& s, Scorer& score, Id* ids, float* dists) const;
  template <typename Scorer>
  void brute_force_one(const float* q, const QueryPlan& plan, QueryScratch& s, Scorer& score, Id* ids, float* dists) const;
  // Writes the best k of s.cands[0, n) (sorted, internal distances) to the row, re-scoring the best
  // plan.rerank exactly when originals are kept. Skips removed slots.
  void emit(const float* q, const QueryPlan& plan, QueryScratch& s, size_t n, Id* ids,
            float* dists) const;
  Id id_at(Slot s) const { return __atomic_load_n(ids_.data() + s, __ATOMIC_ACQUIRE); }
  float exact_distance(const float* q, Slot s) const;
  bool use_f32_scorer() const { return codec_->kind() == quant::CodecKind::kF32; }

  HnswParams params_;
  std::unique_ptr<quant::Codec> codec_;
  const distance::KernelTable* kernels_;
  Graph graph_;
  std::vector<Id> ids_;  // per slot; kNoId = free
  IdSlotMap slot_of_;
  std::vector<Slot> free_slots_;
  std::vector<Slot> unrepaired_;  // removed slots that lists may still point at (tombstones)
  AlignedBuffer<float> originals_;  // with Refine: slots() x dim f32
  const float* originals_view_ = nullptr;
  std::shared_ptr<const IndexFileReader::Storage> file_;  // level 0 / originals in place
  std::atomic<size_t> live_{0};
  uint64_t level_draws_ = 0;  // levels drawn so far: the level generator's position

  mutable RwGate state_;     // shared: queries; exclusive: growth, slot reuse, id map
  std::mutex write_mutex_;   // serialises add() and remove()
  std::mutex entry_mutex_;   // entry-point changes during insertion
  mutable ObjectPool<QueryScratch> scratch_pool_;
};

}  // namespace vecdex::hnsw

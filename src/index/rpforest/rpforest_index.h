// RPForest: a forest of random-projection trees, in the spirit of Spotify's Annoy
// (Bernhardsson). "RPForest50" builds 50 trees; build options leaf=K, seed=S; search keys
// search_k and threads (docs/factory-strings.md §RPForest). File sections rpf.*
// (docs/file-format.md §RPForest).
//
// Build: each tree splits the points recursively by a hyperplane learned from two random
// points refined by 2-means (L2: the plane through the centroids' midpoint; inner product and
// cosine: an angular split through the origin) until a node holds <= leaf points
// (tree_builder.h). Trees are built in parallel, each from its own seeded generator, so a build
// is deterministic for a seed at any thread count.
// Search: one priority queue over all trees keyed by the margin (the smallest distance to a
// plane on the way down); leaves are popped best first until search_k candidates are gathered,
// which are deduplicated and scored exactly with the SIMD kernels.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "core/visited_pool.h"
#include "index/factory/registry.h"
#include "index/id_slot_map.h"
#include "index/index_file.h"
#include "index/rpforest/forest.h"
#include "index/rpforest/rpforest_params.h"
#include "vecdex/index.h"

namespace vecdex::rpforest {

// The registry entry for "RPForest<ntrees>".
factory::FamilyEntry family_entry();

// search_k when the request names none: kDefaultSearchKPerTree * ntrees * k leaf entries.
// Annoy's default is ntrees * k, which gives low recall; on Fashion-MNIST (k = 10) this one
// gives recall@10 ~0.93 with RPForest10 and ~0.99 with RPForest50 (docs/factory-strings.md).
inline constexpr size_t kDefaultSearchKPerTree = 5;

// Per-thread search scratch, pooled (no allocation per query once warm; rpforest_search.cc).
struct QueryScratch;

// Slots are dense internal positions of the f32 rows (unit-norm for cosine): row s at
// vectors_ + s * dim, external id ids_[s], or kNoId for a removed slot.
// Updates: add() routes new points down every tree to a leaf and splits leaves that grow past
// 2 * leaf (an add that at least doubles the index rebuilds every tree instead). remove()
// tombstones the slot (excluded from results at once); once tombstones pass a quarter of the
// live points the leaves are compacted and their slots reused.
// After load, the vectors and the forest are read in place from the file image: the read buffer,
// or with LoadOptions::mmap a read-only (PROT_READ) mapping whose pages are never written, so
// they stay the page cache's pages and every process that loads the same file shares them. The
// first add, or a remove that compacts leaves, copies the arrays first (the file is never written).
// Thread safety: the Index default. search, stats and save may run concurrently with each
// other; add and remove need exclusive access.
class RpForestIndex final : public Index {
 public:
  RpForestIndex(size_t dim, Metric metric, std::string spec, RpForestParams params);
  ~RpForestIndex() override;

  size_t size() const override { return slot_of_.size(); }
  bool supports_remove() const override { return true; }
  IndexStats stats() const override;
  const RpForestParams& params() const { return params_; }

  // Loader for the registry (rpforest_io.cc).
  static Result<std::unique_ptr<Index>> load(const IndexFileReader& file,
                                             const LoadOptions& options);

 protected:
  std::vector<std::string> accepted_search_keys() const override {
    return {"search_k", "threads"};
  }

 private:
  struct QueryPlan;

  Status add_impl(std::span<const Id> ids, MatrixView data, const BuildOptions& options) override;
  Result<size_t> remove_impl(std::span<const Id> ids) override;
  Status search_impl(MatrixView queries, size_t k, const SearchParams& params,
                     const Filter* filter, SearchResults& out) const override;
  Status save_impl(const std::filesystem::path& path) const override;

  // Copies the file-backed vectors and forest into owned memory (copy-on-write before mutation).
  Status make_owned();
  TreeInput tree_input() const;
  // Rebuilds every tree over all live slots (threads from BuildOptions).
  Status rebuild(size_t threads);
  // Routes the new slots into every tree and splits leaves that grew past 2 * leaf.
  Status insert(std::span<const Slot> slots, size_t threads);
  // Rewrites the leaf entries tightly, dropping tombstoned slots, which become reusable.
  Status compact_leaves();
  // Marks the slots removed and lists them as tombstones (undoes a failed add).
  void discard(std::span<const Slot> slots);

  // Exact internal distance (squared L2, or negated inner product) from q to slot s.
  float distance(const float* q, Slot s) const {
    const float* x = vectors_ + size_t{s} * dim();
    return l2_ ? kernels_->l2_f32(q, x, dim()) : -kernels_->ip_f32(q, x, dim());
  }
  void search_trees(const float* q, const QueryPlan& plan, QueryScratch& s, Id* ids,
                    float* dists) const;
  void brute_force(const float* q, const QueryPlan& plan, QueryScratch& s, Id* ids,
                   float* dists) const;

  RpForestParams params_;
  const distance::KernelTable* kernels_;
  bool l2_;
  Forest forest_;
  std::vector<Id> ids_;  // per slot; kNoId = removed (tombstoned or free)
  IdSlotMap slot_of_;
  std::vector<Slot> free_slots_;   // removed and purged from the leaves: reusable
  std::vector<Slot> tombstones_;   // removed, still listed in leaves
  AlignedBuffer<float> owned_vectors_;
  const float* vectors_ = nullptr;  // slots() * dim floats
  size_t slots_ = 0;
  std::shared_ptr<const IndexFileReader::Storage> file_;  // non-null while arrays are in place
  mutable ObjectPool<QueryScratch> scratch_pool_;
};

}  // namespace vecdex::rpforest

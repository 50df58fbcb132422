// Flat: exact (brute-force) search over contiguous float32 rows. The baseline every approximate
// family is measured against, and the fallback for heavily filtered searches.
// Single queries and small batches scan with the SIMD kernels; larger batches use OpenBLAS sgemm
// with the norm trick (flat_search.cc). Once the index is large enough and its data has a
// steep enough spectrum, a PCA projection is learned and searches prune with lower bounds from
// it, still returning exact results (pca_bounds.h, flat_pruned_search.cc); single queries prune
// only while recent ones show it pays (prune_gate.h; not persisted). File sections:
// flat.ids, flat.vectors, flat.norms, and with a projection flat.pca, flat.proj, flat.pnorms
// (docs/file-format.md §flat).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "index/factory/registry.h"
#include "index/flat/pca_bounds.h"
#include "index/flat/prune_gate.h"
#include "index/id_slot_map.h"
#include "index/index_file.h"
#include "vecdex/index.h"

namespace vecdex::flat {

// The registry entry for "Flat".
factory::FamilyEntry family_entry();

// Build-time knobs (not in the factory string; tests and benchmarks construct FlatIndex with
// them directly).
struct FlatOptions {
  bool prune = true;             // learn a projection when it pays, and prune searches with it
  size_t prune_min_rows = 8192;  // learn it when an add first brings the index to this size
  PcaLearnOptions pca;
};

// Exact index. Rows live contiguously (row s at vectors + s * dim, 64-byte aligned base) with
// their squared L2 norms; ids_[s] is the external id of slot s and slot_of_ maps back.
// Invariants: ids_.size() == size(); slot_of_.find(ids_[s]) == s; cosine rows are unit-norm.
// Remove moves the last row into the freed slot (swap-with-last), so slots stay dense.
// With a projection (pca_), proj_ holds every row's augmented form and pnorms_ its squared norm,
// slot for slot like the rows; rows added after learning are projected with the same P (bounds
// stay valid, only looser if the data drifts).
// After load, rows and norms are read in place from the file image (the read buffer, or the
// mapping with LoadOptions::mmap); the first add/remove copies them into owned memory.
// Thread safety: search, range_search, stats and save may run concurrently with each other
// (concurrent searches share the relaxed-atomic PruneGate, which only steers speed); add and
// remove need exclusive access (no concurrent calls of any kind).
class FlatIndex final : public Index {
 public:
  FlatIndex(size_t dim, Metric metric, std::string spec, FlatOptions options = {});

  size_t size() const override { return ids_.size(); }
  bool supports_remove() const override { return true; }
  bool supports_range_search() const override { return true; }
  IndexStats stats() const override;

  // Loader for the registry (flat_io.cc).
  static Result<std::unique_ptr<Index>> load(const IndexFileReader& file,
                                             const LoadOptions& options);

 private:
  Status add_impl(std::span<const Id> ids, MatrixView data,
                  const BuildOptions& options) override;
  Result<size_t> remove_impl(std::span<const Id> ids) override;
  Status search_impl(MatrixView queries, size_t k, const SearchParams& params,
                     const Filter* filter, SearchResults& out) const override;
  Status range_search_impl(MatrixView queries, float radius, const SearchParams& params,
                           const Filter* filter, RangeSearchResults& out) const override;
  Status save_impl(const std::filesystem::path& path) const override;

  // Copies file-backed rows and norms into owned buffers (copy-on-write before mutation).
  Status make_owned();
  void refresh_views();
  // Learns the projection when the index first reaches options_.prune_min_rows (add_impl).
  void maybe_learn_projection();
  // Projects rows [from, size()) into owned_proj_ / owned_pnorms_ (already sized).
  Status project_tail(size_t from);
  // Forgets the projection (searches fall back to the unpruned paths; results stay exact).
  void drop_projection();

  const distance::KernelTable* kernels_;
  std::vector<Id> ids_;
  IdSlotMap slot_of_;
  AlignedBuffer<float> owned_vectors_;
  AlignedBuffer<float> owned_norms_;
  std::shared_ptr<const IndexFileReader::Storage> file_;  // non-null while rows are in the file
  bool mapped_ = false;                                   // file_ is an mmap
  const float* vectors_ = nullptr;                        // size() * dim() floats
  const float* norms_ = nullptr;                          // size() floats
  FlatOptions options_;
  std::unique_ptr<PcaModel> pca_;  // null: no pruning
  bool pca_tried_ = false;         // learning ran (or a file said so); never retried
  AlignedBuffer<float> owned_proj_;
  AlignedBuffer<float> owned_pnorms_;
  const float* proj_ = nullptr;    // size() x pca_->width floats
  const float* pnorms_ = nullptr;  // size() floats
  float pnorm_max_ = 0.0f;         // >= every pnorms_[s]
  PruneGate single_gate_;          // single queries / small batches: prune or scan (search only)
};

}  // namespace vecdex::flat

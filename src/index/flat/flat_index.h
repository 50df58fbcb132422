// Flat: exact (brute-force) search over contiguous float32 rows. The baseline every approximate
// family is measured against, and the fallback for heavily filtered searches.
// Single queries and small batches scan with the SIMD kernels; larger batches use OpenBLAS sgemm
// with the norm trick (flat_search.cc). File sections: flat.ids, flat.vectors, flat.norms
// (docs/file-format.md §flat).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "index/factory/registry.h"
#include "index/index_file.h"
#include "vecdex/index.h"

namespace vecdex::flat {

// The registry entry for "Flat".
factory::FamilyEntry family_entry();

// Exact index. Rows live contiguously (row s at vectors + s * dim, 64-byte aligned base) with
// their squared L2 norms; ids_[s] is the external id of slot s and slot_of_ maps back.
// Invariants: ids_.size() == size(); slot_of_[ids_[s]] == s; cosine rows are unit-norm.
// Remove moves the last row into the freed slot (swap-with-last), so slots stay dense.
// After load, rows and norms are read in place from the file image (the read buffer, or the
// mapping with LoadOptions::mmap); the first add/remove copies them into owned memory.
// Thread safety: search, range_search, stats and save may run concurrently with each other;
// add and remove need exclusive access (no concurrent calls of any kind).
class FlatIndex final : public Index {
 public:
  FlatIndex(size_t dim, Metric metric, std::string spec);

  size_t size() const override { return ids_.size(); }
  bool supports_remove() const override { return true; }
  bool supports_range_search() const override { return true; }
  IndexStats stats() const override;

  // Loader for the registry (flat_io.cc).
  static Result<std::unique_ptr<Index>> load(const IndexFileReader& file,
                                             const LoadOptions& options);

 private:
  Status add_impl(std::span<const Id> ids, MatrixView data) override;
  Result<size_t> remove_impl(std::span<const Id> ids) override;
  Status search_impl(MatrixView queries, size_t k, const SearchParams& params,
                     const Filter* filter, SearchResults& out) const override;
  Status range_search_impl(MatrixView queries, float radius, const SearchParams& params,
                           const Filter* filter, RangeSearchResults& out) const override;
  Status save_impl(const std::filesystem::path& path) const override;

  // Copies file-backed rows and norms into owned buffers (copy-on-write before mutation).
  Status make_owned();
  void refresh_views();

  const distance::KernelTable* kernels_;
  std::vector<Id> ids_;
  std::unordered_map<Id, Slot> slot_of_;
  AlignedBuffer<float> owned_vectors_;
  AlignedBuffer<float> owned_norms_;
  std::shared_ptr<const IndexFileReader::Storage> file_;  // non-null while rows are in the file
  bool mapped_ = false;                                   // file_ is an mmap
  const float* vectors_ = nullptr;                        // size() * dim() floats
  const float* norms_ = nullptr;                          // size() floats
};

}  // namespace vecdex::flat

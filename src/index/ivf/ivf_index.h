// IVF: the inverted-file index (Jégou, Douze & Schmid, 2011; FAISS's IndexIVF*). A coarse
// k-means quantizer splits the space into nlist cells; a query scans only the vectors of its
// nprobe nearest cells. Storage stages: "IVF1024,Flat" (f32), FP16, BF16, SQ8 (raw vectors),
// "IVF1024,PQ32[x4|x8]" (PQ of the residual x - c, ADC), "IVF1024,PQ32x4fs" (4-bit fast-scan),
// and ",Refine" (f32 originals kept; the best `rerank` candidates are re-scored exactly).
// Search keys: nprobe, rerank (Refine only), threads. File sections ivf.* (docs/file-format.md
// §IVF); spec grammar in docs/factory-strings.md §IVF.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "index/factory/registry.h"
#include "index/id_slot_map.h"
#include "index/index_file.h"
#include "index/ivf/inverted_lists.h"
#include "index/ivf/ivf_params.h"
#include "quant/codec.h"
#include "quant/pq.h"
#include "vecdex/index.h"

namespace vecdex::ivf {

// The registry entry for "IVF<nlist>".
factory::FamilyEntry family_entry();

// Lists probed when a request names no nprobe (FAISS's default is 1, which rarely gives useful
// recall). Capped at nlist.
inline constexpr uint32_t kDefaultNprobe = 8;
// Candidates re-scored by Refine when a request names no rerank: max(4 k, 32).
inline size_t default_rerank(size_t k) { return k * 4 > 32 ? k * 4 : 32; }

struct SearchScratch;  // per-worker search buffers (ivf_search.cc)

// Slots are dense internal numbers [0, size()): ids_[s] is slot s's external id, list_of_[s] and
// pos_of_[s] its place in the lists, and (Refine) originals row s its f32 vector. Removal moves
// the list's last entry into the hole, then the last slot into the freed slot, so both stay
// dense. Cosine vectors are stored normalised (and searched as inner product).
// Vectors are assigned to the nearest centroid (L2; for ip / cosine the largest inner product,
// as FAISS's IVF with an IndexFlatIP quantizer does). PQ stages encode the residual x - c; the
// other stages encode x itself.
// After load, codes, slots, norms and originals are read in place from the file image (copied
// before the first add/remove); centroids, ids and the small maps are copied.
// Thread safety: search, stats and save may run concurrently with each other; train, add and
// remove need exclusive access.
class IvfIndex final : public Index {
 public:
  IvfIndex(size_t dim, Metric metric, std::string spec, IvfParams params);
  ~IvfIndex() override;

  size_t size() const override { return ids_.size(); }
  bool is_trained() const override { return trained_; }
  bool supports_remove() const override { return true; }
  IndexStats stats() const override;
  const IvfParams& params() const { return params_; }

  // Loader for the registry (ivf_io.cc).
  static Result<std::unique_ptr<Index>> load(const IndexFileReader& file,
                                             const LoadOptions& options);

 protected:
  std::vector<std::string> accepted_search_keys() const override;

 private:
  struct Plan;  // resolved parameters of one search call (ivf_search.cc)

  Status train_impl(MatrixView data, const BuildOptions& options) override;
  Status add_impl(std::span<const Id> ids, MatrixView data, const BuildOptions& options) override;
  Result<size_t> remove_impl(std::span<const Id> ids) override;
  Status search_impl(MatrixView queries, size_t k, const SearchParams& params,
                     const Filter* filter, SearchResults& out) const override;
  Status save_impl(const std::filesystem::path& path) const override;

  // Builds the codec / PQ objects for params_ (untrained).
  Status make_quantizers();
  bool inner_product() const { return metric() != Metric::kL2; }
  // Copies file-backed data into owned memory (before add/remove).
  Status make_owned();

  // Search pieces (ivf_search.cc).
  void search_one(const float* q, const uint32_t* probes, const float* probe_dists,
                  const Plan& plan, SearchScratch& s, Id* ids, float* dists) const;
  void scan_list(const float* q, size_t l, float coarse, SearchScratch& s) const;
  void prepare_query(const float* q, SearchScratch& s) const;
  void finish_query(const float* q, const Plan& plan, SearchScratch& s, Id* ids,
                    float* dists) const;
  void subset_one(const float* q, const Plan& plan, SearchScratch& s, Id* ids, float* dists) const;
  Status batch_flat(MatrixView queries, const std::vector<uint32_t>& probes, const Plan& plan,
                    std::vector<SearchScratch>& scratch, size_t threads, SearchResults& out) const;
  float exact_distance(const float* q, Slot s) const;

  IvfParams params_;
  const distance::KernelTable* kernels_;
  bool trained_ = false;
  std::vector<float> centroids_;                // nlist x dim
  std::unique_ptr<quant::Codec> codec_;         // FP16 / BF16 / SQ8
  quant::ProductQuantizer pq_;                  // PQ stages
  InvertedLists lists_;
  std::vector<Id> ids_;                         // per slot
  std::vector<uint32_t> list_of_;               // per slot
  std::vector<uint32_t> pos_of_;                // per slot
  IdSlotMap slot_of_;
  AlignedBuffer<float> originals_;              // Refine: size() x dim, owned
  const float* originals_view_ = nullptr;       // owned or in the file image
  std::shared_ptr<const IndexFileReader::Storage> file_;  // non-null while data is in the file
  bool mapped_ = false;
};

}  // namespace vecdex::ivf

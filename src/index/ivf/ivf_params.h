// Build parameters of the IVF family and their parsing from a factory spec such as
// "IVF1024,Flat", "IVF1024,SQ8", "IVF1024,PQ32", "IVF1024,PQ392x4fs,Refine,niter=20"
// (docs/factory-strings.md §IVF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "index/factory/spec_parser.h"
#include "vecdex/result.h"

namespace vecdex::ivf {

// How the vectors of an inverted list are stored.
enum class IvfStorage : uint8_t {
  kFlat = 0,      // f32 rows (exact distances)
  kFP16 = 1,      // IEEE half
  kBF16 = 2,      // bfloat16
  kSQ8 = 3,       // 8-bit scalar quantizer (per-dimension ranges)
  kPQ = 4,        // product quantizer PQ{m}x{4|8} over residuals, ADC tables
  kPQFastScan = 5 // PQ{m}x4fs: 4-bit PQ over residuals in packed 32-code blocks
};
std::string_view storage_name(IvfStorage storage);

// Symbols follow Jégou, Douze & Schmid, "Product quantization for nearest neighbor search"
// (2011), where IVFADC was introduced.
struct IvfParams {
  // nlist: number of inverted lists (coarse k-means centroids), the stage number IVF<nlist>.
  // FAISS's guide suggests ~4 sqrt(n) to 16 sqrt(n). Range [1, 1 << 20].
  uint32_t nlist = 1024;
  IvfStorage storage = IvfStorage::kFlat;
  // PQ stages: m sub-quantizers (PQ<m>), nbits 8 (default) or 4 (x4 / x4fs).
  uint32_t pq_m = 0;
  uint32_t pq_nbits = 8;
  // "Refine": keep the f32 originals and re-score the best `rerank` candidates exactly.
  bool refine = false;
  // k-means seed (coarse centroids and PQ codebooks). Build option seed=<n>. Default 1234.
  uint64_t seed = 1234;
  // Lloyd iterations of the coarse k-means. Build option niter=<n>; FAISS's IVF uses 10.
  uint32_t niter = 10;
  // OPQ rotation before PQ (Ge et al., 2013). Build option opq=1; PQ stages only.
  bool opq = false;
  // ScaNN's anisotropic quantization threshold T in (0, 1) (Guo et al., 2020). Build option
  // aq=T; PQ stages with the inner-product / cosine metric only. 0 = off.
  float aq = 0.0f;

  bool is_pq() const { return storage == IvfStorage::kPQ || storage == IvfStorage::kPQFastScan; }
  // InvalidArgument when a field is out of range.
  Status validate() const;
};

// Parses and validates the spec (first stage IVF<nlist>). Errors name the token and position.
Result<IvfParams> parse_ivf_spec(const factory::ParsedSpec& spec);

// Parses a decimal float such as "0.2" or "1e-3" (finite, whole token); false otherwise.
bool parse_float(std::string_view text, float* out);

}  // namespace vecdex::ivf

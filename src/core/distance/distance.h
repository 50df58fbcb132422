// Distance kernels: one table of plain function pointers per SIMD target, resolved once.
// Kernels are written once with Google Highway (l2_ip_*.cc, hamming.cc) and compiled for every
// target Highway supports here (scalar/EMU128, SSE4, AVX2, AVX-512); reference.h holds the plain
// loops that tests compare against. Hot loops fetch the table once and call through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/result.h"

namespace vecdex::distance {

// What VECDEX_SIMD may ask for. kBest = the best target the CPU supports.
enum class SimdLevel : uint8_t { kBest, kScalar, kAvx2, kAvx512 };

// Parses "best" | "scalar" | "avx2" | "avx512" (case-insensitive); InvalidArgument naming the
// accepted values otherwise.
Result<SimdLevel> parse_simd_level(std::string_view text);

// What a VECDEX_SIMD value resolves to on a CPU that can run `available` (scalar first, as
// available_levels() returns). A level the CPU lacks falls back to the best lower one that it
// has; an unparsable value falls back to kBest. `error` explains any fallback ("" otherwise).
struct SimdChoice {
  SimdLevel level = SimdLevel::kBest;
  std::string error;
};
// `env_value` is the variable's value, "" when unset. Pure: kernels() applies it once to
// available_levels(); tests call it directly.
SimdChoice resolve_simd_level(std::string_view env_value, const std::vector<SimdLevel>& available);

// All kernels of one target. Distances are "smaller is better" for L2 (squared Euclidean);
// ip_* return the plain dot product. f16/bf16 inputs are raw IEEE-754 binary16 / bfloat16 bits.
// Integer kernels accumulate exactly in integers and return the sum as float.
struct KernelTable {
  const char* target_name = "";  // Highway's name: "EMU128", "SCALAR", "AVX2", "AVX3", ...

  float (*l2_f32)(const float* a, const float* b, size_t dim) = nullptr;
  float (*ip_f32)(const float* a, const float* b, size_t dim) = nullptr;
  float (*l2_f16)(const uint16_t* a, const uint16_t* b, size_t dim) = nullptr;
  float (*ip_f16)(const uint16_t* a, const uint16_t* b, size_t dim) = nullptr;
  float (*l2_bf16)(const uint16_t* a, const uint16_t* b, size_t dim) = nullptr;
  float (*ip_bf16)(const uint16_t* a, const uint16_t* b, size_t dim) = nullptr;
  float (*l2_i8)(const int8_t* a, const int8_t* b, size_t dim) = nullptr;
  float (*ip_i8)(const int8_t* a, const int8_t* b, size_t dim) = nullptr;
  float (*l2_u8)(const uint8_t* a, const uint8_t* b, size_t dim) = nullptr;
  float (*ip_u8)(const uint8_t* a, const uint8_t* b, size_t dim) = nullptr;
  // Number of differing bits between two bit-packed codes of `words` 64-bit words.
  uint64_t (*hamming)(const uint64_t* a, const uint64_t* b, size_t words) = nullptr;

  // One query against n contiguous rows (row i at base + i * dim): out[i] = kernel(q, row i).
  void (*l2_f32_many)(const float* q, const float* base, size_t n, size_t dim, float* out) = nullptr;
  void (*ip_f32_many)(const float* q, const float* base, size_t n, size_t dim, float* out) = nullptr;
  // Squared L2 norms of n contiguous rows.
  void (*norms_f32)(const float* base, size_t n, size_t dim, float* out) = nullptr;

  // Codec kernels (codec_kernels.cc): an f32 query against one stored code of `dim` elements,
  // with the signature of quant::PreparedQuery::DistanceFn so a codec hands them out as they are.
  // Codes are raw bytes at any alignment: f16/bf16 codes are 2 * dim bytes of little-endian bits,
  // u8 codes dim bytes. Accumulation is in f32.
  using CodecDistanceFn = float (*)(const float* query, const uint8_t* code, size_t dim,
                                    const float* params);
  // sum_j (q_j - x_j)^2 and sum_j q_j x_j with x the widened f16 / bf16 code; params unused.
  CodecDistanceFn l2_f32_f16 = nullptr;
  CodecDistanceFn ip_f32_f16 = nullptr;
  CodecDistanceFn l2_f32_bf16 = nullptr;
  CodecDistanceFn ip_f32_bf16 = nullptr;
  // SQ8 L2 with per-dimension scales: sum_j (q_j - params[j] * c_j)^2 (params = dim scales s_j,
  // required). With q_j = query_j - min_j this is the squared distance to the decoded vector
  // min + s * c, at one FMA per element for the difference plus one for the square. ("Weighted":
  // each code element is weighed by its dimension's scale.)
  CodecDistanceFn l2_sq8_weighted = nullptr;
  // SQ8 L2 in code units with one scale for every dimension: params[0] * sum_j (q_j - c_j)^2
  // (factor 1 if params is null); q_j = (query_j - min_j) / s and params[0] = s^2.
  CodecDistanceFn l2_sq8_uniform = nullptr;
  // params[0] + sum_j q_j * c_j (no offset if params is null).
  CodecDistanceFn ip_f32_u8 = nullptr;

  // 4-bit PQ fast-scan (fastscan_kernels.cc; layout in quant/fastscan.h): for every vector i of
  // nblocks packed blocks of 32, out[b * 32 + i] = sum_j lut[j * 16 + code_j] mod 2^16 over the
  // m_padded (even) sub-quantizers; lut is m_padded x 16 bytes. When masks is not null, bit i of
  // masks[b] is set iff out[b * 32 + i] <= threshold. No alignment needed.
  void (*fastscan_accumulate)(const uint8_t* packed, size_t nblocks, const uint8_t* lut,
                              size_t m_padded, uint16_t threshold, uint16_t* out,
                              uint32_t* masks) = nullptr;
};

// The process's table: the best target the CPU supports, capped by the VECDEX_SIMD environment
// variable (read once, at the first call; an invalid value falls back to "best" and is reported
// by simd_config_error()). Thread-safe; the reference stays valid for the process lifetime.
const KernelTable& kernels();
// Non-empty when VECDEX_SIMD held a value that could not be honoured.
const std::string& simd_config_error();

// The table of one level, for tests and benchmarks. FailedPrecondition when this CPU cannot
// run it (e.g. kAvx512 on an AVX2-only machine). Levels map to Highway targets: kScalar = SCALAR
// or EMU128 (whichever is compiled), kAvx2 = AVX2, kAvx512 = AVX3_DL when the CPU has it, else
// AVX3; kBest = the best compiled target the CPU supports (may be SSE4 on older machines).
// Never changes Highway's global dispatch state.
Result<KernelTable> kernels_for(SimdLevel level);
// Levels this CPU can run, scalar first (kBest is not listed).
std::vector<SimdLevel> available_levels();
// The tables of every target compiled here that this CPU can run, scalar first, best last
// (e.g. SCALAR, SSE4, AVX2, AVX3, AVX3_DL): lets tests and benchmarks cover targets that no
// SimdLevel names.
std::vector<KernelTable> runnable_kernel_tables();
// "scalar", "avx2", "avx512", "best".
const char* simd_level_name(SimdLevel level);

}  // namespace vecdex::distance

// Plain scalar loops for every kernel in KernelTable: the oracle the SIMD kernels are tested
// against. Not Highway's scalar target, and not meant to be fast. Float kernels accumulate in
// double (so they are at least as accurate as any f32 reordering); integer kernels accumulate
// exactly in int64 and hamming in uint64.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdex::distance::reference {

// Squared Euclidean distance and dot product; f16/bf16 are raw bits (see half.h).
double l2_f32(const float* a, const float* b, size_t dim);
double ip_f32(const float* a, const float* b, size_t dim);
double l2_f16(const uint16_t* a, const uint16_t* b, size_t dim);
double ip_f16(const uint16_t* a, const uint16_t* b, size_t dim);
double l2_bf16(const uint16_t* a, const uint16_t* b, size_t dim);
double ip_bf16(const uint16_t* a, const uint16_t* b, size_t dim);
int64_t l2_i8(const int8_t* a, const int8_t* b, size_t dim);
int64_t ip_i8(const int8_t* a, const int8_t* b, size_t dim);
int64_t l2_u8(const uint8_t* a, const uint8_t* b, size_t dim);
int64_t ip_u8(const uint8_t* a, const uint8_t* b, size_t dim);
uint64_t hamming(const uint64_t* a, const uint64_t* b, size_t words);

// sum_i |a_i * b_i|: the scale of the rounding error an f32 dot product may carry, for tests.
double abs_ip_f32(const float* a, const float* b, size_t dim);

void l2_f32_many(const float* q, const float* base, size_t n, size_t dim, double* out);
void ip_f32_many(const float* q, const float* base, size_t n, size_t dim, double* out);
void norms_f32(const float* base, size_t n, size_t dim, double* out);

// Codec kernels (asymmetric: f32 query q against a stored code); see KernelTable's fields.
double l2_f32_f16(const float* q, const uint16_t* code, size_t dim);
double ip_f32_f16(const float* q, const uint16_t* code, size_t dim);
double l2_f32_bf16(const float* q, const uint16_t* code, size_t dim);
double ip_f32_bf16(const float* q, const uint16_t* code, size_t dim);
// sum_j (q_j - s_j c_j)^2.
double l2_sq8_weighted(const float* q, const uint8_t* code, size_t dim, const float* s);
// scale * sum_j (q_j - c_j)^2.
double l2_sq8_uniform(const float* q, const uint8_t* code, size_t dim, float scale);
// bias + sum_j a_j c_j.
double ip_f32_u8(const float* a, const uint8_t* code, size_t dim, float bias);

}  // namespace vecdex::distance::reference

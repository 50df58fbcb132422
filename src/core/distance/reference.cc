// Plain scalar reference kernels (see reference.h). Deliberately simple loops.
#include "core/distance/reference.h"

#include <bit>

#include "core/distance/half.h"

namespace vecdex::distance::reference {
namespace {

template <typename T, typename Convert>
double l2_generic(const T* a, const T* b, size_t dim, Convert convert) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(convert(a[i])) - static_cast<double>(convert(b[i]));
    sum += d * d;
  }
  return sum;
}

template <typename T, typename Convert>
double ip_generic(const T* a, const T* b, size_t dim, Convert convert) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    sum += static_cast<double>(convert(a[i])) * static_cast<double>(convert(b[i]));
  }
  return sum;
}

template <typename T>
int64_t l2_int(const T* a, const T* b, size_t dim) {
  int64_t sum = 0;
  for (size_t i = 0; i < dim; ++i) {
    const int64_t d = static_cast<int64_t>(a[i]) - static_cast<int64_t>(b[i]);
    sum += d * d;
  }
  return sum;
}

template <typename T>
int64_t ip_int(const T* a, const T* b, size_t dim) {
  int64_t sum = 0;
  for (size_t i = 0; i < dim; ++i)
    sum += static_cast<int64_t>(a[i]) * static_cast<int64_t>(b[i]);
  return sum;
}

float identity(float x) {
  return x;
}

}  // namespace

double l2_f32(const float* a, const float* b, size_t dim) {
  return l2_generic(a, b, dim, identity);
}
double ip_f32(const float* a, const float* b, size_t dim) {
  return ip_generic(a, b, dim, identity);
}
double l2_f16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return l2_generic(a, b, dim, f16_to_float);
}
double ip_f16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return ip_generic(a, b, dim, f16_to_float);
}
double l2_bf16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return l2_generic(a, b, dim, bf16_to_float);
}
double ip_bf16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return ip_generic(a, b, dim, bf16_to_float);
}
int64_t l2_i8(const int8_t* a, const int8_t* b, size_t dim) {
  return l2_int(a, b, dim);
}
int64_t ip_i8(const int8_t* a, const int8_t* b, size_t dim) {
  return ip_int(a, b, dim);
}
int64_t l2_u8(const uint8_t* a, const uint8_t* b, size_t dim) {
  return l2_int(a, b, dim);
}
int64_t ip_u8(const uint8_t* a, const uint8_t* b, size_t dim) {
  return ip_int(a, b, dim);
}

uint64_t hamming(const uint64_t* a, const uint64_t* b, size_t words) {
  uint64_t sum = 0;
  for (size_t i = 0; i < words; ++i)
    sum += static_cast<uint64_t>(std::popcount(a[i] ^ b[i]));
  return sum;
}

double abs_ip_f32(const float* a, const float* b, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double p = static_cast<double>(a[i]) * static_cast<double>(b[i]);
    sum += p < 0 ? -p : p;
  }
  return sum;
}

void l2_f32_many(const float* q, const float* base, size_t n, size_t dim, double* out) {
  for (size_t i = 0; i < n; ++i)
    out[i] = l2_f32(q, base + i * dim, dim);
}
void ip_f32_many(const float* q, const float* base, size_t n, size_t dim, double* out) {
  for (size_t i = 0; i < n; ++i)
    out[i] = ip_f32(q, base + i * dim, dim);
}
void norms_f32(const float* base, size_t n, size_t dim, double* out) {
  for (size_t i = 0; i < n; ++i)
    out[i] = ip_f32(base + i * dim, base + i * dim, dim);
}

double l2_f32_f16(const float* q, const uint16_t* code, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(q[i]) - static_cast<double>(f16_to_float(code[i]));
    sum += d * d;
  }
  return sum;
}
double ip_f32_f16(const float* q, const uint16_t* code, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i)
    sum += static_cast<double>(q[i]) * static_cast<double>(f16_to_float(code[i]));
  return sum;
}
double l2_f32_bf16(const float* q, const uint16_t* code, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(q[i]) - static_cast<double>(bf16_to_float(code[i]));
    sum += d * d;
  }
  return sum;
}
double ip_f32_bf16(const float* q, const uint16_t* code, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i)
    sum += static_cast<double>(q[i]) * static_cast<double>(bf16_to_float(code[i]));
  return sum;
}
double l2_sq8_weighted(const float* q, const uint8_t* code, size_t dim, const float* s) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(q[i]) - static_cast<double>(s[i]) * code[i];
    sum += d * d;
  }
  return sum;
}
double l2_sq8_uniform(const float* q, const uint8_t* code, size_t dim, float scale) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(q[i]) - static_cast<double>(code[i]);
    sum += d * d;
  }
  return static_cast<double>(scale) * sum;
}
double ip_f32_u8(const float* a, const uint8_t* code, size_t dim, float bias) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i)
    sum += static_cast<double>(a[i]) * static_cast<double>(code[i]);
  return static_cast<double>(bias) + sum;
}

}  // namespace vecdex::distance::reference

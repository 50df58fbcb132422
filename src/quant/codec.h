// Vector codecs: how a family stores vectors (f32, FP16, BF16, SQ8 ...) and how it scores a
// prepared query against a stored code. Graph and list code reach stored vectors only through
// this interface, so `HNSW32,SQ8` is the HNSW graph over an SQ8 codec (STYLE.md 3.1 "compose").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::quant {

enum class CodecKind : uint8_t { kF32 = 0, kF16 = 1, kBF16 = 2, kSQ8 = 3 };

// Name used in factory strings and file sections: "F32" (the default), "FP16", "BF16", "SQ8".
std::string_view codec_name(CodecKind kind);

// A query prepared for one codec: holds the query in whatever form the codec's kernel wants
// (f32 copy, rescaled for SQ8, ...) and a plain function pointer to the kernel, so a distance
// is one indirect call, as cheap as hnswlib's fstdistfunc_. Internal "smaller is better"
// convention: squared L2, or the negated inner product.
// Thread safety: one PreparedQuery per searching thread; reuse it across queries (prepare()
// overwrites it without allocating once its buffer has grown).
class PreparedQuery {
 public:
  PreparedQuery() = default;
  PreparedQuery(const PreparedQuery&) = delete;  // query_ points into storage_
  PreparedQuery& operator=(const PreparedQuery&) = delete;
  PreparedQuery(PreparedQuery&&) noexcept = default;
  PreparedQuery& operator=(PreparedQuery&&) noexcept = default;

  float distance(const uint8_t* code) const { return fn_(query_, code, dim_, params_); }

  // Kernel signature every codec provides: (prepared query, code, dim, codec params).
  using DistanceFn = float (*)(const float* query, const uint8_t* code, size_t dim,
                               const float* params);

 private:
  friend class Codec;
  DistanceFn fn_ = nullptr;
  const float* query_ = nullptr;  // points into storage_
  const float* params_ = nullptr;  // codec-owned per-dimension parameters (may be null)
  size_t dim_ = 0;
  std::vector<float> storage_;
};

// Encodes fixed-size codes of `dim` floats and scores prepared queries against them.
// Codecs that learn parameters (SQ8's per-dimension ranges) need train() before encode().
// Thread safety: after training, every const method may run concurrently.
class Codec {
 public:
  virtual ~Codec() = default;

  CodecKind kind() const { return kind_; }
  size_t dim() const { return dim_; }
  Metric metric() const { return metric_; }
  // Bytes of one encoded vector.
  virtual size_t code_bytes() const = 0;
  // True when encode() is exact (F32): a refine stage over this codec changes nothing.
  virtual bool is_exact() const { return false; }
  virtual bool is_trained() const { return true; }
  // Learns parameters from a sample (no-op for codecs without any).
  virtual Status train(MatrixView sample) { return Status(); }

  // code must hold code_bytes(); x holds dim() floats (already normalised for cosine).
  virtual void encode(const float* x, uint8_t* code) const = 0;
  virtual void decode(const uint8_t* code, float* x) const = 0;

  // Prepares `query` (dim() floats) for distance(code) calls; reuses out's buffer.
  virtual void prepare(const float* query, PreparedQuery& out) const = 0;

  // Parameters to persist (empty for codecs without any) and their inverse.
  virtual std::vector<uint8_t> serialize_params() const { return {}; }
  virtual Status deserialize_params(std::span<const uint8_t> bytes) { return Status(); }

 protected:
  Codec(CodecKind kind, size_t dim, Metric metric) : kind_(kind), dim_(dim), metric_(metric) {}

  // For subclasses' prepare(): fills `out` with fn over a query copy transformed by the caller.
  static float* reset_query(PreparedQuery& out, size_t floats, PreparedQuery::DistanceFn fn,
                            const float* params, size_t dim) {
    out.storage_.resize(floats);
    out.fn_ = fn;
    out.query_ = out.storage_.data();
    out.params_ = params;
    out.dim_ = dim;
    return out.storage_.data();
  }

 private:
  CodecKind kind_;
  size_t dim_;
  Metric metric_;
};

// Builds a codec for `kind`; Cosine is treated as inner product (vectors arrive normalised).
Result<std::unique_ptr<Codec>> make_codec(CodecKind kind, size_t dim, Metric metric);

}  // namespace vecdex::quant

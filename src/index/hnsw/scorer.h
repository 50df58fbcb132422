// Scorers: "distance from a prepared query to a stored code" for the graph walk (the role of
// FAISS's DistanceComputer). F32Scorer calls the resolved f32 kernel directly on the code;
// CodecScorer goes through a quant::Codec's PreparedQuery (FP16, BF16, SQ8). The walk in
// search.h is a template over the scorer, so either is one indirect call per distance.
// Distances follow the internal convention: squared L2, or the negated inner product.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/distance/distance.h"
#include "quant/codec.h"
#include "vecdex/types.h"

namespace vecdex::hnsw {

// Not thread-safe: one per searching thread, reused across queries.
class F32Scorer {
 public:
  F32Scorer(const quant::Codec& codec, const distance::KernelTable& kernels)
      : fn_(codec.metric() == Metric::kL2 ? kernels.l2_f32 : kernels.ip_f32),
        sign_(codec.metric() == Metric::kL2 ? 1.0f : -1.0f),
        dim_(codec.dim()) {}

  // The query must stay alive until the next prepare call.
  void prepare(const float* query) { query_ = query; }
  // Prepares a stored code as the query (graph construction: node-to-node distances).
  void prepare_code(const uint8_t* code) { query_ = reinterpret_cast<const float*>(code); }
  float operator()(const uint8_t* code) const {
    return sign_ * fn_(query_, reinterpret_cast<const float*>(code), dim_);
  }

 private:
  float (*fn_)(const float*, const float*, size_t);
  float sign_;
  size_t dim_;
  const float* query_ = nullptr;
};

// Not thread-safe: one per searching thread, reused across queries.
class CodecScorer {
 public:
  CodecScorer(const quant::Codec& codec, const distance::KernelTable& /*kernels*/)
      : codec_(&codec), decoded_(codec.dim()) {}

  void prepare(const float* query) { codec_->prepare(query, prepared_); }
  void prepare_code(const uint8_t* code) {
    codec_->decode(code, decoded_.data());
    codec_->prepare(decoded_.data(), prepared_);
  }
  float operator()(const uint8_t* code) const { return prepared_.distance(code); }

 private:
  const quant::Codec* codec_;
  quant::PreparedQuery prepared_;
  std::vector<float> decoded_;
};

}  // namespace vecdex::hnsw

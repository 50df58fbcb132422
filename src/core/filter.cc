// Filter: allowed-id sets as a dense bitset, a CRoaring 64-bit bitmap, or a half-open id range.
#include "vecdex/filter.h"

#include <roaring/roaring64map.hh>

#include <algorithm>
#include <bit>
#include <utility>

namespace vecdex {

// Exactly one representation is live, chosen by the factory that built the filter.
struct Filter::Impl {
  enum class Kind { kDense, kRoaring, kRange };
  Kind kind = Kind::kDense;
  std::vector<uint64_t> words;  // kDense
  Roaring64Map roaring;         // kRoaring
  Id range_begin = 0;           // kRange: [range_begin, range_end)
  Id range_end = 0;
  uint64_t count = 0;           // cached cardinality
};

Filter::Filter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  if (impl_->kind == Impl::Kind::kDense) {
    dense_words_ = impl_->words.data();
    dense_word_count_ = impl_->words.size();
  }
}

Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;
Filter::~Filter() = default;

Filter Filter::from_ids(std::span<const Id> ids) {
  auto impl = std::make_unique<Impl>();
  impl->kind = Impl::Kind::kRoaring;
  if (!ids.empty()) impl->roaring.addMany(ids.size(), ids.data());
  impl->roaring.runOptimize();
  impl->count = impl->roaring.cardinality();
  return Filter(std::move(impl));
}

Filter Filter::from_bitset(std::vector<uint64_t> words) {
  auto impl = std::make_unique<Impl>();
  impl->kind = Impl::Kind::kDense;
  uint64_t count = 0;
  for (uint64_t w : words) count += static_cast<uint64_t>(std::popcount(w));
  impl->words = std::move(words);
  impl->count = count;
  return Filter(std::move(impl));
}

Filter Filter::from_range(Id begin, Id end) {
  auto impl = std::make_unique<Impl>();
  impl->kind = Impl::Kind::kRange;
  impl->range_begin = begin;
  impl->range_end = std::max(begin, end);
  impl->count = impl->range_end - impl->range_begin;
  return Filter(std::move(impl));
}

bool Filter::allows_slow(Id id) const {
  switch (impl_->kind) {
    case Impl::Kind::kDense: return false;  // handled inline by allows()
    case Impl::Kind::kRoaring: return impl_->roaring.contains(static_cast<uint64_t>(id));
    case Impl::Kind::kRange: return id >= impl_->range_begin && id < impl_->range_end;
  }
  return false;
}

uint64_t Filter::count() const { return impl_->count; }

std::vector<Id> Filter::to_vector() const {
  std::vector<Id> out;
  out.reserve(impl_->count);
  switch (impl_->kind) {
    case Impl::Kind::kDense:
      for (size_t w = 0; w < impl_->words.size(); ++w) {
        uint64_t bits = impl_->words[w];
        while (bits != 0) {
          out.push_back(static_cast<Id>(w) * 64 + static_cast<Id>(std::countr_zero(bits)));
          bits &= bits - 1;
        }
      }
      break;
    case Impl::Kind::kRoaring:
      out.resize(impl_->count);
      if (!out.empty()) impl_->roaring.toUint64Array(out.data());
      break;
    case Impl::Kind::kRange:
      for (Id id = impl_->range_begin; id < impl_->range_end; ++id) out.push_back(id);
      break;
  }
  return out;
}

}  // namespace vecdex

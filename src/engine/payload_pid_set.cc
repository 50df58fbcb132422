// PidSet: sparse (roaring) or dense (bitset) sets of internal point numbers.
#include "engine/payload_pid_set.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace vecdex::engine {

namespace {

// A set at least this dense (1 pid per kDenseRatio ids of the universe) is kept as a bitset:
// the bitset then costs at most kDenseRatio bits per member, about a roaring array's 16.
constexpr uint64_t kDenseRatio = 16;

template <typename Fn>
void for_each_bit(const std::vector<uint64_t>& words, Fn&& fn) {
  for (size_t w = 0; w < words.size(); ++w) {
    uint64_t bits = words[w];
    while (bits != 0) {
      fn(static_cast<Pid>(w) * 64 + static_cast<Pid>(std::countr_zero(bits)));
      bits &= bits - 1;
    }
  }
}

}  // namespace

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__POPCNT__)
__attribute__((target_clones("popcnt", "default")))
#endif
uint64_t count_bits(const uint64_t* words, size_t n) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += static_cast<uint64_t>(std::popcount(words[i]));
  return total;
}

PidSet PidSet::sparse(PidBitmap bits, size_t universe_words) {
  PidSet s;
  s.universe_words_ = universe_words;
  s.sparse_ = std::move(bits);
  return s;
}

PidSet PidSet::empty_dense(size_t universe_words) {
  PidSet s;
  s.universe_words_ = universe_words;
  s.dense_ = true;
  s.words_.assign(universe_words, 0);
  return s;
}

bool PidSet::prefers_dense(uint64_t count, size_t universe_words) {
  return universe_words > 0 && count * kDenseRatio >= static_cast<uint64_t>(universe_words) * 64;
}

PidSet PidSet::from_pids(std::vector<Pid> pids, size_t universe_words) {
  if (prefers_dense(pids.size(), universe_words)) {
    PidSet s = empty_dense(universe_words);
    for (Pid p : pids) s.set(p);
    return s;
  }
  std::sort(pids.begin(), pids.end());  // roaring appends sorted values fastest
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  PidBitmap bits;
  bits.add_sorted(pids);
  return sparse(std::move(bits), universe_words);
}

uint64_t PidSet::count() const {
  if (!dense_) return sparse_.count();
  return count_bits(words_.data(), words_.size());
}

bool PidSet::contains(Pid pid) const {
  if (!dense_) return sparse_.contains(pid);
  return (pid >> 6) < words_.size() && ((words_[pid >> 6] >> (pid & 63)) & 1u) != 0;
}

PidSet PidSet::dense_copy(const PidBitmap& bits, size_t universe_words) {
  PidSet s = empty_dense(universe_words);
  bits.set_bits(s.words_);
  return s;
}

void PidSet::densify() {
  if (dense_) return;
  words_.assign(universe_words_, 0);
  sparse_.set_bits(words_);
  sparse_ = PidBitmap();
  dense_ = true;
}

void PidSet::intersect(PidSet&& other) {
  if (!dense_ && !other.dense_) {
    sparse_ &= other.sparse_;
    return;
  }
  densify();
  other.densify();
  for (size_t w = 0; w < words_.size(); ++w) words_[w] &= other.words_[w];
}

void PidSet::unite(PidSet&& other) {
  if (!dense_ && !other.dense_) {
    sparse_ |= other.sparse_;
    return;
  }
  if (!dense_) {  // densify the bigger side once rather than copying it
    std::swap(*this, other);
  }
  if (!other.dense_) {
    other.sparse_.set_bits(words_);
    return;
  }
  for (size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
}

void PidSet::subtract(PidSet&& other) {
  if (!dense_ && !other.dense_) {
    sparse_ -= other.sparse_;
    return;
  }
  densify();
  if (!other.dense_) {
    other.sparse_.clear_bits(words_);
    return;
  }
  for (size_t w = 0; w < words_.size(); ++w) words_[w] &= ~other.words_[w];
}

void PidSet::intersect(const Filter& filter) {
  if (dense_) {
    for_each_bit(words_, [&](Pid p) {
      if (!filter.allows(p)) words_[p >> 6] &= ~(uint64_t{1} << (p & 63));
    });
    return;
  }
  std::vector<Pid> kept;
  sparse_.for_each([&](Pid p) {
    if (filter.allows(p)) kept.push_back(p);
  });
  sparse_ = PidBitmap();
  sparse_.add_sorted(kept);
}

void PidSet::intersect_words(std::span<const uint64_t> words) {
  if (dense_) {
    const size_t shared = std::min(words_.size(), words.size());
    for (size_t w = 0; w < shared; ++w) words_[w] &= words[w];
    std::fill(words_.begin() + shared, words_.end(), uint64_t{0});
    return;
  }
  std::vector<Pid> kept;
  sparse_.for_each([&](Pid p) {
    const size_t w = p >> 6;
    if (w < words.size() && ((words[w] >> (p & 63)) & 1u) != 0) kept.push_back(p);
  });
  sparse_ = PidBitmap();
  sparse_.add_sorted(kept);
}

Filter PidSet::to_filter() && {
  uint64_t n = count();
  if (prefers_dense(n, universe_words_)) {
    densify();
    return Filter::from_bitset(std::move(words_));
  }
  std::vector<Id> ids;
  if (dense_) {
    ids.reserve(n);
    for_each_bit(words_, [&](Pid p) { ids.push_back(p); });
  } else {
    ids = sparse_.to_vector();
  }
  return Filter::from_ids(ids);
}

}  // namespace vecdex::engine

// Bounded top-k selection for "smaller is better" distances: a max-heap of the k best seen so
// far, with a threshold check so most candidates are rejected by one comparison.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace vecdex {

// Keeps the k smallest (distance, id) pairs pushed into it. Ties on distance are broken by the
// smaller id, so the result does not depend on push order. Hot loops read threshold() and call
// push() only when `distance <= threshold()`.
// Storage is reused across reset() calls: create one per thread (or per query slot), not per
// query. Not thread-safe; each instance belongs to one thread at a time.
template <typename IdT>
class TopK {
 public:
  TopK() = default;
  explicit TopK(size_t k) { reset(k); }

  // Empties the heap and sets its capacity to k (k may be 0: nothing is kept).
  void reset(size_t k) {
    k_ = k;
    size_ = 0;
    if (dist_.size() < k) {
      dist_.resize(k);
      ids_.resize(k);
    }
    threshold_ = k == 0 ? -std::numeric_limits<float>::infinity()
                        : std::numeric_limits<float>::infinity();
  }

  size_t k() const { return k_; }
  size_t size() const { return size_; }
  // The worst distance still kept once full; +inf while filling (-inf when k == 0).
  float threshold() const { return threshold_; }

  // Offers a candidate. O(1) when rejected, O(log k) when kept.
  void push(float distance, IdT id) {
    if (size_ < k_) {
      sift_up(size_, distance, id);
      ++size_;
      if (size_ == k_) threshold_ = dist_[0];
      return;
    }
    if (k_ == 0 || !better(distance, id, dist_[0], ids_[0])) return;
    sift_down(distance, id);
    threshold_ = dist_[0];
  }

  // Writes the kept pairs sorted best first (ascending distance, then id) and empties the heap.
  // Returns how many were written (<= k).
  size_t extract_sorted(float* distances, IdT* ids) {
    size_t n = size_;
    // Pop the worst to the back repeatedly: a heap sort that needs no extra buffer.
    for (size_t end = n; end > 0; --end) {
      float d = dist_[0];
      IdT id = ids_[0];
      size_t last = end - 1;
      float ld = dist_[last];
      IdT lid = ids_[last];
      size_ = last;
      if (last > 0) sift_down(ld, lid);
      distances[last] = d;
      ids[last] = id;
    }
    size_ = 0;
    threshold_ = k_ == 0 ? -std::numeric_limits<float>::infinity()
                         : std::numeric_limits<float>::infinity();
    return n;
  }

 private:
  // True when (da, ia) ranks before (db, ib).
  static bool better(float da, IdT ia, float db, IdT ib) {
    return da < db || (da == db && ia < ib);
  }

  void sift_up(size_t pos, float d, IdT id) {
    while (pos > 0) {
      size_t parent = (pos - 1) / 2;
      if (!better(dist_[parent], ids_[parent], d, id)) break;
      dist_[pos] = dist_[parent];
      ids_[pos] = ids_[parent];
      pos = parent;
    }
    dist_[pos] = d;
    ids_[pos] = id;
  }

  // Places (d, id) at the root of the heap of size_ elements and restores the max-heap order.
  void sift_down(float d, IdT id) {
    size_t pos = 0;
    const size_t n = size_;
    while (true) {
      size_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && better(dist_[child], ids_[child], dist_[child + 1], ids_[child + 1])) {
        ++child;
      }
      if (!better(d, id, dist_[child], ids_[child])) break;
      dist_[pos] = dist_[child];
      ids_[pos] = ids_[child];
      pos = child;
    }
    dist_[pos] = d;
    ids_[pos] = id;
  }

  size_t k_ = 0;
  size_t size_ = 0;
  float threshold_ = std::numeric_limits<float>::infinity();
  std::vector<float> dist_;
  std::vector<IdT> ids_;
};

}  // namespace vecdex

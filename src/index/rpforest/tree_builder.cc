// Tree construction. The split of a node follows Annoy's idea (Bernhardsson): take two random
// points of the node, refine them as two centroids with online 2-means over random members,
// and cut with the hyperplane between them. Degenerate or very lopsided cuts are retried, then
// replaced by a random halving, so every node shrinks and the build always terminates.
#include "index/rpforest/tree_builder.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <utility>

#include <fmt/format.h>

namespace vecdex::rpforest {
namespace {

constexpr int kTwoMeansSteps = 200;   // random members folded into the centroids per split
constexpr int kSplitAttempts = 3;     // learned planes tried before a random halving
constexpr double kMaxImbalance = 0.95;  // larger side / node size above which a cut is retried

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ull;
    return splitmix(state_);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }

 private:
  uint64_t state_;
};

class TreeBuilder {
 public:
  TreeBuilder(const TreeInput& in, std::vector<Slot> slots, uint64_t seed)
      : in_(in), rng_(seed), p_(in.dim), q_(in.dim), x_(in.dim), normal_(in.dim) {
    out_.entries = std::move(slots);
  }

  BuiltTree run() {
    struct Task {
      uint32_t node;
      size_t begin, end;
    };
    out_.nodes.push_back(Node{});
    std::vector<Task> stack{{0, 0, out_.entries.size()}};
    while (!stack.empty()) {
      const Task t = stack.back();
      stack.pop_back();
      const size_t m = t.end - t.begin;
      if (m <= in_.leaf) {
        out_.nodes[t.node] = Node::leaf(static_cast<uint32_t>(t.begin), static_cast<uint32_t>(m),
                                        static_cast<uint32_t>(m));
        continue;
      }
      size_t mid = 0;
      uint32_t row = Node::kRandomSplit;
      float bias = 0.0f;
      for (int attempt = 0; attempt < kSplitAttempts && row == Node::kRandomSplit; ++attempt) {
        if (!learn_plane(t.begin, t.end, &bias)) continue;
        const size_t right = count_right(t.begin, t.end, bias);
        if (double(std::max(right, m - right)) > kMaxImbalance * double(m)) continue;
        mid = partition(t.begin, t.end);
        row = static_cast<uint32_t>(out_.normals.size() / in_.dim);
        out_.normals.insert(out_.normals.end(), normal_.begin(), normal_.end());
      }
      if (row == Node::kRandomSplit) {
        bias = 0.0f;
        mid = random_halves(t.begin, t.end);
      }
      const uint32_t left = static_cast<uint32_t>(out_.nodes.size());
      out_.nodes.push_back(Node{});
      out_.nodes.push_back(Node{});
      out_.nodes[t.node] = Node::split(row, left, left + 1, bias);
      stack.push_back({left + 1, mid, t.end});
      stack.push_back({left, t.begin, mid});
    }
    return std::move(out_);
  }

 private:
  const float* row(Slot s) const { return in_.vectors + size_t{s} * in_.dim; }

  // Scales v to unit length (left as is when it is zero).
  void normalize(float* v) const {
    const float norm2 = in_.kernels->ip_f32(v, v, in_.dim);
    if (norm2 > 0.0f) {
      const float inv = 1.0f / std::sqrt(norm2);
      for (size_t j = 0; j < in_.dim; ++j) v[j] *= inv;
    }
  }

  // Copies slot s's row into dst, normalised for angular splits.
  void load(Slot s, float* dst) const {
    std::copy(row(s), row(s) + in_.dim, dst);
    if (in_.angular) normalize(dst);
  }

  // Online 2-means over random members of [begin, end); leaves the unit normal in normal_ and
  // the offset in *bias. False when the centroids coincide (no plane separates them).
  bool learn_plane(size_t begin, size_t end, float* bias) {
    const size_t m = end - begin;
    const size_t i = rng_.below(m);
    size_t j = rng_.below(m - 1);
    if (j >= i) ++j;
    const Slot* slots = out_.entries.data() + begin;
    load(slots[i], p_.data());
    load(slots[j], q_.data());
    const size_t dim = in_.dim;
    float ip = 1.0f, iq = 1.0f;  // members folded into each centroid
    for (int step = 0; step < kTwoMeansSteps; ++step) {
      load(slots[rng_.below(m)], x_.data());
      // Weighing by the member counts favours the smaller cluster: balanced cuts.
      const float dp = ip * in_.kernels->l2_f32(p_.data(), x_.data(), dim);
      const float dq = iq * in_.kernels->l2_f32(q_.data(), x_.data(), dim);
      float* c = nullptr;
      float* count = nullptr;
      if (dp < dq) {
        c = p_.data();
        count = &ip;
      } else if (dq < dp) {
        c = q_.data();
        count = &iq;
      } else {
        continue;
      }
      const float w = 1.0f / (*count + 1.0f);
      for (size_t d = 0; d < dim; ++d) c[d] += (x_[d] - c[d]) * w;
      *count += 1.0f;
    }
    if (in_.angular) {
      normalize(p_.data());
      normalize(q_.data());
    }
    for (size_t d = 0; d < dim; ++d) normal_[d] = p_[d] - q_[d];
    const float norm2 = in_.kernels->ip_f32(normal_.data(), normal_.data(), dim);
    const float scale2 = std::max(in_.kernels->ip_f32(p_.data(), p_.data(), dim),
                                  in_.kernels->ip_f32(q_.data(), q_.data(), dim));
    if (!(norm2 > 1e-12f * scale2) || !std::isfinite(norm2)) return false;
    const float inv = 1.0f / std::sqrt(norm2);
    for (size_t d = 0; d < dim; ++d) normal_[d] *= inv;
    *bias = 0.0f;
    if (!in_.angular) {
      // The plane through the midpoint of the centroids: <n, x> - <n, (p + q) / 2> = 0.
      *bias = -0.5f * (in_.kernels->ip_f32(normal_.data(), p_.data(), dim) +
                       in_.kernels->ip_f32(normal_.data(), q_.data(), dim));
    }
    return std::isfinite(*bias);
  }

  // Records each member's side in side_; returns how many go right (margin > 0).
  size_t count_right(size_t begin, size_t end, float bias) {
    side_.resize(end - begin);
    size_t right = 0;
    for (size_t i = begin; i < end; ++i) {
      const float margin =
          in_.kernels->ip_f32(normal_.data(), row(out_.entries[i]), in_.dim) + bias;
      side_[i - begin] = margin > 0.0f ? 1 : 0;
      right += side_[i - begin];
    }
    return right;
  }

  // Moves the left members (side_ == 0) before the right ones, keeping their relative order
  // within each side; returns the first right position.
  size_t partition(size_t begin, size_t end) {
    scratch_.clear();
    size_t out = begin;
    for (size_t i = begin; i < end; ++i) {
      if (side_[i - begin] == 0) {
        out_.entries[out++] = out_.entries[i];
      } else {
        scratch_.push_back(out_.entries[i]);
      }
    }
    std::copy(scratch_.begin(), scratch_.end(), out_.entries.begin() + out);
    return out;
  }

  // Shuffles [begin, end) and cuts it in the middle.
  size_t random_halves(size_t begin, size_t end) {
    for (size_t i = end - 1; i > begin; --i) {
      std::swap(out_.entries[i], out_.entries[begin + rng_.below(i - begin + 1)]);
    }
    return begin + (end - begin) / 2;
  }

  const TreeInput& in_;
  Rng rng_;
  BuiltTree out_;
  std::vector<float> p_, q_, x_, normal_;
  std::vector<uint8_t> side_;
  std::vector<Slot> scratch_;
};

}  // namespace

uint64_t mix_seed(uint64_t a, uint64_t b) {
  return splitmix(a ^ splitmix(b + 0x632be59bd9b4e019ull));
}

Result<BuiltTree> build_tree(const TreeInput& in, std::vector<Slot> slots, uint64_t seed) {
  try {
    TreeBuilder builder(in, std::move(slots), seed);
    return builder.run();
  } catch (const std::bad_alloc&) {
    return resource_exhausted("RPForest: out of memory building a tree");
  }
}

}  // namespace vecdex::rpforest

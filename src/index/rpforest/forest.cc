// Forest: in-place adoption, copy-on-write, splicing built trees in, leaf growth, shape.
#include "index/rpforest/forest.h"

#include <algorithm>
#include <new>
#include <utility>

#include <fmt/format.h>

namespace vecdex::rpforest {
namespace {

// Indices are u32 and the two largest values mark leaves and random splits.
constexpr size_t kMaxElements = 0xFFFFFFFEu;

Status too_large(const char* what, size_t n) {
  return resource_exhausted(
      fmt::format("RPForest: {} would hold {} elements, the maximum is {}", what, n, kMaxElements));
}

}  // namespace

uint32_t Forest::route(size_t tree, const float* x, Slot slot,
                       const distance::KernelTable& k) const {
  uint32_t at = roots_[tree];
  while (!nodes_[at].is_leaf()) {
    const Node& n = nodes_[at];
    bool right;
    if (n.is_random_split()) {
      right = (mix_seed(slot, at) & 1) != 0;
    } else {
      right = margin(n, x, k) > 0.0f;
    }
    at = right ? n.right() : n.left();
  }
  return at;
}

void Forest::adopt(std::vector<uint32_t> roots, std::span<const Node> nodes,
                   std::span<const float> normals, std::span<const Slot> entries,
                   size_t used_entries) {
  roots_ = std::move(roots);
  owned_ = false;
  owned_nodes_.clear();
  owned_normals_.clear();
  owned_entries_.clear();
  nodes_ = nodes.data();
  normals_ = normals.data();
  entries_ = entries.data();
  node_count_ = nodes.size();
  normal_count_ = normals.size() / std::max<size_t>(dim_, 1);
  entry_count_ = entries.size();
  used_entries_ = used_entries;
}

Status Forest::make_owned() {
  if (owned_) return Status();
  try {
    owned_nodes_.assign(nodes_, nodes_ + node_count_);
    owned_normals_.assign(normals_, normals_ + normal_count_ * dim_);
    owned_entries_.assign(entries_, entries_ + entry_count_);
  } catch (const std::bad_alloc&) {
    owned_nodes_.clear();
    owned_normals_.clear();
    owned_entries_.clear();
    return resource_exhausted("RPForest: out of memory copying the forest out of its file");
  }
  owned_ = true;
  refresh_views();
  return Status();
}

void Forest::refresh_views() {
  nodes_ = owned_nodes_.data();
  normals_ = owned_normals_.data();
  entries_ = owned_entries_.data();
  node_count_ = owned_nodes_.size();
  normal_count_ = owned_normals_.size() / std::max<size_t>(dim_, 1);
  entry_count_ = owned_entries_.size();
}

void Forest::clear() {
  roots_.clear();
  owned_ = true;
  owned_nodes_ = {};
  owned_normals_ = {};
  owned_entries_ = {};
  used_entries_ = 0;
  refresh_views();
}

void Forest::shrink_to_fit() {
  if (!owned_) return;
  try {
    owned_nodes_.shrink_to_fit();
    owned_normals_.shrink_to_fit();
    owned_entries_.shrink_to_fit();
  } catch (const std::bad_alloc&) {
    // Keeping the spare capacity is harmless.
  }
  refresh_views();
}

Status Forest::splice(uint32_t at, BuiltTree& tree) {
  const size_t node_base = owned_nodes_.size();  // local node i > 0 lands at node_base + i - 1
  const size_t normal_base = owned_normals_.size() / dim_;
  const size_t entry_base = owned_entries_.size();
  if (node_base + tree.nodes.size() > kMaxElements) {
    return too_large("the node array", node_base + tree.nodes.size());
  }
  if (normal_base + tree.normals.size() / dim_ > kMaxElements) {
    return too_large("the normal array", normal_base + tree.normals.size() / dim_);
  }
  if (entry_base + tree.entries.size() > kMaxElements) {
    return too_large("the leaf-entry array", entry_base + tree.entries.size());
  }
  auto place = [&](uint32_t local) {
    return local == 0 ? at : static_cast<uint32_t>(node_base + local - 1);
  };
  try {
    owned_nodes_.reserve(node_base + tree.nodes.size() - 1);
    owned_normals_.insert(owned_normals_.end(), tree.normals.begin(), tree.normals.end());
    owned_entries_.insert(owned_entries_.end(), tree.entries.begin(), tree.entries.end());
  } catch (const std::bad_alloc&) {
    owned_normals_.resize(normal_base * dim_);
    owned_entries_.resize(entry_base);
    refresh_views();
    return resource_exhausted("RPForest: out of memory adding a tree");
  }
  for (size_t i = 0; i < tree.nodes.size(); ++i) {
    Node n = tree.nodes[i];
    if (n.is_leaf()) {
      n = Node::leaf(static_cast<uint32_t>(entry_base + n.offset()), n.count(), n.capacity());
    } else {
      const uint32_t row =
          n.is_random_split() ? Node::kRandomSplit : static_cast<uint32_t>(normal_base + n.normal);
      n = Node::split(row, place(n.left()), place(n.right()), n.bias());
    }
    if (i == 0) {
      owned_nodes_[at] = n;
    } else {
      owned_nodes_.push_back(n);  // capacity reserved above
    }
  }
  used_entries_ += tree.entries.size();
  refresh_views();
  return Status();
}

Status Forest::add_tree(BuiltTree tree) {
  VECDEX_RETURN_IF_ERROR(make_owned());
  const uint32_t at = static_cast<uint32_t>(owned_nodes_.size());
  if (at >= kMaxElements) return too_large("the node array", size_t{at} + 1);
  try {
    owned_nodes_.push_back(Node{});
    roots_.push_back(at);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("RPForest: out of memory adding a tree");
  }
  Status s = splice(at, tree);
  if (!s.ok()) {
    owned_nodes_.resize(at);
    roots_.pop_back();
    refresh_views();
  }
  return s;
}

Status Forest::graft(uint32_t at, BuiltTree tree) {
  VECDEX_RETURN_IF_ERROR(make_owned());
  const uint32_t old_count = owned_nodes_[at].count();
  VECDEX_RETURN_IF_ERROR(splice(at, tree));
  used_entries_ -= old_count;
  return Status();
}

Status Forest::append(uint32_t at, Slot s) {
  VECDEX_RETURN_IF_ERROR(make_owned());
  Node leaf = owned_nodes_[at];
  if (leaf.count() == leaf.capacity()) {
    const size_t room = std::max<size_t>(4, size_t{leaf.capacity()} * 2);
    const size_t offset = owned_entries_.size();
    if (offset + room > kMaxElements) return too_large("the leaf-entry array", offset + room);
    try {
      owned_entries_.resize(offset + room, Slot{0});
    } catch (const std::bad_alloc&) {
      return resource_exhausted("RPForest: out of memory growing a leaf");
    }
    std::copy(owned_entries_.begin() + leaf.offset(),
              owned_entries_.begin() + leaf.offset() + leaf.count(),
              owned_entries_.begin() + offset);
    leaf = Node::leaf(static_cast<uint32_t>(offset), leaf.count(), static_cast<uint32_t>(room));
  }
  owned_entries_[size_t{leaf.offset()} + leaf.count()] = s;
  owned_nodes_[at] = Node::leaf(leaf.offset(), leaf.count() + 1, leaf.capacity());
  ++used_entries_;
  refresh_views();
  return Status();
}

Forest::Shape Forest::shape() const {
  Shape out;
  std::vector<std::pair<uint32_t, size_t>> stack;  // (node, depth)
  double depth_sum = 0;
  size_t entries = 0;
  for (uint32_t r : roots_) {
    stack.push_back({r, 0});
    while (!stack.empty()) {
      auto [i, depth] = stack.back();
      stack.pop_back();
      const Node& n = nodes_[i];
      out.max_depth = std::max(out.max_depth, depth);
      if (n.is_leaf()) {
        ++out.leaves;
        depth_sum += double(depth) * n.count();
        entries += n.count();
        continue;
      }
      ++out.splits;
      if (n.is_random_split()) ++out.random_splits;
      stack.push_back({n.left(), depth + 1});
      stack.push_back({n.right(), depth + 1});
    }
  }
  out.mean_depth = entries == 0 ? 0.0 : depth_sum / double(entries);
  return out;
}

size_t Forest::memory_bytes() const {
  if (!owned_) {
    return node_count_ * sizeof(Node) + normal_count_ * dim_ * sizeof(float) +
           entry_count_ * sizeof(Slot) + roots_.capacity() * sizeof(uint32_t);
  }
  return owned_nodes_.capacity() * sizeof(Node) + owned_normals_.capacity() * sizeof(float) +
         owned_entries_.capacity() * sizeof(Slot) + roots_.capacity() * sizeof(uint32_t);
}

}  // namespace vecdex::rpforest

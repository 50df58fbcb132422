// Forest: the storage of every tree of an RPForest index, in three flat arrays shared by all
// trees (nodes, split normals, leaf entries) plus one root per tree. Position-independent (all
// references are indices), so a loaded file is used in place, from a read buffer or a mapping.
// See docs/file-format.md §RPForest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/distance/distance.h"
#include "index/rpforest/node.h"
#include "index/rpforest/tree_builder.h"
#include "vecdex/status.h"
#include "vecdex/types.h"

namespace vecdex::rpforest {

// Invariants: every node is reachable from exactly one root, once; split children and normal
// rows are in range; a leaf's run [offset, offset + capacity) lies inside the entry array and
// runs of different leaves do not overlap. Entries past a leaf's count are unused room, as are
// runs left behind when a leaf moved or was split ("spare" entries, reclaimed by compact()).
// After adopt(), the arrays are read in place from the caller's memory (a file image, which
// the caller keeps alive); the first mutation must be preceded by make_owned(), which copies
// them (copy-on-write: the file is never written).
// Thread safety: const methods may run concurrently; mutation needs exclusive access.
class Forest {
 public:
  explicit Forest(size_t dim) : dim_(dim) {}

  size_t dim() const { return dim_; }
  size_t tree_count() const { return roots_.size(); }
  uint32_t root(size_t tree) const { return roots_[tree]; }
  size_t node_count() const { return node_count_; }
  const Node& node(uint32_t i) const { return nodes_[i]; }
  size_t normal_count() const { return normal_count_; }
  const float* normal(uint32_t row) const { return normals_ + size_t{row} * dim_; }
  size_t entry_count() const { return entry_count_; }
  const Slot* entries(const Node& leaf) const { return entries_ + leaf.offset(); }
  // Leaf entries in use (sum of leaf counts); entry_count() - used_entries() are spare.
  size_t used_entries() const { return used_entries_; }

  // <normal, x> + bias: > 0 sends x right. 0 for a random split.
  float margin(const Node& split, const float* x, const distance::KernelTable& k) const {
    if (split.is_random_split()) return 0.0f;
    return k.ip_f32(normal(split.normal), x, dim_) + split.bias();
  }
  // The leaf of `tree` that x (stored at `slot`) belongs to: at each split the side its margin
  // picks; at random splits a side chosen by hashing (slot, node).
  uint32_t route(size_t tree, const float* x, Slot slot, const distance::KernelTable& k) const;

  // Uses the given arrays in place (the loader has validated them); `roots` is copied.
  void adopt(std::vector<uint32_t> roots, std::span<const Node> nodes,
             std::span<const float> normals, std::span<const Slot> entries, size_t used_entries);
  // Copies in-place arrays into owned memory; no-op when already owned.
  Status make_owned();
  bool is_owned() const { return owned_; }
  // Drops every tree.
  void clear();
  // Releases unused capacity of the owned arrays (after a build, which grows them tree by tree).
  void shrink_to_fit();

  // Mutations (owned forests only). ResourceExhausted when an array would exceed 2^32 - 2
  // elements or memory runs out.
  // Adds `tree` as tree number tree_count().
  Status add_tree(BuiltTree tree);
  // Replaces leaf node `at` by `tree` (built over that leaf's slots); its old run becomes spare.
  Status graft(uint32_t at, BuiltTree tree);
  // Appends slot s to leaf node `at`; a full leaf moves to the end of the entry array with twice
  // the room.
  Status append(uint32_t at, Slot s);
  // Rewrites the entry array tightly (capacity == count), dropping entries whose slot is dead.
  template <typename Dead>
  Status compact(Dead&& dead);

  // Tight copies of the nodes and entries with dead slots dropped (what compact() would make);
  // for save.
  template <typename Dead>
  Status compacted(Dead&& dead, std::vector<Node>* nodes, std::vector<Slot>* entries) const;

  struct Shape {
    size_t leaves = 0;
    size_t splits = 0;
    size_t random_splits = 0;
    size_t max_depth = 0;
    double mean_depth = 0;  // depth of the leaf holding an entry, averaged over entries
  };
  Shape shape() const;
  size_t memory_bytes() const;

 private:
  void refresh_views();
  // Appends tree's arrays; its node 0 goes to `at` (a placeholder or the replaced leaf).
  Status splice(uint32_t at, BuiltTree& tree);

  size_t dim_;
  std::vector<uint32_t> roots_;
  bool owned_ = true;
  std::vector<Node> owned_nodes_;
  std::vector<float> owned_normals_;
  std::vector<Slot> owned_entries_;
  const Node* nodes_ = nullptr;
  const float* normals_ = nullptr;
  const Slot* entries_ = nullptr;
  size_t node_count_ = 0;
  size_t normal_count_ = 0;
  size_t entry_count_ = 0;
  size_t used_entries_ = 0;
};

template <typename Dead>
Status Forest::compacted(Dead&& dead, std::vector<Node>* nodes, std::vector<Slot>* entries) const {
  try {
    nodes->assign(nodes_, nodes_ + node_count_);
    entries->clear();
    entries->reserve(used_entries_);
    for (Node& n : *nodes) {
      if (!n.is_leaf()) continue;
      const uint32_t offset = static_cast<uint32_t>(entries->size());
      const Slot* run = entries_ + n.offset();
      for (uint32_t i = 0; i < n.count(); ++i) {
        if (!dead(run[i])) entries->push_back(run[i]);
      }
      const uint32_t count = static_cast<uint32_t>(entries->size()) - offset;
      n = Node::leaf(offset, count, count);
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted("RPForest: out of memory compacting leaf entries");
  }
  return Status();
}

template <typename Dead>
Status Forest::compact(Dead&& dead) {
  std::vector<Node> nodes;
  std::vector<Slot> entries;
  VECDEX_RETURN_IF_ERROR(compacted(dead, &nodes, &entries));
  VECDEX_RETURN_IF_ERROR(make_owned());
  owned_nodes_ = std::move(nodes);
  owned_entries_ = std::move(entries);
  used_entries_ = owned_entries_.size();
  refresh_views();
  return Status();
}

}  // namespace vecdex::rpforest

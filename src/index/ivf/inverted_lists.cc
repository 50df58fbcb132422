// InvertedLists: append, swap-with-last removal, file adoption and copy-on-write.
#include "index/ivf/inverted_lists.h"

#include <cstring>
#include <new>

#include <fmt/format.h>

#include "quant/fastscan.h"

namespace vecdex::ivf {

namespace fs = quant::fastscan;

InvertedLists::InvertedLists(size_t nlist, size_t code_bytes, size_t fastscan_m, bool keep_norms)
    : code_bytes_(code_bytes),
      fastscan_m_(fastscan_m),
      keep_norms_(keep_norms),
      owned_(nlist),
      views_(nlist) {}

size_t InvertedLists::codes_bytes_for(size_t n) const {
  if (fastscan_m_ != 0) return fs::blocks_for(n) * fs::block_bytes(fastscan_m_);
  return n * code_bytes_;
}

void InvertedLists::get_code(size_t l, size_t pos, uint8_t* code) const {
  if (fastscan_m_ != 0) {
    fs::get_code(views_[l].codes, pos, fastscan_m_, code);
  } else {
    std::memcpy(code, code_ptr(l, pos), code_bytes_);
  }
}

void InvertedLists::refresh(size_t l) {
  Owned& o = owned_[l];
  views_[l] = ListView{o.slots.data(), o.codes.data(), keep_norms_ ? o.norms.data() : nullptr,
                       o.slots.size()};
}

Status InvertedLists::append(size_t l, Slot slot, const uint8_t* code, float norm) {
  Owned& o = owned_[l];
  const size_t n = o.slots.size();
  try {
    o.slots.reserve(n + 1);
    if (keep_norms_) o.norms.reserve(n + 1);
    const size_t bytes = codes_bytes_for(n + 1);
    if (o.codes.size() < bytes) o.codes.resize(bytes, 0);  // a new block starts zeroed
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("add: out of memory growing inverted list {}", l));
  }
  if (fastscan_m_ != 0) {
    fs::set_code(o.codes.data(), n, fastscan_m_, code);
  } else {
    std::memcpy(o.codes.data() + n * code_bytes_, code, code_bytes_);
  }
  o.slots.push_back(slot);
  if (keep_norms_) o.norms.push_back(norm);
  refresh(l);
  return Status();
}

Slot InvertedLists::remove_at(size_t l, size_t pos) {
  Owned& o = owned_[l];
  const size_t last = o.slots.size() - 1;
  Slot moved = kNoSlot;
  if (pos != last) {
    moved = o.slots[last];
    o.slots[pos] = moved;
    if (keep_norms_) o.norms[pos] = o.norms[last];
    if (fastscan_m_ != 0) {
      uint8_t code[4096];
      fs::get_code(o.codes.data(), last, fastscan_m_, code);
      fs::set_code(o.codes.data(), pos, fastscan_m_, code);
    } else {
      std::memcpy(o.codes.data() + pos * code_bytes_, o.codes.data() + last * code_bytes_,
                  code_bytes_);
    }
  }
  if (fastscan_m_ != 0) {
    // Zero the freed lane so a later append into this block starts clean.
    static const uint8_t kZero[4096] = {};
    fs::set_code(o.codes.data(), last, fastscan_m_, kZero);
  }
  o.slots.pop_back();
  if (keep_norms_) o.norms.pop_back();
  o.codes.resize(codes_bytes_for(o.slots.size()));
  refresh(l);
  return moved;
}

void InvertedLists::set_slot(size_t l, size_t pos, Slot slot) {
  owned_[l].slots[pos] = slot;
}

void InvertedLists::adopt(const std::vector<size_t>& sizes, const Slot* slots,
                          const uint8_t* codes, const float* norms) {
  size_t entry = 0;
  size_t byte = 0;
  for (size_t l = 0; l < views_.size(); ++l) {
    owned_[l] = Owned();
    views_[l] = ListView{slots + entry, codes + byte,
                         keep_norms_ && norms != nullptr ? norms + entry : nullptr, sizes[l]};
    entry += sizes[l];
    byte += codes_bytes_for(sizes[l]);
  }
  file_backed_ = true;
}

Status InvertedLists::make_owned() {
  if (!file_backed_) return Status();
  std::vector<Owned> copy(views_.size());
  try {
    for (size_t l = 0; l < views_.size(); ++l) {
      const ListView& v = views_[l];
      copy[l].slots.assign(v.slots, v.slots + v.size);
      copy[l].codes.assign(v.codes, v.codes + codes_bytes_for(v.size));
      if (keep_norms_) copy[l].norms.assign(v.norms, v.norms + v.size);
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory copying the inverted lists out of the file");
  }
  owned_ = std::move(copy);
  for (size_t l = 0; l < views_.size(); ++l) refresh(l);
  file_backed_ = false;
  return Status();
}

size_t InvertedLists::total() const {
  size_t n = 0;
  for (const ListView& v : views_) n += v.size;
  return n;
}

size_t InvertedLists::memory_bytes() const {
  size_t bytes = 0;
  for (const ListView& v : views_) {
    bytes += v.size * sizeof(Slot) + codes_bytes_for(v.size) + (keep_norms_ ? v.size * 4 : 0);
  }
  return bytes;
}

}  // namespace vecdex::ivf

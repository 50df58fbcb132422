// Inverted lists of the IVF family: for each coarse centroid, the slots of its vectors and their
// codes, each contiguous, plus (IVF-Flat under L2) each vector's squared norm for the sgemm path.
// Codes are fixed-size (code_bytes each), or 4-bit PQ fast-scan codes packed in blocks of 32
// (quant/fastscan.h). Lists grow by appending; removal moves a list's last entry into the hole.
// After a load the lists may point into the file image (read buffer or mmap); make_owned()
// copies them before the first mutation. See docs/file-format.md §IVF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "index/index_file.h"
#include "vecdex/status.h"
#include "vecdex/types.h"

namespace vecdex::ivf {

// Read-only view of one list.
struct ListView {
  const Slot* slots = nullptr;
  const uint8_t* codes = nullptr;
  const float* norms = nullptr;  // null unless the lists keep norms
  size_t size = 0;
};

// Thread safety: const methods may run concurrently; mutation needs exclusive access.
class InvertedLists {
 public:
  // fastscan_m > 0: codes are 4-bit PQ codes of fastscan_m sub-quantizers, packed in blocks
  // (code_bytes is then the unpacked PQ code size, ceil(m / 2)).
  InvertedLists(size_t nlist, size_t code_bytes, size_t fastscan_m, bool keep_norms);

  size_t nlist() const { return views_.size(); }
  size_t code_bytes() const { return code_bytes_; }
  bool fastscan() const { return fastscan_m_ != 0; }
  bool keeps_norms() const { return keep_norms_; }
  const ListView& list(size_t l) const { return views_[l]; }
  size_t list_size(size_t l) const { return views_[l].size; }
  // Bytes that n codes occupy in one list (whole blocks for fast-scan).
  size_t codes_bytes_for(size_t n) const;
  // Copies entry (l, pos)'s code (code_bytes() bytes, PQ layout for fast-scan) into `code`.
  void get_code(size_t l, size_t pos, uint8_t* code) const;
  // Pointer to entry (l, pos)'s code; plain codes only (not fast-scan).
  const uint8_t* code_ptr(size_t l, size_t pos) const {
    return views_[l].codes + pos * code_bytes_;
  }

  // Appends an entry; ResourceExhausted when memory runs out (the list is unchanged).
  // Requires owned lists (make_owned()).
  Status append(size_t l, Slot slot, const uint8_t* code, float norm);
  // Removes entry pos of list l: the last entry moves into pos. Returns the slot that moved
  // (or kNoSlot when pos was the last entry).
  Slot remove_at(size_t l, size_t pos);
  void set_slot(size_t l, size_t pos, Slot slot);
  static constexpr Slot kNoSlot = ~Slot{0};

  // Points the lists into a file image: concatenated slots, codes (each list's codes start at
  // the sum of the previous lists' codes_bytes_for) and norms. Sizes must already be validated.
  void adopt(const std::vector<size_t>& sizes, const Slot* slots, const uint8_t* codes,
             const float* norms);
  bool file_backed() const { return file_backed_; }
  // Copies file-backed lists into owned memory.
  Status make_owned();

  // Total entries and bytes held (codes + slots + norms).
  size_t total() const;
  size_t memory_bytes() const;

 private:
  struct Owned {
    std::vector<Slot> slots;
    std::vector<uint8_t> codes;
    std::vector<float> norms;
  };
  void refresh(size_t l);

  size_t code_bytes_;
  size_t fastscan_m_;
  bool keep_norms_;
  bool file_backed_ = false;
  std::vector<Owned> owned_;
  std::vector<ListView> views_;
};

}  // namespace vecdex::ivf

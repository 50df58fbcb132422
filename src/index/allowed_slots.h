// The slots a search filter allows, in the form a scan over slots wants: when few ids are
// allowed (at most 1/16 of the slots) the list of their slots, looked up id by id; otherwise
// a byte per slot, from one membership test per slot. Shared by the scanning families (Flat,
// IVF); graph searches test the filter while they walk instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "vecdex/filter.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

#include "index/id_slot_map.h"

namespace vecdex {

struct AllowedSlots {
  bool use_subset = false;    // subset (unsorted) rather than mask
  std::vector<Slot> subset;   // the allowed slots, when use_subset
  std::vector<uint8_t> mask;  // mask[s] == 1 iff slot s is allowed, when !use_subset
  size_t count = 0;           // allowed slots that exist in the index
};

// `ids[s]` is the id in slot s (n slots); `slot_of` maps ids back. ResourceExhausted when the
// mask or list cannot be allocated.
inline Result<AllowedSlots> allowed_slots(const Filter& filter, size_t n, const Id* ids,
                                          const IdSlotMap& slot_of) {
  AllowedSlots out;
  try {
    if (filter.count() <= n / 16) {
      out.use_subset = true;
      for (Id id : filter.to_vector()) {
        const Slot slot = slot_of.find(id);
        if (slot != IdSlotMap::kAbsent) out.subset.push_back(slot);
      }
      out.count = out.subset.size();
    } else {
      out.mask.resize(n);
      for (size_t s = 0; s < n; ++s) {
        out.mask[s] = filter.allows(ids[s]) ? 1 : 0;
        out.count += out.mask[s];
      }
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted("search: out of memory preparing the filter");
  }
  return out;
}

}  // namespace vecdex

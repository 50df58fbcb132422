// IdMap: a collection's in-memory view of its live points, rebuilt from storage at open:
// external id (key encoding) <-> internal number (Pid), each point's model version, and dense
// bitsets over pids of all live points and of the points of each model version (handed to
// searches as allowed-id filters: O(1) membership, one bit per pid ever assigned).
//
// pid -> entry is on every search's path (one lookup per result), so it is a dense table, not
// a hash map: pids are assigned increasingly from 0 and never reused, so a page table of slot
// numbers (4 bytes per pid; a page is freed once all its pids are dead, which the increasing
// assignment makes the common fate of old pages) points into a compact array of live entries
// (removed entries' slots are reused). A lookup is two array reads and no hashing.
// An entry is 40 bytes; its id key stays inline (no heap block) up to 15 bytes, which covers
// every numeric id (9 bytes) and string ids of up to 14 bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/payload_index.h"  // Pid

namespace vecdex::engine {

// Thread safety: none; the collection guards it with its readers-writer lock.
class IdMap {
 public:
  struct Entry {
    std::string id_key;    // encode_point_id of the external id
    uint32_t version = 0;  // index into the version names
  };

  std::optional<Pid> find(std::string_view id_key) const;
  // Null when pid is not live. The pointer is valid until the next add or remove.
  const Entry* entry(Pid pid) const {
    const Pid page = pid >> kPageBits;
    if (page >= pages_.size() || pages_[page] == nullptr) return nullptr;
    const uint32_t slot = pages_[page]->slots[pid & kPageMask];
    return slot == kNoSlot ? nullptr : &entries_[slot];
  }
  // Records a live point. Precondition: neither pid nor id_key is present.
  void add(Pid pid, std::string id_key, std::string_view model_version);
  // Forgets a live point; no-op for an unknown pid.
  void remove(Pid pid);

  size_t size() const { return pid_of_.size(); }
  const std::string& version_name(uint32_t version) const { return versions_[version].name; }
  // The index of a model version (as in Entry::version); nullopt when no point was ever stored
  // with it.
  std::optional<uint32_t> version_index(std::string_view model_version) const;
  // Bit p is set iff pid p is live (64 pids per word; words past the end are all clear).
  const std::vector<uint64_t>& live_words() const { return live_; }
  // Same, restricted to one model version; null when no point was ever stored with it.
  const std::vector<uint64_t>* version_words(std::string_view model_version) const;
  // Model version -> live points (versions with no live point left are omitted).
  std::map<std::string, size_t> version_counts() const;
  // Calls fn(pid) for every live pid, in ascending order.
  void for_each_live(const std::function<void(Pid)>& fn) const;

 private:
  static constexpr unsigned kPageBits = 12;  // 4096 pids (16 KiB of slots) per page
  static constexpr Pid kPagePids = Pid{1} << kPageBits;
  static constexpr Pid kPageMask = kPagePids - 1;
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  struct Page {
    uint32_t live = 0;                      // pids of the page that have an entry
    std::array<uint32_t, kPagePids> slots;  // index into entries_, or kNoSlot
  };
  struct Version {
    std::string name;
    size_t count = 0;
    std::vector<uint64_t> words;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  static void set_bit(std::vector<uint64_t>& words, Pid pid);
  static void clear_bit(std::vector<uint64_t>& words, Pid pid);

  std::unordered_map<std::string, Pid, StringHash, std::equal_to<>> pid_of_;
  std::vector<std::unique_ptr<Page>> pages_;  // page p covers pids [p * kPagePids, ...)
  std::vector<Entry> entries_;                // live entries and free slots
  std::vector<uint32_t> free_slots_;          // slots of entries_ to reuse
  std::vector<Version> versions_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> version_of_;
  std::vector<uint64_t> live_;
};

}  // namespace vecdex::engine

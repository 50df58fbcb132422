// IdMap: a collection's in-memory view of its live points, rebuilt from storage at open:
// external id (key encoding) <-> internal number (Pid), each point's model version, and dense
// bitsets over pids of all live points and of the points of each model version (handed to
// searches as allowed-id filters: O(1) membership, one bit per pid ever assigned).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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
  // Null when pid is not live.
  const Entry* entry(Pid pid) const;
  // Records a live point. Precondition: neither pid nor id_key is present.
  void add(Pid pid, std::string id_key, std::string_view model_version);
  // Forgets a live point; no-op for an unknown pid.
  void remove(Pid pid);

  size_t size() const { return entries_.size(); }
  const std::string& version_name(uint32_t version) const { return versions_[version].name; }
  // Bit p is set iff pid p is live (64 pids per word; words past the end are all clear).
  const std::vector<uint64_t>& live_words() const { return live_; }
  // Same, restricted to one model version; null when no point was ever stored with it.
  const std::vector<uint64_t>* version_words(std::string_view model_version) const;
  // Model version -> live points (versions with no live point left are omitted).
  std::map<std::string, size_t> version_counts() const;
  void for_each_live(const std::function<void(Pid)>& fn) const;

 private:
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
  std::unordered_map<Pid, Entry> entries_;
  std::vector<Version> versions_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> version_of_;
  std::vector<uint64_t> live_;
};

}  // namespace vecdex::engine

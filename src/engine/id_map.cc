// IdMap, see id_map.h.
#include "engine/id_map.h"

#include <algorithm>

namespace vecdex::engine {

std::optional<Pid> IdMap::find(std::string_view id_key) const {
  auto it = pid_of_.find(id_key);
  if (it == pid_of_.end()) return std::nullopt;
  return it->second;
}

const IdMap::Entry* IdMap::entry(Pid pid) const {
  auto it = entries_.find(pid);
  return it == entries_.end() ? nullptr : &it->second;
}

void IdMap::set_bit(std::vector<uint64_t>& words, Pid pid) {
  size_t w = pid >> 6;
  if (w >= words.size()) words.resize(std::max(w + 1, words.size() * 2), 0);
  words[w] |= uint64_t{1} << (pid & 63);
}

void IdMap::clear_bit(std::vector<uint64_t>& words, Pid pid) {
  size_t w = pid >> 6;
  if (w < words.size()) words[w] &= ~(uint64_t{1} << (pid & 63));
}

void IdMap::add(Pid pid, std::string id_key, std::string_view model_version) {
  auto v = version_of_.find(model_version);
  uint32_t version;
  if (v == version_of_.end()) {
    version = static_cast<uint32_t>(versions_.size());
    versions_.push_back(Version{std::string(model_version), 0, {}});
    version_of_.emplace(std::string(model_version), version);
  } else {
    version = v->second;
  }
  Version& ver = versions_[version];
  ++ver.count;
  set_bit(ver.words, pid);
  set_bit(live_, pid);
  pid_of_.emplace(id_key, pid);
  entries_.emplace(pid, Entry{std::move(id_key), version});
}

void IdMap::remove(Pid pid) {
  auto it = entries_.find(pid);
  if (it == entries_.end()) return;
  Version& ver = versions_[it->second.version];
  --ver.count;
  clear_bit(ver.words, pid);
  clear_bit(live_, pid);
  pid_of_.erase(it->second.id_key);
  entries_.erase(it);
}

const std::vector<uint64_t>* IdMap::version_words(std::string_view model_version) const {
  auto v = version_of_.find(model_version);
  return v == version_of_.end() ? nullptr : &versions_[v->second].words;
}

std::map<std::string, size_t> IdMap::version_counts() const {
  std::map<std::string, size_t> counts;
  for (const Version& v : versions_) {
    if (v.count > 0) counts[v.name] = v.count;
  }
  return counts;
}

void IdMap::for_each_live(const std::function<void(Pid)>& fn) const {
  for (const auto& [pid, entry] : entries_) fn(pid);
}

}  // namespace vecdex::engine

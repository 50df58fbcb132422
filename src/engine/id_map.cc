// IdMap, see id_map.h.
#include "engine/id_map.h"

#include <algorithm>
#include <bit>

namespace vecdex::engine {

std::optional<Pid> IdMap::find(std::string_view id_key) const {
  auto it = pid_of_.find(id_key);
  if (it == pid_of_.end()) return std::nullopt;
  return it->second;
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

  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    entries_[slot] = Entry{std::move(id_key), version};
  } else {
    slot = static_cast<uint32_t>(entries_.size());
    entries_.push_back(Entry{std::move(id_key), version});
  }
  const Pid page = pid >> kPageBits;
  if (page >= pages_.size()) pages_.resize(page + 1);
  if (pages_[page] == nullptr) {
    pages_[page] = std::make_unique<Page>();
    pages_[page]->slots.fill(kNoSlot);
  }
  pages_[page]->slots[pid & kPageMask] = slot;
  ++pages_[page]->live;
}

void IdMap::remove(Pid pid) {
  const Pid page = pid >> kPageBits;
  if (page >= pages_.size() || pages_[page] == nullptr) return;
  Page& p = *pages_[page];
  const uint32_t slot = p.slots[pid & kPageMask];
  if (slot == kNoSlot) return;
  Entry& e = entries_[slot];
  Version& ver = versions_[e.version];
  --ver.count;
  clear_bit(ver.words, pid);
  clear_bit(live_, pid);
  pid_of_.erase(e.id_key);
  std::string().swap(e.id_key);  // a long key's heap block goes now, not at the slot's reuse
  free_slots_.push_back(slot);
  p.slots[pid & kPageMask] = kNoSlot;
  if (--p.live == 0) pages_[page].reset();
}

std::optional<uint32_t> IdMap::version_index(std::string_view model_version) const {
  auto v = version_of_.find(model_version);
  if (v == version_of_.end()) return std::nullopt;
  return v->second;
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
  for (size_t w = 0; w < live_.size(); ++w) {
    for (uint64_t bits = live_[w]; bits != 0; bits &= bits - 1) {
      fn(static_cast<Pid>(w) * 64 + static_cast<Pid>(std::countr_zero(bits)));
    }
  }
}

}  // namespace vecdex::engine

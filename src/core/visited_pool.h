// Per-search scratch that must not be allocated per query: an epoch-tagged visited set, and a
// small pool handing such scratch objects to threads through an RAII handle (STYLE.md §3.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "vecdex/types.h"

namespace vecdex {

// Visited marks for up to size() slots. A query starts with next_epoch(); a slot counts as
// visited when its tag equals the current epoch, so nothing is cleared between queries (the
// array is wiped only when the 16-bit epoch wraps, once per 65535 queries).
// Not thread-safe: one per searching thread.
class VisitedTable {
 public:
  // Grows to hold `slots` tags (new tags are unvisited). Only allocates when the graph grew.
  void ensure(size_t slots) {
    if (tags_.size() < slots) tags_.resize(slots + slots / 4 + 64, 0);
  }
  void next_epoch() {
    if (++epoch_ == 0) {
      std::memset(tags_.data(), 0, tags_.size() * sizeof(uint16_t));
      epoch_ = 1;
    }
  }
  bool visited(Slot s) const { return tags_[s] == epoch_; }
  void mark(Slot s) { tags_[s] = epoch_; }
  // Marks s; returns whether it was already marked.
  bool test_and_mark(Slot s) {
    if (tags_[s] == epoch_) return true;
    tags_[s] = epoch_;
    return false;
  }
  const void* address(Slot s) const { return tags_.data() + s; }

 private:
  std::vector<uint16_t> tags_;
  uint16_t epoch_ = 0;
};

// A free list of T objects. acquire() hands one out (creating it when the list is empty) and
// the handle returns it on destruction, so steady-state searches allocate nothing.
// Thread safety: acquire and handle destruction may run concurrently from any thread.
template <typename T>
class ObjectPool {
 public:
  class Handle {
   public:
    Handle() = default;
    Handle(ObjectPool* pool, std::unique_ptr<T> object) : pool_(pool), object_(std::move(object)) {}
    Handle(Handle&&) noexcept = default;
    Handle& operator=(Handle&& other) noexcept {
      release();
      pool_ = other.pool_;
      object_ = std::move(other.object_);
      return *this;
    }
    ~Handle() { release(); }
    T* operator->() const { return object_.get(); }
    T& operator*() const { return *object_; }
    explicit operator bool() const { return object_ != nullptr; }

   private:
    void release() {
      if (object_ != nullptr) pool_->give_back(std::move(object_));
    }
    ObjectPool* pool_ = nullptr;
    std::unique_ptr<T> object_;
  };

  Handle acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<T> object = std::move(free_.back());
        free_.pop_back();
        return Handle(this, std::move(object));
      }
    }
    return Handle(this, std::make_unique<T>());
  }

 private:
  void give_back(std::unique_ptr<T> object) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(object));
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<T>> free_;
};

}  // namespace vecdex

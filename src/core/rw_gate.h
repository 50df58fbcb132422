// RwGate: a readers-writer lock that lets a waiting writer in: new readers queue behind it
// (glibc's shared_mutex prefers readers, so a stream of searches could starve a writer forever).
// Used where searches share an index with add/remove (HNSW's growth section, engine segments).
#pragma once

#include <mutex>
#include <shared_mutex>

namespace vecdex {

class RwGate {
 public:
  void lock_shared() {
    { std::lock_guard<std::mutex> wait_for_writer(gate_); }
    rw_.lock_shared();
  }
  void unlock_shared() { rw_.unlock_shared(); }
  void lock() {
    gate_.lock();
    rw_.lock();
  }
  void unlock() {
    rw_.unlock();
    gate_.unlock();
  }

 private:
  std::mutex gate_;
  std::shared_mutex rw_;
};

}  // namespace vecdex

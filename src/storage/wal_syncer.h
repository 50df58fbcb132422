// WalSyncer: when writes reach the disk under the group-commit and periodic sync policies.
// Writes go to RocksDB's WAL without fsync; this class issues the fsyncs (RocksDB FlushWAL(true))
// and, for group commit, makes each writer wait for one that covers its write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "vecdex/status.h"

namespace vecdex::storage {

enum class SyncMode : uint8_t {
  kEveryWrite = 0,   // each write is synced by RocksDB itself (WriteOptions::sync)
  kGroupCommit = 1,  // writers wait for a shared fsync issued at most every group interval
  kPeriodic = 2,     // writers never wait; a background thread fsyncs every period
};

// Group commit: a writer calls wait_durable() after its (unsynced) write has returned. The first
// waiter with no sync in flight becomes the leader: it sleeps until `group_interval` has passed
// since the previous sync (so that more writers can join), then syncs once for every write
// that completed before the sync started, and wakes them. The others wait for it.
// Periodic: a background thread syncs every `period`; writes that completed less than a period
// before a machine crash can be lost (a process kill loses nothing: the WAL is in the OS cache).
// Failures are sticky: once an fsync fails, every later wait_durable() and error() return it,
// since the disk can no longer be trusted to hold what was acknowledged.
// Thread safety: all methods may be called concurrently.
class WalSyncer {
 public:
  WalSyncer(SyncMode mode, std::chrono::microseconds group_interval,
            std::chrono::milliseconds period, std::function<Status()> sync_wal);
  ~WalSyncer();  // stops the periodic thread (after one last sync)
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  SyncMode mode() const { return mode_; }
  // kGroupCommit: blocks until an fsync that started after this call has finished; returns its
  // outcome. Other modes: returns error() at once.
  Status wait_durable();
  // The first sync failure, or OK.
  Status error() const;
  // Number of fsyncs issued so far (tests, stats).
  uint64_t syncs() const;

 private:
  void periodic_loop();
  // Runs sync_wal_ and records a failure; called without mu_ held.
  Status sync_now();

  const SyncMode mode_;
  const std::chrono::microseconds group_interval_;
  const std::chrono::milliseconds period_;
  const std::function<Status()> sync_wal_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_ticket_ = 0;    // tickets handed to waiters so far
  uint64_t synced_ticket_ = 0;  // every ticket <= this is durable
  bool leader_active_ = false;
  std::chrono::steady_clock::time_point last_sync_{};
  Status error_;
  uint64_t syncs_ = 0;
  bool stop_ = false;
  std::thread periodic_thread_;
};

}  // namespace vecdex::storage

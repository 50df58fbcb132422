// Group commit and periodic WAL syncs, see wal_syncer.h.
#include "storage/wal_syncer.h"

#include <utility>

namespace vecdex::storage {

WalSyncer::WalSyncer(SyncMode mode, std::chrono::microseconds group_interval,
                     std::chrono::milliseconds period, std::function<Status()> sync_wal)
    : mode_(mode), group_interval_(group_interval), period_(period),
      sync_wal_(std::move(sync_wal)) {
  if (mode_ == SyncMode::kPeriodic) periodic_thread_ = std::thread([this] { periodic_loop(); });
}

WalSyncer::~WalSyncer() {
  if (periodic_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    periodic_thread_.join();
  }
}

Status WalSyncer::sync_now() {
  Status s = sync_wal_();
  std::lock_guard<std::mutex> lock(mu_);
  ++syncs_;
  if (!s.ok() && error_.ok()) error_ = s.with_context("WAL fsync failed");
  return error_;
}

Status WalSyncer::wait_durable() {
  if (mode_ != SyncMode::kGroupCommit) return error();
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t ticket = ++next_ticket_;
  while (synced_ticket_ < ticket && error_.ok()) {
    if (leader_active_) {
      cv_.wait(lock);
      continue;
    }
    leader_active_ = true;
    // Let writers gather until the interval since the previous sync has passed.
    auto ready_at = last_sync_ + group_interval_;
    if (std::chrono::steady_clock::now() < ready_at) {
      lock.unlock();
      std::this_thread::sleep_until(ready_at);
      lock.lock();
    }
    // Every ticket handed out so far belongs to a write that has already returned, so this
    // sync covers all of them.
    const uint64_t covered = next_ticket_;
    last_sync_ = std::chrono::steady_clock::now();
    lock.unlock();
    sync_now().ignore();  // recorded in error_
    lock.lock();
    synced_ticket_ = covered;
    leader_active_ = false;
    cv_.notify_all();
  }
  return error_;
}

Status WalSyncer::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

uint64_t WalSyncer::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

void WalSyncer::periodic_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, period_, [this] { return stop_; });
    lock.unlock();
    sync_now().ignore();  // recorded in error_, reported by the next write
    lock.lock();
  }
}

}  // namespace vecdex::storage

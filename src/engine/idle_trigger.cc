// IdleTrigger: one thread sleeping until the current deadline; a poke moves the deadline.
#include "engine/idle_trigger.h"

#include <utility>

namespace vecdex::engine {

IdleTrigger::IdleTrigger(std::chrono::milliseconds quiet, std::function<void()> action)
    : quiet_(quiet), action_(std::move(action)) {}

IdleTrigger::~IdleTrigger() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IdleTrigger::poke() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    deadline_ = std::chrono::steady_clock::now() + quiet_;
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
  }
  wake_.notify_all();
}

void IdleTrigger::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || deadline_.has_value(); });
    if (stopping_) return;
    // Sleep until the deadline; a poke meanwhile moves it and the wait starts over.
    auto due = *deadline_;
    if (wake_.wait_until(lock, due, [&] { return stopping_ || deadline_ != due; })) continue;
    deadline_.reset();
    lock.unlock();
    action_();
    lock.lock();
  }
}

}  // namespace vecdex::engine

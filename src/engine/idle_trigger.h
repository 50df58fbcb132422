// IdleTrigger: runs an action once a quiet period has passed since the last poke(). The
// segment set uses it to seal a staging segment that no bulk batch has reached for a while.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace vecdex::engine {

// The thread starts at the first poke(), so an owner that never pokes costs no thread.
// Thread safety: poke() may be called from any thread, also from inside the action (which
// runs on the trigger's own thread, without the trigger's lock). The destructor drops a
// pending action and waits for a running one.
class IdleTrigger {
 public:
  IdleTrigger(std::chrono::milliseconds quiet, std::function<void()> action);
  ~IdleTrigger();
  IdleTrigger(const IdleTrigger&) = delete;
  IdleTrigger& operator=(const IdleTrigger&) = delete;

  // (Re)starts the quiet period: the action runs `quiet` after the last poke.
  void poke();

 private:
  void loop();

  const std::chrono::milliseconds quiet_;
  const std::function<void()> action_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vecdex::engine

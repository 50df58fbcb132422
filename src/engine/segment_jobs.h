// SegmentJobQueue: a small FIFO of background jobs (segment seals and compactions) run by a
// fixed set of std::threads, with a first-failure report and a wait-until-idle barrier.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "vecdex/status.h"

namespace vecdex::engine {

// With 0 threads, submit() runs the job at once on the calling thread.
// Thread safety: every method may be called from any thread, also from inside a job (a job may
// submit follow-up jobs). The destructor drops queued jobs and joins after running ones finish.
class SegmentJobQueue {
 public:
  using Job = std::function<Status()>;

  explicit SegmentJobQueue(size_t threads);
  ~SegmentJobQueue();
  SegmentJobQueue(const SegmentJobQueue&) = delete;
  SegmentJobQueue& operator=(const SegmentJobQueue&) = delete;

  void submit(Job job);
  // Jobs queued or running.
  size_t pending() const;
  // Blocks until nothing is queued or running (inline jobs of other threads included); returns
  // the first failure recorded since the previous call and clears it.
  Status wait_idle();

 private:
  void worker_loop();
  void record(Status status);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  Status first_error_;
  std::vector<std::thread> workers_;
};

}  // namespace vecdex::engine

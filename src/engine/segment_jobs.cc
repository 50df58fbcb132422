// SegmentJobQueue: workers pop jobs FIFO; inline mode runs them in submit().
#include "engine/segment_jobs.h"

#include <utility>

namespace vecdex::engine {

SegmentJobQueue::SegmentJobQueue(size_t threads) {
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

SegmentJobQueue::~SegmentJobQueue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void SegmentJobQueue::submit(Job job) {
  if (workers_.empty()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++running_;
    }
    Status status = job();
    record(std::move(status));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

size_t SegmentJobQueue::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + running_;
}

Status SegmentJobQueue::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
  Status out = std::move(first_error_);
  first_error_ = Status();
  return out;
}

void SegmentJobQueue::record(Status status) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!status.ok() && first_error_.ok()) first_error_ = std::move(status);
    --running_;
  }
  idle_.notify_all();
}

void SegmentJobQueue::worker_loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    record(job());
  }
}

}  // namespace vecdex::engine

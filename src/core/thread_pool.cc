// ThreadPool implementation: tickets in a shared queue, the caller works as worker 0.
#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>

namespace vecdex {

// One parallel_for call. Lives on the caller's stack; the caller does not return before every
// helper that picked up a ticket has left.
struct ThreadPool::Job {
  TaskFn fn = nullptr;
  void* ctx = nullptr;
  size_t n_tasks = 0;
  std::atomic<size_t> next_task{0};
  std::atomic<size_t> next_worker{1};  // worker 0 is the caller
  // Helpers that took a ticket and have not finished yet; guarded by done_mutex.
  size_t active_helpers = 0;
  std::mutex done_mutex;
  std::condition_variable done;

  void work(size_t worker) {
    for (size_t t = next_task.fetch_add(1, std::memory_order_relaxed); t < n_tasks;
         t = next_task.fetch_add(1, std::memory_order_relaxed)) {
      fn(ctx, t, worker);
    }
  }
};

ThreadPool::ThreadPool(size_t threads) {
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

size_t ThreadPool::effective_threads(size_t n_tasks, size_t max_threads) const {
  size_t cap = std::min(resolve_thread_count(max_threads), workers_.size() + 1);
  return std::max<size_t>(1, std::min(cap, n_tasks));
}

void ThreadPool::run(size_t n_tasks, size_t max_threads, TaskFn fn, void* ctx) {
  if (n_tasks == 0) return;
  size_t threads = effective_threads(n_tasks, max_threads);
  if (threads == 1) {
    for (size_t t = 0; t < n_tasks; ++t) fn(ctx, t, 0);
    return;
  }
  Job job;
  job.fn = fn;
  job.ctx = ctx;
  job.n_tasks = n_tasks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 1; i < threads; ++i) tickets_.push_back(&job);
  }
  if (threads == 2) {
    wake_.notify_one();
  } else {
    wake_.notify_all();
  }
  job.work(0);
  // Withdraw unclaimed tickets: after this no new helper can join the job.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tickets_.erase(std::remove(tickets_.begin(), tickets_.end(), &job), tickets_.end());
  }
  std::unique_lock<std::mutex> lock(job.done_mutex);
  job.done.wait(lock, [&job] { return job.active_helpers == 0; });
}

void ThreadPool::worker_loop() {
  while (true) {
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tickets_.empty(); });
      if (stopping_ && tickets_.empty()) return;
      job = tickets_.front();
      tickets_.pop_front();
      // Registered while the ticket is still accounted for under mutex_, so the caller's
      // withdraw-then-wait sees this helper.
      std::lock_guard<std::mutex> done_lock(job->done_mutex);
      ++job->active_helpers;
    }
    job->work(job->next_worker.fetch_add(1, std::memory_order_relaxed));
    {
      std::lock_guard<std::mutex> done_lock(job->done_mutex);
      --job->active_helpers;
      // Notify under the lock: the job may be destroyed as soon as the caller sees zero.
      job->done.notify_one();
    }
  }
}

ThreadPool& default_thread_pool() {
  static ThreadPool pool(std::max<size_t>(1, std::thread::hardware_concurrency()));
  return pool;
}

size_t resolve_thread_count(size_t requested) {
  if (requested != 0) return requested;
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

}  // namespace vecdex

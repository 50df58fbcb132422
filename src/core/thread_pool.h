// ThreadPool: a persistent set of worker threads that help callers run parallel loops.
// vecdex parallelises batch calls over queries (or rows) with parallel_for; see STYLE.md §3.4.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace vecdex {

// A fixed set of worker threads. parallel_for(n_tasks, max_threads, fn) runs fn(task, worker)
// for every task in [0, n_tasks) using at most max_threads threads, the calling thread included
// (it is worker 0; helpers get worker indices 1 .. max_threads-1, each unique within one call, so
// callers can index per-thread scratch by worker). Tasks are handed out dynamically (an atomic
// counter), so uneven tasks balance. The call returns when every task has finished.
//
// The caller always takes part, so a parallel_for never waits for a free worker: nested calls
// and many concurrent callers cannot deadlock; they just get less help when the pool is busy.
// With max_threads == 1 or n_tasks <= 1 the loop runs inline with no synchronisation at all.
//
// Thread safety: parallel_for may be called concurrently from any number of threads, including
// from inside a task. `fn` must not throw (vecdex code reports errors through Status; a task
// records its Status in a per-task slot).
class ThreadPool {
 public:
  // Starts `threads` workers (0 = none: every parallel_for runs inline).
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  // See the class comment. max_threads == 0 means all cores (hardware_concurrency), capped, like
  // any request, at size() + 1.
  template <typename Fn>
  void parallel_for(size_t n_tasks, size_t max_threads, Fn&& fn) {
    auto call = [](void* ctx, size_t task, size_t worker) {
      (*static_cast<std::remove_reference_t<Fn>*>(ctx))(task, worker);
    };
    run(n_tasks, max_threads, call, &fn);
  }

  // Number of threads a parallel_for(n_tasks, max_threads, ...) would use (caller included).
  size_t effective_threads(size_t n_tasks, size_t max_threads) const;

 private:
  struct Job;
  using TaskFn = void (*)(void* ctx, size_t task, size_t worker);
  void run(size_t n_tasks, size_t max_threads, TaskFn fn, void* ctx);
  void worker_loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> tickets_;  // one entry per helper a job still accepts
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// The process-wide pool shared by every index: created on first use (a function-local static,
// so initialisation is thread-safe) with std::thread::hardware_concurrency() workers, and joined
// at process exit. Indexes take their thread count from SearchParams / build params per call;
// there is no global "set threads".
ThreadPool& default_thread_pool();

// Resolves a user thread count: 0 = all cores (hardware_concurrency, at least 1).
size_t resolve_thread_count(size_t requested);

}  // namespace vecdex

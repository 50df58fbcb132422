// ThreadPool: every task runs once, worker indices are unique and bounded, nesting is safe.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace vecdex {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskExactlyOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  pool.parallel_for(hits.size(), 4, [&](size_t task, size_t) { hits[task]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPoolTest, WorkerIndicesStayBelowMaxThreads) {
  ThreadPool pool(4);
  std::mutex m;
  std::set<size_t> workers;
  pool.parallel_for(200, 3, [&](size_t, size_t worker) {
    std::lock_guard<std::mutex> lock(m);
    workers.insert(worker);
  });
  for (size_t w : workers) EXPECT_LT(w, 3u);
  // Which workers get tasks depends on scheduling (under load the helpers may claim every task
  // before the caller does), so only the bound is checked.
  EXPECT_FALSE(workers.empty());
}

TEST(ThreadPoolTest, SingleThreadRunsInlineOnCaller) {
  ThreadPool pool(2);
  std::thread::id caller = std::this_thread::get_id();
  bool all_inline = true;
  pool.parallel_for(50, 1, [&](size_t, size_t worker) {
    all_inline = all_inline && worker == 0 && std::this_thread::get_id() == caller;
  });
  EXPECT_TRUE(all_inline);
}

TEST(ThreadPoolTest, PoolWithoutWorkersStillRunsEverything) {
  ThreadPool pool(0);
  std::atomic<int> count{0};
  pool.parallel_for(10, 8, [&](size_t, size_t worker) {
    EXPECT_EQ(worker, 0u);
    count++;
  });
  EXPECT_EQ(count.load(), 10);
}

TEST(ThreadPoolTest, NestedCallsDoNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int> count{0};
  pool.parallel_for(8, 3, [&](size_t, size_t) {
    pool.parallel_for(8, 3, [&](size_t, size_t) { count++; });
  });
  EXPECT_EQ(count.load(), 64);
}

TEST(ThreadPoolTest, ConcurrentCallersEachCompleteTheirTasks) {
  ThreadPool pool(2);
  std::atomic<int> count{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < 20; ++rep) pool.parallel_for(16, 0, [&](size_t, size_t) { count++; });
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(count.load(), 4 * 20 * 16);
}

TEST(ThreadPoolTest, ZeroTasksIsANoOp) {
  ThreadPool pool(2);
  pool.parallel_for(0, 2, [&](size_t, size_t) { ADD_FAILURE(); });
}

TEST(ThreadPoolTest, DefaultPoolIsSizedToTheMachine) {
  EXPECT_GE(default_thread_pool().size(), 1u);
  EXPECT_EQ(resolve_thread_count(3), 3u);
  EXPECT_GE(resolve_thread_count(0), 1u);
}

}  // namespace
}  // namespace vecdex

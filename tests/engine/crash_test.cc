// Crash test (issue #5's bar): a writer process upserts numbered batches and reports each
// acknowledged one on a pipe; the parent SIGKILLs it at a random moment, reopens the database
// and checks that every acknowledged batch is fully there and no batch is half-applied.
// VECDEX_CRASH_KILLS sets the number of kills (default 4; scripts/crash-test runs 200). The
// writer is this test binary re-executed with --gtest_filter=CrashWriterChild.Run.
// Batch b writes the 8 ids of slot b % kSlots with payload {"batch": b} and vectors seeded by
// b, so later batches replace earlier ones (the retire-and-replace path runs under the kills
// too) and the database stays small however many kills run. Sync policies and the bulk path
// (on or off) rotate from one run to the next.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/database_fixture.h"

namespace vecdex {
namespace {

constexpr size_t kDim = 16;
constexpr uint64_t kBatchPoints = 8;
constexpr uint64_t kSlots = 1000;
// A writer stops after this many batches per run, so no slot is written twice in one run.
constexpr uint64_t kMaxBatchesPerRun = 900;
constexpr const char* kDirEnv = "VECDEX_CRASH_CHILD_DIR";

DatabaseOptions crash_options(int policy) {
  DatabaseOptions o;
  o.sync = static_cast<SyncPolicy>(policy % 3);
  o.group_commit_us = 500;
  o.periodic_sync_ms = 20;
  o.segment_max_points = 200;  // seal (and build in the background) every 25 batches
  o.compaction_min_points = 100;
  o.background_threads = 1;
  // Two runs in four send every batch down the bulk path (the staging segment, sealed when
  // full or after a short idle), the others through the mutable segment.
  o.bulk_min_batch_points = (policy / 2) % 2 == 0 ? kBatchPoints : 0;
  o.staging_idle_seal_ms = 50;
  return o;
}

CollectionConfig crash_config() {
  CollectionConfig c;
  c.name = "crash";
  c.dim = kDim;
  c.index_spec = "HNSW16";
  c.schema.fields = {FieldSpec{"batch", FieldType::kInt, true, true}};
  return c;
}

Point batch_point(uint64_t batch, uint64_t i) {
  uint64_t id = (batch % kSlots) * kBatchPoints + i;
  return testing::make_point(id, kDim, batch * kBatchPoints + i, Payload{{"batch", int64_t(batch)}});
}

// The writer. Does nothing unless started by the parent below.
TEST(CrashWriterChild, Run) {
  const char* dir = std::getenv(kDirEnv);
  if (dir == nullptr) GTEST_SKIP() << "runs only as the crash test's child process";
  int fd = std::atoi(std::getenv("VECDEX_CRASH_CHILD_FD"));
  uint64_t batch = std::strtoull(std::getenv("VECDEX_CRASH_CHILD_START"), nullptr, 10);
  int policy = std::atoi(std::getenv("VECDEX_CRASH_CHILD_POLICY"));
  auto db = Database::open(dir, crash_options(policy));
  if (!db.ok()) {
    std::fprintf(stderr, "writer: %s\n", db.status().to_string().c_str());
    std::_Exit(2);
  }
  auto c = (*db)->collection("crash");
  if (!c.ok()) std::_Exit(3);
  for (const uint64_t end = batch + kMaxBatchesPerRun; batch < end; ++batch) {
    std::vector<Point> points;
    for (uint64_t i = 0; i < kBatchPoints; ++i) points.push_back(batch_point(batch, i));
    Status s = (*c)->upsert(points);
    if (!s.ok()) {
      std::fprintf(stderr, "writer: %s\n", s.to_string().c_str());
      std::_Exit(4);
    }
    if (::write(fd, &batch, sizeof batch) != sizeof batch) std::_Exit(5);
  }
  for (;;) ::pause();  // wait for the kill
}

struct Child {
  pid_t pid = -1;
  int read_fd = -1;
};

// fork + exec of this binary; everything the child needs is prepared before fork (the parent
// has RocksDB's thread pools running, so the child only calls exec).
Child spawn_writer(const std::string& dir, uint64_t start, int policy) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  std::vector<std::string> env_strings = {
      std::string(kDirEnv) + "=" + dir, "VECDEX_CRASH_CHILD_FD=" + std::to_string(fds[1]),
      "VECDEX_CRASH_CHILD_START=" + std::to_string(start),
      "VECDEX_CRASH_CHILD_POLICY=" + std::to_string(policy)};
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe", filter = "--gtest_filter=CrashWriterChild.Run";
  char* argv[] = {exe.data(), filter.data(), nullptr};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execve(exe.c_str(), argv, envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads whole u64 batch numbers from the pipe until the deadline (or EOF when until_eof).
// With `enough`, returns as soon as that many acks have arrived.
void read_acks(int fd, std::vector<uint64_t>& acks, std::string& partial,
               std::chrono::steady_clock::time_point deadline, bool until_eof,
               size_t enough = SIZE_MAX) {
  char buf[4096];
  while (acks.size() < enough) {
    int timeout_ms = -1;
    if (!until_eof) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    partial.append(buf, static_cast<size_t>(n));
    while (partial.size() >= sizeof(uint64_t)) {
      uint64_t b;
      std::memcpy(&b, partial.data(), sizeof b);
      acks.push_back(b);
      partial.erase(0, sizeof b);
    }
  }
}

TEST(CrashTest, KilledWriterLosesNoAcknowledgedBatchAndHalfAppliesNone) {
  const char* env_kills = std::getenv("VECDEX_CRASH_KILLS");
  const int kills = env_kills != nullptr ? std::atoi(env_kills) : 4;
  testing::TempDir dir;
  {
    auto db = testing::open_db(dir.path(), crash_options(0));
    ASSERT_NE(db, nullptr);
    ASSERT_THAT(db->create_collection(crash_config()), IsOk());
  }
  std::mt19937_64 rng(std::random_device{}());
  uint64_t next_batch = 0;  // every batch below it is fully present
  size_t acknowledged = 0, lost = 0, half_applied = 0, phantom = 0, child_failures = 0;
  for (int kill_no = 0; kill_no < kills; ++kill_no) {
    const uint64_t start = next_batch;
    Child child = spawn_writer(dir.path().string(), start, kill_no);
    ASSERT_GT(child.pid, 0);
    // A random moment: on even kills counted from the start (often during open and
    // recovery), on odd kills from the first acknowledged batch (while writing).
    std::vector<uint64_t> acks;
    std::string partial;
    if (kill_no % 2 == 1) {
      read_acks(child.read_fd, acks, partial,
                std::chrono::steady_clock::now() + std::chrono::seconds(30), false, 1);
    }
    auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 300)(rng));
    read_acks(child.read_fd, acks, partial, std::chrono::steady_clock::now() + delay, false);
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    read_acks(child.read_fd, acks, partial, {}, true);  // acks written before the kill
    ::close(child.read_fd);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
      ++child_failures;
      ADD_FAILURE() << "writer exited by itself, status " << status;
    }
    acknowledged += acks.size();
    uint64_t max_ack = acks.empty() ? start : acks.back() + 1;  // one past the last ack

    auto db = testing::open_db(dir.path(), crash_options(kill_no));
    ASSERT_NE(db, nullptr);
    auto c = db->collection("crash");
    ASSERT_THAT(c, IsOk());
    // Which batch each point of a slot holds (-1: absent).
    auto slot_state = [&](uint64_t b) {
      std::vector<int64_t> held;
      for (uint64_t i = 0; i < kBatchPoints; ++i) {
        auto p = (*c)->get(batch_point(b, i).id);
        held.push_back(p.ok() ? std::get<int64_t>(p->payload.at("batch")) : -1);
        if (p.ok() && held.back() >= 0) {
          EXPECT_EQ(p->vector, batch_point(static_cast<uint64_t>(held.back()), i).vector);
        }
      }
      return held;
    };
    // What a slot held before this run: the batch kSlots earlier, or nothing.
    auto before = [&](uint64_t b) { return b >= kSlots ? int64_t(b - kSlots) : int64_t{-1}; };
    // [start, max_ack) were acknowledged; max_ack may have been committed without its ack;
    // max_ack + 1 was never started.
    for (uint64_t b = start; b <= max_ack + 1; ++b) {
      std::vector<int64_t> held = slot_state(b);
      size_t now = std::count(held.begin(), held.end(), int64_t(b));
      size_t old = std::count(held.begin(), held.end(), before(b));
      if (now != kBatchPoints && old != kBatchPoints) ++half_applied;
      if (b < max_ack && now != kBatchPoints) ++lost;
      if (b > max_ack && now != 0) ++phantom;
      if (b == max_ack && now == kBatchPoints) next_batch = b + 1;
      if (b < max_ack) next_batch = b + 1;
    }
    // Nothing older went missing, and the recovered indexes answer.
    auto info = (*c)->info();
    EXPECT_EQ(info.points, std::min(next_batch, kSlots) * kBatchPoints);
    if (next_batch > 0) {
      const uint64_t b = next_batch - 1;
      SearchRequest r;
      std::vector<float> q = batch_point(b, 3).vector;
      r.vector = q;
      r.k = kBatchPoints;
      r.filter = testing::match("batch", int64_t(b));
      auto res = (*c)->search(r);
      ASSERT_THAT(res, IsOk());
      EXPECT_EQ(res->results.size(), kBatchPoints);
      ASSERT_FALSE(res->results.empty());
      EXPECT_EQ(res->results[0].id, batch_point(b, 3).id);
    }
  }
  std::printf("kills=%d acknowledged=%zu lost=%zu half_applied=%zu phantom=%zu "
              "child_failures=%zu batches=%llu\n",
              kills, acknowledged, lost, half_applied, phantom, child_failures,
              static_cast<unsigned long long>(next_batch));
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(half_applied, 0u);
  EXPECT_EQ(phantom, 0u);
}

}  // namespace
}  // namespace vecdex

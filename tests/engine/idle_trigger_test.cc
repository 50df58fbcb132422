// IdleTrigger: the action runs after a poke's quiet period, may re-poke from inside, and a
// pending action is dropped (promptly) by the destructor. Waits are liveness bounds, not timing
// assertions.
#include "engine/idle_trigger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace vecdex::engine {
namespace {

using std::chrono::milliseconds;

// Polls until `done` or a minute has passed.
template <typename Done>
bool eventually(Done done) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!done() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  return done();
}

TEST(IdleTriggerTest, ActionRunsOnceAfterAPoke) {
  std::atomic<int> runs{0};
  IdleTrigger trigger(milliseconds(1), [&] { ++runs; });
  trigger.poke();
  ASSERT_TRUE(eventually([&] { return runs.load() == 1; }));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(runs.load(), 1);  // nothing runs again without another poke
  trigger.poke();
  EXPECT_TRUE(eventually([&] { return runs.load() == 2; }));
}

TEST(IdleTriggerTest, ActionMayPokeAgain) {
  std::atomic<int> runs{0};
  IdleTrigger* self = nullptr;
  IdleTrigger trigger(milliseconds(1), [&] {
    if (++runs < 3) self->poke();
  });
  self = &trigger;
  trigger.poke();
  EXPECT_TRUE(eventually([&] { return runs.load() == 3; }));
}

TEST(IdleTriggerTest, DestructorDropsAPendingAction) {
  std::atomic<int> runs{0};
  {
    IdleTrigger trigger(std::chrono::hours(1), [&] { ++runs; });
    trigger.poke();
  }  // returns without waiting for the hour
  EXPECT_EQ(runs.load(), 0);
}

TEST(IdleTriggerTest, NeverPokedNeverRuns) {
  std::atomic<int> runs{0};
  { IdleTrigger trigger(milliseconds(0), [&] { ++runs; }); }
  EXPECT_EQ(runs.load(), 0);
}

}  // namespace
}  // namespace vecdex::engine

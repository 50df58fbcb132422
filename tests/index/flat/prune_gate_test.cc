// PruneGate (prune_gate.h): the moving average of scored shares that steers Flat's single queries
// between the pruned path and the plain scan.
#include "index/flat/prune_gate.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace vecdex::flat {
namespace {

constexpr float kLimit = 0.05f;

TEST(PruneGateTest, PrunesUntilQueriesScoreTooMuch) {
  PruneGate gate;
  EXPECT_TRUE(gate.use_pruning(kLimit));
  for (int i = 0; i < 100; ++i) gate.record(0.01f);
  EXPECT_TRUE(gate.use_pruning(kLimit));
  EXPECT_NEAR(gate.share(), 0.01f, 1e-4f);
  for (int i = 0; i < 100; ++i) gate.record(0.3f);
  EXPECT_GT(gate.share(), kLimit);
  EXPECT_TRUE(gate.use_pruning(1.0f));  // the limit is the caller's: a looser one still prunes
}

TEST(PruneGateTest, OneOutlierDoesNotSwitchPruningOff) {
  PruneGate gate;
  for (int i = 0; i < 50; ++i) gate.record(0.005f);
  gate.record(0.3f);
  EXPECT_LE(gate.share(), kLimit);
}

TEST(PruneGateTest, WhileOffEveryIntervalThCallProbes) {
  PruneGate gate;
  for (int i = 0; i < 100; ++i) gate.record(0.3f);
  size_t probes = 0;
  const size_t calls = 4 * PruneGate::kProbeInterval;
  for (size_t i = 0; i < calls; ++i) probes += gate.use_pruning(kLimit) ? 1 : 0;
  EXPECT_EQ(probes, 4u);  // probes record high shares again in real use; here nothing records
}

TEST(PruneGateTest, ProbesThatPayTurnPruningBackOn) {
  PruneGate gate;
  for (int i = 0; i < 100; ++i) gate.record(0.3f);
  size_t calls = 0;
  while (!(gate.share() <= kLimit) && calls < 100 * PruneGate::kProbeInterval) {
    if (gate.use_pruning(kLimit)) gate.record(0.001f);  // the probe ran pruned and paid
    ++calls;
  }
  EXPECT_LE(gate.share(), kLimit);
  EXPECT_TRUE(gate.use_pruning(kLimit));
}

TEST(PruneGateTest, ResetForgetsTheHistory) {
  PruneGate gate;
  for (int i = 0; i < 100; ++i) gate.record(0.3f);
  gate.reset();
  EXPECT_EQ(gate.share(), 0.0f);
  EXPECT_TRUE(gate.use_pruning(kLimit));
}

}  // namespace
}  // namespace vecdex::flat

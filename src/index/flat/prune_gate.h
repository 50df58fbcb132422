// Whether Flat's single queries and small batches should prune with PCA bounds, learned from the
// queries themselves. Bounds that are loose for the queries in hand (e.g. tight clusters with
// isotropic noise inside them: the projection sees the centres, not the neighbours) leave every
// row of the query's cluster as a candidate, and scoring those out of order costs as much as the
// plain scan, on top of the bound pass. The gate keeps a moving average of the share of rows the
// pruned path scored exactly per query and turns pruning off while that share is above the
// caller's limit (search_common.h, single_break_even_scored_share); every kProbeInterval-th call
// then still prunes, as a probe, so the gate turns pruning back on when queries or data change.
//
// Why learn it from live queries rather than calibrate once when the projection is learned: the
// queries may come from another distribution than the rows (a calibration on held-out rows would
// not see that), and rows added after learning loosen the bounds without re-learning them.
//
// Thread safety: all methods may run concurrently. The state is two relaxed atomics; racing
// updates may lose a sample, which only shifts when the switch happens. Results never depend on
// it: both paths return exact distances.
#pragma once

#include <atomic>
#include <cstdint>

namespace vecdex::flat {

class PruneGate {
 public:
  // Calls between probes while pruning is off.
  static constexpr uint32_t kProbeInterval = 32;
  // Weight of the newest query in the average (~the last 8 queries count).
  static constexpr float kAlpha = 1.0f / 8.0f;

  // True when this call should prune: the recent scored share is within `limit`, or this call is
  // a probe.
  bool use_pruning(float limit) const {
    if (share_.load(std::memory_order_relaxed) <= limit) return true;
    return calls_.fetch_add(1, std::memory_order_relaxed) % kProbeInterval == 0;
  }

  // Records one pruned query's share of rows scored exactly (or that would have been, for a
  // query that gave up and scanned).
  void record(float share) const {
    const float old = share_.load(std::memory_order_relaxed);
    share_.store(old + (share - old) * kAlpha, std::memory_order_relaxed);
  }

  // Recent average share (for stats()).
  float share() const { return share_.load(std::memory_order_relaxed); }

  // Forgets the history (a new or dropped projection).
  void reset() {
    share_.store(0.0f, std::memory_order_relaxed);
    calls_.store(0, std::memory_order_relaxed);
  }

 private:
  // mutable: search() is const; the gate is a cache of observations, not index state.
  mutable std::atomic<float> share_{0.0f};
  mutable std::atomic<uint32_t> calls_{0};
};

}  // namespace vecdex::flat

// BodyBudget: the request-body bytes all connections of a server may hold at once
// (ServerOptions::max_inflight_body_bytes). Bodies are read whole before a handler runs, so
// without a shared bound many connections each sending a body just under max_body_bytes could
// exhaust memory; past the budget a request gets 503 instead.
#pragma once

#include <atomic>
#include <cstddef>

namespace vecdex::server {

// Thread safety: every method may be called from any thread (one atomic counter).
class BodyBudget {
 public:
  explicit BodyBudget(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes `bytes` from the budget; false (nothing taken) when that would pass the maximum.
  bool try_take(size_t bytes);
  void give_back(size_t bytes);
  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  size_t max_bytes() const { return max_bytes_; }

 private:
  const size_t max_bytes_;
  std::atomic<size_t> in_flight_{0};
};

// The share of a BodyBudget that one connection holds for its current request; given back by
// release() or the destructor. Used on the connection's I/O thread only.
class BodyReservation {
 public:
  explicit BodyReservation(BodyBudget& budget) : budget_(budget) {}
  ~BodyReservation() { release(); }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  // Holds at least `bytes` in all; false (holding what it held) when the budget has no room.
  bool grow_to(size_t bytes);
  void release();
  size_t held() const { return held_; }

 private:
  BodyBudget& budget_;
  size_t held_ = 0;
};

}  // namespace vecdex::server

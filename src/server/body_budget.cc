// The shared request-body budget; see body_budget.h.
#include "server/body_budget.h"

namespace vecdex::server {

bool BodyBudget::try_take(size_t bytes) {
  size_t current = in_flight_.load(std::memory_order_relaxed);
  do {
    if (bytes > max_bytes_ || current > max_bytes_ - bytes) return false;
  } while (!in_flight_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  return true;
}

void BodyBudget::give_back(size_t bytes) { in_flight_.fetch_sub(bytes, std::memory_order_relaxed); }

bool BodyReservation::grow_to(size_t bytes) {
  if (bytes <= held_) return true;
  if (!budget_.try_take(bytes - held_)) return false;
  held_ = bytes;
  return true;
}

void BodyReservation::release() {
  budget_.give_back(held_);
  held_ = 0;
}

}  // namespace vecdex::server

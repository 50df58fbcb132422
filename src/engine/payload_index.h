// Secondary indexes over a collection's payloads, so that a filtered search never scans every
// payload: per indexed field, value -> set of internal point numbers (roaring bitmaps) for
// equality / membership, and an ordered column for numeric ranges. A PayloadFilter is evaluated
// into the set of matching internal point numbers, which the collection hands to each
// segment's index as an allowed-id Filter. Also keeps per-field coverage counts and, for the
// collection's version-skew features, the pids of each model_version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/payload_pid_set.h"  // Pid
#include "vecdex/filter.h"
#include "vecdex/payload.h"
#include "vecdex/result.h"

namespace vecdex::engine {

// Internal point number (engine/payload_pid_set.h): assigned by the collection, never reused
// (an upsert of an existing external id retires the old number and takes a new one).

// Which fields are indexed: the schema's fields marked `indexed`, each by its declared type:
//  - int: ordered column (equality, match any, ranges); float: ordered column of doubles (ints in
//    a float field are indexed as doubles); bool: two bitmaps; string / keywords: value -> bitmap;
//  - every indexed field: a "has a value" bitmap (kIsEmpty; an empty keyword list has none).
// Filters may name only indexed schema fields; anything else is InvalidArgument, so that a
// filter never silently degrades into a scan.
// Thread safety: add/remove/add_version/remove_version need exclusive access; the const methods
// may run concurrently with each other (the collection holds a readers-writer lock around it).
class PayloadIndex {
 public:
  // `schema` should have passed validate().
  explicit PayloadIndex(PayloadSchema schema);
  ~PayloadIndex();
  PayloadIndex(PayloadIndex&&) noexcept;
  PayloadIndex& operator=(PayloadIndex&&) noexcept;

  const PayloadSchema& schema() const;

  // Records a live point's payload (indexed fields only) and the coverage of required fields.
  // `pid` must not be live. Values whose type does not fit the field (payloads that skipped
  // schema.check()) and NaN floats are left out of the field's index.
  void add(Pid pid, const Payload& payload);
  // Forgets it; `payload` must be the one that was added. Unknown pids are ignored.
  void remove(Pid pid, const Payload& payload);

  // Every live point matching `filter`, as an allowed-id Filter (a dense bitset for large
  // results, a roaring bitmap for small ones). If `live` is given the result is also restricted
  // to it (costs O(result) membership tests; the index already knows its own live points, so
  // pass it only when the caller's view is narrower). If `model_version` is given the result is
  // restricted to points recorded with add_version() under that version.
  // InvalidArgument for an invalid filter (PayloadFilter::validate), a field that is not in the
  // schema or not indexed (naming it), or a value of the wrong type for the field
  // ("filter: field 'price': expected float, got string").
  // Cost: O(depth x (matched postings + universe / 64)) for the bitmaps, plus
  // O(log n + matched) per range; never a pass over all payloads.
  Result<Filter> evaluate(const PayloadFilter& filter, const Filter* live = nullptr,
                          std::optional<std::string_view> model_version = std::nullopt) const;
  Result<Filter> evaluate(const PayloadFilter& filter, const Filter& live) const {
    return evaluate(filter, &live);
  }
  // The same restricted to the pids whose bit is set in `live_words` (64 per word), intersected
  // word by word: what a collection passes per search (its live set as a bitset).
  Result<Filter> evaluate_within(const PayloadFilter& filter,
                                 std::span<const uint64_t> live_words) const;

  // Number of live points.
  size_t size() const;
  // Required field -> number of live points that have it (an empty keyword list counts as
  // having it: the field is present).
  std::map<std::string, size_t> coverage() const;

  // model_version bookkeeping (independent of payloads): version -> live pids.
  void add_version(Pid pid, std::string_view model_version);
  void remove_version(Pid pid, std::string_view model_version);
  // The pids recorded under `model_version` (empty when unknown).
  Filter version_pids(std::string_view model_version) const;
  // Version -> number of live points, for versions with at least one point.
  std::map<std::string, size_t> version_counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vecdex::engine

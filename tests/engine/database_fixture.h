// Shared helpers for the Database / Collection tests: a database in a temp dir, points with
// deterministic vectors, filters, and exact nearest neighbours for recall checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/database.h"

namespace vecdex::testing {

inline DatabaseOptions test_db_options() {
  DatabaseOptions o;
  o.background_threads = 0;  // seal / compact inline: deterministic
  o.sync = SyncPolicy::kPeriodic;  // no fsync per write: fast tests (the crash and sync-policy
                                   // tests choose their own)
  o.segment_max_points = 64;
  o.compaction_min_points = 16;
  return o;
}

inline CollectionConfig test_config(std::string name = "items", size_t dim = 8,
                                    std::string spec = "Flat") {
  CollectionConfig c;
  c.name = std::move(name);
  c.dim = dim;
  c.metric = Metric::kL2;
  c.index_spec = std::move(spec);
  c.schema.fields = {FieldSpec{"color", FieldType::kString, false, true},
                     FieldSpec{"price", FieldType::kFloat, false, true},
                     FieldSpec{"batch", FieldType::kInt, false, true}};
  return c;
}

inline Point make_point(uint64_t id, size_t dim, uint64_t seed, Payload payload = {},
                        std::string version = "") {
  Point p;
  p.id = PointId(id);
  p.vector = random_floats(1, dim, seed);
  p.payload = std::move(payload);
  p.model_version = std::move(version);
  return p;
}

inline PayloadFilter match(std::string field, PayloadValue value) {
  FieldCondition c;
  c.field = std::move(field);
  c.kind = FieldCondition::Kind::kMatch;
  c.value = std::move(value);
  PayloadFilter f;
  f.must.push_back(PayloadFilter::Clause{std::move(c), nullptr});
  return f;
}

// Ids of the k nearest points (squared L2) among `points` passing `keep`.
template <typename Keep>
std::vector<PointId> exact_top_k(const std::vector<Point>& points, std::span<const float> q,
                                 size_t k, Keep keep) {
  std::vector<std::pair<float, PointId>> all;
  for (const Point& p : points) {
    if (!keep(p)) continue;
    float d = 0;
    for (size_t j = 0; j < q.size(); ++j) d += (p.vector[j] - q[j]) * (p.vector[j] - q[j]);
    all.emplace_back(d, p.id);
  }
  std::sort(all.begin(), all.end());
  std::vector<PointId> ids;
  for (size_t i = 0; i < std::min(k, all.size()); ++i) ids.push_back(all[i].second);
  return ids;
}

inline std::unique_ptr<Database> open_db(const std::filesystem::path& dir,
                                         const DatabaseOptions& o = test_db_options()) {
  auto db = Database::open(dir, o);
  EXPECT_THAT(db, IsOk());
  return db.ok() ? std::move(db).value() : nullptr;
}

}  // namespace vecdex::testing

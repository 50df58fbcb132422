// Collection::search's result assembly and allowed set: ids and model versions through upsert
// churn (numeric and string ids, short and long), the version restriction met with a payload
// filter, the version-skew fraction with and without payloads, and the query checks' messages.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "engine/database_fixture.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::make_point;
using testing::match;

constexpr size_t kDim = 8;

class CollectionSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::open_db(dir_.path());
    ASSERT_NE(db_, nullptr);
    auto c = db_->create_collection(testing::test_config());
    ASSERT_THAT(c, IsOk());
    c_ = *c;
  }
  SearchRequest request(const std::vector<float>& q, size_t k) {
    SearchRequest r;
    r.vector = q;
    r.k = k;
    return r;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  Collection* c_ = nullptr;
};

TEST_F(CollectionSearchTest, RestrictionMetWithAFilterIsExact) {
  std::vector<Point> points;
  for (uint64_t id = 0; id < 150; ++id) {
    points.push_back(make_point(id, kDim, 500 + id,
                                Payload{{"color", std::string(id % 3 == 0 ? "red" : "blue")}},
                                id % 2 == 0 ? "v1" : "v2"));
  }
  ASSERT_THAT(c_->upsert(points), IsOk());
  auto q = testing::random_floats(1, kDim, 77);
  SearchRequest r = request(q, 7);
  r.model_version = "v1";
  r.restrict_to_version = true;
  r.filter = match("color", std::string("red"));
  for (bool with_payload : {false, true}) {
    r.with_payload = with_payload;
    auto res = c_->search(r);
    ASSERT_THAT(res, IsOk());
    auto truth = testing::exact_top_k(points, q, 7, [](const Point& p) {
      return p.model_version == "v1" && std::get<std::string>(p.payload.at("color")) == "red";
    });
    ASSERT_EQ(res->results.size(), truth.size());
    for (size_t i = 0; i < truth.size(); ++i) {
      EXPECT_EQ(res->results[i].id, truth[i]) << i;
      EXPECT_EQ(res->results[i].model_version, "v1");
      EXPECT_EQ(res->results[i].payload.has_value(), with_payload);
    }
    EXPECT_EQ(res->other_version_fraction, 0.0);
  }
}

TEST_F(CollectionSearchTest, UnknownVersionStillChecksTheFilter) {
  ASSERT_THAT(c_->upsert(std::vector<Point>{make_point(1, kDim, 1, {}, "v1")}), IsOk());
  auto q = testing::random_floats(1, kDim, 2);
  SearchRequest r = request(q, 3);
  r.model_version = "v9";
  r.restrict_to_version = true;
  r.filter = match("size", int64_t{3});
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'size'")));
  r.filter = match("color", std::string("red"));
  auto res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  EXPECT_TRUE(res->results.empty());
  r.filter.reset();
  res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  EXPECT_TRUE(res->results.empty());
}

TEST_F(CollectionSearchTest, ResultsCarryTheirIdsAndVersionsThroughChurn) {
  // Numeric ids, short string ids and string ids past the inline size of a key.
  auto id_of = [](uint64_t i) {
    if (i % 3 == 0) return PointId(i);
    std::string text = i % 3 == 1 ? "s" : "a-rather-long-external-id-";
    text += std::to_string(i);
    return *PointId::from_string(text);
  };
  std::map<PointId, std::string> version_of;  // live points
  auto upsert = [&](uint64_t first, uint64_t count, const std::string& version) {
    std::vector<Point> batch;
    for (uint64_t i = first; i < first + count; ++i) {
      Point p = make_point(0, kDim, 1000 * (version.size() + 1) + i, {}, version);
      p.id = id_of(i);
      version_of[p.id] = version;
      batch.push_back(std::move(p));
    }
    ASSERT_THAT(c_->upsert(batch), IsOk());
  };
  upsert(0, 120, "model-a");
  upsert(30, 40, "model-b-with-a-long-name");  // replaces 30..69: new pids
  std::vector<PointId> gone;
  for (uint64_t i = 0; i < 120; i += 9) gone.push_back(id_of(i));
  auto removed = c_->remove(gone);
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, gone.size());
  for (const PointId& id : gone) version_of.erase(id);
  upsert(200, 10, "model-a");

  auto q = testing::random_floats(1, kDim, 3);
  SearchRequest r = request(q, 1000);  // every point
  r.model_version = "model-a";
  for (bool with_payload : {false, true}) {
    r.with_payload = with_payload;
    auto res = c_->search(r);
    ASSERT_THAT(res, IsOk());
    std::map<PointId, std::string> got;
    size_t other = 0;
    for (const ScoredPoint& sp : res->results) {
      EXPECT_TRUE(got.emplace(sp.id, sp.model_version).second) << sp.id.describe();
      other += sp.model_version != "model-a";
    }
    EXPECT_EQ(got, version_of);
    for (size_t i = 1; i < res->results.size(); ++i) {
      EXPECT_LE(res->results[i - 1].score, res->results[i].score);
    }
    ASSERT_TRUE(res->other_version_fraction.has_value());
    EXPECT_DOUBLE_EQ(*res->other_version_fraction,
                     static_cast<double>(other) / static_cast<double>(res->results.size()));
    EXPECT_GT(other, 0u);
  }
  // A version the collection never saw: every result counts as another version.
  r.model_version = "model-z";
  r.with_payload = false;
  auto res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  EXPECT_EQ(res->other_version_fraction, 1.0);
}

TEST_F(CollectionSearchTest, NonFiniteQueryValuesAreNamed) {
  ASSERT_THAT(c_->upsert(std::vector<Point>{make_point(1, kDim, 1)}), IsOk());
  std::vector<float> q(kDim, 0.5f);
  q[5] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(c_->search(request(q, 1)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("query[5] is infinite")));
  q[5] = -std::numeric_limits<float>::infinity();
  EXPECT_THAT(c_->search(request(q, 1)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("query[5] is infinite")));
  q[5] = 0.5f;
  q[0] = std::nanf("");
  EXPECT_THAT(c_->search(request(q, 1)), StatusIs(StatusCode::kInvalidArgument,
                                                  HasSubstr("search in items: query[0] is NaN")));
  // Large finite values are fine.
  q[0] = std::numeric_limits<float>::max();
  EXPECT_THAT(c_->search(request(q, 1)), IsOk());
}

}  // namespace
}  // namespace vecdex

// Collection behaviour: upsert / get / replace / remove, searches (exact recall with Flat,
// filters, model versions), coverage, and every input error.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include "engine/database_fixture.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::make_point;
using testing::match;

class CollectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::open_db(dir_.path());
    ASSERT_NE(db_, nullptr);
    auto c = db_->create_collection(testing::test_config());
    ASSERT_THAT(c, IsOk());
    c_ = *c;
  }
  std::vector<Point> add_points(size_t n, uint64_t first_id = 0) {
    std::vector<Point> points;
    for (size_t i = 0; i < n; ++i) {
      uint64_t id = first_id + i;
      points.push_back(make_point(id, 8, 1000 + id,
                                  Payload{{"color", std::string(id % 3 == 0 ? "red" : "blue")},
                                          {"price", double(id)}},
                                  id % 2 == 0 ? "v1" : "v2"));
    }
    EXPECT_THAT(c_->upsert(points), IsOk());
    return points;
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

TEST_F(CollectionTest, UpsertGetReplaceRemove) {
  auto points = add_points(10);
  auto got = c_->get(PointId(3));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->vector, points[3].vector);
  EXPECT_EQ(got->payload, points[3].payload);
  EXPECT_EQ(got->model_version, "v2");

  // Replace: new vector and payload, same id; the count does not change.
  Point p = make_point(3, 8, 77, Payload{{"color", std::string("green")}}, "v3");
  VECDEX_ASSERT_OK(c_->upsert(std::span<const Point>(&p, 1)));
  got = c_->get(PointId(3));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->vector, p.vector);
  EXPECT_EQ(got->payload, p.payload);
  EXPECT_EQ(c_->info().points, 10u);
  EXPECT_EQ(c_->info().model_versions.at("v3"), 1u);

  std::vector<PointId> ids = {PointId(3), PointId(4), PointId(999)};
  auto removed = c_->remove(ids);
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 2u);
  EXPECT_THAT(c_->get(PointId(3)), StatusIs(StatusCode::kNotFound, HasSubstr("3")));
  EXPECT_EQ(c_->info().points, 8u);
}

TEST_F(CollectionTest, StringIdsAreDistinctFromNumbers) {
  auto text = PointId::from_string("7");
  ASSERT_THAT(text, IsOk());
  Point a = make_point(7, 8, 1);
  Point b = make_point(0, 8, 2);
  b.id = *text;
  std::vector<Point> both = {a, b};
  VECDEX_ASSERT_OK(c_->upsert(both));
  EXPECT_EQ(c_->info().points, 2u);
  EXPECT_EQ(c_->get(*text)->vector, b.vector);
  EXPECT_EQ(c_->get(PointId(7))->vector, a.vector);
}

TEST_F(CollectionTest, SearchMatchesExactNeighboursAcrossSegments) {
  // 300 points with segment_max_points 64: several sealed Flat segments plus the mutable one.
  auto points = add_points(300);
  VECDEX_ASSERT_OK(db_->wait_idle());
  EXPECT_GT(c_->info().segments.size(), 1u);
  size_t hits = 0, total = 0;
  for (uint64_t qs = 0; qs < 20; ++qs) {
    auto q = testing::random_floats(1, 8, 5000 + qs);
    auto r = c_->search(request(q, 10));
    ASSERT_THAT(r, IsOk());
    auto truth = testing::exact_top_k(points, q, 10, [](const Point&) { return true; });
    ASSERT_EQ(r->results.size(), 10u);
    for (size_t i = 0; i < 10; ++i) {
      hits += std::count(truth.begin(), truth.end(), r->results[i].id);
      if (i > 0) {
        EXPECT_GE(r->results[i].score, r->results[i - 1].score);
      }
    }
    total += 10;
  }
  // The mutable segment is HNSW16, so allow a little approximation.
  EXPECT_GE(double(hits) / total, 0.95);
}

TEST_F(CollectionTest, FilteredSearchReturnsOnlyMatchesWithPayloads) {
  auto points = add_points(200);
  auto q = testing::random_floats(1, 8, 42);
  SearchRequest r = request(q, 5);
  r.filter = match("color", std::string("red"));
  r.with_payload = true;
  r.with_vector = true;
  auto res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  auto truth = testing::exact_top_k(points, q, 5, [](const Point& p) {
    return std::get<std::string>(p.payload.at("color")) == "red";
  });
  ASSERT_EQ(res->results.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(res->results[i].id, truth[i]);
    ASSERT_TRUE(res->results[i].payload.has_value());
    EXPECT_EQ(std::get<std::string>(res->results[i].payload->at("color")), "red");
    ASSERT_TRUE(res->results[i].vector.has_value());
    EXPECT_EQ(*res->results[i].vector, points[res->results[i].id.number()].vector);
  }
  // A filter that matches nothing gives an empty answer, not an error.
  r.filter = match("color", std::string("purple"));
  res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  EXPECT_TRUE(res->results.empty());
}

TEST_F(CollectionTest, ModelVersionRestrictionAndSkewFraction) {
  add_points(100);  // even ids "v1", odd ids "v2"
  auto q = testing::random_floats(1, 8, 9);
  SearchRequest r = request(q, 10);
  r.model_version = "v1";
  auto res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  size_t other = 0;
  for (const auto& sp : res->results) other += sp.model_version != "v1";
  ASSERT_TRUE(res->other_version_fraction.has_value());
  EXPECT_DOUBLE_EQ(*res->other_version_fraction, double(other) / res->results.size());
  EXPECT_GT(other, 0u);

  r.restrict_to_version = true;
  res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  EXPECT_EQ(res->results.size(), 10u);
  for (const auto& sp : res->results) {
    EXPECT_EQ(sp.model_version, "v1");
    EXPECT_EQ(sp.id.number() % 2, 0u);
  }
  EXPECT_DOUBLE_EQ(*res->other_version_fraction, 0.0);
  // Restriction combined with a payload filter.
  r.filter = match("color", std::string("red"));
  res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  for (const auto& sp : res->results) EXPECT_EQ(sp.id.number() % 6, 0u);
  // An unknown version has no points.
  r.model_version = "v9";
  res = c_->search(r);
  ASSERT_THAT(res, IsOk());
  EXPECT_TRUE(res->results.empty());

  auto info = c_->info();
  EXPECT_EQ(info.model_versions.at("v1"), 50u);
  EXPECT_EQ(info.model_versions.at("v2"), 50u);
}

TEST_F(CollectionTest, RemoveWhereDeletesMatchesOnly) {
  add_points(30);
  auto removed = c_->remove_where(match("color", std::string("red")));
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 10u);
  EXPECT_EQ(c_->info().points, 20u);
  EXPECT_THAT(c_->get(PointId(0)), StatusIs(StatusCode::kNotFound, HasSubstr("0")));
  EXPECT_THAT(c_->get(PointId(1)), IsOk());
  auto q = testing::random_floats(1, 8, 3);
  auto res = c_->search(request(q, 30));
  ASSERT_THAT(res, IsOk());
  EXPECT_EQ(res->results.size(), 20u);
  for (const auto& sp : res->results) EXPECT_NE(sp.id.number() % 3, 0u);
}

TEST_F(CollectionTest, SearchBatchAnswersEachRequest) {
  add_points(50);
  auto q1 = testing::random_floats(1, 8, 1), q2 = testing::random_floats(1, 8, 2);
  std::vector<SearchRequest> rs = {request(q1, 3), request(q2, 4)};
  auto res = c_->search_batch(rs);
  ASSERT_THAT(res, IsOk());
  ASSERT_EQ(res->size(), 2u);
  EXPECT_EQ((*res)[0].results.size(), 3u);
  EXPECT_EQ((*res)[1].results.size(), 4u);
  EXPECT_EQ((*res)[0].results[0].id, c_->search(request(q1, 1))->results[0].id);
  rs[1].k = 0;
  EXPECT_THAT(c_->search_batch(rs), StatusIs(StatusCode::kInvalidArgument, HasSubstr("request 1")));
}

// Many requests run in parallel on the thread pool; each answer equals the single search's, in
// request order, and the first failing request (by index) is the one reported.
TEST_F(CollectionTest, SearchBatchInParallelMatchesSingleSearches) {
  add_points(60);
  std::vector<std::vector<float>> queries;
  std::vector<SearchRequest> rs;
  for (uint64_t i = 0; i < 64; ++i) queries.push_back(testing::random_floats(1, 8, 500 + i));
  for (uint64_t i = 0; i < 64; ++i) {
    rs.push_back(request(queries[i], 1 + i % 7));
    if (i % 3 == 0) rs.back().filter = match("color", std::string("red"));
    rs.back().with_payload = i % 2 == 0;
  }
  auto batch = c_->search_batch(rs);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    auto one = c_->search(rs[i]);
    ASSERT_THAT(one, IsOk());
    ASSERT_EQ((*batch)[i].results.size(), one->results.size()) << "request " << i;
    for (size_t j = 0; j < one->results.size(); ++j) {
      EXPECT_EQ((*batch)[i].results[j].id, one->results[j].id);
      EXPECT_EQ((*batch)[i].results[j].payload, one->results[j].payload);
    }
  }
  rs[40].k = 0;
  rs[17].vector = std::span<const float>(queries[17]).first(3);
  EXPECT_THAT(c_->search_batch(rs),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("request 17")));
  EXPECT_THAT(c_->search_batch(std::span<const SearchRequest>()), IsOk());
}

TEST_F(CollectionTest, UpsertErrorsWriteNothing) {
  add_points(5);
  auto expect_rejected = [&](std::vector<Point> batch, std::string_view what) {
    EXPECT_THAT(c_->upsert(batch), StatusIs(StatusCode::kInvalidArgument, HasSubstr(what)));
    EXPECT_EQ(c_->info().points, 5u);
  };
  Point good = make_point(100, 8, 1);
  Point wrong_dim = make_point(101, 7, 1);
  expect_rejected({good, wrong_dim}, "dim is 8");
  Point nan = make_point(102, 8, 1);
  nan.vector[3] = std::numeric_limits<float>::quiet_NaN();
  expect_rejected({good, nan}, "vector[3] is NaN");
  Point inf = make_point(103, 8, 1);
  inf.vector[0] = -std::numeric_limits<float>::infinity();
  expect_rejected({inf}, "-inf");
  expect_rejected({good, good}, "twice");
  Point bad_type = make_point(104, 8, 1, Payload{{"price", std::string("cheap")}});
  expect_rejected({good, bad_type}, "price");
  Point long_version = make_point(105, 8, 1, {}, std::string(65, 'v'));
  expect_rejected({long_version}, "model_version");
  EXPECT_THAT(c_->get(PointId(100)), StatusIs(StatusCode::kNotFound, HasSubstr("100")));
  // An oversized string id cannot even be made.
  EXPECT_THAT(PointId::from_string(std::string(257, 'x')),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("256")));
  EXPECT_THAT(c_->upsert({}), IsOk());
}

TEST_F(CollectionTest, BatchLargerThanTheLimitIsRejected) {
  testing::TempDir dir;
  auto o = testing::test_db_options();
  o.max_batch_points = 4;
  auto db = testing::open_db(dir.path(), o);
  ASSERT_NE(db, nullptr);
  auto c = db->create_collection(testing::test_config());
  ASSERT_THAT(c, IsOk());
  std::vector<Point> batch;
  for (uint64_t i = 0; i < 5; ++i) batch.push_back(make_point(i, 8, i));
  EXPECT_THAT((*c)->upsert(batch),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("exceeds max_batch_points 4")));
  batch.pop_back();
  EXPECT_THAT((*c)->upsert(batch), IsOk());
}

TEST_F(CollectionTest, SearchErrors) {
  add_points(5);
  auto q = testing::random_floats(1, 8, 1);
  SearchRequest r = request(q, 3);
  std::vector<float> short_q(7, 0.0f);
  r.vector = short_q;
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim is 8")));
  std::vector<float> nan_q = q;
  nan_q[2] = std::nanf("");
  r.vector = nan_q;
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("NaN")));
  r = request(q, 0);
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("k is 0")));
  r = request(q, 3);
  r.restrict_to_version = true;
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("model_version")));
  // A malformed filter (a clause with neither a condition nor a nested filter).
  r = request(q, 3);
  PayloadFilter bad;
  bad.must.push_back(PayloadFilter::Clause{});
  r.filter = bad;
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("filter")));
  EXPECT_THAT(c_->remove_where(bad), StatusIs(StatusCode::kInvalidArgument, HasSubstr("remove_where")));
  // A filter that compares a field with a value of the wrong type.
  r.filter = match("price", std::string("cheap"));
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("price")));
  // A search key no segment uses.
  r = request(q, 3);
  r.params.nprobe = 4;
  EXPECT_THAT(c_->search(r), StatusIs(StatusCode::kInvalidArgument, HasSubstr("nprobe")));
}

TEST(CollectionCoverageTest, RequiredFieldsRejectOrCount) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto config = testing::test_config("strict");
  config.schema.fields[0].required = true;  // color
  auto c = db->create_collection(config);
  ASSERT_THAT(c, IsOk());
  Point ok = make_point(1, 8, 1, Payload{{"color", std::string("red")}});
  Point lacking = make_point(2, 8, 2, Payload{{"price", 1.0}});
  std::vector<Point> batch = {ok, lacking};
  EXPECT_THAT((*c)->upsert(batch), StatusIs(StatusCode::kInvalidArgument, HasSubstr("color")));
  EXPECT_EQ((*c)->info().rejected_missing_required, 1u);
  EXPECT_EQ((*c)->info().points, 0u);

  config.name = "counted";
  config.schema.on_missing_required = PayloadSchema::MissingRequired::kCount;
  c = db->create_collection(config);
  ASSERT_THAT(c, IsOk());
  VECDEX_ASSERT_OK((*c)->upsert(batch));
  auto info = (*c)->info();
  EXPECT_EQ(info.points, 2u);
  EXPECT_EQ(info.coverage.at("color"), 1u);
  EXPECT_EQ(info.rejected_missing_required, 0u);
}

TEST(CollectionCosineTest, ScoresAreCosineSimilarities) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto config = testing::test_config("cos", 3);
  config.metric = Metric::kCosine;
  auto c = db->create_collection(config);
  ASSERT_THAT(c, IsOk());
  Point a, b, zero;
  a.id = PointId(1);
  a.vector = {2, 0, 0};
  b.id = PointId(2);
  b.vector = {0, 3, 0};
  zero.id = PointId(3);
  zero.vector = {0, 0, 0};
  std::vector<Point> points = {a, zero};
  EXPECT_THAT((*c)->upsert(points), StatusIs(StatusCode::kInvalidArgument, HasSubstr("all-zero")));
  points = {a, b};
  VECDEX_ASSERT_OK((*c)->upsert(points));
  std::vector<float> q = {1, 1, 0};
  SearchRequest r;
  r.vector = q;
  r.k = 2;
  auto res = (*c)->search(r);
  ASSERT_THAT(res, IsOk());
  ASSERT_EQ(res->results.size(), 2u);
  EXPECT_NEAR(res->results[0].score, 1 / std::sqrt(2.0f), 1e-5);
  // The stored vector is the raw one, not the normalized one.
  EXPECT_EQ((*c)->get(PointId(1))->vector, a.vector);
}

TEST(CollectionConcurrencyTest, UpsertsAndSearchesRunTogether) {
  testing::TempDir dir;
  auto o = testing::test_db_options();
  o.background_threads = 1;
  o.sync = SyncPolicy::kPeriodic;
  auto db = testing::open_db(dir.path(), o);
  ASSERT_NE(db, nullptr);
  auto c = db->create_collection(testing::test_config("busy", 8, "HNSW16"));
  ASSERT_THAT(c, IsOk());
  Collection* coll = *c;
  constexpr int kWriters = 2, kBatches = 30, kBatch = 10;
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Point> batch;
        for (int i = 0; i < kBatch; ++i) {
          uint64_t id = (uint64_t(w) * kBatches + b) * kBatch + i;
          batch.push_back(make_point(id, 8, id, Payload{{"batch", int64_t(b)}}));
        }
        if (!coll->upsert(batch).ok()) ++errors;
        // Replace half of what was just written, to exercise retire + publish.
        batch.resize(kBatch / 2);
        for (Point& p : batch) p.vector[0] += 1.0f;
        if (!coll->upsert(batch).ok()) ++errors;
      }
    });
  }
  std::thread reader([&] {
    auto q = testing::random_floats(1, 8, 1);
    while (!done.load()) {
      SearchRequest r;
      r.vector = q;
      r.k = 5;
      r.with_payload = true;
      auto res = coll->search(r);
      if (!res.ok()) {
        ++errors;
        continue;
      }
      for (const auto& sp : res->results) {
        if (!sp.payload || sp.payload->count("batch") == 0) ++errors;
      }
      SearchRequest f = r;
      f.filter = match("batch", int64_t(3));
      if (!coll->search(f).ok()) ++errors;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(errors.load(), 0);
  VECDEX_ASSERT_OK(db->wait_idle());
  EXPECT_EQ(coll->info().points, size_t{kWriters * kBatches * kBatch});
  // Every point is findable by its own vector.
  auto p = coll->get(PointId(123));
  ASSERT_THAT(p, IsOk());
  SearchRequest r;
  r.vector = p->vector;
  r.k = 1;
  r.params.ef = 64;
  auto res = coll->search(r);
  ASSERT_THAT(res, IsOk());
  ASSERT_EQ(res->results.size(), 1u);
  EXPECT_EQ(res->results[0].id, PointId(123));
}

// Replaced points leave the segments after the write is published, outside the exclusive
// lock; searches meanwhile must neither lose top-k slots to them nor see an id twice.
TEST(CollectionConcurrencyTest, SearchesDuringReplacementsReturnFullDistinctResults) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto c = db->create_collection(testing::test_config("replaced", 8, "HNSW16"));
  ASSERT_THAT(c, IsOk());
  Collection* coll = *c;
  std::vector<Point> points;
  for (uint64_t id = 0; id < 200; ++id) points.push_back(make_point(id, 8, id));
  ASSERT_THAT(coll->upsert(points), IsOk());
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    for (int round = 0; round < 20; ++round) {
      for (size_t first = 0; first < points.size(); first += 20) {
        std::span<const Point> batch(points.data() + first, 20);
        if (!coll->upsert(batch).ok()) ++errors;
      }
    }
    done = true;
  });
  auto q = testing::random_floats(1, 8, 5);
  size_t searches = 0, short_or_repeated = 0;
  while (!done.load() || searches == 0) {
    SearchRequest r;
    r.vector = q;
    r.k = 10;
    r.params.ef = 64;
    auto res = coll->search(r);
    ++searches;
    if (!res.ok()) {
      ++errors;
      continue;
    }
    std::set<uint64_t> ids;
    for (const ScoredPoint& sp : res->results) ids.insert(sp.id.number());
    short_or_repeated += res->results.size() != 10 || ids.size() != 10;
  }
  writer.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(short_or_repeated, 0u) << "of " << searches << " searches";
  EXPECT_EQ(coll->info().points, 200u);
}

}  // namespace
}  // namespace vecdex

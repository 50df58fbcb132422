// PayloadIndex: every condition kind on every field type, boolean combinations checked against
// PayloadFilter::matches() on random payloads and filters, add/remove consistency, coverage,
// model versions, and every error path of evaluate().
#include "engine/payload_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace vecdex::engine {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = FieldCondition::Kind;
using Clause = PayloadFilter::Clause;

PayloadSchema test_schema() {
  PayloadSchema s;
  s.fields = {{"n", FieldType::kInt, /*required=*/true},
              {"x", FieldType::kFloat, /*required=*/true},
              {"b", FieldType::kBool},
              {"s", FieldType::kString},
              {"k", FieldType::kKeywords},
              {"raw", FieldType::kString, /*required=*/false, /*indexed=*/false}};
  s.on_missing_required = PayloadSchema::MissingRequired::kCount;
  return s;
}

Clause clause(FieldCondition c) { return {std::move(c), nullptr}; }
Clause nested(PayloadFilter f) { return {std::nullopt, std::make_shared<const PayloadFilter>(std::move(f))}; }

FieldCondition match(std::string field, PayloadValue v) {
  FieldCondition c;
  c.field = std::move(field);
  c.kind = Kind::kMatch;
  c.value = std::move(v);
  return c;
}
FieldCondition match_any(std::string field, std::vector<PayloadValue> any) {
  FieldCondition c;
  c.field = std::move(field);
  c.kind = Kind::kMatchAny;
  c.any = std::move(any);
  return c;
}
FieldCondition range(std::string field, std::optional<double> gt, std::optional<double> gte,
                     std::optional<double> lt, std::optional<double> lte) {
  FieldCondition c;
  c.field = std::move(field);
  c.kind = Kind::kRange;
  c.gt = gt;
  c.gte = gte;
  c.lt = lt;
  c.lte = lte;
  return c;
}
FieldCondition is_empty(std::string field) {
  FieldCondition c;
  c.field = std::move(field);
  c.kind = Kind::kIsEmpty;
  return c;
}
PayloadFilter must(FieldCondition c) {
  PayloadFilter f;
  f.must = {clause(std::move(c))};
  return f;
}

// The index and the payloads it holds, so every query can be checked against matches().
class Fixture {
 public:
  Fixture() : index_(test_schema()) {}
  void add(Pid pid, Payload p) {
    index_.add(pid, p);
    points_[pid] = std::move(p);
  }
  void remove(Pid pid) {
    index_.remove(pid, points_.at(pid));
    points_.erase(pid);
  }
  std::vector<Id> expected(const PayloadFilter& f) const {
    std::vector<Id> out;
    for (const auto& [pid, p] : points_) {
      if (f.matches(p)) out.push_back(pid);
    }
    return out;
  }
  std::vector<Id> actual(const PayloadFilter& f) const {
    auto r = index_.evaluate(f);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? r->to_vector() : std::vector<Id>{};
  }
  PayloadIndex& index() { return index_; }
  const std::map<Pid, Payload>& points() const { return points_; }

 private:
  PayloadIndex index_;
  std::map<Pid, Payload> points_;
};

Fixture small_fixture() {
  Fixture fx;
  fx.add(0, {{"n", int64_t{1}}, {"x", 0.5}, {"b", true}, {"s", std::string("red")},
             {"k", Keywords{"a", "b"}}});
  fx.add(1, {{"n", int64_t{2}}, {"x", int64_t{2}}, {"b", false}, {"s", std::string("blue")},
             {"k", Keywords{}}});
  fx.add(2, {{"n", int64_t{-3}}, {"x", -1.25}, {"s", std::string("red")}, {"k", Keywords{"b"}}});
  fx.add(5, {{"raw", std::string("r")}});
  return fx;
}

TEST(PayloadIndexTest, MatchOnEachFieldType) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.actual(must(match("n", int64_t{2}))), ElementsAre(1));
  EXPECT_THAT(fx.actual(must(match("x", 2.0))), ElementsAre(1));
  EXPECT_THAT(fx.actual(must(match("x", int64_t{2}))), ElementsAre(1));
  EXPECT_THAT(fx.actual(must(match("b", true))), ElementsAre(0));
  EXPECT_THAT(fx.actual(must(match("b", false))), ElementsAre(1));
  EXPECT_THAT(fx.actual(must(match("s", std::string("red")))), ElementsAre(0, 2));
  EXPECT_THAT(fx.actual(must(match("s", std::string("green")))), ElementsAre());
  EXPECT_THAT(fx.actual(must(match("k", std::string("b")))), ElementsAre(0, 2));
}

TEST(PayloadIndexTest, MatchAnyOnEachFieldType) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.actual(must(match_any("n", {int64_t{1}, int64_t{-3}}))), ElementsAre(0, 2));
  EXPECT_THAT(fx.actual(must(match_any("x", {0.5, int64_t{2}}))), ElementsAre(0, 1));
  EXPECT_THAT(fx.actual(must(match_any("b", {true, false}))), ElementsAre(0, 1));
  EXPECT_THAT(fx.actual(must(match_any("s", {std::string("blue"), std::string("x")}))),
              ElementsAre(1));
  EXPECT_THAT(fx.actual(must(match_any("k", {std::string("a"), std::string("zz")}))),
              ElementsAre(0));
}

TEST(PayloadIndexTest, RangesOnIntsAndFloatsHonourOpenAndClosedBounds) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.actual(must(range("n", std::nullopt, 1.0, std::nullopt, 2.0))), ElementsAre(0, 1));
  EXPECT_THAT(fx.actual(must(range("n", 1.0, std::nullopt, std::nullopt, std::nullopt))),
              ElementsAre(1));
  EXPECT_THAT(fx.actual(must(range("n", 0.5, std::nullopt, 1.5, std::nullopt))), ElementsAre(0));
  EXPECT_THAT(fx.actual(must(range("n", std::nullopt, std::nullopt, -3.0, std::nullopt))),
              ElementsAre());
  EXPECT_THAT(fx.actual(must(range("x", std::nullopt, 0.5, std::nullopt, 2.0))), ElementsAre(0, 1));
  EXPECT_THAT(fx.actual(must(range("x", 0.5, std::nullopt, 2.0, std::nullopt))), ElementsAre());
  EXPECT_THAT(fx.actual(must(range("x", std::nullopt, std::nullopt, 0.5, -1.25))), ElementsAre(2));
  // Empty intervals.
  EXPECT_THAT(fx.actual(must(range("x", 1.0, std::nullopt, 1.0, std::nullopt))), ElementsAre());
  EXPECT_THAT(fx.actual(must(range("n", std::nullopt, 2.0, std::nullopt, 1.0))), ElementsAre());
}

TEST(PayloadIndexTest, IntRangesAreExactBeyondDoublePrecision) {
  Fixture fx;
  int64_t two53 = int64_t{1} << 53;
  int64_t max = std::numeric_limits<int64_t>::max();
  int64_t min = std::numeric_limits<int64_t>::min();
  fx.add(0, {{"n", two53}});
  fx.add(1, {{"n", two53 + 1}});
  fx.add(2, {{"n", max}});
  fx.add(3, {{"n", min}});
  std::vector<PayloadFilter> filters = {
      must(range("n", static_cast<double>(two53), std::nullopt, std::nullopt, std::nullopt)),
      must(range("n", std::nullopt, 9.3e18, std::nullopt, std::nullopt)),
      must(range("n", std::nullopt, std::nullopt, -9.3e18, std::nullopt)),
      must(range("n", std::nullopt, std::nullopt, std::nullopt, 9.3e18)),
      must(range("n", 9223372036854775808.0, std::nullopt, std::nullopt, std::nullopt)),
      must(range("n", std::nullopt, std::nullopt, -9223372036854775808.0, std::nullopt)),
      must(range("n", std::nullopt, -9223372036854775808.0, std::nullopt, std::nullopt))};
  for (const PayloadFilter& f : filters) EXPECT_EQ(fx.actual(f), fx.expected(f));
}

TEST(PayloadIndexTest, IsEmptyCoversMissingFieldsAndEmptyKeywordLists) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.actual(must(is_empty("k"))), ElementsAre(1, 5));
  EXPECT_THAT(fx.actual(must(is_empty("b"))), ElementsAre(2, 5));
  EXPECT_THAT(fx.actual(must(is_empty("n"))), ElementsAre(5));
}

TEST(PayloadIndexTest, EmptyFilterAndMustNotUseEveryLivePoint) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.actual(PayloadFilter{}), ElementsAre(0, 1, 2, 5));
  PayloadFilter f;
  f.must_not = {clause(match("s", std::string("red")))};
  EXPECT_THAT(fx.actual(f), ElementsAre(1, 5));
  PayloadFilter g;
  g.should = {clause(match("n", int64_t{1})), clause(match("b", false))};
  EXPECT_THAT(fx.actual(g), ElementsAre(0, 1));
  PayloadFilter inner;
  inner.should = {clause(match("s", std::string("blue"))), clause(is_empty("s"))};
  PayloadFilter h;
  h.must_not = {nested(inner)};
  EXPECT_THAT(fx.actual(h), ElementsAre(0, 2));
}

TEST(PayloadIndexTest, LiveFilterAndModelVersionRestrictTheResult) {
  Fixture fx = small_fixture();
  fx.index().add_version(0, "v1");
  fx.index().add_version(1, "v2");
  fx.index().add_version(2, "v2");
  std::vector<Id> live = {1, 2, 5};
  Filter live_filter = Filter::from_ids(live);
  auto r = fx.index().evaluate(PayloadFilter{}, live_filter);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->to_vector(), ElementsAre(1, 2, 5));
  auto v2 = fx.index().evaluate(must(match("s", std::string("red"))), nullptr, "v2");
  ASSERT_THAT(v2, IsOk());
  EXPECT_THAT(v2->to_vector(), ElementsAre(2));
  auto unknown = fx.index().evaluate(PayloadFilter{}, nullptr, "v9");
  ASSERT_THAT(unknown, IsOk());
  EXPECT_EQ(unknown->count(), 0u);
}

// evaluate_within (a collection's live set as bitset words) agrees with evaluate() restricted
// by an equivalent Filter, for dense and sparse results, and drops pids past the words' end.
TEST(PayloadIndexTest, EvaluateWithinLiveWordsMatchesTheFilterForm) {
  Fixture fx = small_fixture();
  for (int i = 0; i < 300; ++i) fx.add(10 + i, {{"n", int64_t{i % 7}}});  // a dense-sized set
  const std::vector<PayloadFilter> filters = {
      PayloadFilter{}, must(match("s", std::string("red"))), must(match("n", int64_t{3}))};
  const std::vector<std::vector<Id>> lives = {{}, {0, 2, 5}, {1, 2, 40, 77, 200, 309}};
  for (const auto& filter : filters) {
    for (const auto& live : lives) {
      std::vector<uint64_t> words(live.empty() ? 0 : live.back() / 64 + 1, 0);
      for (Id id : live) words[id >> 6] |= uint64_t{1} << (id & 63);
      auto expected = fx.index().evaluate(filter, Filter::from_ids(live));
      auto actual = fx.index().evaluate_within(filter, words);
      ASSERT_THAT(expected, IsOk());
      ASSERT_THAT(actual, IsOk());
      EXPECT_EQ(actual->to_vector(), expected->to_vector());
    }
  }
  std::vector<uint64_t> all(8, ~uint64_t{0});
  auto everything = fx.index().evaluate_within(PayloadFilter{}, all);
  ASSERT_THAT(everything, IsOk());
  EXPECT_EQ(everything->count(), 304u);
  EXPECT_THAT(fx.index().evaluate_within(must(match("nope", int64_t{1})), all), ::testing::Not(IsOk()));
}

TEST(PayloadIndexTest, VersionBookkeeping) {
  PayloadIndex index(test_schema());
  index.add_version(1, "m1");
  index.add_version(2, "m1");
  index.add_version(3, "m2");
  EXPECT_EQ(index.version_counts(), (std::map<std::string, size_t>{{"m1", 2}, {"m2", 1}}));
  EXPECT_THAT(index.version_pids("m1").to_vector(), ElementsAre(1, 2));
  index.remove_version(3, "m2");
  index.remove_version(9, "nope");
  EXPECT_EQ(index.version_counts(), (std::map<std::string, size_t>{{"m1", 2}}));
  EXPECT_EQ(index.version_pids("m2").count(), 0u);
}

TEST(PayloadIndexTest, CoverageCountsLivePointsWithEachRequiredField) {
  Fixture fx = small_fixture();
  EXPECT_EQ(fx.index().coverage(), (std::map<std::string, size_t>{{"n", 3}, {"x", 3}}));
  fx.remove(1);
  fx.remove(5);
  EXPECT_EQ(fx.index().coverage(), (std::map<std::string, size_t>{{"n", 2}, {"x", 2}}));
  EXPECT_EQ(fx.index().size(), 2u);
  fx.index().remove(77, {{"n", int64_t{1}}});  // unknown pid: ignored
  EXPECT_EQ(fx.index().coverage(), (std::map<std::string, size_t>{{"n", 2}, {"x", 2}}));
}

TEST(PayloadIndexTest, RemovedPointsDisappearAndReAddedOnesMatchTheirNewPayload) {
  Fixture fx = small_fixture();
  fx.remove(0);
  EXPECT_THAT(fx.actual(must(match("s", std::string("red")))), ElementsAre(2));
  EXPECT_THAT(fx.actual(must(range("n", std::nullopt, 1.0, std::nullopt, 1.0))), ElementsAre());
  fx.add(0, {{"n", int64_t{7}}, {"s", std::string("green")}});
  EXPECT_THAT(fx.actual(must(match("n", int64_t{7}))), ElementsAre(0));
  EXPECT_THAT(fx.actual(must(match("n", int64_t{1}))), ElementsAre());
  EXPECT_THAT(fx.actual(must(match("k", std::string("a")))), ElementsAre());
}

TEST(PayloadIndexTest, ValuesOfTheWrongTypeAreNotIndexed) {
  Fixture fx;
  fx.add(0, {{"n", std::string("oops")}, {"x", std::nan("")}, {"b", int64_t{1}},
             {"s", Keywords{"a"}}, {"k", std::string("a")}});
  for (const char* field : {"n", "x", "b", "s", "k"}) {
    EXPECT_THAT(fx.actual(must(is_empty(field))), ElementsAre(0)) << field;
  }
  fx.remove(0);
  EXPECT_EQ(fx.index().size(), 0u);
}

// ---- errors ----

TEST(PayloadIndexTest, UnknownOrUnindexedFieldIsInvalidArgument) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.index().evaluate(must(match("color", std::string("red")))),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'color'"), HasSubstr("not in the schema"))));
  EXPECT_THAT(fx.index().evaluate(must(match("raw", std::string("r")))),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'raw'"), HasSubstr("not indexed"))));
  PayloadFilter deep;
  deep.should = {nested(must(is_empty("color")))};
  EXPECT_THAT(fx.index().evaluate(deep), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'color'")));
}

TEST(PayloadIndexTest, WrongValueTypeNamesFieldExpectedAndReceived) {
  Fixture fx = small_fixture();
  EXPECT_THAT(fx.index().evaluate(must(match("n", 1.5))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field 'n': expected int, got float")));
  EXPECT_THAT(fx.index().evaluate(must(match("x", std::string("1")))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field 'x': expected float, got string")));
  EXPECT_THAT(fx.index().evaluate(must(match("b", int64_t{1}))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field 'b': expected bool, got int")));
  EXPECT_THAT(fx.index().evaluate(must(match("s", true))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field 's': expected string, got bool")));
  EXPECT_THAT(fx.index().evaluate(must(match_any("k", {std::string("a"), int64_t{2}}))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field 'k': expected string, got int")));
  EXPECT_THAT(fx.index().evaluate(must(range("s", 1.0, std::nullopt, std::nullopt, std::nullopt))),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'s'"), HasSubstr("int or float field"))));
}

TEST(PayloadIndexTest, InvalidFilterIsRejectedBeforeEvaluation) {
  Fixture fx = small_fixture();
  PayloadFilter bad;
  bad.must = {Clause{}};
  EXPECT_THAT(fx.index().evaluate(bad), StatusIs(StatusCode::kInvalidArgument, HasSubstr("exactly one")));
  EXPECT_THAT(fx.index().evaluate(must(range("n", std::nullopt, std::nullopt, std::nullopt,
                                             std::nullopt))),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at least one of")));
}

}  // namespace
}  // namespace vecdex::engine

// Point ids, field types, schema checks, filter validation and the reference filter semantics.
#include "vecdex/payload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "testing/status_matchers.h"

namespace vecdex {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using Kind = FieldCondition::Kind;

// ---- PointId ----

TEST(PointIdTest, StringIdsOfOneTo256BytesAreAccepted) {
  VECDEX_EXPECT_OK(PointId::from_string("a"));
  VECDEX_EXPECT_OK(PointId::from_string(std::string(256, 'x')));
  auto id = PointId::from_string("doc-7");
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->is_number());
  EXPECT_EQ(id->text(), "doc-7");
}

TEST(PointIdTest, EmptyOrOversizedStringIdIsInvalidArgument) {
  EXPECT_THAT(PointId::from_string(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(PointId::from_string(std::string(257, 'x')),
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("256"), HasSubstr("257"))));
}

TEST(PointIdTest, DescribeQuotesStringsAndEscapes) {
  EXPECT_EQ(PointId(42).describe(), "42");
  EXPECT_EQ(PointId::from_string("abc")->describe(), "\"abc\"");
  EXPECT_EQ(PointId::from_string("a\"b\\c\n")->describe(), "\"a\\\"b\\\\c\\u000a\"");
}

TEST(PointIdTest, NumbersSortBeforeStringsAndNeverEqualThem) {
  PointId seven(7);
  PointId seven_text = *PointId::from_string("7");
  EXPECT_NE(seven, seven_text);
  EXPECT_LT(seven, seven_text);
  EXPECT_LT(PointId(std::numeric_limits<uint64_t>::max()), seven_text);
  EXPECT_LT(PointId(3), PointId(10));
  EXPECT_LT(*PointId::from_string("a"), *PointId::from_string("b"));
  EXPECT_LT(*PointId::from_string("a"), *PointId::from_string("ab"));
  EXPECT_EQ(PointId(5), PointId(5));
}

// ---- field types ----

TEST(FieldTypeTest, NamesRoundTripAndUnknownNameIsRejected) {
  for (FieldType t : {FieldType::kInt, FieldType::kFloat, FieldType::kBool, FieldType::kString,
                      FieldType::kKeywords}) {
    auto parsed = parse_field_type(field_type_name(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_THAT(parse_field_type("double"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'double'")));
  EXPECT_EQ(value_type(PayloadValue(int64_t{1})), FieldType::kInt);
  EXPECT_EQ(value_type(PayloadValue(1.5)), FieldType::kFloat);
  EXPECT_EQ(value_type(PayloadValue(true)), FieldType::kBool);
  EXPECT_EQ(value_type(PayloadValue(std::string("s"))), FieldType::kString);
  EXPECT_EQ(value_type(PayloadValue(Keywords{"a"})), FieldType::kKeywords);
}

// ---- schema ----

PayloadSchema shop_schema() {
  PayloadSchema s;
  s.fields = {{"price", FieldType::kFloat, /*required=*/true},
              {"stock", FieldType::kInt},
              {"on_sale", FieldType::kBool},
              {"brand", FieldType::kString},
              {"tags", FieldType::kKeywords}};
  return s;
}

TEST(PayloadSchemaTest, ValidSchemaPassesAndFindsFields) {
  PayloadSchema s = shop_schema();
  VECDEX_EXPECT_OK(s.validate());
  ASSERT_NE(s.field("stock"), nullptr);
  EXPECT_EQ(s.field("stock")->type, FieldType::kInt);
  EXPECT_EQ(s.field("nope"), nullptr);
}

TEST(PayloadSchemaTest, MalformedSchemasAreInvalidArgument) {
  PayloadSchema dup = shop_schema();
  dup.fields.push_back({"brand", FieldType::kString});
  EXPECT_THAT(dup.validate(),
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("'brand'"), HasSubstr("twice"))));
  PayloadSchema empty_name;
  empty_name.fields = {{"", FieldType::kInt}};
  EXPECT_THAT(empty_name.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  PayloadSchema long_name;
  long_name.fields = {{std::string(65, 'n'), FieldType::kInt}};
  EXPECT_THAT(long_name.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("65 bytes")));
  PayloadSchema control;
  control.fields = {{"a\tb", FieldType::kInt}};
  EXPECT_THAT(control.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("control")));
  PayloadSchema bad_type;
  bad_type.fields = {{"x", static_cast<FieldType>(9)}};
  EXPECT_THAT(bad_type.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("type code 9")));
  PayloadSchema bad_policy;
  bad_policy.on_missing_required = static_cast<PayloadSchema::MissingRequired>(7);
  EXPECT_THAT(bad_policy.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("policy")));
}

TEST(PayloadSchemaTest, CheckAcceptsMatchingTypesAndIntForFloat) {
  PayloadSchema s = shop_schema();
  VECDEX_EXPECT_OK(s.check({{"price", 9.5},
                            {"stock", int64_t{3}},
                            {"on_sale", true},
                            {"brand", std::string("acme")},
                            {"tags", Keywords{"red"}},
                            {"extra", std::string("not in schema")}}));
  VECDEX_EXPECT_OK(s.check({{"price", int64_t{10}}}));
}

TEST(PayloadSchemaTest, WrongTypeNamesFieldExpectedAndReceived) {
  PayloadSchema s = shop_schema();
  EXPECT_THAT(s.check({{"price", std::string("cheap")}}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("field 'price': expected float, got string")));
  EXPECT_THAT(s.check({{"price", 1.0}, {"stock", 2.5}}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("field 'stock': expected int, got float")));
  EXPECT_THAT(s.check({{"price", 1.0}, {"tags", std::string("red")}}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("field 'tags': expected keywords, got string")));
  EXPECT_THAT(s.check({{"price", 1.0}, {"on_sale", int64_t{1}}}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("field 'on_sale': expected bool, got int")));
}

TEST(PayloadSchemaTest, NonFiniteFloatIsRejected) {
  PayloadSchema s = shop_schema();
  EXPECT_THAT(s.check({{"price", std::nan("")}}),
              StatusIs(StatusCode::kInvalidArgument, AllOf(HasSubstr("'price'"), HasSubstr("finite"))));
  EXPECT_THAT(s.check({{"price", std::numeric_limits<double>::infinity()}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("finite")));
}

TEST(PayloadSchemaTest, MissingRequiredFieldFollowsPolicy) {
  PayloadSchema s = shop_schema();
  EXPECT_THAT(s.check({{"stock", int64_t{1}}}),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'price'"), HasSubstr("required"))));
  s.on_missing_required = PayloadSchema::MissingRequired::kCount;
  VECDEX_EXPECT_OK(s.check({{"stock", int64_t{1}}}));
}

TEST(PayloadSchemaTest, StrictSchemaRejectsUnknownFields) {
  PayloadSchema s = shop_schema();
  s.strict = true;
  EXPECT_THAT(s.check({{"price", 1.0}, {"color", std::string("red")}}),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'color'"), HasSubstr("strict"))));
  VECDEX_EXPECT_OK(s.check({{"price", 1.0}}));
}

TEST(PayloadSchemaTest, BadPayloadFieldNamesAreRejected) {
  PayloadSchema s;
  EXPECT_THAT(s.check({{"", int64_t{1}}}), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(s.check({{std::string(100, 'f'), int64_t{1}}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("100 bytes")));
}

// ---- filter validation ----

FieldCondition match(std::string field, PayloadValue v) {
  FieldCondition c;
  c.field = std::move(field);
  c.kind = Kind::kMatch;
  c.value = std::move(v);
  return c;
}

PayloadFilter::Clause clause(FieldCondition c) { return {std::move(c), nullptr}; }
PayloadFilter::Clause nested(PayloadFilter f) {
  return {std::nullopt, std::make_shared<const PayloadFilter>(std::move(f))};
}

TEST(PayloadFilterValidateTest, WellFormedFiltersPass) {
  PayloadFilter f;
  VECDEX_EXPECT_OK(f.validate());
  FieldCondition range;
  range.field = "price";
  range.kind = Kind::kRange;
  range.gte = 1.0;
  FieldCondition empty;
  empty.field = "tags";
  empty.kind = Kind::kIsEmpty;
  f.must = {clause(range)};
  f.should = {clause(match("brand", std::string("acme")))};
  PayloadFilter inner;
  inner.must_not = {clause(empty)};
  f.must_not = {nested(inner)};
  VECDEX_EXPECT_OK(f.validate());
}

TEST(PayloadFilterValidateTest, MalformedClausesNameTheirPlace) {
  PayloadFilter neither;
  neither.should = {PayloadFilter::Clause{}};
  EXPECT_THAT(neither.validate(),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("should[0]"), HasSubstr("exactly one"))));
  PayloadFilter both;
  both.must = {clause(match("a", int64_t{1})), PayloadFilter::Clause{match("a", int64_t{1}),
                                                std::make_shared<const PayloadFilter>()}};
  EXPECT_THAT(both.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("must[1]")));

  PayloadFilter no_field;
  no_field.must_not = {clause(match("", int64_t{1}))};
  EXPECT_THAT(no_field.validate(),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("must_not[0]"), HasSubstr("empty field name"))));

  PayloadFilter list_value;
  list_value.must = {clause(match("tags", Keywords{"a"}))};
  EXPECT_THAT(list_value.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("keyword list")));

  PayloadFilter nan_value;
  nan_value.must = {clause(match("price", std::nan("")))};
  EXPECT_THAT(nan_value.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("finite")));
}

TEST(PayloadFilterValidateTest, BadRangesAndEmptyMatchAnyAreRejected) {
  FieldCondition no_bounds;
  no_bounds.field = "price";
  no_bounds.kind = Kind::kRange;
  PayloadFilter f1;
  f1.must = {clause(no_bounds)};
  EXPECT_THAT(f1.validate(), StatusIs(StatusCode::kInvalidArgument,
                                      AllOf(HasSubstr("'price'"), HasSubstr("at least one"))));
  FieldCondition inf_bound = no_bounds;
  inf_bound.lt = std::numeric_limits<double>::infinity();
  PayloadFilter f2;
  f2.must = {clause(inf_bound)};
  EXPECT_THAT(f2.validate(), StatusIs(StatusCode::kInvalidArgument,
                                      AllOf(HasSubstr("lt"), HasSubstr("finite"))));
  FieldCondition any;
  any.field = "brand";
  any.kind = Kind::kMatchAny;
  PayloadFilter f3;
  f3.should = {clause(any)};
  EXPECT_THAT(f3.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("at least one value")));
  any.any = {std::string("ok"), Keywords{}};
  f3.should = {clause(any)};
  EXPECT_THAT(f3.validate(), StatusIs(StatusCode::kInvalidArgument,
                                      AllOf(HasSubstr("value 1"), HasSubstr("keyword list"))));
  FieldCondition bad_kind = match("x", int64_t{1});
  bad_kind.kind = static_cast<Kind>(42);
  PayloadFilter f4;
  f4.must = {clause(bad_kind)};
  EXPECT_THAT(f4.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown condition")));
}

TEST(PayloadFilterValidateTest, ErrorsInsideNestedFiltersShowThePath) {
  PayloadFilter inner;
  inner.should = {clause(match("", int64_t{1}))};
  PayloadFilter outer;
  outer.must = {clause(match("a", int64_t{1})), nested(inner)};
  EXPECT_THAT(outer.validate(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("filter must[1].nested should[0]")));
}

TEST(PayloadFilterValidateTest, NestingDeeperThanLimitIsRejected) {
  PayloadFilter f;
  f.must = {clause(match("a", int64_t{1}))};
  for (size_t i = 0; i < PayloadFilter::kMaxDepth; ++i) {
    PayloadFilter outer;
    outer.must = {nested(f)};
    f = outer;
  }
  VECDEX_EXPECT_OK(f.validate());
  PayloadFilter deeper;
  deeper.must = {nested(f)};
  EXPECT_THAT(deeper.validate(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("deeper than 16")));
}

// ---- reference semantics ----

TEST(PayloadFilterMatchesTest, ConditionsOnEachValueKind) {
  Payload p = {{"price", 9.5},
               {"stock", int64_t{3}},
               {"on_sale", true},
               {"brand", std::string("acme")},
               {"tags", Keywords{"red", "sale"}},
               {"empty_tags", Keywords{}}};
  auto holds = [&p](FieldCondition c) {
    PayloadFilter f;
    f.must = {clause(std::move(c))};
    return f.matches(p);
  };
  EXPECT_TRUE(holds(match("stock", int64_t{3})));
  EXPECT_TRUE(holds(match("stock", 3.0)));  // numbers compare by value
  EXPECT_FALSE(holds(match("stock", 3.5)));
  EXPECT_TRUE(holds(match("price", 9.5)));
  EXPECT_FALSE(holds(match("price", int64_t{9})));
  EXPECT_TRUE(holds(match("on_sale", true)));
  EXPECT_FALSE(holds(match("on_sale", false)));
  EXPECT_FALSE(holds(match("on_sale", int64_t{1})));
  EXPECT_TRUE(holds(match("brand", std::string("acme"))));
  EXPECT_FALSE(holds(match("brand", std::string("acm"))));
  EXPECT_TRUE(holds(match("tags", std::string("sale"))));
  EXPECT_FALSE(holds(match("tags", std::string("blue"))));
  EXPECT_FALSE(holds(match("missing", int64_t{1})));

  FieldCondition any;
  any.field = "tags";
  any.kind = Kind::kMatchAny;
  any.any = {std::string("blue"), std::string("red")};
  EXPECT_TRUE(holds(any));
  any.any = {std::string("blue")};
  EXPECT_FALSE(holds(any));

  FieldCondition range;
  range.field = "price";
  range.kind = Kind::kRange;
  range.gte = 9.5;
  range.lt = 10.0;
  EXPECT_TRUE(holds(range));
  range.gte.reset();
  range.gt = 9.5;
  EXPECT_FALSE(holds(range));
  range.field = "brand";  // ranges never hold on non-numbers
  range.gt = 0.0;
  EXPECT_FALSE(holds(range));
  range.field = "stock";
  range.gt = 2.5;
  range.lte = 3.0;
  EXPECT_TRUE(holds(range));

  FieldCondition empty;
  empty.kind = Kind::kIsEmpty;
  empty.field = "missing";
  EXPECT_TRUE(holds(empty));
  empty.field = "empty_tags";
  EXPECT_TRUE(holds(empty));
  empty.field = "tags";
  EXPECT_FALSE(holds(empty));
}

TEST(PayloadFilterMatchesTest, IntsCompareExactlyAgainstFloatBounds) {
  int64_t big = (int64_t{1} << 53) + 1;  // not representable as a double
  Payload p = {{"n", big}};
  FieldCondition range;
  range.field = "n";
  range.kind = Kind::kRange;
  range.gt = static_cast<double>(int64_t{1} << 53);
  PayloadFilter f;
  f.must = {clause(range)};
  EXPECT_TRUE(f.matches(p));
  PayloadFilter eq;
  eq.must = {clause(match("n", static_cast<double>(int64_t{1} << 53)))};
  EXPECT_FALSE(eq.matches(p));
}

TEST(PayloadFilterMatchesTest, MustShouldMustNotCombine) {
  Payload p = {{"a", int64_t{1}}, {"b", int64_t{2}}};
  PayloadFilter f;
  EXPECT_TRUE(f.matches(p));  // empty filter
  f.must = {clause(match("a", int64_t{1}))};
  EXPECT_TRUE(f.matches(p));
  f.should = {clause(match("b", int64_t{9})), clause(match("a", int64_t{9}))};
  EXPECT_FALSE(f.matches(p));  // no should holds
  f.should.push_back(clause(match("b", int64_t{2})));
  EXPECT_TRUE(f.matches(p));
  f.must_not = {clause(match("b", int64_t{2}))};
  EXPECT_FALSE(f.matches(p));
  PayloadFilter inner;
  inner.must = {clause(match("a", int64_t{1}))};
  PayloadFilter g;
  g.must_not = {nested(inner)};
  EXPECT_FALSE(g.matches(p));
  EXPECT_TRUE(g.matches({{"a", int64_t{2}}}));
}

}  // namespace
}  // namespace vecdex

#include "vecdex/status.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = invalid_argument("dim 3, expected 4");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected 4")));
  EXPECT_EQ(s.to_string(), "invalid argument: dim 3, expected 4");
}

TEST(StatusTest, CopyIsDeep) {
  Status a = corruption("bad magic");
  Status b = a;
  a = Status();
  EXPECT_TRUE(a.ok());
  EXPECT_THAT(b, StatusIs(StatusCode::kCorruption, "bad magic"));
}

TEST(StatusTest, WithContextPrefixesMessage) {
  EXPECT_EQ(io_error("disk full").with_context("save x.vdx").message(), "save x.vdx: disk full");
  EXPECT_TRUE(Status().with_context("anything").ok());
}

TEST(StatusTest, EveryCodeHasAName) {
  for (StatusCode c : {StatusCode::kCancelled, StatusCode::kInvalidArgument,
                       StatusCode::kDeadlineExceeded, StatusCode::kNotFound,
                       StatusCode::kAlreadyExists, StatusCode::kResourceExhausted,
                       StatusCode::kFailedPrecondition, StatusCode::kOutOfRange,
                       StatusCode::kUnimplemented, StatusCode::kInternal, StatusCode::kIOError,
                       StatusCode::kCorruption, StatusCode::kUnauthenticated}) {
    EXPECT_NE(status_code_name(c), "unknown");
  }
}

Result<int> half_of(int x) {
  if (x % 2 != 0) return invalid_argument("odd");
  return x / 2;
}

Status quarter_of(int x, int* out) {
  VECDEX_ASSIGN_OR_RETURN(int half, half_of(x));
  VECDEX_ASSIGN_OR_RETURN(*out, half_of(half));
  return Status();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = half_of(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 2);
  Result<int> bad = half_of(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument, "odd"));
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(ResultTest, OkStatusBecomesInternalError) {
  Result<int> r{Status()};
  EXPECT_THAT(r, StatusIs(StatusCode::kInternal, HasSubstr("OK Status")));
}

TEST(ResultTest, MacrosPropagate) {
  int out = 0;
  VECDEX_EXPECT_OK(quarter_of(8, &out));
  EXPECT_EQ(out, 2);
  EXPECT_THAT(quarter_of(6, &out), StatusIs(StatusCode::kInvalidArgument, "odd"));
}

TEST(MetricTest, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(*parse_metric("l2"), Metric::kL2);
  EXPECT_EQ(*parse_metric("ip"), Metric::kInnerProduct);
  EXPECT_EQ(*parse_metric("cosine"), Metric::kCosine);
  EXPECT_THAT(parse_metric("manhattan"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'manhattan'")));
  for (Metric m : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine}) {
    EXPECT_EQ(*parse_metric(metric_name(m)), m);
  }
}

}  // namespace
}  // namespace vecdex

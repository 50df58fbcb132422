// VECDEX_SIMD parsing and resolution: which level a value selects on a given CPU, and what
// simd_config_error() says when it cannot be honoured.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/distance/distance.h"
#include "testing/status_matchers.h"
#include "vecdex/version.h"

namespace vecdex::distance {
namespace {

using ::testing::HasSubstr;

const std::vector<SimdLevel> kAvx512Cpu = {SimdLevel::kScalar, SimdLevel::kAvx2,
                                           SimdLevel::kAvx512};
const std::vector<SimdLevel> kAvx2Cpu = {SimdLevel::kScalar, SimdLevel::kAvx2};
const std::vector<SimdLevel> kScalarCpu = {SimdLevel::kScalar};

TEST(ParseSimdLevelTest, AcceptsEveryNamedLevel) {
  EXPECT_EQ(*parse_simd_level("scalar"), SimdLevel::kScalar);
  EXPECT_EQ(*parse_simd_level("avx2"), SimdLevel::kAvx2);
  EXPECT_EQ(*parse_simd_level("avx512"), SimdLevel::kAvx512);
  EXPECT_EQ(*parse_simd_level("best"), SimdLevel::kBest);
}

TEST(ParseSimdLevelTest, IgnoresCase) {
  EXPECT_EQ(*parse_simd_level("AVX512"), SimdLevel::kAvx512);
  EXPECT_EQ(*parse_simd_level("Scalar"), SimdLevel::kScalar);
}

TEST(ParseSimdLevelTest, RejectsUnknownNameAndListsTheAcceptedOnes) {
  EXPECT_THAT(parse_simd_level("sse2"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'sse2'"), HasSubstr("scalar"), HasSubstr("avx2"),
                             HasSubstr("avx512"), HasSubstr("best"))));
  EXPECT_THAT(parse_simd_level(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected")));
  EXPECT_THAT(parse_simd_level("avx512 "),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'avx512 '")));
}

TEST(ResolveSimdLevelTest, UnsetVariableMeansBestWithoutError) {
  const SimdChoice choice = resolve_simd_level("", kAvx512Cpu);
  EXPECT_EQ(choice.level, SimdLevel::kBest);
  EXPECT_EQ(choice.error, "");
}

TEST(ResolveSimdLevelTest, SupportedLevelIsHonoured) {
  for (SimdLevel level : kAvx512Cpu) {
    const SimdChoice choice = resolve_simd_level(simd_level_name(level), kAvx512Cpu);
    EXPECT_EQ(choice.level, level) << simd_level_name(level);
    EXPECT_EQ(choice.error, "");
  }
  EXPECT_EQ(resolve_simd_level("best", kScalarCpu).level, SimdLevel::kBest);
}

TEST(ResolveSimdLevelTest, Avx512OnAvx2CpuFallsBackToAvx2AndSaysWhy) {
  const SimdChoice choice = resolve_simd_level("avx512", kAvx2Cpu);
  EXPECT_EQ(choice.level, SimdLevel::kAvx2);
  EXPECT_THAT(choice.error, AllOf(HasSubstr("avx512"), HasSubstr("using avx2")));
}

TEST(ResolveSimdLevelTest, SimdLevelOnScalarCpuFallsBackToScalar) {
  EXPECT_EQ(resolve_simd_level("avx512", kScalarCpu).level, SimdLevel::kScalar);
  const SimdChoice choice = resolve_simd_level("avx2", kScalarCpu);
  EXPECT_EQ(choice.level, SimdLevel::kScalar);
  EXPECT_THAT(choice.error, HasSubstr("using scalar"));
}

TEST(ResolveSimdLevelTest, UnknownValueFallsBackToBestAndSaysWhy) {
  const SimdChoice choice = resolve_simd_level("fastest", kAvx512Cpu);
  EXPECT_EQ(choice.level, SimdLevel::kBest);
  EXPECT_THAT(choice.error,
              AllOf(HasSubstr("VECDEX_SIMD"), HasSubstr("'fastest'"), HasSubstr("using best")));
}

// The process table follows whatever VECDEX_SIMD the test runner set (usually none).
TEST(ProcessKernelsTest, ProcessTableIsTheResolvedLevelsTable) {
  const char* env = std::getenv("VECDEX_SIMD");
  const SimdChoice choice = resolve_simd_level(env != nullptr ? env : "", available_levels());
  Result<KernelTable> expected = kernels_for(choice.level);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(std::string(kernels().target_name), expected->target_name);
  EXPECT_EQ(simd_config_error(), choice.error);
  EXPECT_EQ(simd_target_name(), expected->target_name);
  EXPECT_NE(kernels().l2_f32, nullptr);
  EXPECT_EQ(&kernels(), &kernels());  // resolved once
}

}  // namespace
}  // namespace vecdex::distance

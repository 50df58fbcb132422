// Property test: on thousands of random payloads, evaluate() of random (nested, mixed) filters
// equals the points that PayloadFilter::matches() accepts, through adds, removes, re-adds and the
// numeric columns' merges, for dense pid numbering (bitset results) and sparse numbering
// (roaring-only evaluation).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/payload_index.h"
#include "testing/status_matchers.h"

namespace vecdex::engine {
namespace {

using Kind = FieldCondition::Kind;

PayloadSchema schema() {
  PayloadSchema s;
  s.fields = {{"n", FieldType::kInt},   {"x", FieldType::kFloat},
              {"b", FieldType::kBool},  {"s", FieldType::kString},
              {"k", FieldType::kKeywords}};
  return s;
}

const char* const kWords[] = {"a", "b", "c", "d", "e", "f"};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Payload payload() {
    Payload p;
    if (chance(0.85)) p["n"] = static_cast<int64_t>(uniform(0, 40)) - 20;
    if (chance(0.85)) {
      if (chance(0.3)) {
        p["x"] = static_cast<int64_t>(uniform(0, 10)) - 5;  // ints in a float field
      } else {
        p["x"] = (static_cast<double>(uniform(0, 80)) - 40.0) / 4.0;
      }
    }
    if (chance(0.8)) p["b"] = chance(0.5);
    if (chance(0.8)) p["s"] = std::string(word());
    if (chance(0.8)) {
      Keywords kw;
      for (uint64_t i = uniform(0, 3); i > 0; --i) kw.emplace_back(word());
      p["k"] = std::move(kw);
    }
    return p;
  }

  PayloadFilter filter(int depth) {
    PayloadFilter f;
    auto fill = [&](std::vector<PayloadFilter::Clause>& clauses, double p_any) {
      if (!chance(p_any)) return;
      for (uint64_t i = uniform(1, 3); i > 0; --i) {
        if (depth < 3 && chance(0.25)) {
          clauses.push_back({std::nullopt, std::make_shared<const PayloadFilter>(filter(depth + 1))});
        } else {
          clauses.push_back({condition(), nullptr});
        }
      }
    };
    fill(f.must, 0.7);
    fill(f.should, 0.4);
    fill(f.must_not, 0.35);
    return f;
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t uniform(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  const char* word() { return kWords[uniform(0, 5)]; }

  PayloadValue value_for(const std::string& field) {
    if (field == "n") return static_cast<int64_t>(uniform(0, 40)) - 20;
    if (field == "x") {
      if (chance(0.3)) return static_cast<int64_t>(uniform(0, 10)) - 5;
      return (static_cast<double>(uniform(0, 80)) - 40.0) / 4.0;
    }
    if (field == "b") return chance(0.5);
    return std::string(word());
  }

  std::optional<double> bound() {
    if (!chance(0.5)) return std::nullopt;
    return (static_cast<double>(uniform(0, 100)) - 50.0) / 2.0;  // includes non-integers
  }

  FieldCondition condition() {
    static const char* const kFields[] = {"n", "x", "b", "s", "k"};
    FieldCondition c;
    c.field = kFields[uniform(0, 4)];
    bool numeric = c.field == "n" || c.field == "x";
    uint64_t kind = uniform(0, numeric ? 3 : 2);
    if (kind == 3) {
      c.kind = Kind::kRange;
      c.gt = bound();
      c.gte = bound();
      c.lt = bound();
      c.lte = bound();
      if (!c.gt && !c.gte && !c.lt && !c.lte) c.lte = 0.0;
    } else if (kind == 2) {
      c.kind = Kind::kIsEmpty;
    } else if (kind == 1) {
      c.kind = Kind::kMatchAny;
      for (uint64_t i = uniform(1, 4); i > 0; --i) c.any.push_back(value_for(c.field));
    } else {
      c.kind = Kind::kMatch;
      c.value = value_for(c.field);
    }
    return c;
  }

  std::mt19937_64 rng_;
};

void expect_agreement(const PayloadIndex& index, const std::map<Pid, Payload>& points,
                      Generator& gen, int filters) {
  for (int i = 0; i < filters; ++i) {
    PayloadFilter f = gen.filter(0);
    std::vector<Id> expected;
    for (const auto& [pid, p] : points) {
      if (f.matches(p)) expected.push_back(pid);
    }
    auto r = index.evaluate(f);
    ASSERT_THAT(r, IsOk());
    ASSERT_EQ(r->count(), expected.size()) << "filter " << i;
    ASSERT_EQ(r->to_vector(), expected) << "filter " << i;
  }
}

// Pid numbering: pid = base + i * stride.
struct PidLayout {
  uint64_t base;
  uint64_t stride;
};

class PayloadIndexPropertyTest : public ::testing::TestWithParam<PidLayout> {};

TEST_P(PayloadIndexPropertyTest, EvaluateAgreesWithMatchesThroughAddsAndRemoves) {
  const uint64_t pid_base = GetParam().base;
  const uint64_t pid_stride = GetParam().stride;
  Generator gen(pid_stride * 31 + 5);
  PayloadIndex index(schema());
  std::map<Pid, Payload> points;
  const int kPoints = 6000;  // > 4096: the numeric columns merge at least once
  for (int i = 0; i < kPoints; ++i) {
    Pid pid = pid_base + static_cast<Pid>(i) * pid_stride;
    Payload p = gen.payload();
    index.add(pid, p);
    points[pid] = std::move(p);
  }
  expect_agreement(index, points, gen, 150);

  // Remove a third, re-add some removed pids with new payloads, add fresh ones.
  std::mt19937_64 rng(99);
  std::vector<Pid> removed;
  for (auto it = points.begin(); it != points.end();) {
    if (rng() % 3 == 0) {
      index.remove(it->first, it->second);
      removed.push_back(it->first);
      it = points.erase(it);
    } else {
      ++it;
    }
  }
  expect_agreement(index, points, gen, 100);
  for (size_t i = 0; i < removed.size(); i += 4) {
    Payload p = gen.payload();
    index.add(removed[i], p);
    points[removed[i]] = std::move(p);
  }
  for (int i = 0; i < 500; ++i) {
    Pid pid = pid_base + static_cast<Pid>(kPoints + i) * pid_stride;
    Payload p = gen.payload();
    index.add(pid, p);
    points[pid] = std::move(p);
  }
  expect_agreement(index, points, gen, 150);
  EXPECT_EQ(index.size(), points.size());
}

// Dense numbering from 0 (bitset results), and a universe too wide for bitsets that also
// straddles 2^32 (roaring-only evaluation over several 32-bit chunks).
INSTANTIATE_TEST_SUITE_P(PidLayouts, PayloadIndexPropertyTest,
                         ::testing::Values(PidLayout{0, 1},
                                           PidLayout{(uint64_t{1} << 32) - 3000 * 300, 300}));

}  // namespace
}  // namespace vecdex::engine

// The README's collection example, compiled and run as written (keep the two in sync).
#include <gtest/gtest.h>

#include <vector>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/database.h"

// The example names only the fields it sets, as a user would; -Wextra would flag every
// designated initializer that leaves the rest to their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vecdex {
namespace {

Status readme_example(const std::string& dir, const std::vector<float>& v,
                      const std::vector<float>& q, size_t* hits_out) {
  auto db = vecdex::Database::open(dir);  // creates or recovers
  VECDEX_RETURN_IF_ERROR(db.status());
  vecdex::CollectionConfig cfg{.name = "fashion", .dim = 784, .metric = vecdex::Metric::kL2,
                               .index_spec = "HNSW32"};
  cfg.schema.fields = {{.name = "label", .type = vecdex::FieldType::kInt, .required = true}};
  auto coll = (*db)->create_collection(cfg);
  VECDEX_RETURN_IF_ERROR(coll.status());
  vecdex::Point p{.id = vecdex::PointId(7), .vector = v, .payload = {{"label", int64_t{3}}},
                  .model_version = "v1"};
  VECDEX_RETURN_IF_ERROR((*coll)->upsert({&p, 1}));  // atomic, durable when it returns
  vecdex::SearchRequest req{.vector = q, .k = 10};
  req.filter = vecdex::PayloadFilter{.must = {{vecdex::FieldCondition{.field = "label",
                                                                    .value = int64_t{3}}}}};
  auto hits = (*coll)->search(req);
  VECDEX_RETURN_IF_ERROR(hits.status());
  *hits_out = hits->results.size();
  return Status();
}

TEST(ReadmeExampleTest, CollectionExampleRuns) {
  testing::TempDir dir;
  std::vector<float> v(784, 0.5f), q(784, 0.25f);
  size_t hits = 0;
  VECDEX_ASSERT_OK(readme_example(dir.file("db").string(), v, q, &hits));
  EXPECT_EQ(hits, 1u);
}

}  // namespace
}  // namespace vecdex

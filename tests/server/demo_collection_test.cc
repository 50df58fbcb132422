// ensure_demo_collection(): creation from a (fake, small) Fashion-MNIST directory, reuse on a
// second start, resuming an upload that stopped half way, the query files it writes (searched
// through the JSON codec), and clear errors for missing or inconsistent data.
#include "server/demo_collection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <memory>
#include <string>
#include <vector>

#include "server/fake_fashion_dataset.h"
#include "server/json_codec.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex::server {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using vecdex::testing::FakeFashionSpec;
using vecdex::testing::TempDir;

class DemoCollectionTest : public ::testing::Test {
 protected:
  void SetUp() override { open_db(); }

  void open_db() {
    db_.reset();
    DatabaseOptions o;
    o.sync = SyncPolicy::kPeriodic;  // tests need no fsync per write
    auto db = Database::open(dir_.file("db"), o);
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
  }

  DemoCollectionOptions options() {
    DemoCollectionOptions o;
    o.dataset_dir = dir_.file("dataset");
    o.index_spec = "HNSW16";
    o.search_params = "ef=32";
    o.batch_points = 25;
    o.query_dir = dir_.file("data");
    o.log = [this](std::string_view line) { log_.emplace_back(line); };
    return o;
  }

  // Runs the search body in `path` against the collection, as the server would.
  Result<SearchResponse> search_file(Collection& collection, const std::filesystem::path& path) {
    std::string body = vecdex::testing::read_bytes(path);
    VECDEX_ASSIGN_OR_RETURN(ParsedSearch parsed,
                            parse_search(body, collection.config().dim, JsonLimits{}));
    return collection.search(parsed.request);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::vector<std::string> log_;
};

TEST_F(DemoCollectionTest, CreatesIndexedCollectionWithLabels) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  auto report = ensure_demo_collection(*db_, options());
  ASSERT_THAT(report, IsOk());
  EXPECT_TRUE(report->created);
  EXPECT_EQ(report->points, 120u);
  EXPECT_EQ(report->uploaded, 120u);

  auto collection = db_->collection("fashion");
  ASSERT_THAT(collection, IsOk());
  const CollectionConfig& config = (*collection)->config();
  EXPECT_EQ(config.dim, 16u);
  EXPECT_EQ(config.metric, Metric::kL2);
  EXPECT_EQ(config.index_spec, "HNSW16");
  ASSERT_NE(config.schema.field("label"), nullptr);
  EXPECT_TRUE(config.schema.field("label")->required);
  EXPECT_TRUE(config.schema.field("label")->indexed);
  ASSERT_NE(config.schema.field("label_name"), nullptr);
  EXPECT_EQ(config.schema.field("label_name")->type, FieldType::kString);

  CollectionInfo info = (*collection)->info();
  EXPECT_EQ(info.points, 120u);
  EXPECT_EQ(info.model_versions["fashion-mnist-raw"], 120u);
  for (const SegmentInfo& s : info.segments) {
    if (s.points > 0) {
      EXPECT_EQ(s.state, "sealed") << "segment " << s.id;
    }
  }

  auto point = (*collection)->get(PointId(17));
  ASSERT_THAT(point, IsOk());
  EXPECT_EQ(std::get<int64_t>(point->payload.at("label")), 7);
  EXPECT_EQ(std::get<std::string>(point->payload.at("label_name")), "Sneaker");
  ASSERT_EQ(point->vector.size(), 16u);
  EXPECT_EQ(point->vector[5], static_cast<float>(vecdex::testing::fake_pixel(17, 5)));
}

TEST_F(DemoCollectionTest, QueryFilesSearchAsWritten) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  auto report = ensure_demo_collection(*db_, options());
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->query_file, dir_.file("data") / "demo-query.json");
  EXPECT_EQ(report->filtered_query_file, dir_.file("data") / "demo-query-filtered.json");
  std::string body = vecdex::testing::read_bytes(report->query_file);
  EXPECT_THAT(body, AllOf(HasSubstr("\"k\":10"), HasSubstr("\"params\":\"ef=32\""),
                          HasSubstr("\"with_payload\":true")));
  Collection* collection = *db_->collection("fashion");

  // The query is training image 3 (label 3): it finds itself first, at distance 0.
  auto plain = search_file(*collection, report->query_file);
  ASSERT_THAT(plain, IsOk());
  ASSERT_EQ(plain->results.size(), 10u);
  EXPECT_EQ(plain->results[0].id, PointId(3));
  EXPECT_EQ(plain->results[0].score, 0.0f);
  ASSERT_TRUE(plain->results[0].payload.has_value());

  auto filtered = search_file(*collection, report->filtered_query_file);
  ASSERT_THAT(filtered, IsOk());
  ASSERT_EQ(filtered->results.size(), 10u);
  for (const ScoredPoint& hit : filtered->results) {
    ASSERT_TRUE(hit.payload.has_value());
    EXPECT_EQ(std::get<int64_t>(hit.payload->at("label")), 7) << hit.id.describe();
  }
}

TEST_F(DemoCollectionTest, SecondStartReusesTheData) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  ASSERT_THAT(ensure_demo_collection(*db_, options()), IsOk());
  open_db();  // as a restart does
  log_.clear();
  auto again = ensure_demo_collection(*db_, options());
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->uploaded, 0u);
  EXPECT_EQ(again->points, 120u);
  EXPECT_THAT(log_, Contains(HasSubstr("reusing collection 'fashion' (120 points)")));
  EXPECT_EQ((*db_->collection("fashion"))->info().points, 120u);
}

TEST_F(DemoCollectionTest, ResumesAnUploadThatStoppedHalfWay) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  // Stop after the second batch, as if the process had died there.
  std::stop_source stop;
  DemoCollectionOptions first = options();
  first.stop = stop.get_token();
  first.log = [&](std::string_view line) {
    if (line.find("uploaded 50 /") != std::string_view::npos) stop.request_stop();
  };
  EXPECT_THAT(ensure_demo_collection(*db_, first),
              StatusIs(StatusCode::kCancelled, HasSubstr("resumes on next start")));
  EXPECT_EQ((*db_->collection("fashion"))->info().points, 50u);

  open_db();
  auto resumed = ensure_demo_collection(*db_, options());
  ASSERT_THAT(resumed, IsOk());
  EXPECT_FALSE(resumed->created);
  EXPECT_EQ(resumed->uploaded, 70u);  // only the batches that were missing
  EXPECT_THAT(log_, Contains(HasSubstr("finishing the upload")));
  Collection* collection = *db_->collection("fashion");
  EXPECT_EQ(collection->info().points, 120u);
  EXPECT_THAT(collection->get(PointId(119)), IsOk());
}

TEST_F(DemoCollectionTest, ReadsGzipFilesAsDebianShipsThem) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  for (const char* name :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"}) {
    std::filesystem::path plain = dir_.file("dataset") / name;
    std::string bytes = vecdex::testing::read_bytes(plain);
    std::filesystem::path gz = plain.string() + ".gz";
    gzFile f = gzopen(gz.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    ASSERT_EQ(gzclose(f), Z_OK);
    std::filesystem::remove(plain);
  }
  auto report = ensure_demo_collection(*db_, options());
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->points, 120u);
}

TEST_F(DemoCollectionTest, MissingDatasetIsAClearError) {
  EXPECT_THAT(ensure_demo_collection(*db_, options()),
              StatusIs(StatusCode::kNotFound,
                       AllOf(HasSubstr("train-images-idx3-ubyte.gz not found"),
                             HasSubstr("dataset-fashion-mnist"))));
  EXPECT_THAT(db_->collection_names(), ::testing::IsEmpty());
}

TEST_F(DemoCollectionTest, LabelOutsideTheTenClassesIsCorruption) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"), FakeFashionSpec{.bad_label_at = 5});
  EXPECT_THAT(ensure_demo_collection(*db_, options()),
              StatusIs(StatusCode::kCorruption, HasSubstr("label 12 of item 5")));
}

TEST_F(DemoCollectionTest, ImageAndLabelCountsMustAgree) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"), FakeFashionSpec{.labels = 100});
  EXPECT_THAT(ensure_demo_collection(*db_, options()),
              StatusIs(StatusCode::kCorruption,
                       AllOf(HasSubstr("120 images"), HasSubstr("100 labels"))));
}

TEST_F(DemoCollectionTest, ExistingCollectionWithAnotherDimIsRefused) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  CollectionConfig other;
  other.name = "fashion";
  other.dim = 8;
  other.index_spec = "Flat";
  ASSERT_THAT(db_->create_collection(other), IsOk());
  EXPECT_THAT(ensure_demo_collection(*db_, options()),
              StatusIs(StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("exists with dim 8"), HasSubstr("needs dim 16"))));
}

TEST_F(DemoCollectionTest, MalformedSearchParamsAreRejectedBeforeAnyWork) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  DemoCollectionOptions o = options();
  o.search_params = "ef=\"24";
  EXPECT_THAT(ensure_demo_collection(*db_, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("demo search params")));
  EXPECT_THAT(db_->collection_names(), ::testing::IsEmpty());
}

TEST_F(DemoCollectionTest, StopRequestedBeforehandCancels) {
  vecdex::testing::write_fake_fashion(dir_.file("dataset"));
  std::stop_source stop;
  stop.request_stop();
  DemoCollectionOptions o = options();
  o.stop = stop.get_token();
  EXPECT_THAT(ensure_demo_collection(*db_, o),
              StatusIs(StatusCode::kCancelled, HasSubstr("stopped")));
}

TEST(FashionLabelNameTest, NamesTheTenClasses) {
  EXPECT_EQ(fashion_label_name(0), "T-shirt/top");
  EXPECT_EQ(fashion_label_name(7), "Sneaker");
  EXPECT_EQ(fashion_label_name(9), "Ankle boot");
  EXPECT_EQ(fashion_label_name(10), "");
  EXPECT_EQ(fashion_label_name(-1), "");
}

}  // namespace
}  // namespace vecdex::server

// GET /metrics: Prometheus text with request counters per route template, latency histograms
// and per-collection gauges.
#include "server/http_fixture.h"

namespace vecdex::server::testing {
namespace {

class HttpMetricsTest : public HttpTest {};

TEST_F(HttpMetricsTest, CountsRequestsPerRouteTemplateAndCollectionGauges) {
  create_collection("items");
  upsert_points("items", 3);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(post("/collections/items/search", R"({"vector":[1,0,0,0],"k":1})").status, 200);
  }
  ASSERT_EQ(post("/collections/items/search", R"({"vector":[1]})").status, 400);
  ASSERT_EQ(get("/nowhere").status, 404);

  Reply m = get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4");
  const std::string& text = m.body;
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  };
  has(R"(vecdex_http_requests_total{code="200",method="POST",route="/collections/{name}/search"} 2)");
  has(R"(vecdex_http_requests_total{code="400",method="POST",route="/collections/{name}/search"} 1)");
  has(R"(vecdex_http_requests_total{code="404",method="GET",route="unmatched"} 1)");
  has(R"(vecdex_http_request_duration_seconds_count{route="/collections/{name}/search"} 3)");
  has(R"(vecdex_http_request_duration_seconds_bucket{route="/collections/{name}/search",le=")");
  has(R"(vecdex_collection_points{collection="items"} 3)");
  has(R"(vecdex_collection_segments{collection="items"})");
  has(R"(vecdex_background_jobs_pending{collection="items"} 0)");
  // Raw paths never become labels.
  EXPECT_EQ(text.find("route=\"/collections/items"), std::string::npos);
  EXPECT_EQ(text.find("/nowhere"), std::string::npos);
}

TEST_F(HttpMetricsTest, DroppedCollectionLosesItsGauges) {
  create_collection("items");
  ASSERT_NE(get("/metrics").body.find(R"(collection="items")"), std::string::npos);
  ASSERT_EQ(del("/collections/items").status, 200);
  EXPECT_EQ(get("/metrics").body.find(R"(collection="items")"), std::string::npos);
}

}  // namespace
}  // namespace vecdex::server::testing

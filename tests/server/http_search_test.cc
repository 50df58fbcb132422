// Search over a real socket: single, filtered, batch, limits and the batch deadline.
#include <cstring>

#include "server/http_fixture.h"

namespace vecdex::server::testing {
namespace {

class HttpSearchTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    create_collection("items", 4);
    upsert_points("items", 6);
  }
};

TEST_F(HttpSearchTest, ReturnsNearestFirstWithPayload) {
  Reply r = post("/collections/items/search",
                 R"({"vector":[2.1,0,0,0],"k":2,"with_payload":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = r.body_json();
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["results"][0]["id"], 2);
  EXPECT_EQ(body["results"][1]["id"], 3);
  EXPECT_EQ(body["results"][0]["payload"]["n"], 2);
  EXPECT_NEAR(body["results"][0]["score"].get<double>(), 0.01, 1e-4);
  EXPECT_TRUE(body.contains("took_us"));
}

TEST_F(HttpSearchTest, FilterRestrictsResults) {
  Reply r = post("/collections/items/search",
                 R"({"vector":[1,0,0,0],"k":10,
                     "filter":{"must":[{"key":"color","match":{"value":"red"}}]}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json results = r.body_json()["results"];
  ASSERT_EQ(results.size(), 3u);
  for (const json& hit : results) EXPECT_EQ(hit["id"].get<int>() % 2, 0);
}

TEST_F(HttpSearchTest, BadRequestsAre400) {
  EXPECT_EQ(post("/collections/items/search", R"({"vector":[1,0,0],"k":1})").status, 400);
  EXPECT_EQ(post("/collections/items/search", R"({"vector":[1,0,0,0],"k":0})").status, 400);
  EXPECT_EQ(post("/collections/items/search", R"({"vector":[1,0,0,0],"k":1000000})").status,
            400);
  EXPECT_EQ(post("/collections/items/search", R"({"vector":[1,0,0,0],"params":"ef=x"})").status,
            400);
  Reply unknown_field = post("/collections/items/search",
                             R"({"vector":[1,0,0,0],"filter":{"must":[{"key":"nope",)"
                             R"("match":{"value":1}}]}})");
  EXPECT_EQ(unknown_field.status, 400) << unknown_field.body;
  EXPECT_EQ(post("/collections/items/search", "not json").status, 400);
}

TEST_F(HttpSearchTest, BatchAnswersEverySearchInOrder) {
  Reply r = post("/collections/items/search/batch",
                 R"({"searches":[{"vector":[1,0,0,0],"k":1},{"vector":[5,0,0,0],"k":2}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json batch = r.body_json()["batch"];
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0]["results"][0]["id"], 1);
  EXPECT_EQ(batch[1]["results"][0]["id"], 5);
  EXPECT_EQ(batch[1]["results"].size(), 2u);
}

TEST_F(HttpSearchTest, BatchLargerThanTheLimitIs400) {
  ServerOptions o = default_options();
  o.max_batch_searches = 1;
  start_server(o);
  Reply r = post("/collections/items/search/batch",
                 R"({"searches":[{"vector":[1,0,0,0]},{"vector":[5,0,0,0]}]})");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(HttpSearchTest, BatchPastTheDeadlineIs503) {
  // 1000 exact searches over 3000 points take far longer than 1 ms.
  ServerOptions o = default_options();
  o.request_timeout_ms = 1;
  o.max_binary_points = 3000;
  create_collection("big", 16);
  std::vector<float> values(3000 * 16);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 97);
  std::string rows(values.size() * sizeof(float), '\0');
  std::memcpy(rows.data(), values.data(), rows.size());
  ASSERT_EQ(put("/collections/big/points?first_id=1", rows, "application/octet-stream").status,
            200);
  start_server(o);
  json searches = json::array();
  for (int i = 0; i < 1000; ++i) {
    searches.push_back({{"vector", std::vector<float>(16, static_cast<float>(i % 50))},
                        {"k", 100}});
  }
  Reply r = post("/collections/big/search/batch", json{{"searches", searches}}.dump());
  EXPECT_EQ(r.status, 503) << r.body.substr(0, 200);
  EXPECT_EQ(r.error_code(), "deadline_exceeded");
  EXPECT_NE(r.error_message().find("stopped after"), std::string::npos);
}

}  // namespace
}  // namespace vecdex::server::testing

// Points over a real socket: JSON and binary upserts, get, delete by ids and by filter.
#include <cmath>
#include <cstring>
#include <limits>

#include "server/http_fixture.h"

namespace vecdex::server::testing {
namespace {

class HttpPointsTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    create_collection("items", 4);
  }

  static std::string rows(const std::vector<float>& values) {
    std::string body(values.size() * sizeof(float), '\0');
    std::memcpy(body.data(), values.data(), body.size());
    return body;
  }
  Reply put_binary(const std::string& query, const std::string& body) {
    return put("/collections/items/points" + query, body, "application/octet-stream");
  }
};

TEST_F(HttpPointsTest, JsonUpsertThenGet) {
  Reply r = put("/collections/items/points",
                R"({"points":[{"id":7,"vector":[1,2,3,4],"payload":{"color":"red","n":3},
                               "model_version":"v2"},
                              {"id":"doc-a","vector":[0,0,0,1]}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body_json(), json::parse(R"({"upserted":2})"));

  Reply p = get("/collections/items/points/7");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.body_json()["id"], 7);
  EXPECT_EQ(p.body_json()["vector"], json::parse("[1,2,3,4]"));
  EXPECT_EQ(p.body_json()["payload"]["color"], "red");
  EXPECT_EQ(p.body_json()["model_version"], "v2");
  Reply s = get("/collections/items/points/doc-a");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.body_json()["id"], "doc-a");
}

TEST_F(HttpPointsTest, UnknownPointIs404) {
  Reply r = get("/collections/items/points/12345");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "not_found");
}

TEST_F(HttpPointsTest, WrongDimIs400NamingTheDim) {
  Reply r = put("/collections/items/points", R"({"points":[{"id":1,"vector":[1,2,3]}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find('4'), std::string::npos) << r.body;
}

TEST_F(HttpPointsTest, OversizedIdIs400) {
  Reply r = put("/collections/items/points",
                R"({"points":[{"id":18446744073709551616,"vector":[1,2,3,4]}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  Reply path = get("/collections/items/points/" + std::string(300, 'x'));
  EXPECT_EQ(path.status, 400) << path.body;
}

TEST_F(HttpPointsTest, BadPayloadForSchemaIs400) {
  Reply r = put("/collections/items/points",
                R"({"points":[{"id":1,"vector":[1,2,3,4],"payload":{"price":"cheap"}}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.error_message().find("price"), std::string::npos);
}

TEST_F(HttpPointsTest, DeleteByIdsAndByFilter) {
  upsert_points("items", 6);
  Reply by_ids = post("/collections/items/points/delete", R"({"ids":[1,2,99]})");
  ASSERT_EQ(by_ids.status, 200) << by_ids.body;
  EXPECT_EQ(by_ids.body_json(), json::parse(R"({"deleted":2})"));
  Reply by_filter = post("/collections/items/points/delete",
                         R"({"filter":{"must":[{"key":"color","match":{"value":"red"}}]}})");
  ASSERT_EQ(by_filter.status, 200) << by_filter.body;
  EXPECT_EQ(by_filter.body_json(), json::parse(R"({"deleted":2})"));  // 4 and 6
  EXPECT_EQ(get("/collections/items").body_json()["points"], 2);
}

TEST_F(HttpPointsTest, BadFilterIs400) {
  Reply r = post("/collections/items/points/delete",
                 R"({"filter":{"must":[{"key":"price","range":{}}]}})");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(HttpPointsTest, BinaryUpsertAssignsConsecutiveIds) {
  std::vector<float> values;
  for (int row = 0; row < 3; ++row) {
    for (int j = 0; j < 4; ++j) values.push_back(static_cast<float>(row * 10 + j));
  }
  Reply r = put_binary("?first_id=100&model_version=bulk", rows(values));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body_json(), json::parse(R"({"upserted":3})"));
  Reply p = get("/collections/items/points/102");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.body_json()["vector"], json::parse("[20,21,22,23]"));
  EXPECT_EQ(p.body_json()["model_version"], "bulk");
}

TEST_F(HttpPointsTest, BinaryBodyNotAMultipleOfRowSizeIs400) {
  Reply r = put_binary("?first_id=1", std::string(4 * 4 + 2, '\0'));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.error_message().find("multiple"), std::string::npos);
}

TEST_F(HttpPointsTest, BinaryNanIs400) {
  std::vector<float> values = {1, 2, 3, 4, 5, std::numeric_limits<float>::quiet_NaN(), 7, 8};
  Reply r = put_binary("?first_id=1", rows(values));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.error_message().find("NaN"), std::string::npos);
  EXPECT_EQ(get("/collections/items").body_json()["points"], 0);  // atomic: nothing written
}

TEST_F(HttpPointsTest, BinaryIdsMustFitU64) {
  std::vector<float> values(8, 1.0f);  // two rows
  EXPECT_EQ(put_binary("?first_id=18446744073709551615", rows(values)).status, 400);
  EXPECT_EQ(put_binary("?first_id=-1", rows(values)).status, 400);
  EXPECT_EQ(put_binary("", rows(values)).status, 400);
  Reply last = put_binary("?first_id=18446744073709551614", rows(values));
  EXPECT_EQ(last.status, 200) << last.body;
}

TEST_F(HttpPointsTest, BinaryRowsOverTheLimitAre413) {
  ServerOptions o = default_options();
  o.max_binary_points = 2;
  start_server(o);
  Reply r = put_binary("?first_id=1", rows(std::vector<float>(3 * 4, 1.0f)));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.error_code(), "resource_exhausted");
  // The connection is still usable and the collection untouched.
  EXPECT_EQ(get("/collections/items").body_json()["points"], 0);
}

TEST_F(HttpPointsTest, WrongContentTypeIs415) {
  Reply r = put("/collections/items/points", "<points/>", "application/xml");
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_argument");
}

}  // namespace
}  // namespace vecdex::server::testing

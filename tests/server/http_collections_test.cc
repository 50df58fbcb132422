// Collections and aliases over a real socket: create, info, list, drop, seal, aliases.
#include "server/http_fixture.h"

namespace vecdex::server::testing {
namespace {

class HttpCollectionsTest : public HttpTest {};

TEST_F(HttpCollectionsTest, CreateGetListDrop) {
  create_collection("items", 4);
  Reply info = get("/collections/items");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.content_type, "application/json");
  EXPECT_EQ(info.body_json()["name"], "items");
  EXPECT_EQ(info.body_json()["dim"], 4);
  EXPECT_EQ(info.body_json()["points"], 0);

  Reply list = get("/collections");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body_json(),
            json::parse(R"({"collections":[{"name":"items"}],"aliases":{}})"));

  EXPECT_EQ(del("/collections/items").status, 200);
  Reply gone = get("/collections/items");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.error_code(), "not_found");
}

TEST_F(HttpCollectionsTest, DuplicateCreateIs409) {
  create_collection("items");
  Reply again = put("/collections/items", R"({"dim":4,"metric":"l2","index":"Flat"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "already_exists");
}

TEST_F(HttpCollectionsTest, MalformedJsonIs400WithMessage) {
  Reply r = put("/collections/items", R"({"dim":4,"metric":)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.error_code(), "invalid_argument");
  EXPECT_FALSE(r.error_message().empty());
}

TEST_F(HttpCollectionsTest, BadSchemaValueIs400) {
  Reply r = put("/collections/items",
                R"({"dim":4,"metric":"l2","schema":{"fields":{"x":{"type":"bogus"}}}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_argument");
}

TEST_F(HttpCollectionsTest, BadIndexSpecIs400) {
  Reply r = put("/collections/items", R"({"dim":4,"metric":"l2","index":"NoSuchIndex"})");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(HttpCollectionsTest, UnknownCollectionIs404OnEveryCollectionRoute) {
  EXPECT_EQ(get("/collections/nope").status, 404);
  EXPECT_EQ(del("/collections/nope").status, 404);
  EXPECT_EQ(post("/collections/nope/seal", "").status, 404);
  EXPECT_EQ(post("/collections/nope/search", R"({"vector":[1,2,3,4]})").status, 404);
  EXPECT_EQ(get("/collections/nope/points/1").status, 404);
}

TEST_F(HttpCollectionsTest, AliasesResolveOnCollectionRoutes) {
  create_collection("items");
  upsert_points("items", 3);
  EXPECT_EQ(put("/aliases/live", R"({"collection":"items"})").status, 200);
  Reply via_alias = get("/collections/live");
  ASSERT_EQ(via_alias.status, 200);
  EXPECT_EQ(via_alias.body_json()["name"], "items");
  EXPECT_EQ(post("/collections/live/search", R"({"vector":[1,0,0,0],"k":1})").status, 200);
  EXPECT_EQ(get("/aliases").body_json(), json::parse(R"({"aliases":{"live":"items"}})"));
  EXPECT_EQ(get("/collections").body_json()["aliases"], json::parse(R"({"live":"items"})"));
  // An alias pins its collection.
  EXPECT_EQ(del("/collections/items").status, 409);
  EXPECT_EQ(del("/aliases/live").status, 200);
  EXPECT_EQ(get("/collections/live").status, 404);
}

TEST_F(HttpCollectionsTest, AliasErrors) {
  Reply unknown_target = put("/aliases/live", R"({"collection":"nope"})");
  EXPECT_EQ(unknown_target.status, 404);
  EXPECT_EQ(del("/aliases/never").status, 404);
  EXPECT_EQ(put("/aliases/live", R"({"collection":5})").status, 400);
}

TEST_F(HttpCollectionsTest, SealWaitsWhenAsked) {
  create_collection("items");
  upsert_points("items", 10);
  Reply sealed = post("/collections/items/seal?wait=true", "");
  ASSERT_EQ(sealed.status, 200) << sealed.body;
  EXPECT_EQ(sealed.body_json()["status"], "ok");
  const json info = get("/collections/items").body_json();
  size_t sealed_points = 0;
  for (const auto& segment : info["segments"]) {
    if (segment["state"] == "sealed") sealed_points += segment["points"].get<size_t>();
  }
  EXPECT_EQ(sealed_points, 10u) << info.dump();
  EXPECT_EQ(post("/collections/items/seal?wait=maybe", "").status, 400);
}

}  // namespace
}  // namespace vecdex::server::testing

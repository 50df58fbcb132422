// Snapshots over a real socket: create, list, download, upload, restore, delete, and the
// uploads that must be refused (damaged artifacts, unsafe tar entries).
#include <filesystem>
#include <fstream>

#include "server/http_fixture.h"
#include "server/tar_builder.h"

namespace vecdex::server::testing {
namespace {

namespace fs = std::filesystem;

class HttpSnapshotsTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    create_collection("items", 4);
    upsert_points("items", 5);
  }
  Reply upload(const std::string& collection, const std::string& tar) {
    return post("/collections/" + collection + "/snapshots/upload", tar, "application/x-tar");
  }
  fs::path snapshot_file(const std::string& snap, const std::string& file) const {
    return dir_.path() / "snapshots" / "items" / snap / file;
  }
};

TEST_F(HttpSnapshotsTest, CreateListDownloadUploadRestoreDelete) {
  Reply named = post("/collections/items/snapshots", R"({"name":"s1"})");
  ASSERT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(named.body_json()["name"], "s1");
  EXPECT_GT(named.body_json()["bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(named.body_json()["created"].get<std::string>().back(), 'Z');
  Reply generated = post("/collections/items/snapshots", "");
  ASSERT_EQ(generated.status, 200) << generated.body;
  EXPECT_NE(generated.body_json()["name"], "s1");

  Reply list = get("/collections/items/snapshots");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body_json()["snapshots"].size(), 2u);

  Reply tar = get("/collections/items/snapshots/s1");
  ASSERT_EQ(tar.status, 200) << tar.body;
  EXPECT_EQ(tar.content_type, "application/x-tar");
  Reply uploaded = upload("copy", tar.body);
  ASSERT_EQ(uploaded.status, 200) << uploaded.body;
  EXPECT_EQ(uploaded.body_json()["name"], "copy");
  EXPECT_EQ(get("/collections/copy").body_json()["points"], 5);
  EXPECT_EQ(get("/collections/copy/points/3").body_json()["payload"]["n"], 3);

  Reply restored = post("/snapshots/restore", R"({"collection":"again","from":"items/s1"})");
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(get("/collections/again").body_json()["points"], 5);

  EXPECT_EQ(del("/collections/items/snapshots/s1").status, 200);
  EXPECT_EQ(get("/collections/items/snapshots/s1").status, 404);
  EXPECT_EQ(get("/collections/items/snapshots").body_json()["snapshots"].size(), 1u);
  // Nothing is left of the upload's staging directory.
  for (const auto& entry : fs::directory_iterator(dir_.path() / "snapshots")) {
    EXPECT_EQ(entry.path().filename().string().rfind(".upload-", 0), std::string::npos);
  }
}

TEST_F(HttpSnapshotsTest, NameErrors) {
  ASSERT_EQ(post("/collections/items/snapshots", R"({"name":"s1"})").status, 200);
  EXPECT_EQ(post("/collections/items/snapshots", R"({"name":"s1"})").status, 409);
  EXPECT_EQ(post("/collections/items/snapshots", R"({"name":"../evil"})").status, 400);
  EXPECT_EQ(post("/collections/items/snapshots", R"({"name":".hidden"})").status, 400);
  EXPECT_EQ(post("/collections/items/snapshots", R"({"title":"x"})").status, 400);
  EXPECT_EQ(get("/collections/items/snapshots/nope").status, 404);
  EXPECT_EQ(del("/collections/items/snapshots/nope").status, 404);
  EXPECT_EQ(post("/collections/nope/snapshots", "").status, 404);
  EXPECT_EQ(post("/snapshots/restore", R"({"collection":"x","from":"items"})").status, 400);
  EXPECT_EQ(post("/snapshots/restore", R"({"collection":"x","from":"../items/s1"})").status,
            400);
  EXPECT_EQ(post("/snapshots/restore", R"({"collection":"x","from":"items/nope"})").status,
            404);
  EXPECT_EQ(post("/snapshots/restore", R"({"collection":"items","from":"items/s1"})").status,
            409);
}

TEST_F(HttpSnapshotsTest, DamagedSnapshotIs400WithTheCorruption) {
  ASSERT_EQ(post("/collections/items/snapshots", R"({"name":"s1"})").status, 200);
  {
    std::fstream f(snapshot_file("s1", "points.dat"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x5a');
  }
  Reply restored = post("/snapshots/restore", R"({"collection":"bad","from":"items/s1"})");
  EXPECT_EQ(restored.status, 400) << restored.body;
  EXPECT_EQ(restored.error_code(), "corruption");
  Reply tar = get("/collections/items/snapshots/s1");
  ASSERT_EQ(tar.status, 200);
  Reply uploaded = upload("bad", tar.body);
  EXPECT_EQ(uploaded.status, 400) << uploaded.body;
  EXPECT_EQ(uploaded.error_code(), "corruption");
  EXPECT_EQ(get("/collections/bad").status, 404);
}

TEST_F(HttpSnapshotsTest, UnsafeTarEntriesAreRefused) {
  Reply dotdot = upload("x", make_tar({{"../x", "owned"}}));
  EXPECT_EQ(dotdot.status, 400) << dotdot.body;
  EXPECT_NE(dotdot.error_message().find(".."), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.path() / "x"));
  EXPECT_EQ(upload("x", make_tar({{"/tmp/vecdex-abs", "owned"}})).status, 400);
  EXPECT_FALSE(fs::exists("/tmp/vecdex-abs"));
  EXPECT_EQ(upload("x", make_tar({{"MANIFEST", "/etc/passwd", true}})).status, 400);
  EXPECT_EQ(upload("x", "this is not a tar archive").status, 400);
  EXPECT_EQ(upload("x", make_tar({{"MANIFEST", "nonsense"}})).status, 400);
  EXPECT_EQ(get("/collections/x").status, 404);
}

TEST_F(HttpSnapshotsTest, UploadNeedsATarContentType) {
  EXPECT_EQ(post("/collections/x/snapshots/upload", "{}", "application/json").status, 415);
}

}  // namespace
}  // namespace vecdex::server::testing

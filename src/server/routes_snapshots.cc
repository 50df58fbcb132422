// Snapshots: create, list, download (tar), delete, upload (tar) and restore.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <system_error>

#include "server/exchange.h"
#include "server/http_errors.h"
#include "server/json_codec.h"
#include "server/request_fields.h"
#include "server/routes.h"
#include "server/snapshot_archive.h"

namespace vecdex::server {
namespace {

namespace fs = std::filesystem;

nlohmann::json snapshot_json(const SnapshotEntry& e) {
  return {{"name", e.name}, {"created", e.created}, {"bytes", e.bytes}};
}

// The collection whose snapshots {name} means: the collection behind a name or alias, or, for
// a dropped collection whose snapshots are still on disk, the name as given.
Result<std::string> snapshot_owner(Exchange& ex) {
  Result<Collection*> c = ex.collection();
  if (c.ok()) return (*c)->config().name;
  const std::string name(ex.param(0));
  if (c.status().code() == StatusCode::kNotFound && SnapshotStore::validate_name(name).ok() &&
      ex.context().snapshots.has_collection(name)) {
    return name;
  }
  return c.status();
}

// Imports the artifact in `dir` as collection `name`. A damaged artifact is the client's
// problem (400 with the Corruption message), not a server fault.
Status import_as(Exchange& ex, const fs::path& dir, std::string_view name) {
  Result<Collection*> c = ex.db().import_snapshot(dir, name);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kCorruption) {
      return ex.reject(kHttpBadRequest, c.status());
    }
    return c.status();
  }
  return ex.reply(collection_info_json((*c)->info()));
}

// Removes an upload's staging directory whatever happens.
class StagingDir {
 public:
  explicit StagingDir(fs::path path) : path_(std::move(path)) {}
  ~StagingDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

Status handle_create_snapshot(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(auto fields, parse_string_fields(body, {"name"}));
  std::optional<std::string_view> name;
  if (auto it = fields.find("name"); it != fields.end()) name = it->second;
  VECDEX_ASSIGN_OR_RETURN(SnapshotEntry entry,
                          ex.context().snapshots.create(ex.db(), c->config().name, name));
  return ex.reply(snapshot_json(entry).dump());
}

Status handle_list_snapshots(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(std::string owner, snapshot_owner(ex));
  VECDEX_ASSIGN_OR_RETURN(std::vector<SnapshotEntry> entries,
                          ex.context().snapshots.list(owner));
  nlohmann::json list = nlohmann::json::array();
  for (const SnapshotEntry& e : entries) list.push_back(snapshot_json(e));
  return ex.reply(nlohmann::json{{"snapshots", list}}.dump());
}

Status handle_download_snapshot(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(std::string owner, snapshot_owner(ex));
  VECDEX_ASSIGN_OR_RETURN(fs::path dir, ex.context().snapshots.find(owner, ex.param(1)));
  HttpResponse& res = ex.response();
  res.status = kHttpOk;
  res.content_type = "application/x-tar";
  res.set_header("Content-Disposition",
                 "attachment; filename=\"" + std::string(ex.param(1)) + ".tar\"");
  // Streamed while the response is written, after this handler returned.
  res.stream = [dir](const BodyChunkWriter& write) {
    Status written = write_tar(dir, write);
    if (!written.ok()) spdlog::warn("snapshot download {}: {}", dir.string(), written.to_string());
    return written;
  };
  return Status();
}

Status handle_delete_snapshot(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(std::string owner, snapshot_owner(ex));
  VECDEX_RETURN_IF_ERROR(ex.context().snapshots.remove(owner, ex.param(1)));
  return ex.reply(kStatusOkJson);
}

Status handle_upload_snapshot(Exchange& ex) {
  const std::string_view type = ex.media_type();
  if (!type.empty() && !ex.media_type_is("application/x-tar") &&
      !ex.media_type_is("application/octet-stream")) {
    return ex.reject(kHttpUnsupportedMediaType,
                     invalid_argument("Content-Type " + std::string(type) +
                                      " is not accepted here; send application/x-tar"));
  }
  VECDEX_ASSIGN_OR_RETURN(fs::path staging_path, ex.context().snapshots.make_staging_dir());
  const StagingDir staging(std::move(staging_path));
  VECDEX_RETURN_IF_ERROR(extract_tar(ex.body(), staging.path()));
  return import_as(ex, snapshot_root(staging.path()), ex.param(0));
}

Status handle_restore_snapshot(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(auto fields, parse_string_fields(body, {"collection", "from"}));
  auto collection = fields.find("collection");
  auto from = fields.find("from");
  if (collection == fields.end() || from == fields.end()) {
    return invalid_argument(
        R"(a restore needs {"collection":"<new name>","from":"<collection>/<snapshot>"})");
  }
  const std::string_view source = from->second;
  const size_t slash = source.find('/');
  if (slash == std::string_view::npos) {
    return invalid_argument("\"from\": \"" + std::string(source) +
                            "\" should be <collection>/<snapshot>");
  }
  const std::string owner(source.substr(0, slash));
  VECDEX_RETURN_IF_ERROR(SnapshotStore::validate_name(owner).with_context("\"from\""));
  VECDEX_ASSIGN_OR_RETURN(fs::path dir,
                          ex.context().snapshots.find(owner, source.substr(slash + 1)));
  return import_as(ex, dir, collection->second);
}

}  // namespace vecdex::server

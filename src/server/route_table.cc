// The route table: templates bound to handlers (documented in routes.h).
#include "server/routes.h"

namespace vecdex::server {

std::vector<Route> api_routes() {
  using M = HttpMethod;
  constexpr bool kPublic = true;
  constexpr bool kKeyed = false;
  constexpr bool kInline = true;
  return {
      {M::kGet, "/healthz", handle_healthz, kPublic, kInline},
      {M::kGet, "/readyz", handle_readyz, kPublic, kInline},
      {M::kGet, "/metrics", handle_metrics, kKeyed, kInline},
      {M::kGet, "/collections", handle_list_collections, kKeyed, kInline},
      {M::kPut, "/collections/{name}", handle_create_collection},
      {M::kGet, "/collections/{name}", handle_get_collection, kKeyed, kInline},
      {M::kDelete, "/collections/{name}", handle_drop_collection},
      {M::kPost, "/collections/{name}/seal", handle_seal},
      {M::kPut, "/collections/{name}/points", handle_upsert_points},
      {M::kPost, "/collections/{name}/points/delete", handle_delete_points},
      {M::kGet, "/collections/{name}/points/{id}", handle_get_point, kKeyed, kInline},
      {M::kPost, "/collections/{name}/search", handle_search, kKeyed, kInline},
      {M::kPost, "/collections/{name}/search/batch", handle_search_batch},
      {M::kPost, "/collections/{name}/snapshots", handle_create_snapshot},
      {M::kGet, "/collections/{name}/snapshots", handle_list_snapshots},
      {M::kPost, "/collections/{name}/snapshots/upload", handle_upload_snapshot},
      {M::kGet, "/collections/{name}/snapshots/{snap}", handle_download_snapshot},
      {M::kDelete, "/collections/{name}/snapshots/{snap}", handle_delete_snapshot},
      {M::kPost, "/snapshots/restore", handle_restore_snapshot},
      {M::kGet, "/aliases", handle_list_aliases, kKeyed, kInline},
      {M::kPut, "/aliases/{alias}", handle_set_alias},
      {M::kDelete, "/aliases/{alias}", handle_remove_alias},
  };
}

}  // namespace vecdex::server

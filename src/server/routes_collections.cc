// Collections: list, create, info, drop, seal.
#include <nlohmann/json.hpp>

#include "server/exchange.h"
#include "server/json_codec.h"
#include "server/routes.h"

namespace vecdex::server {
namespace {

// ?key=true|false (absent: false); anything else is InvalidArgument.
Result<bool> bool_query(const Exchange& ex, const char* key) {
  const std::optional<std::string_view> v = ex.query(key);
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  return invalid_argument(std::string("query parameter ") + key + "=\"" + std::string(*v) +
                          "\": expected true or false");
}

}  // namespace

Status handle_list_collections(Exchange& ex) {
  nlohmann::json collections = nlohmann::json::array();
  for (const std::string& name : ex.db().collection_names()) {
    collections.push_back({{"name", name}});
  }
  return ex.reply(R"({"collections":)" + collections.dump() + R"(,"aliases":)" +
                  aliases_json(ex.db()) + "}");
}

Status handle_create_collection(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(CollectionConfig config, parse_collection_config(ex.param(0), body));
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.db().create_collection(config));
  return ex.reply(collection_info_json(c->info()));
}

Status handle_get_collection(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  return ex.reply(collection_info_json(c->info()));
}

Status handle_drop_collection(Exchange& ex) {
  VECDEX_RETURN_IF_ERROR(ex.db().drop_collection(ex.param(0)));
  return ex.reply(kStatusOkJson);
}

Status handle_seal(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(bool wait, bool_query(ex, "wait"));
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  VECDEX_RETURN_IF_ERROR(c->seal());
  if (wait) VECDEX_RETURN_IF_ERROR(ex.db().wait_idle());
  return ex.reply(kStatusOkJson);
}

}  // namespace vecdex::server

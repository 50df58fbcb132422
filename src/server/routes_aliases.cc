// Aliases: list, point (create or switch atomically), remove.
#include <nlohmann/json.hpp>

#include "server/exchange.h"
#include "server/json_codec.h"
#include "server/routes.h"

namespace vecdex::server {

std::string aliases_json(const Database& db) {
  nlohmann::json aliases = nlohmann::json::object();
  for (const auto& [alias, target] : db.aliases()) aliases[alias] = target;
  return aliases.dump();
}

Status handle_list_aliases(Exchange& ex) {
  return ex.reply(R"({"aliases":)" + aliases_json(ex.db()) + "}");
}

Status handle_set_alias(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(std::string target, parse_alias_target(body));
  VECDEX_RETURN_IF_ERROR(ex.db().set_alias(ex.param(0), target));
  return ex.reply(kStatusOkJson);
}

Status handle_remove_alias(Exchange& ex) {
  VECDEX_RETURN_IF_ERROR(ex.db().remove_alias(ex.param(0)));
  return ex.reply(kStatusOkJson);
}

}  // namespace vecdex::server

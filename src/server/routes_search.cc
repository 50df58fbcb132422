// Search: one query, or a batch checked against the request's deadline between queries.
#include <string>
#include <vector>

#include "server/exchange.h"
#include "server/http_errors.h"
#include "server/json_codec.h"
#include "server/routes.h"

namespace vecdex::server {
namespace {

void observe_version_skew(Exchange& ex, const SearchResponse& response) {
  if (response.other_version_fraction) {
    ex.context().metrics.observe_other_version_fraction(*response.other_version_fraction);
  }
}

}  // namespace

Status handle_search(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(ParsedSearch search,
                          parse_search(body, c->config().dim, ex.context().limits));
  VECDEX_ASSIGN_OR_RETURN(SearchResponse response, c->search(search.request));
  observe_version_skew(ex, response);
  return ex.reply(search_response_json(response, ex.elapsed_us()));
}

Status handle_search_batch(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(std::vector<ParsedSearch> searches,
                          parse_search_batch(body, c->config().dim, ex.context().limits));
  std::vector<SearchResponse> responses;
  responses.reserve(searches.size());
  for (size_t i = 0; i < searches.size(); ++i) {
    // A batch may hold max_batch_searches queries; past the deadline the client has likely
    // given up, so stop spending cores on it.
    if (i > 0 && Exchange::Clock::now() > ex.deadline()) {
      return ex.reject(kHttpServiceUnavailable,
                       Status(StatusCode::kDeadlineExceeded,
                              "batch search stopped after " + std::to_string(i) + " of " +
                                  std::to_string(searches.size()) +
                                  " searches: the request took longer than request_timeout_ms "
                                  "= " +
                                  std::to_string(ex.context().options.request_timeout_ms)));
    }
    Result<SearchResponse> one = c->search(searches[i].request);
    if (!one.ok()) return one.status().with_context("searches[" + std::to_string(i) + "]");
    observe_version_skew(ex, *one);
    responses.push_back(std::move(one).value());
  }
  return ex.reply(search_batch_json(responses, ex.elapsed_us()));
}

}  // namespace vecdex::server

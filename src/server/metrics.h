// The server's Prometheus metrics (prometheus-cpp, served as text on GET /metrics):
//   vecdex_http_requests_total{route,method,code}        counter, every response once
//   vecdex_http_request_duration_seconds{route}           histogram, routed requests
//   vecdex_collection_points{collection}                  gauges, refreshed at scrape time
//   vecdex_collection_segments{collection}
//   vecdex_background_jobs_pending{collection}
//   vecdex_search_other_version_fraction                  histogram, searches naming a version
// `route` is the route template ("/collections/{name}/search") or "unmatched", never a raw
// path, so the label set stays small whatever clients send.
//
// Thread safety: count_request / observe_* may run concurrently from every connection thread;
// the per-route metric objects are created once and cached (counters per status code lazily,
// through an atomic pointer), so the request path never looks labels up by string. scrape()
// serializes itself with a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "server/router.h"
#include "vecdex/database.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace vecdex::server {

class ServerMetrics {
 public:
  explicit ServerMetrics(const std::vector<Route>& routes);
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // One finished response. `route` indexes the router's routes (RouteMatch::kNone: unmatched).
  void count_request(size_t route, std::string_view method, int http_status);
  void observe_duration(size_t route, double seconds);
  void observe_other_version_fraction(double fraction);

  // Refreshes the per-collection gauges from `db` and returns the Prometheus text format.
  std::string scrape(const Database& db);

 private:
  // Status codes whose counters are cached; others are looked up in the family each time.
  static constexpr std::array<int, 12> kCachedCodes = {200, 400, 401, 404, 405, 409,
                                                        413, 415, 429, 500, 503, 206};
  static constexpr size_t kMethodSlots = 5;  // GET (and HEAD), PUT, POST, DELETE, other
  struct RouteMetrics {
    std::string label;
    prometheus::Histogram* duration = nullptr;
    std::array<std::array<std::atomic<prometheus::Counter*>, kCachedCodes.size()>, kMethodSlots>
        counters{};
  };
  struct CollectionGauges {
    prometheus::Gauge* points = nullptr;
    prometheus::Gauge* segments = nullptr;
    prometheus::Gauge* pending_jobs = nullptr;
  };

  RouteMetrics& route_metrics(size_t route);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Gauge>& points_;
  prometheus::Family<prometheus::Gauge>& segments_;
  prometheus::Family<prometheus::Gauge>& pending_jobs_;
  prometheus::Histogram& other_version_fraction_;
  // routes_[i] for router route i; the last entry is "unmatched".
  std::vector<std::unique_ptr<RouteMetrics>> routes_;

  std::mutex scrape_mu_;
  std::map<std::string, CollectionGauges> gauges_;  // guarded by scrape_mu_
};

}  // namespace vecdex::server

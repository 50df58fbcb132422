// Prometheus metrics of the server; see metrics.h.
#include "server/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <set>
#include <sstream>
#include <utility>

namespace vecdex::server {
namespace {

// Request latency buckets, in seconds: 100 us .. 10 s (searches sit around 0.1-5 ms).
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
  return kBuckets;
}

// Method label per slot (HEAD is counted as GET).
constexpr std::array<const char*, 5> kMethodLabels = {"GET", "PUT", "POST", "DELETE", "other"};

size_t method_slot(std::string_view method) {
  if (method == "GET" || method == "HEAD") return 0;
  if (method == "PUT") return 1;
  if (method == "POST") return 2;
  if (method == "DELETE") return 3;
  return 4;
}

}  // namespace

ServerMetrics::ServerMetrics(const std::vector<Route>& routes)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("vecdex_http_requests_total")
                    .Help("HTTP requests answered, by route template, method and status code")
                    .Register(*registry_)),
      durations_(prometheus::BuildHistogram()
                     .Name("vecdex_http_request_duration_seconds")
                     .Help("Time from routing to the end of the handler, by route template")
                     .Register(*registry_)),
      points_(prometheus::BuildGauge()
                  .Name("vecdex_collection_points")
                  .Help("Live points per collection")
                  .Register(*registry_)),
      segments_(prometheus::BuildGauge()
                    .Name("vecdex_collection_segments")
                    .Help("Segments per collection (mutable, sealing and sealed)")
                    .Register(*registry_)),
      pending_jobs_(prometheus::BuildGauge()
                        .Name("vecdex_background_jobs_pending")
                        .Help("Index builds and compactions queued or running per collection")
                        .Register(*registry_)),
      other_version_fraction_(
          prometheus::BuildHistogram()
              .Name("vecdex_search_other_version_fraction")
              .Help("Per search naming a model_version: share of results from other versions")
              .Register(*registry_)
              .Add({}, prometheus::Histogram::BucketBoundaries{0, 0.01, 0.05, 0.1, 0.25, 0.5,
                                                               0.75, 1})) {
  routes_.reserve(routes.size() + 1);
  for (const Route& route : routes) {
    auto r = std::make_unique<RouteMetrics>();
    r->label = std::string(route.pattern);
    r->duration = &durations_.Add({{"route", r->label}}, latency_buckets());
    routes_.push_back(std::move(r));
  }
  auto unmatched = std::make_unique<RouteMetrics>();
  unmatched->label = "unmatched";
  unmatched->duration = &durations_.Add({{"route", unmatched->label}}, latency_buckets());
  routes_.push_back(std::move(unmatched));
}

ServerMetrics::~ServerMetrics() = default;

ServerMetrics::RouteMetrics& ServerMetrics::route_metrics(size_t route) {
  return route < routes_.size() - 1 ? *routes_[route] : *routes_.back();
}

void ServerMetrics::count_request(size_t route, std::string_view method, int http_status) {
  RouteMetrics& r = route_metrics(route);
  const size_t m = method_slot(method);
  size_t code_slot = kCachedCodes.size();
  for (size_t i = 0; i < kCachedCodes.size(); ++i) {
    if (kCachedCodes[i] == http_status) code_slot = i;
  }
  std::atomic<prometheus::Counter*>* slot =
      code_slot < kCachedCodes.size() ? &r.counters[m][code_slot] : nullptr;
  prometheus::Counter* c = slot != nullptr ? slot->load(std::memory_order_acquire) : nullptr;
  if (c == nullptr) {
    // First request of this kind (or an uncommon code): look the labels up. Family::Add is
    // thread-safe and returns the same counter for equal labels, so racing first requests
    // store the same pointer.
    c = &requests_.Add({{"route", r.label},
                        {"method", kMethodLabels[m]},
                        {"code", std::to_string(http_status)}});
    if (slot != nullptr) slot->store(c, std::memory_order_release);
  }
  c->Increment();
}

void ServerMetrics::observe_duration(size_t route, double seconds) {
  route_metrics(route).duration->Observe(seconds);
}

void ServerMetrics::observe_other_version_fraction(double fraction) {
  other_version_fraction_.Observe(fraction);
}

std::string ServerMetrics::scrape(const Database& db) {
  std::lock_guard<std::mutex> lock(scrape_mu_);
  std::set<std::string> seen;
  for (const std::string& name : db.collection_names()) {
    Result<Collection*> c = db.collection(name);
    if (!c.ok()) continue;  // dropped since collection_names()
    const CollectionInfo info = (*c)->info();
    auto [it, inserted] = gauges_.try_emplace(name);
    CollectionGauges& g = it->second;
    if (inserted) {
      const prometheus::Labels labels = {{"collection", name}};
      g.points = &points_.Add(labels);
      g.segments = &segments_.Add(labels);
      g.pending_jobs = &pending_jobs_.Add(labels);
    }
    g.points->Set(static_cast<double>(info.points));
    g.segments->Set(static_cast<double>(info.segments.size()));
    g.pending_jobs->Set(static_cast<double>(info.pending_background_jobs));
    seen.insert(name);
  }
  for (auto it = gauges_.begin(); it != gauges_.end();) {
    if (seen.count(it->first) != 0) {
      ++it;
      continue;
    }
    points_.Remove(it->second.points);
    segments_.Remove(it->second.segments);
    pending_jobs_.Remove(it->second.pending_jobs);
    it = gauges_.erase(it);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace vecdex::server

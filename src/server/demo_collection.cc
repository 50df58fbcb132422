// ensure_demo_collection(): Fashion-MNIST into collection `fashion` (see demo_collection.h).
#include "server/demo_collection.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <system_error>
#include <thread>
#include <vector>

#include "core/file_util.h"
#include "vecdex/dataset.h"
#include "vecdex/search_params.h"

namespace vecdex::server {
namespace {

constexpr std::array<std::string_view, 10> kLabelNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
constexpr std::string_view kModelVersion = "fashion-mnist-raw";
constexpr int64_t kFilterExampleLabel = 7;  // Sneaker
constexpr size_t kQueryK = 10;

struct DatasetFiles {
  std::filesystem::path train_images;
  std::filesystem::path train_labels;
  std::filesystem::path test_images;
};

// `dir/name.gz`, else `dir/name` (an unpacked copy); NotFound naming the .gz otherwise.
Result<std::filesystem::path> find_dataset_file(const std::filesystem::path& dir,
                                                std::string_view name) {
  std::error_code ec;
  std::filesystem::path gz = dir / (std::string(name) + ".gz");
  if (std::filesystem::is_regular_file(gz, ec)) return gz;
  std::filesystem::path plain = dir / std::string(name);
  if (std::filesystem::is_regular_file(plain, ec)) return plain;
  return not_found(fmt::format(
      "demo dataset file {} not found (install Debian's dataset-fashion-mnist with "
      "scripts/install-deps or point --demo-data at a copy; --no-demo serves without it)",
      gz.string()));
}

Result<DatasetFiles> find_dataset(const std::filesystem::path& dir) {
  DatasetFiles files;
  VECDEX_ASSIGN_OR_RETURN(files.train_images, find_dataset_file(dir, "train-images-idx3-ubyte"));
  VECDEX_ASSIGN_OR_RETURN(files.train_labels, find_dataset_file(dir, "train-labels-idx1-ubyte"));
  VECDEX_ASSIGN_OR_RETURN(files.test_images, find_dataset_file(dir, "t10k-images-idx3-ubyte"));
  return files;
}

Result<IdMatrix> read_labels(const std::filesystem::path& path) {
  VECDEX_ASSIGN_OR_RETURN(IdMatrix labels, read_ids(path));
  for (size_t i = 0; i < labels.rows; ++i) {
    if (fashion_label_name(labels.data[i]).empty()) {
      return corruption(fmt::format("{}: label {} of item {} is not a Fashion-MNIST class (0..9)",
                                    path.string(), labels.data[i], i));
    }
  }
  if (labels.rows == 0) return corruption(fmt::format("{}: holds no labels", path.string()));
  return labels;
}

CollectionConfig demo_config(const DemoCollectionOptions& options, size_t dim) {
  CollectionConfig config;
  config.name = options.name;
  config.dim = dim;
  config.metric = Metric::kL2;
  config.index_spec = options.index_spec;
  config.schema.fields = {FieldSpec{"label", FieldType::kInt, /*required=*/true, /*indexed=*/true},
                          FieldSpec{"label_name", FieldType::kString, false, true}};
  return config;
}

// The existing collection, or a new one; *created tells which.
Result<Collection*> open_or_create(Database& db, const DemoCollectionOptions& options, size_t dim,
                                   bool* created) {
  Result<Collection*> existing = db.collection(options.name);
  if (existing.ok()) {
    const CollectionConfig& config = (*existing)->config();
    if (config.dim != dim || config.metric != Metric::kL2) {
      return failed_precondition(fmt::format(
          "collection '{}' exists with dim {} and metric {}, but the demo needs dim {} and l2; "
          "drop it (DELETE /collections/{}) or use another data dir",
          options.name, config.dim, metric_name(config.metric), dim, options.name));
    }
    *created = false;
    return existing;
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  *created = true;
  return db.create_collection(demo_config(options, dim));
}

Status check_stop(const DemoCollectionOptions& options) {
  if (options.stop.stop_requested()) {
    return Status(StatusCode::kCancelled, "demo collection load stopped (resumes on next start)");
  }
  return Status();
}

void note(const DemoCollectionOptions& options, const std::string& line) {
  if (options.log) options.log(line);
}

// True when every id first..first+count-1 is stored (a batch a previous start completed: each
// upsert is atomic, so a stored batch is whole).
bool batch_stored(const Collection& collection, size_t first, size_t count) {
  for (size_t id = first; id < first + count; ++id) {
    if (!collection.get(PointId(id)).ok()) return false;
  }
  return true;
}

// Upserts the batches of ids 0..n-1 that are not all stored yet (every batch when `fresh`).
// Returns how many points were upserted.
Result<size_t> upload(Collection& collection, const FloatMatrix& images, const IdMatrix& labels,
                      bool fresh, const DemoCollectionOptions& options) {
  const size_t n = images.rows;
  const size_t batch = std::max<size_t>(options.batch_points, 1);
  size_t uploaded = 0;
  std::vector<Point> points;
  for (size_t first = 0; first < n; first += batch) {
    VECDEX_RETURN_IF_ERROR(check_stop(options));
    const size_t count = std::min(batch, n - first);
    if (!fresh && batch_stored(collection, first, count)) continue;
    points.assign(count, Point{});
    for (size_t i = 0; i < count; ++i) {
      Point& p = points[i];
      const size_t row = first + i;
      p.id = PointId(row);
      p.vector.assign(images.row(row), images.row(row) + images.dim);
      const int64_t label = labels.data[row];
      p.payload = {{"label", label}, {"label_name", std::string(fashion_label_name(label))}};
      p.model_version = std::string(kModelVersion);
    }
    VECDEX_RETURN_IF_ERROR(collection.upsert(points));
    uploaded += count;
    note(options, fmt::format("uploaded {} / {} points", first + count, n));
  }
  return uploaded;
}

// Points in segments that have (sealed) or are getting (sealing) the collection's spec, and in
// the segments that take writes (mutable, staging: a bulk load's exact index).
struct SegmentCounts {
  size_t indexed = 0;
  size_t unsealed = 0;
  bool building = false;
};

SegmentCounts count_segments(const CollectionInfo& info) {
  SegmentCounts counts;
  for (const SegmentInfo& s : info.segments) {
    if (s.state == "sealed" || s.state == "sealing") {
      counts.indexed += s.points;
      counts.building = counts.building || s.state == "sealing";
    } else {
      counts.unsealed += s.points;
    }
  }
  counts.building = counts.building || info.pending_background_jobs > 0;
  return counts;
}

// Seals the writable segments when the demo's points are not all under the spec index yet, then
// waits for the background build (polling, so that a stop request is not held up by it).
Status index_all(Database& db, Collection& collection, size_t n,
                 const DemoCollectionOptions& options) {
  SegmentCounts counts = count_segments(collection.info());
  if (counts.indexed < n && counts.unsealed > 0) VECDEX_RETURN_IF_ERROR(collection.seal());
  auto started = std::chrono::steady_clock::now();
  bool noted = false;
  while (count_segments(collection.info()).building) {
    if (!noted) {
      note(options, fmt::format("building the {} index in the background ...",
                                collection.config().index_spec));
      noted = true;
    }
    VECDEX_RETURN_IF_ERROR(check_stop(options));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  VECDEX_RETURN_IF_ERROR(db.wait_idle());
  if (noted) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    note(options, fmt::format("index built in {:.1f} s", seconds));
  }
  return Status();
}

std::string search_body(std::span<const float> vector, const std::string& params,
                        bool with_filter) {
  std::string body = "{\"vector\":[";
  for (size_t i = 0; i < vector.size(); ++i) {
    if (i > 0) body += ',';
    body += fmt::format("{}", vector[i]);  // shortest text that reads back as the same float
  }
  body += fmt::format("],\"k\":{},\"params\":\"{}\",\"with_payload\":true", kQueryK, params);
  if (with_filter) {
    body += fmt::format(
        ",\"filter\":{{\"must\":[{{\"key\":\"label\",\"match\":{{\"value\":{}}}}}]}}",
        kFilterExampleLabel);
  }
  body += "}\n";
  return body;
}

Status write_text(const std::filesystem::path& path, const std::string& text) {
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  std::array<std::span<const uint8_t>, 1> chunks = {bytes};
  return write_file_atomically(path, chunks);
}

// `params` is the canonical text of parsed SearchParams: nothing in it needs JSON escaping.
Status write_query_files(const FloatMatrix& query, const std::string& params,
                         DemoCollectionReport& report, const DemoCollectionOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.query_dir, ec);
  if (ec) {
    return io_error(fmt::format("cannot create {}: {}", options.query_dir.string(), ec.message()));
  }
  std::span<const float> vector(query.row(0), query.dim);
  report.query_file = options.query_dir / "demo-query.json";
  report.filtered_query_file = options.query_dir / "demo-query-filtered.json";
  VECDEX_RETURN_IF_ERROR(write_text(report.query_file, search_body(vector, params, false)));
  return write_text(report.filtered_query_file, search_body(vector, params, true));
}

}  // namespace

std::string_view fashion_label_name(int64_t label) {
  if (label < 0 || label >= static_cast<int64_t>(kLabelNames.size())) return {};
  return kLabelNames[static_cast<size_t>(label)];
}

Result<DemoCollectionReport> ensure_demo_collection(Database& db,
                                                    const DemoCollectionOptions& options) {
  Result<SearchParams> params = parse_search_params(options.search_params);
  if (!params.ok()) return params.status().with_context("demo search params");
  VECDEX_ASSIGN_OR_RETURN(DatasetFiles files, find_dataset(options.dataset_dir));
  VECDEX_ASSIGN_OR_RETURN(IdMatrix labels, read_labels(files.train_labels));
  ReadOptions first_row;
  first_row.max_rows = 1;
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix query, read_vectors(files.test_images, first_row));
  if (query.rows == 0) {
    return corruption(fmt::format("{}: holds no images", files.test_images.string()));
  }

  DemoCollectionReport report;
  report.points = labels.rows;
  VECDEX_ASSIGN_OR_RETURN(Collection * collection,
                          open_or_create(db, options, query.dim, &report.created));
  if (report.created || collection->info().points != labels.rows) {
    note(options, report.created
                      ? fmt::format("creating collection '{}' from {}", options.name,
                                    options.dataset_dir.string())
                      : fmt::format("collection '{}' is incomplete: finishing the upload",
                                    options.name));
    VECDEX_ASSIGN_OR_RETURN(FloatMatrix images, read_vectors(files.train_images));
    if (images.rows != labels.rows || images.dim != query.dim) {
      return corruption(fmt::format(
          "demo dataset mismatch: {} holds {} images of dim {}, {} holds {} labels, {} has dim {}",
          files.train_images.string(), images.rows, images.dim, files.train_labels.string(),
          labels.rows, files.test_images.string(), query.dim));
    }
    VECDEX_ASSIGN_OR_RETURN(report.uploaded,
                            upload(*collection, images, labels, report.created, options));
  } else {
    note(options, fmt::format("reusing collection '{}' ({} points)", options.name, report.points));
  }
  VECDEX_RETURN_IF_ERROR(index_all(db, *collection, report.points, options));
  VECDEX_RETURN_IF_ERROR(write_query_files(query, params->to_string(), report, options));
  return report;
}

}  // namespace vecdex::server

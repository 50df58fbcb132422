// The demo collection `vecdex serve --demo` creates on first start: Fashion-MNIST's 60,000
// training images (Debian's dataset-fashion-mnist) as 784-dim L2 points with their class label
// as payload, plus two ready-made search bodies (the first test image, with and without a
// label filter) so that a printed curl command works at once. A second start reuses the data;
// a start after one that died half way finishes the upload (upserts are idempotent).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::server {

struct DemoCollectionOptions {
  // Holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz and t10k-images-idx3-ubyte.gz
  // (plain, uncompressed files without the .gz suffix are accepted too).
  std::filesystem::path dataset_dir = "/usr/share/datasets/fashion-mnist";
  std::string name = "fashion";
  // Factory string for the sealed segment(s); the demo seals after the upload so every point
  // gets it.
  std::string index_spec = "HNSW16,efc=200";
  // Search parameters written into the query files; ef=24 reaches recall@10 ~0.98 on
  // Fashion-MNIST with HNSW16,efc=200 (measured with scripts/loadtest, see docs/api.md).
  std::string search_params = "ef=24";
  size_t batch_points = 5000;  // points per upsert call (one atomic RocksDB batch each)
  // Where demo-query.json and demo-query-filtered.json are written (vecdex serve: the data dir).
  std::filesystem::path query_dir;
  // Checked between batches and while the index builds: a stop request ends the load early
  // with Cancelled (the next start resumes it).
  std::stop_token stop;
  // Progress lines ("uploaded 20000 / 60000 points"); may be empty.
  std::function<void(std::string_view)> log;
};

// What ensure_demo_collection() did.
struct DemoCollectionReport {
  bool created = false;         // the collection did not exist
  size_t points = 0;            // points in the dataset (and now in the collection)
  size_t uploaded = 0;          // points upserted by this call (0: reused as it was)
  std::filesystem::path query_file;           // demo-query.json
  std::filesystem::path filtered_query_file;  // demo-query-filtered.json
};

// Makes sure collection `options.name` holds the whole dataset with every segment indexed, then
// writes the query files. Reuses a complete collection as it is; uploads only the batches whose
// points are missing otherwise. Errors: InvalidArgument for search_params that do not parse;
// NotFound naming the missing dataset file (and the package that provides it); Corruption for
// a damaged dataset; FailedPrecondition when a collection of that name exists with another dim
// or metric; Cancelled when `stop` fired; IOError when a query file cannot be written; engine
// errors as they come.
Result<DemoCollectionReport> ensure_demo_collection(Database& db,
                                                    const DemoCollectionOptions& options);

// The Fashion-MNIST class name of a label 0..9 ("T-shirt/top" ... "Ankle boot"); "" otherwise.
std::string_view fashion_label_name(int64_t label);

}  // namespace vecdex::server

// Family registry: maps the first stage of a parsed factory spec to the family that builds it,
// and a file's family tag to the family that loads it. Adding a family is one line in
// registry.cc's list plus the family's own family_entry().
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/factory/spec_parser.h"
#include "index/index_file.h"
#include "vecdex/index.h"
#include "vecdex/index_factory.h"

namespace vecdex::factory {

using BuildFn = Result<std::unique_ptr<Index>> (*)(const ParsedSpec& spec, size_t dim,
                                                   Metric metric);
using LoadFn = Result<std::unique_ptr<Index>> (*)(const IndexFileReader& file,
                                                  const LoadOptions& options);

// What a family tells the registry about itself.
struct FamilyEntry {
  const char* stage_name;  // name part of the first stage: "Flat", "HNSW", "IVF"
  const char* usage;       // how users write it, for error messages: "Flat", "HNSW<M>"
  const char* file_tag;    // family tag in the file header (<= 7 chars): "Flat", "HNSW"
  BuildFn build;           // receives the whole spec; validates its own stages and options
  LoadFn load;             // receives a validated container; checks its own sections
};

// Immutable after construction; the global instance is safe to use from any thread.
class Registry {
 public:
  explicit Registry(std::vector<FamilyEntry> entries) : entries_(std::move(entries)) {}
  // The built-in families.
  static const Registry& global();

  // InvalidArgument "unknown stage 'X' at position P in "..."; expected one of: Flat, ..."
  // when the first stage names no family; otherwise whatever the family's builder returns.
  Result<std::unique_ptr<Index>> build(const ParsedSpec& spec, size_t dim, Metric metric) const;
  // Corruption when no family owns the file's tag.
  Result<std::unique_ptr<Index>> load(const IndexFileReader& file, const LoadOptions& options) const;

  // "Flat, HNSW<M>, ..." in registration order.
  std::string usages() const;

 private:
  std::vector<FamilyEntry> entries_;
};

}  // namespace vecdex::factory

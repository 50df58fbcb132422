// Metric and element-type names and parsing.
#include <string>

#include "vecdex/types.h"

namespace vecdex {

std::string_view metric_name(Metric metric) {
  switch (metric) {
    case Metric::kL2: return "l2";
    case Metric::kInnerProduct: return "ip";
    case Metric::kCosine: return "cosine";
  }
  return "unknown";
}

Result<Metric> parse_metric(std::string_view text) {
  if (text == "l2" || text == "L2" || text == "euclidean") return Metric::kL2;
  if (text == "ip" || text == "IP" || text == "inner_product" || text == "dot") {
    return Metric::kInnerProduct;
  }
  if (text == "cosine" || text == "angular") return Metric::kCosine;
  return invalid_argument("unknown metric '" + std::string(text) + "'; expected l2, ip or cosine");
}

std::string_view element_type_name(ElementType type) {
  switch (type) {
    case ElementType::kF32: return "f32";
    case ElementType::kF16: return "f16";
    case ElementType::kBF16: return "bf16";
    case ElementType::kInt8: return "int8";
    case ElementType::kUInt8: return "uint8";
    case ElementType::kBinary: return "binary";
  }
  return "unknown";
}

}  // namespace vecdex

// The fast path for a search body's query vector. A 784-number vector is ~2 KB of text, almost
// all of the body, and simdjson's On-Demand reads it at ~100 instructions per number (indexing
// every number and comma, then iterating value by value): the largest cost of a search request
// after the search itself. This reads the top-level "vector" array straight from the text in one
// pass and hands simdjson only the rest of the body, a few dozen bytes.
//
// It takes only what it can read exactly as simdjson would; on anything else it declines and the
// caller parses the whole body the general way, which also words every error. So it needs to
// recognise valid JSON, never to explain invalid JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vecdex::server::json {

// Reads `body` as a JSON object with a top-level field "vector" holding exactly `dim` numbers,
// each finite also as float32: fills vector[0..dim) (each number rounded correctly to double,
// then to float, as json::read_vector does) and sets `rest` to the object's other fields verbatim,
// in order, as an object of their own ("{}" when there are none). Their values are not checked:
// the caller parses `rest`.
//
// Returns false, leaving the outputs unspecified, when the body is not of that shape: not an
// object, no "vector" field or two of them, an escape sequence in a key, a vector of another
// length or holding anything but plain JSON numbers, a number that does not fit a float32, a
// syntax error between the fields, or content after the object.
bool split_vector_field(std::string_view body, size_t dim, std::vector<float>& vector,
                        std::string& rest);

// One object of a list that split_vector_list read: its vector and its other fields.
struct VectorObject {
  std::vector<float> vector;
  std::string rest;
};

// Reads `body` as {"<key>":[<object>, ...]}, one field holding 1..max_objects objects, each
// read as split_vector_field reads a body, into `objects`. Returns false on any other shape
// (another or a second field, an escape in the key, an empty or longer list, an element that
// split_vector_field would decline, content after the body).
bool split_vector_list(std::string_view body, std::string_view key, size_t dim, size_t max_objects,
                       std::vector<VectorObject>& objects);

}  // namespace vecdex::server::json

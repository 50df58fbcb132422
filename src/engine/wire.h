// Little-endian byte writer and bounds-checked reader for the engine's own records (collection
// configs, point records, snapshot frames). A reader never reads past its span: running out of
// bytes is Corruption naming what was being read.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "vecdex/result.h"

namespace vecdex::engine {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  // u32 length, then the bytes.
  void bytes(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }

 private:
  std::string& out_;
};

// `what` names the record in error messages ("point record", "collection config").
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> in, std::string_view what) : in_(in), what_(what) {}
  ByteReader(std::string_view in, std::string_view what)
      : ByteReader(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(in.data()),
                                            in.size()),
                   what) {}

  Status u8(uint8_t& v, std::string_view field) { return raw(&v, 1, field); }
  Status u32(uint32_t& v, std::string_view field) { return raw(&v, 4, field); }
  Status u64(uint64_t& v, std::string_view field) { return raw(&v, 8, field); }
  Status f64(double& v, std::string_view field) { return raw(&v, 8, field); }
  // A u32 length then that many bytes (at most max_len), as a view into the input.
  Status bytes(std::string_view& v, std::string_view field, size_t max_len = SIZE_MAX) {
    uint32_t n = 0;
    VECDEX_RETURN_IF_ERROR(u32(n, field));
    if (n > max_len) {
      return corruption(std::string(what_) + ": " + std::string(field) + " length " +
                        std::to_string(n) + " exceeds " + std::to_string(max_len));
    }
    if (n > remaining()) return truncated(field);
    v = std::string_view(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return Status();
  }
  Status raw(void* p, size_t n, std::string_view field) {
    if (n > remaining()) return truncated(field);
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return Status();
  }
  Status skip(size_t n, std::string_view field) {
    if (n > remaining()) return truncated(field);
    pos_ += n;
    return Status();
  }
  // Corruption unless every byte was consumed.
  Status expect_end() const {
    if (remaining() == 0) return Status();
    return corruption(std::string(what_) + ": " + std::to_string(remaining()) +
                      " unexpected trailing bytes");
  }
  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  Status truncated(std::string_view field) const {
    return corruption(std::string(what_) + " is truncated (reading " + std::string(field) +
                      " at byte " + std::to_string(pos_) + " of " + std::to_string(in_.size()) +
                      ")");
  }
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  std::string_view what_;
};

}  // namespace vecdex::engine

// AlignedBuffer<T>: an owning, growable array of trivially copyable T whose storage starts on a
// 64-byte boundary (cache line, and the widest SIMD load), for vectors, norms and file images.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "vecdex/status.h"

namespace vecdex {

// Contents beyond size() are uninitialised. Growth never throws: reserve/resize return
// ResourceExhausted when memory runs out (and leave the buffer unchanged).
// Thread safety: like std::vector (const access may be shared; mutation is exclusive).
template <typename T>
class AlignedBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "AlignedBuffer holds plain data only");

 public:
  static constexpr size_t kAlignment = 64;

  AlignedBuffer() = default;
  ~AlignedBuffer() { release(); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t bytes() const { return capacity_ * sizeof(T); }

  // Ensures capacity >= n elements, keeping the contents.
  Status reserve(size_t n) {
    if (n <= capacity_) return Status();
    if (n > static_cast<size_t>(-1) / sizeof(T) - kAlignment) {
      return resource_exhausted(fmt::format("cannot allocate {} elements of {} bytes", n, sizeof(T)));
    }
    void* p = ::operator new(n * sizeof(T), std::align_val_t(kAlignment), std::nothrow);
    if (p == nullptr) {
      return resource_exhausted(fmt::format("out of memory allocating {} bytes", n * sizeof(T)));
    }
    if (size_ > 0) std::memcpy(p, data_, size_ * sizeof(T));
    release_storage();
    data_ = static_cast<T*>(p);
    capacity_ = n;
    return Status();
  }

  // Sets size() to n. When growing past capacity, capacity at least doubles (amortised O(1)
  // appends). New elements are uninitialised.
  Status resize(size_t n) {
    if (n > capacity_) {
      size_t grown = capacity_ * 2;
      Status s = reserve(n > grown ? n : grown);
      if (!s.ok()) s = reserve(n);  // doubling may be too much; try the exact size
      if (!s.ok()) return s;
    }
    size_ = n;
    return Status();
  }

  // Sets size() to n with capacity exactly n when it has to allocate.
  Status resize_exact(size_t n) {
    Status s = reserve(n);
    if (!s.ok()) return s;
    size_ = n;
    return Status();
  }

  void clear() { size_ = 0; }

 private:
  void release_storage() {
    if (data_ != nullptr) ::operator delete(data_, std::align_val_t(kAlignment));
  }
  void release() {
    release_storage();
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace vecdex

// Reading a fuzz input as a sequence of fields: a byte, a 16-bit length and that many bytes, or
// the rest. A field past the end is empty (or 0), so every byte string is a valid input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"

namespace hp::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return at_ >= size_; }
  uint8_t byte() { return empty() ? 0 : data_[at_++]; }
  uint16_t u16() {
    const uint16_t high = byte();
    return static_cast<uint16_t>((high << 8) | byte());
  }
  // Up to n bytes (fewer at the end of the input).
  Bytes bytes(size_t n) {
    n = std::min(n, size_ - std::min(at_, size_));
    Bytes out(data_ + at_, data_ + at_ + n);
    at_ += n;
    return out;
  }
  // A field of "u16 length || bytes".
  Bytes field() { return bytes(u16()); }
  Bytes rest() { return bytes(size_); }
  std::string restAsText() {
    const Bytes r = rest();
    return std::string(r.begin(), r.end());
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

}  // namespace hp::fuzz

// Big-endian writer and bounds-checked reader for persistent state images.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bytes.hpp"

namespace hp::card {

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { appendU16(out_, v); }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  }
  void boolean(bool v) { u8(v ? 1 : 0); }
  // Length-prefixed (u32) byte string.
  void blob(ByteView v) {
    u32(static_cast<uint32_t>(v.size()));
    append(out_, v);
  }
  void raw(ByteView v) { append(out_, v); }
  Bytes& bytes() { return out_; }
  Bytes take() { return std::move(out_); }
  ~ByteWriter() { secureWipe(out_); }

 private:
  Bytes out_;
};

// Every read fails softly: once a read runs past the end, ok() turns false and stays false,
// and the caller rejects the whole image.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}
  uint8_t u8() { return need(1) ? in_[pos_++] : 0; }
  uint16_t u16() {
    if (!need(2)) return 0;
    const uint16_t v = static_cast<uint16_t>((in_[pos_] << 8) | in_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    const uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  uint64_t u64() {
    const uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  bool boolean() {
    const uint8_t v = u8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  Bytes blob(size_t maxSize = 1u << 20) {
    const uint32_t n = u32();
    if (n > maxSize || !need(n)) {
      ok_ = false;
      return {};
    }
    Bytes v(in_.begin() + static_cast<long>(pos_), in_.begin() + static_cast<long>(pos_ + n));
    pos_ += n;
    return v;
  }
  bool ok() const { return ok_; }
  // For a value that was read but is not allowed: the whole image is rejected.
  void fail() { ok_ = false; }
  bool atEnd() const { return pos_ == in_.size(); }

 private:
  bool need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  ByteView in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace hp::card

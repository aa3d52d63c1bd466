// Big-endian writer and the one bounds-checked reader of the project (issue 11, 4): persistent
// state images, purse records and command data, channel messages, session blobs and hand-outs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.hpp"

namespace hp::base {

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

// An owned copy of bytes read (ByteReader::take returns a view into its input).
inline Bytes copyOf(ByteView v) {
  return Bytes(v.begin(), v.end());
}

// Every read fails softly: once a read runs past the end (or over a bound), ok() turns false and
// stays false, every later read yields zeros or empty views, and the caller checks once at the
// end and rejects the whole input.
class ByteReader {
 public:
  explicit ByteReader(ByteView in) : in_(in) {}
  // The next n bytes, as a view into the input (nothing copied: secrets are read straight into
  // their SecretBytes); empty when fewer than n are left.
  ByteView take(size_t n) {
    if (!need(n)) return {};
    const ByteView out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // A one-byte length then that many bytes; the length must lie in [minSize, maxSize].
  ByteView shortBlob(size_t minSize, size_t maxSize) {
    const size_t n = u8();
    if (n < minSize || n > maxSize) ok_ = false;
    return take(n);
  }
  // Everything not read yet.
  ByteView rest() { return take(in_.size() - pos_); }
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
    const ByteView v = take(n);
    return Bytes(v.begin(), v.end());
  }
  bool ok() const { return ok_; }
  // For a value that was read but is not allowed: the whole image is rejected.
  void fail() { ok_ = false; }
  bool atEnd() const { return pos_ == in_.size(); }
  bool finishedCleanly() const { return ok_ && atEnd(); }

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

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp

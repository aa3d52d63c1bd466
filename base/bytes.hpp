// Byte strings, hex conversion and zeroizing buffers shared by card and host code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hp::base {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Upper-case hex without separators ("9000").
std::string toHex(ByteView bytes);
// Upper-case hex with a space between bytes ("90 00"), for logs and traces.
std::string toSpacedHex(ByteView bytes);
// Parses hex, ignoring spaces, tabs, newlines and ':'; nullopt on an odd digit count or non-hex.
std::optional<Bytes> fromHex(std::string_view text);

inline Bytes bytesOf(std::string_view text) {
  return Bytes(text.begin(), text.end());
}
inline void append(Bytes& out, ByteView more) {
  out.insert(out.end(), more.begin(), more.end());
}
inline void appendU16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

// Wipes with mbedtls_platform_zeroize, which the compiler may not elide.
void secureWipe(void* data, size_t size);
inline void secureWipe(Bytes& bytes) {
  secureWipe(bytes.data(), bytes.size());
}

// Constant-time comparison for secrets; false when sizes differ (sizes are not secret here).
bool constantTimeEqual(ByteView a, ByteView b);

// A byte buffer for secrets (PINs, private keys, session keys): wiped when destroyed or cleared.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView data) : data_(data.begin(), data.end()) {}
  explicit SecretBytes(size_t size) : data_(size) {}
  SecretBytes(const SecretBytes& other) = default;
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(const SecretBytes& other) {
    if (this != &other) {
      clear();
      data_ = other.data_;
    }
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      clear();
      data_ = std::move(other.data_);
      other.data_.clear();
    }
    return *this;
  }
  ~SecretBytes() { clear(); }

  void clear() {
    secureWipe(data_);
    data_.clear();
  }
  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteView view() const { return data_; }
  bool operator==(const SecretBytes& other) const { return constantTimeEqual(data_, other.data_); }

 private:
  Bytes data_;
};

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp

// BER-TLV (ISO/IEC 7816-4 clause 6.3) for one- and two-byte tags and definite lengths.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.hpp"

namespace hp::base {

struct Tlv {
  uint16_t tag = 0;  // one-byte tags are stored as 0x00TT, two-byte tags as 0xT1T2
  Bytes value;
};

// Appends tag, length and value.
void appendTlv(Bytes& out, uint16_t tag, ByteView value);
Bytes makeTlv(uint16_t tag, ByteView value);

// Parses a sequence of TLVs filling the whole input; nullopt on any malformation
// (truncated length, value past the end, indefinite length, tags over two bytes).
std::optional<std::vector<Tlv>> parseTlvs(ByteView in);

// The value of the first TLV with this tag in a parsed list, or nullptr.
const Bytes* findTlv(const std::vector<Tlv>& list, uint16_t tag);

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp

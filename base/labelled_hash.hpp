// SHA-256(u8 len(label) || label || parts...): the one domain-separated hash behind every
// signature of the project (channel shares and hellos, purse records, vouchers, cancellations,
// receipts), so a signature made for one purpose never verifies for another.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "base/bytes.hpp"

namespace hp::base {

// The label's length comes first, so (label, data) splits are unambiguous; the parts are
// hashed one after the other (callers give them fixed sizes or encode their lengths).
std::array<uint8_t, 32> labelledSha256(std::string_view label,
                                       std::initializer_list<ByteView> parts);

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp

// Finds the reader holding a given card application, so tools and the host never hard-code
// reader names ("Virtual PCD 00 00" on one machine is a USB reader's slot on another).
#pragma once

#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"

namespace hp::pcsc_bridge {

// The first reader (in pcscd's order) whose card answers 9000 to SELECT of `aid`. The error
// lists every reader tried and why it did not match.
Result<std::string> findReaderWithAid(const PcscContext& context, ByteView aid);

}  // namespace hp::pcsc_bridge

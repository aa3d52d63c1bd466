// The one place that turns PC/SC return codes into messages a user can act on ("pcscd is not
// running", "no card in the reader", ...). Every PC/SC call in pcsc_bridge reports through it.
#pragma once

#include <winscard.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace hp::pcsc_bridge {

// A short explanation of a PC/SC return code, e.g. "pcscd is not running".
std::string describePcscCode(LONG code);

// True for the codes that mean the daemon cannot be reached at all.
bool isNoServiceCode(LONG code);
// True for the codes that mean the reader has no (usable) card right now.
bool isNoCardCode(LONG code);

// "<operation> on <where>: <explanation> (SCARD_E_..., 0x8010001D)"; `where` may be empty.
Error pcscError(std::string_view operation, LONG code, std::string_view where = {});

}  // namespace hp::pcsc_bridge

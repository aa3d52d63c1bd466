// Validation and encoding of the access card's data objects (PUT DATA / GET DATA values).
// Pure functions: the applet decides who may read or write, these decide what is well-formed.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace hp::card::accesscard::objects {

// GET DATA / PUT DATA tags (P1 P2).
inline constexpr uint16_t kTagStatus = 0xDF01;
inline constexpr uint16_t kTagTerminalId = 0xDF30;
inline constexpr uint16_t kTagHomeServerKey = 0xDF31;
inline constexpr uint16_t kTagHomeServerAddress = 0xDF32;
inline constexpr uint16_t kTagTerminalProfile = 0xDF33;
// The control channel's resumption ticket of protocol v1. Retired: the ticket now stays in the
// card's RAM, and GET / PUT DATA DF 34 answer 6A88 (no such object).
inline constexpr uint16_t kTagChannelTicket = 0xDF34;

inline constexpr size_t kMaxTerminalIdSize = 32;
inline constexpr size_t kPointSize = 65;
inline constexpr size_t kMaxAddressSize = 255;
// The most a version 2 state image may hold in its (retired) ticket field when it is read.
inline constexpr size_t kMaxChannelTicketSize = 512;

// Status flags (tag 85 of the status object).
inline constexpr uint8_t kFlagKey = 0x01;
inline constexpr uint8_t kFlagTemplate = 0x02;
inline constexpr uint8_t kFlagTerminalId = 0x04;
inline constexpr uint8_t kFlagHomeKey = 0x08;
inline constexpr uint8_t kFlagHomeAddress = 0x10;
inline constexpr uint8_t kFlagProfile = 0x20;

// 1..32 bytes of any value.
bool isValidTerminalId(ByteView value);
// 04 || X || Y, a point on P-256 (not the point at infinity).
bool isValidP256Point(ByteView value);
// 1..255 printable ASCII (20..7E) "host:port": a non-empty host before the last ':' and a
// decimal port 1..65535 (no sign, no leading zero) after it.
bool isValidHomeServerAddress(ByteView value);

// Terminal profile: 80 01 kind (01 phone, 02 laptop, 03 till), 81 02 columns, 82 02 rows,
// 83 01 layout (01 narrow, 02 wide); each exactly once, in any order, nothing else; columns and
// rows non-zero. Returns the canonical encoding (tags in that order) or nullopt.
std::optional<Bytes> canonicalTerminalProfile(ByteView value);

}  // namespace hp::card::accesscard::objects

// The home card's persistent state (its EEPROM image) and its versioned serialization.
//
// Everything here survives power-off: lifecycle, PINs/PUK with their retry counters, the private
// keys, the user's certificates and the three trust registries. The volatile security state
// (inhibited / standby / crypto) deliberately lives in the applet, not here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "card/homecard/purse_state.hpp"
#include "card/runtime/pin.hpp"

namespace hp::card::homecard {

enum class Lifecycle : uint8_t { kPersonalization = 0x01, kOperational = 0x02 };

// Key references of MANAGE SECURITY ENVIRONMENT / GENERATE KEY PAIR (P2) / the status bitmask.
inline constexpr uint8_t kKeyEc = 0x01;
inline constexpr uint8_t kKeyRsa = 0x02;

inline constexpr size_t kMaxCertificateSize = 4096;
inline constexpr size_t kRegistryCount = 3;  // 01 terminals, 02 shops, 03 banks
inline constexpr size_t kMaxRegistryEntries = 16;
inline constexpr size_t kMaxRegistryIdSize = 32;
inline constexpr size_t kRegistryPointSize = 65;  // uncompressed P-256 point
inline constexpr size_t kRsaPrimeSize = 128;      // RSA-2048: two 1024-bit primes

struct RegistryEntry {
  Bytes id;     // 1..32 bytes, unique within its registry
  Bytes point;  // 65-byte uncompressed P-256 public key, validated on entry
  bool operator==(const RegistryEntry&) const = default;
};

struct HomeCardState {
  // Format of serialize(); deserialize() also reads version 1 (the same layout with the purse
  // section always empty), version 2 (no card authentication section) and version 3 (no PIN-only
  // counter at the end of the purse section), and refuses any other version rather than guessing.
  static constexpr uint8_t kFormatVersion = 4;

  Lifecycle lifecycle = Lifecycle::kPersonalization;
  card::runtime::PinRecord pin1;
  card::runtime::PinRecord pin2;
  card::runtime::PinRecord puk;

  // Private key material; empty = no key generated yet.
  SecretBytes ecPrivate;  // 32-byte P-256 scalar
  SecretBytes rsaP;       // 128-byte prime
  SecretBytes rsaQ;       // 128-byte prime
  Bytes rsaE;             // public exponent

  // DER certificates of the user's keys, indexed by key reference - 1; empty = none.
  std::array<Bytes, 2> certificates;

  // Trust registries, indexed by registry reference - 1.
  std::array<std::vector<RegistryEntry>, kRegistryCount> registries;

  // The e-money purse, serialized as its own length-prefixed section (empty = not initialized,
  // the only form format version 1 allows).
  PurseState purse;

  // The card authentication key (docs/design.md, "The card link"): a P-256 scalar generated at
  // ACTIVATE, separate from the user's keys. Its public point is pinned by the home server,
  // which runs AUTHENTICATE CARD with it before any PIN leaves the host. Empty on cards
  // activated before version 3: they have no protected PIN path.
  SecretBytes cardAuthPrivate;

  bool hasEcKey() const { return !ecPrivate.empty(); }
  bool hasRsaKey() const { return !rsaP.empty(); }
  bool hasCardAuthKey() const { return !cardAuthPrivate.empty(); }
  bool personalized() const { return pin1.set && pin2.set && puk.set; }

  Bytes serialize() const;
  // nullopt for a malformed image: wrong version, truncated, trailing bytes, out-of-range values.
  static std::optional<HomeCardState> deserialize(ByteView image);
};

}  // namespace hp::card::homecard

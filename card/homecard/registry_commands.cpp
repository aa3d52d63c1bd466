// The trust registries (proprietary class 80): terminals, shops and banks the holder trusts,
// each entry an identifier and a P-256 public key.
#include <mbedtls/ecp.h>

#include <algorithm>

#include "base/tlv.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/homecard/home_card_ins.hpp"

namespace hp::card::homecard {

using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;

namespace {
constexpr uint8_t kTagEntry = 0xE1;
constexpr uint8_t kTagId = 0xC0;
constexpr uint8_t kTagPoint = 0xC1;

// An uncompressed point that lies on P-256 (SEC 1 3.2.2.1), so a later ECDH or signature
// check with a registered key can never be fed an invalid-curve point.
bool isValidP256Point(ByteView point) {
  if (point.size() != kRegistryPointSize || point[0] != 0x04) return false;
  mbedtls_ecp_group group;
  mbedtls_ecp_point q;
  mbedtls_ecp_group_init(&group);
  mbedtls_ecp_point_init(&q);
  int rc = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1);
  if (rc == 0) rc = mbedtls_ecp_point_read_binary(&group, &q, point.data(), point.size());
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&group, &q);
  mbedtls_ecp_point_free(&q);
  mbedtls_ecp_group_free(&group);
  return rc == 0;
}

bool isValidId(ByteView id) {
  return !id.empty() && id.size() <= kMaxRegistryIdSize;
}

std::vector<RegistryEntry>::const_iterator findEntry(const std::vector<RegistryEntry>& registry,
                                                     ByteView id) {
  return std::find_if(registry.begin(), registry.end(),
                      [&](const RegistryEntry& e) { return std::ranges::equal(e.id, id); });
}
}  // namespace

Response HomeCardApplet::registryCommand(const CommandApdu& cmd) {
  // P1 names the registry (01 terminals, 02 shops, 03 banks); P2 is reserved and must be 00.
  if (cmd.p1 < 1 || cmd.p1 > kRegistryCount || cmd.p2 != 0x00) {
    return Response::status(sw::kIncorrectP1P2);
  }
  if (!pin1Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  const size_t index = cmd.p1 - 1u;
  const std::vector<RegistryEntry>& registry = state().registries[index];

  if (cmd.ins == ins::kRegistryList) {
    if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
    Bytes out;
    for (const RegistryEntry& e : registry) {
      Bytes inner = base::makeTlv(kTagId, e.id);
      base::appendTlv(inner, kTagPoint, e.point);
      base::appendTlv(out, kTagEntry, inner);
    }
    return Response::read(std::move(out));
  }

  if (cmd.data.empty()) return Response::status(sw::kWrongLength);

  if (cmd.ins == ins::kRegistryAdd) {
    // Data: C0 id, then C1 point, nothing else.
    const auto tlvs = base::parseTlvs(cmd.data);
    if (!tlvs || tlvs->size() != 2 || (*tlvs)[0].tag != kTagId || (*tlvs)[1].tag != kTagPoint ||
        !isValidId((*tlvs)[0].value) || !isValidP256Point((*tlvs)[1].value)) {
      return Response::status(sw::kWrongData);
    }
    RegistryEntry entry{(*tlvs)[0].value, (*tlvs)[1].value};
    if (findEntry(registry, entry.id) != registry.end()) {
      return Response::status(sw::kDataObjectAlreadyExists);
    }
    if (registry.size() >= kMaxRegistryEntries) return Response::status(sw::kNotEnoughMemory);
    const bool stored = update([&](HomeCardState& s) { s.registries[index].push_back(entry); });
    return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
  }

  // DELETE and GET: the data is the bare identifier.
  if (!isValidId(cmd.data)) return Response::status(sw::kWrongData);
  const auto found = findEntry(registry, cmd.data);
  if (found == registry.end()) return Response::status(sw::kReferencedDataNotFound);
  if (cmd.ins == ins::kRegistryGet) return Response::read(base::makeTlv(kTagPoint, found->point));

  const auto position = found - registry.begin();
  const bool stored = update(
      [&](HomeCardState& s) { s.registries[index].erase(s.registries[index].begin() + position); });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

}  // namespace hp::card::homecard

// libFuzzer target: parseCommandApdu on arbitrary bytes.
//
// Beyond "no crash, no out-of-bounds read" (ASan/UBSan), it checks that the parser's view of a
// command is exactly the ISO 7816-4 clause 5.2 encoding it was given:
//  - a failure is always 6700 (wrong length), so every byte string gets a valid status word;
//  - on success the header, Nc (data size), Ne and the case agree with the length of the input;
//  - encodeCommandApdu of the parsed fields gives back the very same bytes (there is exactly one
//    encoding of each case, short or extended), and that re-parses to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "protocol/apdu/command_apdu.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace {

using hp::base::Bytes;
using hp::base::ByteView;
using hp::protocol::apdu::ApduCase;
using hp::protocol::apdu::CommandApdu;

// Total length of the encoding that the parsed fields imply (ISO 7816-4 5.2, table 2).
size_t impliedLength(const CommandApdu& c) {
  const size_t nc = c.data.size();
  const size_t lcField = nc == 0 ? 0 : (c.extended ? 3 : 1);
  size_t leField = 0;
  if (c.ne != 0) leField = c.extended ? (nc == 0 ? 3 : 2) : 1;
  return 4 + lcField + nc + leField;
}

bool sameFields(const CommandApdu& a, const CommandApdu& b) {
  return a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2 && a.data == b.data &&
         a.ne == b.ne && a.apduCase == b.apduCase && a.extended == b.extended;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const ByteView raw(bytes, size);
  auto parsed = hp::protocol::apdu::parseCommandApdu(raw);
  if (!parsed) {
    FUZZ_CHECK(parsed.error() == hp::protocol::apdu::sw::kWrongLength);
    // A well-formed case 1 or short case 2 can never be refused.
    FUZZ_CHECK(size < 4 || size > 5);
    return 0;
  }
  const CommandApdu& c = parsed.value();
  FUZZ_CHECK(size >= 4);
  FUZZ_CHECK(c.cla == raw[0] && c.ins == raw[1] && c.p1 == raw[2] && c.p2 == raw[3]);

  // Case versus presence of data and Le.
  const bool hasData = !c.data.empty();
  const bool hasLe = c.ne != 0;
  switch (c.apduCase) {
    case ApduCase::k1:
      FUZZ_CHECK(!hasData && !hasLe && !c.extended);
      break;
    case ApduCase::k2:
      FUZZ_CHECK(!hasData && hasLe);
      break;
    case ApduCase::k3:
      FUZZ_CHECK(hasData && !hasLe);
      break;
    case ApduCase::k4:
      FUZZ_CHECK(hasData && hasLe);
      break;
    default:
      FUZZ_CHECK(false && "unknown case");
  }
  // Nc and Ne ranges: short 1..255 / 1..256, extended 1..65535 / 1..65536.
  FUZZ_CHECK(c.data.size() <= (c.extended ? 65535u : 255u));
  FUZZ_CHECK(c.ne <= (c.extended ? 65536u : 256u));
  FUZZ_CHECK(impliedLength(c) == size);
  // The command data are the bytes right after the Lc field.
  if (hasData) {
    const size_t offset = c.extended ? 7 : 5;
    FUZZ_CHECK(std::memcmp(c.data.data(), bytes + offset, c.data.size()) == 0);
  }

  // Round trip: the canonical encoding of the parsed fields is the input itself.
  const Bytes encoded =
      hp::protocol::apdu::encodeCommandApdu(c.cla, c.ins, c.p1, c.p2, c.data, c.ne, c.extended);
  FUZZ_CHECK(encoded.size() == size && std::memcmp(encoded.data(), bytes, size) == 0);
  auto reparsed = hp::protocol::apdu::parseCommandApdu(encoded);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(sameFields(c, reparsed.value()));
  return 0;
}

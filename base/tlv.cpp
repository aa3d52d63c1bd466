#include "base/tlv.hpp"

#include "base/byte_codec.hpp"

namespace hp::base {

void appendTlv(Bytes& out, uint16_t tag, ByteView value) {
  if (tag > 0xFF) out.push_back(static_cast<uint8_t>(tag >> 8));
  out.push_back(static_cast<uint8_t>(tag & 0xFF));
  const size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(n));
  } else {
    out.push_back(0x82);
    appendU16(out, static_cast<uint16_t>(n));
  }
  append(out, value);
}

Bytes makeTlv(uint16_t tag, ByteView value) {
  Bytes out;
  appendTlv(out, tag, value);
  return out;
}

std::optional<std::vector<Tlv>> parseTlvs(ByteView in) {
  std::vector<Tlv> out;
  ByteReader reader(in);
  while (!reader.atEnd()) {
    Tlv t;
    t.tag = reader.u8();
    // ISO 7816-4 6.3: low five bits all set means the tag continues in the next byte.
    if ((t.tag & 0x1F) == 0x1F) {
      const uint8_t second = reader.u8();
      if ((second & 0x80) != 0) return std::nullopt;  // three-byte tags are not used here
      t.tag = static_cast<uint16_t>((t.tag << 8) | second);
    }
    size_t length = reader.u8();
    if (length == 0x81) {
      length = reader.u8();
    } else if (length == 0x82) {
      length = reader.u16();
    } else if (length >= 0x80) {
      return std::nullopt;
    }
    t.value = copyOf(reader.take(length));
    if (!reader.ok()) return std::nullopt;  // a tag, length or value cut short
    out.push_back(std::move(t));
  }
  return out;
}

const Bytes* findTlv(const std::vector<Tlv>& list, uint16_t tag) {
  for (const Tlv& t : list) {
    if (t.tag == tag) return &t.value;
  }
  return nullptr;
}

}  // namespace hp::base

#include "tlv.hpp"

namespace hp::card {

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
  size_t i = 0;
  while (i < in.size()) {
    Tlv t;
    uint16_t tag = in[i++];
    // ISO 7816-4 6.3: low five bits all set means the tag continues in the next byte.
    if ((tag & 0x1F) == 0x1F) {
      if (i >= in.size()) return std::nullopt;
      const uint8_t second = in[i++];
      if ((second & 0x80) != 0) return std::nullopt;  // three-byte tags are not used here
      tag = static_cast<uint16_t>((tag << 8) | second);
    }
    if (i >= in.size()) return std::nullopt;
    size_t len = in[i++];
    if (len == 0x81) {
      if (i >= in.size()) return std::nullopt;
      len = in[i++];
    } else if (len == 0x82) {
      if (i + 1 >= in.size()) return std::nullopt;
      len = (static_cast<size_t>(in[i]) << 8) | in[i + 1];
      i += 2;
    } else if (len >= 0x80) {
      return std::nullopt;
    }
    if (in.size() - i < len) return std::nullopt;
    t.tag = tag;
    t.value.assign(in.begin() + static_cast<long>(i), in.begin() + static_cast<long>(i + len));
    i += len;
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

}  // namespace hp::card

#include "card/accesscard/biometric.hpp"

#include <bit>

#include "base/tlv.hpp"

namespace hp::card::accesscard::bio {

namespace {
// The inner objects of a well-formed 7F2E, or nullopt. `allowed` lists the only tags accepted;
// each may appear at most once.
std::optional<std::vector<base::Tlv>> parseInner(ByteView data,
                                                 std::initializer_list<uint16_t> allowed) {
  auto outer = base::parseTlvs(data);
  if (!outer || outer->size() != 1 || (*outer)[0].tag != kTagBiometricTemplate) {
    if (outer) {
      for (auto& t : *outer) secureWipe(t.value);
    }
    return std::nullopt;
  }
  auto inner = base::parseTlvs((*outer)[0].value);
  secureWipe((*outer)[0].value);
  if (!inner || inner->size() != allowed.size()) return std::nullopt;
  for (uint16_t tag : allowed) {
    size_t seen = 0;
    for (const auto& t : *inner) seen += t.tag == tag ? 1 : 0;
    if (seen != 1) {
      for (auto& t : *inner) secureWipe(t.value);
      return std::nullopt;
    }
  }
  return inner;
}

void wipeAll(std::vector<base::Tlv>& list) {
  for (auto& t : list) secureWipe(t.value);
}
}  // namespace

std::optional<Enrollment> parseEnrollment(ByteView data) {
  auto inner = parseInner(data, {kTagCode, kTagThreshold});
  if (!inner) return std::nullopt;
  const Bytes* code = base::findTlv(*inner, kTagCode);
  const Bytes* threshold = base::findTlv(*inner, kTagThreshold);
  std::optional<Enrollment> out;
  if (code->size() == kCodeSize && threshold->size() == 1 && (*threshold)[0] <= kMaxThreshold) {
    out = Enrollment{SecretBytes(*code), (*threshold)[0]};
  }
  wipeAll(*inner);
  return out;
}

std::optional<SecretBytes> parseSample(ByteView data) {
  auto inner = parseInner(data, {kTagCode});
  if (!inner) return std::nullopt;
  const Bytes* code = base::findTlv(*inner, kTagCode);
  std::optional<SecretBytes> out;
  if (code->size() == kCodeSize) out = SecretBytes(*code);
  wipeAll(*inner);
  return out;
}

bool matches(ByteView enrolledCode, ByteView sample, uint8_t threshold) {
  if (enrolledCode.size() != kCodeSize || sample.size() != kCodeSize) return false;
  // Sum over every byte with no early exit: the time taken says nothing about the distance.
  unsigned distance = 0;
  for (size_t i = 0; i < kCodeSize; ++i) {
    distance +=
        static_cast<unsigned>(std::popcount(static_cast<uint8_t>(enrolledCode[i] ^ sample[i])));
  }
  return distance <= threshold;
}

}  // namespace hp::card::accesscard::bio

// libFuzzer target: the decoders of delegated TLS sessions (host/tls_proxy): the home server's
// session blob (session_blob.cpp) and the hand-out a terminal receives (session_handout.cpp).
//
// Both get every input. The blob encoding is strict (one encoding per session), so a blob that
// decodes encodes back to the input; a decoded hand-out carries a session id or a ticket, the
// host and port the terminal asked for, and encodes again into a hand-out that decodes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace {

// The clock of the hand-out decoder; the seed generator uses the same.
constexpr int64_t kNowUnix = 1'800'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const hp::base::ByteView raw(data, size);
  if (auto blob = hp::tls_proxy::decodeSessionBlob(raw)) {
    FUZZ_CHECK(!blob->sessionId.empty() || blob->hasTicket());
    FUZZ_CHECK(blob->expiresUnix > blob->createdUnix);
    auto encoded = hp::tls_proxy::encodeSessionBlob(*blob);
    FUZZ_CHECK(encoded.ok());
    FUZZ_CHECK(encoded->size() == size && std::memcmp(encoded->data(), data, size) == 0);
  }
  if (auto handout = hp::tls_proxy::decodeSessionHandout(raw, "shop.localhost", 4433, kNowUnix)) {
    FUZZ_CHECK(!handout->sessionId.empty() || handout->hasTicket());
    FUZZ_CHECK(handout->host == "shop.localhost" && handout->port == 4433);
    FUZZ_CHECK(handout->masterSecret.size() == hp::tls_proxy::SessionBlob::kMasterSecretSize);
    auto again = hp::tls_proxy::encodeSessionHandout(*handout, kNowUnix);
    if (again) {
      FUZZ_CHECK(
          hp::tls_proxy::decodeSessionHandout(again->view(), "shop.localhost", 4433, kNowUnix)
              .ok());
    }
  }
  return 0;
}

// An EC P-256 private key from a PEM file (SEC1 or PKCS#8, unencrypted) as a card::EcKeyPair:
// the home server's channel key and the shop's and bank's signing keys are all read this way.
// The scalar passes through a SecretBytes (wiped) and mbedTLS zeroizes its parse buffers.
#pragma once

#include <memory>
#include <string>

#include "base/ec_key.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::tls_proxy {

// `what` ("signing key") starts every error: "<what> <path>: ...". Anything but a P-256 key
// is refused ("must be an EC P-256 key").
Result<std::unique_ptr<base::EcKeyPair>> loadP256KeyFile(const std::string& what,
                                                         const std::string& path, base::Rng& rng);

}  // namespace hp::tls_proxy

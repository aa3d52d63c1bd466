// The one place where mbedTLS error codes and certificate verification flags become text.
// Every other file in tls_proxy reports library failures through these functions, so the
// wording users see stays consistent and no mbedTLS code leaks out as a bare number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace hp::tls_proxy {

// "<what>: <description> (-0xNNNN)"; special-cases the codes a user can act on.
Error tlsError(std::string_view what, int mbedtlsCode);

// Like tlsError, but when the handshake failed on the peer's certificate it names the reason
// from the verification flags (untrusted CA, host-name mismatch, expiry).
Error handshakeError(std::string_view what, int mbedtlsCode, uint32_t verifyFlags,
                     std::string_view expectedHost);

// The library's own text for an error code, without context.
std::string describeMbedtlsError(int mbedtlsCode);

}  // namespace hp::tls_proxy

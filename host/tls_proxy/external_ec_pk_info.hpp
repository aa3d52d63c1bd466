// An mbedTLS pk "type" for an EC P-256 key whose private half is elsewhere.
//
// Why this file exists: mbedTLS 2.28 has a public hook for external RSA keys
// (mbedtls_pk_setup_rsa_alt) but none for ECDSA. Its pk layer dispatches through
// mbedtls_pk_info_t, a table of function pointers declared in the installed but internal header
// mbedtls/pk_internal.h. We copy the library's own mbedtls_eckey_info (so public-key functions,
// bit length and can_do stay the library's) and replace three entries: sign_func (calls out),
// ctx_alloc_func / ctx_free_func (our context = mbedtls_ecp_keypair followed by a back pointer,
// so the library's functions still see an mbedtls_ecp_keypair at the start).
//
// This is internal ABI. It is pinned here and only here, checked at compile time (2.28.x) and at
// run time (checkExternalEcAbi), and tested in tests/tls_proxy/external_key_test.cpp.
#pragma once

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include <cstddef>

#include "base/result.hpp"

namespace hp::tls_proxy {

// What the EC pk context calls to sign: returns 0 or an mbedTLS error code.
using ExternalEcSignFn = int (*)(void* owner, mbedtls_md_type_t hashAlg, const unsigned char* hash,
                                 size_t hashLength, unsigned char* signature,
                                 size_t* signatureLength);

// Context allocated by the pk layer for our type. keypair MUST stay the first member.
struct ExternalEcContext {
  mbedtls_ecp_keypair keypair;
  ExternalEcSignFn sign;
  void* owner;
};

// The pk_info for external EC keys (a patched copy of mbedtls_eckey_info).
const mbedtls_pk_info_t* externalEcPkInfo();

// Fails when the library we run against does not look like the one this file was written for
// (version, or mbedtls_eckey_info not describing an "EC" key).
Result<void> checkExternalEcAbi();

// Sets up `pk` (initialized, empty) as an external EC key with `publicKey`'s P-256 point.
Result<void> setupExternalEcKey(mbedtls_pk_context& pk, const mbedtls_ecp_keypair& publicKey,
                                ExternalEcSignFn sign, void* owner);

}  // namespace hp::tls_proxy

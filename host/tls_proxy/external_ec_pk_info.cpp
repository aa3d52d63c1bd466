#include "host/tls_proxy/external_ec_pk_info.hpp"

#include <mbedtls/pk_internal.h>
#include <mbedtls/version.h>

#include <cstdlib>
#include <cstring>

#include "host/tls_proxy/tls_error.hpp"

// The struct layout of mbedtls_pk_info_t changed in 3.x (and the header went private).
#if MBEDTLS_VERSION_NUMBER < 0x021C0000 || MBEDTLS_VERSION_NUMBER >= 0x03000000
#error "external_ec_pk_info.cpp pins the mbedTLS 2.28 pk_info ABI; re-check it for this version"
#endif

namespace hp::tls_proxy {

namespace {

void* allocContext() {
  auto* context = static_cast<ExternalEcContext*>(std::calloc(1, sizeof(ExternalEcContext)));
  if (context != nullptr) mbedtls_ecp_keypair_init(&context->keypair);
  return context;
}

void freeContext(void* raw) {
  auto* context = static_cast<ExternalEcContext*>(raw);
  mbedtls_ecp_keypair_free(&context->keypair);
  std::free(context);
}

int signViaOwner(void* raw, mbedtls_md_type_t hashAlg, const unsigned char* hash, size_t hashLength,
                 unsigned char* signature, size_t* signatureLength,
                 int (* /*f_rng*/)(void*, unsigned char*, size_t), void* /*p_rng*/) {
  auto* context = static_cast<ExternalEcContext*>(raw);
  if (context->sign == nullptr) return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
  return context->sign(context->owner, hashAlg, hash, hashLength, signature, signatureLength);
}

mbedtls_pk_info_t makeInfo() {
  mbedtls_pk_info_t info = mbedtls_eckey_info;
  info.name = "EC (external)";
  info.sign_func = &signViaOwner;
  info.decrypt_func = nullptr;
  info.encrypt_func = nullptr;
  // check_pair would read a private scalar we do not have.
  info.check_pair_func = nullptr;
  info.ctx_alloc_func = &allocContext;
  info.ctx_free_func = &freeContext;
  return info;
}

}  // namespace

const mbedtls_pk_info_t* externalEcPkInfo() {
  static const mbedtls_pk_info_t info = makeInfo();
  return &info;
}

Result<void> checkExternalEcAbi() {
  const unsigned runtime = mbedtls_version_get_number();
  if ((runtime >> 16) != (MBEDTLS_VERSION_NUMBER >> 16)) {
    return makeError("external EC key: mbedTLS at run time is not the 2.28 this was built for");
  }
  if (mbedtls_eckey_info.type != MBEDTLS_PK_ECKEY || mbedtls_eckey_info.name == nullptr ||
      std::strcmp(mbedtls_eckey_info.name, "EC") != 0 || mbedtls_eckey_info.sign_func == nullptr ||
      mbedtls_eckey_info.ctx_alloc_func == nullptr || mbedtls_eckey_info.ctx_free_func == nullptr) {
    return makeError("external EC key: mbedtls_eckey_info does not have the expected layout");
  }
  return {};
}

Result<void> setupExternalEcKey(mbedtls_pk_context& pk, const mbedtls_ecp_keypair& publicKey,
                                ExternalEcSignFn sign, void* owner) {
  if (auto abi = checkExternalEcAbi(); !abi) return abi.error();
  if (publicKey.grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    return makeError("external EC key: only P-256 is supported");
  }
  if (int rc = mbedtls_pk_setup(&pk, externalEcPkInfo()); rc != 0) {
    return tlsError("external EC key setup", rc);
  }
  auto* context = static_cast<ExternalEcContext*>(pk.pk_ctx);
  if (int rc = mbedtls_ecp_group_load(&context->keypair.grp, publicKey.grp.id); rc != 0) {
    return tlsError("external EC key group", rc);
  }
  if (int rc = mbedtls_ecp_copy(&context->keypair.Q, &publicKey.Q); rc != 0) {
    return tlsError("external EC key point", rc);
  }
  context->sign = sign;
  context->owner = owner;
  return {};
}

}  // namespace hp::tls_proxy

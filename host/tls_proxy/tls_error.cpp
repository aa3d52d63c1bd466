#include "host/tls_proxy/tls_error.hpp"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>

namespace hp::tls_proxy {

namespace {

std::string hexCode(int code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "-0x%04X", static_cast<unsigned>(-code));
  return buf;
}

// Errors where the library's text does not tell the user what to do next. The server is not
// named here: the caller knows whether it is a shop or the bank and says so in `what`.
const char* actionableText(int code) {
  switch (code) {
    case MBEDTLS_ERR_NET_CONNECT_FAILED:
      return "could not connect (connection refused or unreachable: is the server running?)";
    case MBEDTLS_ERR_NET_UNKNOWN_HOST:
      return "the host name could not be resolved";
    case MBEDTLS_ERR_SSL_TIMEOUT:
      return "the server did not answer in time";
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
      return "the server started a full handshake, which needs a trust store this side does not "
             "have";
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
      return "the server aborted the handshake with a fatal alert";
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
      return "the server closed the connection";
    case MBEDTLS_ERR_SSL_CONN_EOF:
    case MBEDTLS_ERR_NET_CONN_RESET:
      return "the server closed the connection unexpectedly";
    default:
      return nullptr;
  }
}

}  // namespace

std::string describeMbedtlsError(int mbedtlsCode) {
  char buf[256];
  mbedtls_strerror(mbedtlsCode, buf, sizeof buf);
  return buf;
}

Error tlsError(std::string_view what, int mbedtlsCode) {
  std::string message(what);
  message += ": ";
  if (const char* text = actionableText(mbedtlsCode)) {
    message += text;
  } else {
    message += describeMbedtlsError(mbedtlsCode);
  }
  message += " (" + hexCode(mbedtlsCode) + ")";
  return makeError(std::move(message));
}

Error handshakeError(std::string_view what, int mbedtlsCode, uint32_t verifyFlags,
                     std::string_view expectedHost) {
  if (mbedtlsCode != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || verifyFlags == 0) {
    return tlsError(what, mbedtlsCode);
  }
  std::string message(what);
  message += ": shop certificate rejected:";
  if (verifyFlags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    message += " it is not issued by a CA in the trust store;";
  }
  if (verifyFlags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
    message += " it does not match the host name '" + std::string(expectedHost) + "';";
  }
  if (verifyFlags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
    message += " it is expired or not yet valid;";
  }
  char details[512];
  const int n = mbedtls_x509_crt_verify_info(details, sizeof details, " ", verifyFlags);
  if (n > 0) {
    std::string text(details, static_cast<size_t>(n));
    for (char& c : text) {
      if (c == '\n') c = ';';
    }
    message += " details:" + text;
  }
  return makeError(std::move(message));
}

}  // namespace hp::tls_proxy

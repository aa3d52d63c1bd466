// PC/SC error messages: every code a user meets says what is wrong in words, and a client
// pointed at a pcscd that does not exist says "pcscd is not running".
#include <doctest.h>

#include <cstdlib>
#include <string>

#include "host/pcsc_bridge/pcsc_context.hpp"
#include "host/pcsc_bridge/pcsc_error.hpp"

namespace hp::pcsc_bridge {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("PC/SC codes map to messages a user can act on") {
  CHECK(contains(describePcscCode(SCARD_E_NO_SERVICE), "pcscd is not running"));
  CHECK(contains(describePcscCode(SCARD_E_NO_READERS_AVAILABLE), "no smart-card reader"));
  CHECK(contains(describePcscCode(SCARD_E_NO_SMARTCARD), "no card in the reader"));
  CHECK(contains(describePcscCode(SCARD_W_REMOVED_CARD), "removed"));
  CHECK(contains(describePcscCode(SCARD_W_RESET_CARD), "reset"));
  CHECK(contains(describePcscCode(SCARD_E_TIMEOUT), "timed out"));
  CHECK(isNoServiceCode(SCARD_E_NO_SERVICE));
  CHECK_FALSE(isNoServiceCode(SCARD_E_NO_SMARTCARD));
  CHECK(isNoCardCode(SCARD_W_REMOVED_CARD));
  CHECK_FALSE(isNoCardCode(SCARD_E_TIMEOUT));
}

TEST_CASE("an error names the operation, the reader, the explanation and the code") {
  const Error error = pcscError("SCardConnect", SCARD_E_NO_SMARTCARD, "PC/SC reader 'X'");
  CHECK(error.message ==
        "SCardConnect on PC/SC reader 'X': no card in the reader (is the card process running "
        "and connected to vpcd?) (SCARD_E_NO_SMARTCARD, 0x8010000C)");
  // Codes without a message of ours still say something, with the number.
  const Error other = pcscError("SCardTransmit", SCARD_E_UNSUPPORTED_FEATURE);
  CHECK(contains(other.message, "SCardTransmit: "));
  CHECK(contains(other.message, "0x8010001F"));
}

TEST_CASE("establishing a context without pcscd says pcscd is not running") {
  // libpcsclite reads PCSCLITE_CSOCK_NAME once per process; no other test here uses PC/SC.
  ::setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/hp-test/pcscd.comm", 1);
  auto context = PcscContext::establish();
  REQUIRE_FALSE(context);
  CHECK(contains(context.error().message, "pcscd is not running"));
  CHECK(contains(context.error().message, "SCardEstablishContext"));
}

}  // namespace
}  // namespace hp::pcsc_bridge

#include "tests/tls_proxy/test_pki.hpp"

#include <doctest.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "base/bytes.hpp"
#include "tests/support/temp_dir.hpp"

namespace hp::tls_proxy::test {

namespace {

void run(const std::string& dir, const std::string& command) {
  const std::string full = "cd " + dir + " && " + command + " >>openssl.log 2>&1";
  const int rc = std::system(full.c_str());
  INFO("command: " << command);
  REQUIRE(rc == 0);
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// Leaf certificate signed by CA.key/CA.pem.
void issue(const std::string& dir, const std::string& name, const std::string& keyAlgorithm,
           const std::string& subject, const std::string& extensions, int serial,
           const std::string& ca = "ca") {
  run(dir, "openssl genpkey " + keyAlgorithm + " -out " + name + ".key");
  run(dir, "openssl req -new -key " + name + ".key -subj '" + subject + "' -out " + name + ".csr");
  writeFile(dir + "/" + name + ".ext", extensions);
  run(dir, "openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -set_serial " + std::to_string(serial) + " -days 2 -sha256 -extfile " + name +
               ".ext -out " + name + ".pem");
}

void makeCa(const std::string& dir, const std::string& name, const std::string& subject) {
  run(dir, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + name + ".key");
  run(dir, "openssl req -x509 -new -key " + name + ".key -sha256 -days 2 -subj '" + subject +
               "' -addext basicConstraints=critical,CA:TRUE"
               " -addext keyUsage=critical,keyCertSign,cRLSign -out " +
               name + ".pem");
}

// The PKI's files live as long as the test process (removed at exit with the directory).
struct PkiOwner {
  hp::test::TempDir temp;
  TestPki pki;
};

}  // namespace

const TestPki& testPki() {
  static std::unique_ptr<PkiOwner> owner;
  if (owner) return owner->pki;
  auto made = std::make_unique<PkiOwner>();
  TestPki& pki = made->pki;
  pki.dir = made->temp.path();
  const std::string& d = pki.dir;
  const std::string ec = "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
  const std::string rsa = "-algorithm RSA -pkeyopt rsa_keygen_bits:2048";
  makeCa(d, "ca", "/CN=homeproxy test CA");
  makeCa(d, "other_ca", "/CN=unrelated CA");
  issue(d, "shop", ec, "/CN=localhost",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", 2);
  // The shop's certificate swapped: another valid one for the same name (a renewal, or a
  // mis-issued one), and an impostor's from a CA the home server does not trust.
  const std::string shopExtensions =
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  issue(d, "shop_renewed", ec, "/CN=localhost", shopExtensions, 5);
  issue(d, "impostor", ec, "/CN=localhost", shopExtensions, 6, "other_ca");
  issue(d, "user_ec", ec, "/CN=User EC", "extendedKeyUsage=clientAuth\n", 3);
  issue(d, "user_rsa", rsa, "/CN=User RSA", "extendedKeyUsage=clientAuth\n", 4);
  pki.caCert = d + "/ca.pem";
  pki.otherCaCert = d + "/other_ca.pem";
  pki.shopKey = d + "/shop.key";
  pki.shopCert = d + "/shop.pem";
  pki.shopRenewedKey = d + "/shop_renewed.key";
  pki.shopRenewedCert = d + "/shop_renewed.pem";
  pki.impostorKey = d + "/impostor.key";
  pki.impostorCert = d + "/impostor.pem";
  pki.userEcKey = d + "/user_ec.key";
  pki.userEcCert = d + "/user_ec.pem";
  pki.userRsaKey = d + "/user_rsa.key";
  pki.userRsaCert = d + "/user_rsa.pem";
  owner = std::move(made);
  return owner->pki;
}

std::string sha256OfPemCertificateHex(const std::string& pemPath) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_file(&crt, pemPath.c_str()) == 0);
  uint8_t digest[32];
  REQUIRE(mbedtls_sha256_ret(crt.raw.p, crt.raw.len, digest, 0) == 0);
  mbedtls_x509_crt_free(&crt);
  return toHex(ByteView(digest, sizeof digest));
}

DelegatedHandshakeRequest loopbackShopRequest(uint16_t port) {
  DelegatedHandshakeRequest request;
  request.host = "localhost";
  request.connectAddress = "127.0.0.1";
  request.port = port;
  request.caFile = testPki().caCert;
  request.readTimeoutMs = 5000;
  return request;
}

}  // namespace hp::tls_proxy::test

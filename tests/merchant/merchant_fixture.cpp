#include "tests/merchant/merchant_fixture.hpp"

#include <doctest.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include <cstdlib>
#include <fstream>

#include "protocol/rpc/base64.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace hp::merchant::test {

namespace {

void run(const std::string& dir, const std::string& command) {
  const std::string full = "cd " + dir + " && " + command + " >>openssl.log 2>&1";
  INFO("command: " << command);
  REQUIRE(std::system(full.c_str()) == 0);
}

SecretBytes scalarOfKeyFile(const std::string& pemKey) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  REQUIRE(mbedtls_pk_parse_keyfile(&pk, pemKey.c_str(), nullptr) == 0);
  REQUIRE(mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY);
  SecretBytes scalar(32);
  REQUIRE(mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, scalar.data(), scalar.size()) == 0);
  mbedtls_pk_free(&pk);
  return scalar;
}

}  // namespace

const MerchantFiles& merchantFiles() {
  static MerchantFiles files;
  if (!files.dir.empty()) return files;
  const auto& pki = hp::tls_proxy::test::testPki();  // removed at exit with everything below
  const std::string& d = pki.dir;
  const std::string ec = "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
  run(d, "openssl genpkey " + ec + " -out other_ec.key");
  run(d, "openssl req -new -key other_ec.key -subj '/CN=Other User' -out other_ec.csr");
  run(d, "printf 'extendedKeyUsage=clientAuth\\n' > other_ec.ext");
  run(d,
      "openssl x509 -req -in other_ec.csr -CA ca.pem -CAkey ca.key -set_serial 9 -days 2"
      " -sha256 -extfile other_ec.ext -out other_ec.pem");
  run(d, "openssl genpkey " + ec + " -out shop-sign.key");
  run(d, "openssl genpkey " + ec + " -out bank-sign.key");
  std::ofstream(d + "/catalogue.json")
      << R"({"currency":"EUR","items":[{"sku":"tea","name":"Green tea","price":350},)"
      << R"({"sku":"cake","name":"Cake","price":1200}]})";
  files.otherEcKey = d + "/other_ec.key";
  files.otherEcCert = d + "/other_ec.pem";
  files.shopSigningKey = d + "/shop-sign.key";
  files.bankSigningKey = d + "/bank-sign.key";
  files.catalogue = d + "/catalogue.json";
  files.dir = d;
  return files;
}

Bytes publicPointOfKeyFile(const std::string& pemKey) {
  auto rng = base::makeSeededRng(1);
  auto key = base::EcKeyPair::fromPrivate(scalarOfKeyFile(pemKey).view(), *rng);
  REQUIRE(key.ok());
  return (*key)->publicPoint();
}

SoftwarePurse::SoftwarePurse(const std::string& pemKey, uint8_t purseIdByte)
    : rng_(base::makeSeededRng(7)) {
  auto key = base::EcKeyPair::fromPrivate(scalarOfKeyFile(pemKey).view(), *rng_);
  REQUIRE(key.ok());
  key_ = std::move(*key);
  purseId.fill(purseIdByte);
}

Bytes SoftwarePurse::sign(const protocol::purse::PurseRecord& record) {
  const Bytes body = protocol::purse::encode(record);
  auto signature =
      key_->signHash(protocol::purse::signedHash(protocol::purse::kRecordLabel, body), *rng_);
  REQUIRE(signature.ok());
  return protocol::purse::appendSignature(body, *signature);
}

protocol::purse::PurseRecord SoftwarePurse::debit(const std::string& shopId,
                                                  const std::string& orderRef,
                                                  const std::string& currency, uint64_t amount,
                                                  uint32_t txn) {
  protocol::purse::PurseRecord record;
  record.purseId = purseId;
  record.entry.txn = txn;
  record.entry.kind = protocol::purse::EntryKind::kDebit;
  record.entry.timeMs = 1'700'000'000'000;
  record.entry.currency = currency;
  record.entry.amount = amount;
  record.entry.balanceAfter = 10'000;
  record.entry.party = bytesOf(shopId);
  record.entry.reference = bytesOf(orderRef);
  return record;
}

protocol::purse::PurseRecord SoftwarePurse::credit(const std::string& bankId, ByteView voucherId,
                                                   uint32_t creditSeq, const std::string& currency,
                                                   uint64_t amount, uint32_t txn) {
  protocol::purse::PurseRecord record;
  record.purseId = purseId;
  record.entry.txn = txn;
  record.entry.kind = protocol::purse::EntryKind::kCredit;
  record.entry.timeMs = 1'700'000'000'000;
  record.entry.currency = currency;
  record.entry.amount = amount;
  record.entry.balanceAfter = amount;
  record.entry.party = bytesOf(bankId);
  record.entry.reference = Bytes(voucherId.begin(), voucherId.end());
  record.entry.relatedTxn = creditSeq;
  return record;
}

protocol::purse::PurseRecord SoftwarePurse::refund(const std::string& shopId,
                                                   const std::string& orderRef, uint32_t paidTxn,
                                                   const std::string& currency, uint64_t amount,
                                                   uint32_t txn) {
  protocol::purse::PurseRecord record = debit(shopId, orderRef, currency, amount, txn);
  record.entry.kind = protocol::purse::EntryKind::kRefund;
  record.entry.relatedTxn = paidTxn;
  return record;
}

ClientOptions clientFor(uint16_t port, const std::string& cert, const std::string& key) {
  ClientOptions options;
  options.port = port;
  options.certFile = cert;
  options.keyFile = key;
  return options;
}

ClientOptions ecUser(uint16_t port) {
  const auto& pki = hp::tls_proxy::test::testPki();
  return clientFor(port, pki.userEcCert, pki.userEcKey);
}

ClientOptions otherEcUser(uint16_t port) {
  const auto& files = merchantFiles();
  return clientFor(port, files.otherEcCert, files.otherEcKey);
}

ClientOptions rsaUser(uint16_t port) {
  const auto& pki = hp::tls_proxy::test::testPki();
  return clientFor(port, pki.userRsaCert, pki.userRsaKey);
}

std::unique_ptr<TestClient> connected(const ClientOptions& options) {
  auto client = TestClient::connect(options);
  INFO("handshake: " << TestClient::lastHandshakeError());
  REQUIRE(client != nullptr);
  return client;
}

std::string base64(ByteView bytes) {
  return protocol::rpc::base64Encode(bytes);
}

Bytes unbase64(const std::string& text) {
  auto bytes = protocol::rpc::base64Decode(text);
  REQUIRE(bytes.has_value());
  return *bytes;
}

}  // namespace hp::merchant::test

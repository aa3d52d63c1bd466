#include "tests/support/in_process_home_card.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

namespace hp::home_server::test {

namespace {

constexpr uint8_t kInsPso = 0x2A;
constexpr uint8_t kP1ComputeSignature = 0x9E;

Error cardError(const card_adapters::CardError& error) {
  return makeError("in-process home card: " + error.message);
}

// An X.509 v3 certificate for the card's EC key, issued by the CA whose key is in issuerKeyFile.
Result<Bytes> certificateFor(const card_adapters::HomePublicKey& key,
                             const InProcessHomeCardOptions& options, base::Rng& rng) {
  mbedtls_pk_context issuer;
  mbedtls_pk_context subject;
  mbedtls_x509write_cert writer;
  mbedtls_mpi serial;
  mbedtls_pk_init(&issuer);
  mbedtls_pk_init(&subject);
  mbedtls_x509write_crt_init(&writer);
  mbedtls_mpi_init(&serial);
  Bytes buffer(4096);
  int length = -1;
  const std::string subjectName = "CN=" + options.commonName;
  if (mbedtls_pk_parse_keyfile(&issuer, options.issuerKeyFile.c_str(), nullptr) == 0 &&
      mbedtls_pk_setup(&subject, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
      mbedtls_ecp_group_load(&mbedtls_pk_ec(subject)->grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
      mbedtls_ecp_point_read_binary(&mbedtls_pk_ec(subject)->grp, &mbedtls_pk_ec(subject)->Q,
                                    key.point.data(), key.point.size()) == 0) {
    mbedtls_x509write_crt_set_version(&writer, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&writer, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&writer, &subject);
    mbedtls_x509write_crt_set_issuer_key(&writer, &issuer);
    if (mbedtls_x509write_crt_set_subject_name(&writer, subjectName.c_str()) == 0 &&
        mbedtls_x509write_crt_set_issuer_name(&writer, options.issuerName.c_str()) == 0 &&
        mbedtls_mpi_lset(&serial, 7) == 0 &&
        mbedtls_x509write_crt_set_serial(&writer, &serial) == 0 &&
        mbedtls_x509write_crt_set_validity(&writer, "20250101000000", "20350101000000") == 0) {
      length = mbedtls_x509write_crt_der(&writer, buffer.data(), buffer.size(),
                                         &base::Rng::mbedtlsCallback, &rng);
    }
  }
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&writer);
  mbedtls_pk_free(&subject);
  mbedtls_pk_free(&issuer);
  if (length <= 0) return makeError("in-process home card: cannot issue the user certificate");
  // mbedTLS writes the DER at the end of the buffer.
  return Bytes(buffer.end() - length, buffer.end());
}

// Personalizes a fresh card (PINs, activation, the EC user key and its certificate) and
// answers its storage image.
Result<Bytes> personalizedImage(const InProcessHomeCardOptions& options) {
  card::runtime::MemoryStorage storage;
  base::ManualClock clock;
  auto rng = base::makeSeededRng(options.seed ^ 0x40E);
  auto applet = card::homecard::HomeCardApplet::open(storage, clock, *rng);
  if (!applet) return applet.error();
  card::runtime::CardRuntime runtime(card::homecard::homeCardAtr(), {applet->get()});
  pcsc_bridge::InProcessTransport transport(runtime, "homecard");
  card_adapters::HomeCardClient client(transport);
  if (auto selected = client.select(); !selected) return cardError(selected.error());
  card_adapters::CardCommands& c = client.commands();
  const std::pair<uint8_t, const std::string*> pins[] = {
      {0x81, &options.pin1}, {0x82, &options.pin2}, {0x83, &options.puk}};
  for (const auto& [reference, pin] : pins) {
    auto set = c.run("personalization", 0x00, 0x24, 0x01, reference, bytesOf(*pin));
    if (!set) return cardError(set.error());
  }
  if (auto activated = c.run("ACTIVATE", 0x00, 0x44, 0x00, 0x00); !activated) {
    return cardError(activated.error());
  }
  auto pin1 = client.verifyPin1(options.pin1);
  if (!pin1 || !pin1->verified()) return makeError("in-process home card: PIN1 refused");
  auto pin2 = client.verifyPin2(options.pin2);
  if (!pin2 || !pin2->verified()) return makeError("in-process home card: PIN2 refused");
  auto key = client.generateKey(card_adapters::HomeKeyRef::kEc);
  if (!key) return cardError(key.error());
  if (!options.issuerKeyFile.empty()) {
    auto certificate = certificateFor(*key, options, *rng);
    if (!certificate) return certificate.error();
    auto put = client.putCertificate(card_adapters::HomeKeyRef::kEc, *certificate);
    if (!put) return cardError(put.error());
  }
  return *storage.image();
}

}  // namespace

Result<Bytes> InProcessHomeCard::CountingTransport::transmitRaw(ByteView command) {
  auto response = inner_.transmitRaw(command);
  if (response && command.size() >= 4 && command[1] == kInsPso &&
      command[2] == kP1ComputeSignature && response->size() >= 2 &&
      (*response)[response->size() - 2] == 0x90 && (*response)[response->size() - 1] == 0x00) {
    ++signatures;
  }
  return response;
}

Result<std::unique_ptr<InProcessHomeCard>> InProcessHomeCard::create(
    const InProcessHomeCardOptions& options) {
  auto image = personalizedImage(options);
  if (!image) return image.error();
  std::unique_ptr<InProcessHomeCard> card(new InProcessHomeCard());
  if (auto opened = card->open(*image, options.seed); !opened) return opened.error();
  return card;
}

// The personalized image in a freshly opened applet: inhibited, as after a power-up.
Result<void> InProcessHomeCard::open(const Bytes& image, uint64_t seed) {
  storage_.setImage(image);
  rng_ = base::makeSeededRng(seed ^ 0x401E);
  auto applet = card::homecard::HomeCardApplet::open(storage_, clock_, *rng_);
  if (!applet) return applet.error();
  applet_ = std::move(applet.value());
  runtime_ = std::make_unique<card::runtime::CardRuntime>(
      card::homecard::homeCardAtr(), std::vector<card::runtime::Applet*>{applet_.get()});
  inProcess_ = std::make_unique<pcsc_bridge::InProcessTransport>(*runtime_, "homecard");
  transport_ = std::make_unique<CountingTransport>(*inProcess_);
  client_ = std::make_unique<card_adapters::HomeCardClient>(*transport_);
  if (auto selected = client_->select(); !selected) return cardError(selected.error());
  auto cardKey = client_->readCardAuthKey();
  if (!cardKey) return cardError(cardKey.error());
  homeCard_ = std::make_unique<CardHomeCard>(*client_, tls_proxy::KeyType::kEcP256, *cardKey,
                                             "\"in-process home card\"");
  return {};
}

}  // namespace hp::home_server::test

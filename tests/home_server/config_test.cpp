// The configuration: the documented example parses, every key is checked, and mistakes are
// refused with a message naming the key.
#include <doctest.h>

#include <string>

#include "host/home_server/daemon/config.hpp"

namespace hp::home_server {

namespace {
const std::string kMinimal =
    R"({"trust_store_ca_file":"/etc/ca.pem","server_key_file":"/etc/key.pem"})";
}

TEST_SUITE("config") {
  TEST_CASE("the documented example parses with the values it shows") {
    auto config = loadHomeServerConfig(HOME_SERVER_SOURCE_DIR "/home_server.example.json");
    REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().message));
    CHECK(config->listenAddress == "127.0.0.1");
    CHECK(config->listenPort == 8443);
    CHECK(config->maxConnections == 16);
    CHECK(config->homeCardReader == "Virtual PCD 00 00");
    CHECK(config->homeCardKey.size() == 65);
    CHECK(config->sessionLifetimeCapSeconds == 300);
    CHECK(config->adminSocketPath == "/run/homeproxy/home_server.sock");
    CHECK(config->logLevel == LogLevel::kInfo);
    CHECK(config->purse.pendingVouchersDb == "/var/lib/homeproxy/pending_vouchers.sqlite");
    CHECK(config->purse.reconcileSeconds == 60);
    CHECK(config->notices.enabled);
    CHECK(config->notices.smtpUrl == "smtp://127.0.0.1:25");
    CHECK(config->notices.outboxPath == "/var/lib/homeproxy/notices.db");
    CHECK(config->notices.periodSeconds == 300);
    CHECK(config->notices.maxEntriesPerMail == 16);
    CHECK(config->notices.smtpUser.empty());
    CHECK(config->appliances.enabled);
    CHECK(config->appliances.brokerPort == 8883);
    CHECK(config->appliances.certFile == "/etc/homeproxy/mqtt/home-server.pem");
  }

  TEST_CASE("defaults: loopback, home card found by AID") {
    auto config = parseHomeServerConfig(kMinimal);
    REQUIRE(config.ok());
    CHECK(config->listenAddress == "127.0.0.1");
    CHECK(config->homeCardReader.empty());
    CHECK(config->homeCardAidHex == "F0484F4D454341524401");
    CHECK(config->userKeyType == tls_proxy::KeyType::kEcP256);
    auto rsa = parseHomeServerConfig(
        R"({"trust_store_ca_file":"/c","server_key_file":"/k","user_key":"rsa"})");
    REQUIRE(rsa.ok());
    CHECK(rsa->userKeyType == tls_proxy::KeyType::kRsa2048);
  }

  TEST_CASE("mistakes are refused and named") {
    struct Case {
      std::string json;
      std::string mentions;
    };
    const auto with = [](const std::string& member) {
      return R"({"trust_store_ca_file":"/etc/ca.pem","server_key_file":"/etc/key.pem",)" + member +
             "}";
    };
    const Case cases[] = {
        {"", "config"},
        {with(R"("home_card_key":"04ab")"), "home_card_key"},
        {with(R"("home_card_key":")" + std::string(130, 'z') + "\""), "home_card_key"},
        {"{", "malformed JSON"},
        {"[]", "object"},
        {R"({"server_key_file":"/k.pem"})", "trust_store_ca_file"},
        {R"({"trust_store_ca_file":"/c.pem"})", "server_key_file"},
        {with(R"("listen_adress":"127.0.0.1")"), "listen_adress"},  // typo: unknown key
        {with(R"("purse":[])"), "purse"},
        {with(R"("purse":{"pending_voucher_db":"/p"})"), "purse.pending_voucher_db"},
        {with(R"("purse":{"pending_vouchers_db":""})"), "purse.pending_vouchers_db"},
        {with(R"("purse":{"reconcile_seconds":0})"), "purse.reconcile_seconds"},
        {with(R"("notices":{"from":"a@b","to":"c@d","outbox_path":"/o"})"), "notices.smtp_url"},
        {with(R"("notices":{"smtp_url":"smtp://h","to":"c@d","outbox_path":"/o"})"),
         "notices.from"},
        {with(R"("notices":{"smtp_url":"smtp://h","from":"a@b","to":"c@d","outbox_path":"/o",)"
              R"("smtp_starttls":"yes"})"),
         "notices.smtp_starttls"},
        {with(R"("notices":{"smtp_url":"smtp://h","from":"a@b","to":"c@d","outbox_path":"/o",)"
              R"("period_seconds":0})"),
         "notices.period_seconds"},
        {with(R"("notices":{"smtp_url":"smtp://h","from":"a@b","to":"c@d","outbox_path":"/o",)"
              R"("smtp_pasword_file":"/p"})"),
         "notices.smtp_pasword_file"},
        {with(R"("listen_address":"localhost")"), "listen_address"},
        {with(R"("listen_address":"300.1.1.1")"), "listen_address"},
        {with(R"("listen_address":7)"), "listen_address"},
        {with(R"("listen_port":70000)"), "listen_port"},
        {with(R"("listen_port":-1)"), "listen_port"},
        {with(R"("listen_port":"8443")"), "listen_port"},
        {with(R"("listen_port":8443.5)"), "listen_port"},
        {with(R"("max_connections":0)"), "max_connections"},
        {with(R"("home_card_reader":"")"), "home_card_reader"},
        {with(R"("home_card_aid":"F0")"), "home_card_aid"},
        {with(R"("home_card_aid":"not hex at all")"), "home_card_aid"},
        {with(R"("session_lifetime_max_seconds":0)"), "session_lifetime_max_seconds"},
        {with(R"("session_lifetime_max_seconds":100000)"), "session_lifetime_max_seconds"},
        {with(R"("admin_socket":"relative.sock")"), "admin_socket"},
        {with(R"("admin_socket":"/)" + std::string(120, 'a') + "\""), "admin_socket"},
        {with(R"("log_level":"verbose")"), "log_level"},
        {with(R"("log_level":2)"), "log_level"},
        {with(R"("user_key":"ed25519")"), "user_key"},
        {with(R"("trust_store_ca_file":"/x")"), "config"},  // duplicate key
        {with(R"("appliances":{"ca_file":"/c","cert_file":"/p"})"), "appliances.key_file"},
        {with(R"("appliances":{"ca_file":"/c","cert_file":"/p","key_file":"/k","broker_port":0})"),
         "appliances.broker_port"},
        {with(R"("appliances":{"ca_file":"/c","cert_file":"/p","key_file":"/k","confirm_ms":1})"),
         "appliances.confirm_ms"},
        {with(R"("appliances":{"ca_file":"/c","cert_file":"/p","key_file":"/k","tls":false})"),
         "appliances.tls"},
    };
    for (const Case& testCase : cases) {
      CAPTURE(testCase.json);
      auto config = parseHomeServerConfig(testCase.json);
      REQUIRE_FALSE(config.ok());
      CHECK(config.error().message.find(testCase.mentions) != std::string::npos);
    }
  }

  TEST_CASE("the appliances section (docs/appliances.md)") {
    auto none = parseHomeServerConfig(kMinimal);
    REQUIRE(none.ok());
    CHECK_FALSE(none->appliances.enabled);
    auto config = parseHomeServerConfig(
        R"({"trust_store_ca_file":"/c","server_key_file":"/k","appliances":{"broker_host":"10.0.0.2",)"
        R"("broker_port":8884,"ca_file":"/m/ca.pem","cert_file":"/m/hs.pem","key_file":"/m/hs.key",)"
        R"("confirm_ms":500,"max_appliances":50}})");
    REQUIRE(config.ok());
    CHECK(config->appliances.enabled);
    CHECK(config->appliances.brokerHost == "10.0.0.2");
    CHECK(config->appliances.brokerPort == 8884);
    CHECK(config->appliances.keyFile == "/m/hs.key");
    CHECK(config->appliances.confirmMs == 500);
    CHECK(config->appliances.maxAppliances == 50);
    CHECK(config->appliances.clientId == "home-server");
  }

  TEST_CASE("a missing file is reported with its path") {
    auto config = loadHomeServerConfig("/nonexistent/home_server.json");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().message.find("/nonexistent/home_server.json") != std::string::npos);
  }
}

}  // namespace hp::home_server

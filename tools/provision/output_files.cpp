#include "tools/provision/output_files.hpp"

#include <fcntl.h>
#include <json/json.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/provision/server_configs.hpp"

namespace hp::provision {

Result<void> writeFile(const std::string& path, ByteView content, bool secret) {
  // O_EXCL: a demo world is written once; an old key is never silently replaced.
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return makeError("cannot create " + path + ": " + std::strerror(errno));
  // The umask may have narrowed the mode; set it exactly (secrets stay 0600 either way).
  ::fchmod(fd, secret ? 0600 : 0644);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return makeError("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return makeError("cannot write " + path + ": " + std::strerror(errno));
  return {};
}

std::string homeServerJson(const WorldDescription& world) {
  Json::Value config(Json::objectValue);
  config["listen_address"] = world.homeListenAddress;
  config["listen_port"] = world.homeListenPort;
  if (!world.homeReader.empty()) config["home_card_reader"] = world.homeReader;
  // The home server sends PINs only to the card that proves it holds this key.
  if (!world.homeCardKey.empty()) config["home_card_key"] = world.homeCardKey;
  config["user_key"] = "ec";
  config["trust_store_ca_file"] = world.outDir + "/ca.pem";
  config["server_key_file"] = world.outDir + "/home_server_key.pem";
  config["session_lifetime_max_seconds"] = 300;
  config["admin_socket"] = world.outDir + "/home_server.sock";
  config["log_level"] = "info";
  // The PIN2 authority of each terminal (docs/control-channel.md, "Authority"): the defaults,
  // written out so the owner sees them.
  Json::Value authority(Json::objectValue);
  authority["idle_seconds"] = 600;
  authority["lifetime_seconds"] = 3600;
  config["authority"] = authority;
  // The world's shop and bank live on shopHost (loopback in tests and demos): the relay policy
  // refuses private addresses unless the host is named here.
  Json::Value relay(Json::objectValue);
  relay["shops"].append(world.shopHost);
  if (world.bankHost != world.shopHost) relay["shops"].append(world.bankHost);
  config["relay"] = relay;
  // Top-ups need a store that outlives the process (a voucher may be on the card before the
  // bank hears back); both databases live in the world folder, next to the keys.
  Json::Value purse(Json::objectValue);
  purse["pending_vouchers_db"] = world.outDir + "/pending_vouchers.db";
  purse["reconcile_seconds"] = world.reconcileSeconds;
  config["purse"] = purse;
  // The terminals' policies and daily counts (hp_provision writes the access card's policy).
  config["terminal_policy_db"] = world.outDir + "/terminal_policies.db";
  Json::Value notices(Json::objectValue);
  notices["smtp_url"] = world.smtpUrl;
  notices["from"] = world.mailFrom;
  notices["to"] = world.mailTo;
  notices["outbox_path"] = world.outDir + "/notices.db";
  notices["period_seconds"] = world.noticesPeriodSeconds;
  config["notices"] = notices;
  // The appliance wing (docs/appliances.md): the broker and the home server's MQTT identity.
  Json::Value appliances(Json::objectValue);
  appliances["broker_host"] = world.mqttAddress;
  appliances["broker_port"] = world.mqttPort;
  appliances["ca_file"] = world.outDir + "/mqtt/ca.pem";
  appliances["cert_file"] = world.outDir + "/mqtt/home-server.pem";
  appliances["key_file"] = world.outDir + "/mqtt/home-server.key";
  config["appliances"] = appliances;
  Json::Value pim(Json::objectValue);
  pim["radicale_port"] = world.pimPort;
  pim["users"][world.terminalId] = world.pimUser;
  config["pim"] = pim;
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "  ";
  return Json::writeString(builder, config) + "\n";
}

std::string nginxShopConf(const WorldDescription& world) {
  return "# An example shop for the homeproxy demo world (written by hp_provision).\n"
         "# Put it in an nginx http { } block. The home server authenticates with the user's\n"
         "# certificate (user.pem, issued by ca.pem); the terminal then resumes that TLS session,\n"
         "# so the shop must keep sessions (cache below) and speak TLS 1.2.\n"
         "server {\n"
         "    listen 443 ssl;\n"
         "    server_name " +
         world.shopHost +
         ";\n"
         "    ssl_certificate     " +
         world.outDir +
         "/shop.pem;\n"
         "    ssl_certificate_key " +
         world.outDir +
         "/shop.key;\n"
         "    ssl_protocols TLSv1.2;\n"
         "    ssl_client_certificate " +
         world.outDir +
         "/ca.pem;\n"
         "    ssl_verify_client on;\n"
         "    ssl_session_cache shared:homeproxy:10m;\n"
         "    ssl_session_timeout 5m;\n"
         "    ssl_session_tickets off;  # resumption by session ID from the cache above\n"
         "    location / {\n"
         "        return 200 \"hello $ssl_client_s_dn (reused: $ssl_session_reused)\\n\";\n"
         "    }\n"
         "}\n";
}

namespace {

// The defaults in force, or a note that every PIN was given as an option.
std::string pinsText(const WorldDescription& world) {
  if (world.defaultPins.empty()) {
    return "PINs: all given as options to hp_provision (not written here).\n\n";
  }
  std::string text = "PINs left at hp_provision's defaults (the others were given as options):\n";
  for (const std::string& pin : world.defaultPins) text += "  " + pin + "\n";
  return text + "\n";
}

}  // namespace

// Long on purpose (issue 11): one text, in the order README.txt reads.
// NOLINTNEXTLINE(readability-function-size)
std::string readmeText(const WorldDescription& world) {
  return "homeproxy demo world, written by hp_provision\n"
         "=============================================\n\n"
         "DEMO ONLY: PINs left at their defaults are listed below, and the CA key lies next to\n"
         "the certificates. Do not use this for real users.\n\n" +
         pinsText(world) +
         "Files\n"
         "  ca.pem                 the demo CA (P-256). Trusted by the home server for shops\n"
         "                         (trust_store_ca_file) and by the shop for clients.\n"
         "  ca.key          0600   the CA's private key (only needed to issue more certificates)\n"
         "  shop.pem, shop.key     certificate and key (0600) of the shop \"" +
         world.shopHost +
         "\", issued by ca.pem\n"
         "  shop-sign.key   0600   the shop's payment-signing key (P-256, SEC 1 PEM): signs\n"
         "                         receipts and cancellations; its public point is in the home\n"
         "                         card's shop registry (02) under \"" +
         world.shopHost +
         "\"\n"
         "  bank.pem, bank.key     certificate and key (0600) of the bank's HTTPS server \"" +
         world.bankHost +
         "\",\n"
         "                         issued by ca.pem\n"
         "  bank-sign.key   0600   the bank's voucher-signing key (P-256, SEC 1 PEM); its public\n"
         "                         point is in the home card's bank registry (03) under \"" +
         world.bankId +
         "\"\n"
         "  user.pem               the user's certificate, issued by ca.pem for the EC key the\n"
         "                         home card generated (also stored on the card, DF 21)\n"
         "  home_server_key.pem 0600  the home server's channel key (P-256); its public half\n"
         "                         is on the access card (DF 31)\n"
         "  home_server.json       configuration for `home_server --config`, with the purse\n"
         "                         (unfinished top-ups in pending_vouchers.db) and payment\n"
         "                         notices (outbox notices.db, mailed to " +
         world.mailTo +
         " through\n"
         "                         " +
         world.smtpUrl +
         ")\n"
         "  mqtt/                  the appliance broker (docs/appliances.md): mosquitto.conf (TLS\n"
         "                         only, client certificates, listener " +
         world.mqttAddress + ":" + std::to_string(world.mqttPort) +
         ")\n"
         "                         and mosquitto.acl, certificates and keys (0600) of the\n"
         "                         broker, the home server and each appliance, issued by ca.pem\n"
         "  shop.json              configuration for `shop_server --config` (orders in shop.db)\n"
         "  bank.json              configuration for `bank_server --config` (accounts in bank.db)\n"
         "  nginx-shop.conf        an nginx server block acting as a shop\n"
         "  terminal.txt           the terminal ID and public key registered on the home card\n\n"
         "The cards\n"
         "  home card: PIN1, PIN2, PUK set; EC key generated on the card; user.pem stored;\n"
         "    terminal \"" +
         world.terminalId +
         "\" registered in its terminal registry.\n"
         "    purse " +
         world.purseId + ": " + world.currency + ", maximum balance " +
         std::to_string(world.maxBalance) + " minor units, balance 0; shop \"" + world.shopHost +
         "\"\n"
         "    (registry 02) and bank \"" +
         world.bankId +
         "\" (registry 03) registered for payments, cancellations and\n"
         "    top-ups (docs/emoney.md).\n"
         "  access card: PIN, PUK, terminal key generated on the card, terminal ID, home server\n"
         "    key and address " +
         world.homeListenAddress + ":" + std::to_string(world.homeListenPort) +
         ", profile; activated.\n\n"
         "Running\n"
         "  home_server --config " +
         world.outDir +
         "/home_server.json\n"
         "  (PIN1 at the console, or: home_server --admin " +
         world.outDir +
         "/home_server.sock pin1)\n"
         "  terminal unlock; terminal pin2; terminal get https://" +
         world.shopHost +
         ":PORT/\n\n"
         "E-money (docs/emoney.md; the servers print `listening ADDR:PORT` first)\n"
         "  bank_server --config " +
         world.outDir + "/bank.json --open-account " + world.bankAccount + " \\\n" +
         "      --owner-cert " + world.outDir + "/user.pem --balance " +
         std::to_string(world.bankOpeningBalance) + " --currency " + world.currency +
         "\n"
         "      (once: the user's account, owned by the key of user.pem, i.e. the home card)\n"
         "  bank_server --config " +
         world.outDir +
         "/bank.json\n"
         "  shop_server --config " +
         world.outDir +
         "/shop.json\n"
         "  a mail server on " +
         world.smtpUrl +
         " for the notices, e.g. one that prints every mail:\n"
         "    python3 -m aiosmtpd -n -c aiosmtpd.handlers.Debugging stdout -l " +
         world.smtpUrl.substr(world.smtpUrl.find("://") + 3) +
         "\n"
         "  home_server as above; then, after terminal unlock and terminal pin2:\n"
         "  terminal topup " +
         bankUrl(world) + " " + world.bankAccount +
         " 50.00\n"
         "  terminal buy " +
         shopUrl(world) +
         "/ tea 2\n"
         "  terminal balance; terminal history\n"
         "  terminal cancel " +
         shopUrl(world) +
         "/ ORDER_REF   (the order reference buy printed)\n\n"
         "Any TLS server as a shop\n"
         "  It must: present shop.pem/shop.key (or any chain leading to ca.pem), request and\n"
         "  verify a client certificate against ca.pem, speak TLS 1.2 and allow session\n"
         "  resumption (a session cache, or tickets). For example:\n"
         "    openssl s_server -accept 4433 -cert shop.pem -key shop.key -CAfile ca.pem \\\n"
         "      -Verify 1 -tls1_2 -no_ticket -www\n"
         "  or nginx with nginx-shop.conf. The certificate names the host in its CN (no\n"
         "  subjectAltName: mbedTLS 2.28 has no writer for it), and is signed by the CA\n"
         "  directly; an RSA-2048 intermediate is not made.\n";
}

}  // namespace hp::provision

// hp_enroll_terminal: one more terminal for an existing world (docs/pim.md: two terminals of one
// person, each with its own access card). hp_provision makes a world with one home card and one
// access card; this personalizes a further FRESH access card for the same home server (its
// pinned key from the world's home_server_key.pem, its address), writes terminal-ID.txt with the
// terminal's public key, optionally names its PIM user in home_server.json (pim.users), and
// prints the admin command that registers it on the running home server's home card.
//
//   hp_enroll_terminal --world DIR --terminal-id ID --home-address IPV4:PORT
//       [--access-reader NAME] [--access-pin P] [--access-puk P] [--profile phone|laptop|till]
//       [--pim-user NAME]
#include <json/json.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "host/pcsc_bridge/card_finder.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"
#include "tools/provision/card_personalization.hpp"
#include "tools/provision/output_files.hpp"
#include "tools/provision/provision_options.hpp"

namespace hp::provision {

namespace {

constexpr const char* kUsageText =
    "usage: hp_enroll_terminal --world DIR --terminal-id ID --home-address IPV4:PORT\n"
    "         [--access-reader NAME] [--access-pin P] [--access-puk P]\n"
    "         [--profile phone|laptop|till] [--pim-user NAME]\n"
    "Personalizes a FRESH access card for the world's home server (DEMO defaults: PIN 4321,\n"
    "PUK 87654321), writes DIR/terminal-ID.txt, adds ID -> NAME to home_server.json pim.users\n"
    "(restart the home server to apply), and prints the command registering the terminal.\n";

// The home server's public point from its PEM private key.
Result<Bytes> serverPoint(const std::string& pemPath) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  Bytes point(65);
  size_t length = 0;
  const bool ok = mbedtls_pk_parse_keyfile(&pk, pemPath.c_str(), nullptr) == 0 &&
                  mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
                  mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(pk)->grp, &mbedtls_pk_ec(pk)->Q,
                                                 MBEDTLS_ECP_PF_UNCOMPRESSED, &length, point.data(),
                                                 point.size()) == 0 &&
                  length == 65;
  mbedtls_pk_free(&pk);
  if (!ok) return makeError("cannot read the home server's key " + pemPath);
  return point;
}

Result<void> addPimUser(const std::string& configPath, const std::string& terminalId,
                        const std::string& user) {
  std::ifstream in(configPath);
  Json::Value config;
  Json::CharReaderBuilder reader;
  std::string errors;
  if (!in || !Json::parseFromStream(reader, in, &config, &errors) || !config.isObject()) {
    return makeError("cannot read " + configPath);
  }
  config["pim"]["users"][terminalId] = user;
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "  ";
  std::ofstream out(configPath, std::ios::trunc);
  out << Json::writeString(writer, config) << "\n";
  if (!out) return makeError("cannot write " + configPath);
  return {};
}

Result<std::string> enroll(std::map<std::string, std::string>& options) {
  const std::string world = options["--world"];
  const std::string id = options["--terminal-id"];
  if (world.empty() || id.empty() || options["--home-address"].empty()) {
    return makeError("--world, --terminal-id and --home-address are required");
  }
  auto point = serverPoint(world + "/home_server_key.pem");
  if (!point) return point.error();
  auto context = pcsc_bridge::PcscContext::establish();
  if (!context) return context.error();
  std::string reader = options["--access-reader"];
  if (reader.empty()) {
    auto found = pcsc_bridge::findReaderWithAid(*context, card_adapters::kAccessCardAid);
    if (!found) return makeError("access card: " + found.error().message);
    reader = *found;
  }
  auto transport = context->connect(reader);
  if (!transport) return transport.error();
  card_adapters::AccessCardClient access(**transport);
  AccessCardSettings settings{
      options["--access-pin"],   options["--access-puk"],           id, *point,
      options["--home-address"], profileNamed(options["--profile"])};
  auto terminalPoint = personalizeAccessCard(access, settings);
  if (!terminalPoint) return makeError("access card: " + terminalPoint.error().message);
  const std::string text = "terminal_id " + id + "\npublic_key " + toHex(*terminalPoint) + "\n";
  if (auto written =
          writeFile(world + "/terminal-" + id + ".txt",
                    ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()), false);
      !written) {
    return written.error();
  }
  if (!options["--pim-user"].empty()) {
    if (auto added = addPimUser(world + "/home_server.json", id, options["--pim-user"]); !added) {
      return added.error();
    }
  }
  return "access card in \"" + reader + "\": personalized as terminal \"" + id +
         "\"\nregister it: home_server --admin " + world + "/home_server.sock register-terminal " +
         id + " " + toHex(*terminalPoint) + "\n";
}

}  // namespace

}  // namespace hp::provision

int main(int argc, char** argv) {
  std::map<std::string, std::string> options{{"--world", ""},          {"--terminal-id", ""},
                                             {"--home-address", ""},   {"--access-reader", ""},
                                             {"--access-pin", "4321"}, {"--access-puk", "87654321"},
                                             {"--profile", "laptop"},  {"--pim-user", ""}};
  for (int i = 1; i < argc; i += 2) {
    const auto found = options.find(argv[i]);
    if (found == options.end() || i + 1 >= argc) {
      std::fprintf(stderr, "hp_enroll_terminal: bad argument %s\n%s", argv[i],
                   hp::provision::kUsageText);
      return 2;
    }
    found->second = argv[i + 1];
  }
  try {
    auto done = hp::provision::enroll(options);
    if (!done) {
      std::fprintf(stderr, "hp_enroll_terminal: %s\n", done.error().message.c_str());
      return 1;
    }
    std::fputs(done->c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hp_enroll_terminal: %s\n", e.what());
    return 1;
  }
}

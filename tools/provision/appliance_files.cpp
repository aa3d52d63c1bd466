#include "tools/provision/appliance_files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <set>

#include "tools/provision/output_files.hpp"

namespace hp::provision {

namespace {

bool validName(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return name != "home-server" && name != "broker";
}

bool validComponent(const std::string& component) {
  static const std::set<std::string> kComponents{"switch", "light", "lock", "climate", "sensor"};
  return kComponents.count(component) != 0;
}

ByteView viewOf(const std::string& text) {
  return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

Result<std::vector<ApplianceSpec>> parseApplianceList(const std::string& text) {
  std::vector<ApplianceSpec> list;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const size_t colon = item.find(':');
    if (colon == std::string::npos) return makeError("--appliances: NAME:COMPONENT, ...");
    ApplianceSpec spec{item.substr(0, colon), item.substr(colon + 1)};
    if (!validName(spec.name)) return makeError("--appliances: bad name \"" + spec.name + "\"");
    if (!validComponent(spec.component)) {
      return makeError("--appliances: " + spec.name +
                       ": component is switch, light, lock, "
                       "climate or sensor");
    }
    if (!seen.insert(spec.name).second) return makeError("--appliances: " + spec.name + " twice");
    list.push_back(spec);
    start = comma + 1;
  }
  if (list.size() > 1000) return makeError("--appliances: at most 1000");
  return list;
}

std::string discoveryTopic(const ApplianceSpec& appliance) {
  return "homeassistant/" + appliance.component + "/" + appliance.name + "/config";
}

std::string applianceTopicRoot(const std::string& name) {
  return "hp/" + name;
}

std::string mosquittoConf(const ApplianceWorld& world) {
  const std::string dir = world.outDir + "/mqtt";
  return "# The home's appliance broker (written by hp_provision; docs/appliances.md).\n"
         "# TLS only: every client shows a certificate from the home CA, and its CN is its\n"
         "# user name, which the ACL below binds to its own topics.\n"
         "per_listener_settings false\n"
         "allow_anonymous false\n"
         "persistence false\n"
         "# Commands and state echoes are small packets: send them at once (no Nagle delay).\n"
         "set_tcp_nodelay true\n"
         "log_dest stderr\n"
         "log_type error\n"
         "log_type warning\n"
         "log_type notice\n"
         "listener " +
         std::to_string(world.brokerPort) + " " + world.brokerAddress +
         "\n"
         "protocol mqtt\n"
         "cafile " +
         dir + "/ca.pem\ncertfile " + dir + "/broker.pem\nkeyfile " + dir +
         "/broker.key\n"
         "tls_version tlsv1.2\n"
         "require_certificate true\n"
         "use_identity_as_username true\n"
         "acl_file " +
         dir + "/mosquitto.acl\n";
}

std::string mosquittoAcl(const ApplianceWorld& world) {
  std::string text =
      "# Who may publish and subscribe where (written by hp_provision; docs/appliances.md).\n"
      "# The home server reads every appliance's announcements, state and availability and\n"
      "# commands every appliance.\n"
      "user home-server\n"
      "topic read homeassistant/#\n"
      "topic readwrite hp/#\n\n";
  for (const ApplianceSpec& appliance : world.appliances) {
    const std::string root = applianceTopicRoot(appliance.name);
    // Its announcement, its states and availability (the last will too); its commands it only
    // reads. hp/NAME/+/... are a climate's temperature and mode topics.
    text += "user " + appliance.name + "\ntopic write " + discoveryTopic(appliance) +
            "\ntopic write " + root + "/state\ntopic write " + root + "/+/state\ntopic write " +
            root + "/availability\ntopic read " + root + "/set\ntopic read " + root + "/+/set\n\n";
  }
  return text;
}

Result<size_t> writeApplianceFiles(const ApplianceWorld& world, const std::string& caPem,
                                   const std::string& caName, PkKey& caKey, Drbg& drbg) {
  const std::string dir = world.outDir + "/mqtt";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return makeError("cannot create " + dir);
  size_t written = 0;
  auto put = [&](const std::string& name, ByteView content, bool secret) -> Result<void> {
    auto done = writeFile(dir + "/" + name, content, secret);
    if (done) ++written;
    return done;
  };
  if (auto done = put("ca.pem", viewOf(caPem), false); !done) return done.error();
  std::vector<std::pair<std::string, std::string>> identities{
      {"broker", "CN=" + world.brokerAddress + ",O=homeproxy appliance broker"},
      {"home-server", "CN=home-server,O=homeproxy"}};
  for (const ApplianceSpec& appliance : world.appliances) {
    identities.emplace_back(appliance.name, "CN=" + appliance.name + ",O=homeproxy appliance");
  }
  unsigned serial = 100;
  for (const auto& [file, subject] : identities) {
    auto key = PkKey::generateP256(drbg);
    if (!key) return key.error();
    CertificateRequest request{subject, caName, false, serial++};
    auto cert = issueCertificate(request, **key, caKey, drbg);
    if (!cert) return cert.error();
    auto pem = (*key)->privatePem();
    if (!pem) return pem.error();
    if (auto done = put(file + ".pem", viewOf(cert->pem), false); !done) return done.error();
    if (auto done = put(file + ".key", pem->view(), true); !done) return done.error();
  }
  const std::string conf = mosquittoConf(world);
  const std::string acl = mosquittoAcl(world);
  if (auto done = put("mosquitto.conf", viewOf(conf), false); !done) return done.error();
  if (auto done = put("mosquitto.acl", viewOf(acl), false); !done) return done.error();
  return written;
}

}  // namespace hp::provision

// bank_server: the e-money bank (docs/emoney.md, "Bank server"). See README.md.
//
//   bank_server --config bank.json
//   bank_server --db bank.db --open-account alice --owner-cert user.pem --balance 10000
//               --currency EUR
//   bank_server --db bank.db --balances
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bank_api.hpp"
#include "bank_config.hpp"
#include "bank_store.hpp"
#include "peer_identity.hpp"
#include "server_lifetime.hpp"
#include "signing_key.hpp"
#include "sqlite_db.hpp"
#include "tls_listener.hpp"

namespace {

using namespace hp;

int64_t unixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int fail(const std::string& message, int status = 1) {
  std::fprintf(stderr, "bank_server: %s\n", message.c_str());
  return status;
}

int openAccount(bank::BankStore& store, const bank::OpenAccountCommand& command) {
  auto owner = merchant::describeCertificateFile(command.ownerCert);
  if (!owner) return fail(owner.error().message);
  bank::Account account{command.id, owner->keyFingerprint, command.currency, command.balance, 0};
  auto opened = store.openAccount(account, unixMillis());
  if (!opened) return fail(opened.error().message);
  if (!*opened) return fail("account " + command.id + " exists already");
  std::printf("opened account %s: %llu %s, owner %s (%s key %s)\n", command.id.c_str(),
              static_cast<unsigned long long>(command.balance), command.currency.c_str(),
              owner->subject.c_str(), owner->keyDescription.c_str(), owner->keyFingerprint.c_str());
  return 0;
}

int printBalances(bank::BankStore& store) {
  auto accounts = store.accounts();
  if (!accounts) return fail(accounts.error().message);
  std::printf("%-20s %-8s %15s %15s  %s\n", "account", "currency", "balance", "pending",
              "owner key (SHA-256)");
  for (const bank::Account& a : *accounts) {
    std::printf("%-20s %-8s %15llu %15llu  %s\n", a.id.c_str(), a.currency.c_str(),
                static_cast<unsigned long long>(a.balance),
                static_cast<unsigned long long>(a.pending), a.owner.c_str());
  }
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fprintf(stderr, "%s%s", bank::kBankUsage, merchant::kServerFlagsUsage);
    return args.empty() ? 2 : 0;
  }
  auto config = bank::parseBankArguments(args);
  if (!config) return fail(config.error().message + "\n" + bank::kBankUsage, 2);
  auto db = sqlite::Database::open(config->server.dbPath);
  if (!db) return fail(db.error().message);
  auto store = bank::BankStore::open(**db);
  if (!store) return fail(store.error().message);
  if (config->openAccount) return openAccount(**store, *config->openAccount);
  if (config->printBalances) return printBalances(**store);

  auto signingKey = merchant::SigningKey::loadPem(config->server.signingKeyFile);
  if (!signingKey) return fail(signingKey.error().message);
  auto rng = card::makeSystemRng();
  if (!rng) return fail(rng.error().message);
  const sigset_t signals = merchant::blockStopSignals();
  const merchant::LogSink log = merchant::stderrLog("bank_server");
  bank::BankParts parts;
  parts.bankId = config->bankId;
  parts.store = store->get();
  parts.signingKey = signingKey->get();
  parts.rng = rng->get();
  parts.nowMs = unixMillis;
  parts.log = log;
  bank::BankApi api(std::move(parts));
  auto listener = merchant::TlsListener::create(
      config->server.tls,
      [&api](const merchant::HttpRequest& request, const merchant::PeerIdentity& peer) {
        return api.handle(request, peer);
      },
      log);
  if (!listener) return fail(listener.error().message);
  if (auto started = (*listener)->start(); !started) return fail(started.error().message);
  // The first line on stdout: tests and scripts read the port the kernel chose from it.
  std::printf("listening %s:%u\n", config->server.tls.address.c_str(), (*listener)->port());
  std::fflush(stdout);
  log("bank " + config->bankId + " on " + config->server.tls.address + ":" +
      std::to_string((*listener)->port()) + ", session cache " +
      (config->server.tls.sessionCache ? "on" : "off") + ", tickets " +
      (config->server.tls.tickets ? "on" : "off"));
  const std::string reason = merchant::waitForStop(signals, config->server.exitWithStdin);
  log("stopping: " + reason);
  (*listener)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing below is expected to throw; an allocation failure still ends with a message.
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& exception) {
    return fail(std::string("fatal: ") + exception.what());
  }
}

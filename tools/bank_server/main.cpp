// bank_server: the e-money bank (docs/emoney.md, "Bank server"). See README.md.
//
//   bank_server --config bank.json
//   bank_server --db bank.db --open-account alice --owner-cert user.pem --balance 10000
//               --currency EUR
//   bank_server --db bank.db --balances
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "host/sqlite/sqlite_db.hpp"
#include "tools/bank_server/bank_api.hpp"
#include "tools/bank_server/bank_config.hpp"
#include "tools/bank_server/bank_store.hpp"
#include "tools/merchant/peer_identity.hpp"
#include "tools/merchant/server_main.hpp"
#include "tools/merchant/signing_key.hpp"

namespace {

using namespace hp;

constexpr const char* kProgram = "bank_server";

int fail(const std::string& message, int status = 1) {
  return merchant::reportFailure(kProgram, message, status);
}

int openAccount(bank_server::BankStore& store, const bank_server::OpenAccountCommand& command) {
  auto owner = merchant::describeCertificateFile(command.ownerCert);
  if (!owner) return fail(owner.error().message);
  bank_server::Account account{command.id, owner->keyFingerprint, command.currency, command.balance,
                               0};
  auto opened = store.openAccount(account, merchant::unixMillis());
  if (!opened) return fail(opened.error().message);
  if (!*opened) return fail("account " + command.id + " exists already");
  std::printf("opened account %s: %llu %s, owner %s (%s key %s)\n", command.id.c_str(),
              static_cast<unsigned long long>(command.balance), command.currency.c_str(),
              owner->subject.c_str(), owner->keyDescription.c_str(), owner->keyFingerprint.c_str());
  return 0;
}

int printBalances(bank_server::BankStore& store) {
  auto accounts = store.accounts();
  if (!accounts) return fail(accounts.error().message);
  std::printf("%-20s %-8s %15s %15s  %s\n", "account", "currency", "balance", "pending",
              "owner key (SHA-256)");
  for (const bank_server::Account& a : *accounts) {
    std::printf("%-20s %-8s %15llu %15llu  %s\n", a.id.c_str(), a.currency.c_str(),
                static_cast<unsigned long long>(a.balance),
                static_cast<unsigned long long>(a.pending), a.owner.c_str());
  }
  return 0;
}

int run(const std::vector<std::string>& args) {
  auto config = bank_server::parseBankArguments(args);
  if (!config) return fail(config.error().message + "\n" + bank_server::kBankUsage, 2);
  auto db = sqlite::Database::open(config->server.dbPath);
  if (!db) return fail(db.error().message);
  auto store = bank_server::BankStore::open(**db);
  if (!store) return fail(store.error().message);
  if (config->openAccount) return openAccount(**store, *config->openAccount);
  if (config->printBalances) return printBalances(**store);

  auto signingKey = merchant::SigningKey::loadPem(config->server.signingKeyFile);
  if (!signingKey) return fail(signingKey.error().message);
  auto rng = base::makeSystemRng();
  if (!rng) return fail(rng.error().message);
  return merchant::serveUntilStopped(
      kProgram, "bank " + config->bankId, config->server, [&](const merchant::LogSink& log) {
        bank_server::BankParts parts;
        parts.bankId = config->bankId;
        parts.store = store->get();
        parts.signingKey = signingKey->get();
        parts.rng = rng->get();
        parts.nowMs = merchant::unixMillis;
        parts.voucherExpiryMs = static_cast<int64_t>(config->voucherExpirySeconds) * 1000;
        parts.log = log;
        auto api = std::make_shared<bank_server::BankApi>(std::move(parts));
        return [api](const merchant::HttpRequest& request, const merchant::PeerIdentity& peer) {
          return api->handle(request, peer);
        };
      });
}

}  // namespace

int main(int argc, char** argv) {
  return merchant::runMain(kProgram, bank_server::kBankUsage, argc, argv, run);
}

// The bank server as a process: accounts opened by the admin command for test certificates,
// top-up vouchers, confirmation by card-signed credit records, every refusal, and the ledger
// after kill -9 (each voucher charged exactly once).
#include <doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tests/merchant/merchant_fixture.hpp"
#include "tests/merchant/server_process.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace hp::merchant::test {

namespace {

namespace purse = protocol::purse;

const char* kBankId = "testbank";

void openAccount(const std::string& db, const std::string& id, const std::string& cert,
                 uint64_t balance, const std::string& currency = "EUR") {
  std::string output;
  const int status = runToCompletion("BANK_SERVER",
                                     {"--db", db, "--open-account", id, "--owner-cert", cert,
                                      "--balance", std::to_string(balance), "--currency", currency},
                                     output);
  INFO(output);
  REQUIRE(status == 0);
  CHECK(output.find("opened account " + id) != std::string::npos);
}

// Accounts: alice (the EC user) 10000 EUR, bob (the other EC user) 500 EUR, rsa 1000 EUR.
struct BankWorld {
  explicit BankWorld(std::vector<std::string> extra = {}) {
    const auto& pki = hp::tls_proxy::test::testPki();
    openAccount(db(), "alice", pki.userEcCert, 10000);
    openAccount(db(), "bob", merchantFiles().otherEcCert, 500);
    openAccount(db(), "rsa", pki.userRsaCert, 1000);
    std::vector<std::string> args{"--cert",
                                  pki.shopCert,
                                  "--key",
                                  pki.shopKey,
                                  "--ca",
                                  pki.caCert,
                                  "--signing-key",
                                  merchantFiles().bankSigningKey,
                                  "--db",
                                  db(),
                                  "--bank-id",
                                  kBankId,
                                  "--exit-with-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    process = std::make_unique<ServerProcess>("BANK_SERVER", args);
  }
  std::string db() const { return dir.file("bank.db"); }
  uint16_t port() const { return process->port(); }
  TempDir dir;
  std::unique_ptr<ServerProcess> process;
};

Json::Value topUpBody(const std::string& requestId, const SoftwarePurse& purse, uint32_t creditSeq,
                      uint64_t amount, const std::string& account = "alice",
                      const std::string& currency = "EUR") {
  Json::Value body;
  body["request_id"] = requestId;
  body["account"] = account;
  body["purse_id"] = toHex(purse.purseId);
  body["credit_seq"] = creditSeq;
  body["currency"] = currency;
  body["amount"] = Json::UInt64(amount);
  return body;
}

purse::Voucher checkedVoucher(const HttpResult& answer) {
  INFO(answer.body);
  REQUIRE(answer.status == 201);
  const auto parts = purse::splitSigned(unbase64(answer.json["voucher"].asString()));
  REQUIRE(parts.has_value());
  REQUIRE(purse::verifySigned(publicPointOfKeyFile(merchantFiles().bankSigningKey),
                              purse::kVoucherLabel, *parts));
  const auto voucher = purse::decodeVoucher(parts->body);
  REQUIRE(voucher.has_value());
  CHECK(answer.json["voucher_id"].asString() == toHex(voucher->voucherId));
  return *voucher;
}

Json::Value recordBody(ByteView record) {
  Json::Value body;
  body["record"] = base64(record);
  return body;
}

// The card's credit record for a voucher, as CREDIT answers it.
Bytes creditRecordFor(SoftwarePurse& purse, const purse::Voucher& voucher, uint32_t txn = 1) {
  return purse.sign(purse.credit(kBankId, voucher.voucherId, voucher.creditSeq, voucher.currency,
                                 voucher.amount, txn));
}

std::pair<uint64_t, uint64_t> balanceAndPending(TestClient& client, const std::string& account) {
  const HttpResult answer = client.request("GET", "/accounts/" + account);
  INFO(answer.body);
  REQUIRE(answer.status == 200);
  return {answer.json["balance"].asUInt64(), answer.json["pending"].asUInt64()};
}

}  // namespace

TEST_SUITE("bank") {
  TEST_CASE("an unconfirmed voucher expires: its slot is reissued, the card's pick settles") {
    BankWorld bank({"--voucher-expiry-seconds", "1"});
    auto client = connected(ecUser(bank.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const HttpResult first = client->post("/topups", topUpBody("req-1", purse, 1, 2500));
    const purse::Voucher old = checkedVoucher(first);
    // Before the expiry the slot is taken, and says when it frees.
    const HttpResult early = client->post("/topups", topUpBody("req-2", purse, 1, 700));
    CHECK(early.status == 409);
    CHECK(early.errorCode() == "slot_taken");
    CHECK(early.body.find("expires") != std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    // After it (the home server lost its pending voucher): a new voucher for the same slot, the
    // old one void, only the new amount pending.
    const HttpResult again = client->post("/topups", topUpBody("req-3", purse, 1, 700));
    const purse::Voucher fresh = checkedVoucher(again);
    CHECK(fresh.creditSeq == 1);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(10000, 700));
    // The card took the old one after all (one voucher per credit_seq): it settles, charged
    // once, and the new one becomes void.
    const HttpResult settledOld =
        client->post("/topups/" + first.json["voucher_id"].asString() + "/confirm",
                     recordBody(creditRecordFor(purse, old)));
    INFO(settledOld.body);
    CHECK(settledOld.status == 200);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(7500, 0));
    const HttpResult settledNew =
        client->post("/topups/" + again.json["voucher_id"].asString() + "/confirm",
                     recordBody(creditRecordFor(purse, fresh)));
    CHECK(settledNew.status == 409);
    CHECK(settledNew.errorCode() == "voucher_void");
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(7500, 0));
  }

  TEST_CASE("top-up: voucher, pending, confirmation settles and charges once") {
    BankWorld bank;
    auto client = connected(ecUser(bank.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(10000, 0));

    const Json::Value request = topUpBody("req-1", purse, 1, 2500);
    const HttpResult issued = client->post("/topups", request);
    const purse::Voucher voucher = checkedVoucher(issued);
    CHECK(voucher.bankId == bytesOf(kBankId));
    CHECK(voucher.purseId == purse.purseId);
    CHECK(voucher.creditSeq == 1);
    CHECK(voucher.currency == "EUR");
    CHECK(voucher.amount == 2500);
    // Charged only at settlement; meanwhile the amount is pending.
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(10000, 2500));
    // The same request again (its answer lost): the same voucher, nothing more pending.
    const HttpResult retried = client->post("/topups", request);
    CHECK(retried.status == 201);
    CHECK(retried.json["voucher"] == issued.json["voucher"]);
    CHECK(balanceAndPending(*client, "alice").second == 2500);

    const std::string confirm = "/topups/" + issued.json["voucher_id"].asString() + "/confirm";
    const Bytes record = creditRecordFor(purse, voucher, 7);
    const HttpResult settled = client->post(confirm, recordBody(record));
    INFO(settled.body);
    REQUIRE(settled.status == 200);
    CHECK(settled.json["status"] == "settled");
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(7500, 0));
    // Confirming again (the answer was lost, or the home server re-presents): no second charge.
    CHECK(client->post(confirm, recordBody(record)).status == 200);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(7500, 0));
    // Lower-case voucher IDs name the same voucher.
    std::string lower = issued.json["voucher_id"].asString();
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(client->post("/topups/" + lower + "/confirm", recordBody(record)).status == 200);
    CHECK(balanceAndPending(*client, "alice").first == 7500);
    // After settlement, the request_id still answers its voucher; the slot is used.
    CHECK(client->post("/topups", request).json["voucher"] == issued.json["voucher"]);
    const HttpResult sameSlot = client->post("/topups", topUpBody("req-2", purse, 1, 100));
    CHECK(sameSlot.status == 409);
    CHECK(sameSlot.errorCode() == "slot_taken");

    std::string output;
    CHECK(runToCompletion("BANK_SERVER", {"--db", bank.db(), "--balances"}, output) == 0);
    CHECK(output.find("alice") != std::string::npos);
    CHECK(output.find("7500") != std::string::npos);
  }

  TEST_CASE("top-up refusals: funds, conflicts, slots, ownership, currency, malformed") {
    BankWorld bank;
    auto client = connected(ecUser(bank.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    auto expect = [&](const Json::Value& body, int status, const std::string& code) {
      const HttpResult answer = client->post("/topups", body);
      INFO(answer.body);
      CHECK(answer.status == status);
      CHECK(answer.errorCode() == code);
    };
    expect(topUpBody("big", purse, 1, 10001), 402, "insufficient_funds");
    checkedVoucher(client->post("/topups", topUpBody("a", purse, 1, 6000)));
    // Pending vouchers count: 10000 - 6000 leaves 4000.
    expect(topUpBody("b", purse, 2, 4001), 402, "insufficient_funds");
    // The same request_id with another body.
    expect(topUpBody("a", purse, 1, 5999), 409, "request_id_conflict");
    // A second voucher for the outstanding slot (purse, credit_seq 1).
    expect(topUpBody("c", purse, 1, 10), 409, "slot_taken");
    // Someone else's account looks missing.
    expect(topUpBody("d", purse, 2, 10, "bob"), 404, "no_such_account");
    expect(topUpBody("e", purse, 2, 10, "nobody"), 404, "no_such_account");
    expect(topUpBody("f", purse, 2, 10, "alice", "USD"), 422, "wrong_currency");
    Json::Value bad = topUpBody("g", purse, 2, 10);
    bad["purse_id"] = "12345";
    expect(bad, 400, "bad_request");
    bad = topUpBody("g", purse, 0, 10);
    expect(bad, 400, "bad_request");
    bad = topUpBody("g", purse, 2, 0);
    expect(bad, 400, "bad_request");
    bad = topUpBody("g", purse, 2, 10);
    bad["amount"] = "10";
    expect(bad, 400, "bad_request");
    bad = topUpBody("g", purse, 2, 10);
    bad["amount"] = -5;
    expect(bad, 400, "bad_request");
    bad.removeMember("request_id");
    expect(bad, 400, "bad_request");
    CHECK(client->request("POST", "/topups", "not json").status == 400);
    // bob cannot see alice's account; alice is unchanged by all of the above.
    auto bob = connected(otherEcUser(bank.port()));
    CHECK(bob->request("GET", "/accounts/alice").status == 404);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(10000, 6000));
    // And the 4000 still available can be used.
    checkedVoucher(client->post("/topups", topUpBody("h", purse, 2, 4000)));
  }

  TEST_CASE("confirmation refusals: forged, altered or foreign records charge nothing") {
    BankWorld bank;
    auto client = connected(ecUser(bank.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const HttpResult issued = client->post("/topups", topUpBody("r", purse, 3, 1000));
    const purse::Voucher voucher = checkedVoucher(issued);
    const std::string confirm = "/topups/" + issued.json["voucher_id"].asString() + "/confirm";
    auto expect = [&](TestClient& who, const Bytes& record, int status, const std::string& code) {
      const HttpResult answer = who.post(confirm, recordBody(record));
      INFO(answer.body);
      CHECK(answer.status == status);
      CHECK(answer.errorCode() == code);
    };
    auto record = [&] {
      return purse.credit(kBankId, voucher.voucherId, voucher.creditSeq, "EUR", 1000);
    };

    SoftwarePurse forger(merchantFiles().otherEcKey);
    forger.purseId = purse.purseId;
    expect(*client, forger.sign(record()), 422, "bad_signature");
    auto altered = record();
    altered.entry.amount = 999;
    expect(*client, purse.sign(altered), 422, "wrong_amount");
    altered = record();
    altered.entry.currency = "USD";
    expect(*client, purse.sign(altered), 422, "wrong_amount");
    altered = record();
    altered.entry.relatedTxn = 4;
    expect(*client, purse.sign(altered), 422, "wrong_credit_seq");
    altered = record();
    altered.entry.reference[0] ^= 1;
    expect(*client, purse.sign(altered), 422, "wrong_voucher");
    altered = record();
    altered.purseId[0] ^= 1;
    expect(*client, purse.sign(altered), 422, "wrong_purse");
    altered = record();
    altered.entry.party = bytesOf("otherbank");
    expect(*client, purse.sign(altered), 422, "wrong_bank");
    altered = record();
    altered.entry.kind = purse::EntryKind::kDebit;
    expect(*client, purse.sign(altered), 422, "not_a_credit");
    // Signed, then one byte of the body changed (balance_after): the signature breaks.
    Bytes tampered = purse.sign(record());
    tampered[40] ^= 0x01;
    expect(*client, tampered, 422, "bad_signature");
    expect(*client, Bytes{1, 2, 3}, 400, "malformed_record");
    // Another client cannot confirm alice's voucher, even with her valid record.
    auto bob = connected(otherEcUser(bank.port()));
    expect(*bob, purse.sign(record()), 404, "no_such_voucher");
    CHECK(client
              ->post("/topups/00112233445566778899AABBCCDDEEFF/confirm",
                     recordBody(purse.sign(record())))
              .status == 404);
    CHECK(client->post("/topups/zz/confirm", recordBody(purse.sign(record()))).status == 404);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(10000, 1000));
    // The genuine record still settles it.
    CHECK(client->post(confirm, recordBody(purse.sign(record()))).status == 200);
    CHECK(balanceAndPending(*client, "alice") == std::make_pair<uint64_t, uint64_t>(9000, 0));
  }

  TEST_CASE("an RSA owner gets vouchers but cannot confirm: the card signs with EC") {
    BankWorld bank;
    auto rsa = connected(rsaUser(bank.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey, 0x22);
    const HttpResult issued = rsa->post("/topups", topUpBody("x", purse, 1, 100, "rsa"));
    const purse::Voucher voucher = checkedVoucher(issued);
    const HttpResult answer =
        rsa->post("/topups/" + issued.json["voucher_id"].asString() + "/confirm",
                  recordBody(creditRecordFor(purse, voucher)));
    CHECK(answer.status == 403);
    CHECK(answer.errorCode() == "client_key_not_ec");
  }

  TEST_CASE("kill -9 while issuing and confirming: every voucher charged exactly once") {
    BankWorld bank;
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    struct Seen {
      std::string voucher;  // base64 signed voucher the client received
      bool confirmed = false;
    };
    std::map<uint32_t, Seen> seen;  // by credit_seq
    std::mutex seenMutex;
    std::atomic<int> answered{0};
    std::thread worker([&] {
      for (uint32_t seq = 1; seq <= 20; ++seq) {
        auto client = TestClient::connect(ecUser(bank.port()));
        if (!client) return;
        const std::string body = toJson(topUpBody("k" + std::to_string(seq), purse, seq, 100));
        const std::string issued =
            client->raw("POST /topups HTTP/1.1\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body);
        if (issued.rfind("HTTP/1.1 201", 0) != 0) return;
        const HttpResult voucherAnswer = parseHttpResponse(issued);
        {
          std::lock_guard lock(seenMutex);
          seen[seq].voucher = voucherAnswer.json["voucher"].asString();
        }
        const auto parts = purse::splitSigned(unbase64(voucherAnswer.json["voucher"].asString()));
        const auto voucher = purse::decodeVoucher(parts->body);
        const std::string recordText = toJson(recordBody(creditRecordFor(purse, *voucher, seq)));
        auto second = TestClient::connect(ecUser(bank.port()));
        if (!second) return;
        const std::string confirmed =
            second->raw("POST /topups/" + voucherAnswer.json["voucher_id"].asString() +
                        "/confirm HTTP/1.1\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(recordText.size()) + "\r\n\r\n" + recordText);
        if (confirmed.rfind("HTTP/1.1 200", 0) != 0) return;
        std::lock_guard lock(seenMutex);
        seen[seq].confirmed = true;
        ++answered;
      }
    });
    std::mt19937 random(std::random_device{}());
    while (answered < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 40000));
    bank.process->kill9();
    worker.join();
    MESSAGE("vouchers seen before kill -9: " << seen.size() << ", confirmed: " << answered.load());
    bank.process->start();

    auto client = connected(ecUser(bank.port()));
    // Re-present everything, as the home server does after a crash: retry each request_id (same
    // voucher back, or a first one if the request never arrived), then confirm it.
    uint64_t total = 0;
    for (uint32_t seq = 1; seq <= 20; ++seq) {
      const HttpResult issued =
          client->post("/topups", topUpBody("k" + std::to_string(seq), purse, seq, 100));
      const purse::Voucher voucher = checkedVoucher(issued);
      if (seen.count(seq) != 0) CHECK(issued.json["voucher"].asString() == seen[seq].voucher);
      if (seen.count(seq) != 0 && seen[seq].confirmed) {
        // Settled before the kill: charged already, and the balance shows it below.
      }
      CHECK(client
                ->post("/topups/" + issued.json["voucher_id"].asString() + "/confirm",
                       recordBody(creditRecordFor(purse, voucher, seq)))
                .status == 200);
      total += 100;
    }
    // Conservation: exactly one charge per voucher, none pending.
    CHECK(balanceAndPending(*client, "alice") ==
          std::make_pair<uint64_t, uint64_t>(10000 - total, 0));
    CHECK(bank.process->stop() == 0);
  }

  TEST_CASE("admin commands refuse what they cannot do") {
    TempDir dir;
    const std::string db = dir.file("bank.db");
    const auto& pki = hp::tls_proxy::test::testPki();
    openAccount(db, "alice", pki.userEcCert, 5);
    std::string output;
    CHECK(runToCompletion("BANK_SERVER",
                          {"--db", db, "--open-account", "alice", "--owner-cert", pki.userEcCert,
                           "--balance", "1", "--currency", "EUR"},
                          output) == 1);
    CHECK(output.find("exists already") != std::string::npos);
    CHECK(runToCompletion("BANK_SERVER",
                          {"--db", db, "--open-account", "bob", "--owner-cert", pki.userEcCert,
                           "--balance", "1", "--currency", "eur"},
                          output) == 2);
    CHECK(runToCompletion("BANK_SERVER",
                          {"--db", db, "--open-account", "bob", "--owner-cert", "/nonexistent.pem",
                           "--balance", "1", "--currency", "EUR"},
                          output) == 1);
    CHECK(runToCompletion("BANK_SERVER", {"--db", db, "--balances"}, output) == 0);
    CHECK(output.find("bob") == std::string::npos);
  }

}  // TEST_SUITE

}  // namespace hp::merchant::test

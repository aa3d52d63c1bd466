// In-process: the bank's check of a card's credit record against the voucher it took.
#include <doctest.h>

#include "tests/merchant/merchant_fixture.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tools/bank_server/credit_check.hpp"

namespace hp::merchant::test {

TEST_SUITE("merchant") {
  TEST_CASE("credit check: every field of the voucher and the owner's signature") {
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const Bytes owner = publicPointOfKeyFile(hp::tls_proxy::test::testPki().userEcKey);
    protocol::purse::Voucher voucher;
    voucher.bankId = bytesOf("bank");
    voucher.purseId = purse.purseId;
    voucher.voucherId.fill(0x5A);
    voucher.creditSeq = 4;
    voucher.currency = "EUR";
    voucher.amount = 250;
    auto good = [&] { return purse.credit("bank", voucher.voucherId, 4, "EUR", 250, 12); };
    auto codeOf = [&](const protocol::purse::PurseRecord& record, const Bytes& key) {
      auto checked = bank_server::checkCreditRecord(voucher, key, "EC P-256", purse.sign(record));
      return checked ? std::string("ok") : checked.error().code;
    };
    CHECK(codeOf(good(), owner) == "ok");
    CHECK(codeOf(good(), publicPointOfKeyFile(merchantFiles().otherEcKey)) == "bad_signature");
    auto r = good();
    r.entry.amount = 251;
    CHECK(codeOf(r, owner) == "wrong_amount");
    r = good();
    r.entry.relatedTxn = 5;
    CHECK(codeOf(r, owner) == "wrong_credit_seq");
    r = good();
    r.entry.reference.back() ^= 1;
    CHECK(codeOf(r, owner) == "wrong_voucher");
    r = good();
    r.entry.party = bytesOf("bank2");
    CHECK(codeOf(r, owner) == "wrong_bank");
    r = good();
    r.purseId[7] ^= 1;
    CHECK(codeOf(r, owner) == "wrong_purse");
    r = good();
    r.entry.kind = protocol::purse::EntryKind::kRefund;
    CHECK(codeOf(r, owner) == "not_a_credit");
    const auto rsa =
        bank_server::checkCreditRecord(voucher, std::nullopt, "RSA 2048", purse.sign(good()));
    CHECK(rsa.error().status == 403);
  }

}  // TEST_SUITE

}  // namespace hp::merchant::test

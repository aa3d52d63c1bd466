// The home card's own limit on the crypto state (apdu_specs/README.md, "Security states"):
// 10 minutes without a command that uses it. Attacker: a home server (or anything on the
// reader) that only reads, and thereby used to keep the card's signing key open for ever.
#include <doctest.h>

#include "tests/card_adapters/fixture.hpp"

namespace hp::home_server::security {

namespace at = card_adapters::test;

TEST_SUITE("authority") {
  TEST_CASE("attack: background reads do not keep the home card in the crypto state") {
    at::HomeCard card;
    REQUIRE(at::must(card.client->verifyPin1(at::kHomePin1)).verified());
    REQUIRE(at::must(card.client->verifyPin2(at::kHomePin2)).verified());
    // What the notice mailer, the reconciliation and `status` send, every few minutes.
    for (int minute = 0; minute < 12; ++minute) {
      card.clock.advanceMinutes(1);
      (void)card.client->status();
      (void)card.client->purseStatus();
      (void)card.client->readLog(1);
      (void)card.client->registryList(card_adapters::HomeRegistry::kTerminals);
    }
    const auto status = at::must(card.client->status());
    CHECK_MESSAGE(status.security == card_adapters::HomeSecurityState::kStandby,
                  "12 minutes of reads only, the card is still in state "
                      << static_cast<int>(status.security));
    CHECK_FALSE(card.client->sign(card_adapters::HomeKeyRef::kEc, Bytes(32, 1)).ok());
  }

  TEST_CASE("a signature counts as use: the crypto state stays while the user works") {
    at::HomeCard card;
    REQUIRE(at::must(card.client->verifyPin1(at::kHomePin1)).verified());
    REQUIRE(at::must(card.client->verifyPin2(at::kHomePin2)).verified());
    for (int i = 0; i < 3; ++i) {
      card.clock.advanceMinutes(9);
      REQUIRE(card.client->sign(card_adapters::HomeKeyRef::kEc, Bytes(32, 1)).ok());
    }
    card.clock.advanceMinutes(10);
    CHECK_FALSE(card.client->sign(card_adapters::HomeKeyRef::kEc, Bytes(32, 1)).ok());
  }
}

}  // namespace hp::home_server::security

// The day limit's open reservations against the home card's payment log (docs/proxy-
// architecture.md, "Terminal policies"). A reservation is made before the DEBIT and settled with
// the card's answer; a kill -9 (or an unknown outcome) in between leaves it open. The card logs
// every DEBIT, so the log decides: the order paid on the card -> the reservation is completed
// with the card's txn and amount; not on the card, and the log reaches back past the time of the
// reservation -> released (nothing moved); the log too short to tell -> left open (the limit
// under-used, never over-spent). Run at start-up, after PIN1 and by the policy sweep; a payment
// still in flight in this process is never touched (policy_store.hpp's in-flight marks).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "host/home_server/purse/purse_service.hpp"
#include "host/home_server/terminals/policy_store.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::home_server {

struct CardLog {
  std::vector<protocol::purse::LogEntry> entries;  // oldest first
  bool complete = false;  // the card never dropped an entry: absent means never paid
};

enum class Verdict { kPaid, kNotPaid, kUndecided };

struct ReservationVerdict {
  Verdict verdict = Verdict::kUndecided;
  CardPayment payment;  // kPaid: the card's DEBIT
};

// Pure: what the card's log says about one open reservation.
ReservationVerdict judgeReservation(const OpenReservation& open, const CardLog& log);

struct ReconcileReport {
  size_t completed = 0;
  size_t released = 0;
  size_t undecided = 0;
};

// Applies the verdicts to every open reservation that no request is working on.
Result<ReconcileReport> reconcileReservations(PolicyStore& store, const CardLog& log);

// The same with the card's log read through the purse (held while the verdicts are applied).
// Without open reservations the card is not asked.
Result<ReconcileReport> reconcileWithCard(PolicyStore& store, PurseService& purse);

}  // namespace hp::home_server

// Each registered terminal's policy and the payments counted against its daily limit, in one
// SQLite file (`terminals.policy_db`; sqlite_db.hpp: WAL, synchronous=FULL), so both survive a
// restart and a kill -9 (docs/proxy-architecture.md, "Terminal policies"). The registry itself
// (ID -> key, revoked) stays on the home card; a terminal without a row here (registered before
// policies, or on the card behind the server's back) is a phone.
//
// Daily accounting follows the e-money rule that an identical retry is the same payment: a
// payment is reserved (terminal, shop, order reference) in one transaction that checks the day's
// sum BEFORE the card is asked, released only when the card refused it (nothing moved), and kept
// when the outcome is unknown. A crash between the reservation and the DEBIT leaves it counted;
// the identical retry then finds it and is not counted twice. So the limit can be under-used
// after a crash, never over-spent.
//
// A reservation stays *open* (no card txn) until the card answered; an open reservation that no
// request is working on (a kill -9 before the card's answer, an unknown outcome) is matched
// against the home card's payment log by the reconciliation (reservation_reconcile.hpp): paid on
// the card -> completed with its txn, not on the card -> released. The in-flight marks keep the
// reconciliation off the payments still being made in this process.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/sqlite/sqlite_db.hpp"
#include "protocol/rpc/terminal_policy.hpp"

namespace hp::home_server {

using protocol::rpc::TerminalPolicy;

// The kind's defaults (docs/proxy-architecture.md): a phone and a pc may call everything with no
// limit and need PIN2 for every payment; a till may only pay `shop` (purse.pay and the card.*
// methods: no sessions, relay, balance, history, top-up or cancel), 50.00 a payment, 200.00 a
// day, up to 20.00 with the access card PIN alone, and expires a year after registration.
TerminalPolicy defaultPolicy(const std::string& kind, const std::string& shop, uint64_t nowUnix);

struct PaymentKey {
  std::string terminal;
  std::string shop;
  std::string orderRef;
};

enum class Reservation {
  kReserved,  // counted now: settle() it with the card's answer
  kRetry,     // this payment was counted before (an identical retry): nothing added
  kConflict,  // the order was counted with another amount or currency: refused, nothing added
  kOverDay,   // the day's sum would pass the limit: nothing counted
};

// What the card answered to a payment reserve() admitted (kReserved or kRetry).
enum class Settlement {
  kPaid,      // the card paid (or answered an identical retry): the reservation is completed
  kRelease,   // the card refused this reservation's own DEBIT, nothing moved: counted no more
  kKeepOpen,  // outcome unknown (or a retry refused): left to the reconciliation
};

// A reservation with no card answer recorded that no request is working on.
struct OpenReservation {
  PaymentKey key;
  std::string currency;
  uint64_t amount = 0;
  uint64_t reservedMs = 0;  // the purse clock when it was reserved (the card logs its time_ms)
};

// The card's DEBIT of an open reservation's order, as its log shows it.
struct CardPayment {
  uint32_t txn = 0;
  uint64_t amount = 0;
};

class PolicyStore {
 public:
  // ":memory:" for a store that dies with the process (tests, runs without the setting).
  static Result<std::unique_ptr<PolicyStore>> open(const std::string& path);

  Result<void> set(const std::string& id, const TerminalPolicy& policy);
  // nullopt: no row (the caller applies the phone defaults).
  Result<std::optional<TerminalPolicy>> get(const std::string& id);
  // The stored policy, or a phone's.
  TerminalPolicy effective(const std::string& id);

  // `day` is the UTC day number (Unix time / 86400); perDay 0 means no daily limit; nowMs is
  // the purse's clock (what the card will log). kReserved and kRetry mark the key in flight
  // until settle().
  Result<Reservation> reserve(const PaymentKey& key, const std::string& currency, uint64_t amount,
                              uint64_t day, uint64_t perDay, uint64_t nowMs);
  // Ends the in-flight mark of a reserve() that admitted the payment, with the card's answer.
  Result<void> settle(const PaymentKey& key, Settlement settlement, uint32_t txn = 0);
  Result<uint64_t> spent(const std::string& terminal, uint64_t day);

  // The reconciliation's side: open reservations not in flight, and their resolution (paid ->
  // completed with the card's txn and amount; nullopt -> released). false: left alone, because
  // a request took the key up meanwhile or the row is no longer open.
  Result<std::vector<OpenReservation>> openReservations();
  Result<bool> resolve(const PaymentKey& key, const std::optional<CardPayment>& paid);

  // Policies whose `expires` passed at nowUnix and whose terminal was not yet revoked for it.
  Result<std::vector<std::string>> expiredUnrevoked(uint64_t nowUnix);
  // The terminal was revoked for its expiry (set() clears the mark: a new policy, a new term).
  Result<void> markExpiryRevoked(const std::string& id);

 private:
  explicit PolicyStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  Result<uint64_t> spentLocked(const std::string& terminal, uint64_t day);
  static std::string flightKey(const PaymentKey& key);

  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
  std::map<std::string, int> inFlight_;  // flightKey -> requests between reserve and settle
};

}  // namespace hp::home_server

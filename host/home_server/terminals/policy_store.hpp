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
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

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
  kReserved,  // counted now: release() it if the card refuses
  kRetry,     // this payment was counted before (an identical retry): nothing added
  kOverDay,   // the day's sum would pass the limit: nothing counted
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

  // `day` is the UTC day number (Unix time / 86400); perDay 0 means no daily limit.
  Result<Reservation> reserve(const PaymentKey& key, const std::string& currency, uint64_t amount,
                              uint64_t day, uint64_t perDay);
  Result<void> release(const PaymentKey& key);
  Result<uint64_t> spent(const std::string& terminal, uint64_t day);

 private:
  explicit PolicyStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  Result<uint64_t> spentLocked(const std::string& terminal, uint64_t day);

  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace hp::home_server

// The purse commands (proprietary class 80, docs/emoney.md): PURSE INIT, DEBIT, CREDIT, CANCEL,
// READ LOG, and GET DATA DF 40 (purse status). This file is the APDU layer: header, security
// state and purse state checks, then the pure decisions of purse.cpp, then the signature with
// the user's EC key and one atomic state update. Order of checks: lifecycle (dispatch), P1-P2,
// security state, purse state (initialized; EC key), data presence, then the decision's own
// checks (data content, stored data), the signature, the write.
#include <algorithm>

#include "card/homecard/home_card_applet.hpp"
#include "card/homecard/home_card_ins.hpp"
#include "card/homecard/purse.hpp"
#include "card/runtime/card_runtime.hpp"

namespace hp::card::homecard {

using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;
namespace purse = protocol::purse;

namespace {
constexpr size_t kShopRegistry = 1;  // registry 02
constexpr size_t kBankRegistry = 2;  // registry 03
constexpr size_t kFromTxnSize = 4;
// READ LOG without Le (case 3): the page the runtime then hands out through 61xx / GET RESPONSE.
constexpr size_t kDefaultLogPage = 256;

// DEBIT data ends with the amount, u64 big-endian; too short: the largest amount (not PIN-only).
uint64_t debitAmount(ByteView data) {
  constexpr size_t kAmountSize = 8;
  if (data.size() < kAmountSize) return UINT64_MAX;
  uint64_t amount = 0;
  for (size_t i = data.size() - kAmountSize; i < data.size(); ++i) amount = (amount << 8) | data[i];
  return amount;
}

// Whether `amount` still fits under the cumulative PIN-only limit (written so it cannot overflow).
bool withinPinOnlyTotal(const PurseState& p, uint64_t amount) {
  return p.pinOnlySpent <= purse::kPinOnlyCumulativeMax &&
         amount <= purse::kPinOnlyCumulativeMax - p.pinOnlySpent;
}
}  // namespace

Response HomeCardApplet::purseCommand(const CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  switch (cmd.ins) {
    case ins::kPurseInit:
      return purseInit(cmd);
    case ins::kPurseReadLog:
      return purseReadLog(cmd);
    default:
      return purseMovement(cmd);
  }
}

Response HomeCardApplet::purseStatusCommand(const CommandApdu& cmd) {
  if (!pin1Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!state().purse.initialized) return Response::status(sw::kConditionsNotSatisfied);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  return Response::read(purseStatus(state().purse));
}

Response HomeCardApplet::purseInit(const CommandApdu& cmd) {
  if (!pin2Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // Once per card: a second INIT would throw away the balance and the log.
  if (state().purse.initialized) return Response::status(sw::kConditionsNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const Bytes purseId = rng_.bytes(purse::kPurseIdSize);
  if (purseId.size() != purse::kPurseIdSize) return Response::status(sw::kNoPreciseDiagnosis);
  auto fresh = initPurse(cmd.data, purseId);
  if (!fresh) return Response::status(fresh.error());
  const bool stored = update([&](HomeCardState& s) { s.purse = fresh.value(); });
  if (!stored) return Response::status(sw::kMemoryFailure);
  // Not a read: asked again it answers 6985, so a short Le gets 61xx, never 6Cxx.
  return Response::ok(purseId);
}

Response HomeCardApplet::purseReadLog(const CommandApdu& cmd) {
  if (!pin1Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!state().purse.initialized) return Response::status(sw::kConditionsNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (cmd.data.size() != kFromTxnSize) return Response::status(sw::kWrongData);
  const uint32_t fromTxn = (static_cast<uint32_t>(cmd.data[0]) << 24) |
                           (static_cast<uint32_t>(cmd.data[1]) << 16) |
                           (static_cast<uint32_t>(cmd.data[2]) << 8) | cmd.data[3];
  const size_t limit =
      cmd.ne == 0 ? kDefaultLogPage
                  : std::min<size_t>(cmd.ne, card::runtime::CardRuntime::kMaxResponseChunk);
  auto page = readLogPage(state().purse, fromTxn, limit);
  // Le too short for even one entry: 6Cxx names the size of the first one.
  if (!page) return Response::status(sw::wrongLe(page.error()));
  // The page already fits Le, so the runtime hands it over whole (or via 61xx without Le).
  return Response::ok(std::move(page.value()));
}

Response HomeCardApplet::purseMovement(const CommandApdu& cmd) {
  // A small DEBIT goes with PIN1 alone (the contactless rule, docs/emoney.md "PIN-only
  // payments"): its amount is the data's last 8 bytes (a malformed one is refused below anyway).
  const bool pinOnlyDebit = cmd.ins == ins::kPurseDebit && !pin2Verified() && pin1Verified() &&
                            debitAmount(cmd.data) <= purse::kPinOnlyDebitMax;
  if (!pin2Verified() && !pinOnlyDebit) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!state().purse.initialized || !state().hasEcKey()) {
    return Response::status(sw::kConditionsNotSatisfied);
  }
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);

  const HomeCardState& s = state();
  PurseDecision decision;
  if (cmd.ins == ins::kPurseDebit) {
    decision = decideDebit(s.purse, s.registries[kShopRegistry], cmd.data);
  } else if (cmd.ins == ins::kPurseCredit) {
    decision = decideCredit(s.purse, s.registries[kBankRegistry], cmd.data);
  } else {
    decision = decideCancel(s.purse, s.registries[kShopRegistry], cmd.data);
  }
  if (decision.sw != sw::kOk) return Response::status(decision.sw);
  // The decided amount is the one read above; checked again so the cap never rests on a parse.
  // A new PIN-only debit must also fit the total since the last PIN2 (6982 like the single cap:
  // the home server answers pin2_required); an identical retry moves nothing and is answered.
  if (pinOnlyDebit &&
      (decision.entry.amount > purse::kPinOnlyDebitMax ||
       (decision.movement && !withinPinOnlyTotal(s.purse, decision.entry.amount)))) {
    return Response::status(sw::kSecurityStatusNotSatisfied);
  }

  // Signed before anything is stored, so a signing failure changes nothing. ECDSA here is
  // deterministic (RFC 6979): an identical retry re-signs the logged entry to the same bytes.
  if (!refreshKeyCache() || !ecKey_) return Response::status(sw::kNoPreciseDiagnosis);
  const Bytes body = purse::encode(recordOf(s.purse, decision.entry));
  const auto hash = purse::signedHash(purse::kRecordLabel, body);
  auto signature = ecKey_->signHash(hash, rng_);
  if (!signature) return Response::status(sw::kNoPreciseDiagnosis);

  if (decision.movement) {
    // The PIN-only counter goes in the same image write as the debit: never one without the other.
    const bool stored = update([&](HomeCardState& next) {
      applyMovement(next.purse, decision.entry);
      if (pinOnlyDebit) next.purse.pinOnlySpent += decision.entry.amount;
    });
    if (!stored) return Response::status(sw::kMemoryFailure);
  }
  // Not recomputed for a short Le (61xx): the answer is the proof of a movement.
  return Response::ok(purse::appendSignature(body, signature.value()));
}

}  // namespace hp::card::homecard

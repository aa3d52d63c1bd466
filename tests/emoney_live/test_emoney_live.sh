#!/bin/bash
# test_emoney_live.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER BANK_SERVER:
# the e-money purse end to end (docs/emoney.md) in a private pcscd (sandbox.sh): hp_provision
# makes a world with a purse and every config (emoney_world.sh patches nothing), shop_server and
# bank_server run on free ports from its shop.json and bank.json, the home server keeps pending vouchers and mails notices to an aiosmtpd on a free port,
# and the terminal CLI tops up, buys, cancels and reads balance and history. Refusals must say
# why and move nothing. Then a few dozen random operations (seed printed; HP_EMONEY_SEED replays)
# and the conservation check across the three ledgers: the card (terminal balance, history),
# the shop's SQLite orders and the bank's SQLite account and vouchers must add up exactly.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=tests/emoney_live/emoney_prelude.sh
source "$HERE/emoney_prelude.sh"

fail() { fail_showing_logs test_emoney_live "home_server.log shop.log bank.log smtp.log" "$@"; }

BANK_START=300000
emoney_world_start "$BANK_START"

T=("$TERMINAL" --reader "$ACCESS_READER")
SHOP="https://localhost:$SHOP_PORT/"
BANK="https://localhost:$BANK_PORT"
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"

# Without PIN2 nothing moves, and the terminal says what is missing.
if "${T[@]}" topup "$BANK" alice 10.00 >/dev/null 2>"$SANDBOX_DIR/nopin2.err"; then
  fail "a top-up worked without PIN2"
fi
grep -q "PIN2" "$SANDBOX_DIR/nopin2.err" || fail "no PIN2 hint: $(cat "$SANDBOX_DIR/nopin2.err")"
"${T[@]}" balance >"$SANDBOX_DIR/balance0.out" || fail "balance"
grep -q "0.00 EUR" "$SANDBOX_DIR/balance0.out" || fail "fresh balance: $(cat "$SANDBOX_DIR/balance0.out")"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"

# Top-up, buy, cancel, balance, history.
"${T[@]}" topup "$BANK" alice 200.00 >"$SANDBOX_DIR/topup.out" 2>"$SANDBOX_DIR/topup.err" ||
  fail "topup: $(cat "$SANDBOX_DIR/topup.err")"
grep -q "settled" "$SANDBOX_DIR/topup.out" || fail "topup: $(cat "$SANDBOX_DIR/topup.out")"
grep -q "200.00 EUR" "$SANDBOX_DIR/topup.out" || fail "topup: $(cat "$SANDBOX_DIR/topup.out")"
"${T[@]}" buy "$SHOP" cake 2 >"$SANDBOX_DIR/buy.out" 2>"$SANDBOX_DIR/buy.err" ||
  fail "buy: $(cat "$SANDBOX_DIR/buy.err")"
grep -q "25.50 EUR" "$SANDBOX_DIR/buy.out" || fail "buy: $(cat "$SANDBOX_DIR/buy.out")"
grep -q "paid" "$SANDBOX_DIR/buy.out" || fail "buy: $(cat "$SANDBOX_DIR/buy.out")"
grep -q "174.50 EUR" "$SANDBOX_DIR/buy.out" || fail "buy: balance: $(cat "$SANDBOX_DIR/buy.out")"
ORDER=$(sql "$WORLD/shop.db" "SELECT order_ref FROM orders WHERE status='paid' ORDER BY created_ms DESC LIMIT 1")
[[ -n $ORDER && $ORDER != 0 ]] || fail "no paid order at the shop"
grep -q "$ORDER" "$SANDBOX_DIR/buy.out" || fail "the receipt does not name order $ORDER"
"${T[@]}" cancel "$SHOP" "$ORDER" >"$SANDBOX_DIR/cancel.out" 2>"$SANDBOX_DIR/cancel.err" ||
  fail "cancel: $(cat "$SANDBOX_DIR/cancel.err")"
grep -q "200.00 EUR" "$SANDBOX_DIR/cancel.out" || fail "cancel: $(cat "$SANDBOX_DIR/cancel.out")"
# The terminal showed the card's refund record to the shop: only now is the order cancelled.
[[ $(sql "$WORLD/shop.db" "SELECT status FROM orders WHERE order_ref='$ORDER'") == cancelled ]] ||
  fail "cancel: the shop's order is not cancelled"
# The same cancellation again: already done, nothing moves.
"${T[@]}" cancel "$SHOP" "$ORDER" >"$SANDBOX_DIR/cancel2.out" 2>"$SANDBOX_DIR/cancel2.err" ||
  fail "duplicate cancel: $(cat "$SANDBOX_DIR/cancel2.err")"
grep -q "already cancelled and refunded" "$SANDBOX_DIR/cancel2.out" ||
  fail "duplicate cancel: $(cat "$SANDBOX_DIR/cancel2.out")"
"${T[@]}" balance >"$SANDBOX_DIR/balance-dup.out" || fail "balance"
grep -q "200.00 EUR" "$SANDBOX_DIR/balance-dup.out" || fail "a payment was refunded twice: $(cat "$SANDBOX_DIR/balance-dup.out")"
# A cancellation cut off after the shop signed it (the order cancel_pending, the card never got
# it): `terminal refund` finishes it; on a paid order it starts nothing.
"${T[@]}" buy "$SHOP" tea 1 >/dev/null 2>"$SANDBOX_DIR/buy-r.err" || fail "buy: $(cat "$SANDBOX_DIR/buy-r.err")"
RORDER=$(sql "$WORLD/shop.db" "SELECT order_ref FROM orders WHERE status='paid' ORDER BY created_ms DESC LIMIT 1")
if "${T[@]}" refund "$SHOP" "$RORDER" >/dev/null 2>"$SANDBOX_DIR/refund-paid.err"; then
  fail "refund started a cancellation of a paid order"
fi
grep -q "no cancellation to finish" "$SANDBOX_DIR/refund-paid.err" || fail "refund of a paid order: $(cat "$SANDBOX_DIR/refund-paid.err")"
"${T[@]}" post "${SHOP}orders/$RORDER/cancel" --data '' >/dev/null 2>"$SANDBOX_DIR/half-cancel.err" ||
  fail "half cancel: $(cat "$SANDBOX_DIR/half-cancel.err")"
[[ $(sql "$WORLD/shop.db" "SELECT status FROM orders WHERE order_ref='$RORDER'") == cancel_pending ]] ||
  fail "the shop's order is not cancel_pending after its cancellation"
"${T[@]}" refund "$SHOP" "$RORDER" >"$SANDBOX_DIR/refund.out" 2>"$SANDBOX_DIR/refund.err" ||
  fail "refund: $(cat "$SANDBOX_DIR/refund.err")"
[[ $(sql "$WORLD/shop.db" "SELECT status FROM orders WHERE order_ref='$RORDER'") == cancelled ]] ||
  fail "refund: the shop's order is not cancelled"
grep -q "200.00 EUR" "$SANDBOX_DIR/refund.out" || fail "refund: $(cat "$SANDBOX_DIR/refund.out")"
# Overspending and over the maximum: refused with the reason.
if "${T[@]}" buy "$SHOP" cake 100 >/dev/null 2>"$SANDBOX_DIR/overspend.err"; then
  fail "bought for more than the balance"
fi
grep -q "insufficient funds" "$SANDBOX_DIR/overspend.err" || fail "overspend: $(cat "$SANDBOX_DIR/overspend.err")"
if "${T[@]}" topup "$BANK" alice 900.00 >/dev/null 2>"$SANDBOX_DIR/overmax.err"; then
  fail "topped up over the maximum"
fi
grep -q "maximum" "$SANDBOX_DIR/overmax.err" || fail "over maximum: $(cat "$SANDBOX_DIR/overmax.err")"
# A URL whose host is not a registered shop: the bank's host is verified but not in registry 02.
"${T[@]}" balance >"$SANDBOX_DIR/balance1.out" || fail "balance"
grep -q "200.00 EUR" "$SANDBOX_DIR/balance1.out" || fail "balance after the refusals: $(cat "$SANDBOX_DIR/balance1.out")"
"${T[@]}" history >"$SANDBOX_DIR/history1.out" || fail "history"
for word in top-up payment refund "$ORDER" "-25.50 EUR"; do
  grep -q -- "$word" "$SANDBOX_DIR/history1.out" || fail "history lacks '$word': $(cat "$SANDBOX_DIR/history1.out")"
done

# An altered payment record: the shop checks it against the TLS session's client certificate
# and refuses it; the order stays unpaid. (A paid order's record with its amount lowered.)
NEW_ORDER=$("${T[@]}" post "${SHOP}orders" --data '{"sku":"tea","quantity":1}' 2>"$SANDBOX_DIR/order.err" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["order_ref"])') || fail "order: $(cat "$SANDBOX_DIR/order.err")"
"${T[@]}" buy "$SHOP" tea 1 >/dev/null 2>"$SANDBOX_DIR/buy2.err" || fail "buy: $(cat "$SANDBOX_DIR/buy2.err")"
ALTERED=$(python3 - "$WORLD/shop.db" "$NEW_ORDER" <<'PY'
import base64, sqlite3, sys
db, order = sys.argv[1], sys.argv[2]
record = sqlite3.connect(db).execute(
    "SELECT payment FROM orders WHERE status='paid' ORDER BY created_ms DESC LIMIT 1").fetchone()[0]
body_len = int.from_bytes(record[:2], "big")
body = bytearray(record[2:2 + body_len])
# PurseRecord = purse_id(8) || txn(4) kind(1) time(8) currency(3) amount(8) ...: the amount is
# set to the new order's, the order reference (after the party ID) to the new order's.
body[8 + 4 + 1 + 8 + 3:8 + 4 + 1 + 8 + 3 + 8] = (350).to_bytes(8, "big")
at = 8 + 4 + 1 + 8 + 3 + 8 + 8
party_len = body[at]
at += 1 + party_len
ref_len = body[at]
ref = order.encode()
body[at:at + 1 + ref_len] = bytes([len(ref)]) + ref
altered = len(body).to_bytes(2, "big") + bytes(body) + record[2 + body_len:]
print(base64.b64encode(altered).decode())
PY
) || fail "altering a record"
if "${T[@]}" post "${SHOP}orders/$NEW_ORDER/pay" --data "{\"payment\":\"$ALTERED\"}" \
  >"$SANDBOX_DIR/altered.out" 2>"$SANDBOX_DIR/altered.err"; then
  fail "the shop took an altered payment record: $(cat "$SANDBOX_DIR/altered.out")"
fi
grep -q "bad_signature" "$SANDBOX_DIR/altered.out" || fail "altered record: $(cat "$SANDBOX_DIR/altered.out")"
[[ $(sql "$WORLD/shop.db" "SELECT status FROM orders WHERE order_ref='$NEW_ORDER'") == awaiting_payment ]] ||
  fail "the order of the altered record is not awaiting payment"

# An unfinished top-up survives the home server's restart and is credited exactly once: the
# bank is down when the top-up is asked for, the home server restarts, the bank comes back, and
# reconciliation finishes it (once PIN2 is given again).
BEFORE=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", sys.stdin.read()); print(int(m.group(1))*100+int(m.group(2)))' \
  < <("${T[@]}" balance))
kill "$BANK_PID"
wait "$BANK_PID" 2>/dev/null || true
if "${T[@]}" topup "$BANK" alice 12.34 >/dev/null 2>"$SANDBOX_DIR/bankdown.err"; then
  fail "a top-up worked with the bank down"
fi
grep -q "kept and retried" "$SANDBOX_DIR/bankdown.err" || fail "bank down: $(cat "$SANDBOX_DIR/bankdown.err")"
[[ $(sql "$WORLD/pending_vouchers.db" "SELECT COUNT(*) FROM pending_vouchers") == 1 ]] || fail "no pending top-up"
kill "$HOME_SERVER_PID"
wait "$HOME_SERVER_PID" 2>/dev/null || true
start_bank "$BANK_PORT"
start_home_server
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2 after the restart"
for _ in $(seq 150); do
  [[ $(sql "$WORLD/pending_vouchers.db" "SELECT COUNT(*) FROM pending_vouchers") == 0 ]] && break
  sleep 0.1
done
[[ $(sql "$WORLD/pending_vouchers.db" "SELECT COUNT(*) FROM pending_vouchers") == 0 ]] ||
  fail "the pending top-up was not finished after the restart"
AFTER=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", sys.stdin.read()); print(int(m.group(1))*100+int(m.group(2)))' \
  < <("${T[@]}" balance))
((AFTER == BEFORE + 1234)) || fail "after reconciliation: balance $AFTER, expected $BEFORE + 1234"

# Several payments in one process over one channel (buy --repeat), delegated and relayed: each
# order paid once, with its own receipt; a repeat whose order fails stops there, naming the count.
PAID_BEFORE=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status='paid'")
"${T[@]}" buy "$SHOP" tea --repeat 3 >"$SANDBOX_DIR/repeat.out" 2>"$SANDBOX_DIR/repeat.err" ||
  fail "buy --repeat: $(cat "$SANDBOX_DIR/repeat.err")"
"${T[@]}" buy "$SHOP" tea --repeat 2 --relay >>"$SANDBOX_DIR/repeat.out" 2>>"$SANDBOX_DIR/repeat.err" ||
  fail "buy --repeat --relay: $(cat "$SANDBOX_DIR/repeat.err")"
[[ $(grep -c "3.50 EUR" "$SANDBOX_DIR/repeat.out") == 5 ]] || fail "five receipts: $(cat "$SANDBOX_DIR/repeat.out")"
[[ $(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status='paid'") == $((PAID_BEFORE + 5)) ]] ||
  fail "buy --repeat did not pay five orders"
if "${T[@]}" buy "$SHOP" no-such-sku --repeat 3 >/dev/null 2>"$SANDBOX_DIR/repeat-bad.err"; then
  fail "buy --repeat of an unknown item succeeded"
fi
grep -q "0 of 3 orders paid" "$SANDBOX_DIR/repeat-bad.err" || fail "repeat stop: $(cat "$SANDBOX_DIR/repeat-bad.err")"
REPEATED=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", sys.stdin.read()); print(int(m.group(1))*100+int(m.group(2)))' \
  < <("${T[@]}" balance))
((REPEATED == AFTER - 5 * 350)) || fail "after buy --repeat: balance $REPEATED, expected $AFTER - 5 x 350"

# Random operations: top-ups, purchases (some beyond the balance), cancellations (some repeated).
SEED=${HP_EMONEY_SEED:-$((($(date +%s) * 7919 + $$) % 32768))}
echo "test_emoney_live: random operations with seed $SEED (HP_EMONEY_SEED=$SEED replays)" >&2
RANDOM=$SEED
OPS=${HP_EMONEY_OPS:-40}
for ((i = 0; i < OPS; ++i)); do
  case $((RANDOM % 6)) in
    0)
      amount="$((RANDOM % 60 + 1)).$((RANDOM % 10))0"
      "${T[@]}" topup "$BANK" alice "$amount" >/dev/null 2>>"$SANDBOX_DIR/random.err" || true ;;
    1 | 2 | 3)
      sku=$([[ $((RANDOM % 2)) == 0 ]] && echo tea || echo cake)
      "${T[@]}" buy "$SHOP" "$sku" $((RANDOM % 4 + 1)) >/dev/null 2>>"$SANDBOX_DIR/random.err" || true ;;
    *)
      ref=$(sql "$WORLD/shop.db" "SELECT order_ref FROM orders WHERE status IN ('paid','cancel_pending','cancelled') ORDER BY random() LIMIT 1")
      [[ $ref != 0 ]] && { "${T[@]}" cancel "$SHOP" "$ref" >/dev/null 2>>"$SANDBOX_DIR/random.err" || true; } ;;
  esac
done
# Every failure in the random run must be one of the documented refusals, not a breakage.
# (Read whole, not `grep -v ... | grep -q .`: under pipefail an early grep exit can fail that.)
unexpected=$(grep -v -E "insufficient funds|maximum balance|already refunded|over its maximum|^$" \
  "$SANDBOX_DIR/random.err" || true)
if [[ -n $unexpected ]]; then
  fail "unexpected errors in the random run: $(head -5 <<<"$unexpected")"
fi

# Conservation: card = bank settled - shop paid (cancelled orders were paid and refunded).
"${T[@]}" balance >"$SANDBOX_DIR/balance2.out" || fail "balance"
CARD=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", open(sys.argv[1]).read()); print(int(m.group(1))*100+int(m.group(2)))' "$SANDBOX_DIR/balance2.out")
SETTLED=$(sql "$WORLD/bank.db" "SELECT SUM(amount) FROM vouchers WHERE status='settled'")
ISSUED=$(sql "$WORLD/bank.db" "SELECT COUNT(*) FROM vouchers WHERE status='issued'")
ACCOUNT=$(sql "$WORLD/bank.db" "SELECT balance FROM accounts WHERE id='alice'")
# cancel_pending (the card's refund record never reached the shop) still counts as paid.
PAID=$(sql "$WORLD/shop.db" "SELECT SUM(amount) FROM orders WHERE status IN ('paid','cancel_pending')")
PAID_EVER=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status IN ('paid','cancel_pending','cancelled')")
PENDING_CANCELS=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status='cancel_pending'")
((PENDING_CANCELS == 0)) || fail "$PENDING_CANCELS orders cancel_pending: the terminal did not confirm a refund"
CANCELLED=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status='cancelled'")
VOUCHERS=$(sql "$WORLD/bank.db" "SELECT COUNT(*) FROM vouchers WHERE status='settled'")
PENDING=$(sql "$WORLD/pending_vouchers.db" "SELECT COUNT(*) FROM pending_vouchers")
echo "test_emoney_live: card $CARD, bank settled $SETTLED (account $ACCOUNT of $BANK_START), shop paid $PAID; $VOUCHERS top-ups, $PAID_EVER payments, $CANCELLED refunds" >&2
[[ $ISSUED == 0 && $PENDING == 0 ]] || fail "unsettled vouchers: bank $ISSUED, home server $PENDING"
((ACCOUNT == BANK_START - SETTLED)) || fail "bank: account $ACCOUNT != $BANK_START - settled $SETTLED"
((CARD == SETTLED - PAID)) || fail "conservation: card $CARD != bank settled $SETTLED - shop paid $PAID"
# The card's log has one entry per movement of all three ledgers (txn numbers without gaps).
"${T[@]}" history >"$SANDBOX_DIR/history2.out" || fail "history"
ENTRIES=$(grep -c -E "^ *[0-9]+ +20[0-9][0-9]-" "$SANDBOX_DIR/history2.out" || true)
EXPECTED=$((VOUCHERS + PAID_EVER + CANCELLED))
((EXPECTED > 64)) && EXPECTED=64  # the card keeps the 64 most recent
((ENTRIES == EXPECTED)) || fail "history has $ENTRIES entries, the ledgers $EXPECTED"

# Notices: every txn mailed (each mail carries Message-ID <PURSEID-TXN[-TXN]@homeproxy>).
LAST_TXN=$((VOUCHERS + PAID_EVER + CANCELLED))
for _ in $(seq 100); do
  grep -q -E "Message-ID: <[0-9A-F]{16}-([0-9]+-)?$LAST_TXN@homeproxy>" "$SANDBOX_DIR/smtp.log" && break
  sleep 0.1
done
grep -q -E "Message-ID: <[0-9A-F]{16}-([0-9]+-)?$LAST_TXN@homeproxy>" "$SANDBOX_DIR/smtp.log" ||
  fail "no notice for txn $LAST_TXN: $(grep Message-ID "$SANDBOX_DIR/smtp.log" | tail -3)"

"${T[@]}" finish >/dev/null || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"
for pin in "$PIN1" "$PIN2" "$ACCESS_PIN"; do
  if grep -rq -- "$pin" "$SANDBOX_DIR"/*.log "$SANDBOX_DIR"/*.err "$SANDBOX_DIR"/*.out; then
    fail "a PIN appears in an output or log"
  fi
done
# What the user saw (laptop profile: tables), for the log.
cat "$SANDBOX_DIR/buy.out" "$SANDBOX_DIR/cancel.out" "$SANDBOX_DIR/balance2.out" >&2
head -n 6 "$SANDBOX_DIR/history2.out" >&2
echo "test_emoney_live: ok"

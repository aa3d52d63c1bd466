#!/bin/bash
# test_till_kill9.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER BANK_SERVER TILL:
# a till's day limit across a kill -9 of the home server between the reservation and the home
# card's answer (docs/proxy-architecture.md, "Terminal policies"), in the live e-money world. The
# home card process is frozen (SIGSTOP) while the till pays: the home server has reserved the
# payment in terminal_policies.db and waits for the card; then it is killed with SIGKILL.
#   A. The card is killed too: whatever the dead server had sent never ran. After both restart,
#      the reconciliation (run when PIN1 is given) finds the order absent from the card's log
#      and releases the reservation.
#   B. The card goes on (SIGCONT) and answers what the dead server had sent: the DEBIT when it
#      had got that far (a shop session was opened first, so mostly it had). The reconciliation
#      must agree with the card's log: completed with the card's txn if the order is there,
#      released if not.
# Checked each time: no open reservation left, the day's count equals what the card paid for the
# counted orders, the till's next payment counts exactly its amount; after A also the books of
# card, shop and bank (emoney_ledgers.py). After B a DEBIT the dead server never handed to the
# till leaves the shop without its record until the till settles the order (`till --settle
# REF`: the purse's identical retry gives the card's original record, or pays it now if the
# card never did), then the books agree too. The conflicting retry is the unit tests'
# (policy_test.cpp); `terminal pay` cannot read a till's order (the shop keeps it for the
# till's certificate), hence the till's own --settle.
# Finally the till's policy expires: the home server revokes it by itself and mails the notice.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
EMONEY_EXTRA_ARGS=TILL
# shellcheck source=tests/emoney_live/emoney_prelude.sh
source "$HERE/emoney_prelude.sh"

fail() { fail_showing_logs test_till_kill9 "home_server.log till.err" "$@"; }

BANK_START=300000
emoney_world_start "$BANK_START"
T=("$TERMINAL" --reader "$ACCESS_READER")
SHOP="https://localhost:$SHOP_PORT/"
ADMIN=("$HOME_SERVER" --admin "$WORLD/home_server.sock")
DB="$WORLD/terminal_policies.db"
HOME_STATE="$SANDBOX_DIR/home.state"
home_card_pid() { pgrep -f -- "--state $HOME_STATE\$" | head -n 1; }
policy() { "${ADMIN[@]}" terminal-policy terminal-1 "$1" >/dev/null || fail "terminal-policy $1"; }
till_pay() {  # ITEM: the till pays with the access card PIN alone; output in till.out / till.err
  printf '%s\n' "$ACCESS_PIN" | "$TILL" --shop "$SHOP" --cert "$WORLD/till.pem" \
    --key "$WORLD/till.key" --ca "$WORLD/ca.pem" --reader "$ACCESS_READER" --pin-stdin "$@" \
    >"$SANDBOX_DIR/till.out" 2>"$SANDBOX_DIR/till.err"
}
as_phone() {
  policy '{"kind":"phone"}'
  printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
  printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
}
as_till() { policy '{"kind":"till","shops":["localhost"]}'; "${T[@]}" finish >/dev/null || true; "${T[@]}" lock >/dev/null; }
open_rows() { sql "$DB" "SELECT COUNT(*) FROM terminal_payments WHERE txn IS NULL"; }
# What the card paid for the orders the day counts (its log, read as a phone).
card_paid_for_counted() {
  "${T[@]}" history >"$SANDBOX_DIR/history.out" || fail "history"
  local total=0 ref amount
  while read -r ref; do
    amount=$(sql "$WORLD/shop.db" "SELECT amount FROM orders WHERE order_ref='$ref'")
    grep -q -- "$ref" "$SANDBOX_DIR/history.out" && total=$((total + amount))
  done < <(python3 -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("SELECT order_ref FROM terminal_payments")]' "$DB")
  echo "$total"
}

# Freeze the card, let the till pay, wait until the home server has reserved, kill it.
# Sets REF (the order the till was paying).
crash_mid_payment() {
  local before
  before=$(sql "$DB" "SELECT COUNT(*) FROM terminal_payments")
  kill -STOP "$(home_card_pid)"
  till_pay tea &
  local till_pid=$!
  for _ in $(seq 100); do
    (($(sql "$DB" "SELECT COUNT(*) FROM terminal_payments") > before)) && break
    sleep 0.1
  done
  (($(open_rows) == 1)) || fail "no open reservation while the card was frozen"
  REF=$(sql "$DB" "SELECT order_ref FROM terminal_payments WHERE txn IS NULL")
  sleep 0.5  # the home server goes as far as it can: its next card command waits
  kill -9 "$HOME_SERVER_PID"
  wait "$HOME_SERVER_PID" 2>/dev/null || true
  wait "$till_pid" && fail "the till's payment succeeded without its home server"
  rm -f "$WORLD/home_server.sock"
}
# After the restart (PIN1 given), the reconciliation leaves no reservation open.
wait_reconciled() {
  for _ in $(seq 100); do
    (($(open_rows) == 0)) && return 0
    sleep 0.1
  done
  fail "the reservation of $REF is still open after the restart: $(grep 'day limits' "$SANDBOX_DIR/home_server.log" | tail -3)"
}
check_count() {  # WHEN
  local counted paid
  counted=$(sql "$DB" "SELECT COALESCE(SUM(amount), 0) FROM terminal_payments")
  paid=$(card_paid_for_counted)
  ((counted == paid)) || fail "$1: the day counts $counted, the card paid $paid for those orders"
}
# Before an interrupted order is finished the shop lacks the record the card made: the books
# agree once it has it.
check_books() {  # WHEN
  check_count "$1"
  local card
  "${T[@]}" balance >"$SANDBOX_DIR/bal.out" || fail "balance"
  card=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", open(sys.argv[1]).read()); print(int(m.group(1))*100+int(m.group(2)))' "$SANDBOX_DIR/bal.out")
  python3 "$HERE/../integration/emoney_ledgers.py" "$WORLD" "$BANK_START" "$card" >&2 ||
    fail "$1: the card, shop and bank ledgers do not add up"
}

# The till pays one more tea (3.50): the day grows by exactly that (as a till; back as a phone).
next_payment_counts() {  # WHEN
  local before
  before=$(sql "$DB" "SELECT COALESCE(SUM(amount), 0) FROM terminal_payments")
  as_till
  till_pay tea || fail "$1: a payment after the reconciliation: $(cat "$SANDBOX_DIR/till.err")"
  (($(sql "$DB" "SELECT SUM(amount) FROM terminal_payments") == before + 350)) ||
    fail "$1: the next payment counted other than 3.50"
  as_phone
}

as_phone
"${T[@]}" topup "https://localhost:$BANK_PORT" alice 100.00 >/dev/null 2>"$SANDBOX_DIR/topup.err" ||
  fail "topup: $(cat "$SANDBOX_DIR/topup.err")"
as_till
till_pay tea || fail "the first till payment: $(cat "$SANDBOX_DIR/till.err")"
as_phone  # and back, so the home server knows the access card's key (its registry cache)
as_till

# A. The home server and the card both killed: the DEBIT never ran.
crash_mid_payment
REF_A=$REF
kill -9 "$(home_card_pid)"
_sandbox_card_state 0 absent 10 || fail "the reader still shows the killed card"
sandbox_card homecard 0 "$HOME_STATE" --path "$HOMECARD"
sandbox_wait_card 0 10
start_home_server  # PIN1: the reconciliation reads the card's log
wait_reconciled
grep -q "1 not paid (released)" "$SANDBOX_DIR/home_server.log" || fail "A: no release in the log"
as_phone
# The history read whole, not `| grep -q`: under pipefail an early grep exit can fail the pipeline.
history=$("${T[@]}" history) || fail "A: history"
grep -q -- "$REF_A" <<<"$history" && fail "A: the card paid $REF_A though it was killed frozen"
check_books "after A"
next_payment_counts "after A"
check_books "A, then a payment"

# B. The home server killed, the card goes on and answers the dead server's command. A phone
# purchase first opens the home server's session with the shop, so the till's payment needs no
# card signature before its DEBIT.
"${T[@]}" buy "$SHOP" tea 1 >/dev/null 2>"$SANDBOX_DIR/buy.err" || fail "phone buy: $(cat "$SANDBOX_DIR/buy.err")"
as_till
crash_mid_payment
REF_B=$REF
kill -CONT "$(home_card_pid)"
start_home_server
wait_reconciled
as_phone
history=$("${T[@]}" history) || fail "B: history"
if grep -q -- "$REF_B" <<<"$history"; then
  OUTCOME_B="paid on the card before the kill: completed"
  (($(sql "$DB" "SELECT COUNT(*) FROM terminal_payments WHERE order_ref='$REF_B' AND txn > 0") == 1)) ||
    fail "B: the card paid $REF_B but the reservation was not completed with its txn"
else
  OUTCOME_B="not paid on the card: released"
  (($(sql "$DB" "SELECT COUNT(*) FROM terminal_payments WHERE order_ref='$REF_B'") == 0)) ||
    fail "B: the card did not pay $REF_B but the reservation stayed"
fi
check_count "after B"
# The till settles the cut-off order with the customer's card: paid at most once, and then the
# shop has the record the card made, so the three books agree.
as_till
till_pay --settle "$REF_B" || fail "B: till --settle $REF_B: $(cat "$SANDBOX_DIR/till.err")"
grep -q "order  *$REF_B" "$SANDBOX_DIR/till.out" || fail "B: --settle printed no receipt for $REF_B"
till_pay --settle "$REF_B" || fail "B: a second --settle of a paid order failed"
grep -q "paid at the shop, nothing to settle" "$SANDBOX_DIR/till.out" ||
  fail "B: a second --settle did not see the order paid: $(cat "$SANDBOX_DIR/till.out")"
as_phone
check_books "after B, settled"
next_payment_counts "after B"
check_count "B, then a payment"

# The till's policy expires: revoked by the home server itself within its sweep, and mailed.
policy '{"kind":"till","shops":["localhost"]}'
policy "{\"expires\":$(($(date +%s) - 1))}"
for _ in $(seq 50); do
  grep -q "Subject: homeproxy: terminal terminal-1 revoked" "$SANDBOX_DIR/smtp.log" && break
  sleep 0.1
done
grep -q "revoked by the expiry of its policy" "$SANDBOX_DIR/smtp.log" ||
  fail "the expiry's revocation was not mailed"
"${ADMIN[@]}" list-terminals >"$SANDBOX_DIR/terminals.out" || fail "list-terminals"
# The card's registry marks a revoked ID or drops it: either way not active.
grep -q '"revoked":false' "$SANDBOX_DIR/terminals.out" &&
  fail "the expired till is not revoked: $(cat "$SANDBOX_DIR/terminals.out")"
till_pay tea && fail "an expired (revoked) till card paid"
echo "test_till_kill9: A: not paid on the card: released; B: $OUTCOME_B; expiry: revoked and mailed"
echo "test_till_kill9: ok"

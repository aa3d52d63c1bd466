#!/bin/bash
# test_till_live.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER BANK_SERVER TILL:
# the shop's till (seed Fig 23; docs/proxy-architecture.md, "The till") in the live e-money world
# (emoney_world.sh): the user makes the access card a till card from home (terminal-policy), the
# till pays a coffee with the access card PIN alone, a cake with PIN2, refuses over the limit per
# payment and per day (nothing moved), and the till card may not read the balance or history,
# top up, relay or pay another shop; as a phone again it may. Then a random run mixing till and
# phone payments and the conservation of card, shop and bank ledgers (emoney_ledgers.py), every
# till payment mailed with the till's ID, a stolen card: three wrong PINs at the till block it,
# and its revocation mailed.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
EMONEY_EXTRA_ARGS=TILL
# shellcheck source=tests/emoney_live/emoney_prelude.sh
source "$HERE/emoney_prelude.sh"

fail() { fail_showing_logs test_till_live "home_server.log shop.log" "$@"; }

BANK_START=300000
emoney_world_start "$BANK_START"
T=("$TERMINAL" --reader "$ACCESS_READER")
SHOP="https://localhost:$SHOP_PORT/"
BANK="https://localhost:$BANK_PORT"
ADMIN=("$HOME_SERVER" --admin "$WORLD/home_server.sock")
till() {  # PINS ITEM...: PINs one per line on stdin; output in till.out / till.err
  printf '%b' "$1" | "$TILL" --shop "$SHOP" --cert "$WORLD/till.pem" --key "$WORLD/till.key" \
    --ca "$WORLD/ca.pem" --reader "$ACCESS_READER" --pin-stdin "${@:2}" \
    >"$SANDBOX_DIR/till.out" 2>"$SANDBOX_DIR/till.err"
}
policy() { "${ADMIN[@]}" terminal-policy terminal-1 "$1" >/dev/null || fail "terminal-policy $1"; }
balance() {  # the card's balance in minor units (read as a phone)
  "${T[@]}" balance >"$SANDBOX_DIR/bal.out" || fail "balance: $(cat "$SANDBOX_DIR/bal.out")"
  python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", open(sys.argv[1]).read()); print(int(m.group(1))*100+int(m.group(2)))' "$SANDBOX_DIR/bal.out"
}
as_phone() { policy '{"kind":"phone"}'; printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null; }
as_till() { policy '{"kind":"till","shops":["localhost"]}'; "${T[@]}" finish >/dev/null || true; "${T[@]}" lock >/dev/null; }

# hp_provision registered the access card as a pc (profile laptop): it tops up.
# (Read whole, not `| grep -q`: under pipefail an early grep exit can fail the pipeline.)
terminals=$("${ADMIN[@]}" list-terminals) || fail "list-terminals"
grep -q '"kind":"pc"' <<<"$terminals" || fail "provisioned kind: $terminals"
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
"${T[@]}" topup "$BANK" alice 300.00 >/dev/null 2>"$SANDBOX_DIR/topup.err" || fail "topup: $(cat "$SANDBOX_DIR/topup.err")"
START=$(balance)

# A till card: the coffee with the access card PIN alone, the cake with PIN2.
as_till
till "$ACCESS_PIN\n" tea || fail "till tea: $(cat "$SANDBOX_DIR/till.err")"
grep -q "3.50 EUR" "$SANDBOX_DIR/till.out" || fail "till tea: $(cat "$SANDBOX_DIR/till.out")"
grep -q "paid" "$SANDBOX_DIR/till.out" || fail "till tea: $(cat "$SANDBOX_DIR/till.out")"
grep -q "PIN2" "$SANDBOX_DIR/till.out" && fail "the coffee asked for PIN2"
grep -qi "balance" "$SANDBOX_DIR/till.out" && fail "the till showed a balance"
till "$ACCESS_PIN\n$PIN2\n" cake:2 || fail "till cake: $(cat "$SANDBOX_DIR/till.err")"
grep -q "PIN2" "$SANDBOX_DIR/till.out" || fail "the cake did not ask for PIN2"
grep -q "25.50 EUR" "$SANDBOX_DIR/till.out" || fail "till cake: $(cat "$SANDBOX_DIR/till.out")"
grep -q "till terminal-1 paid" "$SANDBOX_DIR/home_server.log" || fail "no till payment in the log"
# Over the limit per payment (59.80 > 50.00) and per day (29.00 so far; the day's limit 40.00).
till "$ACCESS_PIN\n" book:2 && fail "the till paid 59.80"
grep -q "limit_exceeded" "$SANDBOX_DIR/till.err" || fail "book: $(cat "$SANDBOX_DIR/till.err")"
policy '{"per_day":4000}'
till "$ACCESS_PIN\n$PIN2\n" cake && fail "the till paid over the day's limit"
grep -q "limit_exceeded" "$SANDBOX_DIR/till.err" || fail "per day: $(cat "$SANDBOX_DIR/till.err")"
till "$ACCESS_PIN\n" tea tea tea || fail "within the day: $(cat "$SANDBOX_DIR/till.err")"  # 39.50
till "$ACCESS_PIN\n" tea && fail "the till paid past the day's 40.00"
UNPAID=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status='awaiting_payment'")
((UNPAID == 3)) || fail "refused orders at the shop: $UNPAID, expected 3 awaiting payment"
# What a till card may not do, over the terminal CLI.
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null
for cmd in "balance" "history" "topup $BANK alice 1.00" "get $SHOP --relay" "get $SHOP" \
           "buy https://127.0.0.1:$SHOP_PORT/ tea"; do
  # shellcheck disable=SC2086
  "${T[@]}" $cmd >/dev/null 2>"$SANDBOX_DIR/refused.err" && fail "a till card could: $cmd"
  grep -q "policy_denied" "$SANDBOX_DIR/refused.err" || fail "$cmd: $(cat "$SANDBOX_DIR/refused.err")"
done

# As a phone again it may do all of them.
as_phone
((START - $(balance) == 3950)) || fail "the till card moved other than 3.50 + 25.50 + 3 x 3.50"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
"${T[@]}" history >/dev/null || fail "phone history"
"${T[@]}" buy "$SHOP" book 2 >/dev/null 2>"$SANDBOX_DIR/phone.err" || fail "phone buy: $(cat "$SANDBOX_DIR/phone.err")"
"${T[@]}" get "${SHOP}catalogue" --relay >/dev/null || fail "phone relay"
"${T[@]}" topup "$BANK" alice 1.00 >/dev/null || fail "phone topup"

# A random run mixing till and phone payments; the ledgers must add up exactly.
SEED=${HP_TILL_SEED:-$RANDOM}
echo "test_till_live: random run, seed $SEED (HP_TILL_SEED replays)" >&2
RANDOM=$SEED
policy '{"kind":"till","shops":["localhost"]}'
for _ in $(seq 6); do
  sku=$([[ $((RANDOM % 2)) == 0 ]] && echo tea || echo cake)
  if ((RANDOM % 2)); then
    as_till
    till "$ACCESS_PIN\n$PIN2\n" "$sku:$((RANDOM % 2 + 1))" || true
    cat "$SANDBOX_DIR/till.err" >>"$SANDBOX_DIR/random.err"
  else
    as_phone
    printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null
    "${T[@]}" buy "$SHOP" "$sku" $((RANDOM % 3 + 1)) >/dev/null 2>>"$SANDBOX_DIR/random.err" || true
  fi
done
if [[ -n $(grep -v -E "limit_exceeded|insufficient|^$" "$SANDBOX_DIR/random.err" || true) ]]; then
  fail "unexpected errors in the random run: $(head -5 "$SANDBOX_DIR/random.err")"
fi
as_phone
CARD=$(balance)
python3 "$HERE/../integration/emoney_ledgers.py" "$WORLD" "$BANK_START" "$CARD" >&2 ||
  fail "the card, shop and bank ledgers do not add up"
# Every till payment is mailed at once (the notices, Message-ID purse-txn).
LAST_TXN=$(sql "$WORLD/notices.db" "SELECT MAX(txn) FROM notices")
for _ in $(seq 100); do
  grep -q -E "Message-ID: <[0-9A-F]{16}-([0-9]+-)?$LAST_TXN@homeproxy>" "$SANDBOX_DIR/smtp.log" && break
  sleep 0.1
done
TILL_MAILS=$(grep -c "at till: *terminal-1" "$SANDBOX_DIR/smtp.log" || true)
TILL_PAID=$(grep -c "till terminal-1 paid" "$SANDBOX_DIR/home_server.log" || true)
((TILL_MAILS > 0 && TILL_MAILS == TILL_PAID)) ||
  fail "till payments mailed with the till's ID: $TILL_MAILS of $TILL_PAID"

# A stolen till card: three wrong PINs at the till block it; the right one then does nothing.
as_till
for _ in 1 2 3; do
  till "13572468\n" tea && fail "a wrong PIN paid"
done
grep -q "blocked" "$SANDBOX_DIR/till.err" || grep -q "0 tries left" "$SANDBOX_DIR/till.err" ||
  fail "three wrong PINs: $(cat "$SANDBOX_DIR/till.err")"
till "$ACCESS_PIN\n" tea && fail "a blocked card paid"
grep -q "blocked" "$SANDBOX_DIR/till.err" || fail "blocked card: $(cat "$SANDBOX_DIR/till.err")"
# The user revokes it from home: the revocation is mailed (a notice event, not a purse entry).
"${ADMIN[@]}" revoke-terminal terminal-1 >/dev/null || fail "revoke-terminal"
for _ in $(seq 100); do
  grep -q "Subject: homeproxy: terminal terminal-1 revoked" "$SANDBOX_DIR/smtp.log" && break
  sleep 0.1
done
grep -q "Subject: homeproxy: terminal terminal-1 revoked" "$SANDBOX_DIR/smtp.log" ||
  fail "the revocation was not mailed"
grep -q "revoked by the admin" "$SANDBOX_DIR/smtp.log" || fail "the revocation mail does not say by whom"
echo "test_till_live: ok"

#!/usr/bin/env bash
# The homeproxy demo, end to end on this machine: installs what is missing, builds, starts a
# private pcscd with two vsmartcard readers, plugs in the home card and the access card, and walks
# through a visible session with standard PC/SC tools and our conformance runner: readers and
# ATRs, personalization, the PIN states of both cards, key generation, signatures verified
# against the public key read back, and a retry counter that survives a card restart; then the
# proxy facility: two fresh cards provisioned, a home server, a shop requiring a client
# certificate, and the terminal fetching the shop's page through a delegated, resumed session;
# then the e-money purse on the home card: a shop and a bank server, the user's bank account, a
# mail sink for the payment notices, and the terminal topping up, buying, reading the history,
# cancelling a payment and reading the balance (docs/emoney.md); then the office scene: the
# home's appliances on an MQTT broker with TLS, listed, dimmed, set and unlocked from the
# terminal, the lock notice in the mail sink (docs/appliances.md); the personal information store:
# an appointment made in khal on one terminal shows up in khal on the other (docs/pim.md); the till.
# Usage: tools/demo.sh          (everything it starts is stopped when it ends)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The sandbox below re-executes this script inside private namespaces; set up only once.
if [[ "${HP_SANDBOX_NAMESPACED:-}" != 1 ]]; then
  tools/setup.sh
fi

# shellcheck source=../tests/integration/sandbox.sh
source tests/integration/sandbox.sh
# shellcheck source=../tests/terminal/live_helpers.sh
source tests/terminal/live_helpers.sh

bold=$'\e[1m'
plain=$'\e[0m'
[[ -t 1 ]] || { bold=""; plain=""; }
step() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
run() {
  printf '%s$ %s%s\n' "$bold" "$*" "$plain"
  "$@"
}

home_reader="$(sandbox_reader_name 0)"
access_reader="$(sandbox_reader_name 1)"
conform="$root/build/tools/conform/apdu_conform"

step "1. A private pcscd with two virtual readers; the card processes plug into them"
sandbox_start 2
sandbox_card homecard 0 "$SANDBOX_DIR/homecard.state" --path "$root/build/card/homecard/homecard"
home_pid=$SANDBOX_LAST_PID
sandbox_card accesscard 1 "$SANDBOX_DIR/accesscard.state" --path "$root/build/card/accesscard/accesscard"
access_pid=$SANDBOX_LAST_PID
sandbox_wait_card 0
sandbox_wait_card 1
# pcscd runs with libhp_vpcd_loopback.so preloaded: the card slots listen on 127.0.0.1 only.
run ss -ltn "sport >= :$(sandbox_port 0) and sport <= :$(sandbox_port 1)"

step "2. What standard PC/SC tools see"
run pcsc_scan -t 2 || true
run opensc-tool -l
run opensc-tool -r 0 -a
run opensc-tool -r 1 -a

step "3. opensc-tool: select the home card, read its status, and a wrong command"
# Status DO DF01: 80 lifecycle (01 personalization), 81 security state (00 inhibited), tries.
run opensc-tool -r 0 -s '00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01' -s '00 CA DF 01 00' \
  -s '00 20 00 82 04 31 32 33 34'

step "4. The home card, scenario by scenario (personalize, PIN1 -> standby -> PIN2 -> crypto,"
echo "   blocking and PUK, EC and RSA keys with verified signatures, certificate, registries)"
run "$conform" --card homecard --reader "$home_reader" --verbose

step "5. The access card (personalize, PIN and biometric unlock, lock, blocking, signatures)"
run "$conform" --card accesscard --reader "$access_reader" --verbose

step "6. Retry counters live in card memory: a wrong PIN1, a card restart, the counter is kept"
select_home='00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01'
run opensc-tool -r 0 -s "$select_home" -s '00 20 00 81 06 39 39 39 39 39 39' -s '00 20 00 81'
echo "(restarting the home card process on the same state file)"
sandbox_stop_card "$home_pid" 0
sandbox_card homecard 0 "$SANDBOX_DIR/homecard.state" --path "$root/build/card/homecard/homecard"
home_pid=$SANDBOX_LAST_PID
sandbox_wait_card 0
run opensc-tool -r 0 -s "$select_home" -s '00 20 00 81'
echo "(the right PIN1 restores the counter)"
run opensc-tool -r 0 -s "$select_home" -s '00 20 00 81 06 31 32 33 34 35 36' -s '00 20 00 81'

step "7. The proxy facility: two new cards, provisioned; a home server; a shop that wants a client certificate"
sandbox_stop_card "$home_pid" 0
sandbox_stop_card "$access_pid" 1
sandbox_card homecard 0 "$SANDBOX_DIR/home2.state" --path "$root/build/card/homecard/homecard"
sandbox_card accesscard 1 "$SANDBOX_DIR/access2.state" --path "$root/build/card/accesscard/accesscard"
sandbox_wait_card 0
sandbox_wait_card 1
world="$SANDBOX_DIR/world"
home_port=$(free_port)
shop_port=$(free_port)
smtp_port=$(free_port)
mqtt_port=$(free_port)
pim_port=$(free_port)
# Demo PINs only (hp_provision --help): PIN1 123456, PIN2 654321, access card PIN 2468. The
# e-money shop and bank get ports from the kernel (they print them), notices go to step 9's sink.
run "$root/build/tools/provision/hp_provision" --out "$world" --home-reader "$home_reader" \
  --access-reader "$access_reader" --home-address "127.0.0.1:$home_port" --profile laptop \
  --home-pin1 123456 --home-pin2 654321 --access-pin 2468 \
  --shop-listen 127.0.0.1:0 --bank-listen 127.0.0.1:0 --smtp-url "smtp://127.0.0.1:$smtp_port" \
  --mqtt-listen "127.0.0.1:$mqtt_port" --pim-port "$pim_port"
# The appliance broker (step 12) runs from the start, so the home server finds it at once.
# shellcheck source=../tests/appliances/appliance_bus.sh
source tests/appliances/appliance_bus.sh
# shellcheck disable=SC2034  # read by appliance_bus.sh
APPLIANCE_SIM="$root/build/tools/appliance_sim/appliance_sim"
fail() { sandbox_die "$*"; }
track() { sandbox_track "$1"; }
bus_start_broker "$world/mqtt" "$mqtt_port"
(cd "$world" && exec openssl s_server -accept "127.0.0.1:$shop_port" -Verify 1 -CAfile ca.pem \
  -cert shop.pem -key shop.key -www -tls1_2 -no_ticket -quiet) >"$SANDBOX_DIR/shop.log" 2>&1 &
sandbox_track $!
wait_listening "$shop_port" || sandbox_die "the shop did not start"
"$root/build/host/home_server/home_server" --config "$world/home_server.json" </dev/null \
  >"$SANDBOX_DIR/home_server.log" 2>&1 &
sandbox_track $!
wait_listening "$home_port" || sandbox_die "the home server did not start"
for _ in $(seq 50); do [[ -S "$world/home_server.sock" ]] && break; sleep 0.1; done
echo "(PIN1 typed at the home server's admin prompt)"
enter_pin1 "$root/build/host/home_server/home_server" "$world/home_server.sock" 123456

step "8. The terminal: unlock the access card, PIN2 over the control channel, fetch the shop twice"
terminal=("$root/build/host/terminal/terminal" --reader "$access_reader")
echo '$ terminal unlock   (PIN typed: 2468; starts the terminal agent, which holds the channel)'
printf '2468\n' | "${terminal[@]}" unlock --pin-stdin
echo '$ terminal pin2     (PIN2 typed: 654321)'
printf '654321\n' | "${terminal[@]}" pin2 --pin-stdin
url="https://localhost:$shop_port/"
echo "\$ terminal -v get --delegate $url   (first visit: the home server does the handshake, signed by the home card)"
"${terminal[@]}" -v get --delegate "$url" 2>"$SANDBOX_DIR/get1.err" | grep -E "^(Reused|New), |^subject=" || true
grep -E "agent|session for" "$SANDBOX_DIR/get1.err" || true
echo "\$ terminal -v get --delegate $url   (second visit: the session the agent holds: only the resumption, no card APDU)"
"${terminal[@]}" -v get --delegate "$url" 2>"$SANDBOX_DIR/get2.err" | grep -E "^(Reused|New), |^subject=" || true
grep -E "session for|took" "$SANDBOX_DIR/get2.err" || true
echo "\$ terminal -v get --relay $url; terminal -v get $url   (the agent measures both modes, then picks)"
"${terminal[@]}" -v get --relay "$url" >/dev/null 2>&1 || true
"${terminal[@]}" -v get "$url" 2>&1 >/dev/null | grep -E "mode for|took" || true
run "${terminal[@]}" sessions
run "${terminal[@]}" status
echo "--- home server log (no secrets in it):"
tail -n 12 "$SANDBOX_DIR/home_server.log"

step "9. E-money: a shop, a bank with the user's account, and a mail sink for the notices"
# A server that prints "listening 127.0.0.1:PORT" as its first line: that port.
server_port() {  # STDOUT_FILE
  for _ in $(seq 100); do
    if [[ $(head -n 1 "$1" 2>/dev/null) =~ ^listening\ 127\.0\.0\.1:([0-9]+)$ ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
explain() { printf '   -> %s\n' "$*"; }
echo "\$ shop_server --config world/shop.json      (catalogue: tea 3.50, cake 12.75, book 29.90 EUR)"
"$root/build/tools/shop_server/shop_server" --config "$world/shop.json" \
  >"$SANDBOX_DIR/shop_server.out" 2>"$SANDBOX_DIR/shop_server.log" &
sandbox_track $!
emoney_shop_port=$(server_port "$SANDBOX_DIR/shop_server.out") || sandbox_die "the shop did not start"
head -n 1 "$SANDBOX_DIR/shop_server.out"
run "$root/build/tools/bank_server/bank_server" --config "$world/bank.json" --open-account alice \
  --owner-cert "$world/user.pem" --balance 300000 --currency EUR
explain "account alice (3000.00 EUR) belongs to the key of user.pem: only the home card can use it"
echo "\$ bank_server --config world/bank.json"
"$root/build/tools/bank_server/bank_server" --config "$world/bank.json" \
  >"$SANDBOX_DIR/bank_server.out" 2>"$SANDBOX_DIR/bank_server.log" &
sandbox_track $!
bank_port=$(server_port "$SANDBOX_DIR/bank_server.out") || sandbox_die "the bank did not start"
head -n 1 "$SANDBOX_DIR/bank_server.out"
echo "\$ python3 -m aiosmtpd -n -c aiosmtpd.handlers.Debugging stdout -l 127.0.0.1:$smtp_port"
/usr/bin/python3 -u -m aiosmtpd -n -c aiosmtpd.handlers.Debugging stdout \
  -l "127.0.0.1:$smtp_port" >"$SANDBOX_DIR/smtp.log" 2>&1 &
sandbox_track $!
wait_listening "$smtp_port" || sandbox_die "aiosmtpd did not start"
explain "the home server mails every entry of the card's log there (home_server.json, notices)"

step "10. E-money through the terminal: top up, buy twice, history, cancel a payment, balance"
shop="https://localhost:$emoney_shop_port/"
bank="https://localhost:$bank_port"
run "${terminal[@]}" topup "$bank" alice 100.00
explain "the bank signed a voucher for the card's next credit slot; the home card checked it"
explain "against the bank key in its registry 03, added 100.00 and signed a credit record with"
explain "the user's key; the bank settled the voucher on that record and charged account alice"
run "${terminal[@]}" balance
run "${terminal[@]}" buy "$shop" tea 2
explain "the terminal ordered over its delegated TLS session; the home card signed a payment"
explain "(debit) record with the user's key; the shop checked it against this session's client"
explain "certificate and answered with a receipt signed by its own key (shop-sign.key)"
run "${terminal[@]}" buy "$shop" cake 1
run "${terminal[@]}" history
explain "the card's own log (READ LOG): every movement has the next txn number, none is missing"
order=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
  "SELECT order_ref FROM orders WHERE status=\x27paid\x27 ORDER BY created_ms DESC LIMIT 1").fetchone()[0])' \
  "$world/shop.db") || sandbox_die "no paid order at the shop"
run "${terminal[@]}" cancel "$shop" "$order"
explain "the shop signed a cancellation of order $order (the cake); the home card"
explain "checked it against the shop key in its registry 02 and that this payment was not"
explain "refunded yet, then refunded it and signed a refund record"
run "${terminal[@]}" balance | tee "$SANDBOX_DIR/balance.out"
run "$root/build/tools/bank_server/bank_server" --config "$world/bank.json" --balances
# 100.00 topped up, 2 x 3.50 and 12.75 paid, 12.75 refunded (shop.json's prices).
if grep -q "^93.00 EUR" "$SANDBOX_DIR/balance.out"; then
  explain "the ledgers agree: card 93.00 EUR = 100.00 - 7.00 - 12.75 + 12.75; the bank charged"
  explain "account alice 10000 minor units (100.00) when it settled the voucher"
else
  sandbox_die "the card's balance is not 93.00 EUR"
fi

step "11. One payment notice, as the mail sink received it"
# Four movements (top-up, two payments, a refund): wait until the fourth notice has arrived.
for _ in $(seq 100); do
  (($(grep -c -- '---------- MESSAGE FOLLOWS ----------' "$SANDBOX_DIR/smtp.log") >= 4)) && break
  sleep 0.1
done
echo "($(grep -c -- '---------- MESSAGE FOLLOWS ----------' "$SANDBOX_DIR/smtp.log") mails received; the payment of txn 2:)"
python3 - "$SANDBOX_DIR/smtp.log" <<'PY'
import re, sys
mails = re.findall(r"-+ MESSAGE FOLLOWS -+\n(.*?)\n-+ END MESSAGE -+", open(sys.argv[1]).read(), re.S)
mail = next((m for m in mails if re.search(r"^Message-ID: <[0-9A-F]{16}-2@", m, re.M)), mails[0] if mails else "")
print(mail.strip() if mail else "(no notice received)")
PY
explain "sent by the home server from its outbox; the Message-ID is purse ID and txn, so a"
explain "resent notice is recognisably the same mail"

step "12. The office: the home's appliances over MQTT (TLS, a certificate each, discovery)"
echo "\$ mosquitto -c world/mqtt/mosquitto.conf   (running since step 7: TLS only, client"
echo "   certificates from the home CA, each device limited by world/mqtt/mosquitto.acl)"
bus_start_sims "$world/mqtt" "$mqtt_port"
explain "lamp (light, dimmable), plug (switch), door (lock), thermostat (climate), temperature"
explain "(sensor): appliance_sim, each with its own certificate, announcing itself the Home"
explain "Assistant way and leaving a last will"
for _ in $(seq 50); do
  (($("${terminal[@]}" appliances 2>/dev/null | grep -cE '^(lamp|plug|door|thermostat|temperature) ') >= 5)) && break
  sleep 0.2
done
run "${terminal[@]}" appliances
run "${terminal[@]}" appliance lamp 30
explain "checked against the lamp's announced schema, published, and confirmed by the lamp's"
explain "own state echo: exit status 0 only then"
run "${terminal[@]}" appliance thermostat 21.5
run "${terminal[@]}" appliance thermostat 40 || explain "refused: the thermostat announced 5 to 30"
run "${terminal[@]}" appliance door unlock
explain "a lock needs the PIN2 authority given in step 8 (without it: pin2_required)"
for _ in $(seq 100); do
  grep -q "homeproxy lock door" "$SANDBOX_DIR/smtp.log" && break
  sleep 0.1
done
echo "--- the lock notice, as the mail sink received it:"
python3 - "$SANDBOX_DIR/smtp.log" <<'PY'
import re, sys
mails = re.findall(r"-+ MESSAGE FOLLOWS -+\n(.*?)\n-+ END MESSAGE -+", open(sys.argv[1]).read(), re.S)
mail = next((m for m in mails if "homeproxy lock door" in m), "")
print("\n".join(l for l in mail.strip().splitlines() if not l.startswith("X-")) if mail else "(none)")
PY
grep "appliance command" "$SANDBOX_DIR/home_server.log" | tail -n 4

step "13. Personal information store: an appointment made on one terminal shows up on the other"
# Radicale keeps the calendar at home (radicale.conf from hp_provision: loopback only, the user
# from the home server, every change a git commit); `terminal dav` serves it on the terminal's
# loopback through the control channel; two clients with their own folders sync with vdirsyncer.
pim_world_dir=$world
# shellcheck source=../tests/pim_live/pim_world.sh
source tests/pim_live/pim_world.sh
# shellcheck disable=SC2034  # read by pim_world.sh's functions
WORLD=$pim_world_dir PIM_PORT=$pim_port TERMINAL="$root/build/host/terminal/terminal"
# shellcheck disable=SC2034
ACCESS_READER=$access_reader
fail() { sandbox_die "$*"; }
echo "\$ python3 -m radicale --config world/radicale.conf"
start_radicale
echo "\$ terminal dav --listen 127.0.0.1:0"
start_dav
head -n 1 "$SANDBOX_DIR/dav.out"
for client in laptop phone; do
  vdir_config "$SANDBOX_DIR/$client" "http://127.0.0.1:$DAV_PORT/"
  client_config "$SANDBOX_DIR/$client"
done
run khal -c "$SANDBOX_DIR/laptop/khal.conf" new -a home 2026-12-10 10:00 11:00 "Dentist, room 4"
echo "\$ vdirsyncer sync   (laptop: the appointment goes home through terminal dav and the home server)"
vsync "$SANDBOX_DIR/laptop" || sandbox_die "laptop sync: $(tail -5 "$SANDBOX_DIR/laptop/vdirsyncer.log")"
echo "\$ vdirsyncer sync   (phone: it comes back from home)"
vsync "$SANDBOX_DIR/phone" || sandbox_die "phone sync: $(tail -5 "$SANDBOX_DIR/phone/vdirsyncer.log")"
run khal -c "$SANDBOX_DIR/phone/khal.conf" list 2026-12-01 30d | tee "$SANDBOX_DIR/khal.out"
grep -q "Dentist, room 4" "$SANDBOX_DIR/khal.out" || sandbox_die "the appointment did not arrive"
run git -C "$world/pim" log --oneline -3
explain "Radicale's storage hook committed each change: every version can be restored (docs/pim.md)"

step "14. The till (seed Fig 23): the access card in the shop's machine, within a till's policy"
run "$root/build/host/home_server/home_server" --admin "$world/home_server.sock" terminal-policy \
  terminal-1 '{"kind":"till","shops":["localhost"]}'
explain "the user (at home) made this access card a till card: it may only pay the shop"
explain "localhost, at most 50.00 a payment and 200.00 a day, up to 20.00 with its PIN alone"
run "${terminal[@]}" finish
run "${terminal[@]}" lock
echo "\$ till --shop $shop --cert till.pem --key till.key --ca ca.pem tea   (access card PIN typed: 2468)"
printf '2468\n' | "$root/build/tools/till/till" --shop "$shop" --cert "$world/till.pem" \
  --key "$world/till.key" --ca "$world/ca.pem" --reader "$access_reader" --pin-stdin tea ||
  sandbox_die "the till did not take the coffee"
explain "a coffee (tea, 3.50) with the access card PIN alone: no PIN2, the home card was in"
explain "standby and took the small DEBIT (its own cap: 25.00); the till never saw the balance"
echo "\$ till --shop $shop ... cake:2   (access card PIN 2468, then PIN2 654321 when asked)"
printf '2468\n654321\n' | "$root/build/tools/till/till" --shop "$shop" --cert "$world/till.pem" \
  --key "$world/till.key" --ca "$world/ca.pem" --reader "$access_reader" --pin-stdin cake:2 ||
  sandbox_die "the till did not take the cake"
explain "25.50 is over the PIN-only limit: the home server answered pin2_required, the till"
explain "asked for PIN2, and paid; the till finished the PIN2 authority and locked the card"
echo "\$ till --shop $shop ... book:2   (59.80: over the till's 50.00 a payment)"
printf '2468\n' | "$root/build/tools/till/till" --shop "$shop" --cert "$world/till.pem" \
  --key "$world/till.key" --ca "$world/ca.pem" --reader "$access_reader" --pin-stdin book:2 &&
  sandbox_die "the till paid over its limit"
printf '2468\n' | "${terminal[@]}" unlock --pin-stdin
echo "\$ terminal balance   (this access card is a till card now: refused)"
"${terminal[@]}" balance && sandbox_die "a till card read the balance"
run "$root/build/host/home_server/home_server" --admin "$world/home_server.sock" list-terminals

step "15. terminal lock: the agent wipes its keys and ends"
run "${terminal[@]}" lock
agent_left=$(ls "$XDG_RUNTIME_DIR"/homeproxy/agent-*.sock 2>/dev/null || true)
[[ -z $agent_left ]] || sandbox_die "the agent's socket is still there after terminal lock"
explain "no agent socket left; the next command would need \`terminal unlock\` again"

step "Demo complete: both cards, PC/SC tools, the conformance runner, the proxy facility, e-money, appliances, the PIM store and the till"

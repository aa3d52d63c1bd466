#!/bin/bash
# cardlink_fake_card_test.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION: the attacks
# of issue 9 item 1 on the home card's link, in a private pcscd (sandbox.sh).
#
#  1. A fake card on the home card's slot (a process that took the card port while the home
#     card process was down) answers 9000 to everything. The user gives PIN1 the documented way
#     (home_server --admin SOCKET pin1): the home server must refuse the card, with a message
#     that says so, and the fake card must receive no PIN byte.
#  2. A man in the middle on the link relays every APDU to the real home card (moved to another
#     slot) and logs it. PIN1 and `terminal pin2` must work (the real card answers), and the log
#     must hold neither PIN, in any form the card accepts (ASCII digits, hex).
#  3. The card slots are not reachable beyond loopback: with pcscd started the documented way
#     (LD_PRELOAD=libhp_vpcd_loopback.so, as sandbox.sh does), a connection to a slot port on a
#     non-loopback address of the machine is refused, and `ss` shows them on 127.0.0.1 only.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=tests/terminal/live_prelude.sh
source "$HERE/../terminal/live_prelude.sh"

# An attack that succeeded is recorded and the next one still runs, so one run shows them all.
FINDINGS=()
finding() {
  echo "cardlink_fake_card: ATTACK SUCCEEDED: $*" >&2
  FINDINGS+=("$*")
}
fail() { fail_showing_logs cardlink_fake_card "home_server.log fake.log relay.log" "$@"; }

# Three slots: 0 the home card's reader (where the attacker sits), 1 the access card, 2 where
# the real home card goes for the relay.
sandbox_start 3
sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
HOME_PID=$SANDBOX_LAST_PID
sandbox_card accesscard 1 "$SANDBOX_DIR/access.state" --path "$ACCESSCARD"
sandbox_wait_card 0
sandbox_wait_card 1
HOME_READER=$(sandbox_reader_name 0)
ACCESS_READER=$(sandbox_reader_name 1)

# --- 3. where the card slots listen -------------------------------------------------------
# The attacker on the network: the machine has an address besides loopback (here a veth
# interface in the sandbox's namespace, 10.209.0.1, standing for the machine's LAN address)
# and connects to the card slot ports there, as any host on the LAN could. Debian 12's vpcd
# binds them on 0.0.0.0 and cannot be told otherwise (docs/design.md, "The card link"); pcscd
# started the documented way preloads libhp_vpcd_loopback.so, which binds them on 127.0.0.1.
LAN_ADDR=10.209.0.1
if [[ "${HP_SANDBOX_NAMESPACED:-}" == 1 ]]; then
  if ip link add hpnic0 type veth peer name hpnic1 2>/dev/null; then
    ip addr add "$LAN_ADDR/24" dev hpnic0
    ip link set hpnic1 up
    ip link set hpnic0 up
  else
    ip addr add "$LAN_ADDR/32" dev lo  # no veth here: the address on lo serves the same
  fi
else
  echo "cardlink_fake_card: WARNING: no private network namespace; the reachability test" \
    "uses this machine's first non-loopback address" >&2
  LAN_ADDR=$(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}')
fi
ss -Hltn >"$SANDBOX_DIR/listening.txt"
slot_ports=()
for ((slot = 0; slot < 4; ++slot)); do slot_ports+=("$(sandbox_port "$slot")"); done
: >"$SANDBOX_DIR/wide.txt"
for port in "${slot_ports[@]}"; do
  awk -v p=":$port" '$4 ~ p"$" && $4 !~ /^(127\.0\.0\.1|\[::1\]):/ {print $4}' \
    "$SANDBOX_DIR/listening.txt" >>"$SANDBOX_DIR/wide.txt"
done
[[ ! -s "$SANDBOX_DIR/wide.txt" ]] ||
  finding "card slots listen beyond loopback: $(tr '\n' ' ' <"$SANDBOX_DIR/wide.txt")"
if [[ -n "$LAN_ADDR" ]]; then
  # Slots 2 and 3 have no card yet: a probe there takes no card's place.
  reached=$(/usr/bin/python3 - "$LAN_ADDR" "${slot_ports[2]}" "${slot_ports[3]}" <<'PY'
import socket, sys
addr = sys.argv[1]
for port in sys.argv[2:]:
    try:
        socket.create_connection((addr, int(port)), timeout=2).close()
        print(f"{addr}:{port}", end=" ")
    except OSError:
        pass
PY
  )
  if [[ -n "$reached" ]]; then
    finding "a card slot port is reachable on the non-loopback address: $reached"
  else
    echo "cardlink_fake_card: card slots listen on" \
      "$(awk '{print $4}' "$SANDBOX_DIR/listening.txt" | tr '\n' ' ')and refuse $LAN_ADDR"
  fi
fi

# Eight-digit PINs that nothing else in the logs contains by chance.
PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
HOME_PORT=$(free_port)
"$HP_PROVISION" --out "$SANDBOX_DIR/world" --home-reader "$HOME_READER" \
  --access-reader "$ACCESS_READER" --home-address "127.0.0.1:$HOME_PORT" --home-pin1 "$PIN1" \
  --home-pin2 "$PIN2" --access-pin "$ACCESS_PIN" >"$SANDBOX_DIR/provision.out" ||
  fail "hp_provision"
WORLD="$SANDBOX_DIR/world"

# The card link's mode, as the sandbox configured vpcd: the fake card takes the real card's
# place on the same port either way.
fake_link_args() {
  echo --connect "$(sandbox_port "$1")"
}

# Every form in which a PIN could cross the link: ASCII digits (what VERIFY carries) in hex,
# and the digits themselves.
pin_leaked() {  # LOG: prints the PINs found
  local pin hex found=""
  for pin in "$PIN1" "$PIN2"; do
    hex=$(printf '%s' "$pin" | od -An -tx1 | tr -d ' \n')
    if grep -qi -e "$hex" -e "$pin" "$1"; then found+="$pin "; fi
  done
  echo "$found"
}

start_home_server() {
  rm -f "$WORLD/home_server.sock"
  "$HOME_SERVER" --config "$WORLD/home_server.json" </dev/null >>"$SANDBOX_DIR/home_server.log" 2>&1 &
  HOME_SERVER_PID=$!
  sandbox_track "$HOME_SERVER_PID"
  for _ in $(seq 100); do [[ -S "$WORLD/home_server.sock" ]] && break; sleep 0.1; done
  [[ -S "$WORLD/home_server.sock" ]] || fail "the home server did not start"
}
stop_home_server() {
  kill "$HOME_SERVER_PID" 2>/dev/null || true
  wait "$HOME_SERVER_PID" 2>/dev/null || true
}

# --- 1. a fake card that answers 9000 to everything ----------------------------------------
sandbox_stop_card "$HOME_PID" 0
# shellcheck disable=SC2046
/usr/bin/python3 "$HERE/cardlink_fake_card.py" --log "$SANDBOX_DIR/fake.apdus" --answer-ok \
  $(fake_link_args 0) >"$SANDBOX_DIR/fake.log" 2>&1 &
FAKE_PID=$!
sandbox_track "$FAKE_PID"
sandbox_wait_card 0
start_home_server
enter_pin1 "$HOME_SERVER" "$WORLD/home_server.sock" "$PIN1" >"$SANDBOX_DIR/pin1-fake.log" 2>&1 || true
leaked=$(pin_leaked "$SANDBOX_DIR/fake.apdus")
if [[ -n "$leaked" ]]; then
  finding "the fake card received PIN(s) $leaked: $(grep -i "$(printf '%s' "$PIN1" | od -An -tx1 | tr -d ' \n')" "$SANDBOX_DIR/fake.apdus")"
else
  echo "cardlink_fake_card: fake card saw $(wc -l <"$SANDBOX_DIR/fake.apdus") APDUs, no PIN byte"
fi
if grep -q "not the home card this server was provisioned with" "$SANDBOX_DIR/pin1-fake.log"; then
  echo "cardlink_fake_card: fake card refused: $(grep -m1 'not the home card' "$SANDBOX_DIR/pin1-fake.log" | tr -d '\r')"
else
  finding "the fake card was not refused: $(tr -d '\r' <"$SANDBOX_DIR/pin1-fake.log")"
fi
stop_home_server
kill "$FAKE_PID" 2>/dev/null || true
wait "$FAKE_PID" 2>/dev/null || true
_sandbox_card_state 0 absent 10 || fail "slot 0 still shows the fake card"

# --- 2. a man in the middle relaying to the real home card ----------------------------------
sandbox_card homecard 2 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
sandbox_wait_card 2
# shellcheck disable=SC2046
/usr/bin/python3 "$HERE/cardlink_fake_card.py" --log "$SANDBOX_DIR/relay.apdus" \
  --relay "$(sandbox_reader_name 2)" $(fake_link_args 0) >"$SANDBOX_DIR/relay.log" 2>&1 &
sandbox_track $!
sandbox_wait_card 0
start_home_server
enter_pin1 "$HOME_SERVER" "$WORLD/home_server.sock" "$PIN1" >"$SANDBOX_DIR/pin1-relay.log" 2>&1 ||
  fail "PIN1 through the relay: $(cat "$SANDBOX_DIR/pin1-relay.log")"
T=("$TERMINAL" --reader "$ACCESS_READER")
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null 2>"$SANDBOX_DIR/unlock.err" ||
  fail "unlock: $(cat "$SANDBOX_DIR/unlock.err")"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >"$SANDBOX_DIR/pin2.out" 2>&1 ||
  fail "pin2 through the relay: $(cat "$SANDBOX_DIR/pin2.out")"
grep -q crypto "$SANDBOX_DIR/pin2.out" || fail "pin2 answered: $(cat "$SANDBOX_DIR/pin2.out")"
leaked=$(pin_leaked "$SANDBOX_DIR/relay.apdus")
if [[ -n "$leaked" ]]; then
  finding "the relay saw PIN(s) $leaked in clear: $(grep -i '^002000' "$SANDBOX_DIR/relay.apdus" | tr '\n' ' ')"
else
  echo "cardlink_fake_card: relay saw $(wc -l <"$SANDBOX_DIR/relay.apdus") APDUs, PIN1 and PIN2" \
    "verified, no PIN byte in clear"
fi
((${#FINDINGS[@]} == 0)) || fail "${#FINDINGS[@]} attack(s) succeeded"
echo "cardlink_fake_card: PASS"

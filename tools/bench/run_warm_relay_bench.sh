#!/bin/bash
# run_warm_relay_bench.sh BUILD_DIR [RUNS]: stand-by of a relayed GET through the terminal agent
# with the home server's warm relay connections (issue 12), on delay relays: terminal <-> home
# server 150 ms RTT, home server <-> shop 20 ms RTT (tools/bench/delay_relay), the shop
# tools/shop_server (HTTP/1.1 keep-alive, client certificates required, GET /catalogue). No
# bandwidth limit or CPU throttle (run_standby_bench.sh has those). Prints the median and p95
# wall time of `terminal get --relay` and how many TCP connections the shop accepted for them.
# For the "before" figure, PROXY_BUILD=DIR takes home_server and terminal from another build
# (one without warm connections; the cards, shop and relays stay BUILD's). Not in CI.
set -euo pipefail
BUILD=$(realpath "${1:?usage: run_warm_relay_bench.sh BUILD_DIR [RUNS]}")
RUNS=${2:-20}
PROXY=$(realpath "${PROXY_BUILD:-$BUILD}")
BENCH_NAME=run_warm_relay_bench
BENCH_MORE=(DELAY_RELAY=tools/bench/delay_relay)
# shellcheck source=tools/bench/bench_prelude.sh
source "$(dirname "$(realpath "$0")")/bench_prelude.sh"
HOME_SERVER=$PROXY/host/home_server/home_server  # the two programs measured, from PROXY
TERMINAL=$PROXY/host/terminal/terminal
fail() { fail_showing_logs run_warm_relay_bench "home_server.log agent.log shop.log" "$@"; }
delay() {  # TARGET_PORT ONE_WAY_MS: starts a delay relay; its port in DELAY_PORT
  local fifo="$SANDBOX_DIR/delay.$1" hold
  mkfifo "$fifo"
  "$DELAY_RELAY" "$1" "$2" <"$fifo" >"$SANDBOX_DIR/delay.$1.out" &
  sandbox_track $!
  # shellcheck disable=SC2034 # the descriptor is held, never used: its stdin stays open
  exec {hold}>"$fifo"
  for _ in $(seq 50); do grep -q listening "$SANDBOX_DIR/delay.$1.out" && break; sleep 0.1; done
  DELAY_PORT=$(sed -n 's/^listening on 127.0.0.1://p' "$SANDBOX_DIR/delay.$1.out")
  [[ -n $DELAY_PORT ]] || fail "delay relay to $1 did not start"
}

start_both_cards
WORLD="$SANDBOX_DIR/world"
PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
HOME_PORT=$(free_port)
SHOP_PORT=$(free_port)
delay "$HOME_PORT" 75
HOME_RELAY=$DELAY_PORT
delay "$SHOP_PORT" 10
SHOP_RELAY=$DELAY_PORT
"$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" \
  --access-reader "$ACCESS_READER" --home-address "127.0.0.1:$HOME_RELAY" \
  --profile laptop --home-pin1 "$PIN1" --home-pin2 "$PIN2" --access-pin "$ACCESS_PIN" \
  >"$SANDBOX_DIR/provision.out" || fail "hp_provision"
python3 - "$WORLD/home_server.json" "$HOME_PORT" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["listen_port"] = int(sys.argv[2])  # the terminal comes through the delay relay
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
(cd "$WORLD" && exec "$SHOP_SERVER" --config shop.json \
  --listen "127.0.0.1:$SHOP_PORT") >/dev/null 2>"$SANDBOX_DIR/shop.log" &
sandbox_track $!
wait_listening "$SHOP_PORT" || fail "the shop did not start"
start_home_server

agent_in_sandbox "localhost:$SHOP_RELAY"
URL="https://localhost:$SHOP_RELAY/catalogue"
T=("$TERMINAL" --reader "$ACCESS_READER")
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
sleep 1  # the prepared session (and, with warm connections, the warm one)
"${T[@]}" get --relay "$URL" >/dev/null 2>"$SANDBOX_DIR/first.err" || fail "first relayed get"
before=$(grep -c '"GET /catalogue"' "$SANDBOX_DIR/shop.log" || true)
times=()
for _ in $(seq "$RUNS"); do
  start=$(date +%s%N)
  "${T[@]}" get --relay "$URL" >/dev/null 2>&1 || fail "relayed get"
  times+=($((($(date +%s%N) - start) / 1000000)))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(sed -n "$(((RUNS + 1) / 2))p" <<<"$sorted")
p95=$(sed -n "$(((RUNS * 95 + 99) / 100))p" <<<"$sorted")
peers=$(grep '"GET /catalogue"' "$SANDBOX_DIR/shop.log" | tail -n +"$((before + 1))" |
  awk '{print $3}' | sort -u | wc -l)
echo "relayed GET through the agent, 150 ms terminal RTT, 20 ms shop RTT, $RUNS runs:"
echo "  median ${median} ms, p95 ${p95} ms; shop connections for them: $peers"
if [[ -n ${BENCH_DEBUG:-} ]]; then
  grep -v relay.request "$SANDBOX_DIR/home_server.log" | tail -n 20
  cat "$SANDBOX_DIR/agent.log"
fi
"${T[@]}" lock >/dev/null 2>&1 || true

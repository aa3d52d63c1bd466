#!/bin/bash
# run_terminal_client_bench.sh BUILD_DIR [RUNS]: what one `terminal get` costs when the terminal
# agent serves it (issue 12): the command process's CPU time (user + system, getrusage of the
# children over RUNS runs, `terminal --help` as the floor of a process start), and the bytes on
# the terminal <-> home server link per relayed GET of a 2,048-byte page, control channel
# included (a 0 ms delay relay counts them). The shop is `openssl s_server -WWW` serving the
# page, the agent holds a prepared session for it. No delay, no throttle: the figures are
# counts, not stand-by (run_standby_bench.sh). For the "before" figures, PROXY_BUILD=DIR takes
# home_server and terminal from another build (the cards and the relay stay BUILD's). Not in CI.
set -euo pipefail
BUILD=$(realpath "${1:?usage: run_terminal_client_bench.sh BUILD_DIR [RUNS]}")
RUNS=${2:-100}
PROXY=$(realpath "${PROXY_BUILD:-$BUILD}")
BENCH_NAME=run_terminal_client_bench
BENCH_MORE=(DELAY_RELAY=tools/bench/delay_relay)
# shellcheck source=tools/bench/bench_prelude.sh
source "$(dirname "$(realpath "$0")")/bench_prelude.sh"
HOME_SERVER=$PROXY/host/home_server/home_server  # the two programs measured, from PROXY
TERMINAL=$PROXY/host/terminal/terminal
fail() { fail_showing_logs run_terminal_client_bench "home_server.log agent.log shop.log" "$@"; }

start_both_cards
WORLD="$SANDBOX_DIR/world"
PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
HOME_PORT=$(free_port)
SHOP_PORT=$(free_port)
# The terminal's link to the home server through a 0 ms relay that counts its bytes.
fifo="$SANDBOX_DIR/relay.in"
mkfifo "$fifo"
"$DELAY_RELAY" "$HOME_PORT" 0 <"$fifo" >"$SANDBOX_DIR/relay.out" &
sandbox_track $!
exec {RELAY_IN}>"$fifo"
for _ in $(seq 50); do grep -q listening "$SANDBOX_DIR/relay.out" && break; sleep 0.1; done
RELAY_PORT=$(sed -n 's/^listening on 127.0.0.1://p' "$SANDBOX_DIR/relay.out")
[[ -n $RELAY_PORT ]] || fail "the relay did not start"
"$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" --access-reader "$ACCESS_READER" \
  --home-address "127.0.0.1:$RELAY_PORT" --profile laptop --home-pin1 "$PIN1" \
  --home-pin2 "$PIN2" --access-pin "$ACCESS_PIN" >"$SANDBOX_DIR/provision.out" || fail "hp_provision"
python3 - "$WORLD/home_server.json" "$HOME_PORT" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["listen_port"] = int(sys.argv[2])  # the terminal comes through the relay
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
head -c 2048 /dev/zero | tr '\0' 'p' >"$WORLD/page.html"
(cd "$WORLD" && exec openssl s_server -accept "127.0.0.1:$SHOP_PORT" -Verify 1 -CAfile ca.pem \
  -cert shop.pem -key shop.key -WWW -tls1_2 -no_ticket -quiet) >>"$SANDBOX_DIR/shop.log" 2>&1 &
sandbox_track $!
wait_listening "$SHOP_PORT" || fail "the shop did not start"
start_home_server

agent_in_sandbox "localhost:$SHOP_PORT"
URL="https://localhost:$SHOP_PORT/page.html"
READER=$ACCESS_READER
printf '%s\n' "$ACCESS_PIN" | "$TERMINAL" --reader "$READER" unlock --pin-stdin >/dev/null ||
  fail "unlock"
printf '%s\n' "$PIN2" | "$TERMINAL" --reader "$READER" pin2 --pin-stdin >/dev/null || fail "pin2"
sleep 1  # the prepared session
for mode in --relay --delegate; do
  [[ $("$TERMINAL" --reader "$READER" get "$mode" "$URL" 2>"$SANDBOX_DIR/first.err" | wc -c) == 2048 ]] ||
    fail "first get $mode: $(cat "$SANDBOX_DIR/first.err")"
done

# Bytes on the terminal's link per relayed GET (both directions, RPC records included).
echo bytes >&"$RELAY_IN"
for _ in $(seq 10); do "$TERMINAL" --reader "$READER" get --relay "$URL" >/dev/null; done
sleep 0.3
echo bytes >&"$RELAY_IN"
sleep 0.3
line=$(grep '^bytes:' "$SANDBOX_DIR/relay.out" | tail -n 1)
read -r up down < <(sed -E 's/^bytes: ([0-9]+) up, ([0-9]+) down.*/\1 \2/' <<<"$line")
echo "terminal link per relayed GET of a 2,048-byte page (10 GETs): $((up / 10)) B up," \
  "$((down / 10)) B down, $(((up + down) / 10)) B in all"

# CPU time of the command process: RUNS runs each, getrusage of the children.
python3 - "$RUNS" "$TERMINAL" "$READER" "$URL" <<'PY'
import resource, subprocess, sys
runs, terminal, reader, url = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cases = [("terminal --help", [terminal, "--help"]),
         ("get --relay (agent)", [terminal, "--reader", reader, "get", "--relay", url]),
         ("get --delegate (agent)", [terminal, "--reader", reader, "get", "--delegate", url]),
         ("get, mode chosen (agent)", [terminal, "--reader", reader, "get", url])]
print(f"CPU of the terminal process (user + system), mean of {runs} runs:")
for name, argv in cases:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = (after.ru_utime - before.ru_utime) / runs * 1000
    system = (after.ru_stime - before.ru_stime) / runs * 1000
    print(f"  {name:26s} {user + system:6.2f} ms ({user:.2f} user, {system:.2f} system)")
PY
"$TERMINAL" --reader "$READER" lock >/dev/null 2>&1 || true

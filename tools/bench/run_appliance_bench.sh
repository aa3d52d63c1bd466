#!/usr/bin/env bash
# Appliance benchmark (issue 14, docs/benchmarks.md "Appliances"): in one private world (both
# cards, the home server from hp_provision's config, mosquitto with its TLS config and ACL, the
# simulated plug):
#   (a) `terminal appliance plug on|off` processes, each timed whole (process start, PC/SC,
#       channel handshake, appliance.set, the plug's state echo);
#   (b) appliance.set over one held channel (bench_appliance rpc): the call to the confirmed
#       answer, channel set-up timed apart;
#   (c) the same on/off without the home server (bench_appliance bare: a libmosquitto client
#       publishes hp/plug/set and waits for hp/plug/state), and mosquitto_pub + mosquitto_sub
#       processes for the same round trip;
#   (d) 1,000 switches announced at once (one appliance_sim --fleet connection): time until
#       appliance.list holds them all, the list call itself, and the home server's RSS.
# Usage: tools/bench/run_appliance_bench.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
usage="usage: tools/bench/run_appliance_bench.sh BUILD_DIR [OUT_DIR]"
BUILD=$(realpath "${1:?$usage}")
OUT=${2:-$BUILD/appliance-bench}
HERE=$(dirname "$(realpath "$0")")
TESTS=$(realpath "$HERE/../../tests")
N=${HP_APPLIANCE_BENCH_N:-200}     # sets in (b) and (c)
PROCS=${HP_APPLIANCE_BENCH_PROCS:-30}  # terminal processes in (a)
FLEET=1000

BENCH_NAME=run_appliance_bench
BENCH_MORE=(APPLIANCE_SIM=tools/appliance_sim/appliance_sim BENCH=tools/bench/bench_appliance)
# shellcheck source=tools/bench/bench_prelude.sh
source "$HERE/bench_prelude.sh"
# shellcheck source=tests/appliances/appliance_bus.sh
source "$TESTS/appliances/appliance_bus.sh"
fail() {
  echo "run_appliance_bench: FAIL: $*" >&2
  [[ -f "$SANDBOX_DIR/home_server.log" ]] && tail -n 20 "$SANDBOX_DIR/home_server.log" >&2
  exit 1
}
track() { sandbox_track "$1"; }
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
# shellcheck disable=SC2016  # expanded by sandbox.sh's EXIT trap
SANDBOX_ON_EXIT='cp "$SANDBOX_DIR"/*.log "$OUT"/ 2>/dev/null || true'

emoney_world_start 300000
MQTT=$WORLD/mqtt
# The fleet of (d) announces 1,000 switches from one connection, with fan's certificate: the
# benchmark alone widens fan's ACL for that.
printf 'user fan\ntopic write homeassistant/#\ntopic readwrite hp/#\n' >>"$MQTT/mosquitto.acl"
bus_start_broker "$MQTT" "$MQTT_PORT"
"$APPLIANCE_SIM" --kind switch --name plug --broker "127.0.0.1:$MQTT_PORT" --dir "$MQTT" \
  >>"$SANDBOX_DIR/sims.log" 2>&1 &
track $!
T=("$TERMINAL" --reader "$ACCESS_READER")
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
# The home server started before the broker: it finds it within its back-off (<= 10 s).
# The list read whole, not `terminal ... | grep -q`: under pipefail, the terminal writing on
# after grep quit (EPIPE) would fail the pipeline.
for _ in $(seq 150); do
  grep -q "^plug .* yes " <<<"$("${T[@]}" appliance plug 2>/dev/null || true)" && break
  sleep 0.2
done
"${T[@]}" appliance plug on >/dev/null || fail "the plug is not reachable through the home server"

now_us() { echo $(($(date +%s%N) / 1000)); }
stats() {  # FILE: "median p99" of the µs values in FILE
  sort -n "$1" | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%d %d\n", v[int((NR + 1) / 2)], v[i] }'
}

echo "run_appliance_bench: (a) $PROCS terminal processes" >&2
: >"$OUT/terminal_us.txt"
for ((i = 0; i < PROCS; ++i)); do
  value=$([ $((i % 2)) -eq 0 ] && echo off || echo on)
  t0=$(now_us)
  "${T[@]}" appliance plug "$value" >/dev/null || fail "terminal appliance plug $value"
  echo $(($(now_us) - t0)) >>"$OUT/terminal_us.txt"
done

echo "run_appliance_bench: (b) $N appliance.set over one channel" >&2
"$BENCH" rpc "$ACCESS_READER" plug "$N" >"$OUT/rpc.txt" || fail "bench_appliance rpc"
echo "run_appliance_bench: (c) $N bare MQTT round trips, and $PROCS mosquitto_pub/sub pairs" >&2
"$BENCH" bare 127.0.0.1 "$MQTT_PORT" "$MQTT" plug "$N" >"$OUT/bare.txt" || fail "bench_appliance bare"
tls=(-h 127.0.0.1 -p "$MQTT_PORT" --cafile "$MQTT/ca.pem" --cert "$MQTT/home-server.pem"
  --key "$MQTT/home-server.key")
: >"$OUT/cli_us.txt"
for ((i = 0; i < PROCS; ++i)); do
  value=$([ $((i % 2)) -eq 0 ] && echo ON || echo OFF)
  t0=$(now_us)
  # The subscriber first (it gets the retained state, then the echo: -C 2), then the command.
  mosquitto_sub "${tls[@]}" -i bench-sub -q 1 -t hp/plug/state -C 2 -W 5 >"$OUT/cli_sub.out" &
  sub=$!
  sleep 0.05
  mosquitto_pub "${tls[@]}" -i bench-pub -q 1 -t hp/plug/set -m "$value"
  wait "$sub" || fail "no echo through mosquitto_sub"
  echo $(($(now_us) - t0)) >>"$OUT/cli_us.txt"
done

echo "run_appliance_bench: (d) $FLEET switches announced at once" >&2
RSS_BEFORE=$(awk '/VmRSS/ { print $2 }' "/proc/$HOME_SERVER_PID/status")
FLEET_START=$(now_us)
"$APPLIANCE_SIM" --fleet "$FLEET" --name fleet --id fan --broker "127.0.0.1:$MQTT_PORT" \
  --dir "$MQTT" >>"$SANDBOX_DIR/sims.log" 2>&1 &
track $!
"$BENCH" list "$ACCESS_READER" $((FLEET + 1)) >"$OUT/list.txt" || fail "bench_appliance list"
LISTED_AT=$(sed -n 's/.*at_unix_us=\([0-9]*\).*/\1/p' "$OUT/list.txt")
sleep 1
RSS_AFTER=$(awk '/VmRSS/ { print $2 }' "/proc/$HOME_SERVER_PID/status")
t0=$(now_us)
"${T[@]}" appliances >"$OUT/appliances.out" || fail "terminal appliances"
LIST_PROC_US=$(($(now_us) - t0))

read -r TERM_MED TERM_P99 < <(stats "$OUT/terminal_us.txt")
read -r CLI_MED CLI_P99 < <(stats "$OUT/cli_us.txt")
RPC=$(grep rpc_set_confirmed "$OUT/rpc.txt")
BARE=$(grep bare_mqtt_echo "$OUT/bare.txt")
RPC_MED=$(grep -o 'median_us=[0-9]*' <<<"$RPC" | cut -d= -f2)
BARE_MED=$(grep -o 'median_us=[0-9]*' <<<"$BARE" | cut -d= -f2)
cat <<REPORT
appliance benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; load before: ${LOAD_BEFORE##*load average: })
(a) terminal appliance plug on|off, whole process:   median ${TERM_MED} us, p99 ${TERM_P99} us ($PROCS runs)
(b) appliance.set over one channel, to confirmed:    $RPC
    channel set-up (PC/SC, handshake), apart:         $(grep channel_setup "$OUT/rpc.txt")
(c) bare MQTT publish -> state echo (libmosquitto): $BARE
    mosquitto_sub + mosquitto_pub processes:         median ${CLI_MED} us, p99 ${CLI_P99} us ($PROCS runs)
    home server's addition (b - c, medians):         $((RPC_MED - BARE_MED)) us
(d) $FLEET switches announced -> all in appliance.list: $(((LISTED_AT - FLEET_START) / 1000)) ms; $(grep -o 'list_call_us=[0-9]*' "$OUT/list.txt") (one call, $(grep -o 'listed=[0-9]*' "$OUT/list.txt"))
    terminal appliances (whole process, 1,001 rows): $((LIST_PROC_US / 1000)) ms
    home server RSS: ${RSS_BEFORE} kB before, ${RSS_AFTER} kB with $((FLEET + 1)) appliances
REPORT

#!/bin/bash
# run_till_bench.sh BUILD_DIR [OUT_DIR]: PIN-only till payments end to end (issue 13,
# docs/benchmarks.md "Shop check of PIN-only payments"), in the live e-money world of
# tests/emoney_live (emoney_world.sh: a private pcscd with the real homecard and accesscard
# processes, shop_server, bank_server, the home server), all on 127.0.0.1. The access card is made
# a till card; then HP_TILL_BENCH_ROUNDS rounds (default 3) of one `till -v` process paying 14
# teas (3.50 EUR: 49.00, under the card's 50.00 PIN-only total) over one channel with the access
# card PIN alone, PIN2 given again as a phone between rounds (it resets the card's total). Per
# payment the till's `purse.pay N ms` line (the home server's shop check and the card's DEBIT):
# the very first payment to the shop (no check of it cached at the home server) and all later
# ones are reported apart. Builds nothing.
set -euo pipefail
usage="usage: tools/bench/run_till_bench.sh BUILD_DIR [OUT_DIR]"
BUILD=$(realpath "${1:?$usage}")
OUT=${2:-$BUILD/till-bench}
HERE=$(dirname "$(realpath "$0")")
TESTS=$(realpath "$HERE/../../tests")
HOMECARD=$BUILD/card/homecard/homecard
ACCESSCARD=$BUILD/card/accesscard/accesscard
HOME_SERVER=$BUILD/host/home_server/home_server
TERMINAL=$BUILD/host/terminal/terminal
HP_PROVISION=$BUILD/tools/provision/hp_provision
SHOP_SERVER=$BUILD/tools/shop_server/shop_server
BANK_SERVER=$BUILD/tools/bank_server/bank_server
TILL=$BUILD/tools/till/till
for exe in "$HOMECARD" "$ACCESSCARD" "$HOME_SERVER" "$TERMINAL" "$HP_PROVISION" "$SHOP_SERVER" \
  "$BANK_SERVER" "$TILL"; do
  [[ -x $exe ]] || { echo "run_till_bench: $exe missing; build it first" >&2; exit 2; }
done
ROUNDS=${HP_TILL_BENCH_ROUNDS:-3}
PER_ROUND=14

# shellcheck source=tests/integration/sandbox.sh
source "$TESTS/integration/sandbox.sh"
# shellcheck source=tests/terminal/live_helpers.sh
source "$TESTS/terminal/live_helpers.sh"
# shellcheck source=tests/emoney_live/emoney_world.sh
source "$TESTS/emoney_live/emoney_world.sh"

fail() { fail_showing_logs run_till_bench "home_server.log shop.log" "$@"; }
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

emoney_world_start 300000
T=("$TERMINAL" --reader "$ACCESS_READER")
SHOP="https://localhost:$SHOP_PORT/"
ADMIN=("$HOME_SERVER" --admin "$WORLD/home_server.sock")
policy() { "${ADMIN[@]}" terminal-policy terminal-1 "$1" >/dev/null || fail "terminal-policy $1"; }
as_phone() {
  policy '{"kind":"phone"}'
  printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
  printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
}
# No day limit: the rounds together pass the till's default 200.00.
as_till() { policy '{"kind":"till","shops":["localhost"],"per_day":0}'; "${T[@]}" finish >/dev/null || true; "${T[@]}" lock >/dev/null; }

as_phone
"${T[@]}" topup "https://localhost:$BANK_PORT" alice 300.00 >/dev/null 2>"$OUT/topup.err" ||
  fail "topup: $(cat "$OUT/topup.err")"
: >"$OUT/all_ms.txt"
teas=()
for ((i = 0; i < PER_ROUND; ++i)); do teas+=(tea); done
for ((round = 0; round < ROUNDS; ++round)); do
  as_phone  # PIN2: the card's PIN-only total back to 0
  as_till
  printf '%s\n' "$ACCESS_PIN" | "$TILL" --shop "$SHOP" --cert "$WORLD/till.pem" \
    --key "$WORLD/till.key" --ca "$WORLD/ca.pem" --reader "$ACCESS_READER" --pin-stdin -v \
    "${teas[@]}" >"$OUT/till-$round.out" 2>"$OUT/till-$round.err" ||
    fail "till: $(tail -3 "$OUT/till-$round.err")"
  grep -q "PIN2" "$OUT/till-$round.out" && fail "a tea asked for PIN2"
  grep -o 'purse.pay [0-9.]* ms' "$OUT/till-$round.err" | awk '{ print $2 }' >"$OUT/round.txt"
  [[ $(wc -l <"$OUT/round.txt") -eq $PER_ROUND ]] || fail "round $round: $(cat "$OUT/round.txt")"
  cat "$OUT/round.txt" >>"$OUT/all_ms.txt"
done
summary() {  # NAME FILE
  sort -n "$2" | awk -v name="$1" '{ v[NR] = $1; s += $1 } END {
    printf "%-24s median %8.2f ms  mean %8.2f  min %8.2f  max %8.2f  (n=%d)\n", name,
      v[int((NR + 1) / 2)], s / NR, v[1], v[NR], NR }'
}
echo "load: $(uptime)"
head -1 "$OUT/all_ms.txt" >"$OUT/first_ms.txt"
tail -n +2 "$OUT/all_ms.txt" >"$OUT/later_ms.txt"
summary "purse.pay, first payment" "$OUT/first_ms.txt" | tee "$OUT/till_bench.txt"
summary "purse.pay, later ones" "$OUT/later_ms.txt" | tee -a "$OUT/till_bench.txt"

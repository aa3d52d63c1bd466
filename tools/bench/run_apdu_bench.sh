#!/bin/bash
# run_apdu_bench.sh: APDU rate through pcscd of the home card, the echo reference card and
# vsmartcard's vicc, in one private pcscd (tests/integration/sandbox.sh), and PASS/FAIL against
# the targets: home card >= 10,000 APDU/s and >= 90% of the echo card.
#
#   tools/bench/run_apdu_bench.sh [BUILD_DIR] [ROUNDS]      (defaults: build, 5 one-second rounds)
#
# Rows: home card with GET DATA status (00 CA DF 01 00, fresh state), echo card with the same
# APDU, vicc with GET CHALLENGE (00 84 00 00 08, a few seconds only: it is slow), and the echo
# card with quick-ACK off (--no-quickack), which shows that vicc's slowness is the TCP stall
# explained in tools/echo_card/echo_card.cpp, not card work.
# Exit status: 0 when both targets pass, 1 otherwise.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$REPO/build}
SECONDS_PER_RUN=${2:-5}  # rounds of 1 s for the home and echo cards
BUILD=$(cd "$BUILD" && pwd)
export HP_BUILD_DIR=$BUILD
BENCH=$BUILD/tools/bench/bench_apdu_rate
ECHO_CARD=$BUILD/tools/echo_card/echo_card
HOMECARD=$BUILD/card/homecard/homecard
for exe in "$BENCH" "$ECHO_CARD" "$HOMECARD"; do
  [[ -x "$exe" ]] || { echo "missing $exe: build first (ninja -C $BUILD)" >&2; exit 2; }
done

# Re-executes this script in private network and mount namespaces (see sandbox.sh).
source "$REPO/tests/integration/sandbox.sh"

readonly HOME_AID=F0484F4D454341524401
readonly GET_STATUS="00 CA DF 01 00"
readonly GET_CHALLENGE="00 84 00 00 08"

# One slot per card, all started at once: swapping cards on one slot after a benchmark run left
# pcscd's presence polling of that slot stuck (vpcd 0.8), so nothing is swapped.
sandbox_start 4
sandbox_card homecard 0 "$SANDBOX_DIR/home.state"
sandbox_card echo_card 1 - --path "$ECHO_CARD"
sandbox_card echo_card 2 - --path "$ECHO_CARD" --no-quickack
VICC_NOTE=""
if command -v vicc >/dev/null; then
  sandbox_vicc 3
else
  VICC_NOTE="vicc not installed (apt-get install vsmartcard-vpicc)"
fi
for slot in 0 1 2; do sandbox_wait_card "$slot"; done
[[ -z "$VICC_NOTE" ]] && sandbox_wait_card 3 20

# run_bench LABEL SLOT SECONDS ARGS...: one bench_apdu_rate run; adds its count, seconds, p50
# and p99 to the totals of LABEL (several runs of one label are summed: see the rounds below).
declare -A COUNT SECS P50 P99
run_bench() {
  local label=$1 slot=$2 seconds=$3
  shift 3
  local out
  out=$("$BENCH" --reader "$(sandbox_reader_name "$slot")" --seconds "$seconds" "$@") || {
    echo "$out" >&2
    echo "bench_apdu_rate failed for $label" >&2
    exit 1
  }
  echo "$out" | sed -n 2p | sed "s/^/  $label: /" >&2
  local result field
  result=$(echo "$out" | grep '^RESULT ')
  field() { echo "$result" | sed -E "s/.* $1=([0-9.]+).*/\1/"; }
  COUNT[$label]=$((${COUNT[$label]:-0} + $(field count)))
  SECS[$label]=$(awk -v a="${SECS[$label]:-0}" -v b="$(field seconds)" 'BEGIN { print a + b }')
  # Over several rounds: the worst p50 and p99 seen.
  local p50 p99
  p50=$(field p50_us)
  p99=$(field p99_us)
  ((p50 > ${P50[$label]:-0})) && P50[$label]=$p50
  ((p99 > ${P99[$label]:-0})) && P99[$label]=$p99
  return 0
}
rate_of() { awk -v c="${COUNT[$1]}" -v s="${SECS[$1]}" 'BEGIN { printf "%.1f", c / s }'; }

# The home card and the echo card alternate in 1-second rounds, so that load from anything
# else on the machine hits both alike and the ratio stays meaningful.
echo "measuring (${SECONDS_PER_RUN} rounds of 1 s per card, alternating)..." >&2
for ((round = 0; round < SECONDS_PER_RUN; round++)); do
  run_bench "home card" 0 1 --select "$HOME_AID" --apdu "$GET_STATUS"
  run_bench "echo card" 1 1 --apdu "$GET_STATUS"
done
run_bench "echo, no quick-ACK" 2 3 --apdu "$GET_STATUS"
[[ -z "$VICC_NOTE" ]] && run_bench "vicc" 3 3 --apdu "$GET_CHALLENGE"

HOME_RATE=$(rate_of "home card")
ECHO_RATE=$(rate_of "echo card")
PERCENT=$(awk -v h="$HOME_RATE" -v e="$ECHO_RATE" 'BEGIN { printf "%.1f", 100 * h / e }')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "PASS" : "FAIL") }'; }
ABS_VERDICT=$(verdict "$HOME_RATE" 10000)
REL_VERDICT=$(verdict "$PERCENT" 90)

echo
printf '%-20s %12s %10s %10s\n' "card" "APDU/s" "p50 us*" "p99 us*"
for label in "home card" "echo card" "echo, no quick-ACK" "vicc"; do
  [[ -n "${COUNT[$label]:-}" ]] || continue
  printf '%-20s %12s %10s %10s\n' "$label" "$(rate_of "$label")" "${P50[$label]}" "${P99[$label]}"
done
echo "(* worst of the rounds)"
[[ -n "$VICC_NOTE" ]] && echo "($VICC_NOTE)"
echo
echo "home card: $HOME_RATE APDU/s (target >= 10000): $ABS_VERDICT"
echo "home card / echo card: $PERCENT % (target >= 90 %): $REL_VERDICT"
[[ "$ABS_VERDICT" == PASS && "$REL_VERDICT" == PASS ]]

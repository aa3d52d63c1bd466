#!/usr/bin/env bash
# Crash safety of the card processes: kill -9 at random instants while they change their state,
# restart on the same state file, check the state against a model (test_kill9_loop.py). The
# home card and the access card run one after the other, each for half of the time bound, in
# the private pcscd of sandbox.sh (slots 0 and 1). The loop starts, kills and restarts the card
# processes itself, since it must know the instant of each kill.
# Usage: test_kill9.sh HOMECARD_BINARY [ACCESSCARD_BINARY]
#   env: HP_KILL9_SEED (default: bash $RANDOM), HP_KILL9_ITERATIONS (200 per card),
#        HP_KILL9_SECONDS (90 in all: each loop stops at whichever bound comes first)
# Exit: 0 all iterations passed, 1 a failure, 77 skipped (no pcscd / vpcd / pyscard).
set -uo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
  echo "usage: $0 HOMECARD_BINARY [ACCESSCARD_BINARY]" >&2
  exit 64
fi
cards=("$(realpath "$1")")
if [ "$#" -eq 2 ]; then cards+=("$(realpath "$2")"); fi
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=kill9_prelude.sh
source "$here/kill9_prelude.sh"
kill9_prelude kill9 smartcard

# shellcheck source=sandbox.sh
source "$here/sandbox.sh"
echo "kill9: seed ${HP_KILL9_SEED} (rerun with HP_KILL9_SEED=${HP_KILL9_SEED} $0 ${cards[*]})"
sandbox_start "${#cards[@]}"

seconds_each=$((${HP_KILL9_SECONDS:-90} / ${#cards[@]}))
kinds=(home access)
rc=0
for i in "${!cards[@]}"; do
  state="$SANDBOX_DIR/${kinds[$i]}.state"
  "$python" "$here/test_kill9_loop.py" --kind "${kinds[$i]}" \
    --card "${cards[$i]}" --port "$(sandbox_port "$i")" --reader "$(sandbox_reader_name "$i")" \
    --state "$state" --seed "$HP_KILL9_SEED" \
    --iterations "${HP_KILL9_ITERATIONS:-200}" --seconds "$seconds_each"
  if [ "$?" -ne 0 ]; then
    rc=1
    echo "kill9: card log:"
    tail -n 20 "$state.log"
    echo "kill9: pcscd log:"
    tail -n 20 "$SANDBOX_DIR/logs/pcscd.log"
  fi
done
exit "$rc"

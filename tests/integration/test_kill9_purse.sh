#!/usr/bin/env bash
# Crash safety of the purse: kill -9 of the home card process at random instants while DEBITs and
# CREDITs run, restart on the same state file, check the purse against a model and retry the
# command that was in flight (test_kill9_purse.py), in the private pcscd of sandbox.sh (slot 0).
# Usage: test_kill9_purse.sh HOMECARD_BINARY
#   env: HP_KILL9_SEED (default: bash $RANDOM), HP_KILL9_ITERATIONS (100), HP_KILL9_SECONDS (40)
# Exit: 0 all iterations passed, 1 a failure, 77 skipped (no pcscd / vpcd / pyscard / cryptography).
set -uo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 HOMECARD_BINARY" >&2
  exit 64
fi
card="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3  # Debian's python3, the one with python3-pyscard

if ! command -v pcscd >/dev/null || [ ! -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
  ! "$python" -c 'import smartcard, cryptography' 2>/dev/null; then
  echo "kill9 purse: SKIP: pcscd, vsmartcard-vpcd, python3-pyscard or python3-cryptography missing"
  exit 77
fi

# Chosen before sandbox.sh re-executes this script in its namespaces, so both runs agree.
if [ -z "${HP_KILL9_SEED:-}" ]; then
  RANDOM=$$
  HP_KILL9_SEED=$RANDOM
fi
export HP_KILL9_SEED

# shellcheck source=sandbox.sh
source "$here/sandbox.sh"
echo "kill9 purse: seed ${HP_KILL9_SEED} (rerun with HP_KILL9_SEED=${HP_KILL9_SEED} $0 $card)"
sandbox_start 1

state="$SANDBOX_DIR/home.state"
if ! "$python" "$here/test_kill9_purse.py" --card "$card" --port "$(sandbox_port 0)" \
  --reader "$(sandbox_reader_name 0)" --state "$state" --seed "$HP_KILL9_SEED" \
  --iterations "${HP_KILL9_ITERATIONS:-100}" --seconds "${HP_KILL9_SECONDS:-40}"; then
  echo "kill9 purse: card log:"
  tail -n 20 "$state.log"
  echo "kill9 purse: pcscd log:"
  tail -n 20 "$SANDBOX_DIR/logs/pcscd.log"
  exit 1
fi

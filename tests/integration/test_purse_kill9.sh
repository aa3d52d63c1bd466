#!/usr/bin/env bash
# Crash safety of the purse: kill -9 the home card process at random instants during purse
# operations (DEBIT, CREDIT, CANCEL), restart it on the same state file, and check balance,
# counters and every log entry against a model (test_purse_kill9.py), in the private pcscd of
# sandbox.sh.
# Usage: test_purse_kill9.sh HOMECARD_BINARY
#   env: HP_KILL9_SEED (default: bash $RANDOM), HP_PURSE_OPERATIONS (1000),
#        HP_PURSE_SECONDS (time bound, 300)
# Exit: 0 passed, 1 a failure, 77 skipped (no pcscd / vpcd / pyscard / python3-cryptography).
set -uo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 HOMECARD_BINARY" >&2
  exit 64
fi
card="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=kill9_prelude.sh
source "$here/kill9_prelude.sh"
kill9_prelude "purse kill9" smartcard cryptography

# shellcheck source=sandbox.sh
source "$here/sandbox.sh"
echo "purse kill9: seed ${HP_KILL9_SEED} (rerun with HP_KILL9_SEED=${HP_KILL9_SEED} $0 $card)"
sandbox_start 1

state="$SANDBOX_DIR/home.state"
"$python" "$here/test_purse_kill9.py" --card "$card" --port "$(sandbox_port 0)" \
  --reader "$(sandbox_reader_name 0)" --state "$state" --seed "$HP_KILL9_SEED" \
  --operations "${HP_PURSE_OPERATIONS:-1000}" --seconds "${HP_PURSE_SECONDS:-300}"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "purse kill9: card log:"
  tail -n 20 "$state.log"
  echo "purse kill9: pcscd log:"
  tail -n 20 "$SANDBOX_DIR/logs/pcscd.log"
fi
exit "$rc"

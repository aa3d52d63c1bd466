#!/usr/bin/env bash
# Runs every home card and access card scenario through PC/SC: a private pcscd with two vpcd
# readers (tests/integration/sandbox.sh), the real card processes on fresh state files, and
# apdu_conform --reader against each. Exit status 0 only if every step passed on both cards.
# Usage: run_pcsc_conform.sh APDU_CONFORM HOMECARD_EXE ACCESSCARD_EXE [apdu_conform options...]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# May re-execute this script in private network and mount namespaces (see sandbox.sh).
source "$here/../../tests/integration/sandbox.sh"

conform=${1:?usage: run_pcsc_conform.sh APDU_CONFORM HOMECARD_EXE ACCESSCARD_EXE [options]}
homecard=${2:?}
accesscard=${3:?}
shift 3

sandbox_start 2
sandbox_card homecard 0 "$SANDBOX_DIR/homecard.state" --path "$homecard"
sandbox_card accesscard 1 "$SANDBOX_DIR/accesscard.state" --path "$accesscard"
sandbox_wait_card 0
sandbox_wait_card 1

status=0
run() {
  local card=$1 slot=$2
  shift 2
  echo "--- $card through PC/SC reader '$(sandbox_reader_name "$slot")'"
  "$conform" --card "$card" --reader "$(sandbox_reader_name "$slot")" "$@" || status=1
}
run homecard 0 "$@"
run accesscard 1 "$@"
exit $status

#!/usr/bin/env bash
# The homeproxy demo, end to end on this machine: installs what is missing, builds, starts a
# private pcscd with two vsmartcard readers, plugs in the home card and the access card, and walks
# through a visible session with standard PC/SC tools and our conformance runner: readers and
# ATRs, personalization, the PIN states of both cards, key generation, signatures verified
# against the public key read back, and a retry counter that survives a card restart.
# Usage: tools/demo.sh          (everything it starts is stopped when it ends)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The sandbox below re-executes this script inside private namespaces; set up only once.
if [[ "${HP_SANDBOX_NAMESPACED:-}" != 1 ]]; then
  tools/setup.sh
fi

# shellcheck source=../tests/integration/sandbox.sh
source tests/integration/sandbox.sh

bold=$'\e[1m'
plain=$'\e[0m'
[[ -t 1 ]] || { bold=""; plain=""; }
step() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
run() {
  printf '%s$ %s%s\n' "$bold" "$*" "$plain"
  "$@"
}

home_reader="$(sandbox_reader_name 0)"
access_reader="$(sandbox_reader_name 1)"
conform="$root/build/tools/conform/apdu_conform"

step "1. A private pcscd with two virtual readers; the card processes plug into them"
sandbox_start 2
sandbox_card homecard 0 "$SANDBOX_DIR/homecard.state" --path "$root/build/card/homecard/homecard"
home_pid=$SANDBOX_LAST_PID
sandbox_card accesscard 1 "$SANDBOX_DIR/accesscard.state" --path "$root/build/card/accesscard/accesscard"
sandbox_wait_card 0
sandbox_wait_card 1

step "2. What standard PC/SC tools see"
run pcsc_scan -t 2 || true
run opensc-tool -l
run opensc-tool -r 0 -a
run opensc-tool -r 1 -a

step "3. opensc-tool: select the home card, read its status, and a wrong command"
# Status DO DF01: 80 lifecycle (01 personalization), 81 security state (00 inhibited), tries.
run opensc-tool -r 0 -s '00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01' -s '00 CA DF 01 00' \
  -s '00 20 00 82 04 31 32 33 34'

step "4. The home card, scenario by scenario (personalize, PIN1 -> standby -> PIN2 -> crypto,"
echo "   blocking and PUK, EC and RSA keys with verified signatures, certificate, registries)"
run "$conform" --card homecard --reader "$home_reader" --verbose

step "5. The access card (personalize, PIN and biometric unlock, lock, blocking, signatures)"
run "$conform" --card accesscard --reader "$access_reader" --verbose

step "6. Retry counters live in card memory: a wrong PIN1, a card restart, the counter is kept"
select_home='00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01'
run opensc-tool -r 0 -s "$select_home" -s '00 20 00 81 06 39 39 39 39 39 39' -s '00 20 00 81'
echo "(restarting the home card process on the same state file)"
sandbox_stop_card "$home_pid" 0
sandbox_card homecard 0 "$SANDBOX_DIR/homecard.state" --path "$root/build/card/homecard/homecard"
sandbox_wait_card 0
run opensc-tool -r 0 -s "$select_home" -s '00 20 00 81'
echo "(the right PIN1 restores the counter)"
run opensc-tool -r 0 -s "$select_home" -s '00 20 00 81 06 31 32 33 34 35 36' -s '00 20 00 81'

step "Demo complete: both cards, PC/SC tools and the conformance runner agree"

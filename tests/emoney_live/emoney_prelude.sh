# shellcheck shell=bash
# Shared start of the tests that run the e-money world (sourced at the top level of the test
# script, so sandbox.sh re-executes the script with its own arguments): reads the seven
# executables from the script's arguments, runs kill9_prelude when EMONEY_KILL9_NAME is set
# (before sandbox.sh re-executes, so both runs agree on the seed), then sources the sandbox,
# the terminal's live helpers and emoney_world.sh.
# Arguments of the script: HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER
# BANK_SERVER.
# shellcheck disable=SC2034  # the variables are the sourcing script's
usage="usage: $(basename "$0") HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER BANK_SERVER"
HOMECARD=$(realpath "${1:?$usage}")
ACCESSCARD=$(realpath "${2:?}")
HOME_SERVER=$(realpath "${3:?}")
TERMINAL=$(realpath "${4:?}")
HP_PROVISION=$(realpath "${5:?}")
SHOP_SERVER=$(realpath "${6:?}")
BANK_SERVER=$(realpath "${7:?}")
_EMONEY_PRELUDE_HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
if [[ -n "${EMONEY_KILL9_NAME:-}" ]]; then
  # shellcheck source=tests/integration/kill9_prelude.sh
  source "$_EMONEY_PRELUDE_HERE/../integration/kill9_prelude.sh"
  kill9_prelude "$EMONEY_KILL9_NAME" smartcard
fi
# shellcheck source=tests/integration/sandbox.sh
source "$_EMONEY_PRELUDE_HERE/../integration/sandbox.sh"
# shellcheck source=tests/terminal/live_helpers.sh
source "$_EMONEY_PRELUDE_HERE/../terminal/live_helpers.sh"
# shellcheck source=tests/emoney_live/emoney_world.sh
source "$_EMONEY_PRELUDE_HERE/emoney_world.sh"

# shellcheck shell=bash
# Shared start of the tests that run the e-money world (sourced at the top level of the test
# script, so sandbox.sh re-executes the script with its own arguments): the live tests' start
# (tests/terminal/live_prelude.sh: the executables, kill9_prelude when EMONEY_KILL9_NAME is set,
# the sandbox and the terminal's live helpers) with the shop and the bank, then emoney_world.sh.
# Arguments of the script: HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER
# BANK_SERVER, then one for each name in EMONEY_EXTRA_ARGS (set before sourcing, e.g. TILL).
LIVE_EXTRA_ARGS="SHOP_SERVER BANK_SERVER ${EMONEY_EXTRA_ARGS:-}"
LIVE_KILL9_NAME=${EMONEY_KILL9_NAME:-}
_EMONEY_PRELUDE_HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
# shellcheck source=tests/terminal/live_prelude.sh
source "$_EMONEY_PRELUDE_HERE/../terminal/live_prelude.sh"
# shellcheck source=tests/emoney_live/emoney_world.sh
source "$_EMONEY_PRELUDE_HERE/emoney_world.sh"

# shellcheck shell=bash
# Shared start of the live tests (terminal_live, terminal_agent, pim_live and, through
# tests/emoney_live/emoney_prelude.sh, the e-money world tests). Sourced at the top level of the
# test script, so sandbox.sh re-executes the script with its own arguments.
# Reads the five executables every live test has from the script's arguments:
#   HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION
# then one more argument for each name in LIVE_EXTRA_ARGS (set before sourcing, e.g.
# "SHOP_SERVER BANK_SERVER"), every one made absolute; runs kill9_prelude when LIVE_KILL9_NAME
# is set (before sandbox.sh re-executes, so both runs agree on the seed); then sources the
# sandbox and the terminal's live helpers.
# shellcheck disable=SC2034  # the variables are the sourcing script's
_live_names=(HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION)
read -r -a _live_extra <<<"${LIVE_EXTRA_ARGS:-}"
_live_names+=("${_live_extra[@]}")
usage="usage: $(basename "$0") ${_live_names[*]}"
if (($# < ${#_live_names[@]})); then
  echo "$usage" >&2
  exit 2
fi
for _live_i in "${!_live_names[@]}"; do
  _live_arg=$((_live_i + 1))
  _live_value=$(realpath "${!_live_arg}")  # a failure ends the script (set -e)
  printf -v "${_live_names[_live_i]}" '%s' "$_live_value"
done
unset _live_i _live_arg _live_value _live_extra _live_names
_LIVE_PRELUDE_HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
if [[ -n "${LIVE_KILL9_NAME:-}" ]]; then
  # shellcheck source=tests/integration/kill9_prelude.sh
  source "$_LIVE_PRELUDE_HERE/../integration/kill9_prelude.sh"
  kill9_prelude "$LIVE_KILL9_NAME" smartcard
fi
# shellcheck source=tests/integration/sandbox.sh
source "$_LIVE_PRELUDE_HERE/../integration/sandbox.sh"
# shellcheck source=tests/terminal/live_helpers.sh
source "$_LIVE_PRELUDE_HERE/live_helpers.sh"

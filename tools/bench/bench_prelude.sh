# shellcheck shell=bash
# Shared start of the benchmarks that run the live worlds of the tests (run_purse_bench,
# run_appliance_bench, run_pim_bench, run_warm_relay_bench). Sourced at the top level of the
# benchmark script, so sandbox.sh re-executes the script with its own arguments.
# Before sourcing, set BUILD (the build directory, absolute), BENCH_NAME (for messages) and,
# optionally, BENCH_MORE=(VAR=path/in/build ...) for the benchmark's own executables.
# Sets the world's executables from BUILD: HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION
# SHOP_SERVER BANK_SERVER and BENCH_MORE's, and exits 2 naming the ninja target when one is not
# built; sets LOAD_BEFORE (uptime: the machine's load before the run); then sources the sandbox,
# the terminal's live helpers and the e-money world (tests/emoney_live/emoney_world.sh).
# shellcheck disable=SC2034  # the variables are the sourcing script's
_bench_exes=(HOMECARD=card/homecard/homecard ACCESSCARD=card/accesscard/accesscard
  HOME_SERVER=host/home_server/home_server TERMINAL=host/terminal/terminal
  HP_PROVISION=tools/provision/hp_provision SHOP_SERVER=tools/shop_server/shop_server
  BANK_SERVER=tools/bank_server/bank_server "${BENCH_MORE[@]}")
for _bench_exe in "${_bench_exes[@]}"; do
  printf -v "${_bench_exe%%=*}" '%s' "$BUILD/${_bench_exe#*=}"
  [[ -x $BUILD/${_bench_exe#*=} ]] || {
    echo "$BENCH_NAME: $BUILD/${_bench_exe#*=} missing; build it first: ninja -C $BUILD ${_bench_exe#*=}" >&2
    exit 2
  }
done
unset _bench_exe _bench_exes
LOAD_BEFORE=$(uptime)
_BENCH_TESTS=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../../tests")
# shellcheck source=tests/integration/sandbox.sh
source "$_BENCH_TESTS/integration/sandbox.sh"
# shellcheck source=tests/terminal/live_helpers.sh
source "$_BENCH_TESTS/terminal/live_helpers.sh"
# shellcheck source=tests/emoney_live/emoney_world.sh
source "$_BENCH_TESTS/emoney_live/emoney_world.sh"

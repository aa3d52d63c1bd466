#!/usr/bin/env bash
# Runs the host tests again under sanitizers, each in a build directory of its own (so neither
# ccache nor the normal ./build can hide anything):
#   build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (clang, the directory
#               tools/run_fuzz.sh builds its targets in: tools/asan_build.sh), the host unit
#               suites and the integration suite (the card processes and tools they start are
#               built with the same sanitizers);
#   build-tsan: ThreadSanitizer, the threaded home server's tests and the channel's.
# With both kinds, the TSan build runs (niced) beside the ASan tests.
# A sanitizer report fails the test that caused it (meson test runs with halt_on_error).
# Ends with "sanitizers: N passed, N failed"; tools/test.sh adds the counts from
# build-asan/meson-logs/testlog.json and build-tsan/meson-logs/testlog.json to its own.
# Usage: tools/run_sanitizers.sh [asan|tsan]...   (default: both)
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/asan_build.sh

asan_suites=(pcsc_bridge tls_proxy channel rpc home_server card_adapters terminal sqlite notices
  merchant integration)
tsan_suites=(home_server channel)
# The kill -9 loops (suite crash_loops: purse_kill9, kill9_loop, emoney_kill9, emoney_chaos) run
# in the normal build only. Under ASan they took about 400 of the integration suite's 510 s
# and exercise the same host code paths as the shorter live tests, which stay in; the CI time
# budget (tools/test.sh header) has no room for them twice.
asan_skip_suites=(crash_loops)

kinds=("$@")
if [ "${#kinds[@]}" -eq 0 ]; then kinds=(asan tsan); fi

# ASan reports leaks too; a UBSan finding stops the process like an ASan one. TSan's second
# deadlock detector is on; suppressions live in tools/tsan.supp (documented there, one reason a
# line).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tools/tsan.supp}"

# -O1 with debug info: the sanitizers' own advice (readable stacks, inlining kept small), and
# the builds take less time than at -O2 (measured in the header of tools/test.sh). The ASan
# directory's options are in tools/asan_build.sh.
common=(-Doptimization=1 -Ddebug=true)

# settings KIND: the directory, options and suites of one kind.
settings() {
  case "$1" in
    asan)
      dir="$hp_asan_dir"
      options=()
      suites=("${asan_suites[@]}")
      skip_suites=("${asan_skip_suites[@]}")
      ;;
    tsan)
      dir=build-tsan
      options=(-Db_sanitize=thread -Db_lundef=false "${common[@]}")
      suites=("${tsan_suites[@]}")
      skip_suites=()
      ;;
    *)
      echo "run_sanitizers: unknown kind $1 (asan, tsan)" >&2
      exit 2
      ;;
  esac
}

# build KIND: configures the kind's directory if needed and builds what its suites need.
build() {
  settings "$1"
  local started=$SECONDS
  if [ "$1" = asan ]; then
    hp_asan_setup || return 1
  elif [ ! -f "$dir/build.ninja" ]; then
    if ! meson setup "$dir" "${options[@]}" >"$dir.setup.log" 2>&1; then
      cat "$dir.setup.log" >&2
      echo "run_sanitizers: meson setup of $dir failed" >&2
      return 1
    fi
    rm -f "$dir.setup.log"
  fi
  # Build just what the chosen suites depend on (meson's own list: each test's executable and
  # the targets in its arguments, which is how the integration scripts get the card processes
  # and tools), not the whole project: no benchmarks or demos.
  local build_targets=()
  mapfile -t build_targets < <(meson introspect "$dir" --tests --targets | python3 -c '
import json, os, sys
info = json.load(sys.stdin)
build = os.path.abspath(sys.argv[1])
suites = set(sys.argv[2:])
ids = set()
for t in info["tests"]:
    if any(s.split(":")[-1] in suites for s in t["suite"]):
        ids.update(t.get("depends", []))
for t in info["targets"]:
    if t["id"] in ids:
        for f in t["filename"]:
            print(os.path.relpath(f, build))
' "$dir" "${suites[@]}")
  if [ "${#build_targets[@]}" -eq 0 ]; then
    echo "run_sanitizers: no targets found for the $1 suites" >&2
    return 1
  fi
  if ! ninja -C "$dir" "${build_targets[@]}" >"$dir/sanitizer-build.log" 2>&1; then
    tail -n 60 "$dir/sanitizer-build.log" >&2
    echo "run_sanitizers: build of $dir failed" >&2
    return 1
  fi
  echo "run_sanitizers: $1: build $((SECONDS - started)) s"
}

# run_tests KIND: the kind's suites (already built).
run_tests() {
  settings "$1"
  local started=$SECONDS suite_args=() s rc=0
  for s in "${suites[@]}"; do suite_args+=(--suite "$s"); done
  for s in "${skip_suites[@]}"; do suite_args+=(--no-suite "$s"); done
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes 2 "${suite_args[@]}" || rc=1
  echo "run_sanitizers: $1: tests $((SECONDS - started)) s"
  return "$rc"
}

# The next kind's build runs beside this kind's tests, niced: the tests are mostly the serial
# integration suite, which leaves a core idle, and nice keeps the CPU theirs when they want it.
status=0
build_ok=0
build "${kinds[0]}" && build_ok=1
for ((i = 0; i < ${#kinds[@]}; i++)); do
  next_pid=""
  if ((i + 1 < ${#kinds[@]})); then
    (
      renice -n 10 "$BASHPID" >/dev/null
      build "${kinds[i + 1]}"
    ) &
    next_pid=$!
  fi
  if [ "$build_ok" = 1 ]; then run_tests "${kinds[i]}" || status=1; else status=1; fi
  if [ -n "$next_pid" ]; then
    build_ok=0
    wait "$next_pid" && build_ok=1
  fi
done
exit "$status"

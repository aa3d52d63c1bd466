#!/usr/bin/env bash
# Runs every test of homeproxy on this machine: unit tests, in-process conformance scenarios,
# integration tests (a private pcscd with vpcd readers and the real card processes, driven by
# opensc-tool, scriptor, pyscard and our PC/SC bridge), a short fuzz run, and the host tests
# again under sanitizers (tools/run_sanitizers.sh: ASan+UBSan in build-asan for the host unit and
# integration suites, TSan in build-tsan for the home server's and the channel's tests). Installs
# what is missing and builds first. Ends with the line "N passed, N failed" (every meson test of
# the build directories, the fuzz run as one test).
# Usage: tools/test.sh        env: HP_FUZZ_SECONDS (default 60; 0 skips fuzzing)
#                                  HP_SANITIZERS=0 skips the sanitizer builds and runs
# Wall times of .ci/run on a clean clone (2026-12-02, commit f7079d3, `nice -n 19`, this 2-core
# VM shared with other engineers' builds, load average 7-9; README "Tests"):
#   setup and normal build 606 s, meson tests 439 s, fuzz build and 60 s run 267 s,
#   sanitizers 2272 s: ASan+UBSan build 1622 s (cold ccache), its tests 510 s; TSan build 130 s
#   (ccache warm; 636 s cold), its tests 10 s. In all 3584 s (59.7 min).
# The steps before the sanitizers took 1312 s here and 759 s in the last CI run, so the load
# cost ~1.7x: ~35 min expected on an unloaded CI run with both sanitizer builds cold, ~20 min
# once the shared ccache (/etc/ccache.conf) has seen them (a TSan rebuild from it: 13 s).
set -uo pipefail
cd "$(dirname "$0")/.."

# Each step prints its wall time, so CI logs show where the minutes go.
step_started=$SECONDS
step_done() { echo "test.sh: $1 took $((SECONDS - step_started)) s"; step_started=$SECONDS; }

tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
step_done "setup and build"

# Lint (clang-format, clang-tidy: CPU only, ~no I/O) runs beside the meson tests, niced: the
# integration tests are serial (is_parallel: false) and mostly wait on timers, processes and
# sockets, so a core is idle most of their ~450 s; nice keeps the CPU theirs when they want it.
# It needs only build/compile_commands.json. Its output is printed when it is waited for.
lint_log=$(mktemp)
lint_started=$SECONDS
(
  nice -n 10 tools/lint.sh >"$lint_log" 2>&1
  rc=$?
  echo "test.sh: lint took $((SECONDS - lint_started)) s (beside the meson tests and what follows)" >>"$lint_log"
  exit "$rc"
) &
lint_pid=$!
trap 'kill "$lint_pid" 2>/dev/null; rm -f "$lint_log"' EXIT

meson test -C build --print-errorlogs --num-processes 2
meson_rc=$?
step_done "meson tests"

fuzz_passed=0
fuzz_failed=0
fuzz_seconds="${HP_FUZZ_SECONDS:-60}"
if [ "$fuzz_seconds" != "0" ] && [ -x tools/run_fuzz.sh ]; then
  if tools/run_fuzz.sh "$fuzz_seconds"; then fuzz_passed=1; else fuzz_failed=1; fi
  step_done "fuzz build and run"
fi

sanitizer_logs=()
sanitizer_rc=0
if [ "${HP_SANITIZERS:-1}" != "0" ]; then
  # Old logs must not count: a sanitizer build that fails to build leaves none.
  rm -f build-asan/meson-logs/testlog.json build-tsan/meson-logs/testlog.json
  tools/run_sanitizers.sh || sanitizer_rc=1
  step_done "sanitizer builds and runs"
  sanitizer_logs=(build-asan/meson-logs/testlog.json build-tsan/meson-logs/testlog.json)
fi

# Count meson's results (one JSON object per test) and add the fuzz run as one test. A
# sanitizer build directory without a test log (its build failed) counts as one failure.
read -r passed failed skipped < <(python3 - build/meson-logs/testlog.json "${sanitizer_logs[@]}" <<'PY'
import json, os, sys
p = f = s = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):
        f += 1
        continue
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print(p, f, s)
PY
)
passed=$((passed + fuzz_passed))
failed=$((failed + fuzz_failed))

# clang-format differences and clang-tidy findings fail the run (one test in the count).
if wait "$lint_pid"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
cat "$lint_log"
step_done "waiting for lint"
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$meson_rc" -ne 0 ] || [ "$sanitizer_rc" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
exit 0

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
# Order (tools/test.sh, 2026-12-03, issue: CI took 2832 s against its 40-minute budget):
#   1. setup and the normal build;
#   2. the meson tests, with tools/lint.sh beside them (niced): the integration tests are serial
#      and mostly wait (the integration+security suites used 178 s of CPU in 870 s of wall), so
#      lint's clang-tidy gets the idle core;
#   3. fuzzing: tools/run_fuzz.sh builds its targets in build-asan, the clang ASan+UBSan
#      directory the ASan tests use too (tools/asan_build.sh), and runs 60 s;
#   4. the sanitizers: the rest of build-asan, the ASan tests with the TSan build beside them
#      (niced), the TSan tests;
#   5. the lint result (waited for; normally done by then).
# Before (clean clone of f7079d3-era main, `CCACHE_DISABLE=1`, this 2-core VM at load 5-9;
# /work/note.md): build 707 s, meson tests 455 s, fuzz build and run 238 s, gcc ASan+UBSan
# build 1183 s and its tests 166 s, TSan build 230 s and tests 13 s, lint ~966 s after all of
# them: 3958 s here, 2832 s in CI (x0.72).
# After: the ASan build is clang's (1.9x less compile CPU than gcc's ASan+UBSan on 9 sampled
# units: 23 s against 45 s) and the fuzz build is part of it (151 of its objects were the same
# units), the static analyzer runs on base/, card/ and protocol/ only (host/.clang-tidy,
# tools/.clang-tidy), and lint and the TSan build no longer take wall time of their own.
# Measured step by step in a worktree (2026-12-03, cold: CCACHE_DISABLE=1, load 4-11, so wall
# times are inflated more than in the "before" run; CPU times are what compare):
#   fuzz step with the clang build of build-asan's shared part: 539 s wall, 294 s CPU
#     (12 targets, 1.8 M inputs; at -O1 a target runs 8-15% fewer inputs than at -O2);
#   rest of the ASan build 975 s wall; ASan tests 244-269 s (49 OK, 2 expected fails);
#   TSan build beside the ASan tests 484 s (niced, ended 240 s after them), TSan tests 13 s;
#   lint 1790 s wall niced beside the tests, 1151 s CPU (before: ~1380 s CPU, from 11 sampled
#     host/tools units: 44.6 s with the analyzer, 29.7 s without);
#   the integration and security suites beside lint: 870 s wall, 178 s CPU, 23/23 OK; the
#     whole meson suite with lint beside for its first 490 s: 618 s wall, 168 s CPU, 83 OK and
#     3 expected fails. One ASan run (load ~10, lint and a second meson run beside) failed
#     pim_live's "kill -9 of Radicale after 1.5 s" step; the next ASan run passed it.
# Expected, scaled from the "before" run (its load, CI = 0.72x): build 707, tests 455 (lint
# beside), fuzzing 238, ASan build ~430 (69% of the gcc build's units at 1/1.9), ASan tests and
# TSan build ~280, TSan tests 13, lint's remaining CPU ~180: ~2300 s here, ~1650 s (27 min) in CI.
# Measured (clean clone of fce479d, `CCACHE_DISABLE=1`, this VM otherwise idle): 1767 s in all:
#   setup and build 430, meson tests 724 (lint beside them, 685 s), fuzz build and run 189,
#   sanitizers 423 (ASan build 203, ASan tests 211 with the TSan build 204 beside, TSan tests 9);
#   "tests: 155 passed, 0 failed, 0 skipped".
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

#!/usr/bin/env bash
# Runs every test of homeproxy on this machine: unit tests, in-process conformance scenarios,
# integration tests (a private pcscd with vpcd readers and the real card processes, driven by
# opensc-tool, scriptor, pyscard and our PC/SC bridge), a short fuzz run, and, with
# HP_SANITIZERS=1, the host tests again under sanitizers (tools/run_sanitizers.sh: ASan+UBSan in
# build-asan, TSan in build-tsan). Installs what is missing and builds first. Ends with the line
# "N passed, N failed" (every meson test of the build directories, the fuzz run as one test).
# Usage: tools/test.sh        env: HP_FUZZ_SECONDS (default 60; 0 skips fuzzing)
#                                  HP_SANITIZERS=1 adds the sanitizer builds and runs. Off by
#                                  default until their time on the CI machine is measured (two
#                                  more full builds; see tools/fuzz/README.md and the issue notes)
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

meson test -C build --print-errorlogs --num-processes 2
meson_rc=$?

fuzz_passed=0
fuzz_failed=0
fuzz_seconds="${HP_FUZZ_SECONDS:-60}"
if [ "$fuzz_seconds" != "0" ] && [ -x tools/run_fuzz.sh ]; then
  if tools/run_fuzz.sh "$fuzz_seconds"; then fuzz_passed=1; else fuzz_failed=1; fi
fi

sanitizer_logs=()
sanitizer_rc=0
if [ "${HP_SANITIZERS:-0}" != "0" ]; then
  # Old logs must not count: a sanitizer build that fails to build leaves none.
  rm -f build-asan/meson-logs/testlog.json build-tsan/meson-logs/testlog.json
  tools/run_sanitizers.sh || sanitizer_rc=1
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
if tools/lint.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$meson_rc" -ne 0 ] || [ "$sanitizer_rc" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
exit 0

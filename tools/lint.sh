#!/usr/bin/env bash
# clang-format check and clang-tidy (.clang-tidy) over the project's C++ sources, using
# build/compile_commands.json. Exits 1 when clang-format would change a file or clang-tidy
# reports anything, so tools/test.sh (CI) fails on both.
# Usage: tools/lint.sh [--fix-format]      env: HP_LINT_JOBS (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' | grep -v '^tools/fuzz/corpus/')
if [ "${1:-}" = "--fix-format" ]; then
  clang-format -i "${files[@]}"
fi
format_log=$(mktemp)
tidy_log=$(mktemp)
trap 'rm -f "$format_log" "$tidy_log"' EXIT

clang-format --dry-run "${files[@]}" >"$format_log" 2>&1 || true
bad_format=$(grep -c "warning:" "$format_log" || true)
echo "clang-format: ${bad_format} formatting differences"
grep "warning:" "$format_log" | cut -d: -f1 | sort | uniq -c || true

# The fuzz targets are only in a fuzz build's compile database (tools/run_fuzz.sh).
[ -f build/compile_commands.json ] || { echo "lint: no build/compile_commands.json" >&2; exit 1; }
mapfile -t units < <(printf '%s\n' "${files[@]}" | grep '\.cpp$' | grep -v '^tools/fuzz/')
# One clang-tidy per unit, in parallel; its "N warnings generated" chatter goes to stderr.
printf '%s\n' "${units[@]}" |
  xargs -P "${HP_LINT_JOBS:-$(nproc)}" -n 8 clang-tidy -p build --quiet 2>/dev/null >"$tidy_log" ||
  true
findings=$(grep -E "(warning|error):" "$tidy_log" | sort -u || true)
count=0
if [ -n "$findings" ]; then count=$(printf '%s\n' "$findings" | wc -l); fi
echo "clang-tidy: ${count} findings"
if [ "$count" -ne 0 ]; then printf '%s\n' "$findings" | head -50; fi

if [ "$bad_format" -ne 0 ] || [ "$count" -ne 0 ]; then exit 1; fi
exit 0

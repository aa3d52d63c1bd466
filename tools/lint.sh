#!/usr/bin/env bash
# clang-format check and clang-tidy over the project's C++ sources (uses build/compile_commands.json).
# Usage: tools/lint.sh [--fix-format]
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' | grep -v '^tools/fuzz/corpus/')
if [ "${1:-}" = "--fix-format" ]; then
  clang-format -i "${files[@]}"
fi
bad=$(clang-format --dry-run "${files[@]}" 2>&1 | grep -c "warning:" || true)
echo "clang-format: ${bad} formatting differences"
mapfile -t units < <(printf '%s\n' "${files[@]}" | grep '\.cpp$' | grep -v '^tools/fuzz/')
clang-tidy -p build --quiet "${units[@]}" 2>/dev/null | grep -E "warning:|error:" | sort | uniq -c | sort -rn | head -50 || true

#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, the card code instrumented too) in
# ./build-fuzz and runs each one for a share of SECONDS, starting from its seed corpus in
# tools/fuzz/corpus/<target>/ (copied to a scratch directory, so the repository is not changed).
# Prints the number of inputs each target executed and the total; exits non-zero on any crash,
# sanitizer report, leak, time-out or build failure. A crashing input is kept in
# build-fuzz/fuzz-artifacts/ and printed in hex.
# Usage: tools/run_fuzz.sh [SECONDS]      (default 60, split between the targets)
set -uo pipefail
cd "$(dirname "$0")/.."

total_seconds="${1:-60}"
build_dir=build-fuzz

cxx="${FUZZ_CXX:-}"
if [ -z "$cxx" ]; then
  for candidate in clang++-14 clang++; do
    if command -v "$candidate" >/dev/null; then cxx="$candidate"; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "run_fuzz: no clang++ found (install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

# -fsanitize=fuzzer-no-link gives libFuzzer coverage of the card code itself, not only of the
# fuzz targets; the targets add -fsanitize=fuzzer at link time (tools/fuzz/meson.build).
if [ ! -f "$build_dir/build.ninja" ]; then
  CXX="$cxx" meson setup "$build_dir" \
    -Dfuzzing=true \
    -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined \
    -Db_lundef=false \
    -Dcpp_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined' \
    >"$build_dir.setup.log" 2>&1 || {
    cat "$build_dir.setup.log" >&2
    echo "run_fuzz: meson setup of $build_dir failed" >&2
    exit 2
  }
  rm -f "$build_dir.setup.log"
fi

# Only the fuzz targets are built: the rest of the project is not needed here.
targets=(fuzz_apdu_parser fuzz_runtime)
if ninja -C "$build_dir" -t targets all 2>/dev/null | grep -q '^tools/fuzz/fuzz_card:'; then
  targets+=(fuzz_card)
else
  echo "run_fuzz: fuzz_card is not configured (the applets are missing); skipping it"
fi
if ! ninja -C "$build_dir" "${targets[@]/#/tools/fuzz/}" >"$build_dir/fuzz-build.log" 2>&1; then
  tail -n 60 "$build_dir/fuzz-build.log" >&2
  echo "run_fuzz: build failed" >&2
  exit 2
fi

# fuzz_card is ~40x slower per input than the others (it opens real applets with keys), so it
# gets a double share of the time: weights parser 1, runtime 1, card 2.
weight_sum=0
for target in "${targets[@]}"; do
  if [ "$target" = fuzz_card ]; then weight_sum=$((weight_sum + 2)); else weight_sum=$((weight_sum + 1)); fi
done
seconds_for() {
  local weight=1
  if [ "$1" = fuzz_card ]; then weight=2; fi
  local s=$((total_seconds * weight / weight_sum))
  if [ "$s" -lt 1 ]; then s=1; fi
  echo "$s"
}

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/hp-fuzz.XXXXXX")"
trap 'rm -rf "$work_dir"' EXIT
artifact_dir="$build_dir/fuzz-artifacts"
mkdir -p "$artifact_dir"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

total_runs=0
failures=0
for target in "${targets[@]}"; do
  corpus="$work_dir/$target"
  mkdir -p "$corpus"
  if [ -d "tools/fuzz/corpus/$target" ]; then cp -r "tools/fuzz/corpus/$target/." "$corpus/"; fi
  log="$work_dir/$target.log"
  per_target="$(seconds_for "$target")"
  # A card session needs room for a 4 KiB certificate sent in chained parts.
  max_len=4096
  if [ "$target" = fuzz_card ]; then max_len=12288; fi
  "$build_dir/tools/fuzz/$target" "$corpus" \
    -max_total_time="$per_target" \
    -print_final_stats=1 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -max_len="$max_len" \
    -artifact_prefix="$artifact_dir/$target-" \
    >"$log" 2>&1
  rc=$?
  # libFuzzer 14 calls it number_of_executed_units; older and newer ones ..._runs.
  runs="$(sed -n 's/^stat::number_of_executed_[a-z]*: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
  runs="${runs:-0}"
  total_runs=$((total_runs + runs))
  if [ "$rc" -ne 0 ]; then
    failures=$((failures + 1))
    echo "run_fuzz: $target FAILED (exit $rc) after $runs inputs; end of its log:"
    tail -n 40 "$log"
    for artifact in "$artifact_dir/$target"-*; do
      [ -f "$artifact" ] || continue
      echo "run_fuzz: input $artifact:"
      od -An -tx1 -v "$artifact" | head -n 20
    done
  else
    echo "run_fuzz: $target: $runs inputs in ${per_target}s, no crash"
  fi
done

echo "run_fuzz: total ${total_runs} inputs executed by ${#targets[@]} targets, ${failures} failed"
[ "$failures" -eq 0 ]

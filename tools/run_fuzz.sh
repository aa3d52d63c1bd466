#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, the card code instrumented too) in
# ./build-asan (shared with tools/run_sanitizers.sh, tools/asan_build.sh) and runs each one for a share of SECONDS, starting from its seed corpus in
# tools/fuzz/corpus/<target>/ (copied to a scratch directory, so the repository is not changed).
# Prints the number of inputs each target executed and the total; exits non-zero on any crash,
# sanitizer report, leak, time-out or build failure. A crashing input is kept in
# build-asan/fuzz-artifacts/ and printed in hex.
# Usage: tools/run_fuzz.sh [SECONDS]      (default 60, split between the targets: the CI run)
#        tools/run_fuzz.sh --runs N       (the long run: N inputs for every target, no time
#                                          limit; the documented one is --runs 1000000)
#        HP_FUZZ_TARGETS="fuzz_rpc fuzz_http" limits either run to those targets.
set -uo pipefail
cd "$(dirname "$0")/.."

total_seconds=60
runs_each=0
if [ "${1:-}" = "--runs" ]; then
  runs_each="${2:?usage: tools/run_fuzz.sh --runs N}"
else
  total_seconds="${1:-60}"
fi
# The fuzz targets live in the ASan build directory that tools/run_sanitizers.sh uses too
# (tools/asan_build.sh: clang, ASan + UBSan, -fsanitize=fuzzer-no-link on every unit, so
# libFuzzer sees the coverage of the card code itself; the targets add -fsanitize=fuzzer at link
# time, tools/fuzz/meson.build). FUZZ_CXX picks the clang.
. tools/asan_build.sh
build_dir="$hp_asan_dir"
hp_asan_setup || exit 2

# Only the fuzz targets are built: the rest of the project is not needed here. The host parser
# targets (issue 9, item 4) are listed in tools/fuzz/README.md.
targets=(fuzz_apdu_parser fuzz_runtime)
# The target list is read whole before grep looks at it: `ninja ... | grep -q` under pipefail
# fails when grep quits at its match and ninja then writes into the closed pipe (SIGPIPE), which
# skipped fuzz_card in CI although it was configured.
all_targets=$(ninja -C "$build_dir" -t targets all 2>/dev/null)
if grep -q '^tools/fuzz/fuzz_card:' <<<"$all_targets"; then
  targets+=(fuzz_card)
else
  echo "run_fuzz: fuzz_card is not configured (the applets are missing); skipping it"
fi
targets+=(fuzz_channel_frames fuzz_channel_messages fuzz_rpc fuzz_tls_sessions fuzz_http
  fuzz_purse_checks fuzz_admin_line fuzz_vpcd fuzz_discovery)
if [ -n "${HP_FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$HP_FUZZ_TARGETS"
fi
if ! ninja -C "$build_dir" "${targets[@]/#/tools/fuzz/}" >"$build_dir/fuzz-build.log" 2>&1; then
  tail -n 60 "$build_dir/fuzz-build.log" >&2
  echo "run_fuzz: build failed" >&2
  exit 2
fi

# Shares of the time: fuzz_card is ~40x slower per input than the others (it opens real applets
# with keys), so it gets 4 shares; the socket targets (a connection per input) and the card
# runtime get 2; the pure parsers 1.
weight_of() {
  case "$1" in
    fuzz_card) echo 4 ;;
    fuzz_runtime | fuzz_rpc | fuzz_admin_line | fuzz_vpcd | fuzz_channel_frames) echo 2 ;;
    *) echo 1 ;;
  esac
}
weight_sum=0
for target in "${targets[@]}"; do weight_sum=$((weight_sum + $(weight_of "$target"))); done
seconds_for() {
  local s=$((total_seconds * $(weight_of "$1") / weight_sum))
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
  if [ "$runs_each" -gt 0 ]; then
    limit=(-runs="$runs_each")
    per_target="(no limit)"
  else
    per_target="$(seconds_for "$target")"
    limit=(-max_total_time="$per_target")
    per_target="${per_target}s"
  fi
  # A card session needs room for a 4 KiB certificate sent in chained parts; the admin line
  # target needs lines longer than the 4 KiB bound.
  max_len=4096
  if [ "$target" = fuzz_card ]; then max_len=12288; fi
  if [ "$target" = fuzz_admin_line ]; then max_len=6000; fi
  started=$SECONDS
  "$build_dir/tools/fuzz/$target" "$corpus" \
    "${limit[@]}" \
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
    # libFuzzer's last status line ("#N DONE cov: .. corp: INPUTS/SIZE exec/s: E ..") gives the
    # corpus the run ended with and its speed (the long run's table in tools/fuzz/README.md).
    last="$(grep -E '^#[0-9]+' "$log" | tail -n 1)"
    corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")"
    speed="$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")"
    echo "run_fuzz: $target: $runs inputs in $((SECONDS - started))s (limit $per_target)," \
      "${speed:-?} exec/s, corpus ${corp:-?} (inputs/bytes), no crash"
  fi
done

echo "run_fuzz: total ${total_runs} inputs executed by ${#targets[@]} targets, ${failures} failed"
[ "$failures" -eq 0 ]

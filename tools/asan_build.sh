#!/usr/bin/env bash
# Sourced by tools/run_fuzz.sh and tools/run_sanitizers.sh: the one AddressSanitizer build
# directory they share, ./build-asan. clang (ASan + UBSan, -O1 with debug info) with
# -fsanitize=fuzzer-no-link on every unit, so the same objects serve the libFuzzer targets
# (-Dfuzzing=true, linked with -fsanitize=fuzzer) and the host test suites (where the coverage
# callbacks are the sanitizer runtime's no-op defaults). One cold compile instead of two: the
# fuzz build and a gcc ASan build took 163 s + 1182 s of a loaded CI-clone run, gcc's
# ASan+UBSan being 2.6x slower than clang's on the same unit (tools/test.sh header).
# hp_asan_setup: configures ./build-asan unless it is already configured with these options
# (a directory from an older configuration is wiped and set up again). Returns non-zero and
# prints meson's log when the setup fails.
hp_asan_dir=build-asan

hp_asan_setup() {
  local cxx="${FUZZ_CXX:-}" candidate
  if [ -z "$cxx" ]; then
    for candidate in clang++-14 clang++; do
      if command -v "$candidate" >/dev/null; then cxx="$candidate"; break; fi
    done
  fi
  if [ -z "$cxx" ]; then
    echo "asan_build: no clang++ found (install clang-14 libclang-rt-14-dev)" >&2
    return 2
  fi
  # -O1 with debug info: the sanitizers' own advice (readable stacks, inlining kept small).
  local options=(-Dfuzzing=true -Doptimization=1 -Ddebug=true
    -Db_sanitize=address,undefined -Db_lundef=false
    "-Dcpp_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined")
  local stamp="$cxx ${options[*]}"
  if [ -f "$hp_asan_dir/build.ninja" ] && [ "$(cat "$hp_asan_dir/hp-asan-options" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  rm -rf "$hp_asan_dir"
  if ! CXX="$cxx" meson setup "$hp_asan_dir" "${options[@]}" >"$hp_asan_dir.setup.log" 2>&1; then
    cat "$hp_asan_dir.setup.log" >&2
    echo "asan_build: meson setup of $hp_asan_dir failed" >&2
    return 2
  fi
  rm -f "$hp_asan_dir.setup.log"
  echo "$stamp" >"$hp_asan_dir/hp-asan-options"
}

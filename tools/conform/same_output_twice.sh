#!/bin/sh
# Runs a command twice and fails unless both runs print exactly the same thing: with --seed N
# and --verbose, apdu_conform must replay every random value and every APDU identically.
# Usage: same_output_twice.sh COMMAND [ARGS...]
first="$("$@" 2>&1)"
second="$("$@" 2>&1)"
if [ "$first" != "$second" ]; then
  echo "same_output_twice: the two runs differ"
  printf '%s\n' "$first" > "${TMPDIR:-/tmp}/same_output_twice.1"
  printf '%s\n' "$second" > "${TMPDIR:-/tmp}/same_output_twice.2"
  diff "${TMPDIR:-/tmp}/same_output_twice.1" "${TMPDIR:-/tmp}/same_output_twice.2" | head -20
  exit 1
fi
printf '%s\n' "$first" | tail -n 1
exit 0

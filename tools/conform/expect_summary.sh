#!/bin/sh
# Runs a command and checks its exit status and its last output line exactly, so a test of a
# deliberately failing scenario proves the right steps failed (not a crash or a load error).
# Usage: expect_summary.sh STATUS "LAST LINE" COMMAND [ARGS...]
want_status="$1"
want_last="$2"
shift 2
output="$("$@" 2>&1)"
status=$?
last="$(printf '%s\n' "$output" | tail -n 1)"
printf '%s\n' "$output"
if [ "$status" != "$want_status" ] || [ "$last" != "$want_last" ]; then
  echo "expect_summary: got status $status and last line '$last'; wanted $want_status and '$want_last'"
  exit 1
fi
exit 0

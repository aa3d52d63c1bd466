#!/usr/bin/env bash
# A damaged card state file must stop the card process with a clear message and a non-zero
# exit status; it must never start with a reset (blank) card, and never rewrite the file.
# Every damaged copy is run with the original card's key file (--key), so it is refused for the
# damage and not merely for a missing key.
# Checked for: a truncated file (several lengths) and single bit flips (magic, length, payload,
# checksum), against a control (the intact file starts and keeps running).
# The card process needs no reader for this: it opens its state before it connects to vpcd, so
# it is pointed at a closed local port (it then just waits for vpcd).
# Usage: test_kill9_corrupt.sh CARD_BINARY [CARD_BINARY...]
set -uo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 CARD_BINARY [CARD_BINARY...]" >&2
  exit 64
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/hp-kill9-corrupt.XXXXXX")"
started_pids=()
cleanup() {
  for pid in "${started_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# A port with nothing listening: the card process keeps retrying there, harmlessly.
closed_port=1

# Runs the card on a state file for at most 5 s; sets run_rc (124 = still running at the end,
# then stopped) and run_log.
run_card() {
  local binary="$1" state="$2"
  run_log="$work/run.log"
  "$binary" --port "$closed_port" --state "$state" --key "$key" >"$run_log" 2>&1 &
  local pid=$!
  started_pids+=("$pid")
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null
    run_rc=124
  else
    wait "$pid"
    run_rc=$?
  fi
}

# Starts the card on a state file and expects it to keep running (intact file) for 1 s.
expect_starts() {
  local binary="$1" state="$2" what="$3"
  "$binary" --port "$closed_port" --state "$state" --key "$key" >"$work/start.log" 2>&1 &
  local pid=$!
  started_pids+=("$pid")
  sleep 1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null
    pass "$what: starts"
  else
    wait "$pid"
    fail "$what: exited with $? on an intact state file: $(tr '\n' ' ' <"$work/start.log")"
  fi
}

expect_refused() {
  local binary="$1" state="$2" what="$3"
  local before
  before="$(sha256sum <"$state")"
  run_card "$binary" "$state"
  local after
  after="$(sha256sum <"$state")"
  if [ "$run_rc" -eq 124 ]; then
    fail "$what: the card process started on a damaged state file"
  elif [ "$run_rc" -eq 0 ]; then
    fail "$what: exit status 0 on a damaged state file"
  elif ! grep -qi "refus\|truncated\|corrupt\|damaged\|malformed\|checksum\|wrong" "$run_log"; then
    fail "$what: exit $run_rc but no clear message: $(tr '\n' ' ' <"$run_log")"
  elif [ "$before" != "$after" ]; then
    fail "$what: the damaged state file was rewritten"
  else
    pass "$what: exit $run_rc: $(grep -i "state" "$run_log" | head -n 1)"
  fi
}

# Flips one bit of byte OFFSET of FILE in place.
flip_bit() {
  python3 - "$1" "$2" <<'PY'
import sys
path, offset = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, "rb").read())
data[offset] ^= 0x01
open(path, "wb").write(bytes(data))
PY
}

# Damages the payload of FILE but re-seals it as an attacker without the key can: in the old
# unkeyed format ("HPCARD01", u32 length, payload, SHA-256 of all before it), here from the bytes
# after the sealed header (ciphertext: the attacker cannot read the plaintext). The card has a
# key, so an unsealed file is refused (card/runtime/file_storage.hpp).
# MODE: version (first payload byte changed) or short (last payload byte dropped).
reseal_damaged() {
  python3 - "$1" "$2" <<'PY'
import hashlib, sys
path, mode = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
if data[:8] == b"HPCARD02":
    payload = bytearray(data[8:])
else:
    n = int.from_bytes(data[8:12], "big")
    payload = bytearray(data[12:12 + n])
if mode == "version":
    payload[0] ^= 0x40
else:
    payload = payload[:-1]
body = b"HPCARD01" + len(payload).to_bytes(4, "big") + bytes(payload)
open(path, "wb").write(body + hashlib.sha256(body).digest())
PY
}

for binary in "$@"; do
  name="$(basename "$binary")"
  if [ ! -x "$binary" ]; then
    fail "$name: $binary is not an executable"
    continue
  fi
  state="$work/$name.state"
  key="$state.key"
  # A new card: the process creates its state file on first start, then waits for vpcd.
  "$binary" --port "$closed_port" --state "$state" >"$work/create.log" 2>&1 &
  pid=$!
  started_pids+=("$pid")
  for _ in $(seq 50); do
    if [ -s "$state" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ ! -s "$state" ]; then
    fail "$name: did not create a state file: $(tr '\n' ' ' <"$work/create.log")"
    continue
  fi
  pass "$name: fresh state file created ($(stat -c %s "$state") bytes)"
  expect_starts "$binary" "$state" "$name intact state"

  size="$(stat -c %s "$state")"
  for keep in 0 7 16 $((size / 2)) $((size - 1)); do
    damaged="$work/$name.truncated-$keep"
    head -c "$keep" "$state" >"$damaged"
    expect_refused "$binary" "$damaged" "$name truncated to $keep of $size bytes"
  done
  # Magic, the length field, the first payload byte (format version), the middle of the
  # payload, and the last byte (checksum).
  for offset in 0 9 16 $((size / 2)) $((size - 1)); do
    damaged="$work/$name.flipped-$offset"
    cp "$state" "$damaged"
    flip_bit "$damaged" "$offset"
    expect_refused "$binary" "$damaged" "$name bit flipped at byte $offset"
  done
  for mode in version short; do
    damaged="$work/$name.resealed-$mode"
    cp "$state" "$damaged"
    reseal_damaged "$damaged" "$mode"
    expect_refused "$binary" "$damaged" "$name well-sealed file with a malformed image ($mode)"
  done
  # The original file was never touched by any of this.
  expect_starts "$binary" "$state" "$name intact state, again"
done

echo "kill9-corrupt: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

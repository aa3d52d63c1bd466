#!/usr/bin/env bash
# A card process survives pcscd going away: when pcscd stops, vpcd's socket closes, the card
# logs it and keeps trying; when a new pcscd starts, the card reconnects by itself and is seen
# and usable again, with its persistent state intact (the PIN1 retry counter here).
# Usage: test_pcscd_restart.sh HOMECARD_EXE
set -euo pipefail
homecard=${1:?usage: test_pcscd_restart.sh HOMECARD_EXE}
homecard=$(realpath "$homecard")
# shellcheck source=sandbox.sh
source "$(dirname "$0")/sandbox.sh"

select_home='00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01'
sw_of() { opensc-tool -r 0 "$@" 2>&1 | grep -o 'SW1=0x.., SW2=0x..' | tail -1; }

sandbox_start 2
sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$homecard"
card_pid=$SANDBOX_LAST_PID
sandbox_wait_card 0

# Personalize and spend one PIN1 try, so there is state to find again after the restart.
opensc-tool -r 0 -s "$select_home" -s '00 24 01 81 04 31 32 33 34' -s '00 24 01 82 04 35 36 37 38' \
  -s '00 24 01 83 08 31 32 33 34 35 36 37 38' -s '00 44 00 00' -s '00 20 00 81 04 39 39 39 39' >/dev/null
before=$(sw_of -s "$select_home" -s '00 20 00 81')
[[ "$before" == "SW1=0x63, SW2=0xC2" ]] || { echo "FAIL: expected 63C2 before restart, got $before"; exit 1; }

for round in 1 2; do
  echo "round $round: stopping pcscd $SANDBOX_PCSCD_PID"
  kill "$SANDBOX_PCSCD_PID"
  wait "$SANDBOX_PCSCD_PID" 2>/dev/null || true
  # The card must notice and keep running (not exit) while no pcscd is there.
  deadline=$((SECONDS + 10))
  until grep -q "reconnecting" "$SANDBOX_DIR/logs/homecard-0.log"; do
    ((SECONDS < deadline)) || { echo "FAIL: card did not notice pcscd stopping"; exit 1; }
    sleep 0.1
  done
  sleep 1
  kill -0 "$card_pid" || { echo "FAIL: card process exited when pcscd stopped"; exit 1; }
  : >"$SANDBOX_DIR/logs/homecard-0.log.mark"
  # A new pcscd on the same readers.
  LD_PRELOAD="$SANDBOX_VPCD_LOOPBACK" pcscd -f -c "$SANDBOX_DIR/reader.conf.d" >>"$SANDBOX_DIR/logs/pcscd.log" 2>&1 &
  SANDBOX_PCSCD_PID=$!
  sandbox_track "$SANDBOX_PCSCD_PID"
  deadline=$((SECONDS + 15))
  # The reader list read whole, not `| grep -q`: under pipefail an early grep exit can fail it.
  until [[ -S "$PCSCLITE_CSOCK_NAME" ]] && grep -q '^Virtual PCD 00 00' <<<"$(sandbox_readers)"; do
    ((SECONDS < deadline)) || { echo "FAIL: new pcscd did not list the reader"; exit 1; }
    sleep 0.1
  done
  sandbox_wait_card 0 15
  after=$(sw_of -s "$select_home" -s '00 20 00 81')
  [[ "$after" == "SW1=0x63, SW2=0xC2" ]] || { echo "FAIL: round $round: expected 63C2, got $after"; exit 1; }
  echo "round $round: card reconnected, PIN1 counter still 63C2"
done

grep -c "connected to vpcd" "$SANDBOX_DIR/logs/homecard-0.log" | {
  read -r n
  ((n >= 3)) || { echo "FAIL: expected 3 connections in the card log, saw $n"; exit 1; }
}
echo "PASS: card reconnected after 2 pcscd restarts"

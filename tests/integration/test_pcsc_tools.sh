#!/bin/bash
# test_pcsc_tools.sh HOMECARD ACCESSCARD: the standard PC/SC tools see and drive both cards in
# a private pcscd (sandbox.sh): pcsc_scan, opensc-tool, scriptor and a pyscard script.
set -euo pipefail
HOMECARD=$(realpath "${1:?usage: test_pcsc_tools.sh HOMECARD ACCESSCARD}")
ACCESSCARD=$(realpath "${2:?}")
source "$(dirname "$0")/sandbox.sh"

FAILURES=0
pass() { echo "ok   - $*"; }
fail() {
  echo "FAIL - $*"
  FAILURES=$((FAILURES + 1))
}
# expect DESCRIPTION PATTERN TEXT: grep -E (case-insensitive) PATTERN in TEXT.
expect() {
  if grep -qiE -- "$2" <<<"$3"; then pass "$1"; else
    fail "$1: no /$2/ in:"
    sed 's/^/       /' <<<"$3"
  fi
}

readonly HOME_SELECT='00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01'
readonly ACCESS_SELECT='00 A4 04 00 0C F0 41 43 43 45 53 53 43 41 52 44 01'
readonly GET_STATUS='00 CA DF 01 00'

sandbox_start 2
sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
sandbox_card accesscard 1 "$SANDBOX_DIR/access.state" --path "$ACCESSCARD"
sandbox_wait_card 0
sandbox_wait_card 1
HOME_READER=$(sandbox_reader_name 0)
ACCESS_READER=$(sandbox_reader_name 1)

# pcsc_scan -r lists the readers and exits (plain pcsc_scan would watch forever).
out=$(timeout 10 pcsc_scan -r 2>&1 || true)
expect "pcsc_scan lists the home card's reader" "^0: $HOME_READER\$" "$out"
expect "pcsc_scan lists the access card's reader" "^1: $ACCESS_READER\$" "$out"

out=$(timeout 10 opensc-tool -l 2>&1 || true)
expect "opensc-tool -l: card in reader 0" "^0 +Yes +$HOME_READER" "$out"
expect "opensc-tool -l: card in reader 1" "^1 +Yes +$ACCESS_READER" "$out"

# ATR historical bytes: "HOMECARD" = 48 4F 4D 45 43 41 52 44, "ACCESSCARD" = 41 43 43 45 ...
out=$(timeout 10 opensc-tool -r 0 -a 2>&1 || true)
expect "home card ATR says HOMECARD" "^3b:88:80:01:48:4f:4d:45:43:41:52:44:[0-9a-f]{2}$" "$out"
out=$(timeout 10 opensc-tool -r 1 -a 2>&1 || true)
expect "access card ATR says ACCESSCARD" \
  "^3b:8a:80:01:41:43:43:45:53:53:43:41:52:44:[0-9a-f]{2}$" "$out"

out=$(timeout 10 opensc-tool -r 0 -s "$HOME_SELECT" -s "$GET_STATUS" 2>&1 || true)
expect "opensc-tool: SELECT home card answers 9000" \
  "Received \(SW1=0x90, SW2=0x00\)$" "$out"
expect "opensc-tool: GET DATA status of the home card" \
  "Received \(SW1=0x90, SW2=0x00\):" "$out"
expect "opensc-tool: home card status DO starts 80 01 .. 81 01" "^80 01 [0-9A-F]{2} 81 01 " "$out"
out=$(timeout 10 opensc-tool -r 1 -s "$ACCESS_SELECT" -s "$GET_STATUS" 2>&1 || true)
expect "opensc-tool: SELECT and GET DATA status of the access card" \
  "Received \(SW1=0x90, SW2=0x00\):" "$out"

# scriptor: a reset, the SELECT (61xx: the FCI waits for GET RESPONSE) and the status.
cat >"$SANDBOX_DIR/home.scriptor" <<SCRIPT
reset
$HOME_SELECT
$GET_STATUS
exit
SCRIPT
out=$(timeout 10 scriptor -r "$HOME_READER" "$SANDBOX_DIR/home.scriptor" 2>&1 || true)
expect "scriptor: reset gives the home card ATR" "< OK: 3B 88 80 01 48 4F 4D 45" "$out"
expect "scriptor: SELECT answers 61xx (FCI available)" "^< 61 [0-9A-F]{2} :" "$out"
expect "scriptor: GET DATA status ends 90 00" "90 00 : Normal processing" "$out"

# pyscard: select each card by AID in its own reader, fetching the FCI with GET RESPONSE.
out=$(HOME_READER="$HOME_READER" ACCESS_READER="$ACCESS_READER" /usr/bin/python3 - <<'PY' 2>&1 || true
import os
from smartcard.System import readers

def select(reader_name, aid):
    reader = next(r for r in readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    data, sw1, sw2 = connection.transmit([0x00, 0xA4, 0x04, 0x00, len(aid)] + aid)
    fci = []
    while sw1 == 0x61:  # ISO 7816-4: more bytes, fetch them with GET RESPONSE
        more, sw1, sw2 = connection.transmit([0x00, 0xC0, 0x00, 0x00, sw2])
        fci += more
    connection.disconnect()
    return fci, (sw1 << 8) | sw2

home_aid = [0xF0] + list(b"HOMECARD") + [0x01]
access_aid = [0xF0] + list(b"ACCESSCARD") + [0x01]
for name, reader, aid in (("home", os.environ["HOME_READER"], home_aid),
                          ("access", os.environ["ACCESS_READER"], access_aid)):
    fci, sw = select(reader, aid)
    aid_in_fci = bytes([0x84, len(aid)] + aid) in bytes(fci)
    print(f"pyscard {name}: SW {sw:04X} FCI {bytes(fci).hex()} aid_in_fci={aid_in_fci}")
PY
)
expect "pyscard selects the home card (FCI names its AID)" \
  "^pyscard home: SW 9000 FCI 6f.* aid_in_fci=True$" "$out"
expect "pyscard selects the access card (FCI names its AID)" \
  "^pyscard access: SW 9000 FCI 6f.* aid_in_fci=True$" "$out"

if ((FAILURES > 0)); then
  echo "$FAILURES check(s) failed"
  exit 1
fi
echo "all checks passed"

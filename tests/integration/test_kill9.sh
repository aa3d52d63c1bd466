#!/usr/bin/env bash
# Crash safety of the card processes: kill -9 at random instants while they change their state,
# restart on the same state file, check the state against a model (test_kill9_loop.py). The
# home card and the access card run one after the other, each for half of the time bound.
# Runs its own pcscd with a vpcd reader on free local ports, in a private mount namespace (so
# its /run/pcscd does not collide with the system's or another test's pcscd).
# Usage: test_kill9.sh HOMECARD_BINARY [ACCESSCARD_BINARY]
#   env: HP_KILL9_SEED (default: bash $RANDOM), HP_KILL9_ITERATIONS (200 per card),
#        HP_KILL9_SECONDS (90 in all: each loop stops at whichever bound comes first)
# Exit: 0 all iterations passed, 1 a failure, 77 skipped (no root / no unshare / no pcscd).
set -uo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
  echo "usage: $0 HOMECARD_BINARY [ACCESSCARD_BINARY]" >&2
  exit 64
fi
cards=("$(realpath "$1")")
if [ "$#" -eq 2 ]; then cards+=("$(realpath "$2")"); fi
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3  # Debian's python3, the one with python3-pyscard

if [ -z "${HP_KILL9_INSIDE:-}" ]; then
  for tool in pcscd unshare mount; do
    if ! command -v "$tool" >/dev/null; then
      echo "kill9: SKIP: $tool is not installed"
      exit 77
    fi
  done
  if [ ! -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || ! "$python" -c 'import smartcard' 2>/dev/null; then
    echo "kill9: SKIP: vsmartcard-vpcd or python3-pyscard missing"
    exit 77
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "kill9: SKIP: needs root for a private mount namespace (unshare -m)"
    exit 77
  fi
  if [ -z "${HP_KILL9_SEED:-}" ]; then
    RANDOM=$$
    HP_KILL9_SEED=$RANDOM
  fi
  export HP_KILL9_SEED
  echo "kill9: seed ${HP_KILL9_SEED} (rerun with HP_KILL9_SEED=${HP_KILL9_SEED} $0 ${cards[*]})"
  mkdir -p /run/pcscd
  HP_KILL9_INSIDE=1 exec unshare -m "$0" "${cards[@]}"
fi

# From here on: inside the private mount namespace.
work="$(mktemp -d "${TMPDIR:-/tmp}/hp-kill9.XXXXXX")"
pcscd_pid=""
cleanup() {
  if [ -n "$pcscd_pid" ]; then
    kill "$pcscd_pid" 2>/dev/null
    wait "$pcscd_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mount -t tmpfs tmpfs /run/pcscd || { echo "kill9: SKIP: cannot mount a private /run/pcscd"; exit 77; }

# Two consecutive free ports: vpcd's slot n listens on CHANNELID + n.
port="$("$python" - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        for q in (p, p + 1):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        pass
PY
)"
mkdir -p "$work/reader.conf.d"
cat >"$work/reader.conf.d/vpcd" <<EOF_CONF
FRIENDLYNAME "Virtual PCD K9"
DEVICENAME   /dev/null:${port}
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    ${port}
EOF_CONF
pcscd -f -c "$work/reader.conf.d" >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!

wait_for_reader() {
  for _ in $(seq 50); do
    if "$python" -c "from smartcard.System import readers; import sys; sys.exit(0 if any('$1' in str(r) for r in readers()) else 1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

seconds_each=$(( ${HP_KILL9_SECONDS:-90} / ${#cards[@]} ))
kinds=(home access)
rc=0
for i in "${!cards[@]}"; do
  reader="Virtual PCD K9 00 0${i}"
  wait_for_reader "$reader" || echo "kill9: reader '$reader' did not appear"
  state="$work/${kinds[$i]}.state"
  "$python" "$here/test_kill9_loop.py" --kind "${kinds[$i]}" \
    --card "${cards[$i]}" --port $((port + i)) --reader "$reader" --state "$state" \
    --seed "$HP_KILL9_SEED" \
    --iterations "${HP_KILL9_ITERATIONS:-200}" --seconds "$seconds_each"
  card_rc=$?
  if [ "$card_rc" -ne 0 ]; then
    rc=1
    echo "kill9: card log:"; tail -n 20 "$state.log"
    echo "kill9: pcscd log:"; tail -n 20 "$work/pcscd.log"
  fi
done
exit "$rc"

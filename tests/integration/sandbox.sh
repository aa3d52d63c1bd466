# shellcheck shell=bash
# sandbox.sh: a private pcscd with N vsmartcard (vpcd) readers, for integration tests, benchmarks
# and the demo. Source it from a bash script (not an interactive shell):
#
#   source tests/integration/sandbox.sh      # may re-execute the calling script, see below
#   sandbox_start 2                          # pcscd with 2 reader slots, waits for them
#   sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path build/card/homecard/homecard
#   sandbox_wait_card 0                      # until slot 0 holds a card
#   pcsc_scan -r                             # clients reach the private pcscd
#
# Loopback only: vpcd binds its card ports on 0.0.0.0 (every interface) and cannot be told
# otherwise, so pcscd runs with LD_PRELOAD=libhp_vpcd_loopback.so (tools/vpcd_loopback), which
# turns those binds into binds on 127.0.0.1: the way docs/design.md "The card link" documents
# for every pcscd that serves homeproxy cards. The library is $HP_VPCD_LOOPBACK (meson test
# sets it), else $HP_BUILD_DIR's or ./build's; without it sandbox_start refuses to start.
#
# Isolation, and why it takes two namespaces:
#  * When `unshare -n -m` works (root, as here), sourcing this file re-executes the calling
#    script in a fresh network namespace where only `lo` is up, so the fixed ports cannot
#    collide with anybody else's pcscd or cards.
#  * Debian's pcscd 1.9.9 does NOT honour PCSCLITE_CSOCK_NAME (measured: it always creates
#    /run/pcscd/pcscd.comm and pcscd.pid, and removes them on exit); only the client library
#    does. So the same re-execution also gets a private mount namespace, and sandbox_start
#    bind-mounts "$SANDBOX_DIR/run" over /run/pcscd: the private pcscd's socket and pid file
#    live in the sandbox, the machine's /run/pcscd is untouched. PCSCLITE_CSOCK_NAME is exported
#    as "$SANDBOX_DIR/run/pcscd.comm" (the same socket) so clients name it explicitly.
#  * Where unshare fails, it runs in the caller's namespaces with a warning: ports are then
#    picked free at random (on 127.0.0.1 all the same); it refuses to start if another pcscd
#    already owns /run/pcscd.
#
# Readers: vpcd gives every reader.conf.d entry TWO slots, on PORT and PORT+1 (measured with
# vsmartcard 0.8 / pcsc-lite 1.9.9), named "<FRIENDLYNAME> 00 00" and "<FRIENDLYNAME> 00 01".
# pcsc-lite does not number several entries with the same FRIENDLYNAME apart (they all come
# out as "... 00 00"), so entry k > 0 is named "Virtual PCD k". Slot i (0-based) of the sandbox
# therefore listens on port SANDBOX_BASE_PORT + i and is the reader `sandbox_reader_name i`:
#   0 "Virtual PCD 00 00"   1 "Virtual PCD 00 01"   2 "Virtual PCD 1 00 00"   3 "Virtual PCD 1 00 01"
# Slots 0 and 1 match the machine's default vpcd names (35963/35964) used throughout the docs.
#
# Every process started here (pcscd, cards) is killed by an EXIT trap, also on failure or
# Ctrl-C. Scripts that need their own clean-up set SANDBOX_ON_EXIT to a command to run first.

readonly SANDBOX_VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
readonly SANDBOX_DEFAULT_BASE_PORT=35963
_SANDBOX_HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")

# The loopback library for pcscd's LD_PRELOAD (see the top of this file).
sandbox_vpcd_loopback() {
  local candidate
  for candidate in "${HP_VPCD_LOOPBACK:-}" \
    "${HP_BUILD_DIR:+$HP_BUILD_DIR/tools/vpcd_loopback/libhp_vpcd_loopback.so}" \
    "$_SANDBOX_HERE/../../build/tools/vpcd_loopback/libhp_vpcd_loopback.so"; do
    if [[ -n "$candidate" && -f "$candidate" ]]; then
      realpath "$candidate"
      return 0
    fi
  done
  return 1
}

sandbox_log() { echo "sandbox: $*" >&2; }
sandbox_die() {
  echo "sandbox: ERROR: $*" >&2
  exit 1
}

# --- re-execution in private network and mount namespaces -------------------------------------
# HP_SANDBOX_NO_UNSHARE=1 skips this (to test the fallback, or to debug from the host).
if [[ "${HP_SANDBOX_NAMESPACED:-}" != 1 ]]; then
  if [[ "${HP_SANDBOX_NO_UNSHARE:-}" != 1 && -f "$0" ]] && unshare -n -m true 2>/dev/null; then
    export HP_SANDBOX_NAMESPACED=1
    exec unshare -n -m -- bash "$0" "$@"
  fi
  sandbox_log "WARNING: not in private network/mount namespaces (unshare -n -m failed, not run" \
    "from a script file, or HP_SANDBOX_NO_UNSHARE=1); ports are picked at random"
fi
if [[ "${HP_SANDBOX_NAMESPACED:-}" == 1 ]]; then
  # Inside the fresh namespaces: nothing is up yet, and mounts must not leak to the host.
  ip link set lo up || sandbox_die "cannot bring up lo in the network namespace"
  mount --make-rprivate / || sandbox_die "cannot make the mount namespace private"
fi

SANDBOX_DIR=""
SANDBOX_PIDS=()
SANDBOX_PCSCD_PID=""
SANDBOX_SLOTS=0
SANDBOX_BASE_PORT=0

_sandbox_cleanup() {
  local status=$?
  if [[ -n "${SANDBOX_ON_EXIT:-}" ]]; then eval "$SANDBOX_ON_EXIT" || true; fi
  local pid
  for pid in "${SANDBOX_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SANDBOX_PIDS[@]}"; do
    # Give each process a second to stop, then insist.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${HP_SANDBOX_NAMESPACED:-}" == 1 ]]; then umount /run/pcscd 2>/dev/null || true; fi
  if [[ -n "$SANDBOX_DIR" && -d "$SANDBOX_DIR" && "${SANDBOX_KEEP:-}" != 1 ]]; then
    rm -rf "$SANDBOX_DIR"
  elif [[ -n "$SANDBOX_DIR" ]]; then
    sandbox_log "kept $SANDBOX_DIR"
  fi
  exit "$status"
}
trap _sandbox_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Remembers a process so the EXIT trap stops it.
sandbox_track() { SANDBOX_PIDS+=("$1"); }

# The port of slot I (0-based) and the PC/SC reader name of that slot.
sandbox_port() { echo $((SANDBOX_BASE_PORT + $1)); }
sandbox_reader_name() {
  local entry=$(($1 / 2)) slot=$(($1 % 2))
  if ((entry == 0)); then
    printf 'Virtual PCD 00 %02d\n' "$slot"
  else
    printf 'Virtual PCD %d 00 %02d\n' "$entry" "$slot"
  fi
}

# Lists the readers the private pcscd knows, one per line (empty when there are none).
sandbox_readers() {
  /usr/bin/python3 - <<'PY' 2>/dev/null
from smartcard.System import readers
for r in readers():
    print(r)
PY
}

# True when no socket on this machine (namespace) listens on PORT.
# (ss's output read whole: in `ss | grep -q .` under pipefail, ss writing on after grep quit
# (EPIPE) would fail the pipeline.)
_sandbox_port_free() {
  [[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

# Picks COUNT consecutive free ports; fixed ports in a private namespace, random ones outside.
_sandbox_pick_ports() {
  local count=$1
  if [[ "${HP_SANDBOX_NAMESPACED:-}" == 1 ]]; then
    SANDBOX_BASE_PORT=$SANDBOX_DEFAULT_BASE_PORT
    return 0
  fi
  local attempt base i ok
  for attempt in $(seq 1 50); do
    base=$((20000 + (RANDOM % 20000) * 2))
    ok=1
    for ((i = 0; i < count; i++)); do
      _sandbox_port_free $((base + i)) || { ok=0; break; }
    done
    if ((ok)); then
      SANDBOX_BASE_PORT=$base
      return 0
    fi
  done
  sandbox_die "no $count consecutive free TCP ports found"
}

# sandbox_start N: temp dir, reader.conf.d with N slots, private pcscd, waits for the readers.
sandbox_start() {
  local slots=${1:?usage: sandbox_start N}
  [[ -f "$SANDBOX_VPCD_DRIVER" ]] || sandbox_die "vpcd driver missing: apt-get install vsmartcard-vpcd"
  command -v pcscd >/dev/null || sandbox_die "pcscd missing: apt-get install pcscd"
  local loopback
  loopback=$(sandbox_vpcd_loopback) || sandbox_die "libhp_vpcd_loopback.so not found (set" \
    "HP_VPCD_LOOPBACK or build it: ninja -C build tools/vpcd_loopback/libhp_vpcd_loopback.so);" \
    "without it vpcd's card slots listen on every interface"
  SANDBOX_SLOTS=$slots
  SANDBOX_DIR=$(mktemp -d /tmp/hp-sandbox.XXXXXX)
  mkdir -p "$SANDBOX_DIR/reader.conf.d" "$SANDBOX_DIR/run" "$SANDBOX_DIR/logs"
  # The terminal agent's lock and socket are named after the reader in $XDG_RUNTIME_DIR (else
  # ~/.cache): shared, two sandboxes running at once (both "Virtual PCD 00 01") would each take
  # the other's agent for their own, and an access card would lock when its pcscd powered it off.
  export XDG_RUNTIME_DIR="$SANDBOX_DIR/xdg"
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  # Its config (usual shops) and the recent shops it learns stay in the sandbox as well: a
  # user's or an earlier run's shops would be prepared at every unlock (ports long gone).
  export XDG_CONFIG_HOME="$SANDBOX_DIR/config" XDG_STATE_HOME="$SANDBOX_DIR/state"

  local entries=$(((slots + 1) / 2))
  _sandbox_pick_ports $((entries * 2))  # each entry binds two ports, used or not
  # For scripts that start pcscd again themselves (test_pcscd_restart.sh).
  export SANDBOX_VPCD_LOOPBACK=$loopback

  local k name conf="$SANDBOX_DIR/reader.conf.d/vpcd"
  : >"$conf"
  local driver
  for ((k = 0; k < entries; k++)); do
    name="Virtual PCD"
    driver=$SANDBOX_VPCD_DRIVER
    if ((k > 0)); then
      name="Virtual PCD $k"
      # vpcd keeps its slots in global arrays indexed by slot number only, so two entries
      # sharing one loaded driver overwrite each other's slots; a copy of the file is
      # loaded as a separate object with its own globals.
      driver="$SANDBOX_DIR/libifdvpcd-$k.so"
      cp "$SANDBOX_VPCD_DRIVER" "$driver"
    fi
    cat >>"$conf" <<EOF
FRIENDLYNAME "$name"
DEVICENAME   /dev/null:$((SANDBOX_BASE_PORT + 2 * k))
LIBPATH      $driver
CHANNELID    $((SANDBOX_BASE_PORT + 2 * k))

EOF
  done

  if [[ "${HP_SANDBOX_NAMESPACED:-}" == 1 ]]; then
    mkdir -p /run/pcscd
    mount --bind "$SANDBOX_DIR/run" /run/pcscd || sandbox_die "cannot bind-mount /run/pcscd"
    export PCSCLITE_CSOCK_NAME="$SANDBOX_DIR/run/pcscd.comm"
  else
    if [[ -S /run/pcscd/pcscd.comm ]] && pgrep -x pcscd >/dev/null; then
      sandbox_die "another pcscd owns /run/pcscd and this pcscd cannot move its socket" \
        "(PCSCLITE_CSOCK_NAME is client-only in pcsc-lite 1.9.9); run as root with unshare"
    fi
    export PCSCLITE_CSOCK_NAME=/run/pcscd/pcscd.comm
  fi

  # SANDBOX_PCSCD_ARGS="-d" (debug) or "-a" (APDU log) for troubleshooting; both slow pcscd.
  # shellcheck disable=SC2086
  LD_PRELOAD="$loopback" pcscd -f ${SANDBOX_PCSCD_ARGS:-} -c "$SANDBOX_DIR/reader.conf.d" \
    >"$SANDBOX_DIR/logs/pcscd.log" 2>&1 &
  SANDBOX_PCSCD_PID=$!
  sandbox_track "$SANDBOX_PCSCD_PID"

  # pcscd is ready when its socket exists and it lists every slot (it loads the driver first).
  local deadline=$((SECONDS + 10)) count
  while :; do
    kill -0 "$SANDBOX_PCSCD_PID" 2>/dev/null ||
      sandbox_die "pcscd exited: $(tail -5 "$SANDBOX_DIR/logs/pcscd.log")"
    if [[ -S "$PCSCLITE_CSOCK_NAME" ]]; then
      count=$(sandbox_readers | grep -c '^Virtual PCD' || true)
      ((count >= entries * 2)) && break
    fi
    ((SECONDS < deadline)) || sandbox_die "pcscd did not list $slots readers within 10 s"
    sleep 0.1
  done
  sandbox_log "pcscd $SANDBOX_PCSCD_PID ready in $SANDBOX_DIR with $slots slot(s) from port" \
    "$SANDBOX_BASE_PORT"
}

# sandbox_card NAME SLOT STATEFILE [--path EXE] [extra card options...]
# Starts a card process (homecard, accesscard, echo_card, ...) on the port of SLOT. Without
# --path the executable is looked up as $HP_BUILD_DIR/card/NAME/NAME, then on PATH.
# The state file is passed as --state unless it is "-" (cards without state).
sandbox_card() {
  local name=${1:?usage: sandbox_card NAME SLOT STATEFILE} slot=${2:?} state=${3:?}
  shift 3
  local exe=""
  if [[ "${1:-}" == --path ]]; then
    exe=$2
    shift 2
  elif [[ -n "${HP_BUILD_DIR:-}" && -x "$HP_BUILD_DIR/card/$name/$name" ]]; then
    exe="$HP_BUILD_DIR/card/$name/$name"
  else
    exe=$(command -v "$name") || sandbox_die "card executable '$name' not found"
  fi
  ((slot < SANDBOX_SLOTS)) || sandbox_die "slot $slot not configured (sandbox_start $SANDBOX_SLOTS)"
  local args=(--port "$(sandbox_port "$slot")" --host 127.0.0.1)
  [[ "$state" != - ]] && args+=(--state "$state")
  "$exe" "${args[@]}" "$@" >"$SANDBOX_DIR/logs/$name-$slot.log" 2>&1 &
  local pid=$!
  sandbox_track "$pid"
  SANDBOX_LAST_PID=$pid
  sandbox_log "$name (pid $pid) on slot $slot, port $(sandbox_port "$slot"):" \
    "'$(sandbox_reader_name "$slot")'"
}

# sandbox_vicc SLOT: vsmartcard's Python card (`vicc -t iso7816`) on SLOT, for comparison.
sandbox_vicc() {
  local slot=${1:?usage: sandbox_vicc SLOT}
  # Debian's vicc wants `Crypto`; python3-pycryptodome installs it as `Cryptodome`.
  mkdir -p "$SANDBOX_DIR/pycrypto"
  ln -sfn /usr/lib/python3/dist-packages/Cryptodome "$SANDBOX_DIR/pycrypto/Crypto"
  PYTHONPATH="/usr/lib/python3/site-packages/virtualsmartcard:$SANDBOX_DIR/pycrypto" \
    vicc -t iso7816 -H 127.0.0.1 -P "$(sandbox_port "$slot")" \
    >"$SANDBOX_DIR/logs/vicc-$slot.log" 2>&1 &
  SANDBOX_LAST_PID=$!
  sandbox_track "$SANDBOX_LAST_PID"
  sandbox_log "vicc (pid $SANDBOX_LAST_PID) on slot $slot: '$(sandbox_reader_name "$slot")'"
}

# _sandbox_card_state SLOT WANT TIMEOUT_S: waits until the reader of SLOT holds a card that
# answers a connect (WANT=present) or holds none (WANT=absent); false on timeout.
_sandbox_card_state() {
  SANDBOX_READER="$(sandbox_reader_name "$1")" SANDBOX_WANT="$2" SANDBOX_TIMEOUT="$3" \
    /usr/bin/python3 - <<'PY'
import os, sys, time
from smartcard.System import readers
from smartcard.Exceptions import NoCardException, CardConnectionException
from smartcard import scard
name, want = os.environ["SANDBOX_READER"], os.environ["SANDBOX_WANT"]
deadline = time.monotonic() + float(os.environ["SANDBOX_TIMEOUT"])
while time.monotonic() < deadline:
    present = False
    if want == "present":
        for r in readers():
            if str(r) == name:
                try:
                    c = r.createConnection()
                    c.connect()
                    c.disconnect()
                    present = True
                except (NoCardException, CardConnectionException):
                    pass
    else:
        # Absent means pcscd's own reader state says so. A failed connect is not enough: it
        # can fail before pcscd's presence poll has noticed the removal, and a card started
        # again inside that poll is then never seen as inserted (measured with vpcd 0.8).
        rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rc == scard.SCARD_S_SUCCESS:
            rc, states = scard.SCardGetStatusChange(ctx, 0, [(name, scard.SCARD_STATE_UNAWARE)])
            if rc == scard.SCARD_S_SUCCESS:
                present = bool(states[0][1] & scard.SCARD_STATE_PRESENT)
            else:
                present = True
            scard.SCardReleaseContext(ctx)
        else:
            present = True
    if present == (want == "present"):
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
PY
}

# sandbox_wait_card SLOT [TIMEOUT_S]: waits until the reader of SLOT holds a card (ATR read).
sandbox_wait_card() {
  local slot=${1:?usage: sandbox_wait_card SLOT [TIMEOUT_S]} timeout=${2:-10}
  _sandbox_card_state "$slot" present "$timeout" ||
    sandbox_die "no card in '$(sandbox_reader_name "$slot")' after ${timeout}s; card log:" \
      "$(tail -3 "$SANDBOX_DIR"/logs/*-"$slot".log 2>/dev/null)"
}

# sandbox_stop_card PID SLOT: stops a card process and waits until pcscd sees the slot empty,
# so that the next card started on that slot is not mistaken for the old one.
sandbox_stop_card() {
  local pid=${1:?usage: sandbox_stop_card PID SLOT} slot=${2:?}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  _sandbox_card_state "$slot" absent 10 ||
    sandbox_die "'$(sandbox_reader_name "$slot")' still shows a card after stopping pid $pid"
}

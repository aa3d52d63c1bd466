#!/bin/bash
# run_pim_bench.sh BUILD_DIR: the personal information store's cost (docs/benchmarks.md,
# "PIM sync"; docs/pim.md). In the live world of tests/pim_live (pim_world.sh: a private pcscd
# with the real card processes, hp_provision, Radicale, the home server, `terminal dav`), all on
# 127.0.0.1 with free ports. The store is seeded with HP_PIM_CONTACTS (5000) vCards and
# HP_PIM_EVENTS (2000) events; then, in the same run, each way of reaching it syncs into a
# fresh local folder with vdirsyncer:
#   terminal: vdirsyncer -> terminal dav -> control channel -> home server -> Radicale
#   direct:   vdirsyncer -> Radicale (a second Radicale process on the same storage folder, with
#             htpasswd instead of the home server's X-Remote-User)
# Measured: the first sync (everything downloaded), then a sync after one local change (one
# contact edited and uploaded). Time is vdirsyncer's wall time; bytes are counted by
# byte_counter.py on the terminal's control channel (terminal <-> home server: the terminal
# link) and on vdirsyncer <-> Radicale for the direct way. Targets (issue 15): the home server
# and channel add <= 25 % time and bytes to the first sync and <= 2 KB to the one-change sync.
# --link phone (or HP_PIM_LINK=phone): both ways cross the stand-by benchmark's phone link
# (run_standby_bench.sh, profile phone: 75 ms each way = 150 ms RTT, 1 Mbit/s each way, a TCP
# handshake's round trip per connection), one tools/bench/delay_relay per way, behind its byte
# counter: terminal -> counter -> relay -> home server, vdirsyncer -> counter -> relay -> Radicale.
# The default (loopback) has no relay.
set -euo pipefail
usage="usage: tools/bench/run_pim_bench.sh [--link loopback|phone] BUILD_DIR"
LINK=${HP_PIM_LINK:-loopback}
if [[ ${1:-} == --link ]]; then
  LINK=${2:?$usage}
  shift 2
fi
[[ $LINK == loopback || $LINK == phone ]] || { echo "$usage" >&2; exit 2; }
export HP_PIM_LINK=$LINK # sandbox.sh re-executes this script with the arguments left after shift
BUILD=$(realpath "${1:?$usage}")
HERE=$(dirname "$(realpath "$0")")
TESTS=$(realpath "$HERE/../../tests")
CONTACTS=${HP_PIM_CONTACTS:-5000}
EVENTS=${HP_PIM_EVENTS:-2000}
BENCH_NAME=run_pim_bench
BENCH_MORE=(RELAY=tools/bench/delay_relay)
# shellcheck source=tools/bench/bench_prelude.sh
source "$HERE/bench_prelude.sh"
# shellcheck source=tests/pim_live/pim_world.sh
source "$TESTS/pim_live/pim_world.sh"
fail() { fail_showing_logs run_pim_bench "dav.log home_server.log radicale.log relay-home.err relay-radicale.err" "$@"; }

# link_to NAME TARGET_PORT: the port a way's byte counter forwards to: TARGET_PORT itself on
# loopback, else a new phone-link relay in front of it. The relay runs until its stdin (a FIFO
# this shell holds open) closes or the sandbox stops it.
RELAY_FDS=()
link_to() {
  if [[ $LINK == loopback ]]; then
    echo "$2"
    return
  fi
  local port fifo=$SANDBOX_DIR/relay-$1.in fd
  port=$(free_port)
  mkfifo "$fifo"
  "$RELAY" --listen "$port" --kbit-up 1000 --kbit-down 1000 --syn-rtt "$2" 75 <"$fifo" \
    >"$SANDBOX_DIR/relay-$1.out" 2>>"$SANDBOX_DIR/relay-$1.err" &
  sandbox_track $!
  exec {fd}>"$fifo"
  RELAY_FDS+=("$fd")
  wait_listening "$port" || fail "relay $1"
  echo "$port"
}

# The world of pim_world_start, with a byte counter between the terminal and the home server:
# the access card names LINK_PORT, the home server listens on HOME_PORT.
start_both_cards
WORLD="$SANDBOX_DIR/world"
PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
LINK_PORT=$(free_port) HOME_PORT=$(free_port) PIM_PORT=$(free_port) DIRECT_PORT=$(free_port)
RADICALE_LINK_PORT=$(free_port)
"$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" --access-reader "$ACCESS_READER" \
  --home-address "127.0.0.1:$LINK_PORT" --home-pin1 "$PIN1" --home-pin2 "$PIN2" \
  --access-pin "$ACCESS_PIN" --shop-listen 127.0.0.1:0 --bank-listen 127.0.0.1:0 \
  --pim-port "$PIM_PORT" >"$SANDBOX_DIR/provision.out" || fail "hp_provision"
python3 - "$WORLD/home_server.json" "$HOME_PORT" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["listen_port"] = int(sys.argv[2])
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
start_radicale
start_home_server
link_to home "$HOME_PORT" >"$SANDBOX_DIR/home.target" || fail "relay home"
python3 "$HERE/byte_counter.py" "$LINK_PORT" "$(cat "$SANDBOX_DIR/home.target")" \
  "$SANDBOX_DIR/link.bytes" \
  >"$SANDBOX_DIR/link.out" 2>&1 &
sandbox_track $!
wait_listening "$LINK_PORT" || fail "byte counter"
printf '%s\n' "$ACCESS_PIN" | "$TERMINAL" --reader "$ACCESS_READER" unlock --pin-stdin >/dev/null ||
  fail "unlock"
start_dav

# The direct Radicale: same storage, its own port, user alice by password, no hook (the store's
# hook runs for the home server's instance only, so a direct write is not committed twice).
printf 'alice:benchpw\n' >"$WORLD/htpasswd"
sed -e "s/^hosts = .*/hosts = 127.0.0.1:$DIRECT_PORT/" -e 's/^type = http_x_remote_user/type = htpasswd\nhtpasswd_filename = '"${WORLD//\//\\/}"'\/htpasswd\nhtpasswd_encryption = plain/' \
  -e '/^hook = /d' "$WORLD/radicale.conf" >"$WORLD/radicale-direct.conf"
/usr/bin/python3 -m radicale --config "$WORLD/radicale-direct.conf" >>"$SANDBOX_DIR/radicale-direct.log" 2>&1 &
sandbox_track $!
wait_listening "$DIRECT_PORT" || fail "direct Radicale: $(tail -3 "$SANDBOX_DIR/radicale-direct.log")"
link_to radicale "$DIRECT_PORT" >"$SANDBOX_DIR/radicale.target" || fail "relay radicale"
python3 "$HERE/byte_counter.py" "$RADICALE_LINK_PORT" "$(cat "$SANDBOX_DIR/radicale.target")" \
  "$SANDBOX_DIR/direct.bytes" \
  >"$SANDBOX_DIR/direct.out" 2>&1 &
sandbox_track $!
wait_listening "$RADICALE_LINK_PORT" || fail "byte counter"

# Seed: the collections made through the terminal (MKCOL), then the items written straight
# into Radicale's storage folder (7,000 PUTs would only measure the seeding).
SEED="$SANDBOX_DIR/seed"
vdir_config "$SEED" "http://127.0.0.1:$DAV_PORT/"
client_config "$SEED"
vsync "$SEED" || fail "seed collections"
python3 - "$WORLD/pim/collection-root/alice" "$CONTACTS" "$EVENTS" <<'PY'
import sys
root, contacts, events = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(contacts):
    with open(f"{root}/contacts/c{i}.vcf", "w") as f:
        f.write(f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c{i}\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n"
                f"EMAIL:person{i}@example.org\r\nTEL:+41 44 {i:07d}\r\n"
                f"ADR:;;Street {i};Zurich;;8000;CH\r\nEND:VCARD\r\n")
for i in range(events):
    day = 1 + i % 28
    with open(f"{root}/calendar/e{i}.ics", "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//homeproxy//bench//EN\r\n"
                f"BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTAMP:20260101T000000Z\r\n"
                f"DTSTART:202612{day:02d}T{8 + i % 10:02d}0000Z\r\n"
                f"DTEND:202612{day:02d}T{9 + i % 10:02d}0000Z\r\nSUMMARY:Meeting {i}\r\n"
                f"LOCATION:Room {i % 50}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
PY
git -C "$WORLD/pim" add -A >/dev/null && git -C "$WORLD/pim" commit -qm seed
# Radicale builds its item cache on the first read: pay that once, unmeasured.
curl -s -o /dev/null -u alice:benchpw -X PROPFIND -H 'Depth: 1' "http://127.0.0.1:$DIRECT_PORT/alice/contacts/"
curl -s -o /dev/null -u alice:benchpw -X PROPFIND -H 'Depth: 1' "http://127.0.0.1:$DIRECT_PORT/alice/calendar/"

bytes_of() { awk '{ s += $2 } END { print s }' "$1"; }
# measure NAME DIR COUNTER_FILE [edit]: one sync of DIR; prints "NAME seconds bytes".
measure() {
  local name=$1 dir=$2 counter=$3 before after start end
  sleep 0.5
  before=$(bytes_of "$counter")
  start=$(date +%s.%N)
  vdirsyncer -c "$dir/config" sync >>"$dir/vdirsyncer.log" 2>&1 || fail "$name: $(tail -3 "$dir/vdirsyncer.log")"
  end=$(date +%s.%N)
  sleep 0.5
  after=$(bytes_of "$counter")
  echo "$name $(python3 -c "print(f'{$end - $start:.2f}')") $((after - before))"
}

T="$SANDBOX_DIR/terminal" D="$SANDBOX_DIR/direct"
vdir_config "$T" "http://127.0.0.1:$DAV_PORT/"
vdir_config "$D" "http://127.0.0.1:$RADICALE_LINK_PORT/"
for pair in calendar tasks contacts; do
  sed -i "/^\[storage ${pair}_home\]/,/^url/ s|^url = .*|&\nusername = \"alice\"\npassword = \"benchpw\"|" "$D/config"
done
(yes || true) | vdirsyncer -c "$T/config" discover >>"$T/vdirsyncer.log" 2>&1 || fail "discover"
(yes || true) | vdirsyncer -c "$D/config" discover >>"$D/vdirsyncer.log" 2>&1 || fail "discover"

echo "run_pim_bench: $CONTACTS contacts, $EVENTS events, $LINK link; seconds and bytes per sync"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
results+=("$(measure first-terminal "$T" "$SANDBOX_DIR/link.bytes")")
results+=("$(measure first-direct "$D" "$SANDBOX_DIR/direct.bytes")")
sed -i 's/^FN:Person 7$/FN:Person 7 (edited)/' "$T/contacts/contacts/c7.vcf"
sed -i 's/^FN:Person 8$/FN:Person 8 (edited)/' "$D/contacts/contacts/c8.vcf"
results+=("$(measure one-change-terminal "$T" "$SANDBOX_DIR/link.bytes")")
results+=("$(measure one-change-direct "$D" "$SANDBOX_DIR/direct.bytes")")
for r in "${results[@]}"; do echo "  $r"; done
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$TESTS/pim_live/uid_compare.py" "$T/contacts" "$D/contacts" >/dev/null 2>&1 ||
  echo "  (the two folders differ only by the two edits, as expected)"
python3 - "${results[@]}" <<'PY'
import sys
r = {name: (float(s), int(b)) for name, s, b in (x.split() for x in sys.argv[1:])}
ft, fd = r["first-terminal"], r["first-direct"]
ot, od = r["one-change-terminal"], r["one-change-direct"]
print(f"first sync: time {100 * (ft[0] / fd[0] - 1):+.0f} % (target <= 25 %), "
      f"bytes {100 * (ft[1] / fd[1] - 1):+.0f} % (target <= 25 %)")
print(f"one-change sync: bytes {ot[1] - od[1]:+d} (target <= 2048), time {ot[0]:.2f} s vs {od[0]:.2f} s")
PY

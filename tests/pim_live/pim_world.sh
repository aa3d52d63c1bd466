# shellcheck shell=bash
# pim_world.sh: the personal information store of docs/pim.md on 127.0.0.1, shared by the live
# test (tests/pim_live/test_pim_live.sh), the demo's PIM scene and the benchmark
# (tools/bench/run_pim_bench.sh). Source it after tests/integration/sandbox.sh,
# tests/terminal/live_helpers.sh (start_home_server) and tests/emoney_live/emoney_world.sh
# (server_port). The caller defines `fail MESSAGE` and sets HOMECARD ACCESSCARD HOME_SERVER
# TERMINAL HP_PROVISION HP_ENROLL.
#
#   pim_world_start      a private pcscd with the home card and two access cards, hp_provision
#                        (radicale.conf and the home server's pim section: nothing is patched),
#                        hp_enroll_terminal for the second terminal, Radicale, the home server
#                        with PIN1 and terminal-2 registered, both access cards unlocked, a
#                        `terminal dav` for each on free ports (DAV_PORT, DAV_PORT2)
#   start_radicale       (re)starts Radicale from $WORLD/radicale.conf; sets RADICALE_PID
#   start_dav [READER [NAME]]  (re)starts `terminal dav`; sets DAV_PID DAV_PORT
#   vdir_config DIR URL  writes DIR/config: vdirsyncer pairs for calendar, tasks and contacts
#                        between DIR/{calendar,tasks,contacts} and URL (local wins a conflict)
#   vsync DIR            vdirsyncer discover (creating missing collections) + sync
#   shows TEXT CMD...    CMD succeeds and prints TEXT (no `| grep -q` race under pipefail)
#
# Set afterwards: WORLD PIN1 ACCESS_PIN HOME_PORT PIM_PORT DAV_PORT RADICALE_PID DAV_PID
# HOME_SERVER_PID. Logs: $SANDBOX_DIR/{home_server,radicale,dav}.log.

# shellcheck disable=SC2034

start_radicale() {
  /usr/bin/python3 -m radicale --config "$WORLD/radicale.conf" >>"$SANDBOX_DIR/radicale.log" 2>&1 &
  RADICALE_PID=$!
  sandbox_track "$RADICALE_PID"
  wait_listening "$PIM_PORT" || fail "Radicale did not start: $(tail -5 "$SANDBOX_DIR/radicale.log")"
}

start_dav() {  # [READER [NAME]]: default the first access card, logs dav.{out,log}
  local reader=${1:-$ACCESS_READER} name=${2:-dav}
  "$TERMINAL" --reader "$reader" dav --listen 127.0.0.1:0 \
    >"$SANDBOX_DIR/$name.out" 2>>"$SANDBOX_DIR/$name.log" &
  DAV_PID=$!
  sandbox_track "$DAV_PID"
  DAV_PORT=$(server_port "$SANDBOX_DIR/$name.out") ||
    fail "terminal dav did not start: $(tail -5 "$SANDBOX_DIR/$name.log")"
}

# Two terminals of one person, each with its own access card: terminal-1 from hp_provision
# (slot 1), terminal-2 from hp_enroll_terminal (slot 2), both PIM user alice. Sets DAV_PORT
# (terminal-1's dav), DAV_PORT2, ACCESS_READER2; needs HP_ENROLL (hp_enroll_terminal).
pim_world_start() {
  sandbox_start 3
  sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
  sandbox_card accesscard 1 "$SANDBOX_DIR/access.state" --path "$ACCESSCARD"
  sandbox_card accesscard 2 "$SANDBOX_DIR/access2.state" --path "$ACCESSCARD"
  for slot in 0 1 2; do sandbox_wait_card "$slot"; done
  HOME_READER=$(sandbox_reader_name 0)
  ACCESS_READER=$(sandbox_reader_name 1)
  ACCESS_READER2=$(sandbox_reader_name 2)
  WORLD="$SANDBOX_DIR/world"
  PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694 ACCESS_PIN2=62851937
  HOME_PORT=$(free_port)
  PIM_PORT=$(free_port)
  "$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" --access-reader "$ACCESS_READER" \
    --home-address "127.0.0.1:$HOME_PORT" --profile laptop --home-pin1 "$PIN1" \
    --home-pin2 "$PIN2" --access-pin "$ACCESS_PIN" --shop-listen 127.0.0.1:0 \
    --bank-listen 127.0.0.1:0 --pim-port "$PIM_PORT" --pim-user alice \
    >"$SANDBOX_DIR/provision.out" || fail "hp_provision"
  "$HP_ENROLL" --world "$WORLD" --terminal-id terminal-2 --home-address "127.0.0.1:$HOME_PORT" \
    --access-reader "$ACCESS_READER2" --access-pin "$ACCESS_PIN2" --profile phone \
    --pim-user alice >"$SANDBOX_DIR/enroll.out" 2>&1 || fail "hp_enroll_terminal: $(cat "$SANDBOX_DIR/enroll.out")"
  start_radicale
  start_home_server
  local key
  key=$(awk '/^public_key/ { print $2 }' "$WORLD/terminal-terminal-2.txt")
  "$HOME_SERVER" --admin "$WORLD/home_server.sock" register-terminal terminal-2 "$key" \
    >"$SANDBOX_DIR/register.out" 2>&1 || fail "register terminal-2: $(cat "$SANDBOX_DIR/register.out")"
  printf '%s\n' "$ACCESS_PIN" | "$TERMINAL" --reader "$ACCESS_READER" unlock --pin-stdin \
    >/dev/null || fail "unlock terminal-1"
  printf '%s\n' "$ACCESS_PIN2" | "$TERMINAL" --reader "$ACCESS_READER2" unlock --pin-stdin \
    >/dev/null || fail "unlock terminal-2"
  start_dav "$ACCESS_READER2" dav2
  DAV_PORT2=$DAV_PORT
  start_dav
}

vdir_config() {  # DIR URL
  mkdir -p "$1/status" "$1/calendar" "$1/tasks" "$1/contacts"
  local pair
  {
    printf '[general]\nstatus_path = "%s/status/"\n' "$1"
    for pair in calendar:caldav:.ics tasks:caldav:.ics contacts:carddav:.vcf; do
      IFS=: read -r name kind ext <<<"$pair"
      printf '\n[pair %s]\na = "%s_local"\nb = "%s_home"\ncollections = [["%s", "%s", "%s"]]\n' \
        "$name" "$name" "$name" "$name" "$name" "$name"
      printf 'conflict_resolution = "a wins"\nmetadata = ["displayname"]\n'
      printf '\n[storage %s_local]\ntype = "filesystem"\npath = "%s/%s/"\nfileext = "%s"\n' \
        "$name" "$1" "$name" "$ext"
      printf '\n[storage %s_home]\ntype = "%s"\nurl = "%s"\n' "$name" "$kind" "$2"
    done
  } >"$1/config"
}

vsync() {  # DIR [vdirsyncer sync arguments]
  local dir=$1
  shift
  (yes || true) | vdirsyncer -c "$dir/config" discover >>"$dir/vdirsyncer.log" 2>&1 || return 1
  vdirsyncer -c "$dir/config" sync "$@" >>"$dir/vdirsyncer.log" 2>&1
}

# client_config DIR: khal, khard and todoman configs in DIR for the vdirs vdir_config made.
client_config() {
  cat >"$1/khal.conf" <<KHAL
[calendars]
[[home]]
path = $1/calendar/calendar
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
default_timezone = UTC
local_timezone = UTC
[default]
default_calendar = home
KHAL
  cat >"$1/khard.conf" <<KHARD
[addressbooks]
[[contacts]]
path = $1/contacts/contacts
[general]
editor = /bin/true
merge_editor = /bin/true
KHARD
  cat >"$1/todoman.py" <<TODO
path = "$1/tasks/*"
date_format = "%Y-%m-%d"
time_format = "%H:%M"
default_list = "tasks"
cache_path = "$1/todoman.cache"
TODO
  mkdir -p "$1/calendar/calendar" "$1/tasks/tasks" "$1/contacts/contacts"
}

# shows TEXT CMD...: CMD succeeds and its output contains TEXT. Not `CMD | grep -q TEXT`: under
# pipefail that fails at random when grep exits at the match while CMD still writes (khard
# prints its table, then "\n" in a second write when PYTHONUNBUFFERED is set: EPIPE, exit 1).
shows() {
  local text=$1 out
  shift
  out=$("$@") || return 1
  grep -qF -- "$text" <<<"$out"
}

khal_of() { local dir=$1; shift; khal -c "$dir/khal.conf" "$@"; }
khard_of() { local dir=$1; shift; khard -c "$dir/khard.conf" "$@"; }
todo_of() { local dir=$1; shift; todoman --config "$dir/todoman.py" "$@"; }

# vcard DIR UID NAME: a contact file in DIR's address book.
vcard() {
  printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s\r\nN:%s;;;;\r\nEMAIL:%s@example.org\r\nEND:VCARD\r\n' \
    "$2" "$3" "$3" "$2" >"$1/contacts/contacts/$2.vcf"
}

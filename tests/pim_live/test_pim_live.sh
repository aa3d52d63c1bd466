#!/bin/bash
# test_pim_live.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION HP_ENROLL: the personal
# information store end to end (docs/pim.md) with real clients from Debian: Radicale behind the
# home server (radicale.conf from hp_provision), and two terminals, each with its own access card
# (the second enrolled by hp_enroll_terminal), its own `terminal dav` on loopback and its own
# local folders (vdirsyncer; khal, khard, todoman on the vdirs).
# A calendar, task list and address book sync through the home server; an edit on one appears
# on the other; a conflict is resolved by vdirsyncer's rule and the losing version stays in the
# store's git history; kill -9 of the home server and of Radicale mid-sync, then a rerun
# converges (every UID once, same content on both sides); a malformed item, another user's
# collection, a forged X-Remote-User and a locked access card are refused with clear messages.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
LIVE_EXTRA_ARGS=HP_ENROLL
# shellcheck source=tests/terminal/live_prelude.sh
source "$HERE/../terminal/live_prelude.sh"
# shellcheck source=tests/emoney_live/emoney_world.sh
source "$HERE/../emoney_live/emoney_world.sh"
# shellcheck source=tests/pim_live/pim_world.sh
source "$HERE/pim_world.sh"

fail() { fail_showing_logs test_pim_live "home_server.log radicale.log dav.log dav2.log t1/vdirsyncer.log t2/vdirsyncer.log" "$@"; }
step() { echo "test_pim_live: $*"; }

pim_world_start
URL="http://127.0.0.1:$DAV_PORT"
T1="$SANDBOX_DIR/t1" T2="$SANDBOX_DIR/t2"
vdir_config "$T1" "$URL/"
vdir_config "$T2" "http://127.0.0.1:$DAV_PORT2/"
for t in "$T1" "$T2"; do client_config "$t"; done

step "a calendar, a task list and an address book made on terminal 1 appear on terminal 2"
khal_of "$T1" new -a home 2026-12-10 10:00 11:00 Dentist >/dev/null
todo_of "$T1" new -l tasks "Buy milk" >/dev/null
vcard "$T1" ada "Ada Lovelace"
# A contact with a 200 KB photo (random, so gzip cannot shrink it below one 60 KiB part): its
# answers come in several pim.more parts over the channel.
python3 - "$T1/contacts/contacts/grace.vcf" <<'PY'
import base64, os, sys, textwrap
photo = "\r\n ".join(textwrap.wrap(base64.b64encode(os.urandom(150_000)).decode(), 74))
open(sys.argv[1], "w", newline="").write(
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:grace\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
    f"PHOTO;ENCODING=b;TYPE=JPEG:{photo}\r\nEND:VCARD\r\n")
PY
vsync "$T1" || fail "first sync of client 1"
vsync "$T2" || fail "first sync of client 2"
shows "10:00-11:00 Dentist" khal_of "$T2" list 2026-12-01 30d || fail "event not on client 2"
shows "Buy milk" todo_of "$T2" list || fail "task not on client 2"
shows "Ada Lovelace" khard_of "$T2" list || fail "contact not on client 2"
python3 "$HERE/uid_compare.py" "$T1/contacts" "$T2/contacts" 2 >/dev/null ||
  fail "the contact with the photo differs"
grep -q "pim.more: ok" "$SANDBOX_DIR/home_server.log" || fail "no answer came in parts (pim.more)"
# Each terminal came over its own channel, as itself.
for id in terminal-1 terminal-2; do
  grep -q "rpc $id pim.request: ok" "$SANDBOX_DIR/home_server.log" || fail "no pim.request from $id"
done
# Radicale stored them as alice (hp_provision's pim.users), and the hook committed each change.
[[ -d "$WORLD/pim/collection-root/alice/calendar" ]] || fail "no calendar of alice in the store"
[[ $(git -C "$WORLD/pim" rev-list --count HEAD) -ge 3 ]] || fail "the storage hook did not commit"

step "an edit on client 2 appears on client 1"
EVENT2=$(grep -l Dentist "$T2"/calendar/calendar/*.ics)
sed -i 's/^SUMMARY:Dentist/SUMMARY:Dentist (moved to room 4)/' "$EVENT2"
vsync "$T2" || fail "sync of the edit"
vsync "$T1" || fail "sync to client 1"
shows "Dentist (moved to room 4)" khal_of "$T1" list 2026-12-01 30d || fail "edit not on client 1"

step "requests at once: each answered in full (several channels, pim.more per channel)"
# grace.vcf comes in several pim.more parts: six GETs in flight at once through one `terminal
# dav` must each get the whole item (a held response of one channel never feeds another).
curl -sf -o "$SANDBOX_DIR/grace.ref" "$URL/alice/contacts/grace.vcf" || fail "GET of grace.vcf"
grep -q "UID:grace" "$SANDBOX_DIR/grace.ref" || fail "grace.vcf is not the contact"
pids=()
for i in 1 2 3 4 5 6; do
  curl -sf -o "$SANDBOX_DIR/grace.$i" "$URL/alice/contacts/grace.vcf" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent GET failed"; done
for i in 1 2 3 4 5 6; do
  cmp -s "$SANDBOX_DIR/grace.ref" "$SANDBOX_DIR/grace.$i" || fail "concurrent GET $i got another body"
done
echo "test_pim_live: channels of terminal-1 so far: $(grep -c "terminal terminal-1 .*-> connected" "$SANDBOX_DIR/home_server.log" || true)"

step "the same event edited on both: vdirsyncer's rule (local wins), the other version in git"
EVENT1=$(grep -l Dentist "$T1"/calendar/calendar/*.ics)
EVENT2=$(grep -l Dentist "$T2"/calendar/calendar/*.ics)
sed -i 's/^SUMMARY:.*/SUMMARY:Dentist version one/' "$EVENT1"
sed -i 's/^SUMMARY:.*/SUMMARY:Dentist version two/' "$EVENT2"
vsync "$T1" || fail "sync of version one"
vsync "$T2" || fail "sync of version two (conflict)"
vsync "$T1" || fail "sync after the conflict"
for t in "$T1" "$T2"; do
  shows "Dentist version two" khal_of "$t" list 2026-12-01 30d || fail "conflict not resolved on $t"
done
git -C "$WORLD/pim" log -p >"$SANDBOX_DIR/history.txt"
grep -q "SUMMARY:Dentist version one" "$SANDBOX_DIR/history.txt" ||
  fail "version one is not in the store's git history"

step "a malformed iCalendar item is refused with a clear error"
code=$(curl -s -o "$SANDBOX_DIR/bad.out" -w '%{http_code}' -X PUT -H 'Content-Type: text/calendar' \
  --data-binary $'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:no end\r\n' "$URL/alice/calendar/bad.ics")
[[ $code == 400 ]] || fail "a malformed item got HTTP $code"
grep -q "not valid iCalendar or vCard" "$SANDBOX_DIR/bad.out" || fail "unclear: $(cat "$SANDBOX_DIR/bad.out")"

step "another user's collection is refused; a forged X-Remote-User or Authorization is dropped"
code=$(curl -s -o "$SANDBOX_DIR/bob.out" -w '%{http_code}' -X PROPFIND -H 'Depth: 1' "$URL/bob/")
[[ $code == 403 ]] || fail "bob's collection got HTTP $code"
grep -q "not this terminal's store" "$SANDBOX_DIR/bob.out" || fail "unclear: $(cat "$SANDBOX_DIR/bob.out")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "$URL/alice/../bob/calendar/")
[[ $code == 403 || $code == 400 ]] || fail "a .. path got HTTP $code"
curl -s -X PROPFIND -H 'Depth: 0' -H 'X-Remote-User: bob' -u bob:secret "$URL/" >"$SANDBOX_DIR/who.out"
grep -q "<current-user-principal><href>/alice/</href>" "$SANDBOX_DIR/who.out" ||
  fail "the forged user reached Radicale: $(head -c 400 "$SANDBOX_DIR/who.out")"

# Waits until the sync in the background ($sync_pid) has stored at least MIN contacts, so the kill
# lands in the middle of it whatever the machine's load (a fixed sleep killed too early or too
# late under load).
wait_stored() {  # MIN
  local n
  for _ in $(seq 600); do
    n=$(find "$WORLD/pim/collection-root/alice/contacts" -name '*.vcf' | wc -l)
    ((n >= $1)) && return 0
    kill -0 "$sync_pid" 2>/dev/null || fail "the sync ended before $1 contacts were stored ($n)"
    sleep 0.05
  done
  fail "the sync stored only $n of $1 contacts in 30 s"
}

step "kill -9 of the home server in the middle of a sync; the rerun converges"
stored=$(find "$WORLD/pim/collection-root/alice/contacts" -name '*.vcf' | wc -l)
for i in $(seq 1 150); do vcard "$T1" "bulk-$i" "Person $i"; done
vsync "$T1" &
sync_pid=$!
wait_stored $((stored + 10))
kill -9 "$HOME_SERVER_PID"
wait "$sync_pid" && fail "the sync did not notice the home server's death"
grep -qi "home server\|502" "$T1/vdirsyncer.log" || fail "no clear message for the cut"
start_home_server
vsync "$T1" || fail "rerun after the home server's kill -9"

step "kill -9 of Radicale in the middle of a sync; the rerun converges"
stored=$(find "$WORLD/pim/collection-root/alice/contacts" -name '*.vcf' | wc -l)
for i in $(seq 151 300); do vcard "$T1" "bulk-$i" "Person $i"; done
vsync "$T1" &
sync_pid=$!
wait_stored $((stored + 10))
kill -9 "$RADICALE_PID"
wait "$sync_pid" && fail "the sync did not notice Radicale's death"
grep -q "Radicale is not running" "$T1/vdirsyncer.log" || fail "no clear message for Radicale"
start_radicale
vsync "$T1" || fail "rerun after Radicale's kill -9"
vsync "$T2" || fail "client 2 after the kills"
vsync "$T1" || fail "client 1 settles"
count=$(python3 "$HERE/uid_compare.py" "$T1/contacts" "$T2/contacts" 302) || fail "contacts differ"
python3 "$HERE/uid_compare.py" "$T1/contacts" "$WORLD/pim/collection-root/alice/contacts" 302 \
  >/dev/null || fail "the store's contacts differ"
python3 "$HERE/uid_compare.py" "$T1/calendar" "$T2/calendar" 1 >/dev/null || fail "calendars differ"
python3 "$HERE/uid_compare.py" "$T1/tasks" "$T2/tasks" 1 >/dev/null || fail "task lists differ"
step "$count contacts, each once, the same on both clients and in the store"

step "a locked access card: its sync fails with a clear message; the other terminal syncs on"
"$TERMINAL" --reader "$ACCESS_READER" lock >/dev/null || fail "lock"
todo_of "$T1" new -l tasks "Call Bob" >/dev/null
todo_of "$T2" new -l tasks "Water the plants" >/dev/null
sleep 1.1  # terminal dav asks the card at most once a second
if vsync "$T1"; then fail "a sync worked with the access card locked"; fi
grep -q "access card is locked" "$T1/vdirsyncer.log" || fail "no clear message for the locked card"
vsync "$T2" || fail "terminal 2 with terminal 1's card locked"
shows "Water the plants" todo_of "$T2" list || fail "terminal 2's task"
grep -rq "Water the plants" "$WORLD/pim/collection-root/alice/tasks" || fail "not in the store"
grep -rq "Call Bob" "$WORLD/pim/collection-root/alice/tasks" && fail "the locked terminal's task got home"
step "PASS"

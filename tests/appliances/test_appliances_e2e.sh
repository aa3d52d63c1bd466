#!/usr/bin/env bash
# shellcheck disable=SC2015  # `A && B || fail`: fail when either does, on purpose
# Appliances end to end (suite 'integration', docs/appliances.md): the e-money test's live world
# (both cards behind vpcd, hp_provision's configs unpatched, the home server, aiosmtpd), plus
# mosquitto from hp_provision's mosquitto.conf and the simulated appliances. Everything the
# wing test (test_appliances.sh) cannot see: the terminal's commands and exit statuses, the
# home server's appliance.* over the real channel, PIN2 authority from the real home card, the
# command log, and the lock notice arriving at the mail sink.
set -euo pipefail
# Arguments: the e-money world's seven (HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION
# SHOP_SERVER BANK_SERVER) and APPLIANCE_SIM, read by emoney_prelude.sh.
EMONEY_EXTRA_ARGS=APPLIANCE_SIM
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=tests/emoney_live/emoney_prelude.sh
source "$HERE/../emoney_live/emoney_prelude.sh"
# shellcheck source=tests/appliances/appliance_bus.sh
source "$HERE/appliance_bus.sh"

fail() { fail_showing_logs test_appliances_e2e "home_server.log smtp.log" "$@"; }
track() { sandbox_track "$1"; }
PASSED=0
ok() { PASSED=$((PASSED + 1)); echo "ok: $*"; }

emoney_world_start 300000
bus_start_broker "$WORLD/mqtt" "$MQTT_PORT"
bus_start_sims "$WORLD/mqtt" "$MQTT_PORT"
T=("$TERMINAL" --reader "$ACCESS_READER")
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"

# The home server started before the broker: it connects within its back-off (<= 10 s).
for _ in $(seq 100); do
  (($("${T[@]}" appliances 2>/dev/null | grep -cE '^(lamp|plug|door|thermostat|temperature) .* yes ') == 5)) && break
  sleep 0.2
done
"${T[@]}" appliances >"$SANDBOX_DIR/appliances.out" || fail "terminal appliances"
(($(grep -cE '^(lamp|plug|door|thermostat|temperature) .* yes ' "$SANDBOX_DIR/appliances.out") == 5)) ||
  fail "not all five appliances listed online: $(cat "$SANDBOX_DIR/appliances.out")"
ok "terminal appliances lists the five, online"

status() { set +e; "${T[@]}" appliance "$@" >"$SANDBOX_DIR/out" 2>"$SANDBOX_DIR/err"; echo $?; set -e; }
[[ $(status lamp 40) == 0 ]] && grep -q "now ON 40%" "$SANDBOX_DIR/out" || fail "dim: $(cat "$SANDBOX_DIR/err")"
ok "appliance lamp 40: exit 0, confirmed"
[[ $(status thermostat 22) == 0 ]] || fail "thermostat 22: $(cat "$SANDBOX_DIR/err")"
ok "appliance thermostat 22: exit 0"
[[ $(status thermostat 31) == 1 ]] && grep -q out_of_range "$SANDBOX_DIR/err" || fail "31 accepted"
ok "appliance thermostat 31: exit 1, out_of_range"
[[ $(status toaster on) == 1 ]] && grep -q not_found "$SANDBOX_DIR/err" || fail "toaster"
ok "unknown appliance: exit 1, not_found"
[[ $(status temperature on) == 1 ]] && grep -q read_only "$SANDBOX_DIR/err" || fail "sensor set"
ok "sensor: exit 1, read_only"
# The lock: without PIN2 refused; with the home card's PIN2, confirmed and mailed.
[[ $(status door unlock) == 1 ]] && grep -q pin2_required "$SANDBOX_DIR/err" || fail "door without PIN2"
ok "door unlock without PIN2: exit 1, pin2_required"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
[[ $(status door unlock) == 0 ]] && grep -q "now UNLOCKED" "$SANDBOX_DIR/out" || fail "door with PIN2: $(cat "$SANDBOX_DIR/err")"
ok "door unlock with PIN2: exit 0, confirmed"
for _ in $(seq 100); do grep -q "Subject: homeproxy lock door: unlock confirmed" "$SANDBOX_DIR/smtp.log" && break; sleep 0.1; done
grep -q "Subject: homeproxy lock door: unlock confirmed" "$SANDBOX_DIR/smtp.log" || fail "no lock notice mailed"
ok "lock notice in the mail sink"
grep -q 'appliance command: terminal=terminal-1 appliance=door value="unlock" outcome=pin2_required' \
  "$SANDBOX_DIR/home_server.log" || fail "the refused unlock is not in the command log"
grep -q 'appliance command: terminal=terminal-1 appliance=lamp value="brightness 40%" outcome=confirmed' \
  "$SANDBOX_DIR/home_server.log" || fail "the dim is not in the command log"
ok "every command in the home server's log (terminal, appliance, value, outcome)"
# The lamp killed -9: its last will; the terminal exits 1 (offline, nothing sent).
kill -9 "${SIM_PIDS[lamp]}"
# $(...) then grep, not `| grep -q`: under pipefail an early grep exit can fail the pipeline.
for _ in $(seq 50); do grep -q "^lamp .* no " <<<"$("${T[@]}" appliance lamp 2>/dev/null)" && break; sleep 0.1; done
[[ $(status lamp on) == 1 ]] && grep -q offline "$SANDBOX_DIR/err" || fail "dead lamp: $(cat "$SANDBOX_DIR/out" "$SANDBOX_DIR/err")"
ok "killed lamp: exit 1, offline"
echo "$PASSED passed, 0 failed"

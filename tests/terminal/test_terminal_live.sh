#!/bin/bash
# test_terminal_live.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION: the proxy
# facility end to end in a private pcscd (sandbox.sh): hp_provision personalizes two fresh
# cards, the home server runs on the generated config, `openssl s_server` is the shop, and the
# terminal unlocks its access card, gives PIN2 and fetches the shop's page twice: both through
# a delegated session, the second from the home server's session cache (resumed by the shop:
# s_server's page says "Reused"). Every process is stopped on exit, also on failure.
set -euo pipefail
# shellcheck source=tests/terminal/live_prelude.sh
source "$(dirname "$0")/live_prelude.sh"

fail() { fail_showing_logs test_terminal_live "home_server.log shop.log" "$@"; }

start_both_cards
# A biometric template, a sample of the same finger (10 bits differ; the threshold is 24) and
# another finger's (every bit differs).
TEMPLATE=5a1f3c7e9d2b4a6c8e0f1d3b5a7c9e2f4b6d8a0c1e3f5b7d9a2c4e6f8b0d1a3c
printf '%s\n' "$TEMPLATE" >"$SANDBOX_DIR/template.hex"
printf '%s\n' "a51f3c7e9d2b4a6c8e0f1d3b5a7c9e2f4b6d8a0c1e3f5b7d9a2c4e6f8b0d1a30" >"$SANDBOX_DIR/same.hex"
printf '%s\n' "a5e0c38162d4b59371f0e2c4a58361d0b49275f3e1c0a48265d3b19074f2e5c3" >"$SANDBOX_DIR/other.hex"
# live_helpers.sh: WORLD, the PINs (which the final check looks for in outputs and logs), HOME_PORT
provision_laptop_world --bio-template "$SANDBOX_DIR/template.hex"
for secret in ca.key shop.key shop-sign.key bank.key bank-sign.key home_server_key.pem; do
  [[ $(stat -c %a "$WORLD/$secret") == 600 ]] || fail "$secret is not mode 0600"
done
# A second run must refuse the now personalized cards.
if "$HP_PROVISION" --out "$SANDBOX_DIR/world2" --home-reader "$HOME_READER" \
  --access-reader "$ACCESS_READER" 2>/dev/null; then
  fail "hp_provision personalized an already personalized card"
fi

# The shop: TLS 1.2, client certificate required, session cache (no tickets).
SHOP_PORT=$(free_port)
start_openssl_shop  # live_helpers.sh, as start_home_server
start_home_server

T=("$TERMINAL" --reader "$ACCESS_READER")
# The agent's lock file (one agent per reader) goes under this sandbox. This test is about
# each command's own channel: the commands bypass the agent (tests/terminal/
# test_terminal_agent.sh tests it), which `unlock` still starts to keep the card powered.
export XDG_RUNTIME_DIR="$SANDBOX_DIR/run" HOMEPROXY_NO_AGENT=1
mkdir -p "$XDG_RUNTIME_DIR"
# Locked card: fetching is refused with a clear message.
if "${T[@]}" get "https://localhost:$SHOP_PORT/" >/dev/null 2>"$SANDBOX_DIR/locked.err"; then
  fail "get worked on a locked access card"
fi
grep -q "terminal unlock" "$SANDBOX_DIR/locked.err" || fail "no hint to unlock: $(cat "$SANDBOX_DIR/locked.err")"
# A wrong PIN costs a try and says so; the right one unlocks.
if printf '9999\n' | "${T[@]}" unlock --pin-stdin 2>"$SANDBOX_DIR/wrong.err"; then
  fail "a wrong PIN unlocked the access card"
fi
grep -q "2 tries left" "$SANDBOX_DIR/wrong.err" || fail "wrong PIN: $(cat "$SANDBOX_DIR/wrong.err")"
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
if printf '11112222\n' | "${T[@]}" pin2 --pin-stdin 2>"$SANDBOX_DIR/pin2wrong.err"; then
  fail "a wrong PIN2 was accepted"
fi
grep -q "wrong PIN2, 2 tries left" "$SANDBOX_DIR/pin2wrong.err" ||
  fail "wrong PIN2: $(cat "$SANDBOX_DIR/pin2wrong.err")"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >"$SANDBOX_DIR/pin2.out" || fail "pin2"
grep -q crypto "$SANDBOX_DIR/pin2.out" || fail "pin2 answered: $(cat "$SANDBOX_DIR/pin2.out")"

"${T[@]}" -v get "https://localhost:$SHOP_PORT/" >"$SANDBOX_DIR/page1" 2>"$SANDBOX_DIR/get1.err" ||
  fail "first get: $(cat "$SANDBOX_DIR/get1.err")"
"${T[@]}" -v get "https://localhost:$SHOP_PORT/" >"$SANDBOX_DIR/page2" 2>"$SANDBOX_DIR/get2.err" ||
  fail "second get: $(cat "$SANDBOX_DIR/get2.err")"
for n in 1 2; do
  grep -q "s_server" "$SANDBOX_DIR/page$n" || fail "page $n is not s_server's page"
  grep -q "^Reused" "$SANDBOX_DIR/page$n" || fail "page $n: the shop did not resume"
done
grep -q "session for localhost:$SHOP_PORT: new" "$SANDBOX_DIR/get1.err" || fail "first session not new: $(cat "$SANDBOX_DIR/get1.err")"
grep -q "session for localhost:$SHOP_PORT: cached" "$SANDBOX_DIR/get2.err" ||
  fail "second session not from the cache: $(cat "$SANDBOX_DIR/get2.err")"
# The channel ticket kept on the access card lets the second connection resume.
grep -q "channel to 127.0.0.1:$HOME_PORT: resumed" "$SANDBOX_DIR/get2.err" ||
  fail "the second channel was not resumed: $(cat "$SANDBOX_DIR/get2.err")"

# A restarted shop has forgotten the session: the terminal's resumption is refused, it asks
# the home server to drop the session and open a fresh one, once, and gets the page.
kill "$SHOP_PID"
wait "$SHOP_PID" 2>/dev/null || true
start_openssl_shop
"${T[@]}" -v get "https://localhost:$SHOP_PORT/" >"$SANDBOX_DIR/page4" 2>"$SANDBOX_DIR/get4.err" ||
  fail "get after the shop restarted: $(cat "$SANDBOX_DIR/get4.err")"
grep -q "shop refused to resume" "$SANDBOX_DIR/get4.err" || fail "no refusal: $(cat "$SANDBOX_DIR/get4.err")"
[[ $(grep -c "session for localhost:$SHOP_PORT: new" "$SANDBOX_DIR/get4.err") == 1 ]] ||
  fail "no fresh session after the refusal: $(cat "$SANDBOX_DIR/get4.err")"
grep -q "^Reused" "$SANDBOX_DIR/page4" || fail "page 4: the shop did not resume the fresh session"

# POST and HTTP errors, against a second shop (Python's ssl; s_server -www answers only GET).
SHOP2_PORT=$(free_port)
python3 "$(dirname "$0")/https_shop.py" "$SHOP2_PORT" "$WORLD/shop.pem" "$WORLD/shop.key" \
  "$WORLD/ca.pem" >"$SANDBOX_DIR/shop2.log" 2>&1 &
sandbox_track $!
wait_listening "$SHOP2_PORT" || fail "the second shop did not start"
printf 'from a file' >"$SANDBOX_DIR/body.txt"
for mode in "" --relay; do
  "${T[@]}" post $mode "https://localhost:$SHOP2_PORT/" --data "a=1&b=2" >"$SANDBOX_DIR/post.out" \
    2>"$SANDBOX_DIR/post.err" || fail "post $mode: $(cat "$SANDBOX_DIR/post.err")"
  grep -qx "posted: a=1&b=2" "$SANDBOX_DIR/post.out" || fail "post $mode: $(cat "$SANDBOX_DIR/post.out")"
  "${T[@]}" post $mode "https://localhost:$SHOP2_PORT/" --data "@$SANDBOX_DIR/body.txt" \
    >"$SANDBOX_DIR/post.out" 2>"$SANDBOX_DIR/post.err" || fail "post @file $mode"
  grep -qx "posted: from a file" "$SANDBOX_DIR/post.out" || fail "post @file $mode: $(cat "$SANDBOX_DIR/post.out")"
  # A 404 is written out but is a failure, with the status on stderr.
  if "${T[@]}" get $mode "https://localhost:$SHOP2_PORT/missing" >"$SANDBOX_DIR/404.out" \
    2>"$SANDBOX_DIR/404.err"; then
    fail "get $mode of a missing page exited 0"
  fi
  grep -q "HTTP 404" "$SANDBOX_DIR/404.err" || fail "404 $mode: $(cat "$SANDBOX_DIR/404.err")"
  grep -q "no such page" "$SANDBOX_DIR/404.out" || fail "404 body $mode: $(cat "$SANDBOX_DIR/404.out")"
done
"${T[@]}" get "https://localhost:$SHOP2_PORT/" >"$SANDBOX_DIR/page6" || fail "get from shop 2"
grep -q "hello homeproxy demo user reused=True" "$SANDBOX_DIR/page6" ||
  fail "shop 2 page: $(cat "$SANDBOX_DIR/page6")"

# Several URLs in one process: one control channel (one handshake or resumption) for all,
# each URL its own session.open and resumption, the pages in order.
"${T[@]}" -v get "https://localhost:$SHOP_PORT/" "https://localhost:$SHOP2_PORT/" \
  >"$SANDBOX_DIR/pages7" 2>"$SANDBOX_DIR/get7.err" || fail "get of two URLs: $(cat "$SANDBOX_DIR/get7.err")"
[[ $(grep -c "channel to 127.0.0.1:$HOME_PORT" "$SANDBOX_DIR/get7.err") == 1 ]] ||
  fail "two URLs did not share one channel: $(cat "$SANDBOX_DIR/get7.err")"
grep -q "s_server" "$SANDBOX_DIR/pages7" || fail "two URLs: no page from shop 1"
grep -q "hello homeproxy demo user reused=True" "$SANDBOX_DIR/pages7" ||
  fail "two URLs: no page from shop 2: $(cat "$SANDBOX_DIR/pages7")"
[[ $(grep -c "resumed TLS session with" "$SANDBOX_DIR/get7.err") == 2 ]] ||
  fail "two URLs: not two resumptions: $(cat "$SANDBOX_DIR/get7.err")"

# Relay mode: the home server fetches the page itself and sends the body back.
"${T[@]}" get --relay "https://localhost:$SHOP_PORT/" >"$SANDBOX_DIR/page3" 2>"$SANDBOX_DIR/get3.err" ||
  fail "relayed get: $(cat "$SANDBOX_DIR/get3.err")"
grep -q "s_server" "$SANDBOX_DIR/page3" || fail "the relayed page is not s_server's page"

"${T[@]}" sessions >"$SANDBOX_DIR/sessions.out" || fail "sessions"
grep -q "localhost:$SHOP_PORT" "$SANDBOX_DIR/sessions.out" || fail "sessions: $(cat "$SANDBOX_DIR/sessions.out")"
# Without --reader the terminal finds its card by the ATR (the home card is in the other reader).
"$TERMINAL" status >"$SANDBOX_DIR/status.out" || fail "status"
grep -q "crypto" "$SANDBOX_DIR/status.out" || fail "status: $(cat "$SANDBOX_DIR/status.out")"
# Biometric unlock: another finger is refused (and locks), the user's finger unlocks, and the
# channel works with a biometric unlock too.
"${T[@]}" lock >/dev/null || fail "lock"
if "${T[@]}" unlock --bio "$SANDBOX_DIR/other.hex" 2>"$SANDBOX_DIR/bio.err"; then
  fail "another finger unlocked the access card"
fi
grep -q "wrong biometric, 2 tries left" "$SANDBOX_DIR/bio.err" || fail "bio: $(cat "$SANDBOX_DIR/bio.err")"
"${T[@]}" unlock --bio "$SANDBOX_DIR/same.hex" >/dev/null || fail "biometric unlock"
"${T[@]}" status >"$SANDBOX_DIR/status2.out" || fail "status after the biometric unlock"
grep -q "unlocked (biometric)" "$SANDBOX_DIR/status2.out" || fail "status: $(cat "$SANDBOX_DIR/status2.out")"
"${T[@]}" get "https://localhost:$SHOP_PORT/" >"$SANDBOX_DIR/page5" 2>"$SANDBOX_DIR/get5.err" ||
  fail "get after the biometric unlock: $(cat "$SANDBOX_DIR/get5.err")"
grep -q "^Reused" "$SANDBOX_DIR/page5" || fail "page 5: the shop did not resume"

# Output read whole, not `| grep -q`: under pipefail, an early grep exit can fail the pipeline.
finished=$("${T[@]}" finish) || fail "finish"
grep -q standby <<<"$finished" || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"

# The unlock outlasts pcscd's power-off of idle cards (which locks the card; measured: locked
# 15 s after an unlock without the keeper process `terminal unlock` leaves holding the reader).
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock again"
sleep 15
"${T[@]}" status >"$SANDBOX_DIR/status3.out" || fail "status after 15 s"
grep -q "unlocked (PIN)" "$SANDBOX_DIR/status3.out" ||
  fail "the unlock did not last 15 s: $(cat "$SANDBOX_DIR/status3.out")"
# One keeper per reader (issue 8 item 7): a second unlock reuses the running keeper, and
# `terminal lock` ends it.
KEEPER_LOCK=$(ls "$XDG_RUNTIME_DIR"/homeproxy/agent-*.lock 2>/dev/null | head -1)
[[ -n $KEEPER_LOCK ]] || fail "no card keeper lock file under $XDG_RUNTIME_DIR/homeproxy"
KEEPER_PID=$(cat "$KEEPER_LOCK")
kill -0 "$KEEPER_PID" 2>/dev/null || fail "the card keeper ($KEEPER_PID) is not running"
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock while unlocked"
[[ $(cat "$KEEPER_LOCK") == "$KEEPER_PID" ]] || fail "a second unlock started another keeper"
# (Counting processes would also see other sandboxes' keepers: the flock is the proof. A second
# keeper could not take it, and one that had would have written its own pid.)
"${T[@]}" lock >/dev/null || fail "lock"
# Ended: its lock is free, and the process is gone (or a zombie its reaper has not collected).
flock -n "$KEEPER_LOCK" true || fail "terminal lock left the card keeper holding its lock"
KEEPER_STATE=$(ps -o stat= -p "$KEEPER_PID" 2>/dev/null || true)
[[ -z $KEEPER_STATE || $KEEPER_STATE == Z* ]] ||
  fail "terminal lock left the card keeper running ($KEEPER_STATE)"

# PIN2 sent over the channel: three wrong tries block the home card's PIN2, and then even the
# right PIN2 is refused (the block is the card's, not the server's).
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock for PIN2 blocking"
for expected in "wrong PIN2, 2 tries left" "wrong PIN2, 1 tries left" "wrong PIN2, 0 tries left"; do
  if printf '11112222\n' | "${T[@]}" pin2 --pin-stdin 2>"$SANDBOX_DIR/pin2block.err"; then
    fail "a wrong PIN2 was accepted"
  fi
  grep -q "$expected" "$SANDBOX_DIR/pin2block.err" ||
    fail "PIN2 blocking: expected '$expected', got: $(cat "$SANDBOX_DIR/pin2block.err")"
done
if printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin 2>"$SANDBOX_DIR/pin2blocked.err"; then
  fail "the right PIN2 was accepted after the block"
fi
grep -q "PIN2 is blocked" "$SANDBOX_DIR/pin2blocked.err" ||
  fail "blocked PIN2: $(cat "$SANDBOX_DIR/pin2blocked.err")"

# A revoked terminal is refused by the home server, with a clear message, even though its
# access card still holds a resumption ticket.
"$HOME_SERVER" --admin "$WORLD/home_server.sock" revoke-terminal terminal-1 >"$SANDBOX_DIR/revoke.log" 2>&1 ||
  fail "revoke-terminal: $(cat "$SANDBOX_DIR/revoke.log")"
if "${T[@]}" status >"$SANDBOX_DIR/revoked.out" 2>"$SANDBOX_DIR/revoked.err"; then
  fail "a revoked terminal reached the home server: $(cat "$SANDBOX_DIR/revoked.out")"
fi
grep -qiE "revoked|refused|unknown" "$SANDBOX_DIR/revoked.err" ||
  fail "revoked terminal: unclear error: $(cat "$SANDBOX_DIR/revoked.err")"
"${T[@]}" lock >/dev/null || fail "lock"

# Secrets never reach a log or the terminal's output.
for pin in "$PIN1" "$PIN2" "$ACCESS_PIN"; do
  if grep -rq -- "$pin" "$SANDBOX_DIR"/*.log "$SANDBOX_DIR"/*.err "$SANDBOX_DIR"/*.out; then
    fail "a PIN appears in an output or log"
  fi
done
echo "test_terminal_live: ok"

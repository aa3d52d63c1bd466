#!/bin/bash
# test_e2e_nginx.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION NGINX: the proxy
# facility end to end against nginx as the shop (a TLS server nobody here wrote). In a private
# pcscd (sandbox.sh): hp_provision personalizes two fresh cards, the home server runs on the
# generated config, and one nginx master (no daemon, its own prefix in the sandbox) serves:
#   tickets   TLS 1.2, client certificate required, session tickets on (nginx's default, no
#             session cache): resumption by ticket;
#   cache     the same with `ssl_session_tickets off` and `ssl_session_cache shared:SSL:1m`:
#             resumption by session ID;
#   wronghost a certificate from the same CA for another host name: must be refused;
#   provisioned  hp_provision's nginx-shop.conf as written (on a free port instead of 443);
#   noverify  no client certificate asked for; otherca  clients verified against another CA;
#   tls13     TLS 1.3 only: what a user meets with each of these (docs/shops.md, "Errors").
# For tickets and cache the terminal unlocks, gives PIN2 and fetches twice; nginx's access log
# must show each request on a resumed session (`r`) with the user's certificate (SUCCESS, the DN
# and fingerprint of the certificate read from the home card), while the terminal opened no key
# or certificate file. Last, with a 10 s session lifetime in the home server, an expired session
# is replaced by a fresh handshake. Every process is stopped on exit, also on failure.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=tests/terminal/live_prelude.sh
source "$HERE/../terminal/live_prelude.sh"
NGINX=${6:?usage: test_e2e_nginx.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION NGINX}

fail() { fail_showing_logs test_e2e_nginx "home_server.log nginx/error.log nginx/access.log" "$@"; }
step() { echo "test_e2e_nginx: $*" >&2; }

[[ -x "$NGINX" ]] || { echo "test_e2e_nginx: SKIP: no nginx at $NGINX (apt-get install nginx-light)"; exit 77; }
# strace shows which files the terminal opens; without it that one check is left out.
HAVE_STRACE=0
command -v strace >/dev/null && HAVE_STRACE=1

start_both_cards
provision_laptop_world  # live_helpers.sh: WORLD, the PINs, HOME_PORT

# The user's certificate as the home card holds it (GET DATA DF 21, before the home server takes
# the card): nginx's log must name exactly this certificate.
HOME_READER="$HOME_READER" /usr/bin/python3 - >"$SANDBOX_DIR/card_user.der.hex" <<'PY' ||
import os, sys
from smartcard.System import readers
reader = next(r for r in readers() if str(r) == os.environ["HOME_READER"])
conn = reader.createConnection()
conn.connect()
def send(apdu):
    data, sw1, sw2 = conn.transmit(apdu)
    while sw1 == 0x61:  # ISO 7816-4 5.1.3: more bytes available with GET RESPONSE
        more, sw1, sw2 = conn.transmit([0x00, 0xC0, 0x00, 0x00, sw2])
        data += more
    if (sw1, sw2) != (0x90, 0x00):
        sys.exit("status %02X%02X for %s" % (sw1, sw2, bytes(apdu[:4]).hex()))
    return bytes(data)
aid = bytes.fromhex("F0484F4D454341524401")
send([0x00, 0xA4, 0x04, 0x00, len(aid)] + list(aid))
print(send([0x00, 0xCA, 0xDF, 0x21, 0x00]).hex())
PY
  fail "reading the user's certificate from the home card"
xxd -r -p "$SANDBOX_DIR/card_user.der.hex" >"$SANDBOX_DIR/card_user.der"
CARD_CERT_SHA1=$(openssl x509 -inform DER -in "$SANDBOX_DIR/card_user.der" -noout -fingerprint -sha1 |
  sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
CARD_CERT_DN=$(openssl x509 -inform DER -in "$SANDBOX_DIR/card_user.der" -noout -subject -nameopt RFC2253 |
  sed 's/^subject=//')
[[ -n "$CARD_CERT_SHA1" && -n "$CARD_CERT_DN" ]] || fail "no certificate on the home card"
cmp -s <(openssl x509 -in "$WORLD/user.pem" -outform DER) "$SANDBOX_DIR/card_user.der" ||
  fail "user.pem is not the certificate on the home card"
# No file of the world holds the user's private key: no key file's public half is the user's.
USER_PUB=$(openssl x509 -in "$WORLD/user.pem" -noout -pubkey)
for keyfile in "$WORLD"/*.key "$WORLD"/*key*.pem; do
  [[ "$(openssl pkey -in "$keyfile" -pubout 2>/dev/null)" != "$USER_PUB" ]] ||
    fail "$keyfile holds the user's private key"
done

# A certificate from the demo CA for a host name the terminal does not ask for.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=wrong-host.example" \
  -keyout "$WORLD/wronghost.key" -out "$SANDBOX_DIR/wronghost.csr" 2>/dev/null || fail "wronghost key"
openssl x509 -req -in "$SANDBOX_DIR/wronghost.csr" -CA "$WORLD/ca.pem" -CAkey "$WORLD/ca.key" \
  -CAcreateserial -days 2 -out "$WORLD/wronghost.pem" 2>/dev/null || fail "wronghost certificate"

# Another CA, trusted by nothing here: a shop that verifies clients against it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Other CA" \
  -keyout "$SANDBOX_DIR/otherca.key" -out "$WORLD/otherca.pem" -days 2 2>/dev/null || fail "other CA"

# --- nginx: one master, several servers, everything under its own prefix -------------------------
NOVERIFY_PORT=$(free_port)
OTHERCA_PORT=$(free_port)
TLS13_PORT=$(free_port)
TICKETS_PORT=$(free_port)
CACHE_PORT=$(free_port)
WRONGHOST_PORT=$(free_port)
PROVISIONED_PORT=$(free_port)
NGINX_DIR="$SANDBOX_DIR/nginx"
mkdir -p "$NGINX_DIR"
# hp_provision's own example server block, as written, on a free port instead of 443.
sed "s/listen 443 ssl;/listen 127.0.0.1:$PROVISIONED_PORT ssl;/" "$WORLD/nginx-shop.conf" \
  >"$NGINX_DIR/provisioned-shop.conf"
grep -q "listen 127.0.0.1:$PROVISIONED_PORT ssl;" "$NGINX_DIR/provisioned-shop.conf" ||
  fail "nginx-shop.conf has no 'listen 443 ssl;': $(cat "$WORLD/nginx-shop.conf")"
tls_common="
        ssl_protocols TLSv1.2;
        ssl_client_certificate $WORLD/ca.pem;
        ssl_verify_client on;
        location / { return 200 \"shop \$server_port reused=\$ssl_session_reused\\n\"; }"
cat >"$NGINX_DIR/nginx.conf" <<EOF
# Written by test_e2e_nginx.sh: no root paths, nothing outside this prefix.
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $NGINX_DIR/client_body;
    proxy_temp_path $NGINX_DIR/proxy;
    fastcgi_temp_path $NGINX_DIR/fastcgi;
    uwsgi_temp_path $NGINX_DIR/uwsgi;
    scgi_temp_path $NGINX_DIR/scgi;
    # Tab-separated; the DN last since it may hold spaces.
    log_format shop "\$server_port\t\$status\t\$ssl_session_reused\t\$ssl_client_verify\t\$ssl_protocol\t\$ssl_client_fingerprint\t\$ssl_session_id\t\$ssl_client_s_dn";
    server {
        listen 127.0.0.1:$TICKETS_PORT ssl;
        server_name localhost;
        access_log $NGINX_DIR/access.log shop;
        ssl_certificate $WORLD/shop.pem;
        ssl_certificate_key $WORLD/shop.key;
        # Session tickets on: nginx's default, and no session cache (default "none").$tls_common
    }
    server {
        listen 127.0.0.1:$CACHE_PORT ssl;
        server_name localhost;
        access_log $NGINX_DIR/access.log shop;
        ssl_certificate $WORLD/shop.pem;
        ssl_certificate_key $WORLD/shop.key;
        ssl_session_tickets off;
        ssl_session_cache shared:SSL:1m;$tls_common
    }
    server {
        listen 127.0.0.1:$WRONGHOST_PORT ssl;
        server_name localhost;
        access_log $NGINX_DIR/access.log shop;
        ssl_certificate $WORLD/wronghost.pem;
        ssl_certificate_key $WORLD/wronghost.key;$tls_common
    }
    server {
        listen 127.0.0.1:$NOVERIFY_PORT ssl;
        server_name localhost;
        access_log $NGINX_DIR/access.log shop;
        ssl_certificate $WORLD/shop.pem;
        ssl_certificate_key $WORLD/shop.key;
        ssl_protocols TLSv1.2;
        location / { return 200 "shop \$server_port reused=\$ssl_session_reused\\n"; }
    }
    server {
        listen 127.0.0.1:$OTHERCA_PORT ssl;
        server_name localhost;
        access_log $NGINX_DIR/access.log shop;
        ssl_certificate $WORLD/shop.pem;
        ssl_certificate_key $WORLD/shop.key;
        ssl_protocols TLSv1.2;
        ssl_client_certificate $WORLD/otherca.pem;
        ssl_verify_client on;
        location / { return 200 "shop \$server_port reused=\$ssl_session_reused\\n"; }
    }
    server {
        listen 127.0.0.1:$TLS13_PORT ssl;
        server_name localhost;
        access_log $NGINX_DIR/access.log shop;
        ssl_certificate $WORLD/shop.pem;
        ssl_certificate_key $WORLD/shop.key;
        ssl_protocols TLSv1.3;
        ssl_client_certificate $WORLD/ca.pem;
        ssl_verify_client on;
        location / { return 200 "shop \$server_port reused=\$ssl_session_reused\\n"; }
    }
    include $NGINX_DIR/provisioned-shop.conf;
}
EOF
"$NGINX" -p "$NGINX_DIR" -c nginx.conf -e "$NGINX_DIR/error.log" -t >"$NGINX_DIR/test.out" 2>&1 ||
  fail "nginx refused the configuration: $(cat "$NGINX_DIR/test.out")"
"$NGINX" -p "$NGINX_DIR" -c nginx.conf -e "$NGINX_DIR/error.log" -g 'daemon off;' \
  >"$NGINX_DIR/stdout.log" 2>&1 &
NGINX_PID=$!
sandbox_track "$NGINX_PID"  # the master; its worker ends with it
for port in "$TICKETS_PORT" "$CACHE_PORT" "$WRONGHOST_PORT" "$PROVISIONED_PORT" "$NOVERIFY_PORT" \
  "$OTHERCA_PORT" "$TLS13_PORT"; do
  wait_listening "$port" || fail "nginx does not listen on $port"
done

# --- home server ---------------------------------------------------------------------------------
start_home_server  # live_helpers.sh: sets HOME_SERVER_PID

T=("$TERMINAL" --reader "$ACCESS_READER")
# The home server's session cache is under test: each command asks it (own channel), not the
# agent's held sessions (tests/terminal/test_terminal_agent.sh tests those).
export HOMEPROXY_NO_AGENT=1
unlock_and_pin2() {
  printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
  printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >"$SANDBOX_DIR/pin2.out" || fail "pin2"
  grep -q crypto "$SANDBOX_DIR/pin2.out" || fail "pin2 answered: $(cat "$SANDBOX_DIR/pin2.out")"
}

# get NAME PORT [PAGE]: `terminal -v get` (under strace: the files it opens), page and stderr
# kept; the page must be PAGE (default: the page of this test's servers on a resumed session).
get() {
  local trace=()
  # LeakSanitizer cannot run under ptrace (it aborts the process: "LeakSanitizer has encountered
  # a fatal error"), so in an ASan build (tools/run_sanitizers.sh) the traced terminal skips the
  # leak check; ASan's other checks stay on, and terminal_live checks the same gets for leaks.
  ((HAVE_STRACE)) && trace=(strace -f -qq -e "trace=open,openat,openat2" -o "$SANDBOX_DIR/$1.trace"
    env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
  "${trace[@]}" "${T[@]}" -v get "https://localhost:$2/" >"$SANDBOX_DIR/$1.page" 2>"$SANDBOX_DIR/$1.err" ||
    fail "get $1: $(cat "$SANDBOX_DIR/$1.err")"
  grep -qxF "${3:-shop $2 reused=r}" "$SANDBOX_DIR/$1.page" || fail "get $1 page: $(cat "$SANDBOX_DIR/$1.page")"
  ((HAVE_STRACE)) || return 0
  # The trace did record the terminal's opens (its TLS library among them)...
  grep -q 'libmbedtls' "$SANDBOX_DIR/$1.trace" || fail "get $1: strace recorded nothing"
  # ...and it opened no file of the world, no key or certificate file: it never had a key.
  if grep -v ENOENT "$SANDBOX_DIR/$1.trace" | grep -E "\"$WORLD|\\.(key|pem|der|p12|crt)\"" >&2; then
    fail "get $1: the terminal opened a key or certificate file (above)"
  fi
}

# log_lines PORT: nginx's access log lines of that server.
log_lines() { awk -F'\t' -v port="$1" '$1 == port' "$NGINX_DIR/access.log"; }

# check_log PORT COUNT: the server logged COUNT requests, each 200 on a resumed TLS 1.2 session
# with the user's certificate (verified, the DN and fingerprint of the one on the home card).
check_log() {
  local lines
  lines=$(log_lines "$1")
  [[ $(printf '%s\n' "$lines" | grep -c .) == "$2" ]] || fail "nginx logged not $2 requests on $1: $lines"
  printf '%s\n' "$lines" | awk -F'\t' -v sha1="$CARD_CERT_SHA1" -v dn="$CARD_CERT_DN" '
    $2 != 200 || $3 != "r" || $4 != "SUCCESS" || $5 != "TLSv1.2" || $6 != sha1 || $8 != dn {
      print "unexpected: " $0; bad = 1 }
    END { exit bad }' >&2 || fail "nginx's log on port $1 (want 200 r SUCCESS TLSv1.2 $CARD_CERT_SHA1 $CARD_CERT_DN)"
}

for mode in tickets cache; do
  port_var=${mode^^}_PORT
  port=${!port_var}
  step "$mode: unlock, pin2, get twice from nginx on $port"
  unlock_and_pin2
  get "$mode-1" "$port"
  get "$mode-2" "$port"
  grep -q "session for localhost:$port: new" "$SANDBOX_DIR/$mode-1.err" ||
    fail "$mode: first session not new: $(cat "$SANDBOX_DIR/$mode-1.err")"
  grep -q "session for localhost:$port: cached" "$SANDBOX_DIR/$mode-2.err" ||
    fail "$mode: second session not from the cache: $(cat "$SANDBOX_DIR/$mode-2.err")"
  check_log "$port" 2
  "${T[@]}" sessions >"$SANDBOX_DIR/$mode.sessions.out" || fail "$mode: sessions"
  # The home server's session came with a ticket from the tickets server, none from the cache one.
  want_ticket=yes
  [[ $mode == cache ]] && want_ticket=no
  [[ $(awk -v shop="localhost:$port" '$1 == shop { print $NF }' "$SANDBOX_DIR/$mode.sessions.out") == "$want_ticket" ]] ||
    fail "$mode: want the session listed with ticket $want_ticket: $(cat "$SANDBOX_DIR/$mode.sessions.out")"
  # The agent `terminal unlock` left holding the reader opens no key file either.
  # (It re-executes /proc/self/exe as "terminal ...", so it is found by its executable.)
  keepers=""
  for proc in /proc/[0-9]*; do
    if [[ $(readlink "$proc/exe" 2>/dev/null) == "$TERMINAL" ]]; then keepers+=" ${proc#/proc/}"; fi
  done
  [[ -n $keepers ]] || fail "$mode: no terminal keeper process after unlock"
  for pid in $keepers; do
    # Outputs read whole, not `| grep -q`: under pipefail, an early grep exit can fail the pipeline.
    if grep -Eq '\.(key|pem)|BEGIN' <<<"$(tr '\0' ' ' <"/proc/$pid/cmdline")"; then
      fail "terminal process $pid has a key on its command line"
    fi
    for fd in "/proc/$pid/fd"/*; do
      target=$(readlink "$fd" 2>/dev/null) || continue
      if [[ $target == "$WORLD"* || $target =~ \.(key|pem)$ ]]; then
        fail "terminal process $pid holds $target open"
      fi
    done
  done
  finished=$("${T[@]}" finish) || fail "$mode: finish"
  grep -q standby <<<"$finished" || fail "$mode: finish"
  "${T[@]}" lock >/dev/null || fail "$mode: lock"
done
# Tickets: resumed from the ticket, no session ID kept by the server; cache: both requests on the
# one session ID from nginx's cache.
[[ $(log_lines "$CACHE_PORT" | cut -f7 | sort -u | grep -c .) == 1 ]] ||
  fail "the cache server's requests were not on one session: $(log_lines "$CACHE_PORT")"

# --- hp_provision's nginx-shop.conf as written: its page names the client DN and the resumption --
step "provisioned nginx-shop.conf: get twice"
unlock_and_pin2
for n in 1 2; do
  get "provisioned-$n" "$PROVISIONED_PORT" "hello $CARD_CERT_DN (reused: r)"
done
"${T[@]}" finish >/dev/null || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"

# --- wrong host name: the shop's certificate names another host --------------------------------
step "wrong host name: must be refused"
unlock_and_pin2
if "${T[@]}" get "https://localhost:$WRONGHOST_PORT/" >"$SANDBOX_DIR/wronghost.page" \
  2>"$SANDBOX_DIR/wronghost.err"; then
  fail "a shop certificate for another host name was accepted"
fi
grep -Eqi "host ?name|CN|common name" "$SANDBOX_DIR/wronghost.err" ||
  fail "no clear host name error: $(cat "$SANDBOX_DIR/wronghost.err")"
[[ -z $(log_lines "$WRONGHOST_PORT") ]] || fail "a request reached the wrong-host shop"
"${T[@]}" finish >/dev/null || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"

# --- shops set up wrong for homeproxy: what the user sees (docs/shops.md, "Errors") ----------
step "a shop that asks for no client certificate, one that trusts another CA, one TLS 1.3 only"
unlock_and_pin2
outcome() {  # NAME PORT: "ok", or "exit N: first error line"
  if "${T[@]}" get "https://localhost:$2/" >"$SANDBOX_DIR/$1.page" 2>"$SANDBOX_DIR/$1.err"; then
    echo ok
  else
    echo "exit $?: $(head -n 1 "$SANDBOX_DIR/$1.err")"
  fi
}
NOVERIFY=$(outcome noverify "$NOVERIFY_PORT")
OTHERCA=$(outcome otherca "$OTHERCA_PORT")
TLS13=$(outcome tls13 "$TLS13_PORT")
echo "test_e2e_nginx: measured: no client certificate asked: $NOVERIFY; page $(head -c 80 "$SANDBOX_DIR/noverify.page"); nginx: $(log_lines "$NOVERIFY_PORT" | cut -f2-5 | tr '\t\n' ' ')" >&2
echo "test_e2e_nginx: measured: client CA not ca.pem: $OTHERCA; page $(head -c 120 "$SANDBOX_DIR/otherca.page" | tr '\n' ' '); nginx: $(log_lines "$OTHERCA_PORT" | cut -f2-5 | tr '\t\n' ' ')" >&2
echo "test_e2e_nginx: measured: TLS 1.3 only: $TLS13" >&2
# No client certificate asked: the session works, but the shop learns nobody (NONE).
[[ $NOVERIFY == ok ]] || fail "no-client-certificate shop: $NOVERIFY"
[[ $(log_lines "$NOVERIFY_PORT" | cut -f4) == NONE ]] || fail "noverify: $(log_lines "$NOVERIFY_PORT")"
# Another client CA: nginx finishes the handshake and answers HTTP 400 to the request.
[[ $OTHERCA == "exit 1"* ]] || fail "other-CA shop: $OTHERCA"
[[ $(log_lines "$OTHERCA_PORT" | cut -f2) == 400 ]] || fail "otherca: $(log_lines "$OTHERCA_PORT")"
# TLS 1.3 only: the home server's handshake fails, nothing reaches the shop.
[[ $TLS13 == "exit 1"* ]] || fail "TLS 1.3 shop: $TLS13"
grep -q "handshake" "$SANDBOX_DIR/tls13.err" || fail "tls13: $(cat "$SANDBOX_DIR/tls13.err")"
[[ -z $(log_lines "$TLS13_PORT") ]] || fail "a request reached the TLS 1.3 shop"
"${T[@]}" finish >/dev/null || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"

# --- expired session: a 10 s lifetime (the minimum); a blob with less than 5 s left is expired --
step "expired session: home server with session_lifetime_max_seconds 10"
kill "$HOME_SERVER_PID"
wait "$HOME_SERVER_PID" 2>/dev/null || true
python3 - "$WORLD/home_server.json" "$WORLD/home_server_short.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["session_lifetime_max_seconds"] = 10
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
for _ in $(seq 50); do [[ -S "$WORLD/home_server.sock" ]] || break; sleep 0.1; done
rm -f "$WORLD/home_server.sock"
HOME_SERVER_CONFIG="$WORLD/home_server_short.json" start_home_server
unlock_and_pin2
get expire-1 "$CACHE_PORT"
grep -q "session for localhost:$CACHE_PORT: new" "$SANDBOX_DIR/expire-1.err" ||
  fail "expire: first session not new: $(cat "$SANDBOX_DIR/expire-1.err")"
sleep 5.5  # past the 10 s lifetime less the 5 s a terminal needs left
get expire-2 "$CACHE_PORT"
grep -q "session for localhost:$CACHE_PORT: new" "$SANDBOX_DIR/expire-2.err" ||
  fail "expire: the expired session was not replaced: $(cat "$SANDBOX_DIR/expire-2.err")"
grep -q "session [^ ]* localhost:$CACHE_PORT: cached -> expired" "$SANDBOX_DIR/home_server.log" ||
  fail "the home server did not log the expiry"
check_log "$CACHE_PORT" 4
# Requests 3 and 4 each on a session of its own, neither the one of requests 1 and 2.
[[ $(log_lines "$CACHE_PORT" | cut -f7 | sort -u | grep -c .) == 3 ]] ||
  fail "the expired session was resumed: $(log_lines "$CACHE_PORT")"
"${T[@]}" finish >/dev/null || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"

# Secrets never reach a log or output.
for pin in "$PIN1" "$PIN2" "$ACCESS_PIN"; do
  if grep -rq -- "$pin" "$SANDBOX_DIR"/*.log "$SANDBOX_DIR"/*.err "$SANDBOX_DIR"/*.out "$NGINX_DIR"/*.log; then
    fail "a PIN appears in an output or log"
  fi
done
echo "test_e2e_nginx: ok"

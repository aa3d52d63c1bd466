# shellcheck shell=bash
# live_helpers.sh: helpers shared by the live tests of the proxy facility (terminal_live,
# e2e_nginx, emoney_live). Source after tests/integration/sandbox.sh.

# fail_showing_logs NAME "LOG..." MESSAGE...: a live test's or bench's failure: the message,
# then the last 30 lines of each named log under $SANDBOX_DIR that exists; exits 1. Each script's
# fail() names its own logs: `fail() { fail_showing_logs test_x "home_server.log shop.log" "$@"; }`.
fail_showing_logs() {
  local name=$1 logs=$2 log
  shift 2
  echo "$name: FAIL: $*" >&2
  for log in $logs; do
    [[ -f "$SANDBOX_DIR/$log" ]] && { echo "--- $log" >&2; tail -n 30 "$SANDBOX_DIR/$log" >&2; }
  done
  exit 1
}

# A private pcscd with the home card (slot 0) and the access card (slot 1), both answering;
# sets HOME_READER, ACCESS_READER and ACCESS_PID (the access card's process, for tests that pull
# the card). Needs HOMECARD and ACCESSCARD (the card executables).
start_both_cards() {
  sandbox_start 2
  sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
  sandbox_card accesscard 1 "$SANDBOX_DIR/access.state" --path "$ACCESSCARD"
  # shellcheck disable=SC2034
  ACCESS_PID=$SANDBOX_LAST_PID
  sandbox_wait_card 0
  sandbox_wait_card 1
  # shellcheck disable=SC2034  # for the sourcing test
  HOME_READER=$(sandbox_reader_name 0)
  # shellcheck disable=SC2034
  ACCESS_READER=$(sandbox_reader_name 1)
}

# provision_laptop_world [HP_PROVISION ARGUMENTS...]: hp_provision personalizes both cards of
# start_both_cards for a laptop terminal, with its configs in a new WORLD folder; more arguments
# go to hp_provision. Sets WORLD, PIN1 PIN2 ACCESS_PIN (eight digits that no port number, time or
# count in the outputs can contain by chance, so checks for PINs in outputs and logs cannot fire
# falsely) and HOME_PORT (the home server's). Needs HP_PROVISION and fail.
provision_laptop_world() {
  WORLD="$SANDBOX_DIR/world"
  PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
  HOME_PORT=$(free_port)
  "$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" --access-reader "$ACCESS_READER" \
    --home-address "127.0.0.1:$HOME_PORT" --profile laptop --home-pin1 "$PIN1" \
    --home-pin2 "$PIN2" --access-pin "$ACCESS_PIN" "$@" >"$SANDBOX_DIR/provision.out" ||
    fail "hp_provision"
}

# agent_in_sandbox USUAL_SHOP: the terminal agent's socket, configuration, state and log under
# the sandbox (XDG_RUNTIME_DIR, XDG_CONFIG_HOME, XDG_STATE_HOME, HOMEPROXY_AGENT_LOG, exported),
# with USUAL_SHOP (HOST:PORT) as the usual shop whose session every unlock prepares.
agent_in_sandbox() {
  export XDG_RUNTIME_DIR="$SANDBOX_DIR/run" XDG_CONFIG_HOME="$SANDBOX_DIR/config"
  export XDG_STATE_HOME="$SANDBOX_DIR/state" HOMEPROXY_AGENT_LOG="$SANDBOX_DIR/agent.log"
  mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME/homeproxy"
  printf 'usual-shop %s\n' "$1" >"$XDG_CONFIG_HOME/homeproxy/terminal.conf"
}

# A free TCP port on 127.0.0.1 (the sandbox's own network namespace when unshare works).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_listening() {  # PORT: until something listens there (10 s)
  # ss's output read whole, not `ss | grep -q .`: under pipefail, ss writing on after grep
  # quit (EPIPE) would fail the test.
  for _ in $(seq 100); do
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]] && return 0
    sleep 0.1
  done
  return 1
}

# start_openssl_shop: the test shop of the proxy tests, `openssl s_server` on 127.0.0.1:SHOP_PORT
# with WORLD's certificates: TLS 1.2, client certificate required, session cache (no tickets).
# Sets SHOP_PID; its output goes to shop.log. Needs fail.
start_openssl_shop() {
  (cd "$WORLD" && exec openssl s_server -accept "127.0.0.1:$SHOP_PORT" -Verify 1 -CAfile ca.pem \
    -cert shop.pem -key shop.key -www -tls1_2 -no_ticket -quiet) >>"$SANDBOX_DIR/shop.log" 2>&1 &
  SHOP_PID=$!
  sandbox_track "$SHOP_PID"
  wait_listening "$SHOP_PORT" || fail "the shop did not start"
}

# start_home_server: (re)starts the home server on HOME_SERVER_CONFIG (default WORLD's
# home_server.json) and gives it PIN1 through its admin socket. Sets HOME_SERVER_PID; needs
# HOME_SERVER, WORLD, HOME_PORT, PIN1 and fail.
start_home_server() {
  "$HOME_SERVER" --config "${HOME_SERVER_CONFIG:-$WORLD/home_server.json}" </dev/null \
    >>"$SANDBOX_DIR/home_server.log" 2>&1 &
  HOME_SERVER_PID=$!
  sandbox_track "$HOME_SERVER_PID"
  wait_listening "$HOME_PORT" || fail "the home server did not start"
  for _ in $(seq 50); do [[ -S "$WORLD/home_server.sock" ]] && break; sleep 0.1; done
  enter_pin1 "$HOME_SERVER" "$WORLD/home_server.sock" "$PIN1" >"$SANDBOX_DIR/pin1.log" 2>&1 ||
    fail "PIN1: $(cat "$SANDBOX_DIR/pin1.log")"
}

# enter_pin1 HOME_SERVER SOCKET PIN: gives a running home server PIN1 through its admin client.
# PIN1 is read without echo from a terminal only: the admin client gets a pseudo-terminal and
# the PIN is typed after its prompt (typed earlier, the TCSAFLUSH that turns echo off drops it).
# Prints the dialogue with the PIN masked; the admin client's exit status is returned.
enter_pin1() {
  HP_PIN=$3 python3 - "$1" --admin "$2" pin1 <<'PY'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen, deadline = b"", time.time() + 10
while b"PIN1: " not in seen and time.time() < deadline:
    try:
        seen += os.read(fd, 256)
    except OSError:
        break
os.write(fd, os.environ["HP_PIN"].encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 256)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
print(seen.decode(errors="replace").replace(os.environ["HP_PIN"], "<pin>"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

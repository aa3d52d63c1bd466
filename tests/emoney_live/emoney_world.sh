# shellcheck shell=bash
# emoney_world.sh: the live e-money world of docs/emoney.md on 127.0.0.1, shared by the live test
# (tests/emoney_live/test_emoney_live.sh) and the benchmark (tools/bench/run_purse_bench.sh), so
# both measure and test the same thing. Source it after tests/integration/sandbox.sh and
# tests/terminal/live_helpers.sh. The caller defines `fail MESSAGE` (print, exit non-zero) and
# sets HOMECARD ACCESSCARD HOME_SERVER HP_PROVISION SHOP_SERVER BANK_SERVER (absolute paths).
#
#   emoney_world_start BANK_BALANCE  a private pcscd with both cards, hp_provision (purse of at
#                                    most 1000.00 EUR, and every config: nothing is patched),
#                                    shop_server (tea 3.50, cake 12.75), the bank with account
#                                    alice holding BANK_BALANCE (minor units), aiosmtpd for the
#                                    notices, the home server with PIN1 given
#   start_bank PORT                  (re)starts the bank (PORT 0: the kernel picks)
#   start_home_server                (live_helpers.sh) (re)starts the home server, gives it PIN1
#   sql DB QUERY                     one value from a server's SQLite database
#
# Set afterwards: WORLD, PIN1 PIN2 ACCESS_PIN, HOME_READER ACCESS_READER, HOME_PORT SHOP_PORT
# BANK_PORT SMTP_PORT MQTT_PORT, BANK_PID HOME_SERVER_PID, BANK_START. Every process is tracked by the
# sandbox, so its EXIT trap stops them all. Logs: $SANDBOX_DIR/{home_server,shop,bank,smtp}.log.

# The names below are set for the sourcing script.
# shellcheck disable=SC2034

# sql DB QUERY: one value (python's sqlite3; the databases are in WAL mode, readable while the
# servers run).
sql() {
  python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchone(); print(r[0] if r and r[0] is not None else 0)' "$1" "$2"
}

# A server that prints "listening 127.0.0.1:PORT" first: its port.
server_port() {  # LOGFILE
  for _ in $(seq 100); do
    local line
    line=$(head -n 1 "$1" 2>/dev/null || true)
    if [[ $line =~ ^listening\ 127\.0\.0\.1:([0-9]+)$ ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

start_bank() {  # PORT (0: the kernel picks); sets BANK_PID and BANK_PORT
  "$BANK_SERVER" --config "$WORLD/bank.json" --listen "127.0.0.1:$1" \
    >"$SANDBOX_DIR/bank.out" 2>>"$SANDBOX_DIR/bank.log" &
  BANK_PID=$!
  sandbox_track "$BANK_PID"
  BANK_PORT=$(server_port "$SANDBOX_DIR/bank.out") || fail "the bank did not start"
}

emoney_world_start() {  # BANK_BALANCE
  BANK_START=${1:?usage: emoney_world_start BANK_BALANCE}
  start_both_cards  # live_helpers.sh: sets HOME_READER and ACCESS_READER

  SMTP_PORT=$(free_port)
  MQTT_PORT=$(free_port)  # the appliance broker's (docs/appliances.md), started by who needs it
  # hp_provision writes every config the world needs (home_server.json with its purse and
  # notices sections, shop.json, bank.json); nothing is patched here. The servers listen on
  # ports the kernel picks, unfinished top-ups are re-presented every 5 s, notices go to the
  # aiosmtpd below. live_helpers.sh's provision_laptop_world sets WORLD, the PINs and HOME_PORT.
  provision_laptop_world --max-balance 100000 --shop-listen 127.0.0.1:0 \
    --bank-listen 127.0.0.1:0 --bank-account alice --bank-balance "$BANK_START" \
    --reconcile-seconds 5 --smtp-url "smtp://127.0.0.1:$SMTP_PORT" \
    --mail-from homeproxy@home.test --mail-to user@home.test --mqtt-listen "127.0.0.1:$MQTT_PORT"

  # The shop (hp_provision's catalogue: tea 3.50, cake 12.75); the bank, with the account for
  # the user's certificate opened as README.txt says.
  "$SHOP_SERVER" --config "$WORLD/shop.json" >"$SANDBOX_DIR/shop.out" 2>"$SANDBOX_DIR/shop.log" &
  sandbox_track $!
  SHOP_PORT=$(server_port "$SANDBOX_DIR/shop.out") || fail "the shop did not start"
  grep -q -- "--open-account alice" "$WORLD/README.txt" || fail "README.txt does not open the account"
  "$BANK_SERVER" --config "$WORLD/bank.json" --open-account alice --owner-cert "$WORLD/user.pem" \
    --balance "$BANK_START" --currency EUR >"$SANDBOX_DIR/bank-open.log" 2>&1 ||
    fail "open account: $(cat "$SANDBOX_DIR/bank-open.log")"
  start_bank 0

  # Notices go to a real SMTP server (Debian's python3-aiosmtpd, printing every message).
  /usr/bin/python3 -u -m aiosmtpd -n -c aiosmtpd.handlers.Debugging stdout -l "127.0.0.1:$SMTP_PORT" \
    >"$SANDBOX_DIR/smtp.log" 2>&1 &
  sandbox_track $!
  wait_listening "$SMTP_PORT" || fail "aiosmtpd did not start"

  start_home_server
}

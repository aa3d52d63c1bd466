# shellcheck shell=bash
# emoney_world.sh: the live e-money world of docs/emoney.md on 127.0.0.1, shared by the live test
# (tests/emoney_live/test_emoney_live.sh) and the benchmark (tools/bench/run_purse_bench.sh), so
# both measure and test the same thing. Source it after tests/integration/sandbox.sh and
# tests/terminal/live_helpers.sh. The caller defines `fail MESSAGE` (print, exit non-zero) and
# sets HOMECARD ACCESSCARD HOME_SERVER HP_PROVISION SHOP_SERVER BANK_SERVER (absolute paths).
#
#   emoney_world_start BANK_BALANCE  a private pcscd with both cards, hp_provision (purse of at
#                                    most 1000.00 EUR), shop_server (tea 3.50, cake 12.75), the
#                                    bank with account alice holding BANK_BALANCE (minor units),
#                                    aiosmtpd for the notices, the home server with PIN1 given
#   start_bank PORT                  (re)starts the bank (PORT 0: the kernel picks)
#   start_home_server                (re)starts the home server and gives it PIN1
#   sql DB QUERY                     one value from a server's SQLite database
#
# Set afterwards: WORLD, PIN1 PIN2 ACCESS_PIN, HOME_READER ACCESS_READER, HOME_PORT SHOP_PORT
# BANK_PORT SMTP_PORT, BANK_PID HOME_SERVER_PID, BANK_START. Every process is tracked by the
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
  (cd "$WORLD" && exec "$BANK_SERVER" --cert bank.pem --key bank.key --ca ca.pem \
    --signing-key bank-sign.key --bank-id bank --db bank.db --listen "127.0.0.1:$1") \
    >"$SANDBOX_DIR/bank.out" 2>>"$SANDBOX_DIR/bank.log" &
  BANK_PID=$!
  sandbox_track "$BANK_PID"
  BANK_PORT=$(server_port "$SANDBOX_DIR/bank.out") || fail "the bank did not start"
}

start_home_server() {  # sets HOME_SERVER_PID; PIN1 through the admin socket
  "$HOME_SERVER" --config "$WORLD/home_server.json" </dev/null >>"$SANDBOX_DIR/home_server.log" 2>&1 &
  HOME_SERVER_PID=$!
  sandbox_track "$HOME_SERVER_PID"
  wait_listening "$HOME_PORT" || fail "the home server did not start"
  for _ in $(seq 50); do [[ -S "$WORLD/home_server.sock" ]] && break; sleep 0.1; done
  enter_pin1 "$HOME_SERVER" "$WORLD/home_server.sock" "$PIN1" >"$SANDBOX_DIR/pin1.log" 2>&1 ||
    fail "PIN1: $(cat "$SANDBOX_DIR/pin1.log")"
}

emoney_world_start() {  # BANK_BALANCE
  BANK_START=${1:?usage: emoney_world_start BANK_BALANCE}
  start_both_cards  # live_helpers.sh: sets HOME_READER and ACCESS_READER

  WORLD="$SANDBOX_DIR/world"
  PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
  HOME_PORT=$(free_port)
  "$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" --access-reader "$ACCESS_READER" \
    --home-address "127.0.0.1:$HOME_PORT" --profile laptop --home-pin1 "$PIN1" --home-pin2 "$PIN2" \
    --access-pin "$ACCESS_PIN" --max-balance 100000 >"$SANDBOX_DIR/provision.out" || fail "hp_provision"

  # The shop: two items; the bank: an account for the user's certificate.
  cat >"$WORLD/shop.json" <<JSON
{"listen": "127.0.0.1:0", "cert": "shop.pem", "key": "shop.key", "ca": "ca.pem",
 "signing_key": "shop-sign.key", "shop_id": "localhost", "db": "shop.db",
 "catalogue": {"currency": "EUR", "items": [{"sku": "tea", "name": "Green tea", "price": 350},
                                             {"sku": "cake", "name": "Cake", "price": 1275}]}}
JSON
  "$SHOP_SERVER" --config "$WORLD/shop.json" >"$SANDBOX_DIR/shop.out" 2>"$SANDBOX_DIR/shop.log" &
  sandbox_track $!
  SHOP_PORT=$(server_port "$SANDBOX_DIR/shop.out") || fail "the shop did not start"
  (cd "$WORLD" && "$BANK_SERVER" --db bank.db --open-account alice --owner-cert user.pem \
    --balance "$BANK_START" --currency EUR) >"$SANDBOX_DIR/bank-open.log" 2>&1 ||
    fail "open account: $(cat "$SANDBOX_DIR/bank-open.log")"
  start_bank 0

  # Notices go to a real SMTP server (Debian's python3-aiosmtpd, printing every message).
  SMTP_PORT=$(free_port)
  /usr/bin/python3 -u -m aiosmtpd -n -c aiosmtpd.handlers.Debugging stdout -l "127.0.0.1:$SMTP_PORT" \
    >"$SANDBOX_DIR/smtp.log" 2>&1 &
  sandbox_track $!
  wait_listening "$SMTP_PORT" || fail "aiosmtpd did not start"

  # The home server's config from hp_provision, plus the purse's pending vouchers and notices.
  python3 - "$WORLD/home_server.json" "$WORLD" "$SMTP_PORT" <<'PY'
import json, sys
path, world, smtp = sys.argv[1], sys.argv[2], sys.argv[3]
config = json.load(open(path))
config["purse"] = {"pending_vouchers_db": world + "/pending_vouchers.db", "reconcile_seconds": 5}
config["notices"] = {"smtp_url": "smtp://127.0.0.1:" + smtp, "from": "homeproxy@home.test",
                     "to": "user@home.test", "outbox_path": world + "/notices.db",
                     "period_seconds": 2}
json.dump(config, open(path, "w"), indent=2)
PY
  start_home_server
}

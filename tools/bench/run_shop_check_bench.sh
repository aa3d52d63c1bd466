#!/bin/bash
# run_shop_check_bench.sh BUILD_DIR: the shop check of a PIN-only payment before/after the home
# server's "certificate checked at" cache, and the close wait of a full delegated handshake with
# a session-id shop (issue 13, docs/benchmarks.md "Shop check of PIN-only payments"). Makes a
# throw-away EC PKI with the openssl CLI, starts two `openssl s_server` shops on 127.0.0.1 (session
# ids only / tickets, client certificates required, TLS 1.2) and runs bench_shop_check, which puts
# each behind a delay relay (HP_SHOP_CHECK_ONE_WAY_MS, default 10: 20 ms round trip) and prints
# its figures (HP_SHOP_CHECK_ROUNDS runs, default 30). Builds nothing; stops its shops at exit.
set -euo pipefail
BUILD=$(realpath "${1:?usage: tools/bench/run_shop_check_bench.sh BUILD_DIR}")
BENCH=$BUILD/tools/bench/bench_shop_check
[[ -x $BENCH ]] || {
  echo "run_shop_check_bench: $BENCH missing; build it: ninja -C $BUILD tools/bench/bench_shop_check" >&2
  exit 2
}
DIR=$(mktemp -d /tmp/hp_shop_check_bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
cd "$DIR"

q() { "$@" >>openssl.log 2>&1 || { cat openssl.log >&2; exit 1; }; }
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
q openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj '/CN=bench CA' \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
leaf() {  # NAME SUBJECT EXTENSIONS
  q openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2"
  printf '%b' "$3" >"$1.ext"
  q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 \
    -extfile "$1.ext" -out "$1.pem"
}
leaf shop /CN=localhost 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n'
leaf user '/CN=bench user' 'extendedKeyUsage=clientAuth\n'

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start_shop() {  # extra s_server arguments; prints the port
  local port
  port=$(free_port)
  openssl s_server -accept "127.0.0.1:$port" -cert shop.pem -key shop.key -CAfile ca.pem \
    -Verify 3 -tls1_2 -www -quiet "$@" >"shop-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; then
      echo "$port"
      return
    fi
    sleep 0.1
  done
  echo "run_shop_check_bench: s_server on $port did not start: $(cat "shop-$port.log")" >&2
  exit 1
}
SID_PORT=$(start_shop -no_ticket)
TICKET_PORT=$(start_shop)

echo "load: $(uptime)"
"$BENCH" --ca ca.pem --user-cert user.pem --user-key user.key --session-id-port "$SID_PORT" \
  --ticket-port "$TICKET_PORT" --one-way-ms "${HP_SHOP_CHECK_ONE_WAY_MS:-10}" \
  --rounds "${HP_SHOP_CHECK_ROUNDS:-30}"

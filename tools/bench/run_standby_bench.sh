#!/bin/bash
# The stand-by benchmark (issue 12, docs/benchmarks.md "Stand-by"): how long the user of a
# terminal waits for one page, measured end to end with the real processes, not modelled.
#
#   pcscd + vpcd with the home card and the access card (tests/integration/sandbox.sh), the world
#   from hp_provision, the home server, one nginx shop (TLS 1.2, client certificate required,
#   session cache, tickets off: hp_provision's nginx-shop.conf) serving a fixed 2 KB page, and
#   three delay relays (tools/bench/delay_relay), each one link:
#       terminal <-> home server    "phone": 75 ms each way, 1 Mbit/s each way
#       terminal <-> shop           "phone": the same;   "laptop": 10 ms each way, unlimited
#       home server <-> shop        10 ms each way, 50 Mbit/s (phone) / unlimited (laptop)
#   The terminal reaches the shop through its own relay because libhp_bench_port_map.so
#   (preloaded into the terminal only) turns its connect to the shop's port into one to that
#   relay; the home server connects to the shop's port itself, i.e. through its relay.
#   Phone: every measured command runs in a CPU cgroup with a quota of 5 % of one core at the
#   finest period the kernel takes for 5 % (quota >= 1 ms): cgroup v2 cpu.max "1000 20000", else
#   v1 cpu.cfs_quota_us 1000 / cpu.cfs_period_us 20000, burst 0, meant as a CPU 20x slower than
#   this one. Laptop: no quota. The quota only approximates that: the kernel charges the quota at
#   its scheduler tick (4 ms at HZ=250), so a burst of CPU work shorter than ~2 ms between two
#   network waits runs at full speed. Every run of the script first measures it (tools/bench/
#   cpu_burst: bursts of 0.2-20 ms of fixed work between 75 ms sleeps, at full speed and in the
#   cgroup) and prints the slowdown per burst size ("CPU calibration" in OUT/standby.md).
#   The terminal side's CPU per run: the cgroup's own counter (v1 cpuacct.usage, v2 cpu.stat
#   usage_usec) read before and after the command, i.e. the command plus the agent or card
#   keeper (in the cgroup too) while it ran; beside it the command's own user + system time
#   from bash `times` (10 ms ticks on some kernels, no agent).
#
# Stand-by = from the start of the user's command (the process is spawned) to its exit after the
# last byte of the page; checked: the page printed is the 2 KB page. Per run, the bytes on the
# terminal's two links (the control channel included) are read from the relays' counters.
#
# Modes (--modes, default all eight below); each is a pair of functions, prepare_MODE RUN (not
# measured) and run_MODE RUN (measured; the command as the user types it, run through
# `measured`). --modes-file FILE sources more of them.
#   conventional  tools/bench/conventional_get: full mutual TLS with the terminal's own key and
#                 certificate (mbedTLS, like `terminal`), then GET: a terminal without homeproxy;
#   first         terminal get of a shop the home server has no session for (a new host name
#                 each run, *.shops.test in a private /etc/hosts): a delegated first visit;
#   cached        terminal get of the usual shop whose session the home server holds;
#   relay         terminal get --relay of the usual shop;
#   agent-first, agent-cached, agent-relay, agent-default: the same through the terminal agent
#                 (agent-first: a new shop named a usual shop before unlock, so the agent
#                 prepared its session; agent-default: the terminal chooses the mode).
# Modes not named agent-* run first, with HOMEPROXY_NO_AGENT=1 (a channel per command); the
# agent-* modes after them, with the agent. Processes `terminal unlock` leaves behind (the
# agent, the card keeper) join the CPU cgroup. Example --modes-file:
#   prepare_agent-post() { warm_usual; }     # not measured
#   run_agent-post() { measured "$RUN_NAME" "${T[@]}" -v get "$USUAL_URL"; }
# and --modes "conventional agent-post".
# The runs of the modes are interleaved (run 1 of every mode, then run 2, ...), so the load of
# this shared machine falls on all of them alike; `uptime` is recorded before and after.
#
# Usage: tools/bench/run_standby_bench.sh [--runs N] [--build DIR] [--out DIR]
#          [--profiles "phone laptop"] [--modes LIST] [--modes-file FILE]
#          [--cpu-period-us US] [--trace] [--calibrate-only]
#   profiles: phone, laptop, phone-fullcpu (the phone's links, no CPU quota)
#   --calibrate-only: only the CPU calibration (no world), printed.
# Output: OUT/standby.csv (every run), OUT/standby.md (the table), OUT/standby.png (chart).
# --trace: the relays log every chunk; OUT/standby_trace.txt then shows, for the last run of each
# row, every chunk on the terminal's links and how many round trips the command waited for.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
ROOT=$(realpath "$HERE/../..")

ARGS=("$@")  # sandbox.sh re-executes this script with them in its own namespaces
RUNS=20
BUILD=$ROOT/build
OUT=""
PROFILES="phone laptop"
MODES="conventional first cached relay agent-first agent-cached agent-relay agent-default"
MODES_FILE=""
CPU_PERIOD_US=20000
TRACE=0
CALIBRATE_ONLY=0
while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --build) BUILD=$(realpath "$2"); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --profiles) PROFILES=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --modes-file) MODES_FILE=$(realpath "$2"); shift 2 ;;
    --cpu-period-us) CPU_PERIOD_US=$2; shift 2 ;;
    --trace) TRACE=1; shift ;;
    --calibrate-only) CALIBRATE_ONLY=1; shift ;;
    *) echo "usage: $0 [--runs N] [--build DIR] [--out DIR] [--profiles LIST] [--modes LIST]" \
      "[--modes-file FILE] [--cpu-period-us US] [--trace] [--calibrate-only]" >&2; exit 2 ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "--runs wants a number" >&2; exit 2; }
# 5 % needs a quota of period / 20, and the kernel takes no quota under 1 ms.
if ! [[ $CPU_PERIOD_US =~ ^[0-9]+$ ]] || ((CPU_PERIOD_US < 20000 || CPU_PERIOD_US > 1000000)); then
  echo "--cpu-period-us: 20000..1000000 (5 % of it is the quota, >= 1000 us)" >&2
  exit 2
fi
OUT=$(mkdir -p "${OUT:-$BUILD/standby-bench}" && realpath "${OUT:-$BUILD/standby-bench}")

HOMECARD=$BUILD/card/homecard/homecard
ACCESSCARD=$BUILD/card/accesscard/accesscard
HOME_SERVER=$BUILD/host/home_server/home_server
TERMINAL=$BUILD/host/terminal/terminal
HP_PROVISION=$BUILD/tools/provision/hp_provision
RELAY=$BUILD/tools/bench/delay_relay
CONVENTIONAL=$BUILD/tools/bench/conventional_get
CPU_BURST=$BUILD/tools/bench/cpu_burst
PORT_MAP=$BUILD/tools/bench/libhp_bench_port_map.so
NGINX=/usr/sbin/nginx
for exe in "$HOMECARD" "$ACCESSCARD" "$HOME_SERVER" "$TERMINAL" "$HP_PROVISION" "$RELAY" \
  "$CONVENTIONAL" "$CPU_BURST" "$PORT_MAP" "$BUILD/tools/vpcd_loopback/libhp_vpcd_loopback.so" "$NGINX"; do
  [[ -e $exe ]] || { echo "missing $exe: ninja -C $BUILD (nginx: apt-get install nginx-light)" >&2; exit 2; }
done
export HP_BUILD_DIR=$BUILD
set -- "${ARGS[@]}"

# shellcheck source=tests/integration/sandbox.sh
source "$ROOT/tests/integration/sandbox.sh"
# shellcheck source=tests/terminal/live_helpers.sh
source "$ROOT/tests/terminal/live_helpers.sh"
[[ ${HP_SANDBOX_NAMESPACED:-} == 1 ]] ||
  { echo "run_standby_bench: needs root and unshare (a private /etc/hosts for the shop names)" >&2; exit 1; }
say() { echo "standby: $*" >&2; }
fail() {
  echo "standby: FAIL: $*" >&2
  [[ -f $SANDBOX_DIR/home_server.log ]] && tail -n 20 "$SANDBOX_DIR/home_server.log" >&2
  exit 1
}

# --- the CPU quota: a cgroup of this run, removed on exit ----------------------------------------
# CGROUP: the quota (v2, or v1's cpu hierarchy); ACCT_CGROUP: the CPU counter (the same directory
# on v2 or where v1 mounts cpu and cpuacct together, else a group of the same name in cpuacct).
CGROUP=""
ACCT_CGROUP=""
CGROUP_KIND=""
setup_cgroup() {
  local name=hp-standby-$$
  if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    CGROUP=/sys/fs/cgroup/$name
    mkdir "$CGROUP" && CGROUP_KIND=v2
    ACCT_CGROUP=$CGROUP
  elif [[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
    CGROUP=/sys/fs/cgroup/cpu/$name
    mkdir "$CGROUP" && CGROUP_KIND=v1
    if [[ -f $CGROUP/cpuacct.usage ]]; then
      ACCT_CGROUP=$CGROUP
    elif [[ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]]; then
      ACCT_CGROUP=/sys/fs/cgroup/cpuacct/$name
      mkdir "$ACCT_CGROUP"
    else
      fail "cgroup v1 without the cpuacct controller: no CPU counter for the terminal"
    fi
  else
    fail "this kernel offers no CPU quota (neither cgroup v2 cpu.max nor v1 cpu.cfs_quota_us)"
  fi
  # No burst: unused quota of idle periods must not pile up into a faster CPU later.
  if [[ -f $CGROUP/cpu.max.burst ]]; then echo 0 >"$CGROUP/cpu.max.burst"; fi
  if [[ -f $CGROUP/cpu.cfs_burst_us ]]; then echo 0 >"$CGROUP/cpu.cfs_burst_us"; fi
  say "CPU quota through cgroup $CGROUP_KIND at $CGROUP, CPU counter at $ACCT_CGROUP"
}
join_cgroup() {  # PID: into the quota's and the counter's group
  echo "$1" >"$CGROUP/cgroup.procs" && echo "$1" >"$ACCT_CGROUP/cgroup.procs"
}
CGROUP_CPU_NS=0
cgroup_cpu_ns() {  # CGROUP_CPU_NS: the CPU time of everything that ran in the group so far (ns)
  local key value
  if [[ $CGROUP_KIND == v2 ]]; then
    while read -r key value; do
      [[ $key == usage_usec ]] && CGROUP_CPU_NS=$((value * 1000))
    done <"$ACCT_CGROUP/cpu.stat"
  else
    read -r CGROUP_CPU_NS <"$ACCT_CGROUP/cpuacct.usage"
  fi
}
set_quota() {  # PERCENT of one core, or "max"
  if [[ $1 == max ]]; then
    if [[ $CGROUP_KIND == v2 ]]; then echo "max $CPU_PERIOD_US" >"$CGROUP/cpu.max"; else
      echo -1 >"$CGROUP/cpu.cfs_quota_us"; fi
  else
    local quota=$((CPU_PERIOD_US * $1 / 100))
    if [[ $CGROUP_KIND == v2 ]]; then echo "$quota $CPU_PERIOD_US" >"$CGROUP/cpu.max"; else
      # No quota while the period changes: the old quota may not fit the new period.
      echo -1 >"$CGROUP/cpu.cfs_quota_us"
      echo "$CPU_PERIOD_US" >"$CGROUP/cpu.cfs_period_us"
      echo "$quota" >"$CGROUP/cpu.cfs_quota_us"
    fi
  fi
}
throttled_count() {  # how many periods the cgroup was throttled in so far
  awk '$1 == "nr_throttled" { print $2 }' "$CGROUP/cpu.stat"
}
# The calibration: what the quota does to bursts of fixed CPU work between network waits (75 ms
# sleeps, half the phone's RTT): cpu_burst at full speed (this shell's group), then with the same
# loops per ms in the cgroup at 5 %. CALIBRATION: the table (markdown).
CALIBRATION=""
CALIBRATION_SIZES=(0.2 1 2 5 20)
calibrate_cpu() {
  local full throttled lpm
  full=$("$CPU_BURST" --reps 15 --gap-ms 75 "${CALIBRATION_SIZES[@]}") || fail "cpu_burst"
  lpm=$(awk '$1 == "loops_per_ms" { print $2 }' <<<"$full")
  set_quota 5
  throttled=$(sh -c 'echo $$ >"$0" && echo $$ >"$1" && shift && exec "$@"' \
    "$CGROUP/cgroup.procs" "$ACCT_CGROUP/cgroup.procs" \
    "$CPU_BURST" --loops-per-ms "$lpm" --reps 15 --gap-ms 75 "${CALIBRATION_SIZES[@]}") ||
    fail "cpu_burst in the cgroup"
  set_quota max
  CALIBRATION=$(python3 - "$full" "$throttled" "$CPU_PERIOD_US" <<'PY'
import sys
def parse(text):
    rows = {}
    for line in text.splitlines():
        w = line.split()
        if w[0] == "burst":
            rows[w[1]] = {"med": float(w[3]), "min": float(w[5]), "max": float(w[7])}
    return rows
full, slow, period = parse(sys.argv[1]), parse(sys.argv[2]), int(sys.argv[3])
print("| CPU work per burst (75 ms sleep before each) | full speed: median ms | quota %d us / period %d us: median ms (min-max) "
      "| slowdown: quota / full speed (medians; target 20x) | quota / the work |" % (period // 20, period))
print("|---|---|---|---|---|")
for work, f in full.items():
    s = slow[work]
    print("| %s ms | %.2f | %.2f (%.2f-%.2f) | %.1fx | %.1fx |"
          % (work, f["med"], s["med"], s["min"], s["max"], s["med"] / f["med"], s["med"] / float(work)))
PY
)
  say "CPU calibration (15 bursts per size; full speed, then in the cgroup at 5 %):"
  echo "$CALIBRATION" >&2
}
cleanup_standby() {
  local fd
  for fd in "${RELAY_FDS[@]}"; do exec {fd}>&- 2>/dev/null || true; done
  if [[ -n $CGROUP && -d $CGROUP ]]; then
    # Anything left in it goes back to the root group first, else rmdir fails.
    while read -r pid; do echo "$pid" >"$(dirname "$CGROUP")/cgroup.procs" 2>/dev/null || true; done \
      <"$CGROUP/cgroup.procs"
    rmdir "$CGROUP" 2>/dev/null || true
  fi
  if [[ -n $ACCT_CGROUP && $ACCT_CGROUP != "$CGROUP" && -d $ACCT_CGROUP ]]; then
    while read -r pid; do echo "$pid" >"$(dirname "$ACCT_CGROUP")/cgroup.procs" 2>/dev/null || true; done \
      <"$ACCT_CGROUP/cgroup.procs"
    rmdir "$ACCT_CGROUP" 2>/dev/null || true
  fi
}
SANDBOX_ON_EXIT=cleanup_standby

# --- relays: one process per link, driven through two FIFOs (no process per query: forks are
# slow on this loaded machine) -------------------------------------------------------------------
declare -A RELAY_IN RELAY_OUT RELAY_PID
RELAY_FDS=()
start_relay() {  # NAME LISTEN_PORT TARGET_PORT ONE_WAY_MS KBIT_UP KBIT_DOWN
  local name=$1 in=$SANDBOX_DIR/relay-$1.in out=$SANDBOX_DIR/relay-$1.out fd line
  rm -f "$in" "$out"
  mkfifo "$in" "$out"
  local trace=()
  ((TRACE)) && trace=(--trace)
  "$RELAY" --listen "$2" --kbit-up "$5" --kbit-down "$6" --syn-rtt "${trace[@]}" "$3" "$4" \
    <"$in" >"$out" 2>>"$SANDBOX_DIR/relay-$name.err" &
  RELAY_PID[$name]=$!
  sandbox_track "${RELAY_PID[$name]}"
  exec {fd}>"$in"
  RELAY_IN[$name]=$fd
  RELAY_FDS+=("$fd")
  exec {fd}<"$out"
  RELAY_OUT[$name]=$fd
  RELAY_FDS+=("$fd")
  read -r -t 10 line <&"${RELAY_OUT[$name]}" || fail "relay $name: $(cat "$SANDBOX_DIR/relay-$name.err")"
  [[ $line == "listening on 127.0.0.1:$2" ]] || fail "relay $name: $line"
}
# Stopped by a signal, not by closing its stdin: every process started after it (the card keeper
# of `terminal unlock` among them) inherits a copy of the FIFO's write end.
stop_relay() {  # NAME
  local fd=${RELAY_IN[$1]}
  kill "${RELAY_PID[$1]}" 2>/dev/null || true
  wait "${RELAY_PID[$1]}" 2>/dev/null || true
  exec {fd}>&-
  fd=${RELAY_OUT[$1]}
  exec {fd}<&-
}
RELAY_UP=0
RELAY_DOWN=0
relay_bytes() {  # NAME: RELAY_UP and RELAY_DOWN since the last call ("bytes: U up, D down")
  local word1 up word3 down
  echo bytes >&"${RELAY_IN[$1]}"
  read -r -t 10 word1 up word3 down _ <&"${RELAY_OUT[$1]}" || fail "relay $1 does not answer"
  [[ $word1 == bytes: ]] || fail "relay $1: $word1 $up $word3 $down"
  RELAY_UP=$up
  RELAY_DOWN=${down}
}

# --- the world ----------------------------------------------------------------------------------
setup_cgroup
calibrate_cpu
((CALIBRATE_ONLY)) && exit 0
start_both_cards
WORLD=$SANDBOX_DIR/world
PIN1=80615243 PIN2=91726354 ACCESS_PIN=70581694
HOME_PORT=$(free_port)      # the home server
HOME_LINK_PORT=$(free_port) # the terminal's relay to it: the address on the access card
NGINX_PORT=$(free_port)     # nginx itself
SHOP_PORT=$(free_port)      # the shop's port in every URL: the home server's relay to nginx
TERMINAL_SHOP_PORT=$(free_port)  # the terminal's relay to nginx (port map SHOP_PORT -> this)
"$HP_PROVISION" --out "$WORLD" --home-reader "$HOME_READER" --access-reader "$ACCESS_READER" \
  --home-address "127.0.0.1:$HOME_LINK_PORT" --profile laptop --home-pin1 "$PIN1" \
  --home-pin2 "$PIN2" --access-pin "$ACCESS_PIN" >"$SANDBOX_DIR/provision.out" || fail "hp_provision"

# Shop names: a new one per first visit (the home server has no session for it), one usual shop.
# All resolve to 127.0.0.1 in this mount namespace's own /etc/hosts.
SHOP_NAMES=(usual.shops.test)
for profile in $PROFILES; do
  for ((i = 1; i <= RUNS; i++)); do
    SHOP_NAMES+=("first-$profile-$i.shops.test" "first-agent-$profile-$i.shops.test")
  done
done
{
  echo "127.0.0.1 localhost"
  echo "::1 localhost"
  for name in "${SHOP_NAMES[@]}"; do echo "127.0.0.1 $name"; done
} >"$SANDBOX_DIR/hosts"
mount --bind "$SANDBOX_DIR/hosts" /etc/hosts || fail "cannot bind-mount a private /etc/hosts"

# The shop's certificate for every name (mbedTLS matches the wildcard SAN), from the world's CA;
# the conventional terminal's own key and certificate from the same CA (nginx trusts ca.pem).
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=usual.shops.test" \
  -keyout "$WORLD/bench-shop.key" -out "$SANDBOX_DIR/bench-shop.csr" 2>/dev/null || fail "shop key"
printf 'subjectAltName = DNS:*.shops.test, DNS:localhost\nextendedKeyUsage = serverAuth\n' \
  >"$SANDBOX_DIR/shop.ext"
openssl x509 -req -in "$SANDBOX_DIR/bench-shop.csr" -CA "$WORLD/ca.pem" -CAkey "$WORLD/ca.key" \
  -CAcreateserial -days 2 -extfile "$SANDBOX_DIR/shop.ext" -out "$WORLD/bench-shop.pem" 2>/dev/null ||
  fail "shop certificate"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=conventional terminal user" -keyout "$WORLD/conventional.key" \
  -out "$SANDBOX_DIR/conventional.csr" 2>/dev/null || fail "conventional key"
printf 'extendedKeyUsage = clientAuth\n' >"$SANDBOX_DIR/user.ext"
openssl x509 -req -in "$SANDBOX_DIR/conventional.csr" -CA "$WORLD/ca.pem" -CAkey "$WORLD/ca.key" \
  -CAcreateserial -days 2 -extfile "$SANDBOX_DIR/user.ext" -out "$WORLD/conventional.pem" \
  2>/dev/null || fail "conventional certificate"

# --- nginx: the shop, a fixed 2 KB page ---------------------------------------------------------
NGINX_DIR=$SANDBOX_DIR/nginx
mkdir -p "$NGINX_DIR/www"
# Base64 text without line breaks: it goes into nginx.conf as a string (the newline is added there).
head -c 1536 /dev/urandom | base64 -w 0 | head -c 2047 >"$NGINX_DIR/www/page.html"
echo >>"$NGINX_DIR/www/page.html"
PAGE_SIZE=$(stat -c %s "$NGINX_DIR/www/page.html")
((PAGE_SIZE == 2048)) || fail "the page is $PAGE_SIZE bytes, not 2048"
cat >"$NGINX_DIR/nginx.conf" <<EOF
# Written by run_standby_bench.sh: hp_provision's nginx-shop.conf settings, a static 2 KB page.
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 256; }
http {
    access_log $NGINX_DIR/access.log;
    client_body_temp_path $NGINX_DIR/client_body;
    proxy_temp_path $NGINX_DIR/proxy;
    fastcgi_temp_path $NGINX_DIR/fastcgi;
    uwsgi_temp_path $NGINX_DIR/uwsgi;
    scgi_temp_path $NGINX_DIR/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $WORLD/bench-shop.pem;
        ssl_certificate_key $WORLD/bench-shop.key;
        ssl_protocols TLSv1.2;
        ssl_client_certificate $WORLD/ca.pem;
        ssl_verify_client on;
        ssl_session_cache shared:homeproxy:10m;
        ssl_session_timeout 5m;
        ssl_session_tickets off;
        default_type text/html;
        # From memory: nginx's worker (nobody) cannot read the sandbox folder (0700).
        location = /page.html { return 200 "$(cat "$NGINX_DIR/www/page.html")\n"; }
    }
}
EOF
"$NGINX" -p "$NGINX_DIR" -c nginx.conf -e "$NGINX_DIR/error.log" -t >"$NGINX_DIR/test.out" 2>&1 ||
  fail "nginx refused the configuration: $(cat "$NGINX_DIR/test.out")"
"$NGINX" -p "$NGINX_DIR" -c nginx.conf -e "$NGINX_DIR/error.log" -g 'daemon off;' \
  >"$NGINX_DIR/stdout.log" 2>&1 &
sandbox_track $!
wait_listening "$NGINX_PORT" || fail "nginx does not listen"

# --- the home server: listens on HOME_PORT behind the terminal's relay; every shop name allowed ---
python3 - "$WORLD/home_server.json" "$HOME_PORT" "${SHOP_NAMES[@]}" <<'PY'
import json, sys
path, port, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
config = json.load(open(path))
config["listen_port"] = port
config["relay"]["shops"] = sorted(set(config["relay"]["shops"]) | set(names))
json.dump(config, open(path, "w"), indent=2)
PY
"$HOME_SERVER" --config "$WORLD/home_server.json" </dev/null >>"$SANDBOX_DIR/home_server.log" 2>&1 &
sandbox_track $!
wait_listening "$HOME_PORT" || fail "the home server did not start"
for _ in $(seq 50); do [[ -S $WORLD/home_server.sock ]] && break; sleep 0.1; done
enter_pin1 "$HOME_SERVER" "$WORLD/home_server.sock" "$PIN1" >"$SANDBOX_DIR/pin1.log" 2>&1 ||
  fail "PIN1: $(cat "$SANDBOX_DIR/pin1.log")"

# --- the measured command ---------------------------------------------------------------------------
T=("$TERMINAL" --reader "$ACCESS_READER")
MEASURED_MS=""
MEASURED_CPU_MS=""
MEASURED_CGROUP_US=""
# CHILDREN_CPU_MS: the CPU time (user + system, ms) of this shell's finished children so far, from
# the builtin `times` run in this shell (in a $(...) subshell it would see its own, zero).
CHILDREN_CPU_MS=0
children_cpu_ms() {
  local line="" part total=0
  times >"$SANDBOX_DIR/times.out"
  { read -r _ && read -r line; } <"$SANDBOX_DIR/times.out"
  for part in $line; do  # "0m1.553s 0m0.792s"
    [[ $part =~ ^([0-9]+)m([0-9]+)\.([0-9]{3})s$ ]] || continue
    total=$((total + BASH_REMATCH[1] * 60000 + 10#${BASH_REMATCH[2]} * 1000 + 10#${BASH_REMATCH[3]}))
  done
  CHILDREN_CPU_MS=$total
}
# measured NAME CMD...: runs CMD as the user's command (in the CPU cgroup, the terminal's shop
# connections mapped to its own link); MEASURED_MS is its wall time, stdout/stderr kept as NAME.*
measured() {
  local name=$1 start end status=0 cpu_before cgroup_before
  shift
  children_cpu_ms
  cpu_before=$CHILDREN_CPU_MS
  cgroup_cpu_ns
  cgroup_before=$CGROUP_CPU_NS
  start=${EPOCHREALTIME/./}  # microseconds
  LD_PRELOAD=$PORT_MAP HP_BENCH_PORT_MAP="$SHOP_PORT:$TERMINAL_SHOP_PORT" \
    sh -c 'echo $$ >"$0" && echo $$ >"$1" && shift && exec "$@"' \
    "$CGROUP/cgroup.procs" "$ACCT_CGROUP/cgroup.procs" "$@" \
    >"$SANDBOX_DIR/runs/$name.page" 2>"$SANDBOX_DIR/runs/$name.err" || status=$?
  end=${EPOCHREALTIME/./}
  cgroup_cpu_ns
  MEASURED_CGROUP_US=$(((CGROUP_CPU_NS - cgroup_before) / 1000))
  MEASURED_MS=$(((end - start) / 1000)).$((((end - start) / 100) % 10))
  children_cpu_ms
  MEASURED_CPU_MS=$((CHILDREN_CPU_MS - cpu_before))
  ((status == 0)) || fail "$name exited $status: $(tail -n 3 "$SANDBOX_DIR/runs/$name.err")"
  cmp -s "$SANDBOX_DIR/runs/$name.page" "$NGINX_DIR/www/page.html" ||
    fail "$name: not the 2 KB page: $(head -c 200 "$SANDBOX_DIR/runs/$name.page")"
}
mkdir -p "$SANDBOX_DIR/runs"

# --- the modes ----------------------------------------------------------------------------------
# RUN_NAME is set for every run (PROFILE-MODE-RUN); prepare_* is not measured.
prepare_conventional() { :; }
run_conventional() {
  # The terminal's own key and certificate; it connects to its link's relay (SNI = the shop).
  measured "$RUN_NAME" "$CONVENTIONAL" usual.shops.test "$TERMINAL_SHOP_PORT" "$WORLD/ca.pem" \
    "$WORLD/conventional.pem" "$WORLD/conventional.key" /page.html
}
prepare_first() { :; }
run_first() {
  measured "$RUN_NAME" "${T[@]}" -v get "https://first-$PROFILE-$1.shops.test:$SHOP_PORT/page.html"
  grep -q ": new" "$SANDBOX_DIR/runs/$RUN_NAME.err" ||
    fail "$RUN_NAME: not a first visit: $(cat "$SANDBOX_DIR/runs/$RUN_NAME.err")"
}
USUAL_URL=""
USUAL_WARMED=0
# The usual shop's session must be cached at home and younger than the home server's 300 s
# limit less the 5 s a terminal needs left: refreshed (a visit, not measured) every 200 s.
warm_usual() {
  if ((SECONDS - USUAL_WARMED > 200)); then
    "${T[@]}" get "$USUAL_URL" >/dev/null 2>&1 || fail "warming the usual shop"
    USUAL_WARMED=$SECONDS
    # The home server's answer to the channel's close comes a round trip after the command
    # ended: let it pass before the next run's counters start.
    sleep 0.4
  fi
}
prepare_cached() { warm_usual; }
run_cached() {
  measured "$RUN_NAME" "${T[@]}" -v get "$USUAL_URL"
  grep -q ": cached" "$SANDBOX_DIR/runs/$RUN_NAME.err" ||
    fail "$RUN_NAME: not a cached visit: $(cat "$SANDBOX_DIR/runs/$RUN_NAME.err")"
}
prepare_relay() { warm_usual; }
run_relay() { measured "$RUN_NAME" "${T[@]}" -v get --relay "$USUAL_URL"; }
# The user unlocks and gives PIN2 before (not measured). What `unlock` leaves running (the agent,
# or the card keeper under HOMEPROXY_NO_AGENT) runs on the phone's CPU too: into the cgroup.
unlock_terminal() {
  printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
  printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
  local proc terminal
  terminal=$(realpath "$TERMINAL")
  for proc in /proc/[0-9]*; do
    if [[ $(readlink "$proc/exe" 2>/dev/null) == "$terminal" ]]; then
      join_cgroup "${proc#/proc/}" 2>/dev/null || true
    fi
  done
}
# The agent's modes (issue 12): `unlock` started the agent, which holds the channel and the
# usual shops' hand-outs. agent-first: a shop never visited, named a usual shop in the terminal
# config before a new unlock (not measured), so the agent prepared its session; the visit must
# be served from the agent's hand-out. agent-cached / agent-relay force the mode, agent-default
# lets the terminal choose.
export HOMEPROXY_TERMINAL_CONFIG=$SANDBOX_DIR/terminal.conf
: >"$HOMEPROXY_TERMINAL_CONFIG"
prepare_agent-first() {
  echo "usual-shop first-agent-$PROFILE-$1.shops.test:$SHOP_PORT" >"$HOMEPROXY_TERMINAL_CONFIG"
  "${T[@]}" lock >/dev/null || fail "lock"
  unlock_terminal
  local _
  for _ in $(seq 50); do  # until the agent holds the prepared session (agent.hello would say)
    "${T[@]}" sessions 2>/dev/null | grep -q "first-agent-$PROFILE-$1" && break
    sleep 0.1
  done
  USUAL_WARMED=-1000
  warm_usual
}
run_agent-first() {
  measured "$RUN_NAME" "${T[@]}" -v get --delegate "https://first-agent-$PROFILE-$1.shops.test:$SHOP_PORT/page.html"
  grep -q "held by the agent" "$SANDBOX_DIR/runs/$RUN_NAME.err" ||
    fail "$RUN_NAME: not a prepared session: $(cat "$SANDBOX_DIR/runs/$RUN_NAME.err")"
}
prepare_agent-cached() { warm_usual; }
run_agent-cached() { measured "$RUN_NAME" "${T[@]}" -v get --delegate "$USUAL_URL"; }
prepare_agent-relay() { warm_usual; }
run_agent-relay() { measured "$RUN_NAME" "${T[@]}" -v get --relay "$USUAL_URL"; }
prepare_agent-default() { warm_usual; }
run_agent-default() { measured "$RUN_NAME" "${T[@]}" -v get "$USUAL_URL"; }
# The round trips each mode's protocol waits for, "TERMINAL_LINKS HOME_SHOP" (TCP handshakes
# included: the relays' --syn-rtt), for the table's computed "bound" column; a --modes-file
# mode may add its own (ROUND_TRIPS[MODE]="3 0"), "best-of A B" is the lesser bound of rows A
# and B. Checked against --trace (docs/benchmarks.md "Round trips decide it").
declare -A ROUND_TRIPS=(
  [conventional]="4 0"   # TCP; ClientHello -> certificate; client flight -> Finished; GET -> page
  [first]="6 3"          # as cached; session.open waits for the home server's TCP + full handshake
  [cached]="6 0"         # TCP home; channel resumption; session.open; TCP shop; abbreviated; GET
  [relay]="3 1"          # TCP home; channel resumption; relay.request -> page (home: GET, warm)
  [agent-first]="3 0"    # TCP shop; abbreviated handshake; GET -> page
  [agent-cached]="3 0"
  [agent-relay]="1 1"    # relay.request on the agent's channel; the home server's GET (warm)
  [agent-default]="best-of agent-cached agent-relay"
)
# shellcheck disable=SC1090
[[ -n $MODES_FILE ]] && source "$MODES_FILE"
for mode in $MODES; do
  declare -F "run_$mode" >/dev/null || fail "mode $mode: no run_$mode (see --modes-file)"
  declare -F "prepare_$mode" >/dev/null || eval "prepare_$mode() { :; }"
done

# --- the runs -----------------------------------------------------------------------------------
CSV=$OUT/standby.csv
echo "profile,mode,run,ms,cpu_ms,cgroup_cpu_us,term_home_up,term_home_down,term_shop_up,term_shop_down,home_shop_up,home_shop_down" >"$CSV"
LOAD_BEFORE=$(uptime)
say "load before: $LOAD_BEFORE"
declare -A THROTTLED
declare -A PROFILE_LINKS  # PROFILE -> "TERM_ONE_WAY_MS TERM_KBIT SHOP_ONE_WAY_MS SHOP_KBIT" (0 kbit: no limit)
for PROFILE in $PROFILES; do
  case $PROFILE in
    phone) term_ms=75 term_kbit=1000 shop_ms=10 shop_kbit=50000 cpu=5 ;;
    # The phone's links with this machine's full CPU: what the CPU quota itself costs.
    phone-fullcpu) term_ms=75 term_kbit=1000 shop_ms=10 shop_kbit=50000 cpu=max ;;
    laptop) term_ms=10 term_kbit=0 shop_ms=10 shop_kbit=0 cpu=max ;;
    *) fail "unknown profile $PROFILE (phone, phone-fullcpu, laptop)" ;;
  esac
  PROFILE_LINKS[$PROFILE]="$term_ms $term_kbit $shop_ms $shop_kbit"
  start_relay home "$HOME_LINK_PORT" "$HOME_PORT" "$term_ms" "$term_kbit" "$term_kbit"
  start_relay tshop "$TERMINAL_SHOP_PORT" "$NGINX_PORT" "$term_ms" "$term_kbit" "$term_kbit"
  start_relay hshop "$SHOP_PORT" "$NGINX_PORT" "$shop_ms" "$shop_kbit" "$shop_kbit"
  USUAL_URL="https://usual.shops.test:$SHOP_PORT/page.html"
  throttled_before=$(throttled_count)
  # Two passes: the modes without the agent (HOMEPROXY_NO_AGENT=1 from `unlock` on: each command
  # opens its own channel), then the agent-* modes with the agent `unlock` starts.
  for pass in noagent agent; do
    pass_modes=""
    for mode in $MODES; do
      if [[ $mode == agent-* ]]; then
        [[ $pass == agent ]] && pass_modes+=" $mode"
      else
        [[ $pass == noagent ]] && pass_modes+=" $mode"
      fi
    done
    [[ -n $pass_modes ]] || continue
    if [[ $pass == noagent ]]; then export HOMEPROXY_NO_AGENT=1; else unset HOMEPROXY_NO_AGENT; fi
    unlock_terminal
    USUAL_WARMED=-1000
    warm_usual
    set_quota "$cpu"
    for ((run = 1; run <= RUNS; run++)); do
      for mode in $pass_modes; do
        RUN_NAME=$PROFILE-$mode-$run
        "prepare_$mode" "$run"
        for link in home tshop hshop; do relay_bytes "$link"; done
        "run_$mode" "$run"
        sleep 0.2  # the links drain (the shop's close_notify is counted too)
        line="$PROFILE,$mode,$run,$MEASURED_MS,$MEASURED_CPU_MS,$MEASURED_CGROUP_US"
        for link in home tshop hshop; do
          relay_bytes "$link"
          line+=",$RELAY_UP,$RELAY_DOWN"
        done
        echo "$line" >>"$CSV"
      done
      say "$PROFILE run $run/$RUNS: $(tail -n "$(wc -w <<<"$pass_modes")" "$CSV" | cut -d, -f2,4 | tr '\n' ' ')"
    done
    set_quota max
    "${T[@]}" lock >/dev/null || fail "lock"
  done
  unset HOMEPROXY_NO_AGENT
  THROTTLED[$PROFILE]=$(($(throttled_count) - throttled_before))
  for link in home tshop hshop; do stop_relay "$link"; done
done
LOAD_AFTER=$(uptime)
say "load after: $LOAD_AFTER"

# --- the table and the chart ----------------------------------------------------------------------
LINKS_ARG=""
for PROFILE in $PROFILES; do LINKS_ARG+="$PROFILE ${PROFILE_LINKS[$PROFILE]};"; done
RT_ARG=""
for mode in "${!ROUND_TRIPS[@]}"; do RT_ARG+="$mode ${ROUND_TRIPS[$mode]};"; done
{
  echo "Stand-by of one 2 KB page, $RUNS runs per row, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
  echo "shared with other builds: load before \`${LOAD_BEFORE##*load average: }\`, after \`${LOAD_AFTER##*load average: }\`."
  for PROFILE in $PROFILES; do
    echo "CPU periods the $PROFILE commands were throttled in: ${THROTTLED[$PROFILE]} (cgroup $CGROUP_KIND, quota $((CPU_PERIOD_US / 20)) us / period $CPU_PERIOD_US us)."
  done
  echo
  echo "CPU calibration (tools/bench/cpu_burst, this run): what the quota does to bursts of fixed work."
  echo
  echo "$CALIBRATION"
  echo
  python3 - "$CSV" "$OUT/standby.dat" "$LINKS_ARG" "$RT_ARG" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
links = {w[0]: [float(x) for x in w[1:]] for w in (p.split() for p in sys.argv[3].split(";")) if w}
trips = {w[0]: w[1:] for w in (p.split() for p in sys.argv[4].split(";")) if w}
def pct(values, p):  # nearest rank
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]
groups = {}
for r in rows:
    groups.setdefault((r["profile"], r["mode"]), []).append(r)
def med_bytes(rs, keys):
    return pct([sum(int(r[k]) for k in keys) for r in rs], 50)
TERM = ["term_home_up", "term_home_down", "term_shop_up", "term_shop_down"]
HOME = ["home_shop_up", "home_shop_down"]
def bound(profile, mode):
    """Least stand-by of the mode's protocol on the profile's links: its round trips x RTT plus
    its median bytes serialised at the link's rate (flights wait for each other), 0 CPU."""
    t = trips.get(mode)
    rs = groups.get((profile, mode))
    if not t or profile not in links:
        return None
    if t[0] == "best-of":
        found = [b for b in (bound(profile, m) for m in t[1:]) if b is not None]
        return min(found) if found else None
    if not rs:
        return None
    term_ms, term_kbit, shop_ms, shop_kbit = links[profile]
    ms = int(t[0]) * 2 * term_ms + int(t[1]) * 2 * shop_ms
    if term_kbit:
        ms += med_bytes(rs, TERM) * 8 / term_kbit
    if shop_kbit:
        ms += med_bytes(rs, HOME) * 8 / shop_kbit
    return ms
print("| profile | mode | runs | stand-by median ms | p95 ms | min ms | conventional / this (medians) "
      "| bound ms (computed) | median / bound | terminal-side CPU ms (cgroup, median) "
      "| command CPU ms (`times`, median) | bytes on terminal links per page | of which control channel "
      "| home<->shop bytes |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
dat = open(sys.argv[2], "w")
for (profile, mode), rs in groups.items():
    ms = [float(r["ms"]) for r in rs]
    chan = [int(r["term_home_up"]) + int(r["term_home_down"]) for r in rs]
    conv = groups.get((profile, "conventional"))
    ratio = ""
    if conv and mode != "conventional":
        ratio = "%.2f" % (pct([float(r["ms"]) for r in conv], 50) / pct(ms, 50))
    b = bound(profile, mode)
    cg = [int(r["cgroup_cpu_us"]) / 1000 for r in rs]
    cpu = [int(r["cpu_ms"]) for r in rs]
    print("| %s | %s | %d | %.0f | %.0f | %.0f | %s | %s | %s | %.2f | %d | %d | %d | %d |" % (
        profile, mode, len(rs), pct(ms, 50), pct(ms, 95), min(ms), ratio,
        "%.0f" % b if b is not None else "", "%.2f" % (pct(ms, 50) / b) if b else "",
        pct(cg, 50), pct(cpu, 50), med_bytes(rs, TERM), pct(chan, 50), med_bytes(rs, HOME)))
    dat.write("%s %s %.1f %.1f %.1f %d %.1f\n" % (profile, mode, pct(ms, 50), pct(ms, 50), pct(ms, 95),
                                                  med_bytes(rs, TERM), b if b is not None else 0))
print()
print("bound: computed, not measured: the round trips the row's protocol waits for on each link "
      "(run_standby_bench.sh ROUND_TRIPS) x that link's RTT, plus the row's median bytes on the "
      "link / its rate; no CPU, no card, no process start. agent-default: the lesser bound of its "
      "two choices.")
for profile in links:
    conv = groups.get((profile, "conventional"))
    default = bound(profile, "agent-default")
    if conv and default:
        print("%s: best possible conventional / agent-default = %.2f (conventional's measured median / "
              "agent-default's bound); %.2f (bound / bound)." % (
                  profile, pct([float(r["ms"]) for r in conv], 50) / default,
                  bound(profile, "conventional") / default))
# What a CPU really 20x slower would add: the row's terminal-side CPU at full speed x 19 (every
# ms of it on the critical path, none hidden behind a network wait): modelled, not measured.
if any(p == "phone-fullcpu" for p, _ in groups):
    print()
    print("| mode | phone-fullcpu median ms | terminal-side CPU ms (cgroup) | modelled, a CPU 20x slower: + 19 x CPU | phone (quota) median ms |")
    print("|---|---|---|---|---|")
    for (profile, mode), rs in groups.items():
        if profile != "phone-fullcpu":
            continue
        med = pct([float(r["ms"]) for r in rs], 50)
        cg = pct([int(r["cgroup_cpu_us"]) / 1000 for r in rs], 50)
        phone = groups.get(("phone", mode))
        print("| %s | %.0f | %.2f | %.0f | %s |" % (mode, med, cg, med + 19 * cg,
              "%.0f" % pct([float(r["ms"]) for r in phone], 50) if phone else ""))
PY
} >"$OUT/standby.md"
cat "$OUT/standby.md"

if ((TRACE)); then
  python3 "$HERE/standby_trace.py" "$CSV" "$SANDBOX_DIR"/relay-{home,tshop,hshop}.err \
    >"$OUT/standby_trace.txt" || fail "standby_trace.py"
  say "round trips: $OUT/standby_trace.txt"
fi

if command -v gnuplot >/dev/null 2>&1; then
  n=0
  for _ in $PROFILES; do n=$((n + 1)); done
  {
    echo "set terminal pngcairo size $((480 * n + 80)),520 noenhanced"
    echo "set output '$OUT/standby.png'"
    echo "set multiplot layout 1,$n title 'homeproxy stand-by: one 2 KB page, median (bar) and p95 (whisker), $RUNS runs; grey: bound of the protocol (computed)'"
    echo "set style data histograms"
    echo "set style histogram errorbars lw 1.5"
    echo "set style fill solid 0.8 border -1"
    echo "set boxwidth 0.8"
    echo "set grid ytics"
    echo "set yrange [0:*]"
    echo "set ylabel 'ms'"
    echo "set key top right"
    echo "set xtics rotate by 35 right"
    echo "set bmargin 6"
    for PROFILE in $PROFILES; do
      if [[ $PROFILE == phone ]]; then
        echo "set title 'phone: 150 ms RTT, 1 Mbit/s, CPU quota 5 %'"
      elif [[ $PROFILE == phone-fullcpu ]]; then
        echo "set title 'phone links, full CPU'"
      else
        echo "set title 'laptop: 20 ms RTT, full CPU'"
      fi
      echo "plot \"< grep '^$PROFILE ' $OUT/standby.dat\" using 3:4:5:xtic(2) title 'measured' lc rgb '#4477aa', '' using 7:7:7 title 'bound (computed)' lc rgb '#bbbbbb'"
    done
    echo "unset multiplot"
  } | gnuplot && say "chart: $OUT/standby.png"
else
  say "gnuplot not installed: no chart (apt-get install -y gnuplot-nox)"
fi

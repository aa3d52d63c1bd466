#!/bin/bash
# run_purse_bench.sh BUILD_DIR [OUT_DIR]: e-money payments end to end through the proxy facility
# (issue 4, docs/benchmarks.md "E-money"), in the live world of tests/emoney_live (emoney_world.sh:
# a private pcscd with the real homecard and accesscard processes, hp_provision, shop_server,
# bank_server, aiosmtpd, the home server), all on 127.0.0.1 with kernel-chosen ports.
#
# The purse is topped up once (1000.00 EUR, its maximum); then "tea" (3.50 EUR) is bought:
#   (a) sequential: one `terminal buy` process per payment (process start, the access card, the
#       channel's ticket resumption, the order, purse.pay, the payment's hand-over to the shop);
#   (b) held channel: `terminal buy --repeat N`, N payments in one process over one channel;
#   (c) relay: the same with --relay (the home server talks to the shop for the terminal).
# Each mode starts with one unmeasured payment (the first session with the shop costs a card
# signature). Per payment the terminal's -v lines give the order, purse.pay (the home server's
# checks and the card's DEBIT) and the shop taking the record; (a) also has the process wall
# time. Afterwards the card, the shop and the bank must add up (conservation) or the run fails.
# Then bench_purse_debit gives the card's own time per DEBIT (memory and file storage).
#
# Builds nothing; needs the targets named below. Counts: HP_PURSE_BENCH_SEQ (default 40),
# HP_PURSE_BENCH_HELD (100), HP_PURSE_BENCH_RELAY (100); they must fit 1000.00 EUR at 3.50.
# Everything started here stops at exit (sandbox.sh's EXIT trap), also on failure or Ctrl-C.
set -euo pipefail
usage="usage: tools/bench/run_purse_bench.sh BUILD_DIR [OUT_DIR]"
BUILD=$(realpath "${1:?$usage}")
OUT=${2:-$BUILD/purse-bench}
HERE=$(dirname "$(realpath "$0")")

SEQ=${HP_PURSE_BENCH_SEQ:-40}
HELD=${HP_PURSE_BENCH_HELD:-100}
RELAY=${HP_PURSE_BENCH_RELAY:-100}
PRICE=350        # tea, minor units (emoney_world.sh's catalogue)
TOPUP=100000     # the purse's maximum (emoney_world.sh's hp_provision --max-balance)
BUYS=$((SEQ + HELD + RELAY + 3))  # + one warm-up payment per mode
((BUYS * PRICE <= TOPUP)) || {
  echo "run_purse_bench: $BUYS payments of $PRICE exceed the top-up of $TOPUP" >&2
  exit 2
}

BENCH_NAME=run_purse_bench
BENCH_MORE=(DEBIT_BENCH=tools/bench/bench_purse_debit)
# shellcheck source=tools/bench/bench_prelude.sh
source "$HERE/bench_prelude.sh"

fail() { fail_showing_logs run_purse_bench "home_server.log shop.log bank.log" "$@"; }

# The raw figures survive the sandbox's clean-up.
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
# shellcheck disable=SC2016  # expanded by sandbox.sh's EXIT trap
SANDBOX_ON_EXIT='cp "$SANDBOX_DIR"/*.log "$OUT"/ 2>/dev/null || true'

emoney_world_start 300000
T=("$TERMINAL" --reader "$ACCESS_READER")
SHOP="https://localhost:$SHOP_PORT/"
BANK="https://localhost:$BANK_PORT"
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
"${T[@]}" topup "$BANK" alice "$((TOPUP / 100)).$(printf '%02d' $((TOPUP % 100)))" \
  >/dev/null 2>"$OUT/topup.err" || fail "topup: $(cat "$OUT/topup.err")"

now_us() { echo $(($(date +%s%N) / 1000)); }

# CPU time of the world's processes (user + system, every thread, exited ones included: the
# fields 14 and 15 of /proc/PID/stat, in clock ticks), one "NAME TICKS" line each, so a mode's
# CPU per payment is split by process. The terminal's own CPU comes from bash's `time`.
cpu_snapshot() {  # FILE
  local pid
  : >"$1"
  for pid in "${SANDBOX_PIDS[@]}"; do
    [[ -r /proc/$pid/stat ]] || continue
    echo "$(cat "/proc/$pid/comm") $(awk '{ print $14 + $15 }' "/proc/$pid/stat")" >>"$1"
  done
}
TIMEFORMAT='%3U %3S'

echo "run_purse_bench: (a) $SEQ sequential terminal processes" >&2
"${T[@]}" buy "$SHOP" tea >/dev/null 2>"$OUT/warmup-a.err" || fail "warm-up: $(cat "$OUT/warmup-a.err")"
: >"$OUT/seq_wall_us.txt"
: >"$OUT/seq.err"
: >"$OUT/seq_terminal_cpu.txt"
cpu_snapshot "$OUT/seq_cpu_before.txt"
START=$(now_us)
for ((i = 0; i < SEQ; ++i)); do
  t0=$(now_us)
  { time "${T[@]}" -v buy "$SHOP" tea >/dev/null 2>>"$OUT/seq.err"; } 2>>"$OUT/seq_terminal_cpu.txt" ||
    fail "buy $i: $(tail -3 "$OUT/seq.err")"
  echo $(($(now_us) - t0)) >>"$OUT/seq_wall_us.txt"
done
SEQ_TOTAL_US=$(($(now_us) - START))
cpu_snapshot "$OUT/seq_cpu_after.txt"

held_run() {  # NAME COUNT [--relay]: one warm-up payment, then COUNT in one process
  local name=$1 count=$2
  shift 2
  "${T[@]}" buy "$SHOP" tea "$@" >/dev/null 2>"$OUT/warmup-$name.err" ||
    fail "warm-up: $(cat "$OUT/warmup-$name.err")"
  local t0
  cpu_snapshot "$OUT/${name}_cpu_before.txt"
  t0=$(now_us)
  { time "${T[@]}" -v buy "$SHOP" tea --repeat "$count" "$@" >/dev/null 2>"$OUT/$name.err"; } \
    2>"$OUT/${name}_terminal_cpu.txt" || fail "buy --repeat $count $*: $(tail -3 "$OUT/$name.err")"
  echo $(($(now_us) - t0)) >"$OUT/${name}_total_us.txt"
  cpu_snapshot "$OUT/${name}_cpu_after.txt"
}
echo "run_purse_bench: (b) $HELD payments over one held channel" >&2
held_run held "$HELD"
echo "run_purse_bench: (c) $RELAY payments over one channel, relay mode" >&2
held_run relay "$RELAY" --relay

# Conservation (docs/emoney.md): card = bank settled - shop paid, every paid order is one of
# ours, the bank's account lost exactly what it settled, and the card's txn counter counts
# the top-up and every payment.
"${T[@]}" balance >"$OUT/balance.out" || fail "balance"
CARD=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", open(sys.argv[1]).read()); print(int(m.group(1))*100+int(m.group(2)))' "$OUT/balance.out")
SETTLED=$(sql "$WORLD/bank.db" "SELECT SUM(amount) FROM vouchers WHERE status='settled'")
ACCOUNT=$(sql "$WORLD/bank.db" "SELECT balance FROM accounts WHERE id='alice'")
UNSETTLED=$(sql "$WORLD/bank.db" "SELECT COUNT(*) FROM vouchers WHERE status<>'settled'")
PAID=$(sql "$WORLD/shop.db" "SELECT SUM(amount) FROM orders WHERE status='paid'")
PAID_COUNT=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status='paid'")
OTHER=$(sql "$WORLD/shop.db" "SELECT COUNT(*) FROM orders WHERE status<>'paid'")
"${T[@]}" history >"$OUT/history.out" || fail "history"
LAST_TXN=$(grep -E "^ *[0-9]+ +20[0-9][0-9]-" "$OUT/history.out" | awk '{ print $1 }' | sort -n | tail -1)
echo "run_purse_bench: card $CARD, bank settled $SETTLED (account $ACCOUNT of $BANK_START)," \
  "shop paid $PAID in $PAID_COUNT orders ($OTHER others), last txn $LAST_TXN" >&2
((SETTLED == TOPUP && UNSETTLED == 0)) || fail "bank: settled $SETTLED, $UNSETTLED unsettled vouchers"
((ACCOUNT == BANK_START - SETTLED)) || fail "bank: account $ACCOUNT != $BANK_START - $SETTLED"
((PAID_COUNT == BUYS && OTHER == 0)) || fail "shop: $PAID_COUNT paid orders and $OTHER others, expected $BUYS paid"
((PAID == BUYS * PRICE)) || fail "shop: paid $PAID, expected $BUYS x $PRICE"
((CARD == SETTLED - PAID)) || fail "conservation: card $CARD != bank settled $SETTLED - shop paid $PAID"
((LAST_TXN == BUYS + 1)) || fail "card: last txn $LAST_TXN, expected $((BUYS + 1)) (top-up + $BUYS payments)"
"${T[@]}" finish >/dev/null || fail "finish"
"${T[@]}" lock >/dev/null || fail "lock"

echo "run_purse_bench: card time per DEBIT (bench_purse_debit)" >&2
mkdir -p "$SANDBOX_DIR/debit"
"$DEBIT_BENCH" --dir "$SANDBOX_DIR/debit" >"$OUT/debit.txt" || fail "bench_purse_debit"
LOAD_AFTER=$(uptime)

python3 - "$OUT" "$SEQ_TOTAL_US" "$LOAD_BEFORE" "$LOAD_AFTER" "$(getconf CLK_TCK)" <<'PY' |
import re, statistics, sys
out, seq_total_us, load_before, load_after = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ticks_per_s = int(sys.argv[5])

def pct(values, p):  # nearest rank
    s = sorted(values)
    return s[max(0, -(-len(s) * p // 100) - 1)]

# Per payment, from the -v lines: order, purse.pay, the shop taking the record (ms).
phases = {"order": re.compile(r"order \S+ at \S+ \(([\d.]+) ms\)"),
          "pay": re.compile(r"purse paid order \S+, txn \d+ \(([\d.]+) ms\)"),
          "shop": re.compile(r"shop took the payment for order \S+ \(([\d.]+) ms\)")}
def parse(name):
    text = open(f"{out}/{name}.err").read()
    got = {k: [float(v) for v in r.findall(text)] for k, r in phases.items()}
    n = len(got["shop"])
    assert all(len(v) == n for v in got.values()), f"{name}: incomplete -v lines"
    got["sum"] = [a + b + c for a, b, c in zip(got["order"], got["pay"], got["shop"])]
    return got

rows = []
def row(label, count, total_s, latency_ms, got):
    rows.append((label, count, count / total_s, statistics.median(latency_ms), pct(latency_ms, 95),
                 statistics.median(got["order"]), statistics.median(got["pay"]),
                 statistics.median(got["shop"])))

seq = parse("seq")
wall_ms = [int(l) / 1000 for l in open(f"{out}/seq_wall_us.txt")]
row("(a) one process per payment", len(wall_ms), seq_total_us / 1e6, wall_ms, seq)
for name, label in (("held", "(b) one process, channel held"), ("relay", "(c) the same, relay mode")):
    got = parse(name)
    total_s = int(open(f"{out}/{name}_total_us.txt").read()) / 1e6
    row(label, len(got["sum"]), total_s, got["sum"], got)

print("E-money payments end to end through the proxy (tea, 3.50 EUR; warm shop session)")
print("| mode | payments | payments/s | latency median ms | p95 ms | order ms | purse.pay ms | shop check ms |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:.1f} |")
rest = [w - s for w, s in zip(wall_ms, seq["sum"])]
print(f"(a) outside the three steps (process start, access card, channel resumption, exit): "
      f"median {statistics.median(rest):.1f} ms")
print("payments/s: payments / wall time of the mode (for (b), (c) incl. the process start);")
print("latency: (a) the process's wall time, (b), (c) order + purse.pay + shop check; the step")
print("columns are medians from the terminal's -v lines.")

# CPU per payment by process (ms): where the two cores go.
names = ["terminal", "home_server", "homecard", "pcscd", "shop_server", "accesscard"]
def cpu_row(label, name, count):
    before = dict(l.split() for l in open(f"{out}/{name}_cpu_before.txt"))
    after = dict(l.split() for l in open(f"{out}/{name}_cpu_after.txt"))
    ms = {k: (int(after[k]) - int(before.get(k, 0))) * 1000 / ticks_per_s / count for k in after}
    ms["terminal"] = sum(float(u) + float(s) for u, s in
                         (l.split() for l in open(f"{out}/{name}_terminal_cpu.txt"))) * 1000 / count
    other = sum(v for k, v in ms.items() if k not in names)
    cells = [ms.get(k, 0.0) for k in names] + [other]
    return f"| {label} | " + " | ".join(f"{c:.1f}" for c in cells) + f" | {sum(cells):.1f} |"
print()
print("CPU per payment by process, ms (/proc/PID/stat, 1/%d s ticks; terminal: bash time)" % ticks_per_s)
print("| mode | " + " | ".join(names) + " | others | total |")
print("|---|" + "---:|" * (len(names) + 2))
for (label, count, *_), name in zip(rows, ("seq", "held", "relay")):
    print(cpu_row(label, name, count))
print()
print(open(f"{out}/debit.txt").read().rstrip())
print()
print(f"load before: {load_before.strip()}")
print(f"load after:  {load_after.strip()}")
PY
  tee "$OUT/purse_bench.txt"
echo "run_purse_bench: conservation holds; table in $OUT/purse_bench.txt" >&2

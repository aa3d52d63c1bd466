#!/bin/sh
# The proxy facility's benchmark (docs/benchmarks.md), in one run against the same shops:
#   1. a throw-away PKI with the openssl CLI: RSA-2048 root, RSA-2048 intermediate, shop leaf
#      (localhost, EC P-256) issued by the intermediate, the conventional terminal's own key;
#   2. bench_proxy under callgrind: terminal instructions of each set-up, collected only inside
#      hp::bench::terminalSetup (--toggle-collect) and not inside the in-process cards
#      (a second toggle on CountingTransport::transmitRaw switches collection off there);
#   3. bench_proxy natively: bytes, public-key operations, APDUs, wall and stand-by time, load;
#      prints the table with PASS/FAIL and writes the data for
#   4. gnuplot: OUT/proxy_bench.png.
# Usage: tools/bench/run_proxy_bench.sh [BUILD_DIR] [OUT_DIR]
set -eu
BUILD=${1:-build-bench}
OUT=${2:-$BUILD/proxy-bench}
BENCH=$BUILD/tools/bench/bench_proxy
[ -x "$BENCH" ] || { echo "build it first: ninja -C $BUILD tools/bench/bench_proxy" >&2; exit 2; }
# Absolute, because step 2 runs it from inside OUT (a relative or absolute BUILD both work).
BENCH=$(cd "$(dirname "$BENCH")" && pwd)/$(basename "$BENCH")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PKI=$OUT/pki
rm -rf "$PKI" "$OUT"/callgrind.out.*
mkdir -p "$PKI"

q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; }
cd "$PKI"
cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[shop]
basicConstraints = CA:false
subjectAltName = DNS:localhost
extendedKeyUsage = serverAuth
[user]
basicConstraints = CA:false
extendedKeyUsage = clientAuth
CNF
q openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -days 30 \
  -subj "/CN=homeproxy bench root" -addext "basicConstraints=critical,CA:true" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"
# mbedTLS reads the root key: traditional PEM is the safest form.
q openssl pkey -in root.key -out root.key.tmp -traditional && mv root.key.tmp root.key
q openssl req -newkey rsa:2048 -nodes -keyout intermediate.key -out intermediate.csr \
  -subj "/CN=homeproxy bench intermediate"
q openssl x509 -req -in intermediate.csr -CA root.crt -CAkey root.key -CAcreateserial \
  -out intermediate.crt -days 30 -extfile ext.cnf -extensions ca
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout shop.key -out shop.csr \
  -subj "/CN=localhost"
q openssl x509 -req -in shop.csr -CA intermediate.crt -CAkey intermediate.key -CAcreateserial \
  -out shop.crt -days 30 -extfile ext.cnf -extensions shop
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout user.key -out user.csr \
  -subj "/CN=conventional terminal user"
q openssl x509 -req -in user.csr -CA root.crt -CAkey root.key -CAcreateserial \
  -out user.crt -days 30 -extfile ext.cnf -extensions user
cd - >/dev/null

echo "== callgrind pass (terminal instructions; takes a minute) =="
( cd "$OUT" && valgrind --tool=callgrind --collect-atstart=no --separate-threads=yes \
    --toggle-collect='*terminalSetup*' \
    --toggle-collect='hp::bench::CountingTransport::transmitRaw*' \
    --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$BENCH" --pki "$PKI" --callgrind ) > "$OUT/callgrind.log" 2>&1 ||
  { cat "$OUT/callgrind.log" >&2; exit 1; }
# One dump per label and thread ("desc: Trigger: Client Request: a-session-id"); its "totals:"
# line is Ir. Collection is per thread: only the main thread (-01), the terminal, is read. (The
# home server's threads collect while its in-process home card works, because the toggle on
# transmitRaw switches collection ON in a thread where it was off; those files are ignored.)
: > "$OUT/instructions.txt"
for dump in "$OUT"/callgrind.out.*.*-01; do
  label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$dump")
  total=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$dump")
  [ -n "$label" ] && [ -n "$total" ] && echo "$label $total" >> "$OUT/instructions.txt"
  # How much of it is seeding random generators (hp::card::makeSystemRng or
  # makeKernelSeededRng, inclusive; the terminal's process generator is seeded before any).
  rng=$(callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
    sed -n 's/^ *\([0-9,]*\) .*hp::card::make\(System\|KernelSeeded\)Rng() \[.*/\1/p' |
    tr -d , | awk '{ s += $1 } END { print s + 0 }')
  [ -n "$label" ] && echo "rng-$label ${rng:-0}" >> "$OUT/instructions.txt"
done
cat "$OUT/instructions.txt"

echo "== native pass =="
"$BENCH" --pki "$PKI" --instructions "$OUT/instructions.txt" --data "$OUT/proxy_bench.dat" \
  | tee "$OUT/proxy_bench.txt"

if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<GP
set terminal pngcairo size 1100,520 noenhanced
set output "$OUT/proxy_bench.png"
set multiplot layout 1,3 title "homeproxy: terminal cost of one shop session set-up (session-ID shop)"
set style data histograms
set style histogram clustered
set style fill solid 0.8 border -1
set boxwidth 0.8
set logscale y
set grid ytics
set xtics rotate by -20
unset key
set title "terminal instructions (callgrind)"
plot "< grep '^session-id' $OUT/proxy_bench.dat" using 3:xtic(word("(a)conventional set-up resume (b)held (c)held (b)+set-up (c)+resume", int(\$0)+1)) lc rgb "#4477aa"
set title "bytes on all terminal links"
plot "< grep '^session-id' $OUT/proxy_bench.dat" using 4:xtic(word("(a)conventional set-up resume (b)held (c)held (b)+set-up (c)+resume", int(\$0)+1)) lc rgb "#ee6677"
unset logscale y
set yrange [0:*]
set title "stand-by time at 150 ms RTT (ms)"
plot "< grep '^session-id' $OUT/proxy_bench.dat" using 5:xtic(word("(a)conventional set-up resume (b)held (c)held (b)+set-up (c)+resume", int(\$0)+1)) lc rgb "#228833"
unset multiplot
GP
  echo "chart: $OUT/proxy_bench.png"
else
  echo "gnuplot not installed: no chart (apt-get install -y gnuplot-nox)"
fi

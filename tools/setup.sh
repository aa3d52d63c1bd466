#!/usr/bin/env bash
# Installs every Debian package homeproxy needs (only what is missing) and builds the project
# into ./build. Safe to run again: it does nothing that is already done.
# Usage: tools/setup.sh            (root, or a user with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  g++ meson ninja-build pkg-config
  libmbedtls-dev libjsoncpp-dev doctest-dev libpcsclite-dev
  # the PC/SC stack and the virtual reader the cards plug into
  pcscd vsmartcard-vpcd
  # tools people and tests use to talk to the cards
  opensc pcsc-tools python3 python3-pyscard
  # vsmartcard's own Python card, measured beside ours in the APDU benchmark
  vsmartcard-vpicc python3-pycryptodome
  # fuzzing (libFuzzer ships with clang's runtime)
  clang-14 libclang-rt-14-dev
  # tools/lint.sh, run by tools/test.sh
  clang-format clang-tidy
  # test harness: private network/mount namespaces, process control; openssl s_server as a shop
  iproute2 util-linux procps openssl
  # shops nobody here wrote (nginx), and the benchmarks' instruction counts and charts
  nginx-light valgrind gnuplot-nox strace
  # e-money: ledgers (shop, bank, home server outbox) and payment notices by SMTP
  libsqlite3-dev sqlite3 libcurl4-openssl-dev python3-aiosmtpd
  # the purse crash test signs vouchers and cancellations as a bank and a shop would
  python3-cryptography
  # home appliances (issue 14): the MQTT broker, its client library, and its command-line
  # clients (a device nobody here wrote, the benchmark's bare round trip)
  mosquitto libmosquitto-dev mosquitto-clients
  # the personal information store (docs/pim.md): Radicale at home (git for its storage hook),
  # and the standard clients the tests and the demo sync with
  radicale git vdirsyncer khal khard todoman
)

missing=()
for p in "${packages[@]}"; do
  # The status read whole, not `| grep -q` (under pipefail an early grep exit can fail that).
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ $status != *"install ok installed"* ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# CI's configuration (a clean clone): warnings are errors, so a new one fails the build.
if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=true
fi
ninja -C build
echo "setup: build ready in ./build"

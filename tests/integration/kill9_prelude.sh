# Shared start of the kill -9 tests (sourced): skips (exit 77) when the PC/SC stack or a Python
# module the test needs is missing, and picks the seed before sandbox.sh re-executes the
# script in its namespaces, so both runs agree.
# Usage: kill9_prelude NAME PYTHON_MODULE...      (sets python; exports HP_KILL9_SEED)
kill9_prelude() {
  local name="$1"
  shift
  python=/usr/bin/python3  # Debian's python3, the one with python3-pyscard
  local module
  for module in "$@"; do
    if ! "$python" -c "import $module" 2>/dev/null; then
      echo "$name: SKIP: Python module $module missing"
      exit 77
    fi
  done
  if ! command -v pcscd >/dev/null || [ ! -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ]; then
    echo "$name: SKIP: pcscd or vsmartcard-vpcd missing"
    exit 77
  fi
  if [ -z "${HP_KILL9_SEED:-}" ]; then
    RANDOM=$$
    HP_KILL9_SEED=$RANDOM
  fi
  export HP_KILL9_SEED
}

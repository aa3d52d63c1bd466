#!/bin/bash
# test_bridge_live.sh HOMECARD ACCESSCARD TEST_BINARY: pcsc_bridge against both card processes
# in a private pcscd (sandbox.sh), then against no pcscd at all.
set -euo pipefail
HOMECARD=$(realpath "${1:?usage: test_bridge_live.sh HOMECARD ACCESSCARD TEST_BINARY}")
ACCESSCARD=$(realpath "${2:?}")
TEST_BINARY=$(realpath "${3:?}")
source "$(dirname "$0")/sandbox.sh"

sandbox_start 2
sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
sandbox_card accesscard 1 "$SANDBOX_DIR/access.state" --path "$ACCESSCARD"
sandbox_wait_card 0
sandbox_wait_card 1

HP_HOME_READER=$(sandbox_reader_name 0) HP_ACCESS_READER=$(sandbox_reader_name 1) \
  "$TEST_BINARY" --test-case='live:*'
PCSCLITE_CSOCK_NAME="$SANDBOX_DIR/no-such-pcscd.comm" "$TEST_BINARY" --test-case='no pcscd:*'

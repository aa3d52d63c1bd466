# shellcheck shell=bash
# live_helpers.sh: helpers shared by the live tests of the proxy facility (terminal_live,
# e2e_nginx, emoney_live). Source after tests/integration/sandbox.sh.

# A private pcscd with the home card (slot 0) and the access card (slot 1), both answering;
# sets HOME_READER and ACCESS_READER. Needs HOMECARD and ACCESSCARD (the card executables).
start_both_cards() {
  sandbox_start 2
  sandbox_card homecard 0 "$SANDBOX_DIR/home.state" --path "$HOMECARD"
  sandbox_card accesscard 1 "$SANDBOX_DIR/access.state" --path "$ACCESSCARD"
  sandbox_wait_card 0
  sandbox_wait_card 1
  # shellcheck disable=SC2034  # for the sourcing test
  HOME_READER=$(sandbox_reader_name 0)
  # shellcheck disable=SC2034
  ACCESS_READER=$(sandbox_reader_name 1)
}

# A free TCP port on 127.0.0.1 (the sandbox's own network namespace when unshare works).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_listening() {  # PORT: until something listens there (10 s)
  for _ in $(seq 100); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  return 1
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

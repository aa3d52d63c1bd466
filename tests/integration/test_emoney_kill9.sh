#!/bin/bash
# test_emoney_kill9.sh HOMECARD ACCESSCARD HOME_SERVER TERMINAL HP_PROVISION SHOP_SERVER BANK_SERVER:
# issue 4's fault injection end to end. In the live world of tests/emoney_live/emoney_world.sh
# (private pcscd, both cards, shop, bank, home server mailing notices) the terminal CLI runs
# random top-ups, purchases and cancellations while the home card process is killed with
# SIGKILL at random instants and restarted on the same state file. After each restart a person's
# steps follow: PIN1 through the home server's admin command, PIN2 through the terminal; then
# the interrupted operation is finished the documented way (docs/emoney.md, "Crash recovery"):
# a purchase with `terminal pay URL ORDER_REF` (the card answers the identical DEBIT with the
# original record), a cancellation with `terminal refund URL ORDER_REF` (the shop answers the same
# cancellation, the card the same refund record), a top-up by the home server's reconciliation.
# No order may be left cancel_pending but those the card refused as too old. At the end the three ledgers must agree exactly
# (tests/integration/emoney_ledgers.py) and every card log entry must be in the notice outbox.
#
# HP_EMONEY_KILL9_OPS operations (80), HP_KILL9_SEED replays (printed) the operations, their kill
# decisions and delays; where a kill lands also depends on the machine's load. emoney_chaos
# takes 70-140 s here (60 operations, PBKDF2 PINs after each restart). The issue's 1,000
# operations with kills are covered at the card level by purse_kill9 (test_purse_kill9.py);
# this test is about the host side: reconnecting to a restarted card and finishing payments.
set -euo pipefail
EMONEY_KILL9_NAME="emoney kill9"
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=tests/emoney_live/emoney_prelude.sh
source "$HERE/../emoney_live/emoney_prelude.sh"

fail() { fail_showing_logs "emoney kill9" "home_server.log shop.log bank.log ops.log" "$* (seed $HP_KILL9_SEED)"; }

echo "emoney kill9: seed $HP_KILL9_SEED (HP_KILL9_SEED=$HP_KILL9_SEED replays)" >&2
RANDOM=$HP_KILL9_SEED
OPS=${HP_EMONEY_KILL9_OPS:-80}
BANK_START=500000
emoney_world_start "$BANK_START"
HOME_STATE="$SANDBOX_DIR/home.state"
# emoney_world_start started the access card last; the home card is the one on home.state.
HOME_CARD_PID=$(pgrep -f -- "--state $HOME_STATE\$" | head -n 1) || fail "no home card process"

T=("$TERMINAL" --reader "$ACCESS_READER")
SHOP="https://localhost:$SHOP_PORT/"
BANK="https://localhost:$BANK_PORT"
OPS_LOG="$SANDBOX_DIR/ops.log"
: >"$OPS_LOG"
printf '%s\n' "$ACCESS_PIN" | "${T[@]}" unlock --pin-stdin >/dev/null || fail "unlock"
printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null || fail "pin2"
"${T[@]}" topup "$BANK" alice 300.00 >/dev/null 2>"$SANDBOX_DIR/first.err" ||
  fail "first top-up: $(cat "$SANDBOX_DIR/first.err")"

# What an operation's failure may say. A refusal moves nothing; "interrupted" is the card gone.
REFUSAL="insufficient funds|maximum balance|over its maximum|is not finished yet|has no such payment"

# Kill the home card, wait until pcscd has seen the reader empty (a card started within its
# presence poll would be taken for the old one, tests/integration/test_kill9_loop.py), start it
# on the same state file, then PIN1 (admin) and PIN2 (terminal) as the user would.
restart_card() {
  kill -9 "$HOME_CARD_PID" 2>/dev/null || true
  wait "$HOME_CARD_PID" 2>/dev/null || true
  _sandbox_card_state 0 absent 10 || fail "the reader still shows the killed card"
  sandbox_card homecard 0 "$HOME_STATE" --path "$HOMECARD"
  HOME_CARD_PID=$SANDBOX_LAST_PID
  sandbox_wait_card 0 10
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    enter_pin1 "$HOME_SERVER" "$WORLD/home_server.sock" "$PIN1" >"$SANDBOX_DIR/pin1.log" 2>&1 && break
    ((attempt < 10)) || fail "PIN1 after a restart: $(cat "$SANDBOX_DIR/pin1.log")"
    sleep 0.2
  done
  printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null 2>"$SANDBOX_DIR/pin2.err" ||
    fail "PIN2 after a restart: $(cat "$SANDBOX_DIR/pin2.err")"
}

# finish_buy REF: `pay` finishes an order a purchase left unpaid (a try may itself be refused
# for insufficient funds, which ends it with nothing moved; one interrupted by nothing else).
finish_buy() {
  local status
  status=$(sql "$WORLD/shop.db" "SELECT status FROM orders WHERE order_ref='$1'")
  if "${T[@]}" pay "$SHOP" "$1" >"$SANDBOX_DIR/pay.out" 2>"$SANDBOX_DIR/pay.err"; then
    [[ $status == awaiting_payment ]] && PAY_RECOVERED=$((PAY_RECOVERED + 1))
    echo "  pay $1: finished (the shop had it $status): $(tr '\n' ' ' <"$SANDBOX_DIR/pay.out" | head -c 120)" >>"$OPS_LOG"
    return 0
  fi
  if grep -q -E "$REFUSAL" "$SANDBOX_DIR/pay.err"; then
    echo "  pay $1: refused: $(cat "$SANDBOX_DIR/pay.err")" >>"$OPS_LOG"
    return 0
  fi
  fail "pay $1: $(cat "$SANDBOX_DIR/pay.err")"
}

# finish_cancel REF: `terminal refund` finishes a cancellation a kill cut off: the shop answers
# the same cancellation, the card the same refund record (an identical CANCEL), the shop takes
# it. An order the kill left paid (the shop never signed) is cancelled afresh. A payment that
# left the card's log is refused (has no such payment) and stays cancel_pending, paid: its ref
# goes to REFUSED_CANCELS for emoney_ledgers.py.
finish_cancel() {  # REF
  local status
  for _ in 1 2 3; do
    status=$(sql "$WORLD/shop.db" "SELECT status FROM orders WHERE order_ref='$1'")
    local cmd=refund
    [[ $status == paid ]] && cmd=cancel
    if "${T[@]}" "$cmd" "$SHOP" "$1" >/dev/null 2>"$SANDBOX_DIR/recancel.err"; then
      CANCEL_RECOVERED=$((CANCEL_RECOVERED + 1))
      echo "  $cmd $1: finished (the shop had it $status)" >>"$OPS_LOG"
      return 0
    fi
    if grep -q "has no such payment" "$SANDBOX_DIR/recancel.err"; then  # too old: refused
      echo "$1" >>"$REFUSED_CANCELS"
      return 0
    fi
  done
  fail "cancel $1 again: $(cat "$SANDBOX_DIR/recancel.err")"
}

# Whom the kills hit (HP_EMONEY_KILL9_TARGETS, default the home card): emoney_chaos hits the
# home card, the home server, the shop and the bank in turn, each restarted the documented way.
read -r -a TARGETS <<<"${HP_EMONEY_KILL9_TARGETS:-homecard}"
SHOP_PID=$(pgrep -f -- "--config $WORLD/shop.json" | head -n 1) || fail "no shop process"
target_pid() {
  case $1 in
    homecard) echo "$HOME_CARD_PID" ;;
    home_server) echo "$HOME_SERVER_PID" ;;
    shop) echo "$SHOP_PID" ;;
    bank) echo "$BANK_PID" ;;
  esac
}
restart_target() {  # NAME, after its kill -9
  local pid
  pid=$(target_pid "$1")
  case $1 in
    homecard) restart_card ;;
    home_server)
      wait "$pid" 2>/dev/null || true
      rm -f "$WORLD/home_server.sock"
      start_home_server  # live_helpers.sh: PIN1 through the admin socket
      printf '%s\n' "$PIN2" | "${T[@]}" pin2 --pin-stdin >/dev/null 2>"$SANDBOX_DIR/pin2.err" ||
        fail "PIN2 after a home server restart: $(cat "$SANDBOX_DIR/pin2.err")"
      ;;
    shop)
      wait "$pid" 2>/dev/null || true
      "$SHOP_SERVER" --config "$WORLD/shop.json" --listen "127.0.0.1:$SHOP_PORT" \
        >>"$SANDBOX_DIR/shop.out" 2>>"$SANDBOX_DIR/shop.log" &
      SHOP_PID=$!
      sandbox_track "$SHOP_PID"
      wait_listening "$SHOP_PORT" || fail "the shop did not start again"
      ;;
    bank)
      wait "$pid" 2>/dev/null || true
      start_bank "$BANK_PORT"
      ;;
  esac
}
CARD_KILLS=0

# wait_until SECONDS CONDITION...: runs CONDITION until it succeeds; status 1 after SECONDS.
# Every caller fails the test then, saying what it waited for: a wait that ran out and went on
# compared half-finished books and blamed the ledgers.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
no_pending_topup() { [[ $(sql "$WORLD/pending_vouchers.db" "SELECT COUNT(*) FROM pending_vouchers") == 0 ]]; }
outbox_holds() { [[ $(sql "$WORLD/notices.db" "SELECT MAX(txn) FROM notices") -ge $1 ]]; }
all_mailed() { [[ $(sql "$WORLD/notices.db" "SELECT COUNT(*) FROM notices WHERE state <> 'sent'") == 0 ]]; }

# The whole world's books, checked exactly (emoney_ledgers.py) and against the mailed log.
# Reconciliation (every 5 s) finishes interrupted top-ups; once none is pending nothing changes
# the card in the background, so the log, then the balance, are read as they stay. The notice
# collector reads the card's log on every purse change and on PIN1 (and every 60 s): the outbox
# must reach the log's last txn within seconds. $1 names the moment for the message.
check_world() {
  local when=$1
  "${T[@]}" balance >"$SANDBOX_DIR/balance.out" || fail "$when: balance"
  wait_until 30 no_pending_topup ||
    fail "$when: a top-up left to reconciliation still pending after 30 s"
  "${T[@]}" history >"$SANDBOX_DIR/history.out" || fail "$when: history"
  LAST_TXN=$(awk '$1 ~ /^[0-9]+$/ && $2 ~ /^20[0-9][0-9]-/ {print $1}' "$SANDBOX_DIR/history.out" | sort -n | tail -n 1)
  if [[ -z $LAST_TXN ]]; then
    # Before the first movement there is nothing to balance; at the end there must be something.
    [[ $when != "at the end" ]] && return 0
    fail "$when: no history: $(head "$SANDBOX_DIR/history.out")"
  fi
  wait_until 20 outbox_holds "$LAST_TXN" ||
    fail "$when: after 20 s the notice outbox holds txn $(sql "$WORLD/notices.db" "SELECT MAX(txn) FROM notices"), the card's log $LAST_TXN (the collector missed it)"
  "${T[@]}" balance >"$SANDBOX_DIR/balance.out" || fail "$when: balance"
  CARD=$(python3 -c 'import re,sys; m=re.search(r"(\d+)\.(\d\d) EUR", open(sys.argv[1]).read()); print(int(m.group(1))*100+int(m.group(2)))' "$SANDBOX_DIR/balance.out")
  # The card's own log (its last 64 entries): txns consecutive, ending at the last txn.
  python3 - "$SANDBOX_DIR/history.out" "$LAST_TXN" <<'PY' || fail "$when: the card's log has a gap"
import re, sys
txns = [int(l.split()[0]) for l in open(sys.argv[1]) if re.match(r"^\s*\d+\s+20\d\d-", l)]
last = int(sys.argv[2])
sys.exit(0 if sorted(txns) == list(range(last - len(txns) + 1, last + 1)) else 1)
PY
  python3 "$HERE/emoney_ledgers.py" "$WORLD" "$BANK_START" "$CARD" "$REFUSED_CANCELS" ||
    fail "$when: the ledgers disagree"
  # Every log entry was also mailed: the Message-IDs <PURSEID-TXN[-TXN]@homeproxy> that reached
  # aiosmtpd cover txn 1..LAST (a duplicate after a crash is allowed, a hole is not).
  wait_until 30 all_mailed || fail "$when: notices still queued, not mailed, after 30 s"
  python3 - "$SANDBOX_DIR/smtp.log" "$LAST_TXN" <<'PY' || fail "$when: notices not mailed for every txn"
import re, sys
mailed = set()
for first, last in re.findall(r"Message-ID: <[0-9A-F]{16}-(\d+)(?:-(\d+))?@homeproxy>", open(sys.argv[1]).read()):
    mailed.update(range(int(first), int(last or first) + 1))
missing = sorted(set(range(1, int(sys.argv[2]) + 1)) - mailed)
print(f"emoney kill9: notices mailed for txn 1..{sys.argv[2]}" if not missing else f"emoney kill9: not mailed: {missing}", file=sys.stderr)
sys.exit(1 if missing else 0)
PY
}


KILLS=0 INTERRUPTED=0 PAY_RECOVERED=0 CANCEL_RECOVERED=0 NO_ORDER=0 TOPUP_INTERRUPTED=0
REFUSED_CANCELS="$SANDBOX_DIR/refused_cancels"
: >"$REFUSED_CANCELS"
DEBIT_BEFORE_DELIVERY=0
for ((i = 0; i < OPS; ++i)); do
  # HP_EMONEY_CHECK_EACH_OP=1 (emoney_chaos): the books agree after every operation (and its
  # recovery) too, not only at the end, so a fault later papered over is caught where it happened.
  # Here, before the next operation; the last one is checked by the final check below.
  if [[ ${HP_EMONEY_CHECK_EACH_OP:-} == 1 ]] && ((i > 0)); then
    check_world "after op $((i - 1)) ($op)"
  fi
  case $((RANDOM % 6)) in
    0) op=topup args=(topup "$BANK" alice "$((RANDOM % 60 + 1)).$((RANDOM % 10))0") ;;
    1 | 2 | 3)
      op=buy
      args=(buy "$SHOP" "$([[ $((RANDOM % 2)) == 0 ]] && echo tea || echo cake)" $((RANDOM % 3 + 1)))
      ;;
    *)
      op=cancel
      # Mostly recent payments, sometimes any: the card refunds only payments still in its
      # 64-entry log and refuses older ones (has no such payment); such an order stays
      # cancel_pending at the shop and counts as paid, so the ledgers still agree.
      recent="status='paid' AND txn > (SELECT MAX(txn) FROM orders) - 40"
      ((RANDOM % 4)) || recent="status='paid'"
      ref=$(sql "$WORLD/shop.db" "SELECT order_ref FROM orders WHERE $recent ORDER BY order_ref LIMIT 1 OFFSET $((RANDOM % 8))")
      [[ $ref == 0 ]] && ref=$(sql "$WORLD/shop.db" "SELECT order_ref FROM orders WHERE $recent LIMIT 1")
      [[ $ref == 0 ]] && continue
      args=(cancel "$SHOP" "$ref")
      ;;
  esac
  kill_now=$((RANDOM % 2))
  target=${TARGETS[RANDOM % ${#TARGETS[@]}]}
  # A payment takes 15-50 ms here: most kills land inside one. The card and the network
  # exchanges come early in an operation, so short delays are weighted in (a uniform delay over
  # a whole operation mostly misses them).
  delay_ms=$((RANDOM % 40))
  ((RANDOM % 2)) && delay_ms=$((RANDOM % 12))
  "${T[@]}" "${args[@]}" >"$SANDBOX_DIR/op.out" 2>"$SANDBOX_DIR/op.err" &
  op_pid=$!
  if ((kill_now)); then
    sleep "$(printf '0.%03d' "$delay_ms")"
    KILLS=$((KILLS + 1))
    [[ $target == homecard ]] && CARD_KILLS=$((CARD_KILLS + 1))
    restart_pending=1
    kill -9 "$(target_pid "$target")" 2>/dev/null || true
  else
    restart_pending=0
  fi
  rc=0
  wait "$op_pid" || rc=$?
  ((restart_pending)) && restart_target "$target"
  echo "op $i: $op ${args[*]:1} kill=$kill_now:$target@${delay_ms}ms rc=$rc $(head -c 200 "$SANDBOX_DIR/op.err" | tr '\n' ' ')" >>"$OPS_LOG"
  # Exit statuses (host/terminal/README.md): 1 refused or failed with nothing moved, 3 cut off.
  ((rc == 0 || rc == 1 || rc == 3)) || fail "op $i ($op): exit status $rc: $(cat "$SANDBOX_DIR/op.err")"
  ((rc == 0)) && continue
  if [[ $op == cancel ]] && grep -q "has no such payment" "$SANDBOX_DIR/op.err"; then
    echo "${args[2]}" >>"$REFUSED_CANCELS"
    continue
  fi
  grep -q -E "$REFUSAL" "$SANDBOX_DIR/op.err" && continue
  ((kill_now)) || fail "op $i ($op) failed without a kill: $(cat "$SANDBOX_DIR/op.err")"
  INTERRUPTED=$((INTERRUPTED + 1))
  case $op in
    buy)
      ref=$(grep -o -E "order [A-Za-z0-9._-]+[ :]" "$SANDBOX_DIR/op.err" | head -n 1 | cut -d' ' -f2 | tr -d ':') || true
      if [[ -z $ref ]]; then
        NO_ORDER=$((NO_ORDER + 1))  # stopped before the shop made an order: nothing to finish
      else
        # Did the DEBIT happen before the interruption? The card's log says (PIN1 is back).
        "${T[@]}" history >"$SANDBOX_DIR/op-history.out" 2>/dev/null || true
        if grep -q -- "$ref" "$SANDBOX_DIR/op-history.out"; then
          DEBIT_BEFORE_DELIVERY=$((DEBIT_BEFORE_DELIVERY + 1))
          echo "  the card had paid $ref before the kill; the shop had no record" >>"$OPS_LOG"
        fi
        # HP_EMONEY_KILL9_SKIP_PAY=1 leaves them unfinished, to see the ledger check catch it.
        [[ ${HP_EMONEY_KILL9_SKIP_PAY:-} == 1 ]] || finish_buy "$ref"
      fi
      ;;
    cancel) finish_cancel "${args[2]}" ;;
    topup) TOPUP_INTERRUPTED=$((TOPUP_INTERRUPTED + 1)) ;;  # reconciliation finishes it
  esac
done

check_world "at the end"
RELINKED=$(grep -c "home card link opened again" "$SANDBOX_DIR/home_server.log" || true)
((RELINKED >= 1 || CARD_KILLS == 0)) || fail "the home server's log shows no reconnect to the card"
echo "emoney kill9: $OPS operations, $KILLS kills, $INTERRUPTED operations interrupted:" \
  "$DEBIT_BEFORE_DELIVERY purchases debited before the shop had the record (finished by pay)," \
  "$PAY_RECOVERED unpaid orders finished by pay, $NO_ORDER purchases stopped before an order," \
  "$CANCEL_RECOVERED cancellations finished by refund, $(sort -u "$REFUSED_CANCELS" | wc -l)" \
  "cancellations of payments out of the card's log refused, $TOPUP_INTERRUPTED top-ups left" \
  "to reconciliation; the home server reopened its card link $RELINKED times (seed $HP_KILL9_SEED)" >&2
echo "emoney kill9: ok"

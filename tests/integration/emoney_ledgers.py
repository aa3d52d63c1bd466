#!/usr/bin/python3
"""emoney_ledgers.py WORLD BANK_START CARD_BALANCE [REFUSED_CANCELS_FILE]: the e-money conservation check across the
three ledgers of a live world (tests/emoney_live/emoney_world.sh), exactly:

  * the card's log as the home server's notice outbox holds it (notices.db: every entry the card
    ever logged, read with READ LOG; the card itself keeps only 64): txn 1..N without a gap, each
    balance_after = the previous one +/- its amount, the last one = the card's balance now;
  * the shop (shop.db): every paid, cancel_pending or cancelled order has exactly one debit of
    its amount, with the txn the shop recorded; no other debit exists (so no order awaiting
    payment was paid by the card); every cancelled order exactly one refund of that debit; a
    cancel_pending order (the shop signed the cancellation but never saw the card's refund
    record) counts as paid, has no refund, and is one of the orders listed (one per line) in
    REFUSED_CANCELS_FILE: cancellations the card refused because the payment left its 64-entry
    log. Any other cancel_pending order is a leftover `terminal refund` should have finished;
    one refunded on the card is a refund the shop never learnt of;
  * the bank (bank.db): every settled voucher exactly one credit (voucher ID, amount, credit_seq)
    and no other credit; nothing left issued; account = start - settled;
  * the home server holds no pending top-up (pending_vouchers.db);
  * card balance = settled - paid - cancel_pending (cancelled orders were paid and refunded).
Prints a one-line summary; exit 1 with every mismatch listed.
"""
import sqlite3
import struct
import sys

DEBIT, CREDIT, REFUND = 1, 2, 3


def parse_entry(b):
    txn, kind, _time_ms = struct.unpack_from(">IBQ", b, 0)
    i = 13 + 3
    amount, balance = struct.unpack_from(">QQ", b, i)
    i += 16
    party = b[i + 1:i + 1 + b[i]]
    i += 1 + b[i]
    reference = b[i + 1:i + 1 + b[i]]
    i += 1 + b[i]
    (related,) = struct.unpack_from(">I", b, i)
    if i + 4 != len(b):
        raise ValueError(f"txn {txn}: trailing bytes")
    return txn, kind, amount, balance, party, reference, related


def rows(path, query):
    return sqlite3.connect(path).execute(query).fetchall()


def main():
    world, bank_start, card_balance = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    problems = []
    entries = [parse_entry(bytes(r[0])) for r in
               rows(f"{world}/notices.db", "SELECT entry FROM notices ORDER BY txn")]
    if not entries:
        problems.append("the outbox holds no log entry")
    balance = 0
    for expected_txn, (txn, kind, amount, after, _p, _r, _rel) in enumerate(entries, start=1):
        if txn != expected_txn:
            problems.append(f"log: txn {txn} where {expected_txn} was due (an entry is lost)")
            break
        balance += -amount if kind == DEBIT else amount
        if after != balance:
            problems.append(f"log: txn {txn} balance_after {after}, replayed {balance}")
            break
    if entries and entries[-1][3] != card_balance:
        problems.append(f"card balance {card_balance}, last logged balance {entries[-1][3]}")

    debits = {}
    refunds = {}
    credits = {}
    for txn, kind, amount, _after, _party, ref, related in entries:
        book = {DEBIT: debits, REFUND: refunds, CREDIT: credits}[kind]
        key = ref.hex().upper() if kind == CREDIT else ref.decode()
        if key in book:
            problems.append(f"log: txn {txn} repeats {key} (txn {book[key][0]})")
        book[key] = (txn, amount, related)

    orders = rows(f"{world}/shop.db", "SELECT order_ref, status, amount, txn FROM orders")
    paid = 0
    unconfirmed = []  # cancel_pending at the shop, refunded on the card
    unconfirmed_amount = 0
    refused_cancels = 0  # cancel_pending, not refunded: the card refused (or never got) it
    for ref, status, amount, txn in orders:
        if status == "awaiting_payment":
            if ref in debits:
                problems.append(f"order {ref} awaits payment but the card paid it (txn "
                                f"{debits[ref][0]}): money left the purse, the shop has nothing")
            continue
        debit = debits.pop(ref, None)
        if debit is None or debit[1] != amount or debit[0] != txn:
            problems.append(f"order {ref} ({status}, {amount}, txn {txn}): card debit {debit}")
            continue
        refund = refunds.pop(ref, None)
        if status in ("paid", "cancel_pending"):
            paid += amount
        if status == "cancel_pending" and refund is not None:
            if refund[1] != amount or refund[2] != txn:
                problems.append(f"order {ref} cancel_pending, card refund {refund}")
            unconfirmed.append(ref)
            unconfirmed_amount += amount
        if status == "cancel_pending" and refund is None:
            refused_cancels += 1
        if status == "cancelled" and (refund is None or refund[1] != amount or refund[2] != txn):
            problems.append(f"order {ref} cancelled at the shop, card refund {refund}")
        if status == "paid" and refund is not None:
            problems.append(f"order {ref} paid at the shop but refunded on the card")
    for ref, debit in debits.items():
        if ref not in {o[0] for o in orders if o[1] == "awaiting_payment"}:
            problems.append(f"card debit {debit} for order {ref} unknown to the shop")
    for ref, refund in refunds.items():
        problems.append(f"card refund {refund} for order {ref} not cancelled at the shop")

    vouchers = rows(f"{world}/bank.db",
                    "SELECT voucher_id, status, amount, credit_seq FROM vouchers")
    settled = 0
    for voucher_id, status, amount, credit_seq in vouchers:
        credit = credits.pop(voucher_id.upper(), None)
        if status == "settled":
            settled += amount
            if credit is None or credit[1] != amount or credit[2] != credit_seq:
                problems.append(f"voucher {voucher_id} settled, card credit {credit}")
        elif status == "issued":
            problems.append(f"voucher {voucher_id} still issued after reconciliation")
        elif credit is not None:
            problems.append(f"voucher {voucher_id} {status} but credited on the card")
    for voucher_id, credit in credits.items():
        problems.append(f"card credit {credit} of voucher {voucher_id} unknown to the bank")
    account = rows(f"{world}/bank.db", "SELECT balance FROM accounts WHERE id='alice'")[0][0]
    if account != bank_start - settled:
        problems.append(f"bank: account {account} != {bank_start} - settled {settled}")
    pending = rows(f"{world}/pending_vouchers.db", "SELECT COUNT(*) FROM pending_vouchers")[0][0]
    if pending:
        problems.append(f"the home server still holds {pending} pending top-up(s)")
    refused = set()
    if len(sys.argv) > 4:
        refused = {line.strip() for line in open(sys.argv[4]) if line.strip()}
    if unconfirmed:
        problems.append(f"{len(unconfirmed)} cancel_pending orders refunded on the card: "
                        f"{', '.join(unconfirmed)} (a refund the shop never confirmed)")
    leftovers = sorted(ref for ref, status, _a, _t in orders
                       if status == "cancel_pending" and ref not in refused and ref not in unconfirmed)
    if leftovers:
        problems.append(f"{len(leftovers)} cancel_pending leftovers not refused by the card: "
                        f"{', '.join(leftovers)}")
    if card_balance != settled - paid + unconfirmed_amount:
        problems.append(f"conservation: card {card_balance} != settled {settled} - paid {paid} "
                        f"+ unconfirmed refunds {unconfirmed_amount}")

    kinds = [e[1] for e in entries]
    print(f"ledgers: {len(entries)} log entries ({kinds.count(DEBIT)} payments, "
          f"{kinds.count(CREDIT)} top-ups, {kinds.count(REFUND)} refunds); card {card_balance} = "
          f"settled {settled} - paid {paid}; bank account {account} of {bank_start}; "
          f"{sum(1 for o in orders if o[1] == 'awaiting_payment')} orders left unpaid, "
          f"{sum(1 for o in orders if o[1] == 'awaiting_payment' and o[0] in debits)} of them "
          f"debited; {refused_cancels} cancellations pending (not refunded), "
          f"{len(unconfirmed)} refunds unconfirmed at the shop")
    for problem in problems:
        print("ledgers: MISMATCH: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

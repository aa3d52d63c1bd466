#!/usr/bin/python3
"""kill -9 of the home card process at random instants during purse operations.

Driven by test_purse_kill9.sh (private pcscd, seed). This program plays the home server, a bank
and a shop (their signing keys are made here and registered on the card) and:
  1. starts the home card on a fresh state file, personalizes it, generates the user's EC key,
     registers the shop and the bank, initializes the purse (EUR);
  2. loops until --operations purse operations were answered: random DEBITs (some
     overspending), CREDITs with bank-signed vouchers (some over the maximum) and CANCELs of
     earlier payments with shop-signed cancellations, while a timer kills the card process with
     SIGKILL at a random instant; restarts the card on the same state file;
  3. after every restart resolves the operation that was in flight as the home server would:
     DEBIT and CREDIT are retried identically (the card must answer the original record if it
     had applied it, or apply it now), a CANCEL is looked up in the log;
  4. checks, after every restart and at the end, against a model of every answered operation:
     balance, transaction counter and credit counter (PURSE STATUS), and every log entry still
     on the card (READ LOG) equal to the model's — so no value is created or lost and no log
     entry is lost; each signed record verifies under the card's key.
"""
import argparse
import hashlib
import os
import random
import struct
import sys
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_kill9_loop import (PCSCD_POLL_SECONDS, PIN1, PIN2, PUK, Card, apdu,  # noqa: E402
                             connect, expect, transmit_all)

HOME_AID = bytes.fromhex("F0484F4D454341524401")
SELECT = apdu(0x00, 0xA4, 0x04, 0x0C, HOME_AID)
SHOP_ID, BANK_ID, CURRENCY = b"shop.test", b"bank", b"EUR"
MAX_BALANCE = 2_000_000
LOG_CAPACITY = 64
DEBIT, CREDIT, REFUND = 1, 2, 3
RECORD_LABEL = b"homeproxy purse v1 record"
VOUCHER_LABEL = b"homeproxy purse v1 voucher"
CANCEL_LABEL = b"homeproxy purse v1 cancellation"


def labelled_hash(label, body):
    return hashlib.sha256(bytes([len(label)]) + label + body).digest()


def sign(key, label, body):
    der = key.sign(labelled_hash(label, body), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    return struct.pack(">H", len(body)) + body + der


def point_of(key):
    n = key.public_key().public_numbers()
    return b"\x04" + n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")


def lp(b):
    return bytes([len(b)]) + b


def parse_entry(b, i=0):
    txn, kind, time_ms = struct.unpack_from(">IBQ", b, i)
    i += 13
    currency = b[i:i + 3]
    i += 3
    amount, balance = struct.unpack_from(">QQ", b, i)
    i += 16
    party = b[i + 1:i + 1 + b[i]]
    i += 1 + b[i]
    reference = b[i + 1:i + 1 + b[i]]
    i += 1 + b[i]
    (related,) = struct.unpack_from(">I", b, i)
    i += 4
    return (txn, kind, time_ms, currency, amount, balance, party, reference, related), i


class Model:
    def __init__(self, purse_id):
        self.purse_id = purse_id
        self.balance = 0
        self.last_txn = 0
        self.credit_seq = 0
        self.entries = []  # every entry the card made, in txn order
        self.refunded = set()  # txns of refunded debits

    def expected(self, op):
        """(SW, entry or None) that the card must answer for `op` now."""
        kind, args, t = op
        if kind == "D":
            ref, amount = args
            if amount > self.balance:
                return 0x9401, None
            return 0x9000, (self.last_txn + 1, DEBIT, t, CURRENCY, amount,
                            self.balance - amount, SHOP_ID, ref, 0)
        if kind == "C":
            vid, seq, amount = args
            if self.balance + amount > MAX_BALANCE:
                return 0x9402, None
            return 0x9000, (self.last_txn + 1, CREDIT, t, CURRENCY, amount,
                            self.balance + amount, BANK_ID, vid, seq)
        txn, ref, amount = args
        if txn in self.refunded:
            # An identical CANCEL again: the logged refund's record, nothing moves.
            logged = [e for e in self.entries if e[1] == REFUND and e[8] == txn]
            return 0x9000, logged[0]
        if self.balance + amount > MAX_BALANCE:
            return 0x9402, None
        return 0x9000, (self.last_txn + 1, REFUND, t, CURRENCY, amount, self.balance + amount,
                        SHOP_ID, ref, txn)

    def apply(self, op, entry):
        kind, args, _ = op
        self.entries.append(entry)
        self.last_txn = entry[0]
        self.balance = entry[5]
        if kind == "C":
            self.credit_seq += 1
        if kind == "X":
            self.refunded.add(args[0])

    def conserved(self):
        total = 0
        for e in self.entries:
            total += -e[4] if e[1] == DEBIT else e[4]
        return total == self.balance


class Purse:
    def __init__(self, bank_key, shop_key):
        self.bank_key, self.shop_key = bank_key, shop_key
        self.card_point = None

    def command(self, model, op):
        kind, args, time_ms = op
        t = struct.pack(">Q", time_ms)
        if kind == "D":
            ref, amount = args
            data = t + lp(SHOP_ID) + lp(ref) + CURRENCY + struct.pack(">Q", amount)
            return apdu(0x80, 0x32, 0x00, 0x00, data, le=0)
        if kind == "C":
            vid, seq, amount = args
            body = lp(BANK_ID) + model.purse_id + vid + struct.pack(">I", seq) + CURRENCY + \
                struct.pack(">Q", amount)
            return apdu(0x80, 0x34, 0x00, 0x00, t + sign(self.bank_key, VOUCHER_LABEL, body),
                        le=0)
        txn, ref, amount = args
        body = lp(SHOP_ID) + model.purse_id + struct.pack(">I", txn) + lp(ref) + CURRENCY + \
            struct.pack(">Q", amount)
        return apdu(0x80, 0x36, 0x00, 0x00, t + sign(self.shop_key, CANCEL_LABEL, body), le=0)

    def check_record(self, model, data):
        """The entry of a signed record answered by the card; raises if it does not verify."""
        (n,) = struct.unpack_from(">H", data, 0)
        body, der = data[2:2 + n], data[2 + n:]
        if body[:8] != model.purse_id:
            raise RuntimeError("record of another purse")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), self.card_point).verify(
            der, labelled_hash(RECORD_LABEL, body), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        entry, end = parse_entry(body, 8)
        if end != len(body):
            raise RuntimeError("trailing bytes in a record")
        return entry


def open_session(conn):
    expect(conn, SELECT, "SELECT")
    expect(conn, apdu(0x00, 0x20, 0x00, 0x81, PIN1), "VERIFY PIN1")
    expect(conn, apdu(0x00, 0x20, 0x00, 0x82, PIN2), "VERIFY PIN2")


def personalize(conn, purse, bank_key, shop_key):
    expect(conn, SELECT, "SELECT")
    expect(conn, apdu(0x00, 0x24, 0x01, 0x81, PIN1), "set PIN1")
    expect(conn, apdu(0x00, 0x24, 0x01, 0x82, PIN2), "set PIN2")
    expect(conn, apdu(0x00, 0x24, 0x01, 0x83, PUK), "set PUK")
    expect(conn, apdu(0x00, 0x44, 0x00, 0x00), "ACTIVATE")
    open_session(conn)
    key = expect(conn, apdu(0x00, 0x47, 0x80, 0x01, le=0), "GENERATE EC key")
    purse.card_point = key[5:70]
    for registry, ident, k in ((0x02, SHOP_ID, shop_key), (0x03, BANK_ID, bank_key)):
        entry = bytes([0xC0, len(ident)]) + ident + bytes([0xC1, 65]) + point_of(k)
        expect(conn, apdu(0x80, 0xE2, registry, 0x00, entry), "REGISTRY ADD")
    purse_id = expect(conn, apdu(0x80, 0x30, 0x00, 0x00, CURRENCY + struct.pack(">Q", MAX_BALANCE),
                                 le=0), "PURSE INIT")
    if len(purse_id) != 8:
        raise RuntimeError(f"PURSE INIT answered {purse_id.hex()}")
    return purse_id


def read_status(conn):
    s = expect(conn, apdu(0x00, 0xCA, 0xDF, 0x40, le=0), "PURSE STATUS")
    if len(s) != 39:
        raise RuntimeError(f"PURSE STATUS is {len(s)} bytes")
    balance, maximum, last_txn, credit_seq, oldest = struct.unpack_from(">QQIII", s, 11)
    return {"purse_id": s[:8], "balance": balance, "max": maximum, "last_txn": last_txn,
            "credit_seq": credit_seq, "oldest": oldest}


def read_log(conn, from_txn):
    entries = []
    while True:
        data = expect(conn, apdu(0x80, 0x38, 0x00, 0x00, struct.pack(">I", from_txn), le=0),
                      "READ LOG")
        if not data:
            return entries
        i = 0
        while i < len(data):
            n = data[i]
            entry, end = parse_entry(data[i + 1:i + 1 + n])
            if end != n:
                raise RuntimeError("READ LOG: entry length mismatch")
            entries.append(entry)
            i += 1 + n
        from_txn = entries[-1][0] + 1


def random_op(rng, model, counter):
    """A random operation (kind, arguments, host time); CANCEL picks a logged, unrefunded
    payment."""
    time_ms = 1_800_000_000_000 + counter
    logged_debits = [e for e in model.entries[-(LOG_CAPACITY - 4):]
                     if e[1] == DEBIT and e[0] not in model.refunded]
    kind = rng.choices(["D", "C", "X"], weights=[6, 3, 2 if logged_debits else 0])[0]
    if kind == "D":
        # One in ten overspends on purpose.
        amount = model.balance + rng.randint(1, 500) if rng.random() < 0.1 or model.balance == 0 \
            else rng.randint(1, model.balance)
        return ("D", (b"order-%d" % counter, amount), time_ms)
    if kind == "C":
        big = rng.random() < 0.05
        amount = MAX_BALANCE if big else rng.randint(1000, 50_000)
        return ("C", (rng.randbytes(16), model.credit_seq + 1, amount), time_ms)
    e = rng.choice(logged_debits)
    return ("X", (e[0], e[7], e[4]), time_ms)


def check_card(conn, model):
    problems = []
    st = read_status(conn)
    for k in ("balance", "last_txn", "credit_seq"):
        if st[k] != getattr(model, k):
            problems.append(f"{k}: card {st[k]}, model {getattr(model, k)}")
    if st["purse_id"] != model.purse_id:
        problems.append("purse ID changed")
    first = max(1, model.last_txn - LOG_CAPACITY + 1)
    logged = read_log(conn, first)
    want = model.entries[first - 1:]
    if logged != want:
        problems.append(f"log differs: card has {len(logged)} entries from txn {first}, "
                        f"model {len(want)}; first difference at "
                        f"{next((a for a, b in zip(logged, want) if a != b), None)}")
    if not model.conserved():
        problems.append("model not conserved")
    return problems


def resolve_in_flight(conn, purse, model, op):
    """Applies the in-flight op to the model if the card had applied it. DEBIT, CREDIT and
    CANCEL alike: the identical retry answers the original record or applies it now."""
    st = read_status(conn)
    applied = st["last_txn"] == model.last_txn + 1
    if st["last_txn"] not in (model.last_txn, model.last_txn + 1):
        raise RuntimeError(f"txn counter {st['last_txn']} after one op from {model.last_txn}")
    sw_expected, entry = model.expected(op)
    data, sw = transmit_all(conn, purse.command(model, op))
    if sw != sw_expected:
        raise RuntimeError(f"retry of in-flight {op[0]}: SW {sw:04X}, expected {sw_expected:04X}")
    if sw == 0x9000:
        got = purse.check_record(model, data)
        if got != entry:
            raise RuntimeError(f"retry of in-flight {op[0]} answered {got}, expected {entry}")
        model.apply(op, got)
    return "applied before the kill" if applied else "applied on retry"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--card", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--reader", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--operations", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--max-kill-ms", type=float, default=200.0,
                    help="kill within this many ms of each restart (a DEBIT takes ~5-15 ms)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    bank_key = ec.derive_private_key(rng.randrange(1, 2**255), ec.SECP256R1())
    shop_key = ec.derive_private_key(rng.randrange(1, 2**255), ec.SECP256R1())
    purse = Purse(bank_key, shop_key)
    log = open(args.state + ".log", "ab")
    card = Card(args.card, args.port, args.state, log)
    counts = {"answered": 0, "kills": 0, "in_flight": 0, "applied_before_kill": 0,
              "applied_on_retry": 0, "refused_as_modelled": 0, "reinsertions": 0,
              "blocked": 0, "failures": 0}
    order_counter = 0
    model = None
    try:
        card.start()
        conn = connect(args.reader, card, counts)
        model = Model(personalize(conn, purse, bank_key, shop_key))
        deadline = time.monotonic() + args.seconds
        while counts["answered"] < args.operations and time.monotonic() < deadline:
            open_session(conn)
            timer = threading.Timer(rng.uniform(0.0, args.max_kill_ms) / 1000.0, card.kill)
            timer.start()
            in_flight = None
            while counts["answered"] < args.operations:
                order_counter += 1
                op = random_op(rng, model, order_counter)
                sw_expected, entry = model.expected(op)
                try:
                    data, sw = transmit_all(conn, purse.command(model, op))
                except Exception:  # noqa: BLE001 - killed under us
                    in_flight = op
                    break
                counts["answered"] += 1
                if sw != sw_expected:
                    raise RuntimeError(f"{op[0]}: SW {sw:04X}, model {sw_expected:04X}")
                if sw == 0x9000:
                    got = purse.check_record(model, data)
                    if got != entry:
                        raise RuntimeError(f"{op[0]}: record {got}, model {entry}")
                    model.apply(op, got)
                else:
                    counts["refused_as_modelled"] += 1
            timer.cancel()
            card.kill()
            card.reap()
            counts["kills"] += 1
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001
                pass
            time.sleep(PCSCD_POLL_SECONDS * 1.5)
            card.start()
            conn = connect(args.reader, card, counts)
            open_session(conn)
            if in_flight is not None:
                counts["in_flight"] += 1
                how = resolve_in_flight(conn, purse, model, in_flight)
                if how == "applied before the kill":
                    counts["applied_before_kill"] += 1
                elif how == "applied on retry":
                    counts["applied_on_retry"] += 1
            problems = check_card(conn, model)
            if problems:
                counts["failures"] += 1
                print(f"FAIL after kill {counts['kills']}: " + " | ".join(problems), flush=True)
                break
        if counts["failures"] == 0:
            problems = check_card(conn, model)
            if problems:
                counts["failures"] += 1
                print("FAIL at the end: " + " | ".join(problems), flush=True)
    except RuntimeError as e:
        counts["failures"] += 1
        print(f"FAIL after {counts['answered']} operations: {e}", flush=True)
    finally:
        card.kill()
        card.reap()

    print("purse kill9: " + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    if model is not None:
        debits = sum(e[4] for e in model.entries if e[1] == DEBIT)
        print(f"purse kill9: {len(model.entries)} log entries, balance {model.balance}, "
              f"debited {debits}, last txn {model.last_txn}", flush=True)
    ok = counts["failures"] == 0 and counts["answered"] >= min(args.operations, 1)
    print(f"purse kill9: {1 if ok else 0} passed, {0 if ok else 1} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

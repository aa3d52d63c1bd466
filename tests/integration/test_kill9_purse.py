#!/usr/bin/python3
"""kill -9 of the home card process while its purse moves money, against a model of the purse.

Driven by test_kill9_purse.sh (private pcscd of sandbox.sh). Starts the home card on a fresh
state file, personalizes it, generates its EC key, registers a test bank and shop and
initializes the purse; then loops: selects the card, verifies PIN1 and PIN2 and sends a random
stream of DEBITs (new orders) and CREDITs (vouchers of a test bank, signed here) while a timer
kills the card process at a random instant; restarts it on the same state file and checks:
  - the card starts (never refuses or resets its state file);
  - balance, last txn and credit counter are explained by the commands: every answered one
    applied, the one in flight applied or not (all or nothing), every answered SW as the model
    says, and balance = credits - debits;
  - the log is consecutive and ends at the last txn with the stored balance;
  - sending the command that was in flight again (what a host does after a lost answer) is an
    idempotent retry: 9000, and the purse is then exactly the model with it applied once.
The bank's key is a public TEST key. Needs python3-pyscard and python3-cryptography.
"""
import argparse
import hashlib
import os
import random
import sys
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_kill9_loop as k9  # noqa: E402  (the card process, pcscd and APDU helpers)

PIN1, PIN2 = k9.PIN1, k9.PIN2
MAX_BALANCE = 10**9
VOUCHER_LABEL = b"homeproxy purse v1 voucher"
BANK_KEY = ec.derive_private_key(
    int.from_bytes(hashlib.sha256(b"homeproxy kill9 test key: bank").digest(), "big"),
    ec.SECP256R1())
BANK_POINT = BANK_KEY.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)


def ext_apdu(cla, ins, p1, p2, data):
    """Short Lc with Le 00 (the purse answers are under 256 bytes)."""
    return [cla, ins, p1, p2, len(data)] + list(data) + [0]


def voucher(purse_id, seq, amount, voucher_id):
    body = (b"\x04bank" + purse_id + voucher_id + seq.to_bytes(4, "big") + b"EUR" +
            amount.to_bytes(8, "big"))
    preimage = bytes([len(VOUCHER_LABEL)]) + VOUCHER_LABEL + body
    signature = BANK_KEY.sign(preimage, ec.ECDSA(hashes.SHA256()))
    return len(body).to_bytes(2, "big") + body + signature


def debit_apdu(order, amount):
    data = ((1).to_bytes(8, "big") + b"\x04shop" + bytes([len(order)]) + order + b"EUR" +
            amount.to_bytes(8, "big"))
    return ext_apdu(0x80, 0x32, 0, 0, data)


def credit_apdu(signed):
    return ext_apdu(0x80, 0x34, 0, 0, (2).to_bytes(8, "big") + signed)


class Purse:
    """What the card must hold: balance, last txn, credit counter."""

    def __init__(self, balance=0, txn=0, seq=0):
        self.balance, self.txn, self.seq = balance, txn, seq

    def key(self):
        return (self.balance, self.txn, self.seq)

    def apply(self, op):
        """(next purse, expected SW) for op = ("D", order, amount) or ("C", signed, amount, seq)."""
        if op[0] == "D":
            if op[2] > self.balance:
                return self, 0x9401
            return Purse(self.balance - op[2], self.txn + 1, self.seq), 0x9000
        return Purse(self.balance + op[2], self.txn + 1, op[3]), 0x9000


def op_apdu(op):
    return debit_apdu(op[1], op[2]) if op[0] == "D" else credit_apdu(op[1])


def read_purse(conn):
    """(balance, last txn, credit seq) from PURSE STATUS, after checking the log."""
    status = k9.expect(conn, [0x00, 0xCA, 0xDF, 0x40, 0x00], "PURSE STATUS")
    balance = int.from_bytes(status[11:19], "big")
    txn, seq = int.from_bytes(status[27:31], "big"), int.from_bytes(status[31:35], "big")
    oldest = int.from_bytes(status[35:39], "big")
    entries, start = [], oldest
    while txn and start <= txn:
        page = k9.expect(conn, ext_apdu(0x80, 0x38, 0, 0, start.to_bytes(4, "big")), "READ LOG")
        if not page:
            break
        i = 0
        while i < len(page):
            n = page[i]
            entry = page[i + 1:i + 1 + n]
            entries.append((int.from_bytes(entry[0:4], "big"),
                            int.from_bytes(entry[24:32], "big")))  # txn, balance_after
            i += 1 + n
        start = entries[-1][0] + 1
    if txn:
        txns = [e[0] for e in entries]
        if txns != list(range(oldest, txn + 1)):
            raise RuntimeError(f"log txns {txns[:3]}..{txns[-3:]} not consecutive up to {txn}")
        if entries[-1][1] != balance:
            raise RuntimeError(f"last entry balance {entries[-1][1]} != balance {balance}")
    return (balance, txn, seq)


def unlock(conn):
    k9.expect(conn, k9.HomeCard.select, "SELECT")
    k9.expect(conn, k9.apdu(0x00, 0x20, 0x00, 0x81, PIN1), "VERIFY PIN1")
    k9.expect(conn, k9.apdu(0x00, 0x20, 0x00, 0x82, PIN2), "VERIFY PIN2")


def set_up(conn):
    k9.HomeCard.personalize(conn)
    unlock(conn)
    k9.expect(conn, k9.apdu(0x00, 0x47, 0x80, 0x01, le=0), "GENERATE EC key")
    for registry, ident, point in ((3, b"bank", BANK_POINT), (2, b"shop", k9.P256_G)):
        entry = bytes([0xC0, len(ident)]) + ident + bytes([0xC1, 65]) + point
        k9.expect(conn, k9.apdu(0x80, 0xE2, registry, 0x00, entry), "REGISTRY ADD")
    init = b"EUR" + MAX_BALANCE.to_bytes(8, "big")
    return k9.expect(conn, ext_apdu(0x80, 0x30, 0, 0, init), "PURSE INIT")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--card", "--reader", "--state"):
        ap.add_argument(name, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-kill-ms", type=float, default=300.0)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    log = open(args.state + ".log", "ab")
    card = k9.Card(args.card, args.port, args.state, log)
    counts = {"iterations": 0, "answered": 0, "in_flight": 0, "in_flight_applied": 0,
              "reinsertions": 0, "failures": 0}
    orders = 0
    try:
        card.start()
        conn = k9.connect(args.reader, card, counts)
        purse_id = set_up(conn)
        stored = Purse()
        deadline = time.monotonic() + args.seconds
        while counts["iterations"] < args.iterations and time.monotonic() < deadline:
            counts["iterations"] += 1
            unlock(conn)
            model, journal, in_flight = stored, [], None
            delay = rng.uniform(0.0, args.max_kill_ms) / 1000.0
            timer = threading.Timer(delay, card.kill)
            timer.start()
            problems = []
            for _ in range(2000):
                if rng.random() < 0.4:
                    amount = rng.randrange(1, 3000)
                    op = ("C", voucher(purse_id, model.seq + 1, amount, rng.randbytes(16)),
                          amount, model.seq + 1)
                else:
                    orders += 1
                    op = ("D", b"order-%d" % orders, rng.randrange(1, 2000))
                try:
                    _, sw = k9.transmit(conn, op_apdu(op))
                except Exception:  # noqa: BLE001 - killed under us
                    in_flight = op
                    break
                nxt, expected = model.apply(op)
                if sw != expected:
                    problems.append(f"{op[0]} {op[2]}: SW {sw:04X}, model {expected:04X}")
                model = nxt
                journal.append(op)
            timer.cancel()
            card.kill()
            card.reap()
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001
                pass
            time.sleep(k9.PCSCD_POLL_SECONDS * 1.5)
            counts["answered"] += len(journal)

            card.start()
            conn = k9.connect(args.reader, card, counts)
            unlock(conn)
            observed = read_purse(conn)
            allowed = {model.key()}
            if in_flight is not None:
                counts["in_flight"] += 1
                applied, _ = model.apply(in_flight)
                allowed.add(applied.key())
                if observed == applied.key() and applied.key() != model.key():
                    counts["in_flight_applied"] += 1
                # The host's recovery: send it again; an identical retry moves nothing twice.
                _, sw = k9.transmit(conn, op_apdu(in_flight))
                expected_model, expected_sw = model.apply(in_flight)
                if sw != expected_sw:
                    problems.append(f"retry of the in-flight {in_flight[0]}: SW {sw:04X}")
                after = read_purse(conn)
                if after != expected_model.key():
                    problems.append(f"after the retry {after}, model {expected_model.key()}")
                model = expected_model
            if observed not in allowed:
                problems.append(f"stored purse {observed} not explained; allowed {allowed}")
            if problems:
                counts["failures"] += 1
                print(f"FAIL iteration {counts['iterations']} (kill after {delay * 1000:.0f} ms): "
                      + " | ".join(problems), flush=True)
            stored = Purse(*read_purse(conn))
    except RuntimeError as e:
        counts["failures"] += 1
        print(f"FAIL iteration {counts['iterations']}: {e}", flush=True)
    finally:
        card.kill()
        card.reap()

    print("kill9 purse: " + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    passed = counts["iterations"] - counts["failures"]
    print(f"kill9 purse: {passed} passed, {counts['failures']} failed")
    return 0 if counts["failures"] == 0 and counts["iterations"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""kill -9 of the home card process at random instants, against a model of its state.

Driven by test_kill9.sh, which starts the private pcscd and picks the seed. This program:
  1. starts the home card on a fresh state file and personalizes it through PC/SC;
  2. loops: selects the card and sends a random stream of state-changing APDUs (right and wrong
     PIN1 guesses, trust registry add and delete) while a timer kills the card process with
     SIGKILL at a random instant; restarts the card on the same state file; checks it.

The check, after every restart:
  - the card process starts on the state file it left behind (never refused, never reset);
  - the stored state (PIN1 retry counter read with GET DATA DF01, registry read with LIST) is
    one that the commands sent so far can explain: every command answered is applied, the one
    in flight (sent, no answer) is applied or not, and registry changes are all-or-nothing;
  - a wrong PIN guess is never free: the card must have spent a try for every wrong guess it
    answered, and a correct guess cut short may leave the try spent (decrement is persisted
    before the comparison) but never more.
Every answered status word is also checked against the model.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time

from smartcard.System import readers

HOME_AID = bytes.fromhex("F0484F4D4543415244 01".replace(" ", ""))
PIN1, PIN2, PUK, WRONG = b"1234", b"5678", b"12345678", b"0000"
P256_G = bytes.fromhex(
    "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
    "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")
IDS = [b"K0", b"K1", b"K2", b"K3"]
MAX_TRIES = 3


def apdu(cla, ins, p1, p2, data=b"", le=None):
    out = [cla, ins, p1, p2]
    if data:
        out += [len(data)] + list(data)
    if le is not None:
        out.append(le & 0xFF)
    return out


SELECT = apdu(0x00, 0xA4, 0x04, 0x0C, HOME_AID)
GET_STATUS = apdu(0x00, 0xCA, 0xDF, 0x01, le=0)
LIST_TERMINALS = apdu(0x80, 0xE6, 0x01, 0x00, le=0)


def op_apdu(op, arg):
    if op == "C":
        return apdu(0x00, 0x20, 0x00, 0x81, PIN1)
    if op == "W":
        return apdu(0x00, 0x20, 0x00, 0x81, WRONG)
    if op == "A":
        return apdu(0x80, 0xE2, 0x01, 0x00, bytes([0xC0, len(arg)]) + arg + bytes([0xC1, 65]) + P256_G)
    return apdu(0x80, 0xE4, 0x01, 0x00, arg)


class Model:
    """The home card's PIN1 counter, volatile PIN1 verification and terminal registry."""

    def __init__(self, tries, registry, verified=False):
        self.tries, self.registry, self.verified = tries, frozenset(registry), verified

    def key(self):
        return (self.tries, self.registry)

    def apply(self, op, arg):
        """Returns (next model, expected SW, model if cut short mid-command or None)."""
        t, r, v = self.tries, self.registry, self.verified
        if op in ("C", "W"):
            if t == 0:
                return Model(t, r, v), 0x6983, None
            if op == "W":
                # Decrement persisted first, then the mismatch: cut short is the same.
                return Model(t - 1, r, False), 0x63C0 | (t - 1), None
            # A match restores the counter in a second store; cut short between the two, the
            # try stays spent (and nothing was verified).
            return Model(MAX_TRIES, r, True), 0x9000, Model(t - 1, r, False)
        if not v:
            return Model(t, r, v), 0x6982, None
        if op == "A":
            if arg in r:
                return Model(t, r, v), 0x6A89, None
            return Model(t, r | {arg}, v), 0x9000, None
        if arg not in r:
            return Model(t, r, v), 0x6A88, None
        return Model(t, r - {arg}, v), 0x9000, None


class Card:
    def __init__(self, binary, port, state, log):
        self.binary, self.port, self.state, self.log = binary, port, state, log
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--state", self.state,
                                      "--quiet"], stdout=self.log, stderr=self.log)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)

    def reap(self):
        if self.proc:
            self.proc.wait()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def find_reader(name):
    for r in readers():
        if name in str(r):
            return r
    return None


# pcscd polls a vpcd slot for its card every 400 ms. A card process killed and back within one
# poll is never seen to leave; pcscd (1.9.9) has meanwhile marked the card removed after the
# failed transmit, and waits for an insertion event that never comes: the slot says "no card"
# for good. A real card is never swapped that fast, so the test leaves pcscd more than one poll.
PCSCD_POLL_SECONDS = 0.4


def try_connect(reader_name, card, timeout):
    """A connection to the started card, or None after `timeout` seconds; raises if the card
    process exited (it refused its state file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not card.alive():
            raise RuntimeError(f"card process exited with status {card.proc.returncode} "
                               f"(state file refused?)")
        try:
            reader = find_reader(reader_name)
            if reader is not None:
                conn = reader.createConnection()
                conn.connect()
                return conn
        except Exception:  # noqa: BLE001 - not there yet
            pass
        time.sleep(0.05)
    return None


def connect(reader_name, card, counts, attempts=4):
    """Connects to the (re)started card. If pcscd missed the removal (a restart inside one of
    its polls, possible when the machine is loaded), the card is taken out for more than a
    poll and put back: a re-insertion of an idle card, which changes nothing stored."""
    for attempt in range(attempts):
        conn = try_connect(reader_name, card, timeout=4.0)
        if conn is not None:
            return conn
        counts["reinsertions"] += 1
        card.kill()
        card.reap()
        time.sleep(PCSCD_POLL_SECONDS * 3)
        card.start()
    raise RuntimeError(f"card not reachable after {attempts} insertions")


def transmit(conn, command):
    data, sw1, sw2 = conn.transmit(command)
    return bytes(data), (sw1 << 8) | sw2


def transmit_all(conn, command):
    """Follows 61xx with GET RESPONSE (ISO 7816-4 5.3.4) until the whole answer is in."""
    data, sw = transmit(conn, command)
    while sw >> 8 == 0x61:
        more, sw = transmit(conn, [0x00, 0xC0, 0x00, 0x00, sw & 0xFF])
        data += more
    return data, sw


def expect(conn, command, what, sw=0x9000):
    data, got = transmit_all(conn, command)
    if got != sw:
        raise RuntimeError(f"{what}: SW {got:04X}, expected {sw:04X}")
    return data


def personalize(conn):
    expect(conn, SELECT, "SELECT")
    expect(conn, apdu(0x00, 0x24, 0x01, 0x81, PIN1), "set PIN1")
    expect(conn, apdu(0x00, 0x24, 0x01, 0x82, PIN2), "set PIN2")
    expect(conn, apdu(0x00, 0x24, 0x01, 0x83, PUK), "set PUK")
    expect(conn, apdu(0x00, 0x44, 0x00, 0x00), "ACTIVATE")


def read_state(conn, counts):
    """(PIN1 tries, registry ids) as stored; leaves PIN1 verified with a full counter."""
    expect(conn, SELECT, "SELECT")
    status = expect(conn, GET_STATUS, "GET DATA status")
    # 80 01 lifecycle, 81 01 security, 82 01 PIN1 tries, ...
    if len(status) < 9 or status[6] != 0x82:
        raise RuntimeError(f"unexpected status object {status.hex()}")
    tries = status[8]
    if tries == 0:
        counts["blocked"] += 1
        expect(conn, apdu(0x00, 0x2C, 0x01, 0x81, PUK), "RESET RETRY COUNTER with the PUK")
    expect(conn, apdu(0x00, 0x20, 0x00, 0x81, PIN1), "VERIFY PIN1")
    listing = expect(conn, LIST_TERMINALS, "LIST terminals")
    ids, i = set(), 0
    # E1 L { C0 L id, C1 41 point }
    while i < len(listing):
        length = listing[i + 1]
        entry = listing[i + 2:i + 2 + length]
        ids.add(bytes(entry[2:2 + entry[1]]))
        i += 2 + length
    return tries, frozenset(ids)


def run_stream(conn, rng, model, journal, max_ops):
    """Sends random operations until the card goes away; journal: [(op, arg, sw or None)]."""
    for _ in range(max_ops):
        op = rng.choices(["C", "W", "A", "D"], weights=[3, 2, 3, 2])[0]
        arg = rng.choice(IDS) if op in ("A", "D") else None
        journal.append([op, arg, None])
        try:
            _, sw = transmit(conn, op_apdu(op, arg))
        except Exception:  # noqa: BLE001 - the card was killed under us
            return
        journal[-1][2] = sw
        # A blocked PIN1 is unblocked right away, as the holder would, so the stream goes on.
        if sw == 0x6983 or (op == "W" and sw == 0x63C0):
            journal.append(["U", None, None])
            try:
                _, sw = transmit(conn, apdu(0x00, 0x2C, 0x01, 0x81, PUK))
            except Exception:  # noqa: BLE001
                return
            journal[-1][2] = sw


def allowed_states(start, journal):
    """The stored (tries, registry) states the journal explains, the SWs that disagree with the
    model, and the state of a correct PIN cut short in flight (or None)."""
    model, allowed, mismatches, cut_short = start, {start.key()}, [], None
    for op, arg, sw in journal:
        if op == "U":
            # RESET RETRY COUNTER P1=01: the PUK is checked, then PIN1's counter is restored.
            nxt, expected, cut = Model(MAX_TRIES, model.registry, model.verified), 0x9000, None
        else:
            nxt, expected, cut = model.apply(op, arg)
        if sw is None:  # in flight when the card died: applied or not, or cut short
            allowed.add(nxt.key())
            if cut is not None and cut.key() not in allowed:
                cut_short = cut.key()
                allowed.add(cut_short)
            break
        if sw != expected:
            mismatches.append(f"{op}{'' if arg is None else ' ' + arg.decode()}: "
                              f"SW {sw:04X}, model {expected:04X}")
        model = nxt
        allowed = {model.key()}
    return allowed, mismatches, cut_short


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--card", required=True, help="homecard executable")
    ap.add_argument("--port", type=int, required=True, help="vpcd port of the reader slot")
    ap.add_argument("--reader", required=True, help="substring of the PC/SC reader name")
    ap.add_argument("--state", required=True, help="state file (created fresh)")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=120.0, help="time bound of the loop")
    ap.add_argument("--max-kill-ms", type=float, default=250.0)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    log = open(args.state + ".log", "ab")
    card = Card(args.card, args.port, args.state, log)
    counts = {"iterations": 0, "answered": 0, "in_flight": 0, "cut_short_correct_pin": 0,
              "blocked": 0, "reinsertions": 0, "failures": 0}
    failures = []
    try:
        card.start()
        conn = connect(args.reader, card, counts)
        personalize(conn)
        model = Model(MAX_TRIES, frozenset())
        deadline = time.monotonic() + args.seconds
        while counts["iterations"] < args.iterations and time.monotonic() < deadline:
            counts["iterations"] += 1
            expect(conn, SELECT, "SELECT")
            journal = []
            delay = rng.uniform(0.0, args.max_kill_ms) / 1000.0
            timer = threading.Timer(delay, card.kill)
            timer.start()
            run_stream(conn, rng, Model(model.tries, model.registry), journal, max_ops=5000)
            timer.cancel()
            card.kill()
            card.reap()
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001
                pass
            time.sleep(PCSCD_POLL_SECONDS * 1.5)
            counts["answered"] += sum(1 for j in journal if j[2] is not None)
            in_flight = journal[-1] if journal and journal[-1][2] is None else None
            if in_flight:
                counts["in_flight"] += 1

            card.start()
            conn = connect(args.reader, card, counts)
            allowed, mismatches, cut_short = allowed_states(Model(model.tries, model.registry),
                                                            journal)
            observed = read_state(conn, counts)
            if observed == cut_short:
                counts["cut_short_correct_pin"] += 1
            problems = list(mismatches)
            if observed not in allowed:
                problems.append(
                    f"stored state tries={observed[0]} registry={sorted(i.decode() for i in observed[1])}"
                    f" not explained by the commands; allowed: "
                    + "; ".join(f"tries={t} registry={sorted(i.decode() for i in r)}"
                                for t, r in sorted(allowed, key=lambda k: (k[0], sorted(k[1])))))
            if problems:
                counts["failures"] += 1
                tail = ", ".join(f"{o}{'' if a is None else ' ' + a.decode()}="
                                 f"{'-' if s is None else format(s, '04X')}"
                                 for o, a, s in journal[-4:])
                failures.append(f"iteration {counts['iterations']} (kill after {delay * 1000:.0f} ms,"
                                f" last commands {tail}): " + " | ".join(problems))
                print("FAIL " + failures[-1], flush=True)
            # read_state verified PIN1 (counter full again); the registry is what is stored.
            model = Model(MAX_TRIES, observed[1])
    except RuntimeError as e:
        failures.append(str(e))
        counts["failures"] += 1
        print(f"FAIL iteration {counts['iterations']}: {e}", flush=True)
    finally:
        card.kill()
        card.reap()

    print("kill9: " + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    ok = not failures and counts["iterations"] > 0
    print(f"kill9: {counts['iterations'] if ok else counts['iterations'] - counts['failures']} passed,"
          f" {counts['failures']} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

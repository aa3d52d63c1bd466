#!/usr/bin/python3
"""kill -9 of a card process at random instants, against a model of its state.

Driven by test_kill9.sh, which starts the private pcscd and picks the seed. This program:
  1. starts the card (--kind home or access) on a fresh state file and personalizes it
     through PC/SC;
  2. loops: selects the card and sends a random stream of state-changing APDUs (right and wrong
     PIN guesses; home card: trust registry add and delete; access card: PUT DATA of the
     terminal ID) while a timer kills the card process with SIGKILL at a random instant;
     restarts the card on the same state file; checks it.

The check, after every restart:
  - the card process starts on the state file it left behind (never refused, never reset);
  - the stored state (PIN retry counter read with GET DATA DF01; the registry read with LIST,
    or the terminal ID read with GET DATA DF30) is one that the commands sent so far can
    explain: every command answered is applied, the one in flight (sent, no answer) is applied
    or not, and data changes are all-or-nothing;
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

HOME_AID = bytes.fromhex("F0484F4D454341524401")
ACCESS_AID = bytes.fromhex("F04143434553534341524401")
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


GET_STATUS = apdu(0x00, 0xCA, 0xDF, 0x01, le=0)
VERIFY_RIGHT = apdu(0x00, 0x20, 0x00, 0x81, PIN1)
VERIFY_WRONG = apdu(0x00, 0x20, 0x00, 0x81, WRONG)
# RESET RETRY COUNTER, P1 = 01 (resetting code only), P2 = 81: the same on both cards.
UNBLOCK = apdu(0x00, 0x2C, 0x01, 0x81, PUK)


class Model:
    """A card's PIN counter, its volatile PIN verification and its data: the home card's
    terminal registry (a frozenset of ids) or the access card's terminal ID (bytes)."""

    def __init__(self, tries, data, verified=False):
        self.tries, self.data, self.verified = tries, data, verified

    def key(self):
        return (self.tries, self.data)

    def apply(self, op, arg):
        """Returns (next model, expected SW, model if cut short mid-command or None)."""
        t, d, v = self.tries, self.data, self.verified
        if op == "U":
            # The PUK is checked (its own counter), then the PIN's counter is restored.
            return Model(MAX_TRIES, d, v), 0x9000, None
        if op in ("C", "W"):
            if t == 0:
                return Model(t, d, v), 0x6983, None
            if op == "W":
                # Decrement persisted first, then the mismatch: cut short is the same.
                return Model(t - 1, d, False), 0x63C0 | (t - 1), None
            # A match restores the counter in a second store; cut short between the two, the
            # try stays spent (and nothing was verified).
            return Model(MAX_TRIES, d, True), 0x9000, Model(t - 1, d, False)
        if not v:
            return Model(t, d, v), 0x6982, None
        if op == "P":  # access card: PUT DATA terminal ID
            return Model(t, arg, v), 0x9000, None
        if op == "A":
            if arg in d:
                return Model(t, d, v), 0x6A89, None
            return Model(t, d | {arg}, v), 0x9000, None
        if arg not in d:
            return Model(t, d, v), 0x6A88, None
        return Model(t, d - {arg}, v), 0x9000, None


def describe(data):
    if isinstance(data, frozenset):
        return "registry=" + str(sorted(i.decode() for i in data))
    return f"terminal ID={data.decode()}"


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


class HomeCard:
    name = "homecard"
    select = apdu(0x00, 0xA4, 0x04, 0x0C, HOME_AID)
    initial_data = frozenset()

    @staticmethod
    def personalize(conn):
        expect(conn, HomeCard.select, "SELECT")
        expect(conn, apdu(0x00, 0x24, 0x01, 0x81, PIN1), "set PIN1")
        expect(conn, apdu(0x00, 0x24, 0x01, 0x82, PIN2), "set PIN2")
        expect(conn, apdu(0x00, 0x24, 0x01, 0x83, PUK), "set PUK")
        expect(conn, apdu(0x00, 0x44, 0x00, 0x00), "ACTIVATE")

    @staticmethod
    def random_op(rng):
        op = rng.choices(["C", "W", "A", "D"], weights=[3, 2, 3, 2])[0]
        return op, (rng.choice(IDS) if op in ("A", "D") else None)

    @staticmethod
    def op_apdu(op, arg):
        if op == "A":
            entry = bytes([0xC0, len(arg)]) + arg + bytes([0xC1, 65]) + P256_G
            return apdu(0x80, 0xE2, 0x01, 0x00, entry)
        return apdu(0x80, 0xE4, 0x01, 0x00, arg)

    @staticmethod
    def read_data(conn):
        listing = expect(conn, apdu(0x80, 0xE6, 0x01, 0x00, le=0), "LIST terminals")
        ids, i = set(), 0
        # E1 L { C0 L id, C1 41 point }
        while i < len(listing):
            length = listing[i + 1]
            entry = listing[i + 2:i + 2 + length]
            ids.add(bytes(entry[2:2 + entry[1]]))
            i += 2 + length
        return frozenset(ids)


class AccessCard:
    name = "accesscard"
    select = apdu(0x00, 0xA4, 0x04, 0x0C, ACCESS_AID)
    initial_data = b"T-INIT"

    @staticmethod
    def personalize(conn):
        expect(conn, AccessCard.select, "SELECT")
        expect(conn, apdu(0x00, 0x24, 0x01, 0x81, PIN1), "set PIN")
        expect(conn, apdu(0x00, 0x24, 0x01, 0x83, PUK), "set PUK")
        expect(conn, apdu(0x00, 0x47, 0x80, 0x01, le=0), "GENERATE terminal key")
        expect(conn, apdu(0x00, 0xDA, 0xDF, 0x30, AccessCard.initial_data), "PUT DATA terminal ID")
        expect(conn, apdu(0x00, 0xDA, 0xDF, 0x31, P256_G), "PUT DATA home server key")
        expect(conn, apdu(0x00, 0xDA, 0xDF, 0x32, b"home.lan:8443"), "PUT DATA address")
        expect(conn, apdu(0x00, 0x44, 0x00, 0x00), "ACTIVATE")

    @staticmethod
    def random_op(rng):
        op = rng.choices(["C", "W", "P"], weights=[3, 2, 4])[0]
        return op, (b"T-%d" % rng.randrange(1000) if op == "P" else None)

    @staticmethod
    def op_apdu(op, arg):
        return apdu(0x00, 0xDA, 0xDF, 0x30, arg)

    @staticmethod
    def read_data(conn):
        return expect(conn, apdu(0x00, 0xCA, 0xDF, 0x30, le=0), "GET DATA terminal ID")


def op_apdu(kind, op, arg):
    if op == "C":
        return VERIFY_RIGHT
    if op == "W":
        return VERIFY_WRONG
    if op == "U":
        return UNBLOCK
    return kind.op_apdu(op, arg)


def read_state(kind, conn, counts):
    """(PIN tries, data) as stored; leaves the PIN verified with a full counter."""
    expect(conn, kind.select, "SELECT")
    status = expect(conn, GET_STATUS, "GET DATA status")
    # Both cards: 80 01 lifecycle, 81 01 security, 82 01 PIN(1) tries, ...
    if len(status) < 9 or status[6] != 0x82:
        raise RuntimeError(f"unexpected status object {status.hex()}")
    tries = status[8]
    if tries == 0:
        counts["blocked"] += 1
        expect(conn, UNBLOCK, "RESET RETRY COUNTER with the PUK")
    expect(conn, VERIFY_RIGHT, "VERIFY PIN")
    return tries, kind.read_data(conn)


def run_stream(kind, conn, rng, journal, max_ops):
    """Sends random operations until the card goes away; journal: [(op, arg, sw or None)]."""
    for _ in range(max_ops):
        op, arg = kind.random_op(rng)
        journal.append([op, arg, None])
        try:
            _, sw = transmit(conn, op_apdu(kind, op, arg))
        except Exception:  # noqa: BLE001 - the card was killed under us
            return
        journal[-1][2] = sw
        # A blocked PIN is unblocked right away, as the holder would, so the stream goes on.
        if sw == 0x6983 or (op == "W" and sw == 0x63C0):
            journal.append(["U", None, None])
            try:
                _, sw = transmit(conn, UNBLOCK)
            except Exception:  # noqa: BLE001
                return
            journal[-1][2] = sw


def allowed_states(start, journal):
    """The stored (tries, data) states the journal explains, the SWs that disagree with the
    model, and the state of a correct PIN cut short in flight (or None)."""
    model, allowed, mismatches, cut_short = start, {start.key()}, [], None
    for op, arg, sw in journal:
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
    ap.add_argument("--kind", choices=["home", "access"], default="home")
    ap.add_argument("--card", required=True, help="the card executable")
    ap.add_argument("--port", type=int, required=True, help="vpcd port of the reader slot")
    ap.add_argument("--reader", required=True, help="substring of the PC/SC reader name")
    ap.add_argument("--state", required=True, help="state file (created fresh)")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=120.0, help="time bound of the loop")
    ap.add_argument("--max-kill-ms", type=float, default=250.0)
    args = ap.parse_args()

    kind = HomeCard if args.kind == "home" else AccessCard
    rng = random.Random(args.seed)
    log = open(args.state + ".log", "ab")
    card = Card(args.card, args.port, args.state, log)
    counts = {"iterations": 0, "answered": 0, "in_flight": 0, "cut_short_correct_pin": 0,
              "blocked": 0, "reinsertions": 0, "failures": 0}
    try:
        card.start()
        conn = connect(args.reader, card, counts)
        kind.personalize(conn)
        stored = Model(MAX_TRIES, kind.initial_data)
        deadline = time.monotonic() + args.seconds
        while counts["iterations"] < args.iterations and time.monotonic() < deadline:
            counts["iterations"] += 1
            expect(conn, kind.select, "SELECT")
            journal = []
            delay = rng.uniform(0.0, args.max_kill_ms) / 1000.0
            timer = threading.Timer(delay, card.kill)
            timer.start()
            run_stream(kind, conn, rng, journal, max_ops=5000)
            timer.cancel()
            card.kill()
            card.reap()
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001
                pass
            time.sleep(PCSCD_POLL_SECONDS * 1.5)
            counts["answered"] += sum(1 for j in journal if j[2] is not None)
            if journal and journal[-1][2] is None:
                counts["in_flight"] += 1

            card.start()
            conn = connect(args.reader, card, counts)
            allowed, mismatches, cut_short = allowed_states(stored, journal)
            observed = read_state(kind, conn, counts)
            if observed == cut_short:
                counts["cut_short_correct_pin"] += 1
            problems = list(mismatches)
            if observed not in allowed:
                problems.append(
                    f"stored state tries={observed[0]} {describe(observed[1])} is not explained"
                    " by the commands; allowed: "
                    + "; ".join(f"tries={t} {describe(d)}" for t, d in allowed))
            if problems:
                counts["failures"] += 1
                tail = ", ".join(f"{o}{'' if a is None else ' ' + a.decode()}="
                                 f"{'-' if w is None else format(w, '04X')}"
                                 for o, a, w in journal[-4:])
                print(f"FAIL iteration {counts['iterations']} (kill after {delay * 1000:.0f} ms,"
                      f" last commands {tail}): " + " | ".join(problems), flush=True)
            # read_state verified the PIN (counter full again); the data is what is stored.
            stored = Model(MAX_TRIES, observed[1])
    except RuntimeError as e:
        counts["failures"] += 1
        print(f"FAIL iteration {counts['iterations']}: {e}", flush=True)
    finally:
        card.kill()
        card.reap()

    print(f"kill9 {kind.name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    passed = counts["iterations"] - counts["failures"]
    print(f"kill9 {kind.name}: {passed} passed, {counts['failures']} failed")
    return 0 if counts["failures"] == 0 and counts["iterations"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

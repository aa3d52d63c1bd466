#!/usr/bin/python3
"""cardlink_fake_card.py: an attacker's card on a vpcd slot, for tests/security.

It speaks vsmartcard's vpcd protocol (2-byte big-endian length, then the payload; a 1-byte
payload is a reader control code: 00 off, 01 on, 02 reset, 04 get ATR) and writes every command
APDU it receives, in hex, one per line, to LOG. Two behaviours:

  --answer-ok       answers 9000 to everything (SELECT included): a card that merely claims to be
                    the home card, as any process on the card port can.
  --relay READER    forwards every APDU to the real card in READER (through pcscd, pyscard) and
                    returns its answer: a man in the middle on the card link, which sees every
                    byte and passes the real card's answers on.

Link modes, as vpcd is configured: --connect PORT (vpcd listens, Debian's default reader.conf)
or --listen PORT (vpcd connects out to 127.0.0.1:PORT, the project's loopback reader.conf).
"""
import argparse
import socket
import sys
import time

ATR = bytes.fromhex("3B8880014641434543415244FF")  # any well-formed ATR will do


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class Relay:
    def __init__(self, reader_name):
        from smartcard.System import readers

        for r in readers():
            if str(r) == reader_name:
                self.connection = r.createConnection()
                self.connection.connect()
                return
        raise SystemExit(f"relay: no reader {reader_name!r}")

    def transmit(self, apdu):
        data, sw1, sw2 = self.connection.transmit(list(apdu))
        return bytes(data) + bytes([sw1, sw2])


def serve(sock, log, relay):
    while True:
        size = int.from_bytes(read_exact(sock, 2), "big")
        payload = read_exact(sock, size)
        if len(payload) == 1:
            if payload[0] == 0x04:
                sock.sendall(len(ATR).to_bytes(2, "big") + ATR)
            continue
        log.write(payload.hex() + "\n")
        log.flush()
        answer = relay.transmit(payload) if relay else b"\x90\x00"
        sock.sendall(len(answer).to_bytes(2, "big") + answer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--connect", type=int, metavar="PORT")
    mode.add_argument("--listen", type=int, metavar="PORT")
    behaviour = parser.add_mutually_exclusive_group(required=True)
    behaviour.add_argument("--answer-ok", action="store_true")
    behaviour.add_argument("--relay", metavar="READER")
    args = parser.parse_args()
    relay = Relay(args.relay) if args.relay else None
    server = None
    if args.listen:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", args.listen))
        server.listen(1)
    with open(args.log, "a") as log:
        while True:
            try:
                if server:
                    sock, _ = server.accept()
                else:
                    sock = socket.create_connection(("127.0.0.1", args.connect))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                serve(sock, log, relay)
            except (ConnectionError, OSError):
                time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A real SMTP server for the notice tests (Debian's python3-aiosmtpd).

Serves on a listening socket the test hands over as file descriptor --fd (the test binds
127.0.0.1:0 itself, so the port is chosen by the kernel and stays reserved while the server is
"down"), writes every accepted message to --dir as NNNN.json ({"mail_from", "rcpt_tos",
"content"}), written to a temporary name and renamed so a reader never sees half a file, prints
READY once it accepts connections, and exits when its stdin closes (the test ends or dies).

--reject N answers the first N DATA commands with --reject-code (451 "try again later"; or e.g.
554), to test retries.
--auth USER:PASSWORD requires SMTP AUTH with these credentials (plain text is allowed: tests only).
--tls starttls|implicit with --cert/--key: offer and require STARTTLS, or TLS from the first byte
(smtps).
"""
import argparse
import asyncio
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult


class DirectoryHandler:
    def __init__(self, directory, reject, reject_code):
        self.directory = directory
        self.reject = reject
        self.reject_code = reject_code
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.reject > 0:
            self.reject -= 1
            if self.reject_code == 451:
                return "451 4.3.0 Test server: try again later"
            return "%d 5.0.0 Test server: rejected" % self.reject_code
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "content": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.directory, "%04d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", type=int, default=0)
    parser.add_argument("--reject-code", type=int, default=451)
    parser.add_argument("--auth", default=None)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    handler = DirectoryHandler(args.dir, args.reject, args.reject_code)
    options = {"hostname": "localhost"}  # no DNS look-up of our own name
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535

        options.update(authenticator=authenticator, auth_required=True,
                       auth_require_tls=args.tls != "none")

    server_ssl = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            server_ssl = context

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = socket.socket(fileno=args.fd)
    sock.listen(16)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, loop=loop, **options), sock=sock,
                           ssl=server_ssl))

    def wait_for_stdin_eof():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    print("READY", flush=True)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()

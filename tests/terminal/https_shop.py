#!/usr/bin/env python3
"""A second test shop for test_terminal_live.sh: TLS 1.2 only, client certificate required
(against CA), session cache without tickets (resumption by session ID), and HTTP that
openssl s_server -www lacks: POST / echoes the body, any other path is 404.

usage: https_shop.py PORT CERT KEY CA
"""
import http.server
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        if self.path == "/":
            self.answer(200, "hello %s reused=%s\n" % (self.client_name(), self.connection.session_reused))
        else:
            self.answer(404, "no such page\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode(errors="replace")
        self.answer(200 if self.path == "/" else 404, "posted: %s\n" % body)

    def client_name(self):
        subject = dict(x[0] for x in self.connection.getpeercert()["subject"])
        return subject.get("commonName", "?")

    def log_message(self, fmt, *args):
        sys.stderr.write("shop2: " + (fmt % args) + "\n")


class Server(http.server.HTTPServer):
    def shutdown_request(self, request):
        # OpenSSL drops a session from its cache when the connection ends without a
        # close_notify (ssl_clear_bad_session); the home server's handshake-only connection
        # must stay resumable, so always send ours.
        try:
            request.unwrap()
        except (OSError, ValueError):
            pass
        super().shutdown_request(request)


def main():
    port, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_TICKET
    context.load_cert_chain(cert, key)
    context.load_verify_locations(ca)
    context.verify_mode = ssl.CERT_REQUIRED
    server = Server(("127.0.0.1", port), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

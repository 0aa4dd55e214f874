#!/usr/bin/env python3
# https-echo.py: a small HTTPS server for the http.c tests.
#
#   https-echo.py PORT CERT KEY LOG
#
# GET  /            "hello from https-echo\n", ETag "v1", gzip when asked
# GET  /big?n=N     N bytes of 'x'
# GET  /status/NNN  an empty answer with status NNN
# GET  /stall       never answers (a thread sleeps)
# POST /echo        the request body, gunzipped when Content-Encoding: gzip
#
# One line per request goes to LOG:
#   METHOD PATH encoding=E raw=N decoded=M accept-encoding=A via=CONNECT|direct
import gzip
import http.server
import socketserver
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, encoding, raw, decoded):
        with open(self.server.logpath, "a") as f:
            f.write("%s %s encoding=%s raw=%d decoded=%d "
                    "accept-encoding=%s\n" % (
                        self.command, self.path, encoding, raw, decoded,
                        self.headers.get("Accept-Encoding", "-")))

    def reply(self, status, body, extra=()):
        accept = self.headers.get("Accept-Encoding", "")
        headers = list(extra)
        if body and "gzip" in accept:
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.note("-", 0, 0)
        if self.path == "/":
            self.reply(200, b"hello from https-echo\n",
                       [("ETag", '"v1"'), ("Content-Type", "text/plain")])
        elif self.path.startswith("/big?n="):
            self.reply(200, b"x" * int(self.path[7:]))
        elif self.path.startswith("/status/"):
            self.reply(int(self.path[8:]), b"")
        elif self.path == "/stall":
            time.sleep(3600)
        else:
            self.reply(404, b"not found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "identity")
        body = gzip.decompress(raw) if encoding == "gzip" else raw
        self.note(encoding, len(raw), len(body))
        self.reply(200, body, [("Content-Type", "application/octet-stream")])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port, cert, key, logpath = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = Server(("127.0.0.1", int(port)), Handler)
    server.logpath = logpath
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""conn-hold.py: a client that holds many idle connections to a server.

usage: conn-hold.py --port PORT --count N --sources A,B,... [--tls]
                    [--reopen SECONDS] [--duration SECONDS] [--status FILE]

Opens N TCP connections to 127.0.0.1:PORT, spread evenly over the source
addresses (loopback addresses such as 127.0.0.2), and holds them: it never
sends a request. With --tls each connection sends a real TLS ClientHello,
reads what the server answers and then never finishes the handshake. A
connection the server closes is opened again after --reopen seconds (the
client keeps holding N). Every second the status file gets one line:
"open=N connected=N closed=N opened=N" (open: sockets held now, connected:
of them connected, closed: closed by the server so far, opened: attempts).
Stops after --duration seconds, or on SIGTERM.
"""
import argparse
import errno
import os
import selectors
import signal
import socket
import ssl
import sys
import time


def client_hello():
    """The bytes of a TLS ClientHello a real client would send."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inb, outb, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outb.read()


class Holder:
    def __init__(self, args):
        self.args = args
        self.sources = args.sources.split(",")
        self.hello = client_hello() if args.tls else None
        self.sel = selectors.DefaultSelector()
        self.socks = {}          # socket -> [source, connected]
        self.pending = []        # (time, source) to reopen
        self.closed = 0
        self.opened = 0
        self.stop = False

    def open(self, source):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((source, 0))
            err = s.connect_ex(("127.0.0.1", self.args.port))
        except OSError:
            s.close()
            self.pending.append((time.monotonic() + self.args.reopen,
                                 source))
            return
        self.opened += 1
        if err not in (0, errno.EINPROGRESS):
            s.close()
            self.closed += 1
            self.pending.append((time.monotonic() + self.args.reopen,
                                 source))
            return
        self.socks[s] = [source, False]
        self.sel.register(s, selectors.EVENT_WRITE)

    def gone(self, s):
        source = self.socks.pop(s)[0]
        self.sel.unregister(s)
        s.close()
        self.closed += 1
        self.pending.append((time.monotonic() + self.args.reopen, source))

    def event(self, s, mask):
        state = self.socks[s]
        if not state[1]:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                self.gone(s)
                return
            state[1] = True
            if self.hello is not None:
                try:
                    s.send(self.hello)
                except OSError:
                    self.gone(s)
                    return
            self.sel.modify(s, selectors.EVENT_READ)
            return
        try:
            data = s.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.gone(s)

    def status(self):
        connected = sum(1 for v in self.socks.values() if v[1])
        line = "open=%d connected=%d closed=%d opened=%d\n" % (
            len(self.socks), connected, self.closed, self.opened)
        if self.args.status:
            with open(self.args.status + ".tmp", "w") as f:
                f.write(line)
            os.replace(self.args.status + ".tmp", self.args.status)

    def run(self):
        for i in range(self.args.count):
            self.open(self.sources[i % len(self.sources)])
        end = time.monotonic() + self.args.duration
        next_status = 0
        while not self.stop and time.monotonic() < end:
            for key, mask in self.sel.select(timeout=0.1):
                self.event(key.fileobj, mask)
            now = time.monotonic()
            due = [p for p in self.pending if p[0] <= now]
            self.pending = [p for p in self.pending if p[0] > now]
            for _, source in due:
                self.open(source)
            if now >= next_status:
                self.status()
                next_status = now + 1
        self.status()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--sources", default="127.0.0.1")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--reopen", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--status")
    args = ap.parse_args()
    h = Holder(args)

    def on_term(signum, frame):
        h.stop = True
    signal.signal(signal.SIGTERM, on_term)
    h.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

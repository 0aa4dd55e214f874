#!/usr/bin/env python3
"""conn-probe.py: one client behaviour against a TLS server, timed.

usage: conn-probe.py MODE --port PORT --source ADDR [--ca CA] [--token T]
                     [--path PATH] [--count N]

Modes (each prints one line of "key=value" results):
  idle-tcp     connect and send nothing; closed=SECONDS until the server
               closed the connection
  slow-header  TLS, then a request header one byte every 0.2 s;
               closed=SECONDS from the handshake, sent=BYTES
  slow-body    TLS, a whole header announcing 1000 bytes, then one body
               byte every 0.2 s; closed=SECONDS from the header
  keepalive    TLS, one GET PATH read in full, then idle;
               closed=SECONDS from the answer
  slow-reader  TLS with a 4 KiB receive buffer, GET PATH, never reads;
               waits for SIGTERM (the test watches the server)
  hold-idle    COUNT TLS connections each with one GET PATH answered,
               then held; prints held=N (connections that got an answer)
               and refused=N (whose handshake the server cut at once),
               then waits for SIGTERM; on SIGTERM prints alive=N
"""
import argparse
import signal
import socket
import ssl
import sys
import time


def tcp(args, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((args.source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", args.port))
    return s


def tls(args, rcvbuf=None):
    ctx = ssl.create_default_context(cafile=args.ca)
    return ctx.wrap_socket(tcp(args, rcvbuf), server_hostname="localhost")


def request(args, method="GET", length=None):
    head = "%s %s HTTP/1.1\r\nHost: localhost\r\n" % (method, args.path)
    if args.token:
        head += "Authorization: Bearer %s\r\n" % args.token
    if length is not None:
        head += "Content-Type: application/json\r\n"
        head += "Content-Length: %d\r\n" % length
    return (head + "\r\n").encode()


def wait_closed(s, limit=15):
    """Seconds until the peer closes s (reads and drops what comes)."""
    start = time.monotonic()
    s.settimeout(0.1)
    while time.monotonic() - start < limit:
        try:
            if not s.recv(65536):
                break
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            break
    return time.monotonic() - start


def read_answer(s):
    """Read one HTTP answer with a Content-Length; return its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the answer")
        rest += chunk
    return int(head.split()[1])


def trickle(s, data, start):
    """Send data a byte every 0.2 s until the peer closes; seconds."""
    for b in data:
        try:
            s.send(bytes([b]))
        except (OSError, ssl.SSLError):
            return time.monotonic() - start
        time.sleep(0.2)
    return time.monotonic() - start + wait_closed(s)


def sleep_until_term():
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    while not done:
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--source", default="127.0.0.1")
    ap.add_argument("--ca")
    ap.add_argument("--token")
    ap.add_argument("--path", default="/api/v1/settings")
    ap.add_argument("--count", type=int, default=1)
    args = ap.parse_args()

    if args.mode == "idle-tcp":
        s = tcp(args)
        print("closed=%.2f" % wait_closed(s))
    elif args.mode == "slow-header":
        s = tls(args)
        start = time.monotonic()
        head = request(args) + b"X-Pad: " + b"a" * 200 + b"\r\n\r\n"
        print("closed=%.2f" % trickle(s, head, start))
    elif args.mode == "slow-body":
        s = tls(args)
        s.send(request(args, "POST", 1000))
        print("closed=%.2f" % trickle(s, b"{" + b" " * 999,
                                      time.monotonic()))
    elif args.mode == "keepalive":
        s = tls(args)
        s.send(request(args))
        status = read_answer(s)
        print("status=%d closed=%.2f" % (status, wait_closed(s)))
    elif args.mode == "slow-reader":
        s = tls(args, rcvbuf=4096)
        s.send(request(args))
        print("sent=1", flush=True)
        sleep_until_term()
    elif args.mode == "hold-idle":
        held, refused = [], 0
        for _ in range(args.count):
            try:
                s = tls(args)
                s.send(request(args))
                read_answer(s)
                held.append(s)
            except (OSError, ssl.SSLError, ConnectionError):
                refused += 1
        print("held=%d refused=%d" % (len(held), refused), flush=True)
        sleep_until_term()
        alive = 0
        for s in held:
            s.setblocking(False)
            try:
                alive += 1 if s.recv(1) is None else 0
            except (BlockingIOError, ssl.SSLWantReadError):
                alive += 1
            except (OSError, ssl.SSLError):
                pass
        print("alive=%d" % alive, flush=True)
    else:
        ap.error("unknown mode %s" % args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())

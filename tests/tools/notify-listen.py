#!/usr/bin/env python3
"""notify-listen.py: the service manager's side of sd_notify(3) for tests.

Usage: notify-listen.py SOCKET OUT PROBE [SECONDS]

Binds an AF_UNIX datagram socket at SOCKET (what systemd passes as
$NOTIFY_SOCKET) and, for every datagram, at once probes whether the daemon
serves, then appends one line to OUT: each "KEY=value" of the datagram,
joined by ';', a tab, and "serving" or "not-serving: REASON". PROBE is
tcp:HOST:PORT (a TCP connect) or unix:PATH (a stream connect). Exits after
SECONDS (default 60) or on SIGTERM.
"""
import os
import signal
import socket
import sys


def probe(spec):
    """Connect as PROBE says; return "serving" or "not-serving: why"."""
    kind, _, where = spec.partition(":")
    try:
        if kind == "tcp":
            host, _, port = where.rpartition(":")
            s = socket.create_connection((host, int(port)), timeout=2)
        elif kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(2)
            s.connect(where)
        else:
            return "not-serving: unknown probe " + spec
        s.close()
        return "serving"
    except OSError as e:
        return "not-serving: " + str(e)


def main():
    path, out, spec = sys.argv[1], sys.argv[2], sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(seconds)
    # Bound: the daemon may be started now.
    with open(out + ".bound", "w"):
        pass
    try:
        while True:
            data = s.recv(4096)
            states = data.decode(errors="replace").strip().split("\n")
            line = ";".join(states) + "\t" + probe(spec) + "\n"
            with open(out, "a") as f:
                f.write(line)
    except socket.timeout:
        pass
    finally:
        s.close()
        os.unlink(path)


if __name__ == "__main__":
    main()

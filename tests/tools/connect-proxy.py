#!/usr/bin/env python3
# connect-proxy.py: a scripted HTTP CONNECT proxy for the http.c tests.
#
#   connect-proxy.py PORT MODE LOG
#
# MODE  ok      tunnel every CONNECT (answer 200, then relay both ways)
#       NNN     answer every CONNECT with status NNN (e.g. 403, 502)
#       close   read the CONNECT request, then close without an answer
#       silent  read the CONNECT request, then never answer
#
# Each CONNECT request head (request line and headers) is appended to LOG,
# followed by a line "--".
import select
import socket
import sys
import threading
import time


def relay(a, b):
    socks = [a, b]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [], 120)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        return
    finally:
        a.close()
        b.close()


def handle(conn, mode, logpath):
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            conn.close()
            return
        head += data
    head, _, rest = head.partition(b"\r\n\r\n")
    with open(logpath, "ab") as f:
        f.write(head + b"\n--\n")
    if mode == "close":
        conn.close()
        return
    if mode == "silent":
        time.sleep(3600)
        return
    if mode != "ok":
        conn.sendall(b"HTTP/1.1 " + mode.encode() + b" Scripted\r\n"
                     b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()
        return
    target = head.split(b"\r\n")[0].split(b" ")[1].decode()
    host, _, port = target.rpartition(":")
    try:
        upstream = socket.create_connection((host, int(port)), 5)
    except OSError:
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        conn.close()
        return
    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    if rest:
        upstream.sendall(rest)
    relay(conn, upstream)


def main():
    port, mode, logpath = sys.argv[1], sys.argv[2], sys.argv[3]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, mode, logpath),
                         daemon=True).start()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# cid-serve.py: a stand-in correlation ID service for the outpost-scan
# tests, answering each connection on 127.0.0.1:PORT with the line of CID
# sent as MODE says, then closing:
#
#   cid-serve.py PORT CID MODE [DELAY]
#
#   line        the line in one segment (after DELAY seconds, default 0)
#   split       the line in three segments, DELAY apart
#   extra       the line and one more byte in the same segment
#   extra-late  the line, then one more byte DELAY later in its own segment
#   hold        the line, then the connection held open DELAY seconds
import socket
import sys
import threading
import time


def serve(conn, cid, mode, delay):
    line = ("OUTPOST-CID/1 %s\r\n" % cid).encode()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if mode == "line":
            time.sleep(delay)
            conn.sendall(line)
        elif mode == "split":
            for part in (line[:10], line[10:30], line[30:]):
                conn.sendall(part)
                time.sleep(delay)
        elif mode == "extra":
            conn.sendall(line + b"X")
        elif mode == "extra-late":
            conn.sendall(line)
            time.sleep(delay)
            conn.sendall(b"X")
        elif mode == "hold":
            conn.sendall(line)
            time.sleep(delay)
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)
    except OSError:
        pass
    conn.close()


def main():
    port, cid, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, cid, mode, delay),
                         daemon=True).start()


if __name__ == "__main__":
    main()

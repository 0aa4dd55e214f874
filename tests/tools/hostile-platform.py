#!/usr/bin/env python3
# hostile-platform.py: a server that speaks the agent API with the
# platform's own certificate, as a TLS-inspecting proxy, a captive portal
# or a broken platform would, for the hostile-server tests.
#
#   hostile-platform.py PORT CERT KEY UPSTREAM CAFILE RULES LOG
#
# Every request goes to the real platform at UPSTREAM (verified against
# CAFILE) and its answer back to the agent, unless a rule of the JSON file
# RULES (read again whenever it changes; absent = no rules) matches it.
# The first rule whose "method" and "path" (exact; "path*" a prefix) match
# decides:
#
#   {"path": "/agent/v1/errors", "status": 302,
#    "headers": {"Location": "https://portal.example/login"},
#    "content_type": "text/html", "body": "<html>sign in</html>"}
#   {"path": "/agent/v1/heartbeat", "forward": true,
#    "set": {"commands": ["reactivate"]}, "delete": ["profile_id"]}
#   {"path": "/agent/v1/profile", "status": 200,
#    "repeat": {"head": "[", "unit": "{},", "tail": "{}]", "size": 16777216}}
#   {"path": "/agent/v1/profile", "status": 200, "body_file": "/tmp/p.json"}
#   {"path": "/agent/v1/heartbeat", "status": 200, "gzip": true,
#    "json": {"agent_id": "...", "commands": ["uninstall"]}}
#
# "forward" answers with the platform's answer, its JSON object changed by
# "set" (members replaced) and "delete"; "@AGENT_ID@" in a "set" string is
# the agent id of the request's credential. "content_type" defaults to
# application/json. One line per request goes to LOG:
#   TIME METHOD PATH STATUS BYTES rule=N|forward
import gzip
import http.client
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

PASS_HEADERS = ("Authorization", "Content-Type", "Content-Encoding",
                "If-None-Match", "Accept")


class Rules:
    """The rules file, read again when its modification time changes."""

    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.rules = []
        self.cache = {}
        self.lock = threading.Lock()

    def current(self):
        with self.lock:
            try:
                mtime = os.stat(self.path).st_mtime_ns
            except FileNotFoundError:
                self.rules, self.mtime = [], None
                return self.rules
            if mtime != self.mtime:
                with open(self.path) as f:
                    self.rules = json.load(f)
                self.mtime = mtime
                self.cache = {}
            return self.rules

    def body(self, index, rule):
        """The body a rule answers with (made once per rule)."""
        with self.lock:
            if index in self.cache:
                return self.cache[index]
        if "repeat" in rule:
            r = rule["repeat"]
            unit = r["unit"].encode()
            head, tail = r.get("head", "").encode(), r.get("tail", "").encode()
            n = max(0, (r["size"] - len(head) - len(tail)) // len(unit))
            data = head + unit * n + tail
        elif "body_file" in rule:
            with open(rule["body_file"], "rb") as f:
                data = f.read()
        elif "json" in rule:
            data = json.dumps(rule["json"]).encode()
        else:
            data = rule.get("body", "").encode()
        if rule.get("gzip"):
            data = gzip.compress(data)
        with self.lock:
            self.cache[index] = data
        return data


def matches(rule, method, path):
    want = rule.get("path", "*")
    if rule.get("method", method) != method:
        return False
    if want.endswith("*"):
        return path.startswith(want[:-1])
    return path == want


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status, size, how):
        with self.server.loglock, open(self.server.logpath, "a") as f:
            f.write("%.3f %s %s %d %d %s\n" % (time.time(), self.command,
                                              self.path, status, size, how))

    def agent_id(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:].split(".")[0]
        return ""

    def upstream(self, body):
        u = self.server.upstream
        conn = http.client.HTTPSConnection(u.hostname, u.port,
                                           context=self.server.client_ctx,
                                           timeout=30)
        headers = {h: self.headers[h] for h in PASS_HEADERS
                   if self.headers.get(h) is not None}
        conn.request(self.command, self.path, body=body or None,
                     headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = [(h, resp.getheader(h)) for h in ("ETag", "Content-Type",
                                                 "Location")
               if resp.getheader(h) is not None]
        status = resp.status
        conn.close()
        return status, out, data

    def change(self, rule, data):
        try:
            obj = json.loads(data)
        except ValueError:
            return data
        if not isinstance(obj, dict):
            return data
        for k in rule.get("delete", []):
            obj.pop(k, None)
        for k, v in rule.get("set", {}).items():
            if isinstance(v, str):
                v = v.replace("@AGENT_ID@", self.agent_id())
            obj[k] = v
        return json.dumps(obj).encode()

    def send(self, status, headers, data, how):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.note(status, len(data), how)

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length > 0 else b""
        path = urllib.parse.urlsplit(self.path).path
        rules = self.server.rules.current()
        for i, rule in enumerate(rules):
            if not matches(rule, self.command, path):
                continue
            if rule.get("forward"):
                status, headers, data = self.upstream(body)
                self.send(status, headers, self.change(rule, data),
                          "rule=%d" % i)
                return
            headers = [("Content-Type",
                        rule.get("content_type", "application/json"))]
            headers += list(rule.get("headers", {}).items())
            if rule.get("gzip"):
                headers.append(("Content-Encoding", "gzip"))
            self.send(rule.get("status", 200), headers,
                      self.server.rules.body(i, rule), "rule=%d" % i)
            return
        status, headers, data = self.upstream(body)
        self.send(status, headers, data, "forward")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port, cert, key, upstream, cafile, rules, logpath = sys.argv[1:8]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = Server(("127.0.0.1", int(port)), Handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.logpath = logpath
    server.loglock = threading.Lock()
    server.rules = Rules(rules)
    server.upstream = urllib.parse.urlsplit(upstream)
    server.client_ctx = ssl.create_default_context(cafile=cafile)
    server.serve_forever()


if __name__ == "__main__":
    main()

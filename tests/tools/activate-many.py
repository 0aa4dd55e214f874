#!/usr/bin/env python3
"""activate-many.py: make a fleet of agents through the agent API, as
real agents would: POST /agent/v1/activate for each (hostnames
PREFIX-00001...), over a few keep-alive TLS connections verified against
the platform's CA, then a heartbeat from some of them (so they are
online), some with a current error. Prints one line with the count, the
time taken and the rate.

    activate-many.py URL CA ACTIVATION_ID CUSTOMER_ID COUNT
        [--prefix fleet] [--connections 8] [--heartbeat-every 2]
        [--error-every 10] [--error-code E701]

Agent i (from 1) sends a heartbeat when i % heartbeat-every == 0, and
reports error-code as a current error when i % error-every == 0 too.
"""

import argparse
import http.client
import json
import ssl
import sys
import threading
import time
import urllib.parse


def work(args, numbers, failures):
    """Activate the agents numbered in numbers over one connection."""
    u = urllib.parse.urlsplit(args.url)
    ctx = ssl.create_default_context(cafile=args.ca)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                       timeout=60)

    def call(path, body, cred=None):
        headers = {"Content-Type": "application/json"}
        if cred:
            headers["Authorization"] = "Bearer " + cred
        conn.request("POST", path, json.dumps(body), headers)
        r = conn.getresponse()
        data = r.read()
        if r.status not in (200, 201):
            raise RuntimeError("%s: HTTP %d %s" % (path, r.status, data[:200]))
        return json.loads(data)

    try:
        for i in numbers:
            a = call("/agent/v1/activate", {
                "activation_id": args.activation_id,
                "customer_id": args.customer_id,
                "host": {"hostname": "%s-%05d" % (args.prefix, i),
                         "os": "Debian GNU/Linux", "os_version": "12",
                         "arch": "x86_64", "agent_version": "0.1.0",
                         "ip_addresses": ["10.%d.%d.%d" % (i >> 16 & 255,
                                          i >> 8 & 255, i & 255)]}})
            if i % args.heartbeat_every != 0:
                continue
            hb = {"status": "running", "agent_version": "0.1.0",
                  "current_errors": []}
            if i % args.error_every == 0:
                hb["current_errors"] = [{"code": args.error_code,
                                         "message": "made by activate-many"}]
            call("/agent/v1/heartbeat", hb, a["credential"])
    except (OSError, RuntimeError, ValueError, http.client.HTTPException) as e:
        failures.append(str(e))
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("url")
    p.add_argument("ca")
    p.add_argument("activation_id")
    p.add_argument("customer_id")
    p.add_argument("count", type=int)
    p.add_argument("--prefix", default="fleet")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--heartbeat-every", type=int, default=2)
    p.add_argument("--error-every", type=int, default=10)
    p.add_argument("--error-code", default="E701")
    args = p.parse_args()
    failures = []
    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=(
        args, range(1 + k, args.count + 1, args.connections), failures))
        for k in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    if failures:
        print("activate-many: %s" % failures[0], file=sys.stderr)
        return 1
    print("activated %d agents in %.1f s (%.0f/s) over %d connections" %
          (args.count, took, args.count / took, args.connections))
    return 0


if __name__ == "__main__":
    sys.exit(main())

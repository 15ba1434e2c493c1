#!/usr/bin/env python3
"""slow_clients.py — the slow-client attack, and /healthz measured during it.

    slow_clients.py PORT N SECONDS [--sources K] [--first-source 2]
    slow_clients.py PORT 0 SECONDS --probe-only

Opens N sockets to 127.0.0.1:PORT, spread over source addresses 127.0.0.F..
127.0.0.(F+K-1) (all loopback on Linux), each sending a request head one
byte a second and never finishing it. With --probe-only, GETs /healthz from
127.0.0.1 every 40 ms (a new connection each time) and records
the latency (run it as a second process beside the attack). Runs
SECONDS, then prints one JSON line:
{"opened", "refused", "closed_by_server", "first_closed_s", "last_closed_s",
 "closed_within_2s", "probes", "probe_failures", "p50_ms", "p99_ms", "max_ms"}.
Standard library only; loopback only.
"""
import json
import select
import socket
import sys
import time


def attack(port, n, seconds, sources, first, out):
    socks, refused = [], 0
    start = time.monotonic()
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(True)
        s.settimeout(0.5)  # a full accept queue must not stall the attack
        try:
            s.bind(("127.0.0.%d" % (first + i % sources), 0))
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            socks.append(s)
        except OSError:
            refused += 1
            s.close()
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4096
    pos = {s: 0 for s in socks}
    closed_at = {}
    deadline = start + seconds
    next_byte = time.monotonic()
    while time.monotonic() < deadline:
        live = [s for s in socks if s not in closed_at]
        if not live:
            break
        r, _, _ = select.select(live, [], [], 0.2)
        for s in r:  # readable: the server answered or closed
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_at[s] = time.monotonic() - start
        if time.monotonic() >= next_byte:
            next_byte += 1.0
            for s in live:
                if s in closed_at:
                    continue
                try:
                    s.send(head[pos[s]:pos[s] + 1])
                    pos[s] += 1
                except OSError:
                    closed_at[s] = time.monotonic() - start
    times = sorted(closed_at.values())
    out.update(opened=len(socks), refused=refused, closed_by_server=len(closed_at),
               first_closed_s=round(times[0], 2) if times else None,
               last_closed_s=round(times[-1], 2) if times else None,
               closed_within_2s=sum(1 for t in times if t <= 2.0))
    for s in socks:
        s.close()


def probe(port, seconds, out):
    lat, failures = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=2)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            c.close()
            if not data.startswith(b"HTTP/1.1 200"):
                failures += 1
            else:
                lat.append((time.monotonic() - t0) * 1000)
        except OSError:
            failures += 1
            lat.append(2000.0)
        time.sleep(0.04)
    lat.sort()
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None
    out.update(probes=len(lat), probe_failures=failures, p50_ms=pick(0.5), p99_ms=pick(0.99),
               max_ms=round(lat[-1], 2) if lat else None)


def main():
    args = sys.argv[1:]
    port, n, seconds = int(args[0]), int(args[1]), float(args[2])
    sources = int(args[args.index("--sources") + 1]) if "--sources" in args else 1
    first = int(args[args.index("--first-source") + 1]) if "--first-source" in args else 2
    out = {}
    t0 = time.monotonic()
    if "--probe-only" in args:  # a process of its own: no GIL shared with the attack
        probe(port, seconds, out)
    else:
        attack(port, n, seconds, sources, first, out)
    out["elapsed_s"] = round(time.monotonic() - t0, 2)
    print(json.dumps(out))


main()

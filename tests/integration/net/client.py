#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of tests/integration/net: real clients against the guest's
servers through QEMU's user networking (hostfwd on 127.0.0.1).

  client.py echo PORT MIB           one connection, MIB MiB both ways,
                                    byte-exact
  client.py udpecho PORT N          N datagrams of growing size
  client.py udpbye PORT N           "go", then N datagrams "bye I" back
                                    from a guest that exits at once
  client.py udpbye-warm PORT N      the same after an "ok"/"end" round
  client.py http PORT N             N requests: curl, then keep-alive
  client.py conc PORT N             N connections open at once, each
                                    echoes a line
  client.py sendfile PORT 0         one connection: rootfs/sendfile.txt,
                                    then the guest's tmpfs tail line

Every wait is bounded; exit status 0 means the exchange was exact.
"""
import hashlib
import http.client
import os
import socket
import subprocess
import sys
import threading

TIMEOUT = 120  # seconds for any single blocking call


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def echo(port, mib):
    data = os.urandom(mib << 20)
    s = connect(port)
    failure = []

    def sender():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            failure.append(e)

    t = threading.Thread(target=sender)
    t.start()
    got = hashlib.sha256()
    n = 0
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        got.update(chunk)
        n += len(chunk)
    t.join(TIMEOUT)
    s.close()
    if failure:
        sys.exit(f"echo: send failed: {failure[0]}")
    if n != len(data) or got.digest() != hashlib.sha256(data).digest():
        sys.exit(f"echo: {n} of {len(data)} bytes came back, or different")
    print(f"echo: {n} bytes back intact")


def udpecho(port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for i in range(count):
        msg = os.urandom(1 + (i * 997) % 8000)
        # UDP may lose a datagram even on loopback: a few tries each.
        for _ in range(5):
            s.sendto(msg, ("127.0.0.1", port))
            try:
                back, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            if back != msg:
                sys.exit(f"udpecho: datagram {i} came back different")
            break
        else:
            sys.exit(f"udpecho: no answer to datagram {i}")
    # The guest ends on the first "quit" that arrives; the rest find
    # nobody, which is harmless.
    for _ in range(5):
        s.sendto(b"quit", ("127.0.0.1", port))
    print(f"udpecho: {count} datagrams back intact")


def udpbye(port, count, warm=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    want = {f"bye {i}".encode() for i in range(count)}
    got = set()
    first = b"ok" if warm else None
    # "go" until the guest answers: it is read once the guest is ready,
    # and one datagram is all it waits for.
    for _ in range(120):
        s.sendto(b"go", ("127.0.0.1", port))
        try:
            first = s.recv(64)
            break
        except socket.timeout:
            continue
    else:
        sys.exit("udpbye: no answer to go")
    if warm:
        if first != b"ok":
            sys.exit(f"udpbye: {first!r} instead of ok")
        s.sendto(b"end", ("127.0.0.1", port))
    else:
        got.add(first)
    # The guest has sent everything by the time it exits; what is not
    # here within a few seconds of the last one is lost.
    s.settimeout(5)
    while got != want:
        try:
            got.add(s.recv(64))
        except socket.timeout:
            break
    if got - want:
        sys.exit(f"udpbye: unexpected {sorted(got - want)!r}")
    if got != want:
        missing = sorted(int(m.split()[1]) for m in want - got)
        sys.exit(f"udpbye: {len(missing)} of {count} datagrams lost: "
                 f"{missing}")
    print(f"udpbye: {count} datagrams from an exiting guest")


def http_req(port, count):
    url = f"http://127.0.0.1:{port}/"
    body = b"hello from mosaic\n"
    done = 0
    for _ in range(min(3, count)):
        out = subprocess.run(["curl", "-sS", "--max-time", str(TIMEOUT),
                              "-H", "Connection: close", url],
                             capture_output=True, check=False)
        if out.returncode != 0 or out.stdout != body:
            sys.exit(f"http: curl gave {out.returncode} {out.stdout!r} "
                     f"{out.stderr!r}")
        done += 1
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    while done < count:
        last = done == count - 1
        conn.request("GET", "/", headers={"Connection": "close"} if last
                     else {})
        r = conn.getresponse()
        if r.status != 200 or r.read() != body:
            sys.exit(f"http: request {done} answered {r.status}")
        done += 1
    conn.close()
    print(f"http: {done} requests answered")


def echoed(s, i, want):
    """Reads len(want) bytes from connection i and checks they are want."""
    got = b""
    while len(got) < len(want):
        chunk = s.recv(64)
        if not chunk:
            break
        got += chunk
    if got != want:
        sys.exit(f"conc: connection {i} echoed {got!r}, not {want!r}")


def conc(port, count):
    # QEMU's user network listens on the host with a backlog of 1
    # (libslirp's tcp_listen()): a connect made before QEMU has taken the
    # one before waits for the host's SYN retransmission (1 s, 2 s, ...),
    # which made this case take 60-95 s. So each connection has a line
    # echoed, which shows QEMU took it, before the next one is opened;
    # then all of them, held open, send again at once.
    socks = []
    for i in range(count):
        s = connect(port)
        s.sendall(f"hello {i}\n".encode())
        echoed(s, i, f"hello {i}\n".encode())
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(f"line {i}\n".encode())
    for i, s in enumerate(socks):
        echoed(s, i, f"line {i}\n".encode())
    for s in socks:
        s.close()
    print(f"conc: {count} connections echoed")


def sendfile(port, _):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "rootfs", "sendfile.txt"), "rb") as f:
        want = f.read() + b"copied from tmpfs\n"
    s = connect(port)
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    if bytes(got) != want:
        at = next((i for i in range(min(len(got), len(want)))
                   if got[i] != want[i]), min(len(got), len(want)))
        sys.exit(f"sendfile: got {len(got)} bytes, want {len(want)}; "
                 f"first difference at {at}")
    print(f"sendfile: {len(got)} bytes exact")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    what, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    {"echo": echo, "udpecho": udpecho, "http": http_req,
     "conc": conc, "sendfile": sendfile, "udpbye": udpbye,
     "udpbye-warm": lambda p, c: udpbye(p, c, warm=True)}[what](port, n)


if __name__ == "__main__":
    main()

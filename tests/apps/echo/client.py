#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of tests/apps/echo: checks that apps/echo sends back exactly
what it got, through QEMU's user networking (hostfwd on 127.0.0.1).

  client.py TCPPORT UDPPORT CONNS KIB

First UDP datagrams of many sizes on UDPPORT, then CONNS TCP connections
at once on TCPPORT: one closes without sending, one sends a single byte,
the others KIB KiB each, all sending and reading at the same time. The
guest runs with -n CONNS, so it exits 0 once all of them closed. Every
wait is bounded; exit status 0 means every byte came back exactly.
"""
import hashlib
import os
import socket
import sys
import threading

TIMEOUT = 60  # seconds for any single blocking call
UDP_SIZES = (1, 2, 7, 100, 512, 1471, 1472, 1473, 4000, 8192, 20000, 65507)


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for i, size in enumerate(UDP_SIZES):
        msg = os.urandom(size)
        # A datagram may be lost even on loopback: a few tries each; a
        # stale reply to an earlier try is told apart by its content.
        for _ in range(5):
            s.sendto(msg, ("127.0.0.1", port))
            try:
                back, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            if back != msg:
                sys.exit(f"udp: datagram {i} ({size} bytes) came back as "
                         f"{len(back)} different bytes")
            break
        else:
            sys.exit(f"udp: no answer to datagram {i} ({size} bytes)")
    s.close()
    print(f"udp: {len(UDP_SIZES)} datagrams back intact")


def tcp_one(s, data, errors, index):
    sent = []

    def sender():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            sent.append(e)

    t = threading.Thread(target=sender)
    t.start()
    got = hashlib.sha256()
    n = 0
    try:
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got.update(chunk)
            n += len(chunk)
    except OSError as e:
        errors.append(f"connection {index}: recv after {n} bytes: {e}")
    t.join(TIMEOUT)
    s.close()
    if sent:
        errors.append(f"connection {index}: send: {sent[0]}")
    elif n != len(data):
        errors.append(f"connection {index}: {n} of {len(data)} bytes came "
                      "back")
    elif got.digest() != hashlib.sha256(data).digest():
        errors.append(f"connection {index}: all {n} bytes came back, but "
                      "different ones")


def tcp(port, conns, kib):
    payloads = [b"", b"x"] + [os.urandom(kib << 10)
                              for _ in range(conns - 2)]
    errors = []
    # Connected one after the other, then all transfers at once: QEMU's
    # user network sometimes resets a host connection made in a burst
    # of simultaneous connects before handing it to the guest (the
    # guest never sees its SYN), which is QEMU's limit, not the echo's.
    socks = []
    for i in range(len(payloads)):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port),
                                                  timeout=TIMEOUT))
        except OSError as e:
            sys.exit(f"tcp: connection {i}: connect: {e}")
    threads = [threading.Thread(target=tcp_one, args=(s, d, errors, i))
               for i, (s, d) in enumerate(zip(socks, payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    if any(t.is_alive() for t in threads):
        errors.append("a connection did not finish in time")
    if errors:
        sys.exit("tcp: " + "; ".join(errors))
    total = sum(len(d) for d in payloads)
    print(f"tcp: {conns} connections, {total} bytes back intact")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    tport, uport, conns, kib = (int(a) for a in sys.argv[1:])
    if conns < 3:
        sys.exit("CONNS must be at least 3")
    udp(uport)
    tcp(tport, conns, kib)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs a command (QEMU) so that QEMU's own DNS proxy (10.0.2.3 in user
networking, which forwards to the host's resolv.conf nameserver) reaches
a DNS server this script runs, without touching the host's settings:

  dnswrap.py -- COMMAND...

The command runs in a private mount namespace (unshare -m) where
/etc/resolv.conf names 127.77.0.53, and this script answers there on
port 53: A records for the names in ZONE, NXDOMAIN for every other name.
The test thus exercises the guest's DHCP (which hands out 10.0.2.3) and
its resolver through QEMU's DNS, hermetically. Exit status: the
command's.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading

SERVER = "127.77.0.53"
ZONE = {b"mosaic-test.example": bytes([192, 0, 2, 77])}


def parse_question(msg):
    """The (name, qtype, end) of the first question, or None."""
    pos, labels = 12, []
    while pos < len(msg):
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n > 63 or pos + n > len(msg):
            return None
        labels.append(msg[pos:pos + n].lower())
        pos += n
    else:
        return None
    if pos + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[pos:pos + 2])[0]
    return b".".join(labels), qtype, pos + 4


def answer(msg):
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    q = parse_question(msg) if qd == 1 else None
    if q is None or flags & 0x8000:
        return None
    name, qtype, end = q
    question = msg[12:end]
    addr = ZONE.get(name)
    rd = flags & 0x0100
    if addr is None:
        return struct.pack("!HHHHHH", qid, 0x8180 | rd | 3, 1, 0, 0, 0) + \
            question
    if qtype != 1:
        return struct.pack("!HHHHHH", qid, 0x8180 | rd, 1, 0, 0, 0) + \
            question
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + addr
    return struct.pack("!HHHHHH", qid, 0x8180 | rd, 1, 1, 0, 0) + \
        question + rr


def serve(sock, stop):
    sock.settimeout(0.5)
    while not stop.is_set():
        try:
            msg, peer = sock.recvfrom(4096)
        except socket.timeout:
            continue
        reply = answer(msg)
        if reply is not None:
            sock.sendto(reply, peer)


def main():
    args = sys.argv[1:]
    if not args or args[0] != "--" or len(args) < 2:
        sys.exit(__doc__)
    cmd = args[1:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((SERVER, 53))
    stop = threading.Event()
    t = threading.Thread(target=serve, args=(sock, stop), daemon=True)
    t.start()
    with tempfile.NamedTemporaryFile("w", prefix="mosaic-resolv-",
                                     delete=False) as f:
        f.write(f"nameserver {SERVER}\n")
    try:
        inner = 'mount --bind "$0" /etc/resolv.conf && exec "$@"'
        p = subprocess.Popen(["unshare", "-m", "--propagation", "private",
                              "sh", "-c", inner, f.name, *cmd])
        # Ended by the harness: end the command too (by its PID).
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda s, _f: p.send_signal(s))
        status = p.wait()
    finally:
        stop.set()
        t.join(5)
        sock.close()
        os.unlink(f.name)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()

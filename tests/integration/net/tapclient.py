#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of the tap cases of tests/integration/net: a Linux peer in a
network namespace this script creates, joined to the guest through a
relay that this script runs and that can drop frames.

  tapclient.py [--monitor PORT --image ELF] QEMU_PORT RELAY_PORT
               sink|source MIB [LOSS]
  tapclient.py here sink|source MIB

QEMU's NIC is `-netdev socket,udp=127.0.0.1:RELAY_PORT,localaddr=
127.0.0.1:QEMU_PORT`: each Ethernet frame is one UDP datagram. The relay
moves frames between that socket and a tap device that lives in the
namespace (address 192.168.77.1/24; the guest is 192.168.77.2), dropping
each with probability LOSS (0 to 0.2) both ways. Then `nc` in the
namespace sends MIB MiB to the guest's sink (port 5001), or reads MIB MiB
from its source (5002) and checks them. A transfer that makes no
progress for STALL_S seconds (the peer's TCP counters, read with ss,
stand still) ends the script with that TCP state and the relay's counts,
and, given QEMU's human monitor on 127.0.0.1:PORT and the guest's ELF,
with the guest's side: whether it answers a ping, where each vCPU is, and
the state of the NIC's queues as QEMU and the guest's rings hold it.
TAPCLIENT_HOLD=SECONDS keeps a stalled guest alive that long for gdb
(see hold()). The namespace, the tap and the processes are removed at
the end, whatever happened.

With `here`, the script already runs in a namespace whose tap QEMU uses
directly (tools/testrun's netns = yes: 192.168.77.1/24 on it, `-netdev
tap`, which has the virtio-net header and so offers segmentation
offload): no relay, no namespace of its own, the same transfer and
checks.
"""
import fcntl
import os
import random
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CHUNK = 65536
# A transfer whose peer sees no byte acknowledged (or received) for this
# long is stuck: the script ends it and says what both sides looked like.
STALL_S = 60
POLL_S = 2
PEER = "192.168.77.1"
GUEST = "192.168.77.2"


def chunk(k, block):
    return struct.pack("<Q", k) + block[8:]


def xorshift_block():
    x = 0x9E3779B97F4A7C15
    out = bytearray()
    mask = (1 << 64) - 1
    for _ in range(CHUNK // 8):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        out += struct.pack("<Q", x)
    return bytes(out)


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


class Relay(threading.Thread):
    def __init__(self, tapfd, sock, qemu_addr, loss, seed):
        super().__init__(daemon=True)
        self.tapfd, self.sock, self.qemu = tapfd, sock, qemu_addr
        self.loss, self.rng = loss, random.Random(seed)
        self.stop_r, self.stop_w = os.pipe()
        self.dropped = self.passed = 0
        # Frames passed each way, and when the last one went.
        self.to_guest = self.from_guest = 0
        self.last_to = self.last_from = None
        self.error = None

    def keep(self):
        if self.loss and self.rng.random() < self.loss:
            self.dropped += 1
            return False
        self.passed += 1
        return True

    def run(self):
        try:
            self.pump()
        except OSError as e:
            self.error = e

    def pump(self):
        fds = [self.tapfd, self.sock.fileno(), self.stop_r]
        while True:
            ready, _, _ = select.select(fds, [], [])
            if self.stop_r in ready:
                return
            if self.tapfd in ready:
                frame = os.read(self.tapfd, 65536)
                if self.keep():
                    self.to_guest += 1
                    self.last_to = time.monotonic()
                    self.sock.sendto(frame, self.qemu)
            if self.sock.fileno() in ready:
                frame = self.sock.recv(65536)
                if self.keep():
                    self.from_guest += 1
                    self.last_from = time.monotonic()
                    os.write(self.tapfd, frame)

    def counts(self):
        """The relay's counts, and how it stopped if it did."""
        died = f"; relay died: {self.error!r}" if self.error else ""
        now = time.monotonic()

        def ago(t):
            return "never" if t is None else f"last {now - t:.1f} s ago"
        return (f"relay passed {self.passed} frames ({self.to_guest} to "
                f"the guest, {ago(self.last_to)}; {self.from_guest} from "
                f"it, {ago(self.last_from)}), dropped {self.dropped}{died}")

    def stop(self):
        os.write(self.stop_w, b"x")
        self.join(10)


def tcp_state(nsx):
    """What the peer's kernel says of its TCP connections to the guest
    (ss: windows, retransmissions, timers, bytes acknowledged)."""
    out = subprocess.run([*nsx, "ss", "-tinmoH", "dst", GUEST],
                         capture_output=True, text=True, timeout=30,
                         check=False)
    return " ".join(out.stdout.split())


def counter(state, key):
    match = re.search(rf"\b{key}:(\d+)", state)
    return int(match.group(1)) if match else 0


class Monitor:
    """QEMU's human monitor on a TCP port: one command at a time."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 10)
        self.sock.settimeout(10)
        self.read()

    def read(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            data = self.sock.recv(65536)
            if not data:
                break
            buf += data
        return buf.decode(errors="replace")

    def cmd(self, line):
        """The command's answer, without its echo (the first line, which
        the monitor draws with terminal escapes) and the prompt."""
        self.sock.sendall(line.encode() + b"\n")
        out = self.read().replace("\r", "")
        return out.split("\n", 1)[1].rsplit("(qemu) ", 1)[0] \
            if "\n" in out else ""

    def half(self, addr):
        """The 16-bit word of guest memory at physical address addr."""
        match = re.search(r":\s*(0x[0-9a-f]+)", self.cmd(f"xp /1hx {addr}"))
        return int(match.group(1), 16) if match else None

    def quads(self, addr, n):
        """n 64-bit words of guest memory from physical address addr."""
        return re.findall(r"0x[0-9a-f]{16}",
                          self.cmd(f"xp /{n}gx {addr}").split(":", 1)[-1])


def data_symbols(image):
    """{name: address} of the image's data and bss symbols that have a
    name of their own (the image is loaded where it is linked: the
    addresses are physical)."""
    if not image or not shutil.which("nm"):
        return {}
    out = subprocess.run(["nm", image], capture_output=True, text=True,
                         check=False).stdout
    seen = {}
    for f in (ln.split() for ln in out.splitlines()):
        if len(f) == 3 and f[1] in "bBdD":
            seen.setdefault(f[2], []).append(int(f[0], 16))
    return {n: a[0] for n, a in seen.items() if len(a) == 1}


def symbolize(image):
    """A function from a code address to symbol+offset, by nm."""
    syms = []
    if image and shutil.which("nm"):
        out = subprocess.run(["nm", "-n", image], capture_output=True,
                             text=True, check=False).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))

    def name(addr):
        best = None
        for base, sym in syms:
            if base > addr:
                break
            best = (base, sym)
        return f"{best[1]}+{addr - best[0]:#x}" if best else f"{addr:#x}"
    return name


def queue_state(mon, path, index):
    """One virtqueue as QEMU's device model holds it, and the indexes in
    the guest's ring memory: avail idx and used_event (the driver's),
    used idx and avail_event (the device's)."""
    text = mon.cmd(f"info virtio-queue-status {path} {index}")
    fields = dict(re.findall(r"^[ \t]*(\w+):[ \t]+(\S+)", text, re.M))
    want = ("inuse", "last_avail_idx", "shadow_avail_idx", "used_idx",
            "signalled_used", "signalled_used_valid")
    out = " ".join(f"{k}={fields.get(k, '?')}" for k in want)
    try:
        num = int(fields["num"])
        avail, used = int(fields["avail"], 16), int(fields["used"], 16)
    except (KeyError, ValueError):
        return f"q{index}: {out}"
    ring = {"avail.idx": mon.half(avail + 2),
            "used_event": mon.half(avail + 4 + 2 * num),
            "used.idx": mon.half(used + 2),
            "avail_event": mon.half(used + 4 + 8 * num)}
    return f"q{index}: {out} " + " ".join(f"{k}={v}"
                                         for k, v in ring.items())


def guest_state(nsx, monitor, image):
    """What the guest looked like when the transfer stalled: a ping from
    the peer and the peer's neighbour entry for it, then (with a monitor)
    each vCPU's place and the NIC's queues. Never fails: a part it cannot
    read says so."""
    try:
        ping = subprocess.run([*nsx, "ping", "-c", "2", "-W", "1", GUEST],
                              capture_output=True, text=True, timeout=30,
                              check=False)
        parts = ["guest answers ping" if ping.returncode == 0
                 else "guest does not answer ping"]
    except OSError as e:
        parts = [f"ping: {e!r}"]
    neigh = subprocess.run([*nsx, "ip", "neigh", "show", GUEST],
                           capture_output=True, text=True, timeout=30,
                           check=False)
    parts.append("peer's neighbour entry: "
                 + (" ".join(neigh.stdout.split()) or "none"))
    if monitor is None:
        return "; ".join(parts)
    try:
        mon = Monitor(monitor)
        name = symbolize(image)
        cpus = re.findall(r"CPU#(\d+).*?RIP=([0-9a-f]+).*?HLT=(\d)",
                          mon.cmd("info registers -a"), re.S)
        for cpu, rip, hlt in cpus:
            parts.append(f"cpu{cpu} at {name(int(rip, 16))}"
                         + (" (halted)" if hlt == "1" else ""))
        # An interrupt still in the local APIC's IRR, or one in service
        # (ISR) whose end never came, would stop the NIC's from arriving.
        for cpu, _, _ in cpus:
            lapic = mon.cmd(f"info lapic {cpu}")
            vec = dict(re.findall(r"^(ISR|IRR)\s+(.*?)\s*$", lapic, re.M))
            parts.append(f"cpu{cpu} lapic ISR {vec.get('ISR', '?')} "
                         f"IRR {vec.get('IRR', '?')}")
        # netd's next timer (all ones: none, it sleeps until poked), the
        # semaphore it sleeps on and the stack's mutex, as raw words; and
        # under TCG how many lost interrupts and doorbells the virtio
        # core repaired before idling.
        data = data_symbols(image)
        for sym, n in (("netd_sleep_until", 1), ("netd_sem", 6),
                       ("net_stack_mutex", 6), ("repaired_intrs", 1),
                       ("repaired_kicks", 1)):
            addr = data.get(sym)
            if addr is not None:
                parts.append(f"{sym} " + " ".join(mon.quads(addr, n)))
        match = re.search(r"^(\S+)\s+\[virtio-net\]",
                          mon.cmd("info virtio"), re.M)
        if match:
            status = mon.cmd(f"info virtio-status {match.group(1)}")
            isr = re.search(r"^[ \t]*isr:[ \t]+(\S+)", status, re.M)
            parts.append(f"virtio-net isr={isr.group(1) if isr else '?'}")
            parts += [queue_state(mon, match.group(1), q) for q in (0, 1)]
    except (OSError, ValueError) as e:
        parts.append(f"monitor: {e!r}")
    return "; ".join(parts)


def hold(monitor, image, report):
    """With TAPCLIENT_HOLD=SECONDS (1 to 3600) in the environment and a
    monitor: prints the report, starts QEMU's gdb stub on
    127.0.0.1:TAPCLIENT_GDB (1234) and keeps the stalled guest alive that
    long (within the case's timeout), for gdb on the image. Never fails."""
    try:
        secs = int(os.environ.get("TAPCLIENT_HOLD", "0"))
        port = int(os.environ.get("TAPCLIENT_GDB", "1234"))
    except ValueError:
        return
    if monitor is None or not 0 < secs <= 3600:
        return
    print(report, file=sys.stderr, flush=True)
    try:
        Monitor(monitor).cmd(f"gdbserver tcp:127.0.0.1:{port}")
    except (OSError, ValueError) as e:
        print(f"tapclient: no gdb stub: {e!r}", file=sys.stderr)
        return
    print(f"tapclient: holding the stalled guest {secs} s: gdb -ex "
          f"'target remote 127.0.0.1:{port}' {image}", file=sys.stderr,
          flush=True)
    time.sleep(secs)


def run_nc(nsx, cmd, key, relay, stdin, stdout, monitor=None, image=None):
    """Runs nc until it exits; ends it and the script when the
    connection makes no progress (ss's counter `key` stands still) for
    STALL_S, printing the TCP state and the relay's counts, so a stuck
    transfer says where it stuck instead of running into the case's
    timeout. nc gets no -w: its idle timeout ends a stalled transfer with
    status 0, which a sender cannot tell from success."""
    proc = subprocess.Popen([*nsx, *cmd], stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE)
    seen, since = -1, time.monotonic()
    while True:
        try:
            proc.wait(POLL_S)
            break
        except subprocess.TimeoutExpired:
            pass
        state = tcp_state(nsx)
        now = counter(state, key)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since > STALL_S:
            proc.kill()
            proc.wait()
            relayed = relay.counts() if relay else "no relay"
            guest = guest_state(nsx, monitor, image)
            report = (f"tapclient: no progress for {STALL_S} s at {key} "
                      f"{seen}; peer TCP: {state or 'no connection'}; "
                      f"{relayed}; {guest}")
            hold(monitor, image, report)
            sys.exit(report)
    err = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"tapclient: nc failed (status {proc.returncode}): "
                 f"{err!r}")


def transfer(nsx, mode, mib, tmp, relay=None, monitor=None, image=None):
    """nc (run with the prefix nsx) sends MIB MiB to the sink or reads
    them from the source and checks every byte; exits on failure."""
    block = xorshift_block()
    nbytes = mib << 20
    if mode == "sink":
        for k in range(nbytes // CHUNK):
            tmp.write(chunk(k, block))
        tmp.close()
        with open(tmp.name, "rb") as f:
            run_nc(nsx, ["nc", "-N", GUEST, "5001"],
                   "bytes_acked", relay, f, subprocess.DEVNULL, monitor,
                   image)
        return
    tmp.close()
    with open(tmp.name, "wb") as f:
        run_nc(nsx, ["nc", "-d", GUEST, "5002"],
               "bytes_received", relay, subprocess.DEVNULL, f, monitor,
               image)
    with open(tmp.name, "rb") as f:
        for k in range(nbytes // CHUNK):
            if f.read(CHUNK) != chunk(k, block):
                sys.exit(f"tapclient: chunk {k} differs or is missing")
        if f.read(1):
            sys.exit("tapclient: more bytes than sent")


def main_here():
    mode, mib = sys.argv[2], int(sys.argv[3])
    if mode not in ("sink", "source"):
        sys.exit(__doc__)
    tmp = tempfile.NamedTemporaryFile(prefix="mosaic-net-", delete=False)
    try:
        transfer((), mode, mib, tmp)
        print(f"tapclient: {mode} {mib} MiB intact over the tap")
    finally:
        os.unlink(tmp.name)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "here":
        return main_here()
    argv, monitor, image = sys.argv[1:], None, None
    while len(argv) > 1 and argv[0] in ("--monitor", "--image"):
        if argv[0] == "--monitor":
            monitor = int(argv[1])
        else:
            image = argv[1]
        argv = argv[2:]
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    qport, rport = int(argv[0]), int(argv[1])
    mode, mib = argv[2], int(argv[3])
    loss = float(argv[4]) if len(argv) == 5 else 0.0
    if mode not in ("sink", "source") or not 0 <= loss <= 0.2:
        sys.exit(__doc__)
    ns = f"mosaic-net-{os.getpid()}"
    tap = f"mtap{os.getpid() % 100000}"

    tapfd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tapfd, TUNSETIFF,
                struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", rport))
    relay = Relay(tapfd, sock, ("127.0.0.1", qport), loss, 12345)
    tmp = tempfile.NamedTemporaryFile(prefix="mosaic-net-", delete=False)
    try:
        run("ip", "netns", "add", ns)
        run("ip", "link", "set", tap, "netns", ns)
        nsx = ("ip", "netns", "exec", ns)
        run(*nsx, "ip", "link", "set", "lo", "up")
        run(*nsx, "ip", "addr", "add", f"{PEER}/24", "dev", tap)
        run(*nsx, "ip", "link", "set", tap, "up")
        relay.start()
        transfer(nsx, mode, mib, tmp, relay, monitor, image)
        print(f"tapclient: {mode} {mib} MiB intact; {relay.counts()}")
    finally:
        if relay.is_alive():
            relay.stop()
        run("ip", "netns", "del", ns, check=False)
        os.close(tapfd)
        sock.close()
        os.unlink(tmp.name)


if __name__ == "__main__":
    main()

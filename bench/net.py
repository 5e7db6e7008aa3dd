#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Network figures side by side: the tiny HTTP responder of
# tests/integration/net (role "http", poll()-driven, keep-alive) in a
# Mosaic appliance and the same C file built for Linux (-DNET_TEST_LINUX,
# static) in a minimal Linux guest (Debian's kernel and busybox, as
# bench/blk.py builds it), one after the other on the same QEMU command
# line: tools/run's machine, -m, -smp and --net user with a hostfwd on
# 127.0.0.1.
#   1. wrk (bounded: --duration seconds, --conns connections) against
#      each guest: requests per second and the 99th percentile latency.
#   2. Guest instructions per request: each guest again under
#      -icount shift=0,sleep=off (its clock advances 1 ns per
#      instruction), role "httpself": the same responder and a keep-alive
#      client in the guest, --icount-requests requests over 127.0.0.1, so
#      the guest never waits for the host and its clock counts only
#      instructions (client and server side together, both guests alike).
#   3. Memory per idle TCP connection, Mosaic only: role "conc" holds
#      --idle connections open and prints the free-memory drop divided by
#      their number (socket, descriptor, TCP state, buffers).
# A report, not a test: nothing is asserted about the figures.
# Usage: bench/net.py [--duration S] [--conns N] [--runs N]
#                     [--only linux|mosaic]
import argparse
import os
import re
import select
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blk  # noqa: E402  (the Linux guest builder)
import record  # noqa: E402

ROOT = blk.ROOT
RUN = blk.RUN
ME = "net.py"
SRC = os.path.join(ROOT, "tests", "integration", "net")
MACHINE = "pc"
MEM = "256M"
SMP = 1
GUEST_PORT = 80
LINUX_APPEND = "console=ttyS0 quiet"
# virtio-net and what it may need, when they are modules.
NET_MODULES = {"VIRTIO": "virtio", "VIRTIO_PCI_LIB": "virtio_pci_modern_dev",
               "VIRTIO_PCI_LIB_LEGACY": "virtio_pci_legacy_dev",
               "VIRTIO_PCI": "virtio_pci", "FAILOVER": "failover",
               "NET_FAILOVER": "net_failover", "VIRTIO_NET": "virtio_net"}

INIT = blk.guest_init(
    "netbench",
    """bench/net.py's Linux guest: load virtio-net, configure QEMU's user
network statically, serve HTTP with the test's responder.""",
    r"""args=
for w in $(cat /proc/cmdline); do
	case $w in
	nettest=*) args=$(echo ${w#*=} | tr , ' ') ;;
	esac
done
/nettest $args
poweroff -f
""",
    net=True)


def die(msg):
    print(f"{ME}: {msg}", file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build_linux(work, cache):
    """(vmlinuz, initramfs, kernel package) with virtio-net and the
    responder, built as bench/blk.py builds its guest."""
    prog = os.path.join(work, "nettest")
    cc = os.environ.get("HOSTCC", "gcc")
    if subprocess.run([cc, "-O2", "-static", "-Wall", "-Wextra", "-Werror",
                       "-DNET_TEST_LINUX", "-I",
                       os.path.join(ROOT, "tests", "integration", "include"),
                       "-o", prog, os.path.join(SRC, "main.c"),
                       "-lpthread"]).returncode != 0:
        die(f"could not build {SRC}/main.c for Linux with {cc} -static")
    vmlinuz, initrd, kpkg, _, _ = blk.linux_guest(
        work, cache, ME, r"drivers/virtio/[^/]*|drivers/net/(virtio_net|"
        r"net_failover)|net/core/failover", NET_MODULES, INIT,
        [("nettest", 0o100755, open(prog, "rb").read())])
    return vmlinuz, initrd, kpkg


class Guest:
    """One guest run: started, waited for its ready line, ended by PID."""

    def __init__(self, cmd, who, timeout, ready=r"net-test: ready"):
        self.who, self.out = who, ""
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.wait_for(ready, timeout)

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while not rx.search(self.out):
            left = deadline - time.monotonic()
            if left <= 0 or self.p.poll() is not None:
                self.stop()
                sys.stderr.write(self.out[-3000:])
                die(f"{self.who}: no '{pattern}' line (output above)")
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 1))
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                self.out += chunk.decode(errors="replace").replace("\r", "")
        return rx.search(self.out)

    def stop(self):
        # SIGTERM first: tools/run then stops its QEMU (a SIGKILL would
        # leave QEMU running).
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.p.wait()


def qemu_cmd(image, append, port, linux_extra, icount, a):
    args = [RUN, "-M", MACHINE, "--mem", MEM, "--smp", str(SMP),
            "--timeout", str(a.timeout), "--net",
            f"user,hostfwd=tcp:127.0.0.1:{port}-:{GUEST_PORT}",
            "--append", append, image, "--"]
    extra = list(linux_extra)
    if icount:
        extra += ["-icount", "shift=0,sleep=off", "-rtc",
                  "base=2020-01-01T00:00:00,clock=vm"]
    if linux_extra:
        return blk.qemu_command(args + extra)
    return args + extra


def wrk(port, a):
    out = subprocess.run(["wrk", "-t", "2", "-c", str(a.conns), "-d",
                          f"{a.duration}s", "--latency",
                          f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True,
                         timeout=a.duration + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)",
                     out)
    if not rps or not p99:
        die(f"wrk said:\n{out}")
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    if errs:
        print(f"{ME}: wrk reported errors: {errs.group(0)}", file=sys.stderr)
    return float(rps.group(1)), float(p99.group(1)) * scale


def main():
    ap = argparse.ArgumentParser(description="HTTP figures, Mosaic against "
                                 "a Linux guest (see the top of this file).")
    ap.add_argument("--duration", type=int, default=10,
                    help="seconds of wrk load per run (default 10)")
    ap.add_argument("--conns", type=int, default=16,
                    help="wrk connections (default 16)")
    ap.add_argument("--runs", type=int, default=3,
                    help="alternating runs of each guest; medians (default 3)")
    ap.add_argument("--icount-requests", type=int, default=2000,
                    help="requests for the instruction count (default 2000)")
    ap.add_argument("--idle", type=int, default=200,
                    help="idle connections for the memory figure (200; 0: "
                    "skip it)")
    ap.add_argument("--timeout", type=int, default=240,
                    help="seconds per guest boot (default 240)")
    ap.add_argument("--only", choices=["linux", "mosaic"],
                    help="run one guest only")
    ap.add_argument("--no-wrk", action="store_true",
                    help="skip the wrk runs (bench/apps.py has its own)")
    ap.add_argument("--smoke", action="store_true",
                    help="make test's check: Mosaic only, no wrk, few "
                    "requests")
    a = ap.parse_args()
    if a.smoke:
        a.only, a.no_wrk, a.icount_requests, a.idle = "mosaic", True, 200, 0
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "net")
    cache = os.environ.get("BLKBENCH_CACHE",
                           os.path.join(ROOT, build, "bench", "blk", "debs"))
    os.makedirs(work, exist_ok=True)
    for group in ("build", "run"):
        if subprocess.run([os.path.join(ROOT, "tools", "deps"),
                           group]).returncode:
            sys.exit(1)
    if shutil.which("wrk") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"],
                           stdout=subprocess.DEVNULL)
        if shutil.which("wrk") is None:
            die("wrk not found: sudo apt-get install wrk")
    guests = {}
    if a.only != "linux":
        blk.run(["make", "-s", "APP=tests/integration/net", f"BUILD={build}"],
                "building the Mosaic image", cwd=ROOT)
        image = os.path.join(ROOT, build, "net.elf")
        guests["mosaic"] = (image, lambda r: " ".join(r), ())
    if a.only != "mosaic":
        vmlinuz, initrd, kpkg = build_linux(work, cache)
        guests["linux"] = (vmlinuz, lambda r: f"{LINUX_APPEND} nettest=" +
                           ",".join(r), ("-initrd", initrd))
    print(f"net: -M {MACHINE} -smp {SMP} -m {MEM}, virtio-net-pci, QEMU user "
          f"networking, hostfwd 127.0.0.1; wrk -t2 -c{a.conns} "
          f"-d{a.duration}s; {a.runs} run(s)")
    res = {who: [] for who in guests}
    commands = {}
    for _ in range(0 if a.no_wrk else a.runs):
        for who, (image, append, extra) in guests.items():
            port = free_port()
            cmd = qemu_cmd(image, append(["http", str(GUEST_PORT), "0"]),
                           port, extra, False, a)
            g = Guest(cmd, who, a.timeout)
            res[who].append(wrk(port, a))
            g.stop()
    instr = {}
    for who, (image, append, extra) in guests.items():
        n = a.icount_requests
        cmd = qemu_cmd(image, append(["httpself", "8080", str(n)]),
                       free_port(), extra, True, a)
        commands[f"{who}, bench/net.py (icount)"] = shlex.join(
            cmd if who == "linux" else blk.qemu_command(cmd))
        g = Guest(cmd, who, a.timeout * 4, ready=r"net-test: ready")
        m = g.wait_for(r"net-test: (\d+) loopback requests in (\d+) ns",
                       a.timeout * 4)
        instr[who] = int(m.group(2)) / int(m.group(1))
        g.stop()
    idle = None
    if "mosaic" in guests and a.idle > 0:
        image = guests["mosaic"][0]
        port = free_port()
        cmd = qemu_cmd(image, f"conc {GUEST_PORT} {a.idle}", port, (), False,
                       a)
        g = Guest(cmd, "mosaic", a.timeout)
        socks = [socket.create_connection(("127.0.0.1", port), timeout=60)
                 for _ in range(a.idle)]
        m = g.wait_for(r"(\d+) bytes per idle connection", 120)
        idle = int(m.group(1))
        for s in socks:
            s.close()
        g.stop()
    record.condition("http", f"instructions per request (bench/net.py): "
                     f"tests/integration/net's poll() responder and a "
                     f"keep-alive client in the same guest over 127.0.0.1, "
                     f"{a.icount_requests} requests, -icount shift=0; the "
                     f"same C file built static for the Linux guest")
    if "mosaic" in instr:
        lx = instr.get("linux")
        record.figure("http", "guest instructions per HTTP request "
                      "(client and server, loopback)", "instructions",
                      instr["mosaic"], lx, better="lower",
                      met=(instr["mosaic"] < lx) if lx else None,
                      target="fewer than Linux", commands=commands)
    med = {who: (statistics.median(r[0] for r in runs),
                 statistics.median(r[1] for r in runs))
           for who, runs in res.items() if runs}
    print(f"{'':28}{'mosaic':>12} {'linux':>12} {'mosaic/linux':>13}")

    def row(name, m, lx, better_low=False):
        ratio = f"{m / lx:13.2f}" if m and lx else f"{'-':>13}"
        f = (lambda v: f"{v:12.1f}" if v is not None else f"{'-':>12}")
        print(f"{name:28}{f(m)} {f(lx)} {ratio}")
    row("requests/s (wrk)", med.get("mosaic", (None,))[0],
        med.get("linux", (None,))[0])
    row("p99 latency ms (wrk)", med.get("mosaic", (None, None))[1],
        med.get("linux", (None, None))[1])
    row("guest instructions/request", instr.get("mosaic"), instr.get("linux"))
    if idle is not None:
        print(f"memory per idle TCP connection (mosaic): {idle} bytes")
    for who, runs in res.items():
        print(f"{who} runs (req/s, p99 ms): " +
              "  ".join(f"{r[0]:.0f}/{r[1]:.2f}" for r in runs))


if __name__ == "__main__":
    main()

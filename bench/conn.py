#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Idle keep-alive connections held against guest RAM (issue #10's
# "connections" row: 40,000 in 256 MiB): apps/httpd against nginx
# (Debian's, in the minimal Linux guest of bench/apps.py's linux_files
# with this script's own nginx.conf and /init), one after the other on
# the same QEMU command line: tools/run's -M pc, -m 256M, -smp 1 and a
# tap inside a network namespace (bench/netns.py), where the clients run
# too (QEMU's user network would end every TCP connection inside QEMU).
# The client opens keep-alive connections in batches; each sends one GET
# of index.html and reads the whole reply, checked byte for byte, then
# stays idle. After each batch the guest's memory in use is read: from
# httpd's -s statistics target (4 KiB frames free, <mosaic/memstats.h>),
# from the Linux guest's /proc/meminfo (MemTotal - MemAvailable), which
# its /init copies into a file nginx serves, with a sequence number, once
# a second. Growth stops at --max connections, or at the first one the
# guest refuses or drops (its limit). At the end every held connection
# must answer a second GET exactly; those that do are the figure.
# The host side is several worker processes (the host's hard limit on
# open files may be below 40,000), each driving its share of the
# connections with epoll from its own share of the source ports (bound
# explicitly: Linux's own choice slows down past 32,000), started in the
# namespace and steered through their stdin/stdout. A held connection
# httpd fails to answer again is a failure (exit status 1); one nginx
# drops past its memory is its limit. --smoke: Mosaic only, 500
# connections, and the parsers run over bench/fixtures/conn-*.txt.
# Needs root (bench/netns.py). CONNBENCH_DEBUG=1 prints each guest's
# output at the end.
# Usage: bench/conn.py [--max N] [--batch N] [--workers N] [--runs N]
#                      [--only linux|mosaic] [--smoke] [--no-build]
#        bench/conn.py --worker HOST PORT PATH BODYFILE I N   (internal)
import argparse
import errno
import json
import os
import re
import resource
import select
import shlex
import socket
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apps  # noqa: E402  (its Guest and nginx guest files)
import blk  # noqa: E402  (the Linux guest builder)
import netns  # noqa: E402  (the namespace with a tap)
import record  # noqa: E402  (figures for the report)

ROOT = blk.ROOT
RUN = blk.RUN
ME = "conn.py"
PART = "conn"
MACHINE = "pc"
MEM = "256M"
SMP = 1
PORT = 80
PATH = "/index.html"
WWW = os.path.join(ROOT, "apps", "httpd", "rootfs", "www")
STATS = "/connbench-stats"  # httpd's -s target
MEMINFO = "/meminfo.txt"  # the Linux guest's copy of /proc/meminfo
FIXTURES = os.path.join(ROOT, "bench", "fixtures")
LINUX_APPEND = "console=ttyS0 quiet"
NGINX_VERSION_NOTE = ("(Debian's nginx package, worker_processes 1, "
                      "worker_connections 60000, nofile 65536)")
TARGET = 40000
WINDOW = 64  # connections in flight per worker
OP_TIMEOUT = 60  # seconds for one connection's exchange
STEP_TIMEOUT = 600  # seconds for a worker's step
FILES_PER_WORKER = 15000  # connections per worker, at most
PORT_LO, PORT_HI = 1024, 65535  # the client ports, shared out by worker

READY = {"mosaic": r"httpd: listening on port 80",
         "linux": r"connbench: listening on port 80"}
BAD = re.compile(r"connbench error|\[(emerg|alert|crit)\]|^panic:|^fault:")

NGINX_CONF = """# bench/conn.py: nginx holding as many idle connections as it can.
user root root;
worker_processes 1;
worker_rlimit_nofile 65536;
pid /run/nginx.pid;
error_log stderr warn;
events {
	worker_connections 60000;
}
http {
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_timeout 3600s;
	keepalive_requests 100000000;
	default_type application/octet-stream;
	types {
		text/html html;
		text/plain txt;
		text/css css;
	}
	server {
		listen 80 default_server backlog=4096;
		root /www;
	}
}
"""

INIT_BODY = r"""ulimit -n 65536
echo 65536 > /proc/sys/net/core/somaxconn
nginx -e stderr -c /etc/nginx/nginx.conf ||
	echo "connbench error: nginx did not start"
i=0
while ! netstat -ltn | grep -q ":80 "; do
	if [ $i -ge 600 ]; then
		echo "connbench error: nothing listens on port 80"
		poweroff -f
	fi
	usleep 50000
	i=$((i + 1))
done
echo "connbench: listening on port 80"
# The memory figures, for the client: a sequence number then
# /proc/meminfo, replaced whole once a second.
n=0
while :; do
	n=$((n + 1))
	{ echo "seq $n"; cat /proc/meminfo; } > /www/.meminfo.tmp
	mv /www/.meminfo.tmp /www/meminfo.txt
	sleep 1
done
"""


def die(msg):
    print(f"{ME}: {msg}", file=sys.stderr)
    sys.exit(1)


def warn(msg):
    print(f"{ME}: {msg}", file=sys.stderr)


# --- parsers (also run over bench/fixtures/ by --smoke) ------------------

def parse_mosaic_stats(text):
    """httpd -s: {name: int}; the memory in use in bytes as "used"."""
    out = {}
    for line in text.splitlines():
        m = re.fullmatch(r"([a-z_]+) (\d+)", line.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    if not {"conns", "parked", "total_pages", "free_pages"} <= out.keys():
        return None
    out["used"] = (out["total_pages"] - out["free_pages"]) * 4096
    return out


def parse_meminfo(text):
    """The Linux guest's meminfo.txt: {"seq", "total", "available",
    "used"} in bytes, or None."""
    seq = re.search(r"^seq (\d+)$", text, re.M)
    total = re.search(r"^MemTotal:\s+(\d+) kB$", text, re.M)
    avail = re.search(r"^MemAvailable:\s+(\d+) kB$", text, re.M)
    if not (seq and total and avail):
        return None
    t, av = int(total.group(1)) * 1024, int(avail.group(1)) * 1024
    return {"seq": int(seq.group(1)), "total": t, "available": av,
            "used": t - av}


def check_fixtures():
    """Runs the parsers over the committed captures; dies on nothing."""
    for name, parse in (("conn-mosaic-stats.txt", parse_mosaic_stats),
                        ("conn-linux-meminfo.txt", parse_meminfo)):
        path = os.path.join(FIXTURES, name)
        try:
            with open(path, encoding="ascii") as f:
                got = parse(f.read())
        except OSError as e:
            die(f"fixture {path}: {e.strerror}")
        if not got or got["used"] <= 0:
            die(f"fixture {path}: the parser found no memory figures")


# --- the worker: one process's share of the connections ------------------

def http_reply(buf):
    """(status, headers, body, rest) once buf holds a whole response with
    a Content-Length, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buf[:end].decode("latin-1").split("\r\n")
    m = re.fullmatch(r"HTTP/1\.1 (\d{3}) .*", lines[0])
    if not m:
        raise ValueError(f"bad status line {lines[0]!r}")
    headers = {}
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        if not sep:
            raise ValueError(f"bad header line {ln!r}")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "-1"))
    if n < 0:
        raise ValueError(f"no Content-Length: {lines!r}")
    if len(buf) < end + 4 + n:
        return None
    body = buf[end + 4:end + 4 + n]
    return int(m.group(1)), headers, body, buf[end + 4 + n:]


class Worker:
    """Holds connections to (host, port); each exchange is one GET of
    path whose reply must be 200 with exactly body, kept alive."""

    def __init__(self, host, port, path, body, ports):
        self.addr = (host, port)
        self.ports = list(reversed(ports))
        self.req = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                    f"\r\n").encode()
        self.body = body
        self.held = []
        self.why = ""  # the last failure
        self.ep = select.epoll()

    def bind(self, s):
        """Binds s to the next port of this worker's share. (Left to
        connect(), Linux prefers even ports and searches the whole range
        for each connection once they are taken: slow past 32000.)"""
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        while self.ports:
            port = self.ports.pop()
            try:
                s.bind(("", port))
                return 0
            except OSError:
                continue
        return errno.EADDRNOTAVAIL

    def connect(self):
        """A socket connecting from a port of this worker's share, or None
        (self.why says why). A port whose 4-tuple is still in use on the
        host is skipped."""
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = self.bind(s)
            if not err:
                err = s.connect_ex(self.addr)
            if err in (0, errno.EINPROGRESS):
                return s
            s.close()
            self.why = f"connect: {os.strerror(err)}"
            if err not in (errno.EADDRNOTAVAIL, errno.EADDRINUSE):
                break
        return None

    def close(self):
        """Resets every held connection: no TIME_WAIT left on the host's
        ports for the next guest."""
        for s in self.held:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.close()
        self.held = []

    def check(self, buf):
        """None while incomplete; True when right; raises when wrong;
        False when refused (a 503)."""
        r = http_reply(buf)
        if r is None:
            return None
        status, headers, body, rest = r
        if status == 503:
            return False
        if status != 200 or body != self.body or rest:
            raise ValueError(f"wrong reply: status {status}, "
                             f"{len(body)} body bytes, {len(rest)} extra")
        if headers.get("connection", "").lower() == "close":
            raise ValueError("the server closes a keep-alive connection")
        return True

    def exchange(self, socks, new):
        """Runs one GET on each of socks (held connections) and on `new`
        new connections, WINDOW at a time. Returns (ok sockets, failures,
        refusals); raises on a wrong byte."""
        todo = list(socks)
        left_new = new
        live = {}  # fd -> [sock, buf, sent, t0]
        ok, failed, refused = [], 0, 0
        while todo or left_new or live:
            while len(live) < WINDOW and (todo or left_new):
                if todo:
                    s = todo.pop()
                    self.ep.register(s.fileno(), select.EPOLLOUT)
                else:
                    left_new -= 1
                    s = self.connect()
                    if s is None:
                        failed += 1
                        continue
                    self.ep.register(s.fileno(), select.EPOLLOUT)
                live[s.fileno()] = [s, b"", False, time.monotonic()]
            for fd, ev in self.ep.poll(1.0):
                st = live[fd]
                s = st[0]
                done = None
                try:
                    if not st[2]:
                        err = s.getsockopt(socket.SOL_SOCKET,
                                           socket.SO_ERROR)
                        if err:
                            raise OSError(err, os.strerror(err))
                        s.sendall(self.req)  # small: fits the buffer
                        st[2] = True
                        self.ep.modify(fd, select.EPOLLIN)
                        continue
                    chunk = s.recv(65536)
                    if not chunk:
                        raise OSError(errno.ECONNRESET, "closed early")
                    st[1] += chunk
                    done = self.check(st[1])
                except (OSError, BlockingIOError) as e:
                    if isinstance(e, BlockingIOError):
                        continue
                    done = "failed"
                    self.why = f"{e} ({'sent' if st[2] else 'connecting'})"
                if done is None:
                    continue
                self.ep.unregister(fd)
                del live[fd]
                if done is True:
                    ok.append(s)
                    continue
                s.close()
                if done is False:
                    refused += 1
                else:
                    failed += 1
            now = time.monotonic()
            for fd, st in list(live.items()):
                if now - st[3] > OP_TIMEOUT:
                    self.why = f"no reply in {OP_TIMEOUT} s"
                    self.ep.unregister(fd)
                    st[0].close()
                    del live[fd]
                    failed += 1
        return ok, failed, refused

    def grow(self, n):
        ok, failed, refused = self.exchange([], n)
        self.held += ok
        return {"held": len(self.held), "failed": failed,
                "refused": refused, "why": self.why}

    def reuse(self):
        ok, failed, refused = self.exchange(self.held, 0)
        self.held = ok
        return {"held": len(ok), "failed": failed, "refused": refused}

    def fetch(self, path):
        """A GET of path on a connection of its own: the body."""
        with socket.create_connection(self.addr, timeout=30) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                      f"Connection: close\r\n\r\n".encode())
            buf = b""
            while True:
                r = http_reply(buf)
                if r:
                    break
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError(errno.ECONNRESET, "closed early")
                buf += chunk
        if r[0] != 200:
            raise OSError(errno.EIO, f"{path}: status {r[0]}")
        return r[2].decode("ascii", "replace")


def worker_main(host, port, path, bodyfile, index, count):
    """Worker index of count: reads commands on stdin, one JSON reply per
    line on stdout: "grow N", "reuse", "fetch PATH", "quit"."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    share = (PORT_HI - PORT_LO + 1) // int(count)
    lo = PORT_LO + int(index) * share
    with open(bodyfile, "rb") as f:
        w = Worker(host, int(port), path, f.read(), range(lo, lo + share))
    for line in sys.stdin:
        cmd = line.split()
        try:
            if cmd[0] == "grow":
                out = w.grow(int(cmd[1]))
            elif cmd[0] == "reuse":
                out = w.reuse()
            elif cmd[0] == "fetch":
                out = {"body": w.fetch(cmd[1])}
            else:
                w.close()
                break
        except ValueError as e:  # a wrong byte
            out = {"error": str(e)}
        except OSError as e:
            out = {"oserror": str(e)}
        print(json.dumps(out), flush=True)
    w.close()
    return 0


class Workers:
    """The worker processes, in the namespace, steered in step."""

    def __init__(self, ns, count, bodyfile):
        argv = [sys.executable, os.path.abspath(__file__), "--worker",
                netns.GUEST, str(PORT), PATH, bodyfile]
        self.procs = [subprocess.Popen(ns.exec(*argv, str(i), str(count)),
                                       stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
                      for i in range(count)]

    def ask(self, cmds):
        """Sends cmds[i] to worker i (None: none) and returns the replies."""
        for p, c in zip(self.procs, cmds):
            if c is not None:
                p.stdin.write(c + "\n")
                p.stdin.flush()
        out = []
        for p, c in zip(self.procs, cmds):
            if c is None:
                out.append(None)
                continue
            r, _, _ = select.select([p.stdout], [], [], STEP_TIMEOUT)
            line = p.stdout.readline() if r else ""
            if not line:
                raise RuntimeError(f"a client worker did not answer {c!r}")
            reply = json.loads(line)
            if "error" in reply:
                raise RuntimeError(f"wrong reply: {reply['error']}")
            out.append(reply)
        return out

    def fetch(self, path):
        r = self.ask([f"fetch {path}"] + [None] * (len(self.procs) - 1))[0]
        if "body" not in r:
            raise OSError(r.get("oserror", "fetch failed"))
        return r["body"]

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.stdin.write("quit\n")
                    p.stdin.close()
                except OSError:
                    pass
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# --- the guests ----------------------------------------------------------

class Guest(apps.Guest):
    """A guest started in the namespace (bench/apps.py's, with this
    script's ready lines and warnings)."""

    ME, BAD = ME, BAD

    def __init__(self, cmd, who, timeout):
        super().__init__(cmd, who, READY[who], timeout)


def run_args(a, image, append, extra=()):
    """tools/run's arguments, the same for both guests but for the image,
    its command line and (Linux) the initrd."""
    return [RUN, "-M", MACHINE, "--mem", MEM, "--smp", str(SMP),
            "--timeout", str(a.timeout + 1800), "--net",
            f"tap:{netns.TAP}", "--append", append, image, "--", *extra]


def memory(who, workers, want_parked, deadline):
    """The guest's memory in use (bytes) now that the held connections
    are idle: on Mosaic once all are parked (conns counts the stats
    connection), on Linux from a meminfo copy made after this call."""
    if who == "mosaic":
        while True:
            st = parse_mosaic_stats(workers.fetch(STATS))
            if st is None:
                raise RuntimeError("httpd's statistics do not parse")
            if st["parked"] >= want_parked or time.monotonic() > deadline:
                return st["used"]
            time.sleep(0.1)  # polling, bounded by deadline
    first = parse_meminfo(workers.fetch(MEMINFO))
    if first is None:
        raise RuntimeError("the Linux guest's meminfo.txt does not parse")
    while True:
        st = parse_meminfo(workers.fetch(MEMINFO))
        if st and st["seq"] > first["seq"] or time.monotonic() > deadline:
            return (st or first)["used"]
        time.sleep(0.2)  # polling for the next copy, bounded


def grow(a, who, workers, points):
    """Adds connections in steps until --max or the first step in which
    the guest refuses or drops one, appending (connections, bytes in use)
    after each step without loss to points. Returns why it stopped."""
    held, base = 0, points[0][1]
    while held < a.max:
        n = min(a.batch, a.max - held)
        share = [n // a.workers + (i < n % a.workers)
                 for i in range(a.workers)]
        t0 = time.monotonic()
        rs = workers.ask([f"grow {k}" for k in share])
        got = sum(r["held"] for r in rs)
        rate = (got - held) / max(time.monotonic() - t0, 1e-6)
        held = got
        if any(r["failed"] or r["refused"] for r in rs):
            print(f"  {who}: {held:6d} held, some lost", flush=True)
            return (f"at {held}, the guest refused "
                    f"{sum(r['refused'] for r in rs)} connection(s) (503) "
                    f"and dropped or did not answer "
                    f"{sum(r['failed'] for r in rs)}: "
                    f"{'; '.join(r['why'] for r in rs if r['why'])}")
        used = memory(who, workers, held, time.monotonic() + 60)
        points.append((held, used))
        print(f"  {who}: {held:6d} held, {(used - base) / 2**20:7.1f} "
              f"MiB more in use, {rate:6.0f} conn/s", flush=True)
    return "reached --max"


def measure(a, ns, who, cmd, bodyfile):
    """One guest run: [(connections, bytes in use)] of the steps without
    loss, how many held connections answered a second GET at the end, and
    why growth stopped."""
    g = Guest(ns.exec(*cmd), who, a.timeout)
    workers = Workers(ns, a.workers, bodyfile)
    try:
        points = [(0, memory(who, workers, 0, time.monotonic() + 30))]
        stop = grow(a, who, workers, points)
        rs = workers.ask(["reuse"] * a.workers)
        again = sum(r["held"] for r in rs)
        if g.p.poll() is not None:
            g.fail("the guest ended during the run")
    except (RuntimeError, OSError) as e:
        workers.close()
        g.fail(str(e))
    workers.close()
    g.stop()
    if os.environ.get("CONNBENCH_DEBUG"):
        sys.stderr.write(g.out[-3000:])
    return points, again, stop


# --- the Linux guest -----------------------------------------------------

def build_linux(work, cache, body):
    """(vmlinuz, initramfs, kernel package): nginx and its libraries as
    bench/apps.py collects them, this script's nginx.conf and /init."""
    import net  # noqa: E402  (virtio-net modules)
    files, dirs = apps.linux_files(work, cache, {PATH[1:]: body})
    files = [f for f in files if f[0] != "etc/nginx/nginx.conf"]
    files.append(("etc/nginx/nginx.conf", 0o100644, NGINX_CONF.encode()))
    init = blk.guest_init("connbench", """bench/conn.py's Linux guest: nginx
with room for 60000 connections, and /proc/meminfo copied once a second
where nginx serves it.""", INIT_BODY, net=True)
    vmlinuz, initrd, kpkg, _, _ = blk.linux_guest(
        work, cache, ME, r"drivers/virtio/[^/]*|drivers/net/(virtio_net|"
        r"net_failover)|net/core/failover", net.NET_MODULES, init, files,
        dirs=dirs)
    return vmlinuz, initrd, kpkg


# --- main ----------------------------------------------------------------

def per_conn(points):
    """Bytes per connection: the growth in use over the connections."""
    n, used = points[-1]
    return (used - points[0][1]) / n if n else None


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "--worker":
        return worker_main(*sys.argv[2:])
    ap = argparse.ArgumentParser(description="Idle keep-alive connections "
                                 "held vs guest RAM, Mosaic against a Linux "
                                 "guest (see the top of this file).")
    ap.add_argument("--max", type=int, default=TARGET,
                    help=f"connections to reach (default {TARGET})")
    ap.add_argument("--batch", type=int, default=5000,
                    help="connections per step (default 5000)")
    ap.add_argument("--workers", type=int, default=0,
                    help="client processes (default: enough for --max "
                    "under the host's hard limit on open files, at least 2)")
    ap.add_argument("--runs", type=int, default=1,
                    help="alternating runs of each guest (default 1)")
    ap.add_argument("--timeout", type=int, default=240,
                    help="seconds for a guest to boot (default 240)")
    ap.add_argument("--only", choices=["linux", "mosaic"],
                    help="run one guest only")
    ap.add_argument("--no-build", action="store_true",
                    help="use the Mosaic image already built")
    ap.add_argument("--smoke", action="store_true",
                    help="make test's check: Mosaic only, 500 connections, "
                    "and the parsers over bench/fixtures/")
    a = ap.parse_args()
    if a.smoke:
        a.only, a.max, a.batch, a.workers, a.runs = "mosaic", 500, 250, 1, 1
    per_worker = min(FILES_PER_WORKER, resource.getrlimit(
        resource.RLIMIT_NOFILE)[1] - 64)
    if per_worker < 1:
        die("the hard limit on open files leaves no room for connections")
    if not a.workers:
        a.workers = max(2, -(-a.max // per_worker))
    if min(a.max, a.batch, a.workers, a.runs, a.timeout) < 1:
        ap.error("every number must be at least 1")
    if a.max > a.workers * per_worker:
        ap.error(f"--max {a.max} needs at least "
                 f"{-(-a.max // per_worker)} --workers (each may open "
                 f"{per_worker} files)")
    check_fixtures()
    why = netns.usable()
    if why:
        die(f"cannot make a network namespace: {why}")
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "conn")
    cache = os.environ.get("BLKBENCH_CACHE",
                           os.path.join(ROOT, build, "bench", "blk", "debs"))
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(WWW, PATH[1:]), "rb") as f:
        body = f.read()
    bodyfile = os.path.join(work, "body")
    with open(bodyfile, "wb") as f:
        f.write(body)
    guests = {}
    if a.only != "linux":
        image = os.path.join(build, "tests", "app-httpd.elf")
        if not a.no_build:
            blk.run(["make", "-s", f"BUILD={build}", image],
                    f"building apps/httpd (make {image})", cwd=ROOT)
        if not os.path.isfile(os.path.join(ROOT, image)):
            die(f"no {image}: build it (make BUILD={build} {image})")
        guests["mosaic"] = run_args(
            a, os.path.join(ROOT, image), f"{netns.MOSAIC_APPEND} -c 50000 "
            f"-t 3600 -s {STATS}")
    if a.only != "mosaic":
        vmlinuz, initrd, kpkg = build_linux(work, cache, body)
        guests["linux"] = blk.qemu_command(run_args(
            a, vmlinuz, LINUX_APPEND, ("-initrd", initrd)))
    commands = {f"{who}, bench/conn.py": shlex.join(
        cmd if who == "linux" else blk.qemu_command(cmd))
        for who, cmd in guests.items()}
    print(f"conn: -M {MACHINE} -smp {SMP} -m {MEM}, virtio-net-pci on a tap "
          f"in a network namespace; up to {a.max} keep-alive connections "
          f"in steps of {a.batch}, one GET of {PATH} ({len(body)} bytes) "
          f"each, then idle; {a.runs} run(s)")
    for label, c in commands.items():
        print(f"{label}: {c}")
    res = {who: [] for who in guests}
    with netns.Netns() as ns:
        for _ in range(a.runs):
            for who, cmd in guests.items():
                res[who].append(measure(a, ns, who, cmd, bodyfile))
    return 0 if report(a, res, commands) else 1


def report(a, res, commands):
    """Prints the table and records the figures. Returns False when Mosaic
    lost a connection it held (the guest was never pushed past a limit
    for that: a bug), else True."""
    held = {w: [r[0][-1][0] for r in runs] for w, runs in res.items()}
    again = {w: [r[1] for r in runs] for w, runs in res.items()}
    per = {w: [per_conn(r[0]) for r in runs] for w, runs in res.items()}
    print(f"{'':38}{'mosaic':>10} {'linux':>10}")
    for name, d in (("connections held at once", held),
                    ("of those, answering a 2nd GET", again),
                    ("bytes in use per idle connection", per)):
        cells = []
        for w in ("mosaic", "linux"):
            v = [x for x in d.get(w, []) if x is not None]
            cells.append(f"{statistics.median(v):10.0f}" if v
                         else f"{'-':>10}")
        print(f"{name:38}{cells[0]} {cells[1]}")
    for w, runs in res.items():
        for _, _, stop in runs:
            print(f"{w}: growth stopped: {stop}")
    record.condition(PART, f"idle connections (bench/conn.py): -M {MACHINE} "
                     f"-smp {SMP} -m {MEM}, virtio-net-pci on a tap in a "
                     f"network namespace; keep-alive connections opened in "
                     f"steps of {a.batch} up to {a.max}, each with one GET "
                     f"of {PATH} checked byte for byte, then idle; memory in "
                     f"use: frames not free (httpd -s, <mosaic/memstats.h>) "
                     f"and MemTotal - MemAvailable (Linux); nginx "
                     f"{NGINX_VERSION_NOTE}; {a.runs} run(s) each")
    if "mosaic" not in res:
        return True
    lx = "linux" in res
    m_held = held["mosaic"]
    stops = "; ".join(f"{w}: {r[2]}, {r[1]} answered a second GET"
                      for w, runs in res.items() for r in runs)
    record.figure(PART, f"idle keep-alive connections held in {MEM}",
                  "connections", m_held, held["linux"] if lx else None,
                  target="40,000 in 256 MiB",
                  met=(statistics.median(m_held) >= TARGET
                       if a.max >= TARGET else None),
                  commands=commands,
                  note=f"the last step of {a.batch} in which the guest "
                  f"refused and dropped none, up to --max {a.max} ({stops})")
    m_per = [x for x in per["mosaic"] if x is not None]
    l_per = [x for x in per.get("linux", []) if x is not None] or None
    if m_per:
        record.figure(PART, "guest memory per idle keep-alive connection",
                      "bytes", m_per, l_per, better="lower",
                      met=None, commands=commands,
                      note="growth of the memory in use from the idle "
                      "server to the most connections held")
    lines = {}
    for w, name in (("mosaic", "Mosaic"), ("linux", "Linux")):
        if w in res:
            pts = res[w][0][0]
            lines[name] = [(n, (u - pts[0][1]) / 2**20) for n, u in pts]
    record.series(PART, "memory vs connections", "idle connections",
                  "guest memory in use beyond the idle server (MiB)", lines)
    lost = [(h, g) for h, g in zip(held["mosaic"], again["mosaic"]) if g < h]
    for h, g in lost:
        print(f"{ME}: FAIL: httpd held {h} connections but only {g} "
              f"answered again", file=sys.stderr)
    return not lost


if __name__ == "__main__":
    sys.exit(main())

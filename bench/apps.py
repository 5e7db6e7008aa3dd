#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Application figures side by side: the Mosaic appliances apps/httpd and
# apps/kv against nginx and memcached (Debian's binaries) in a minimal
# Linux guest (Debian's kernel and busybox, as bench/blk.py builds it),
# alternating on the same QEMU command line (tools/run's machine, -m, -smp
# and NIC; only the kernel, its command line and initrd differ). Each boot
# serves one application; the host's clients measure it. One part per run:
#   --part http: wrk (2 threads, --conns connections, --duration seconds)
#      against apps/httpd and nginx serving the same tree (bench/http/www:
#      index.html, 612 bytes, the size of nginx's welcome page; and a
#      1 MiB file of random bytes): requests/s and the 99th percentile
#      latency of the page, MB/s of the 1 MiB file (10^6 bytes/s of
#      responses, headers included, as wrk counts them). Over two links:
#      a tap device in a network namespace this script makes
#      (bench/netns.py; QEMU and wrk run inside it, the guests are
#      10.0.2.15), and QEMU's user network with a hostfwd on 127.0.0.1,
#      the zero-setup case (QEMU ends TCP itself there, which caps both).
#      The p99 over the hostfwd is reported, not judged: QEMU's listening
#      socket there has a backlog of 1, and the SYNs of wrk's opening
#      burst that it drops come again a second later for either guest
#      (the host's ListenOverflows during each run are in the note).
#   --part kv: memcaslap (libmemcached-tools; memslap's successor: a time
#      bound, a get/set mix and value checks, which memcslap lacks) with
#      the same settings on both sides against apps/kv -m 64 and
#      memcached -m 64 -t <CPUs> -U 0, over the tap: operations/s (90%
#      get, 10% set of 1 KiB values), gets and sets apart.
#   --part smp: apps/httpd and nginx (a worker per CPU) on -smp 1 and
#      -smp 2 (multi-threaded TCG), wrk against the page over the tap:
#      requests/s on each and the ratio -smp 2 / -smp 1.
# Without a usable namespace (not root, no /dev/net/tun) every part uses
# the hostfwd instead and says so. Before each measurement the host
# fetches every file (or sets and gets a value) and stops on any wrong
# byte, and memcaslap's value checks must all pass: figures of a server
# that answers wrongly would mean nothing. Nothing is asserted about the
# figures; they go to bench/record.py for the report. Under TCG on a
# shared machine they are noisy: --runs alternating runs, medians.
# The Linux guest's nginx and memcached are the .debs of Debian's nginx
# and memcached with the shared libraries they need (taken from the .debs
# of LIB_PKGS, the host's /lib/x86_64-linux-gnu only for anything those
# lack) and the dynamic loader; downloads (apt-get download, nothing
# installed) go where bench/blk.py keeps them (BLKBENCH_CACHE=DIR keeps
# them elsewhere), builds under $BUILD/bench/apps, and the baseline's raw
# client output under $BUILD/bench/apps/raw (bench/fixtures/ holds such
# output, which --smoke parses).
# --smoke (make test): Mosaic only, a second or two of load per figure,
# and the parsers run over bench/fixtures/{http,kv,smp}-*.txt.
# Usage: bench/apps.py --part http|kv|smp [--smoke] [--duration S]
#                      [--conns N] [--runs N] [--mem SIZE]
#                      [--only linux|mosaic] [--no-build] [--www DIR]
import argparse
import contextlib
import ctypes
import glob
import http.client
import os
import random
import re
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blk  # noqa: E402  (the Linux guest builder)
import net  # noqa: E402  (virtio-net modules)
import netns  # noqa: E402  (the namespace with a tap)
import record  # noqa: E402  (figures for the report)

ROOT = blk.ROOT
RUN = blk.RUN
ME = "apps.py"
MACHINE = "pc"
LINUX_APPEND = "console=ttyS0 quiet"
HTTP_PORT = 80
KV_PORT = 11211
KV_MIB = 64
# memcaslap's load: value size, share of gets, and the keys each
# connection cycles through (its window: 1k x 30 connections of 1 KiB
# values fit in KV_MIB, so neither server evicts).
KV_VALUE_BYTES = 1024
KV_GET_PCT = 90
KV_WINDOW = "1k"
KV_VERIFY = 0.1
SMALL = "index.html"
# httpd's -s target, and the scheduler counts its answer carries.
STATS = "/appsbench-stats"
SCHED_COUNTS = ("switches", "ipis", "steals")
SMALL_BYTES = 612
BIG = "appsbench-1m.bin"
BIG_BYTES = 1 << 20
WWW = os.path.join(ROOT, "bench", "http", "www")
FIXTURES = os.path.join(ROOT, "bench", "fixtures")
# Each side's line saying its server accepts connections.
READY = {("mosaic", "http"): r"httpd: listening on port 80",
         ("mosaic", "kv"): r"kv: listening on port 11211",
         ("linux", "http"): r"appsbench: listening on port 80",
         ("linux", "kv"): r"appsbench: listening on port 11211"}
SERVER = {("mosaic", "http"): "httpd", ("mosaic", "kv"): "kv",
          ("linux", "http"): "nginx", ("linux", "kv"): "memcached"}
# Guest lines worth showing whatever happens.
BAD = re.compile(r"appsbench error|\[(emerg|alert|crit)\]|^panic:|"
                 r"^kv: .*error|^httpd: .*error")

# The packages of the two servers (the binary's path in the package) and
# those of the shared libraries they load.
SERVERS = {"nginx": "usr/sbin/nginx", "memcached": "usr/bin/memcached"}
LIB_PKGS = ("libc6", "libcrypt1", "libpcre2-8-0", "libssl3", "zlib1g",
            "libevent-2.1-7", "libsasl2-2")
LIB_DIR = "lib/x86_64-linux-gnu"
LIB_RX = r"^(usr/)?lib(64|/x86_64-linux-gnu)/[^/]+\.so(\.[0-9.]+)?$"
HOST_LIBS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu")
INTERP = "lib64/ld-linux-x86-64.so.2"

NGINX_CONF = """# bench/apps.py: nginx serves /www as apps/httpd its initrd.
user root root;
worker_processes auto;
pid /run/nginx.pid;
error_log stderr warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 120s;
	keepalive_requests 100000000;
	types {
		text/html html htm;
		text/css css;
		text/plain txt;
		application/javascript js;
		image/png png;
	}
	default_type application/octet-stream;
	server {
		listen 80 default_server;
		root /www;
		index index.html;
	}
}
"""

INIT = blk.guest_init(
    "appsbench",
    """bench/apps.py's Linux guest: load virtio-net, configure eth0 as on
QEMU's user network (also the tap's addresses), start nginx or memcached
(appsbench=http|kv on the command line), say when it listens, then idle
until QEMU is stopped.""",
    r"""export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
ncpu=$(grep -c ^processor /proc/cpuinfo)
mode=
for w in $(cat /proc/cmdline); do
	case $w in
	appsbench=*) mode=${w#*=} ;;
	esac
done
case $mode in
http)
	port=80
	nginx -e stderr -c /etc/nginx/nginx.conf ||
		echo "appsbench error: nginx did not start"
	;;
kv)
	port=11211
	memcached -u root -m @KV_MIB@ -t "$ncpu" -U 0 -p $port &
	;;
*)
	echo "appsbench error: no appsbench=http|kv on the command line"
	poweroff -f
	;;
esac
i=0
while ! netstat -ltn | grep -q ":$port "; do
	if [ $i -ge 600 ]; then
		echo "appsbench error: nothing listens on port $port"
		poweroff -f
	fi
	usleep 50000
	i=$((i + 1))
done
echo "appsbench: listening on port $port ($ncpu CPU)"
while :; do
	sleep 3600
done
""",
    net=True)


def die(msg):
    print(f"{ME}: {msg}", file=sys.stderr)
    sys.exit(1)


def warn(msg):
    print(f"{ME}: {msg}", file=sys.stderr)


# --- the files served ----------------------------------------------------

def big_file():
    """The 1 MiB file both servers serve: random bytes, the same each run
    (a fixed seed), so that nothing along the way compresses it."""
    return random.Random(0x61707073).randbytes(BIG_BYTES)


def www_tree(src):
    """{path under www/: bytes}: the tree src (bench/http/www by default,
    whose index.html has the 612 bytes of nginx's welcome page) and the
    big file."""
    files = {}
    if not os.path.isdir(src):
        die(f"{src} does not exist: it holds what both servers serve")
    for d, _, names in os.walk(src):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    files[os.path.relpath(p, src)] = f.read()
    if SMALL not in files:
        die(f"{src} has no {SMALL}")
    files[BIG] = big_file()
    return files


def mosaic_initrd(work, www):
    """An initrd for apps/httpd holding www/, packed as the Makefile packs
    apps/httpd/rootfs (with the mount points tmp/ and data/); the
    archive's path."""
    tree = os.path.join(work, "httpd-rootfs")
    shutil.rmtree(tree, ignore_errors=True)
    for path, data in www.items():
        os.makedirs(os.path.dirname(os.path.join(tree, "www", path)),
                    exist_ok=True)
        with open(os.path.join(tree, "www", path), "wb") as f:
            f.write(data)
    out = os.path.join(work, "httpd.cpio")
    blk.run([sys.executable, os.path.join(ROOT, "tools", "mkinitrd"),
             "--mkdir", "tmp", "--mkdir", "data", "-o", out, tree],
            "tools/mkinitrd")
    return out


# --- the Linux guest -----------------------------------------------------

def deb_files(deb, keep):
    """{path: bytes} of the regular files of deb whose path (without the
    leading ./) matches the regex keep, and its symbolic links that
    resolve, within the package, to one of those."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb],
                            stdout=subprocess.PIPE)
    files, links = {}, {}
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tf:
        for m in tf:
            name = os.path.normpath(re.sub(r"^\.?/+", "", m.name))
            if not re.search(keep, name):
                continue
            if m.isfile():
                files[name] = tf.extractfile(m).read()
            elif m.issym():
                links[name] = m.linkname
    if proc.wait() != 0:
        die(f"dpkg-deb could not read {deb}; delete it and retry")
    for link in links:
        path = link
        for _ in range(8):  # a chain of links, not a loop
            target = links[path]
            if target.startswith("/"):
                path = os.path.normpath(target.lstrip("/"))
            else:
                path = os.path.normpath(os.path.join(os.path.dirname(path),
                                                     target))
            if path in files:
                files[link] = files[path]
                break
            if path not in links:
                break
    return files


def needed(path):
    """The DT_NEEDED names of an ELF file."""
    out = blk.run(["objdump", "-p", path], f"objdump -p {path}")
    return re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M)


def linux_files(work, cache, www):
    """The initramfs's files [(name, mode, data)] and directories for
    nginx, memcached, their libraries, configuration and www/."""
    libs = {}
    for pkg in LIB_PKGS:
        deb = blk.fetch(cache, pkg, f"{pkg}_*.deb")
        for path, data in deb_files(deb, LIB_RX).items():
            libs.setdefault(os.path.basename(path), data)
    files, bins = [], {}
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir, exist_ok=True)
    for pkg, path in SERVERS.items():
        deb = blk.fetch(cache, pkg, f"{pkg}_*.deb")
        got = deb_files(deb, "^" + re.escape(path) + "$")
        if path not in got:
            die(f"{deb} has no {path}")
        bins[path] = os.path.join(bindir, os.path.basename(path))
        with open(bins[path], "wb") as f:
            f.write(got[path])
        files.append((path, 0o100755, got[path]))
    # The libraries they need, and those these need, by name.
    libdir = os.path.join(work, "lib")
    os.makedirs(libdir, exist_ok=True)
    todo = [n for p in bins.values() for n in needed(p)]
    have = set()
    while todo:
        name = todo.pop()
        if name in have:
            continue
        have.add(name)
        data = libs.get(name)
        if data is None:
            for d in HOST_LIBS:
                if os.path.isfile(os.path.join(d, name)):
                    warn(f"{name} is in none of {' '.join(LIB_PKGS)}: "
                         f"taking the host's {d}/{name}")
                    with open(os.path.join(d, name), "rb") as f:
                        data = f.read()
                    break
            else:
                die(f"no {name} in {' '.join(LIB_PKGS)} nor on the host")
        lib = os.path.join(libdir, name)
        with open(lib, "wb") as f:
            f.write(data)
        files.append((f"{LIB_DIR}/{name}", 0o100755, data))
        todo += needed(lib)
    ld = os.path.basename(INTERP)
    if ld not in libs:
        die(f"libc6's package has no {ld}")
    files.append((INTERP, 0o100755, libs[ld]))
    files += [("etc/passwd", 0o100644, b"root:x:0:0:root:/:/bin/sh\n"),
              ("etc/group", 0o100644, b"root:x:0:\n"),
              ("etc/nginx/nginx.conf", 0o100644, NGINX_CONF.encode())]
    dirs = ["etc", "etc/nginx", "lib64", LIB_DIR, "run", "tmp", "var",
            "var/lib", "var/lib/nginx", "var/log", "var/log/nginx", "www"]
    for path in sorted(www):
        d = os.path.dirname(path)
        while d and f"www/{d}" not in dirs:
            dirs.append(f"www/{d}")
            d = os.path.dirname(d)
        files.append((f"www/{path}", 0o100644, www[path]))
    dirs = sorted(set(dirs), key=lambda d: (d.count("/"), d))
    return files, dirs


def build_linux(work, cache, www):
    """(vmlinuz, initramfs, kernel package)."""
    files, dirs = linux_files(work, cache, www)
    init = INIT.replace("@KV_MIB@", str(KV_MIB))
    vmlinuz, initrd, kpkg, _, _ = blk.linux_guest(
        work, cache, ME, r"drivers/virtio/[^/]*|drivers/net/(virtio_net|"
        r"net_failover)|net/core/failover", net.NET_MODULES, init, files,
        dirs=dirs)
    return vmlinuz, initrd, kpkg


# --- running the guests --------------------------------------------------

class Guest:
    """One guest run: started, waited for its ready line, stopped by its
    PID (SIGTERM first: tools/run then stops its QEMU too). A thread
    reads its output all along, so that a guest that prints while it is
    measured never blocks on a full pipe. Other scripts subclass it with
    their own name (ME) and lines worth a warning (BAD)."""

    ME, BAD = ME, BAD

    def __init__(self, cmd, who, ready, timeout):
        self.who, self.out, self.ended = who, "", False
        self.cond = threading.Condition()
        t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self.pump, daemon=True)
        self.reader.start()
        self.wait_for(ready, timeout)
        self.ready_s = time.monotonic() - t0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def pump(self):
        fd = self.p.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            with self.cond:
                if not chunk:
                    self.ended = True
                    self.cond.notify_all()
                    return
                text = chunk.decode(errors="replace").replace("\r", "")
                # The start and the latest output are what matter.
                self.out = (self.out + text)[-(1 << 20):]
                self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        with self.cond:
            while not rx.search(self.out):
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    break
                self.cond.wait(left)
            m = rx.search(self.out)
        if not m:
            self.fail(f"no '{pattern}' line within {timeout} s")
        return m

    def fail(self, why):
        self.stop()
        sys.stderr.write(self.out[-3000:])
        print(f"{self.ME}: {self.who}: {why} (its output is above)",
              file=sys.stderr)
        sys.exit(1)

    def stop(self):
        if self.p.stdout.closed:
            return
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.p.wait()
        self.reader.join(15)
        if not self.reader.is_alive():
            self.p.stdout.close()
        with self.cond:
            for line in self.out.splitlines():
                if self.BAD.search(line):
                    print(f"{self.ME}: {self.who}: {line}", file=sys.stderr)


# --- how the host reaches the guests -------------------------------------

CLONE_NEWNET = 0x40000000
_libc = None


def setns_net(fd):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def ns_socket(name):
    """A TCP socket of the namespace name. A socket stays in the namespace
    it was made in, so this thread enters it only for socket()."""
    with open(f"/run/netns/{name}", "rb") as there, \
            open("/proc/thread-self/ns/net", "rb") as here:
        setns_net(there.fileno())
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            try:
                setns_net(here.fileno())
            except OSError as e:
                die(f"cannot leave namespace {name}: {e}")


class Link:
    """A way to the guests: the tap in the namespace ns, or (ns None) QEMU's
    user network with a hostfwd from a free port of 127.0.0.1."""

    def __init__(self, ns=None):
        self.ns = ns
        self.kind = "tap" if ns else "hostfwd"
        self.label = ("tap in a network namespace" if ns else
                      "QEMU user network, hostfwd on 127.0.0.1")

    def net(self, gport, port):
        if self.ns:
            return self.ns.net_spec()
        return f"user,hostfwd=tcp:127.0.0.1:{port}-:{gport}"

    def addr(self, gport, port):
        return (netns.GUEST, gport) if self.ns else ("127.0.0.1", port)

    def mosaic_append(self):
        return netns.MOSAIC_APPEND if self.ns else ""

    def wrap(self, argv):
        return self.ns.exec(*argv) if self.ns else list(argv)

    def connect(self, addr, timeout=30):
        if not self.ns:
            return socket.create_connection(addr, timeout=timeout)
        s = ns_socket(self.ns.name)
        try:
            s.settimeout(timeout)
            s.connect(addr)
        except BaseException:
            s.close()
            raise
        return s


def run_args(a, image, append, net_spec, smp, initrd=None, extra=()):
    """tools/run's arguments, the same for both guests but for the image,
    its command line and initrd, and (Linux) extra QEMU arguments."""
    # A safety net only: Guest.stop ends each run.
    limit = a.timeout + 3 * a.duration + 300
    return [RUN, "-M", MACHINE, "--mem", a.mem, "--smp", str(smp),
            "--timeout", str(limit), "--net", net_spec, "--append",
            append, *(["--initrd", initrd] if initrd else []), image, "--",
            *extra]


def command(a, who, side, app, link, port, smp, qemu_extra=()):
    """(the command booting app on side who, the QEMU command it runs);
    qemu_extra goes on both sides' QEMU command line."""
    gport = HTTP_PORT if app == "http" else KV_PORT
    spec = link.net(gport, port)
    if who == "mosaic":
        image, args, initrd = side[app]
        append = " ".join(x for x in (link.mosaic_append(), args) if x)
        cmd = run_args(a, image, append, spec, smp, initrd, qemu_extra)
        return link.wrap(cmd), link.wrap(blk.qemu_command(cmd))
    vmlinuz, initrd = side
    # tools/run boots only ELF images: run the QEMU command it would.
    cmd = link.wrap(blk.qemu_command(run_args(
        a, vmlinuz, f"{LINUX_APPEND} appsbench={app}", spec, smp,
        extra=("-initrd", initrd, *qemu_extra))))
    return cmd, cmd


def retry(what, fn, deadline):
    """fn() until it stops failing with OSError (the server may accept a
    moment after saying it listens: QEMU's user network accepts for the
    guest and resets), at most until deadline."""
    while True:
        try:
            return fn()
        except (OSError, http.client.HTTPException) as e:
            if time.monotonic() >= deadline:
                die(f"{what}: {e}")
        # A pause between tries of a connection that was just refused,
        # not a wait for anything.
        time.sleep(0.2)


# --- the clients ---------------------------------------------------------

def http_check(g, link, addr, www, paths):
    """Fetch each of paths once; stop on a wrong status or byte."""
    def get(path):
        c = http.client.HTTPConnection(*addr, timeout=30)
        c.sock = link.connect(addr)
        try:
            c.request("GET", "/" + path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    deadline = time.monotonic() + 60
    for path in paths:
        status, body = retry(f"{g.who}: GET /{path}", lambda: get(path),
                             deadline)
        if status != 200 or body != www[path]:
            g.fail(f"GET /{path}: status {status}, {len(body)} bytes "
                   f"{'as' if body == www[path] else 'NOT as'} served "
                   f"({len(www[path])} expected)")


def sched_counts(g, link, addr):
    """httpd's scheduler counts since boot (-s STATS): {name: int}."""
    c = http.client.HTTPConnection(*addr, timeout=30)
    c.sock = link.connect(addr)
    try:
        c.request("GET", STATS)
        r = c.getresponse()
        body = r.read().decode("ascii", "replace")
    finally:
        c.close()
    out = {}
    for ln in body.splitlines():
        k, _, v = ln.partition(" ")
        if k in SCHED_COUNTS and v.isdigit():
            out[k] = int(v)
    if r.status != 200 or set(out) != set(SCHED_COUNTS):
        g.fail(f"GET {STATS}: status {r.status}, {body!r}")
    return out


def kv_check(g, link, addr):
    """A set and a get with exact replies; stop on any wrong byte."""
    key = b"appsbench:probe"
    rng = random.Random(1)
    val = bytes(rng.choice(b"abcdefghij0123456789") for _ in range(1000))
    want = (b"STORED\r\n" + b"VALUE " + key + b" 5 %d\r\n" % len(val) +
            val + b"\r\nEND\r\n")

    def exchange():
        with link.connect(addr) as s:
            s.sendall(b"set " + key + b" 5 0 %d\r\n" % len(val) + val +
                      b"\r\nget " + key + b"\r\n")
            got = b""
            while len(got) < len(want) and want.startswith(got):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            if not got:
                raise ConnectionResetError("closed without a reply")
            return got

    got = retry(f"{g.who}: set and get", exchange, time.monotonic() + 60)
    if got != want:
        g.fail(f"set and get answered {got[:200]!r}, not {want[:60]!r}...")


UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}
TIME_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(out):
    """{rps, p99 (ms), mbs (10^6 bytes/s), per (bytes per response),
    requests, non2xx, errors} of wrk --latency's output, None when it
    lacks any of them."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    tput = re.search(r"^Transfer/sec:\s+([\d.]+)([KMGT]?B)\s*$", out, re.M)
    total = re.search(r"^\s+(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) "
                      r"read\s*$", out, re.M)
    if not (rps and p99 and tput and total):
        return None
    n = int(total.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: ([^\n]*)", out)
    return {"rps": float(rps.group(1)),
            "p99": float(p99.group(1)) * TIME_MS[p99.group(2)],
            "mbs": float(tput.group(1)) * UNITS[tput.group(2)] / 1e6,
            "per": float(total.group(2)) * UNITS[total.group(3)] / n
            if n else 0.0,
            "requests": n, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(1).strip() if errors else ""}


def listen_overflows():
    """The host's TcpExt ListenOverflows (root namespace, all sockets):
    connections a full accept queue refused. QEMU's hostfwd socket
    listens with a backlog of 1, so wrk's burst of connections at its
    start overflows it."""
    try:
        with open("/proc/net/netstat", encoding="ascii") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:]))
            if "ListenOverflows" in row:
                return int(row["ListenOverflows"])
    return None


def client(link, cmd, what, limit):
    """The output of the load client cmd run where the link's guests are
    reached, dying when it does not end within limit seconds."""
    try:
        p = subprocess.run(link.wrap(cmd), capture_output=True, text=True,
                           timeout=limit)
    except subprocess.TimeoutExpired:
        die(f"{what} did not finish within {limit} s")
    return p.stdout + p.stderr


def wrk(link, addr, path, body_bytes, a, raw):
    """One bounded wrk run against path: parse_wrk's figures. Dies on a
    status other than 200 or responses shorter than the file."""
    host, port = addr
    cmd = ["wrk", "-t", str(min(2, a.conns)), "-c", str(a.conns), "-d",
           f"{a.duration}s", "--timeout", "10s", "--latency",
           f"http://{host}:{port}/{path}"]
    before = listen_overflows() if link.kind == "hostfwd" else None
    out = client(link, cmd, "wrk", a.duration + 60)
    after = listen_overflows() if before is not None else None
    with open(raw, "w", encoding="utf-8") as f:
        f.write(out)
    r = parse_wrk(out)
    if r is None:
        die(f"cannot read wrk's output (saved in {raw}):\n{out}")
    r["overflows"] = after - before if after is not None else None
    if r["requests"] == 0 or r["non2xx"]:
        die(f"wrk GET /{path}: {r['requests']} requests, {r['non2xx']} "
            f"not 200 (output in {raw})")
    # wrk rounds the bytes read to 3 or 4 digits, and counts those of the
    # responses still arriving when it stops (up to one per connection):
    # a response must still hold about the whole file, and not much
    # besides its head.
    most = (body_bytes + 4096) * (1 + a.conns / r["requests"])
    if not body_bytes * 0.99 <= r["per"] <= most:
        die(f"wrk GET /{path}: {r['per']:.0f} bytes per response for a "
            f"{body_bytes}-byte file (output in {raw})")
    return r


# Names QEMU's threads ("CPU 0/TCG", ...) so that the SMP part can tell
# the vCPUs from the main loop; it changes nothing else.
THREAD_NAMES = ("-name", "debug-threads=on")
HZ = os.sysconf("SC_CLK_TCK")


def ppid(pid):
    """pid's parent, or None when pid is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            st = f.read()
        return int(st[st.rindex(")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def qemu_under(root):
    """The PID of the QEMU process that descends from process root (a
    guest's tools/run or `ip netns exec`), or None."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm", encoding="ascii") as f:
                if not f.read().startswith("qemu-system"):
                    continue
        except OSError:
            continue
        p = int(pid)
        for _ in range(8):
            if p == root:
                return int(pid)
            p = ppid(p)
            if not p:
                break
    return None


def thread_cpu(pid):
    """{kind: CPU seconds} of QEMU process pid's threads: vCPU threads
    ("vcpuN"), the main loop ("main") and the rest ("qemu other")."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii",
                      errors="replace") as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        m = re.match(r"CPU (\d+)/", name)
        kind = (f"vcpu{m.group(1)}" if m else
                "main" if tid == str(pid) else "qemu other")
        out[kind] = out.get(kind, 0) + (int(fields[11]) + int(fields[12])) / HZ
    return out


def host_cpu():
    """(busy, all) CPU seconds of the whole host since boot."""
    with open("/proc/stat", encoding="ascii") as f:
        # user nice system idle iowait irq softirq steal: guest time is
        # in user and nice already.
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / HZ, sum(v) / HZ


class CpuSplit:
    """Host CPU time spent while a load runs: the guest's QEMU threads
    (from /proc), the client (this process's waited-for children, i.e.
    the client run in between), and the host as a whole; the "rest" is
    what neither took (the host kernel's tap and loopback work outside
    those threads, and whatever else shares the host)."""

    def __init__(self, g):
        self.pid = qemu_under(g.p.pid)
        self.q0 = thread_cpu(self.pid) if self.pid else {}
        self.c0 = self.children()
        self.h0 = host_cpu()
        self.t0 = time.monotonic()

    @staticmethod
    def children():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def done(self):
        """{kind: percent of one core} over the load, None when the QEMU
        process was not found."""
        secs = time.monotonic() - self.t0
        if not self.pid or secs <= 0:
            return None
        q1 = thread_cpu(self.pid)
        h1 = host_cpu()
        out = {k: (v - self.q0.get(k, 0)) / secs * 100
               for k, v in sorted(q1.items())}
        out["client"] = (self.children() - self.c0) / secs * 100
        hb = (h1[0] - self.h0[0]) / (h1[1] - self.h0[1]) if \
            h1[1] > self.h0[1] else 0
        out["host"] = hb * (os.cpu_count() or 1) * 100
        out["rest"] = out["host"] - sum(v for k, v in out.items()
                                        if k != "host")
        return out


def cpu_note(splits, n):
    """The median host CPU split of the runs in splits, in words."""
    runs = [s for s in splits if s]
    if not runs:
        return "host CPU split not sampled"
    keys = [f"vcpu{i}" for i in range(n)] + ["main", "qemu other",
                                             "client", "rest", "host"]
    words = {"main": "QEMU main loop", "qemu other": "other QEMU threads",
             "client": "wrk", "rest": "host kernel and other work",
             "host": "host busy"}
    parts = []
    for k in keys:
        v = med([r.get(k, 0) for r in runs])
        parts.append(f"{words.get(k, k.replace('vcpu', 'vCPU'))} {v:.0f} %")
    return (f"host CPU while wrk ran, -smp {n} (median of {len(runs)}, % "
            f"of one of the host's {os.cpu_count()} cores): "
            + ", ".join(parts))


def parse_memcaslap(out):
    """{ops (per second), gets, sets, get_misses, verify_failed,
    verify_misses, seconds} of memcaslap's output, None when it lacks any
    of them."""
    vals = {}
    for key in ("cmd_get", "cmd_set", "get_misses", "verify_misses",
                "verify_failed"):
        m = re.search(rf"^{key}: (\d+)\s*$", out, re.M)
        if not m:
            return None
        vals[key] = int(m.group(1))
    m = re.search(r"^Run time: ([\d.]+)s Ops: (\d+) TPS: (\d+)", out, re.M)
    if not m or float(m.group(1)) <= 0:
        return None
    secs = float(m.group(1))
    return {"ops": float(m.group(3)), "gets": vals["cmd_get"] / secs,
            "sets": vals["cmd_set"] / secs, "seconds": secs,
            "get_misses": vals["get_misses"],
            "verify_failed": vals["verify_failed"],
            "verify_misses": vals["verify_misses"]}


def memcaslap_cfg(work):
    """memcaslap's -F file: key and value sizes, the get/set mix."""
    path = os.path.join(work, "memcaslap.cfg")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"key\n32 32 1\nvalue\n{KV_VALUE_BYTES} {KV_VALUE_BYTES} 1\n"
                f"cmd\n0 {(100 - KV_GET_PCT) / 100}\n"
                f"1 {KV_GET_PCT / 100}\n")
    return path


def memcaslap_cmd(addr, a, cfg):
    host, port = addr
    return ["memcaslap", "-s", f"{host}:{port}", "-T",
            str(min(2, a.conns)), "-c",
            str(a.conns), "-t", f"{a.duration}s", "-F", cfg, "-w",
            KV_WINDOW, "-v", str(KV_VERIFY)]


def memcaslap(link, addr, a, cfg, raw):
    out = client(link, memcaslap_cmd(addr, a, cfg), "memcaslap",
                 a.duration + 60)
    with open(raw, "w", encoding="utf-8") as f:
        f.write(out)
    r = parse_memcaslap(out)
    if r is None:
        die(f"cannot read memcaslap's output (saved in {raw}):\n{out}")
    if r["verify_failed"] or r["ops"] <= 0:
        die(f"memcaslap: {r['verify_failed']} values read back wrong, "
            f"{r['ops']:.0f} operations/s (output in {raw})")
    return r


# --- the parts -----------------------------------------------------------

class Bench:
    """What every part needs: options, the two sides, the links, the work
    directory, and the command line of each guest as first run."""

    def __init__(self, a, sides, links, work, www):
        self.a, self.sides, self.links = a, sides, links
        self.work, self.www = work, www
        self.shown = {}
        self.raw = os.path.join(work, "raw")
        os.makedirs(self.raw, exist_ok=True)

    def boot(self, who, app, link, smp, qemu_extra=()):
        """A started Guest and the address its server answers on."""
        port = net.free_port()
        cmd, qemu = command(self.a, who, self.sides[who], app, link, port,
                            smp, qemu_extra)
        self.shown.setdefault(f"{who} {SERVER[who, app]} -smp {smp}, "
                              f"{link.kind}", shlex.join(qemu))
        g = Guest(cmd, who, READY[who, app], self.a.timeout)
        return g, link.addr(HTTP_PORT if app == "http" else KV_PORT, port)

    def commands(self, link, smp=None):
        return {k: v for k, v in self.shown.items()
                if k.endswith(f", {link.kind}") and
                (smp is None or f" -smp {smp}," in k)}


def med(runs):
    return statistics.median(runs) if runs else None


def table(rows):
    """Prints rows (name, unit, mosaic runs, linux runs) as a table of
    medians (and minimums) with the ratio."""
    print(f"{'':44}{'mosaic':>10}{'linux':>10}{'ratio':>8}  (min)")
    for name, unit, m, lx in rows:
        mm, ml = med(m), med(lx)
        ratio = f"{mm / ml:8.2f}" if mm and ml else f"{'-':>8}"
        d = 2 if unit in ("x", "/req") else 1
        mins = "/".join(f"{min(v):.{d}f}" if v else "-" for v in (m, lx))
        print(f"{name + ' ' + unit:44}"
              + "".join(f"{v:10.{d}f}" if v is not None else f"{'-':>10}"
                        for v in (mm, ml)) + f"{ratio}  ({mins})")


def part_http(b):
    a, www = b.a, b.www
    for link in b.links:
        res = {who: [] for who in b.sides}
        for _ in range(a.runs):
            for who in b.sides:
                g, addr = b.boot(who, "http", link, a.smp)
                with g:
                    http_check(g, link, addr, www, (SMALL, BIG))
                    tag = f"http-{link.kind}-{SERVER[who, 'http']}"
                    small = wrk(link, addr, SMALL, len(www[SMALL]), a,
                                os.path.join(b.raw, f"{tag}-page.txt"))
                    big = wrk(link, addr, BIG, BIG_BYTES, a,
                              os.path.join(b.raw, f"{tag}-1m.txt"))
                res[who].append({"small": small, "big": big,
                                 "ready": g.ready_s})
        print(f"-- http over the {link.label} (-smp {a.smp}, {a.runs} "
              f"run(s) of {a.duration} s, {a.conns} connections)")
        runs = {who: {"rps": [r["small"]["rps"] for r in rs],
                      "p99": [r["small"]["p99"] for r in rs],
                      "mbs": [r["big"]["mbs"] for r in rs],
                      "ready": [r["ready"] for r in rs]}
                for who, rs in res.items()}
        m = runs["mosaic"] if "mosaic" in runs else None
        lx = runs.get("linux")

        def get(side, key):
            return side[key] if side else None

        table([(f"{link.kind}: {SMALL} ({len(www[SMALL])} B)", "req/s",
                get(m, "rps"), get(lx, "rps")),
               (f"{link.kind}: {SMALL} p99", "ms", get(m, "p99"),
                get(lx, "p99")),
               (f"{link.kind}: 1 MiB file", "MB/s", get(m, "mbs"),
                get(lx, "mbs")),
               (f"{link.kind}: start to listening", "s", get(m, "ready"),
                get(lx, "ready"))])
        for who, rs in res.items():
            errs = {r[k]["errors"] for r in rs for k in ("small", "big")}
            errs.discard("")
            if errs:
                print(f"{who} wrk socket errors: {' | '.join(errs)}")
        if not m:
            continue
        cmds = b.commands(link)
        note = (f"wrk -t{min(2, a.conns)} -c{a.conns} -d{a.duration}s over "
                f"the {link.label}; every file was first fetched and "
                "checked byte for byte")
        rps = med(m["rps"]), med(lx["rps"]) if lx else None
        record.figure("http", f"requests/s, {SMALL} of {len(www[SMALL])} "
                      f"bytes, {link.kind}", "req/s", m["rps"],
                      get(lx, "rps"), target="3x Linux",
                      met=rps[0] >= 3 * rps[1] if lx else None,
                      commands=cmds, note=note, plot="http")
        p99 = med(m["p99"]), med(lx["p99"]) if lx else None
        p99_met = p99[0] < p99[1] if lx else None
        p99_target, p99_note = "lower than Linux", note
        if link.kind == "hostfwd":
            # Not the guest's latency: see listen_overflows().
            ovf = {who: [r["small"]["overflows"] for r in rs]
                   for who, rs in res.items()}
            shown = "; ".join(
                f"{who} {', '.join(str(v) for v in vs)}"
                for who, vs in ovf.items() if None not in vs)
            p99_met, p99_target = None, "not judged over hostfwd"
            p99_note += (
                "; not judged: QEMU's hostfwd socket listens with a "
                "backlog of 1, so SYNs of wrk's opening burst are dropped "
                "and sent again 1 s later (host ListenOverflows per run: "
                f"{shown or 'not readable'}), and wrk's "
                "coordinated-omission correction spreads each such second "
                "over many samples: this p99 is QEMU's accept loop, the "
                "same for both guests. The tap's p99 is the guest's")
        record.figure("http", f"p99 latency, {SMALL}, {link.kind}", "ms",
                      m["p99"], get(lx, "p99"), better="lower",
                      target=p99_target, met=p99_met, commands=cmds,
                      note=p99_note)
        record.figure("http", f"1 MiB file, {link.kind}", "MB/s", m["mbs"],
                      get(lx, "mbs"), commands=cmds,
                      note=note + "; MB/s are 10^6 bytes/s of responses, "
                      "headers included")


def part_kv(b):
    a = b.a
    link = b.links[0]
    cfg = memcaslap_cfg(b.work)
    res = {who: [] for who in b.sides}
    for _ in range(a.runs):
        for who in b.sides:
            g, addr = b.boot(who, "kv", link, a.smp)
            with g:
                kv_check(g, link, addr)
                res[who].append(memcaslap(
                    link, addr, a, cfg, os.path.join(
                        b.raw, f"kv-{link.kind}-{SERVER[who, 'kv']}.txt")))
    print(f"-- kv over the {link.label} (-smp {a.smp}, {a.runs} run(s) of "
          f"{a.duration} s, {a.conns} connections)")
    runs = {who: {k: [r[k] for r in rs] for k in ("ops", "gets", "sets")}
            for who, rs in res.items()}
    m, lx = runs.get("mosaic"), runs.get("linux")
    table([(f"{KV_GET_PCT}% get, {100 - KV_GET_PCT}% set", "ops/s",
            m and m["ops"], lx and lx["ops"]),
           ("gets", "/s", m and m["gets"], lx and lx["gets"]),
           ("sets", "/s", m and m["sets"], lx and lx["sets"])])
    for who, rs in res.items():
        print(f"{who} get misses per run: "
              + " ".join(str(r["get_misses"]) for r in rs)
              + "; values checked wrong: 0")
    if not m:
        return
    cmds = dict(b.commands(link))
    cmds["client"] = shlex.join(memcaslap_cmd(
        link.addr(KV_PORT, "PORT"), a, os.path.relpath(cfg, ROOT)))
    with open(cfg, encoding="utf-8") as f:
        cfg_text = " ".join(f.read().split())
    note = (f"memcaslap over the {link.label}: {a.conns} connections, "
            f"{KV_GET_PCT}% get of {KV_VALUE_BYTES}-byte values, "
            f"{KV_VERIFY:.0%} of the values read checked (all right); its "
            f"-F file: {cfg_text}")
    ops = med(m["ops"]), med(lx["ops"]) if lx else None
    record.figure("kv", "operations/s, get/set mix", "ops/s", m["ops"],
                  lx and lx["ops"], target="2x Linux",
                  met=ops[0] >= 2 * ops[1] if lx else None, commands=cmds,
                  note=note, plot="kv")


def part_smp(b):
    a = b.a
    link = b.links[0]
    res = {(who, n): [] for who in b.sides for n in (1, 2)}
    # Scheduler events per request on Mosaic's side: what a request
    # costs besides its instructions when it spans CPUs.
    events = {n: {k: [] for k in SCHED_COUNTS} for n in (1, 2)}
    # Where the host's CPU time goes during each load: the ratio is
    # bounded by the host's cores, which wrk and QEMU's main loop share
    # with the vCPUs.
    split = {(who, n): [] for who in b.sides for n in (1, 2)}
    for _ in range(a.runs):
        for who in b.sides:
            for n in (1, 2):
                g, addr = b.boot(who, "http", link, n, THREAD_NAMES)
                with g:
                    http_check(g, link, addr, b.www, (SMALL,))
                    if who == "mosaic":
                        before = sched_counts(g, link, addr)
                    cs = CpuSplit(g)
                    r = wrk(link, addr, SMALL, len(b.www[SMALL]), a,
                            os.path.join(b.raw, f"smp-{link.kind}-"
                                         f"{SERVER[who, 'http']}-smp{n}"
                                         ".txt"))
                    split[who, n].append(cs.done())
                    res[who, n].append(r)
                    if who == "mosaic":
                        after = sched_counts(g, link, addr)
                        for k in SCHED_COUNTS:
                            events[n][k].append(
                                (after[k] - before[k]) / r["requests"])
    print(f"-- smp: {SMALL} over the {link.label} ({a.runs} run(s) of "
          f"{a.duration} s, {a.conns} connections)")
    rps = {k: [r["rps"] for r in rs] for k, rs in res.items()}
    # Each run's -smp 2 beside the same run's -smp 1.
    ratio = {who: [two / one for one, two in zip(rps[who, 1], rps[who, 2])]
             for who in b.sides}
    table([("-smp 1", "req/s", rps.get(("mosaic", 1)),
            rps.get(("linux", 1))),
           ("-smp 2", "req/s", rps.get(("mosaic", 2)),
            rps.get(("linux", 2))),
           ("-smp 2 / -smp 1", "x", ratio.get("mosaic"),
            ratio.get("linux"))] +
          [(f"-smp {n} {k}", "/req", events[n][k] or None, None)
           for n in (1, 2) for k in SCHED_COUNTS])
    notes = {(who, n): cpu_note(split[who, n], n)
             for who in b.sides for n in (1, 2)}
    for (who, n), words in notes.items():
        print(f"{who} {words}")
    # The most -smp 2 can give when the guest's work splits perfectly:
    # the host's cores, less what other work took, over what QEMU and
    # wrk took at -smp 1 (both scale with the requests served).
    ceiling = None
    one = [s for s in split.get(("mosaic", 1), [])
           if s and s["host"] - s["rest"] > 0]
    if one:
        ceiling = med([((os.cpu_count() or 1) * 100 - max(s["rest"], 0)) /
                       (s["host"] - s["rest"]) for s in one])
        print(f"host-bound ceiling of Mosaic's ratio: {ceiling:.2f}x "
              f"(the {os.cpu_count()} cores less other work, over what "
              "QEMU and wrk took at -smp 1)")
    if "mosaic" not in b.sides:
        return
    lx = "linux" in b.sides
    note = (f"httpd and nginx (worker_processes auto: one per CPU), wrk "
            f"-c{a.conns} over the {link.label}; multi-threaded TCG; this "
            f"host has {os.cpu_count()} cores, shared with other work")
    for n in (1, 2):
        record.figure("smp", f"requests/s, -smp {n}", "req/s",
                      rps["mosaic", n], rps["linux", n] if lx else None,
                      commands=b.commands(link, n),
                      note=note + "; Mosaic's " + notes["mosaic", n] +
                      ("; Linux's " + notes["linux", n] if lx else ""),
                      plot="smp")
    for n in (1, 2):
        for k in SCHED_COUNTS:
            record.figure("smp", f"scheduler {k} per request, -smp {n} "
                          "(Mosaic only)", f"{k}/request", events[n][k],
                          None, better="lower",
                          commands=b.commands(link, n),
                          note="httpd's -s counts before and after the "
                          "wrk run, over the requests wrk counted")
    record.figure("smp", "requests/s on -smp 2 / on -smp 1", "x",
                  ratio["mosaic"], ratio["linux"] if lx else None,
                  target="1.8x (Mosaic)",
                  met=None if a.smoke else med(ratio["mosaic"]) >= 1.8,
                  commands=b.commands(link), note=note + "; the ratio of "
                  "each run's two figures" +
                  (f"; on this host the ratio cannot pass about "
                   f"{ceiling:.2f}x even with the guest's work split "
                   f"perfectly (the {os.cpu_count()} cores, less what "
                   "other work took, over the CPU time QEMU and wrk took "
                   "at -smp 1, which both grow with the requests served)"
                   if ceiling else ""))


PARTS = {"http": part_http, "kv": part_kv, "smp": part_smp}
FIXTURE_PARSERS = {"http": ("wrk", parse_wrk), "kv": ("memcaslap",
                                                      parse_memcaslap),
                   "smp": ("wrk", parse_wrk)}


def check_fixtures(part):
    """Runs the part's parser over its fixtures (real baseline output);
    dies when there is none or one gives nothing."""
    tool, parse = FIXTURE_PARSERS[part]
    paths = sorted(glob.glob(os.path.join(FIXTURES, f"{part}-*.txt")))
    if not paths:
        die(f"no bench/fixtures/{part}-*.txt to check the {tool} parser on")
    for p in paths:
        with open(p, encoding="utf-8") as f:
            if parse(f.read()) is None:
                die(f"the {tool} parser finds nothing in "
                    f"{os.path.relpath(p, ROOT)}")
    print(f"{part}: the {tool} parser reads {len(paths)} fixture(s)")


def need_tools(tools):
    for tool, pkg in tools:
        if shutil.which(tool) is None and os.geteuid() == 0 and \
                shutil.which("apt-get"):
            subprocess.run(["apt-get", "install", "-y", "-qq", pkg],
                           stdout=subprocess.DEVNULL)
        if shutil.which(tool) is None:
            die(f"{tool} not found: sudo apt-get install {pkg}")


def version(cmd, rx):
    p = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(rx, p.stdout + p.stderr)
    return m.group(0) if m else "unknown version"


def main():
    ap = argparse.ArgumentParser(description="httpd against nginx and kv "
                                 "against memcached, Mosaic against a "
                                 "Linux guest (see the top of this file).")
    ap.add_argument("--part", choices=list(PARTS), required=True,
                    help="what to measure")
    ap.add_argument("--smoke", action="store_true",
                    help="make test's check: Mosaic only, short loads, "
                    "and the fixtures parsed")
    ap.add_argument("--duration", type=int,
                    help="seconds of load per measurement (default 4; "
                    "smoke 2)")
    ap.add_argument("--conns", type=int, default=30,
                    help="client connections (default 30)")
    ap.add_argument("--runs", type=int,
                    help="alternating runs of each guest; medians "
                    "(default 2; smoke 1)")
    ap.add_argument("--smp", type=int, default=1,
                    help="guest CPUs for http and kv (default 1)")
    ap.add_argument("--mem", default="256M",
                    help="guest RAM, as tools/run --mem (default 256M)")
    ap.add_argument("--timeout", type=int,
                    help="seconds for a guest to boot (default 240; "
                    "smoke 60)")
    ap.add_argument("--only", choices=["linux", "mosaic"],
                    help="run one side only")
    ap.add_argument("--no-build", action="store_true",
                    help="use the Mosaic images already built")
    ap.add_argument("--www", default=WWW,
                    help="the files both servers serve, besides the 1 MiB "
                    "one (default bench/http/www)")
    a = ap.parse_args()
    if a.smoke:
        a.only = "mosaic"
    a.duration = a.duration or (2 if a.smoke else 4)
    a.runs = a.runs or (1 if a.smoke else {"http": 2, "kv": 2,
                                           "smp": 2}[a.part])
    a.timeout = a.timeout or (60 if a.smoke else 240)
    if min(a.duration, a.conns, a.runs, a.smp, a.timeout) < 1:
        ap.error("every number must be at least 1")
    if not re.fullmatch(r"[1-9][0-9]*[MG]?", a.mem):
        ap.error("--mem takes a size such as 256M or 1G")
    # A SIGTERM (run.py, Ctrl-C's cousin) still stops the guests and
    # deletes the namespace on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if a.smoke:
        check_fixtures(a.part)
    app = "kv" if a.part == "kv" else "http"
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "apps")
    cache = os.environ.get("BLKBENCH_CACHE",
                           os.path.join(ROOT, build, "bench", "blk", "debs"))
    os.makedirs(work, exist_ok=True)
    for group in ("build", "run"):
        if subprocess.run([os.path.join(ROOT, "tools", "deps"),
                           group]).returncode:
            sys.exit(1)
    tools = [("wrk", "wrk")] if app == "http" else \
        [("memcaslap", "libmemcached-tools")]
    if a.only != "mosaic":
        tools += [("dpkg-deb", "dpkg"), ("objdump", "binutils")]
    need_tools(tools)
    www = www_tree(a.www) if app == "http" else {SMALL: b"", BIG: b""}
    if app == "http" and len(www[SMALL]) != SMALL_BYTES:
        warn(f"{a.www}/{SMALL} has {len(www[SMALL])} bytes, not "
             f"{SMALL_BYTES} (nginx's welcome page)")
    sides = {}
    if a.only != "linux":
        name, args = (("kv", f"-m {KV_MIB}") if app == "kv" else
                      ("httpd", f"-s {STATS}"))
        image = os.path.join(build, "tests", f"app-{name}.elf")
        if not a.no_build:
            blk.run(["make", "-s", f"BUILD={build}", image],
                    f"building apps/{name} (make {image})", cwd=ROOT)
        if not os.path.isfile(os.path.join(ROOT, image)):
            die(f"no {image}: build it (make BUILD={build} {image})")
        initrd = mosaic_initrd(work, www) if app == "http" else None
        sides["mosaic"] = {app: (os.path.join(ROOT, image), args, initrd)}
    debs = ""
    if a.only != "mosaic":
        vmlinuz, initrd, kpkg = build_linux(work, cache, www)
        sides["linux"] = (vmlinuz, initrd)
        srv = "nginx" if app == "http" else "memcached"
        debs = (f"Linux guest: {kpkg[:-4]}, busybox-static, "
                + os.path.basename(blk.fetch(cache, srv, f"{srv}_*.deb"))[:-4]
                + (" (nginx-light is this package's binary plus the echo "
                   "module, unused here); nginx.conf: worker_processes auto, "
                   "sendfile, tcp_nopush, tcp_nodelay, keep-alive without a "
                   "request limit, no access log" if srv == "nginx" else
                   f" -m {KV_MIB} -t <CPUs> -U 0"))
    why = netns.usable()
    with netns.Netns() if why is None else \
            contextlib.nullcontext() as ns:
        tap = Link(ns) if why is None else None
        if a.part == "http":
            links = [x for x in (tap, Link()) if x]
        else:
            links = [tap or Link()]
        b = Bench(a, sides, links, work, www)
        part = a.part
        client_v = (version(["wrk", "-v"], r"wrk [^\s]+") if app == "http"
                    else version(["memcaslap", "-V"], r"memaslap v[\d.]+")
                    + " (memcaslap, libmemcached-tools)")
        record.condition(part, f"-M {MACHINE} -m {a.mem}, virtio-net-pci; "
                         f"{a.runs} alternating run(s) of {a.duration} s "
                         f"per figure, {a.conns} connections; client "
                         f"{client_v}" + (f"; {debs}" if debs else ""))
        if why is not None:
            record.condition(part, f"no network namespace ({why}): "
                             "QEMU's user network with a hostfwd instead "
                             "of the tap")
        if a.smoke:
            record.condition(part, "smoke run: Mosaic only, the shortest "
                             "loads; the figures mean nothing")
        print(f"apps: --part {part}: links "
              f"{', '.join(x.label for x in links)}"
              + (f" (no namespace: {why})" if why else ""))
        sys.stdout.flush()
        PARTS[part](b)
        for label, cmd in b.shown.items():
            print(f"{label}: {cmd}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Application figures side by side: the Mosaic appliances apps/httpd and
# apps/kv against nginx and memcached (Debian's binaries) in a minimal
# Linux guest (Debian's kernel and busybox, as bench/blk.py builds it),
# one after the other on the same QEMU command line: tools/run's machine,
# -m, -smp and --net user with a hostfwd on 127.0.0.1. Each guest serves
# one application per boot; the host's clients measure it.
#   1. HTTP: apps/httpd serving its initrd (apps/httpd/rootfs, with a
#      1 MiB file of random bytes added to www/ and passed with tools/run
#      --initrd) against nginx serving a copy of the same www/ tree
#      (sendfile on, keep-alive without a request limit, one worker per
#      guest CPU, access_log off). wrk, bounded by --duration and
#      --conns, against the small file (index.html) and the 1 MiB one:
#      requests/s, the 99th percentile latency and MB/s (10^6 bytes/s of
#      responses, headers included, as wrk counts them).
#   2. KV: apps/kv (-m 64) against memcached -u root -m 64 -t <guest
#      CPUs> -U 0, driven by this script's client over the text protocol
#      (kv_load): KV_KEYS keys of 1 KiB values set first, then for
#      --duration seconds a mix of 90% get and 10% set of random keys on
#      --conns connections, one request outstanding on each, every reply
#      checked byte for byte: operations/s, gets/s and sets/s apart, and
#      the 99th percentile latency. (This client checks every reply
#      the same way on both sides; memcslap has no time bound and no
#      mix.) The client is Python: about 26000 operations/s against a
#      native memcached on the machine it was written on, some times
#      what either guest serves under TCG.
#   Both: the time from starting QEMU to the server's ready line.
# Before each measurement the host fetches every file once (and the KV
# client checks every reply) and stops on any wrong byte: figures of a
# server that answers wrongly would mean nothing. A report, not a test:
# nothing is asserted about the figures. Under TCG on a shared machine
# the figures are noisy: --runs takes medians.
# The Linux guest's nginx and memcached are the .debs of Debian's nginx
# and memcached with the shared libraries they need (taken from the .debs
# of LIB_PKGS, the host's /lib/x86_64-linux-gnu only for anything those
# lack) and the dynamic loader; downloads (apt-get download, nothing
# installed) go where bench/blk.py keeps them (BLKBENCH_CACHE=DIR keeps
# them elsewhere), builds under $BUILD/bench/apps.
# Usage: bench/apps.py [--duration S] [--conns N] [--runs N] [--smp N]
#                      [--mem SIZE] [--only linux|mosaic]
#                      [--skip http|kv] [--no-build] [--www DIR]
import argparse
import http.client
import os
import random
import re
import selectors
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
import net  # noqa: E402  (virtio-net modules, free_port)

ROOT = blk.ROOT
RUN = blk.RUN
ME = "apps.py"
MACHINE = "pc"
LINUX_APPEND = "console=ttyS0 quiet"
HTTP_PORT = 80
KV_PORT = 11211
KV_MIB = 64
# The KV load: keys, value size, share of gets.
KV_KEYS = 10000
KV_VALUE_BYTES = 1024
KV_GET_PCT = 90
SMALL = "index.html"
BIG = "appsbench-1m.bin"
BIG_BYTES = 1 << 20
HTTPD_ROOTFS = os.path.join(ROOT, "apps", "httpd", "rootfs")
# Each side's line saying its server accepts connections.
READY = {("mosaic", "http"): r"httpd: listening on port 80",
         ("mosaic", "kv"): r"kv: listening on port 11211",
         ("linux", "http"): r"appsbench: listening on port 80",
         ("linux", "kv"): r"appsbench: listening on port 11211"}

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
    """bench/apps.py's Linux guest: load virtio-net, configure QEMU's user
network statically, start nginx or memcached (appsbench=http|kv on the
command line), say when it listens, then idle until QEMU is stopped.""",
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
    """{path under www/: bytes}: the tree src (apps/httpd/rootfs/www by
    default) and the big file."""
    files = {}
    if not os.path.isdir(src):
        die(f"{src} does not exist: the files apps/httpd serves are what "
            "both servers serve")
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
    """apps/httpd's initrd with the big file added to www/, packed as the
    Makefile packs it; the archive's path."""
    tree = os.path.join(work, "httpd-rootfs")
    shutil.rmtree(tree, ignore_errors=True)
    if os.path.isdir(HTTPD_ROOTFS):
        shutil.copytree(HTTPD_ROOTFS, tree, symlinks=True)
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
    measured never blocks on a full pipe."""

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
        die(f"{self.who}: {why} (its output is above)")

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
                if BAD.search(line):
                    warn(f"{self.who}: {line}")


def run_args(a, image, append, port, gport, initrd=None, extra=()):
    """tools/run's arguments, the same for both guests but for the image,
    its command line and initrd, and (Linux) extra QEMU arguments."""
    # A safety net only: Guest.stop ends each run.
    limit = a.timeout + 3 * a.duration + 300
    return [RUN, "-M", MACHINE, "--mem", a.mem, "--smp", str(a.smp),
            "--timeout", str(limit), "--net",
            f"user,hostfwd=tcp:127.0.0.1:{port}-:{gport}", "--append",
            append, *(["--initrd", initrd] if initrd else []), image, "--",
            *extra]


def command(a, who, side, app, port):
    """The command booting app on side who with a hostfwd from port."""
    gport = HTTP_PORT if app == "http" else KV_PORT
    if who == "mosaic":
        image, append, initrd = side[app]
        return run_args(a, image, append, port, gport, initrd)
    vmlinuz, initrd = side
    # tools/run boots only ELF images: run the QEMU command it would.
    return blk.qemu_command(run_args(
        a, vmlinuz, f"{LINUX_APPEND} appsbench={app}", port, gport,
        extra=("-initrd", initrd)))


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


def http_check(g, port, www):
    """Fetch each file once; stop on a wrong status or byte."""
    def get(path):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            c.request("GET", "/" + path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    deadline = time.monotonic() + 60
    for path in (SMALL, BIG):
        status, body = retry(f"{g.who}: GET /{path}", lambda: get(path),
                             deadline)
        if status != 200 or body != www[path]:
            g.fail(f"GET /{path}: status {status}, {len(body)} bytes "
                   f"{'as' if body == www[path] else 'NOT as'} served "
                   f"({len(www[path])} expected)")


def kv_check(g, port):
    """A set and a get with exact replies; stop on any wrong byte."""
    key = b"appsbench:probe"
    rng = random.Random(1)
    val = bytes(rng.choice(b"abcdefghij0123456789") for _ in range(1000))
    want = (b"STORED\r\n" + b"VALUE " + key + b" 5 %d\r\n" % len(val) +
            val + b"\r\nEND\r\n")

    def exchange():
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
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


def wrk(port, path, a):
    """{rps, p99 (ms), mbs (10^6 bytes/s), per (bytes per response),
    errors} of one bounded wrk run against path."""
    url = f"http://127.0.0.1:{port}/{path}"
    cmd = ["wrk", "-t", str(min(2, a.conns)), "-c", str(a.conns), "-d",
           f"{a.duration}s", "--timeout", "10s", "--latency", url]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=a.duration + 60).stdout
    except subprocess.TimeoutExpired:
        die(f"wrk did not finish within {a.duration + 60} s")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    tput = re.search(r"Transfer/sec:\s+([\d.]+)([KMGT]?B)", out)
    total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) "
                      r"read", out)
    if not (rps and p99 and tput and total):
        die(f"wrk said:\n{out}")
    errors = "; ".join(m.group(0) for m in re.finditer(
        r"Non-2xx or 3xx responses: \d+|Socket errors: [^\n]*", out))
    n = int(total.group(1))
    return {"rps": float(rps.group(1)),
            "p99": float(p99.group(1)) * {"us": 1e-3, "ms": 1.0,
                                          "s": 1e3}[p99.group(2)],
            "mbs": float(tput.group(1)) * UNITS[tput.group(2)] / 1e6,
            "per": float(total.group(2)) * UNITS[total.group(3)] / n
            if n else 0.0,
            "errors": errors}


class KvOps:
    """The requests of the KV load and their exact replies: KV_KEYS keys
    (appsbench:NNNNN) of KV_VALUE_BYTES-byte values, each value starting
    with its key so that a reply for another key shows."""

    def __init__(self):
        rng = random.Random(0x6b76)
        fill = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789")
                     for _ in range(KV_VALUE_BYTES))
        self.set, self.get, self.hit = [], [], []
        for k in range(KV_KEYS):
            key = b"appsbench:%05d" % k
            val = key + fill[len(key):]
            self.set.append(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(val),
                                                             val))
            self.get.append(b"get %s\r\n" % key)
            self.hit.append(b"VALUE %s 0 %d\r\n%s\r\nEND\r\n" %
                            (key, len(val), val))


STORED = b"STORED\r\n"
MISS = b"END\r\n"


class KvConn:
    """One connection of the load: at most one request outstanding."""

    def __init__(self, who, port):
        self.who = who
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf, self.kind, self.want, self.t0 = b"", None, b"", 0.0

    def send(self, kind, req, want):
        self.kind, self.want, self.buf = kind, want, b""
        self.t0 = time.perf_counter()
        self.s.sendall(req)

    def outcome(self):
        """"ok", "miss" (a get of an absent key) or None while the reply
        is incomplete; dies on any byte that no right reply has."""
        b = self.buf
        if b == self.want:
            return "ok"
        if self.kind == "get" and b == MISS:
            return "miss"
        if self.want.startswith(b) or (self.kind == "get" and
                                       MISS.startswith(b)):
            return None
        die(f"{self.who} kv: a {self.kind} was answered {b[:120]!r}, not "
            f"{self.want[:60]!r}...")


def kv_load(who, port, a, ops):
    """Load the keys, then --duration seconds of the mix (KV_GET_PCT %
    gets of random keys, the rest sets) over --conns connections, one
    request outstanding on each, every reply checked byte for byte.
    Returns {ops, gets, sets (per second), p99 (ms), misses}."""
    conns = [KvConn(who, port) for _ in range(a.conns)]
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.s, selectors.EVENT_READ, c)
    rng = random.Random(0x6b7632)
    keys = iter(range(KV_KEYS))

    def preload():
        k = next(keys, None)
        return None if k is None else ("set", ops.set[k], STORED)

    def mix():
        k = rng.randrange(KV_KEYS)
        if rng.randrange(100) < KV_GET_PCT:
            return ("get", ops.get[k], ops.hit[k])
        return ("set", ops.set[k], STORED)

    def drive(next_op, end):
        """Run ops until next_op has none left (end None) or until end;
        {kind: [latencies]} and misses of the ops completed in time."""
        lat, misses, busy = {"get": [], "set": []}, 0, 0
        for c in conns:
            op = next_op()
            if op is None:
                break
            c.send(*op)
            busy += 1
        while busy:
            now = time.perf_counter()
            if end is not None and now >= end:
                break
            wait = 30 if end is None else min(30, end - now)
            events = sel.select(wait)
            if not events and (end is None or time.perf_counter() < end):
                late = [f"a {c.kind} with {len(c.buf)} bytes of its reply"
                        for c in conns if c.kind and c.outcome() is None]
                die(f"{who} kv: no reply within {wait:.0f} s: "
                    f"{len(late)} of {len(conns)} connections wait "
                    f"({', '.join(late[:3])}...)")
            for key, _ in events:
                c = key.data
                chunk = c.s.recv(65536)
                if not chunk:
                    die(f"{who} kv: the server closed a connection")
                c.buf += chunk
                res = c.outcome()
                if res is None:
                    continue
                lat[c.kind].append(time.perf_counter() - c.t0)
                misses += res == "miss"
                op = next_op()
                if op is None:
                    busy -= 1
                else:
                    c.send(*op)
        return lat, misses

    try:
        drive(preload, None)
        t0 = time.perf_counter()
        lat, misses = drive(mix, t0 + a.duration)
        secs = time.perf_counter() - t0
    finally:
        sel.close()
        for c in conns:
            c.s.close()
    every = sorted(lat["get"] + lat["set"])
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))] * 1e3 \
        if every else 0.0
    return {"ops": len(every) / secs, "gets": len(lat["get"]) / secs,
            "sets": len(lat["set"]) / secs, "p99": p99, "misses": misses}


# --- reporting -----------------------------------------------------------

def fmt(v, width=12):
    return f"{v:{width}.1f}" if v is not None else f"{'-':>{width}}"


def median(runs, key):
    vals = [r[key] for r in runs]
    return statistics.median(vals) if vals else None


def main():
    ap = argparse.ArgumentParser(description="httpd against nginx and kv "
                                 "against memcached, Mosaic against a "
                                 "Linux guest (see the top of this file).")
    ap.add_argument("--duration", type=int, default=10,
                    help="seconds of load per measurement (default 10)")
    ap.add_argument("--conns", type=int, default=16,
                    help="client connections (default 16)")
    ap.add_argument("--runs", type=int, default=3,
                    help="alternating runs of each guest; medians (default 3)")
    ap.add_argument("--smp", type=int, default=1,
                    help="guest CPUs (default 1)")
    ap.add_argument("--mem", default="256M",
                    help="guest RAM, as tools/run --mem (default 256M)")
    ap.add_argument("--timeout", type=int, default=240,
                    help="seconds for a guest to boot (default 240)")
    ap.add_argument("--only", choices=["linux", "mosaic"],
                    help="run one side only")
    ap.add_argument("--skip", choices=["http", "kv"],
                    help="leave one application out")
    ap.add_argument("--no-build", action="store_true",
                    help="use the Mosaic images already built")
    ap.add_argument("--www", default=os.path.join(HTTPD_ROOTFS, "www"),
                    help="the files both servers serve, besides the 1 MiB "
                    "one (default apps/httpd/rootfs/www)")
    a = ap.parse_args()
    if min(a.duration, a.conns, a.runs, a.smp, a.timeout) < 1:
        ap.error("every number must be at least 1")
    if not re.fullmatch(r"[1-9][0-9]*[MG]?", a.mem):
        ap.error("--mem takes a size such as 256M or 1G")
    apps = [x for x in ("http", "kv") if x != a.skip]
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "apps")
    cache = os.environ.get("BLKBENCH_CACHE",
                           os.path.join(ROOT, build, "bench", "blk", "debs"))
    os.makedirs(work, exist_ok=True)
    for group in ("build", "run"):
        if subprocess.run([os.path.join(ROOT, "tools", "deps"),
                           group]).returncode:
            sys.exit(1)
    for tool, pkg in (("wrk", "wrk"), ("dpkg-deb", "dpkg"),
                      ("objdump", "binutils")):
        if shutil.which(tool) is None and os.geteuid() == 0 and \
                shutil.which("apt-get"):
            subprocess.run(["apt-get", "install", "-y", "-qq", pkg],
                           stdout=subprocess.DEVNULL)
        if shutil.which(tool) is None:
            die(f"{tool} not found: sudo apt-get install {pkg}")
    www = www_tree(a.www) if "http" in apps else {SMALL: b"", BIG: b""}
    sides = {}
    if a.only != "linux":
        side = {}
        for app, name, append in (("http", "httpd", ""),
                                  ("kv", "kv", f"-m {KV_MIB}")):
            if app not in apps:
                continue
            image = os.path.join(build, "tests", f"app-{name}.elf")
            if not a.no_build:
                blk.run(["make", "-s", f"BUILD={build}", image],
                        f"building apps/{name} (make {image})", cwd=ROOT)
            if not os.path.isfile(os.path.join(ROOT, image)):
                die(f"no {image}: build it (make BUILD={build} {image})")
            initrd = mosaic_initrd(work, www) if app == "http" else None
            side[app] = (os.path.join(ROOT, image), append, initrd)
        sides["mosaic"] = side
    if a.only != "mosaic":
        vmlinuz, initrd, kpkg = build_linux(work, cache, www)
        sides["linux"] = (vmlinuz, initrd)
    print(f"apps: -M {MACHINE} -smp {a.smp} -m {a.mem}, virtio-net-pci, "
          f"QEMU user networking, hostfwd 127.0.0.1; {a.runs} run(s) of "
          f"{a.duration} s per figure, {a.conns} connections")
    if "http" in apps:
        print(f"http: wrk -t{min(2, a.conns)} -c{a.conns} -d{a.duration}s "
              f"GET /{SMALL} ({len(www[SMALL])} bytes) and /{BIG} "
              f"({BIG_BYTES} bytes); nginx: sendfile, keep-alive, "
              f"{a.smp} worker(s), no access log")
    if "kv" in apps:
        print(f"kv: this script's client, {a.conns} connections, "
              f"{a.duration} s of {KV_GET_PCT}% get, {100 - KV_GET_PCT}% "
              f"set over {KV_KEYS} keys of {KV_VALUE_BYTES}-byte values "
              f"(loaded first); memcached -m {KV_MIB} -t {a.smp} -U 0, "
              f"kv -m {KV_MIB}")
    for app in apps:
        for who, side in sides.items():
            cmd = command(a, who, side, app, 10000)
            shown = cmd if who == "linux" else blk.qemu_command(cmd)
            how = "via tools/run" if who == "mosaic" else kpkg
            print(f"{app} {who} ({how}; hostfwd port varies): "
                  f"{shlex.join(shown)}")
    sys.stdout.flush()
    kvops = KvOps() if "kv" in apps else None
    res = {(app, who): [] for app in apps for who in sides}
    for _ in range(a.runs):
        for app in apps:
            for who, side in sides.items():
                port = net.free_port()
                cmd = command(a, who, side, app, port)
                with Guest(cmd, who, READY[who, app], a.timeout) as g:
                    if app == "http":
                        http_check(g, port, www)
                        r = {"small": wrk(port, SMALL, a),
                             "big": wrk(port, BIG, a)}
                    else:
                        kv_check(g, port)
                        r = kv_load(who, port, a, kvops)
                    r["ready"] = g.ready_s
                    res[app, who].append(r)
    report(res, sides, apps)


def report(res, sides, apps):
    print(f"{'':28}{'mosaic':>12} {'linux':>12} {'mosaic/linux':>13}")

    def row(name, app, key, sub=None):
        vals = {}
        for who in ("mosaic", "linux"):
            runs = res.get((app, who), [])
            runs = [r[sub] for r in runs] if sub else runs
            vals[who] = median(runs, key) if runs else None
        m, lx = vals["mosaic"], vals["linux"]
        ratio = f"{m / lx:13.2f}" if m and lx else f"{'-':>13}"
        print(f"{name:28}{fmt(m)} {fmt(lx)} {ratio}")
        return m, lx

    summary = []
    for app in apps:
        row(f"{app}: start to listening s", app, "ready")
    if "http" in apps:
        for sub, label in (("small", SMALL), ("big", "1 MiB file")):
            got = [row(f"http {label} {name}", "http", key, sub)
                   for name, key in (("req/s", "rps"), ("p99 ms", "p99"),
                                     ("MB/s", "mbs"))]
            summary.append((f"http GET {label}", got,
                            ("req/s", "ms p99", "MB/s")))
    if "kv" in apps:
        got = [row(f"kv {name}", "kv", key)
               for name, key in ((f"ops/s ({KV_GET_PCT}% get)", "ops"),
                                 ("get/s", "gets"), ("set/s", "sets"),
                                 ("p99 ms", "p99"))]
        summary.append(("kv get/set mix", got,
                        ("ops/s", "get/s", "set/s", "ms p99")))
    for what, got, units in summary:
        parts = []
        for who, i in (("mosaic", 0), ("linux", 1)):
            if got[0][i] is not None:
                parts.append(f"{who} " + ", ".join(
                    f"{v[i]:.1f} {u}" for v, u in zip(got, units)))
        if got[0][0] and got[0][1]:
            parts.append(f"mosaic/linux {got[0][0] / got[0][1]:.2f}")
        print(f"{what}: " + "; ".join(parts))
    for (app, who), runs in res.items():
        if app == "http":
            for sub in ("small", "big"):
                print(f"{who} http {sub} runs (req/s, p99 ms, MB/s, bytes "
                      "read / requests): " + "  ".join(
                          f"{r[sub]['rps']:.0f}/{r[sub]['p99']:.2f}/"
                          f"{r[sub]['mbs']:.1f}/{r[sub]['per']:.0f}"
                          for r in runs))
                errs = {r[sub]["errors"] for r in runs} - {""}
                if errs:
                    print(f"{who} http {sub} wrk errors: " + " | ".join(errs))
        else:
            print(f"{who} kv runs (ops/s, get/s, set/s, p99 ms, get "
                  "misses): " + "  ".join(
                      f"{r['ops']:.0f}/{r['gets']:.0f}/{r['sets']:.0f}/"
                      f"{r['p99']:.2f}/{r['misses']}" for r in runs))


if __name__ == "__main__":
    main()

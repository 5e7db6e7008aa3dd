#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Size figures: what a Mosaic appliance weighs beside a minimal Linux
# guest doing the same job, and the least RAM each works in.
#  image bytes: apps/hello, apps/httpd and apps/kv as linked for their
#   tests ($BUILD/tests/app-<name>.elf), stripped (what is booted; their
#   initrd is inside). Linux: Debian's compressed kernel (vmlinuz, what
#   -kernel boots) plus a gzipped initramfs: for hello busybox-static and
#   a static /init that prints a line and exits (bench/boot/linux_init.c);
#   for httpd nginx-light's nginx, for kv memcached, each with the shared
#   libraries it needs and the virtio-net modules (bench/apps.py's files).
#   The layer breakdown of hello and httpd (tools/mosaic size) is printed
#   and recorded as a condition.
#  smallest RAM: the least whole MiB of -m (bisected between a low bound
#   and one that works; a guest that hangs at low memory counts as not
#   working after a bounded time) at which hello prints its line and
#   exits 0, and httpd serves index.html (612 bytes) and a 1 MiB file of
#   random bytes byte for byte over a hostfwd, then exits 0 on request.
#   Linux: the least -m at which the busybox guest above reaches /init,
#   prints and exits (panic=-1: a kernel that runs out of memory stops at
#   once instead of hanging). Every value below the answer was seen to
#   fail, the answer to work.
# Downloads (apt-get download) are cached where bench/blk.py keeps them
# (BLKBENCH_CACHE=DIR).
# --smoke (make test): Mosaic only, hello and httpd each tried at their
# target (a step or two) and the layer parser over bench/fixtures/size-*.
# Usage: bench/size.py [--smoke] [--no-build]
import argparse
import http.client
import os
import re
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time

import apps
import blk
import boot
import record

ROOT = boot.ROOT
RUN = boot.RUN
ME = "size.py"
PART = "size"
APPS = ("hello", "httpd", "kv")
TARGET_BYTES = {"hello": 32 * 1024, "httpd": 300 * 1024}
TARGET_MIB = {"hello": 2, "httpd": 4}
LINUX_APPEND = "console=ttyS0 quiet cryptomgr.notests panic=-1"
HTTPD_READY = re.compile(r"^httpd: listening on port 80\r?$")
# Out of memory, the NIC's driver fails and httpd listens on no link.
HTTPD_BROKEN = re.compile(r"^(dev: .* failed|panic:|fault:)")
LAYERS_FIXTURE = os.path.join(ROOT, "bench", "fixtures", "size-layers.txt")
LINUX_FIXTURE = os.path.join(ROOT, "bench", "fixtures",
                             "size-linux-hello.txt")
LINUX_HELLO = re.compile(r"^Hello from Linux!$")
LAYER_ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")


def die(msg):
    sys.exit(f"{ME}: {msg}")


# --- sizes ---------------------------------------------------------------

def parse_layers(text):
    """{module: bytes in the file (text + rodata + data)} from the table
    tools/mosaic size prints; empty when there is none."""
    rows = {}
    for line in text.splitlines():
        m = LAYER_ROW.match(line.strip())
        if m:
            text_b, ro, data = (int(m.group(i)) for i in (2, 3, 4))
            rows[m.group(1)] = text_b + ro + data
    return rows


def layer_line(rows):
    """The table folded into boot, kernel, drivers, each libos/ and app."""
    out = {}
    for mod, n in rows.items():
        if mod == "total":
            continue
        key = "drivers" if mod.startswith("drivers/") else mod
        out[key] = out.get(key, 0) + n
    return ", ".join(f"{k} {v}" for k, v in out.items() if v)


def layers(build, app):
    out = blk.run([os.path.join(ROOT, "tools", "mosaic"), "size", "--build",
                   os.path.join(ROOT, build), "-j", "2",
                   os.path.join(ROOT, "apps", app)],
                  f"tools/mosaic size apps/{app}", cwd=ROOT)
    rows = parse_layers(out)
    if "total" not in rows:
        die(f"tools/mosaic size apps/{app} printed no table")
    return rows


def check_fixture():
    try:
        text = open(LAYERS_FIXTURE, encoding="utf-8").read()
    except OSError as e:
        die(f"fixture {LAYERS_FIXTURE}: {e.strerror}")
    rows = parse_layers(text)
    if "total" not in rows or "kernel" not in rows:
        die(f"the layer parser found nothing in {LAYERS_FIXTURE}")
    print(f"fixture {os.path.relpath(LAYERS_FIXTURE, ROOT)}: "
          f"{layer_line(rows)}")
    # The Linux guest's serial output, read as Guest.wait_line reads it.
    try:
        with open(LINUX_FIXTURE, "rb") as f:
            lines = f.read().decode("utf-8", "replace").split("\n")
    except OSError as e:
        die(f"fixture {LINUX_FIXTURE}: {e.strerror}")
    if not any(LINUX_HELLO.search(x.rstrip("\r")) for x in lines):
        die(f"no Linux hello line found in {LINUX_FIXTURE}")
    print(f"fixture {os.path.relpath(LINUX_FIXTURE, ROOT)}: hello line found")


def linux_sizes(work, cache):
    """{app: (kernel bytes, initramfs bytes)}, the busybox guest the RAM
    bisection boots (vmlinuz, initramfs) and the kernel package."""
    # httpd and kv: one server each, from bench/apps.py's two-server files.
    files, dirs = apps.linux_files(os.path.join(work, "apps"), cache, {})
    sizes = {}
    for app, drop in (("httpd", "memcached"), ("kv", "nginx")):
        init = apps.INIT.replace("@KV_MIB@", str(apps.KV_MIB))
        vmlinuz, initrd, kpkg, _, _ = blk.linux_guest(
            os.path.join(work, "apps"), cache, ME,
            r"drivers/virtio/[^/]*|drivers/net/(virtio_net|net_failover)|"
            r"net/core/failover", apps.net.NET_MODULES, init,
            server_files(work, files, drop), dirs=dirs)
        final = os.path.join(work, f"initramfs-{app}.cgz")
        os.replace(initrd, final)
        sizes[app] = (os.path.getsize(vmlinuz), os.path.getsize(final))
    # hello: busybox-static and the static /init.
    bdeb = blk.fetch(cache, "busybox-static", "busybox-static_*.deb")
    bdir = os.path.join(work, "busybox")
    blk.extract(bdeb, bdir, r"^\.?/?(usr/)?bin/busybox$")
    with open(os.path.join(bdir, "busybox"), "rb") as f:
        busybox = f.read()
    hello_initrd = boot.linux_initramfs(
        work, boot.linux_init(work),
        [("bin", 0o40755, b""), ("bin/busybox", 0o100755, busybox)])
    sizes["hello"] = (os.path.getsize(vmlinuz),
                      os.path.getsize(hello_initrd))
    return sizes, (vmlinuz, hello_initrd), kpkg


def server_files(work, files, drop):
    """files without the other server (any path naming drop) and the
    libraries only it needs."""
    tmp = os.path.join(work, "elf")
    os.makedirs(tmp, exist_ok=True)
    data = {os.path.basename(n): d for n, _, d in files}

    def needs(name, d):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(d)
        return apps.needed(p)

    todo = []
    for n, _, d in files:
        if re.match(r"usr/s?bin/", n) and drop not in n:
            todo += needs(os.path.basename(n), d)
    need = set()
    while todo:
        name = todo.pop()
        if name not in need and name in data:
            need.add(name)
            todo += needs(name, data[name])
    is_lib = re.compile(r"(^|/)lib/.*\.so")
    return [(n, m, d) for n, m, d in files if drop not in n and
            (not is_lib.search(n) or os.path.basename(n) in need)]


# --- does it work with this much RAM? ------------------------------------

class Guest:
    """tools/run in its own session, its output read line by line."""

    def __init__(self, args):
        self.args = args
        self.out = []
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT,
                                  start_new_session=True)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.buf = b""

    def wait_line(self, rx, timeout, reject=None):
        """True once a line matches rx; False at EOF, after timeout
        seconds, or at a line matching reject."""
        end = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace").rstrip("\r")
                self.out.append(text)
                if rx.search(text):
                    return True
                if reject is not None and reject.search(text):
                    return False
            left = end - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                return False
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return False
            self.buf += chunk

    def wait_exit(self, timeout):
        self.wait_line(re.compile(r"(?!)"), timeout)
        try:
            return self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
                self.p.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.p.stdout.close()
        self.sel.close()


def hello_works(image, mib, timeout):
    args = [RUN, "--tcg", "--mem", f"{mib}M", "--timeout", str(timeout),
            image]
    g = Guest(args)
    try:
        saw = g.wait_line(re.compile(r"^Hello from Mosaic!$"), timeout + 5)
        rc = g.wait_exit(timeout + 5)
        return saw and rc == 0
    finally:
        g.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def httpd_args(image, initrd, mib, port, timeout=None):
    """tools/run's arguments for httpd serving initrd's /www on port."""
    args = [RUN, "--tcg", "--mem", f"{mib}M"]
    if timeout:
        args += ["--timeout", str(timeout)]
    return args + ["--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:80",
                   "--initrd", initrd, "--append=-q /quit-now", image]


def httpd_works(image, initrd, www, mib, timeout):
    port = free_port()
    g = Guest(httpd_args(image, initrd, mib, port, timeout))
    try:
        if not g.wait_line(HTTPD_READY, timeout, HTTPD_BROKEN):
            return False
        for name in (apps.SMALL, apps.BIG):
            try:
                status, body = get(port, "/" + name)
            except (OSError, http.client.HTTPException):
                return False
            if status == 200 and body != www[name]:
                # Wrong bytes are a bug whatever the memory: stop.
                die(f"httpd at {mib} MiB: /{name} gave 200 with "
                    f"{len(body)} wrong bytes")
            if status != 200:
                print(f"{ME}: httpd at {mib} MiB: /{name} gave {status}")
                return False
        try:
            get(port, "/quit-now")
        except (OSError, http.client.HTTPException):
            return False
        return g.wait_exit(timeout) == 0
    finally:
        g.stop()


def linux_cmd(kernel, initrd, mib):
    """QEMU's command line for the busybox guest: tools/run's (which boots
    only ELF images) for the bzImage, as bench/blk.py does."""
    return boot.qemu_command(boot.run_args(
        kernel, "pc", mem=f"{mib}M", append=LINUX_APPEND, initrd=initrd))


def linux_works(kernel, initrd, mib, timeout):
    g = Guest(linux_cmd(kernel, initrd, mib))
    try:
        saw = g.wait_line(LINUX_HELLO, timeout)
        # isa-debug-exit with 0: QEMU exits 1.
        return saw and g.wait_exit(timeout) == 1
    finally:
        g.stop()


def smallest(works, lo, hi, who, lo_known=False):
    """The least n in (lo, hi] with works(n) by bisection (so assuming
    more memory never hurts): hi is tried first (None when it fails), then
    lo unless lo_known says it is known to fail."""
    tried = {}

    def t(n):
        tried[n] = works(n)
        print(f"  {who}: {n} MiB {'works' if tried[n] else 'fails'}",
              flush=True)
        return tried[n]

    if not t(hi):
        return None, tried
    if not lo_known and t(lo):
        return lo, tried
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if t(mid):
            hi = mid
        else:
            lo = mid
    return hi, tried


def main():
    ap = argparse.ArgumentParser(description="Image sizes and the smallest "
                                 "RAM: Mosaic beside a Linux guest.")
    ap.add_argument("--smoke", action="store_true",
                    help="Mosaic only, each app tried at its target RAM")
    ap.add_argument("--no-build", action="store_true",
                    help="use the images already in $BUILD")
    a = ap.parse_args()
    build = os.environ.get("BUILD", "build")
    if a.smoke:
        check_fixture()
    # Not a temporary directory: the recorded command lines name its files.
    work = os.path.join(ROOT, build, "bench", "size")
    os.makedirs(work, exist_ok=True)
    run(a, build, work)


def run(a, build, work):
    images = {}
    for app in APPS:
        src = os.path.join(ROOT, build, "tests", f"app-{app}.elf")
        if not a.no_build:
            boot.make(build, os.path.relpath(src, ROOT))
        if not os.path.exists(src):
            die(f"{src} is missing (build it, or drop --no-build)")
        images[app] = boot.strip(src, os.path.join(work, f"{app}.elf"))
    for app in ("hello", "httpd"):
        rows = layers(build, app)
        line = layer_line(rows)
        print(f"{app} by layer (text+rodata+data bytes): {line}")
        record.condition(PART, f"apps/{app} by layer (tools/mosaic size; "
                         f"text+rodata+data bytes): {line}")
    linux = None
    if not a.smoke:
        sizes, (vmlinuz, hello_initrd), kpkg = linux_sizes(
            work, boot.cache_dir(build))
        linux = sizes
    print(f"\n{'app':6} {'Mosaic stripped':>16} {'Linux kernel+initramfs':>24}"
          f" {'target':>10}")
    for app in APPS:
        n = os.path.getsize(images[app])
        target = TARGET_BYTES.get(app)
        lx = sum(linux[app]) if linux else None
        print(f"{app:6} {n:16} {lx if lx else '-':>24} "
              f"{f'< {target // 1024} KiB' if target else '-':>10}")
        record.figure(
            PART, f"image bytes, {app} (stripped)", "bytes", n, lx,
            better="lower",
            target=f"under {target // 1024} KiB" if target else None,
            met=n < target if target else None,
            commands={"Mosaic": f"make BUILD={build} {build}/tests/"
                      f"app-{app}.elf; strip"},
            plot="size",
            note=("Linux: vmlinuz %d + gzipped initramfs %d bytes (%s)" % (
                linux[app][0], linux[app][1],
                "busybox-static and a static glibc /init" if app == "hello"
                else ("nginx" if app == "httpd" else "memcached") +
                ", its libraries, busybox, virtio-net modules; " + kpkg)
                if linux else "Mosaic only (smoke)"))

    # The least RAM. Smoke: each app at its target only.
    www = apps.www_tree(os.path.join(ROOT, "bench", "http", "www"))
    initrd = apps.mosaic_initrd(work, www)
    hello = lambda n: hello_works(images["hello"], n, 10)  # noqa: E731
    httpd = lambda n: httpd_works(images["httpd"], initrd, www, n,  # noqa
                                  30)
    print("\nsmallest -m (MiB, -M pc, whole MiB):")
    results = {}
    for app, fn, hi in (("hello", hello, 8), ("httpd", httpd, 16)):
        if a.smoke:
            ok = fn(TARGET_MIB[app])
            print(f"  {app}: {TARGET_MIB[app]} MiB "
                  f"{'works' if ok else 'fails'}")
            got = TARGET_MIB[app] if ok else None
            if got is None and not fn(hi):
                die(f"{app} does not work even with {hi} MiB")
            results[app] = got if got else hi
            continue
        # httpd needs at least what hello needs: start below that.
        lo = 1 if app == "hello" else results["hello"] - 1
        got, _ = smallest(fn, lo, hi, app, lo_known=app != "hello")
        if got is None:
            die(f"{app} does not work even with {hi} MiB")
        results[app] = got
    lx_mib = None
    if linux:
        lx_mib, _ = smallest(
            lambda n: linux_works(vmlinuz, hello_initrd, n, 40), 48, 128,
            "Linux busybox guest")
        if lx_mib is None:
            die("the Linux guest does not boot even with 128 MiB")
    cmd = {"hello": shlex.join(boot.qemu_command(boot.run_args(
        images["hello"], "pc", mem=f"{results['hello']}M"))),
        "httpd": shlex.join(boot.qemu_command(httpd_args(
            images["httpd"], initrd, results["httpd"], 8080))) +
        "  (the host port is picked free at each run)"}
    for app in ("hello", "httpd"):
        n = results[app]
        print(f"  {app}: {n} MiB (target {TARGET_MIB[app]} MiB)"
              + (f"; Linux busybox guest: {lx_mib} MiB" if lx_mib else ""))
        c = {f"Mosaic {app}": cmd[app]}
        if lx_mib:
            c["Linux busybox guest"] = shlex.join(
                linux_cmd(vmlinuz, hello_initrd, lx_mib))
        what = ("prints its line and exits 0" if app == "hello" else
                "serves index.html and a 1 MiB file byte for byte over a "
                "hostfwd, exits 0 on request")
        record.figure(
            PART, f"smallest RAM, {app}", "MiB", n, lx_mib,
            better="lower", target=f"{TARGET_MIB[app]} MiB",
            met=n <= TARGET_MIB[app], commands=c,
            note=f"least whole MiB of -m at which Mosaic's {app} {what}"
            + ("; Linux: the busybox guest reaching /init, printing and "
               "exiting (the same baseline for both)" if lx_mib else "")
            + ("; smoke: only the target was tried" if a.smoke else ""))
    if a.smoke:
        print("smoke: Mosaic only; figures mean nothing")


if __name__ == "__main__":
    main()

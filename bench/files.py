#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# File system figures side by side: bench/files/filebench.c in a Mosaic
# appliance (ext2 mounted by mosaic.disk=vda:/data) and the same file
# built for Linux (-DFILEBENCH_LINUX, static) in a minimal Linux guest
# (Debian's kernel and busybox, as bench/blk.py builds it; ext2 through
# the ext4 driver, /dev/vda mounted on /data by its init), one after the
# other on the same QEMU command line: tools/run's machine, accelerator,
# -m, -smp, --disk (virtio-blk-pci on -M pc) over the same fresh ext2
# image, made on the host by mke2fs -t ext2 -F before every guest run, and
# --net user with one hostfwd from a free port of 127.0.0.1 (virtio-net-pci;
# Mosaic takes QEMU's address by DHCP, the Linux init sets the same one).
# The program's phases, each timed in the guest with CLOCK_MONOTONIC:
#   create  --files files of --file-kib KiB, each open, write, fsync,
#           close (fsync per file on both: Mosaic has no sync());
#   write   one --mib MiB file in 1 MiB writes, then one fsync;
#   randread  2000 preads of 4 KiB at random aligned offsets of that file
#           after umount() and mount() of the disk (both guests start
#           cold: Mosaic's block cache goes with the mount, Linux's pages
#           too, and it also drops its caches): IOPS;
#   read    that file in 1 MiB reads after another umount() and mount();
#   reread  the same again without a remount: whatever each cache kept
#           (Mosaic's block cache is a quarter of -m by default, Linux's
#           page cache most of it).
#   sendfile  then the program listens on TCP, this script connects
#           through the hostfwd and the guest sends it the whole file
#           with sendfile() (again from whatever each cache kept: Mosaic
#           lends the block cache's buffers to TCP, reading what it does
#           not hold; Linux sends from its page cache). Every byte is
#           checked here against the known pattern; the rate is taken on
#           the host from the first byte received to the last, and in the
#           guest from its accept() to the host's close (both shown).
# Reported: files/s, MB/s (10^6 bytes/s) and the ratio Mosaic / Linux,
# medians over --runs alternating runs; the data read is checked against
# what was written and the image with the host's e2fsck -fn afterwards.
# Also printed: each phase's device requests (reads, writes, flushes and
# their bytes) as each guest counted them, to see where time goes.
# A report, not a test: nothing is asserted about the figures.
# Downloads as bench/blk.py (BLKBENCH_CACHE=DIR keeps the .debs
# elsewhere); builds go under $BUILD/bench/files.
# Usage: bench/files.py [--files N] [--file-kib N] [--mib N] [--disk-mib N]
#                       [--runs N] [--only linux|mosaic]
import argparse
import glob
import os
import re
import select
import shlex
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blk  # noqa: E402  (the Linux guest builder)
import net  # noqa: E402  (virtio-net modules, free_port)
import record  # noqa: E402

ROOT = blk.ROOT
RUN = blk.RUN
ME = "files.py"
SRC = os.path.join(ROOT, "bench", "files")
MACHINE = "pc"
MEM = "256M"
SMP = 1
LINUX_APPEND = "console=ttyS0 quiet"
MOUNT = "/data"
GUEST_PORT = 8080
# virtio-blk, virtio-net and ext4 (which mounts ext2 when
# CONFIG_EXT4_USE_FOR_EXT2), with what they may need, when they are
# modules.
MODULES = dict(blk.VIRTIO_OPTS, **net.NET_MODULES, CRC16="crc16",
               FS_MBCACHE="mbcache", JBD2="jbd2",
               CRYPTO_CRC32C="crc32c_generic", EXT4_FS="ext4")
# A module whose absence in an extraction says it predates virtio-net.
NET_KO = "virtio_net.ko*"

# The big file's bytes: must match bench/files/filebench.c.
CHUNK = 1 << 20
STAMP = 4096
STAMP_MUL = 0xD6E8FEB86659FD93
MASK = (1 << 64) - 1
FILL = bytes(i % 251 for i in range(CHUNK))

LINE = re.compile(r"^filebench (\w+)((?: \w+=\S+)*)\s*$")

INIT = blk.guest_init(
    "filebench",
    """bench/files.py's Linux guest: load virtio-blk, virtio-net and ext4,
give eth0 QEMU's user-network address, mount /dev/vda on /data, run the
benchmark there, leave through isa-debug-exit.""",
    r"""args=
for w in $(cat /proc/cmdline); do
	case $w in
	filebench=*) args=$(echo ${w#*=} | tr , ' ') ;;
	esac
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	usleep 50000
	i=$((i + 1))
done
mkdir -p /data
st=1
if mount -t ext2 /dev/vda /data; then
	# shellcheck disable=SC2086 # the program's arguments
	/filebench /data /dev/vda $args
	st=$?
	umount /data || st=1
else
	echo "filebench error: cannot mount /dev/vda on /data"
fi
/filebench exit $st
poweroff -f
""",
    net=True)


def die(msg):
    print(f"{ME}: {msg}", file=sys.stderr)
    sys.exit(1)


def build_linux(work, cache):
    """(vmlinuz, initramfs, kernel package) with virtio-blk, ext4 and the
    program, built as bench/blk.py builds its guest."""
    def check(cfg, kdeb):
        if cfg.get("EXT2_FS") not in ("y", "m") and not (
                cfg.get("EXT4_FS") in ("y", "m") and
                cfg.get("EXT4_USE_FOR_EXT2") == "y"):
            die(f"{kdeb}'s kernel mounts no ext2 (CONFIG_EXT2_FS or "
                "CONFIG_EXT4_USE_FOR_EXT2)")
        if cfg.get("EXT2_FS") == "m":
            die("a kernel with ext2 as a module is not handled: add it to "
                "MODULES and the extract pattern")
        if cfg.get("VIRTIO_NET") not in ("y", "m"):
            die(f"{kdeb}'s kernel lacks CONFIG_VIRTIO_NET")

    prog = os.path.join(work, "filebench")
    cc = os.environ.get("HOSTCC", "gcc")
    if subprocess.run([cc, "-O2", "-static", "-Wall", "-Wextra", "-Werror",
                       "-DFILEBENCH_LINUX", "-o", prog,
                       os.path.join(SRC, "filebench.c")]).returncode != 0:
        die(f"could not build {SRC}/filebench.c for Linux with {cc} "
            "-static; install the static C library: "
            "sudo apt-get install libc6-dev")
    # An extraction made before the guest had virtio-net lacks its
    # modules: have blk.linux_guest extract the package again.
    for done in glob.glob(os.path.join(work, "linux", "*", ".done")):
        if not glob.glob(os.path.join(os.path.dirname(done), NET_KO)):
            os.remove(done)
    vmlinuz, initrd, kpkg, _, _ = blk.linux_guest(
        work, cache, ME, r"drivers/virtio/[^/]*|drivers/block/virtio_blk|"
        r"drivers/net/(virtio_net|net_failover)|net/core/failover|"
        r"fs/ext4/ext4|fs/jbd2/jbd2|fs/mbcache|lib/crc16|"
        r"crypto/crc32c_generic", MODULES, INIT,
        [("filebench", 0o100755, open(prog, "rb").read())], dirs=("data",),
        check=check)
    return vmlinuz, initrd, kpkg


def fresh_disk(path, mib):
    # Written out, not sparse (as bench/blk.py), then formatted.
    blk.fresh_disk(path, mib)
    blk.run(["mke2fs", "-q", "-t", "ext2", "-F", path], "mke2fs")


def parse(out, who):
    res = {}
    for line in out.replace("\r", "").splitlines():
        m = LINE.match(line)
        if m:
            res[m.group(1)] = dict(kv.split("=", 1)
                                   for kv in m.group(2).split())
        elif line.startswith("filebench error"):
            print(f"{ME}: {who}: {line}", file=sys.stderr)
    return res


def expected(off, n):
    """The n bytes of the big file at off, a multiple of CHUNK."""
    e = bytearray(FILL[:n])
    for i in range(0, n, STAMP):
        if i + 8 <= n:
            struct.pack_into("<Q", e, i, (off + i + 1) * STAMP_MUL & MASK)
    return e


def receive(port, size, timeout):
    """Read the file the guest sends on 127.0.0.1:port, checking every
    byte as it comes. Returns (bytes received, bytes timed, ns from the
    first byte to the last, mismatching 4 KiB blocks, bytes after the
    end)."""
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    total = bad = extra = 0
    t0 = t1 = None
    first = 0
    with socket.create_connection(("127.0.0.1", port),
                                  timeout=timeout) as s:
        s.settimeout(timeout)
        while total < size:
            want = min(CHUNK, size - total)
            got = 0
            while got < want:
                n = s.recv_into(view[got:want])
                if n == 0:
                    break
                if t0 is None:
                    t0, first = time.monotonic_ns(), n
                got += n
            t1 = time.monotonic_ns()
            e = expected(total, got)
            if view[:got] != e:
                bad += sum(view[i:i + STAMP] != e[i:i + STAMP]
                           for i in range(0, got, STAMP))
            total += got
            if got < want:
                break
        # The guest shuts its side down after the last byte: anything
        # more is wrong too.
        while True:
            n = s.recv_into(view)
            if n == 0:
                break
            extra += n
    ns = (t1 - t0) if t0 is not None else 0
    return total, total - first, ns, bad, extra


class Guest:
    """One guest run (a tools/run or a qemu command), its output read as
    it comes; ended by its PID when it fails."""

    def __init__(self, cmd, who, timeout):
        self.who, self.out, self.rc = who, "", None
        self.deadline = time.monotonic() + timeout
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)

    def fail(self, msg):
        self.stop()
        sys.stderr.write(self.out[-3000:])
        die(f"{self.who}: {msg}; its output is above")

    def read(self, pattern=None):
        """Until a line matches pattern (None: until the guest ends)."""
        rx = re.compile(pattern, re.M) if pattern else None
        while rx is None or not rx.search(self.out):
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.fail("no result in time")
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 1))
            if not r:
                continue
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                if rx is not None:
                    self.fail(f"ended without a '{pattern}' line")
                break
            self.out += chunk.decode(errors="replace").replace("\r", "")
        if rx is None:
            try:
                self.rc = self.p.wait(max(self.deadline - time.monotonic(),
                                          1))
            except subprocess.TimeoutExpired:
                self.fail("did not end in time")
        return rx.search(self.out) if rx else None

    def stop(self):
        # SIGTERM first: tools/run then stops its QEMU.
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.p.wait()


def guest(cmd, who, timeout, port, size, log=None):
    """Run one guest, take the file it sends; its parsed lines and what
    receive() says. With log, the guest's console output is appended
    there."""
    g = Guest(cmd, who, timeout)
    g.read(r"^filebench listening port=")
    try:
        got = receive(port, size, 60)
    except OSError as e:
        g.fail(f"receiving the file through 127.0.0.1:{port}: {e}")
    g.read()
    if log:
        with open(log, "a") as f:
            f.write(f"=== {who}\n{g.out}\n")
    res = parse(g.out, who)
    # tools/run returns the guest's status; QEMU itself (status * 2) + 1.
    rc = g.rc if cmd[0] == RUN else g.rc >> 1
    if rc != 0 or "done" not in res or "sendfile" not in res:
        sys.stderr.write(g.out[-3000:])
        die(f"{who} failed (status {g.rc}); its output is above")
    return res, got


def fsck(disk, who):
    """The host's verdict on the image a guest left: True when clean."""
    p = subprocess.run(["e2fsck", "-fn", disk], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-2000:])
        print(f"{ME}: {who}: e2fsck -fn found problems (above)",
              file=sys.stderr)
    return p.returncode == 0


def figures(res, got, size, who):
    """(files/s, write MB/s, read MB/s, reread MB/s, sendfile MB/s on the
    host, random 4 KiB read IOPS, sendfile MB/s in the guest, data as
    written)."""
    def rate(phase, key, scale):
        return int(res[phase][key]) / int(res[phase]["ns"]) * scale
    ok = all(res[p]["bad"] == "0" for p in ("read", "reread", "randread"))
    total, timed, ns, bad, extra = got
    sent = int(res["sendfile"]["bytes"])
    if total != size or sent != size or bad or extra:
        print(f"{ME}: {who}: sendfile: {total} bytes received of {size} "
              f"({sent} sent), {bad} 4 KiB blocks wrong, {extra} bytes too "
              "many", file=sys.stderr)
        ok = False
    return (rate("create", "files", 1e9), rate("write", "bytes", 1e3),
            rate("read", "bytes", 1e3), rate("reread", "bytes", 1e3),
            timed / ns * 1e3 if ns else 0.0, rate("randread", "reads", 1e9),
            rate("sendfile", "bytes", 1e3), ok)


def fmt(v):
    return f"{'-':>10}" if v is None else f"{v:10.1f}"


def main():
    ap = argparse.ArgumentParser(description="File system figures, Mosaic "
                                 "against a Linux guest (see the top of "
                                 "this file).")
    ap.add_argument("--files", type=int, default=2000,
                    help="small files created (default 2000)")
    ap.add_argument("--file-kib", type=int, default=1,
                    help="KiB per small file, 1..1024 (default 1)")
    ap.add_argument("--mib", type=int, default=64,
                    help="MiB of the sequential file (default 64)")
    ap.add_argument("--disk-mib", type=int, default=256,
                    help="ext2 image size in MiB (default 256)")
    ap.add_argument("--runs", type=int, default=3,
                    help="alternating runs of each guest; medians (default 3)")
    ap.add_argument("--timeout", type=int, default=600,
                    help="seconds per guest boot (default 600)")
    ap.add_argument("--only", choices=["linux", "mosaic"],
                    help="run one guest only")
    ap.add_argument("--smoke", action="store_true",
                    help="make test's check: Mosaic only, tiny sizes")
    ap.add_argument("--log", metavar="FILE",
                    help="append each guest's console output to FILE")
    a = ap.parse_args()
    if a.smoke:
        a.only, a.files, a.mib, a.disk_mib, a.runs = "mosaic", 20, 2, 32, 1
    if min(a.files, a.file_kib, a.mib, a.disk_mib, a.runs, a.timeout) < 1:
        ap.error("every number must be at least 1")
    if a.file_kib > 1024:
        ap.error("--file-kib is at most 1024")
    need = a.mib + a.files * (a.file_kib + 4) // 1024 + 16
    if need > a.disk_mib * 0.9:
        ap.error(f"--disk-mib {a.disk_mib} is too small for the files "
                 f"(about {need} MiB)")
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "files")
    cache = os.environ.get("BLKBENCH_CACHE",
                           os.path.join(ROOT, build, "bench", "blk", "debs"))
    os.makedirs(work, exist_ok=True)
    for group in ("build", "run"):
        if subprocess.run([os.path.join(ROOT, "tools", "deps"),
                           group]).returncode:
            sys.exit(1)
    for tool, pkg in (("dpkg-deb", "dpkg"), ("mke2fs", "e2fsprogs"),
                      ("e2fsck", "e2fsprogs")):
        if shutil.which(tool) is None:
            die(f"{tool} not found: sudo apt-get install {pkg}")
    disk = os.path.join(work, "disk.img")
    fresh_disk(disk, a.disk_mib)  # tools/run checks it exists
    args = [str(a.files), str(a.file_kib), str(a.mib), str(GUEST_PORT)]
    # One host port for every run, so that both guests have the very same
    # command line; QEMU binds it with SO_REUSEADDR.
    port = net.free_port()
    netopt = ["--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:{GUEST_PORT}"]
    size = a.mib << 20
    guests = {}
    if a.only != "linux":
        blk.run(["make", "-s", "APP=bench/files", f"BUILD={build}"],
                "building the Mosaic image (make APP=bench/files)", cwd=ROOT)
        image = os.path.join(ROOT, build, "files.elf")
        guests["mosaic"] = blk.run_args(
            a, disk, f"mosaic.disk=vda:{MOUNT} {MOUNT} /dev/vda "
            + " ".join(args), image)
    if a.only != "mosaic":
        vmlinuz, initrd, kpkg = build_linux(work, cache)
        # tools/run boots only ELF images: run the QEMU command it would.
        guests["linux"] = blk.run_args(
            a, disk, f"{LINUX_APPEND} filebench=" + ",".join(args), vmlinuz,
            ["-initrd", initrd])
    for who, cmd in guests.items():
        cmd[1:1] = netopt
        if who == "linux":
            guests[who] = blk.qemu_command(cmd)
    print(f"files: {a.disk_mib} MiB ext2 image (mke2fs -t ext2 -F, fresh "
          f"per run), virtio-blk-pci, virtio-net-pci (user, hostfwd "
          f"127.0.0.1:{port}), -M {MACHINE} -smp {SMP} -m {MEM}; "
          f"{a.files} files of {a.file_kib} KiB (open/write/fsync/close "
          f"each), one {a.mib} MiB file in 1 MiB writes + fsync, 2000 "
          f"random 4 KiB preads of it and a read back, each cold "
          f"(umount+mount), a reread, then sent to the host with "
          f"sendfile(); {a.runs} run(s)")
    for who, cmd in guests.items():
        how = "via tools/run" if who == "mosaic" else kpkg
        shown = cmd if who == "linux" else blk.qemu_command(cmd)
        print(f"{who} ({how}): {shlex.join(shown)}")
    results = {who: [] for who in guests}
    io = {}
    lent = []
    ok = True
    for _ in range(a.runs):
        for who, cmd in guests.items():
            fresh_disk(disk, a.disk_mib)
            res, got = guest(cmd, who, a.timeout + 30, port, size, a.log)
            f = figures(res, got, size, who)
            if not f[-1]:
                print(f"{ME}: {who}: the data read or sent is not what "
                      "was written: its figures mean nothing",
                      file=sys.stderr)
            ok &= f[-1] & fsck(disk, who)
            results[who].append(f[:-1])
            io[who] = {k[3:]: v for k, v in res.items()
                       if k.startswith("io_")}
            if who == "mosaic":
                lent.append(int(res["sendfile"].get("lent", -1)))
    med = {who: [statistics.median(v) for v in zip(*runs)]
           for who, runs in results.items()}
    names = ("files created/s", "seq write MB/s", "seq read MB/s (cold)",
             "reread MB/s (cached)", "sendfile MB/s",
             "random 4K read IOPS (cold)", "sendfile MB/s (guest)")
    print(f"{'':28}{'mosaic':>10} {'linux':>10} {'mosaic/linux':>13}")
    for i, name in enumerate(names):
        m = med["mosaic"][i] if "mosaic" in med else None
        lx = med["linux"][i] if "linux" in med else None
        ratio = f"{m / lx:13.2f}" if m and lx else f"{'-':>13}"
        print(f"{name:28}{fmt(m)} {fmt(lx)} {ratio}")
    record.condition("disk", f"ext2: {a.disk_mib} MiB image (mke2fs -t "
                     f"ext2, fresh per run), virtio-blk-pci and "
                     f"virtio-net-pci (user, hostfwd), -M {MACHINE} -smp "
                     f"{SMP} -m {MEM}; {a.files} files of {a.file_kib} KiB "
                     f"(open/write/fsync/close), one {a.mib} MiB file "
                     f"written, 2000 random 4 KiB preads of it (cold), "
                     f"read cold and again, sent with sendfile(); "
                     f"{a.runs} run(s) each (bench/files.py)")
    commands = {f"{who}, bench/files.py": shlex.join(
        cmd if who == "linux" else blk.qemu_command(cmd))
        for who, cmd in guests.items()}
    for i, name in enumerate(names[:6]):
        m = [r[i] for r in results.get("mosaic", [])]
        lx = [r[i] for r in results["linux"]] if "linux" in results else None
        if not m:
            break
        short = name.replace(" MB/s", "").replace(" created/s", " created")
        short = short.replace(" IOPS", "")
        unit = ("files/s" if "files" in name else
                "IOPS" if "IOPS" in name else "MB/s")
        record.figure(
            "disk", f"ext2: {short}", unit, m, lx, target="ahead of Linux",
            met=(statistics.median(m) > statistics.median(lx)) if lx
            else None, commands=commands, plot="disk",
            note="through the file system; data read back and sent is "
            "checked, and e2fsck -fn passes after each run")
    if a.runs > 1:
        for who, runs in results.items():
            print(f"{who} runs (files/s, write, read, reread, sendfile "
                  "MB/s, random read IOPS, sendfile in the guest MB/s): " +
                  "  ".join("/".join(f"{v:.1f}" for v in r) for r in runs))
    for who, phases in io.items():
        # The device's requests per phase as the guest counted them
        # (filebench.c's io_ lines; -1: unknown), last run.
        print(f"{who} device requests per phase (last run): " + "; ".join(
            f"{ph} " + " ".join(f"{k}={v}" for k, v in kv.items())
            for ph, kv in phases.items()))
    if lent:
        print(f"mosaic sendfile: bytes sent from the file system's buffers "
              f"without a copy (tcp_lent_bytes) per run: "
              f"{', '.join(str(v) for v in lent)} of {size}")
    print("data read back, data sent and e2fsck -fn: " +
          ("as written, clean" if ok else "WRONG (see above)"))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

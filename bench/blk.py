#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Disk throughput side by side: a Mosaic appliance (bench/blk/main.c, the
# raw block API <mosaic/blk.h>) and a minimal Linux guest (Debian's
# kernel, busybox and bench/blk/linux_blkbench.c on /dev/vda with
# O_DIRECT), one after the other on the same QEMU command line: tools/run's
# machine, accelerator, -m, -smp and --disk (virtio-blk-pci on -M pc) over
# a fresh raw image. Both run bench/blk/blkbench.c's phases, each timed
# in the guest with CLOCK_MONOTONIC: sequential write (1 MiB requests over
# the whole image, then a flush), sequential read (1 MiB requests) and
# random read (4 KiB at xorshift64 offsets, the same sequence on both),
# all at queue depth 1. Reported: MB/s (10^6 bytes/s), IOPS and the ratio
# Mosaic / Linux; the data read is checked against what was written.
# busybox dd (bs=1M iflag=direct) cross-checks the Linux read figure.
# A report, not a test: nothing is asserted about the figures.
# Downloads (apt-get download, nothing installed) and builds go under
# $BUILD/bench/blk; BLKBENCH_CACHE=DIR keeps the .debs elsewhere.
# Usage: bench/blk.py [--passes N] [--reads N] [--disk-mib N] [--runs N]
#                     [--only linux|mosaic]
import argparse
import glob
import gzip
import lzma
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile

import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tools", "run")
SRC = os.path.join(ROOT, "bench", "blk")
ME = "blk.py"

# QEMU settings both guests share (tools/run options).
MACHINE = "pc"
MEM = "256M"
SMP = 1
LINUX_APPEND = "console=ttyS0 quiet"

# Kernel options the Linux guest needs built in, and the virtio ones that
# may be modules (then loaded, with what they depend on, in that order).
NEED_BUILTIN = ("BLK_DEV_INITRD", "RD_GZIP", "DEVTMPFS", "SERIAL_8250_CONSOLE")
VIRTIO_OPTS = {"VIRTIO": "virtio", "VIRTIO_PCI_LIB": "virtio_pci_modern_dev",
               "VIRTIO_PCI_LIB_LEGACY": "virtio_pci_legacy_dev",
               "VIRTIO_PCI": "virtio_pci", "VIRTIO_BLK": "virtio_blk"}

# Must match bench/blk/blkbench.c.
SEQ_BYTES = 1 << 20
RAND_BYTES = 4096
SEED = 0x9E3779B97F4A7C15
STAMP_MUL = 0xD6E8FEB86659FD93
MASK = (1 << 64) - 1

LINE = re.compile(r"^blkbench (\w+)((?: \w+=\S+)*)\s*$")

def guest_init(tag, purpose, body, net=False):
    """The /init of a minimal Linux guest for linux_guest(): busybox's
    applets, /proc, /sys and /dev, the kernel modules (@MODULES@, filled
    in by linux_guest()), and with net=True eth0 on QEMU's user network
    (10.0.2.15/24 via 10.0.2.2), then body. tag prefixes its error
    lines ("tag error: ..."); purpose becomes its comment."""
    comment = "".join(f"# {line}\n" for line in purpose.splitlines())
    head = f"""#!/bin/busybox sh
{comment}/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in @MODULES@; do
	insmod /lib/modules/$m.ko || echo "{tag} error: insmod $m failed"
done
"""
    if net:
        head += f"""ip link set lo up
ip link set eth0 up || echo "{tag} error: no eth0"
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
"""
    return head + body


INIT = guest_init(
    "blkbench",
    """bench/blk.py's Linux guest: load virtio-blk, run the benchmark on
/dev/vda, cross-check it with busybox dd, leave through isa-debug-exit.""",
    r"""# bench/blk.py gives both or neither.
passes=
reads=
for w in $(cat /proc/cmdline); do
	case $w in
	blkbench.passes=*) passes=${w#*=} ;;
	blkbench.reads=*) reads=${w#*=} ;;
	esac
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	usleep 50000
	i=$((i + 1))
done
# shellcheck disable=SC2086 # both empty: the program's defaults
/blkbench /dev/vda $passes $reads
st=$?
# The read passes again with busybox dd, one process per pass. (No dd
# write: its reads of /dev/zero, a 1 MiB clear each under TCG, would be
# most of what it measured.)
if [ $st -eq 0 ]; then
	mib=$(($(blockdev --getsize64 /dev/vda) / 1048576))
	bytes=$((mib * 1048576 * ${passes:-1}))
	t0=$(/blkbench now)
	for _ in $(seq "${passes:-1}"); do
		dd if=/dev/vda of=/dev/null bs=1M count=$mib iflag=direct \
			2>/dev/null || st=1
	done
	t1=$(/blkbench now)
	echo "blkbench ddread bytes=$bytes ns=$((t1 - t0))"
fi
/blkbench exit $st
poweroff -f
""",
    net=False)


def die(msg):
    print(f"{ME}: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, what, **kw):
    """Run cmd with its output captured; die showing it on failure."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        die(f"{what} failed ({shlex.join(cmd)})")
    return p.stdout


# --- Debian packages ---------------------------------------------------

def kernel_package():
    """linux-image-amd64's current kernel package, e.g.
    linux-image-6.1.0-56-amd64, or None when apt knows none."""
    if shutil.which("apt-cache") is None:
        return None
    for attempt in (1, 2):
        out = subprocess.run(["apt-cache", "depends", "linux-image-amd64"],
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        m = re.search(r"Depends: (linux-image-\S+-amd64)\b", out)
        if m:
            return m.group(1)
        if attempt == 1 and os.geteuid() == 0:
            subprocess.run(["apt-get", "update", "-qq"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return None


def fetch(cache, pkg, pattern):
    """The cached .deb of pkg (pattern globs its file name), downloaded
    with apt-get download when missing; pkg None takes any cached match."""
    have = sorted(glob.glob(os.path.join(cache, pattern)))
    if pkg is None:
        if have:
            return have[-1]
        die("apt-cache knows no linux-image-amd64 and nothing is cached in "
            f"{cache}: run sudo apt-get update (Debian) and retry")
    mine = [d for d in have if os.path.basename(d).startswith(pkg + "_")]
    if mine:
        return mine[-1]
    if shutil.which("apt-get") is None:
        die(f"no apt-get to download {pkg}: put its .deb in {cache} "
            "(or BLKBENCH_CACHE) and retry")
    print(f"{ME}: downloading {pkg} into {cache}", file=sys.stderr)
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        run(["apt-get", "download", "-q", pkg], f"apt-get download {pkg}",
            cwd=tmp)
        debs = glob.glob(os.path.join(tmp, "*.deb"))
        if len(debs) != 1:
            die(f"apt-get download {pkg} left {len(debs)} .deb files")
        dest = os.path.join(cache, os.path.basename(debs[0]))
        os.replace(debs[0], dest)
    return dest


def extract(deb, dest, keep):
    """Write the regular files of deb whose path matches the regex keep
    into dest under their base names (no root, nothing else unpacked)."""
    os.makedirs(dest, exist_ok=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb],
                            stdout=subprocess.PIPE)
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tf:
        for m in tf:
            if m.isfile() and re.search(keep, m.name):
                with open(os.path.join(dest, os.path.basename(m.name)),
                          "wb") as f:
                    shutil.copyfileobj(tf.extractfile(m), f)
    if proc.wait() != 0:
        die(f"dpkg-deb could not read {deb}; delete it and retry")


# --- the Linux guest ---------------------------------------------------

def kernel_config(path):
    cfg = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"CONFIG_(\w+)=(\S+)", line)
            if m:
                cfg[m.group(1)] = m.group(2)
    return cfg


def module_text(path):
    data = open(path, "rb").read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    elif not path.endswith(".ko"):
        die(f"{path}: only .ko and .ko.xz modules are handled")
    return data


def module_order(kdir, cfg, opts=None):
    """Module names and contents to insmod, dependencies first: those of
    opts ({CONFIG option: module}, VIRTIO_OPTS by default) that cfg
    builds as modules, and what they depend on."""
    opts = VIRTIO_OPTS if opts is None else opts
    files = {re.sub(r"\.ko(\.xz|\.zst)?$", "", os.path.basename(p)): p
             for p in glob.glob(os.path.join(kdir, "*.ko*"))}
    roots = [mod for opt, mod in opts.items() if cfg.get(opt) == "m"]
    order, texts = [], {}

    def visit(name, chain):
        if name in order:
            return
        if name in chain:
            die(f"module dependency cycle: {' -> '.join(chain + [name])}")
        if name not in files:
            die(f"module {name} (needed by {chain[-1] if chain else 'us'}) "
                "is not in the kernel package's drivers/virtio or block")
        texts[name] = module_text(files[name])
        m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", texts[name])
        for dep in filter(None, (m.group(1).decode() if m else "").split(",")):
            visit(dep, chain + [name])
        order.append(name)

    for r in roots:
        visit(r, [])
    return [(n, texts[n]) for n in order]


def cpio_newc(entries):
    """A cpio archive (newc) of (name, mode, data, rdev major, minor)."""
    out = bytearray()
    for ino, (name, mode, data, major, minor) in enumerate(
            entries + [("TRAILER!!!", 0, b"", 0, 0)], 1):
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor,
                  len(name) + 1, 0)
        out += b"070701" + "".join(f"{v:08X}" for v in fields).encode()
        out += name.encode() + b"\0"
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def linux_guest(work, cache, me, ko_pattern, opts, init, files, dirs=(),
                check=None):
    """A minimal Linux guest: Debian's kernel and busybox-static, the
    kernel modules of opts (see module_order) found by ko_pattern (a regex
    of their paths under /kernel/, without .ko), files [(name, mode,
    data)] and /init (init with @MODULES@ replaced by the modules in load
    order) in a gzipped initramfs; extra empty directories dirs. check(cfg,
    kernel package), when given, refuses a kernel by dying. Returns
    (vmlinuz, initramfs, kernel package file name, config, modules)."""
    kdeb = fetch(cache, kernel_package(), "linux-image-[0-9]*-amd64_*.deb")
    bdeb = fetch(cache, "busybox-static", "busybox-static_*.deb")
    kdir = os.path.join(work, "linux", os.path.basename(kdeb)[:-4])
    if not os.path.exists(os.path.join(kdir, ".done")):
        print(f"{me}: extracting {os.path.basename(kdeb)}", file=sys.stderr)
        extract(kdeb, kdir, r"/boot/(vmlinuz|config)-|/kernel/(" +
                ko_pattern + r")\.ko(\.xz|\.zst)?$")
        open(os.path.join(kdir, ".done"), "w").close()
    bdir = os.path.join(work, "busybox")
    extract(bdeb, bdir, r"^\.?/?(usr/)?bin/busybox$")
    vmlinuz = glob.glob(os.path.join(kdir, "vmlinuz-*"))
    config = glob.glob(os.path.join(kdir, "config-*"))
    if len(vmlinuz) != 1 or len(config) != 1:
        die(f"{kdeb} has no single /boot/vmlinuz-* and config-*")
    cfg = kernel_config(config[0])
    missing = [o for o in NEED_BUILTIN if cfg.get(o) != "y"]
    if missing:
        die(f"{kdeb}'s kernel lacks CONFIG_{', CONFIG_'.join(missing)}")
    if check is not None:
        check(cfg, kdeb)
    modules = module_order(kdir, cfg, opts)
    init = init.replace("@MODULES@", " ".join(n for n, _ in modules))
    entries = [(d, 0o40755, b"", 0, 0) for d in
               ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc",
                "sys", "lib", "lib/modules", *dirs)]
    entries += [("dev/console", 0o20600, b"", 5, 1),
                ("bin/busybox", 0o100755,
                 open(os.path.join(bdir, "busybox"), "rb").read(), 0, 0),
                ("init", 0o100755, init.encode(), 0, 0)]
    entries += [(name, mode, data, 0, 0) for name, mode, data in files]
    entries += [(f"lib/modules/{n}.ko", 0o100644, t, 0, 0)
                for n, t in modules]
    initrd = os.path.join(work, "initramfs.cgz")
    with open(initrd, "wb") as f:
        f.write(gzip.compress(cpio_newc(entries), mtime=0))
    builtin = [m for o, m in opts.items() if cfg.get(o) == "y"]
    print(f"{me}: linux guest: {os.path.basename(kdeb)}; modules "
          f"{' '.join(n for n, _ in modules) or 'none'}; built in: "
          f"{' '.join(builtin) or 'none'}", file=sys.stderr)
    return vmlinuz[0], initrd, os.path.basename(kdeb), cfg, modules


def build_linux(work, cache):
    """Returns (vmlinuz, initramfs, kernel package file name)."""
    def check(cfg, kdeb):
        missing = [o for o in ("VIRTIO_PCI", "VIRTIO_BLK")
                   if cfg.get(o) not in ("y", "m")]
        if missing:
            die(f"{kdeb}'s kernel lacks CONFIG_{', CONFIG_'.join(missing)}")

    prog = os.path.join(work, "linux_blkbench")
    cc = os.environ.get("HOSTCC", "gcc")
    if subprocess.run([cc, "-O2", "-static", "-Wall", "-Wextra", "-Werror",
                       "-o", prog, os.path.join(SRC, "linux_blkbench.c"),
                       os.path.join(SRC, "blkbench.c")]).returncode != 0:
        die("could not build bench/blk/linux_blkbench.c with "
            f"{cc} -static; install the static C library: "
            "sudo apt-get install libc6-dev")
    vmlinuz, initrd, kpkg, _, _ = linux_guest(
        work, cache, ME, r"drivers/(virtio/[^/]*|block/virtio_blk)",
        VIRTIO_OPTS, INIT,
        [("blkbench", 0o100755, open(prog, "rb").read())], check=check)
    return vmlinuz, initrd, kpkg


# --- running and reporting ---------------------------------------------

def run_args(a, disk, append, image, extra=()):
    """tools/run's arguments: the same for both guests but for the image,
    its command line and (Linux) the initrd."""
    return [RUN, "-M", MACHINE, "--mem", MEM, "--smp", str(SMP),
            "--timeout", str(a.timeout), "--disk", disk, "--append", append,
            image, "--", *extra]


def qemu_command(args):
    """The QEMU command tools/run would run for its arguments args."""
    out = run(args[:1] + ["--dry-run"] + args[1:], "tools/run --dry-run",
              cwd=ROOT)
    return shlex.split(out.strip().splitlines()[-1])


def fresh_disk(path, mib):
    # Written out, not sparse, so that neither guest pays for the host
    # file system allocating blocks.
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(bytes(SEQ_BYTES))


def parse(out, who):
    res = {}
    for line in out.replace("\r", "").splitlines():
        m = LINE.match(line)
        if m:
            res[m.group(1)] = dict(kv.split("=", 1)
                                   for kv in m.group(2).split())
        elif line.startswith("blkbench error"):
            print(f"{ME}: {who}: {line}", file=sys.stderr)
    return res


def guest(cmd, who, timeout):
    """Run one guest (a tools/run or a qemu command); its parsed lines."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        die(f"{who}: no result after {timeout} s")
    res = parse(p.stdout, who)
    # tools/run returns the guest's status; QEMU itself (status * 2) + 1.
    rc = p.returncode if cmd[0] == RUN else p.returncode >> 1
    if rc != 0 or "done" not in res:
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-2000:])
        die(f"{who} failed (status {p.returncode}); its output is above")
    return res


def expected_sums(size, passes, reads):
    seq = passes * sum((off + 1) * STAMP_MUL
                       for off in range(0, size, RAND_BYTES))
    state, rnd, blocks = SEED, 0, size // RAND_BYTES
    for _ in range(reads):
        state ^= (state << 13) & MASK
        state ^= state >> 7
        state ^= (state << 17) & MASK
        rnd += (state % blocks * RAND_BYTES + 1) * STAMP_MUL
    return seq & MASK, rnd & MASK


def figures(res):
    """(seq write MB/s, seq read MB/s, random read IOPS, dd read MB/s)
    from one guest's lines; dd's is None for Mosaic."""
    def rate(phase, key="bytes", scale=1e3):
        r = res.get(phase)
        return int(r[key]) / int(r["ns"]) * scale if r else None
    return (rate("seqwrite"), rate("seqread"),
            rate("randread", "ops", 1e9), rate("ddread"))


def check_data(res, who, size, passes, reads):
    seq, rnd = expected_sums(size, passes, reads)
    got = (int(res["seqread"]["sum"], 16), int(res["randread"]["sum"], 16))
    if got != (seq, rnd):
        print(f"{ME}: {who}: the data read is not what was written "
              f"(sums {got[0]:#x} {got[1]:#x}, expected {seq:#x} "
              f"{rnd:#x}): its figures mean nothing", file=sys.stderr)
        return False
    return True


def fmt(v):
    return "-" if v is None else f"{v:10.1f}"


def main():
    ap = argparse.ArgumentParser(description="Disk throughput, Mosaic "
                                 "against a Linux guest (see the top of "
                                 "this file).")
    ap.add_argument("--passes", type=int, default=32,
                    help="sequential passes over the disk (default 32)")
    ap.add_argument("--reads", type=int, default=20000,
                    help="random 4 KiB reads (default 20000)")
    ap.add_argument("--disk-mib", type=int, default=64,
                    help="raw image size in MiB (default 64)")
    ap.add_argument("--runs", type=int, default=3,
                    help="alternating runs of each guest; medians (default 3)")
    ap.add_argument("--timeout", type=int, default=240,
                    help="seconds per guest boot (default 240)")
    ap.add_argument("--only", choices=["linux", "mosaic"],
                    help="run one guest only")
    ap.add_argument("--smoke", action="store_true",
                    help="make test's check: Mosaic only, 8 MiB, one pass")
    a = ap.parse_args()
    if a.smoke:
        a.only, a.passes, a.reads, a.disk_mib, a.runs = "mosaic", 1, 200, 8, 1
    if min(a.passes, a.reads, a.disk_mib, a.runs, a.timeout) < 1:
        ap.error("every number must be at least 1")
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "blk")
    cache = os.environ.get("BLKBENCH_CACHE", os.path.join(work, "debs"))
    os.makedirs(work, exist_ok=True)
    for group in ("build", "run"):
        if subprocess.run([os.path.join(ROOT, "tools", "deps"),
                           group]).returncode:
            sys.exit(1)
    if shutil.which("dpkg-deb") is None:
        die("dpkg-deb not found: this bench unpacks Debian packages "
            "(sudo apt-get install dpkg)")
    disk = os.path.join(work, "disk.img")
    size = a.disk_mib * SEQ_BYTES
    fresh_disk(disk, a.disk_mib)  # tools/run checks it exists
    guests = {}
    if a.only != "linux":
        run(["make", "-s", "APP=bench/blk", f"BUILD={build}"],
            "building the Mosaic image (make APP=bench/blk)", cwd=ROOT)
        image = os.path.join(ROOT, build, "blk.elf")
        args = run_args(a, disk, f"{a.passes} {a.reads}", image)
        guests["mosaic"] = args
    if a.only != "mosaic":
        vmlinuz, initrd, kpkg = build_linux(work, cache)
        args = run_args(a, disk, f"{LINUX_APPEND} blkbench.passes="
                        f"{a.passes} blkbench.reads={a.reads}", vmlinuz,
                        ["-initrd", initrd])
        # tools/run boots only ELF images: run the QEMU command it would.
        guests["linux"] = qemu_command(args)
    print(f"disk: {a.disk_mib} MiB raw image, virtio-blk-pci, -M {MACHINE} "
          f"-smp {SMP} -m {MEM}; {a.passes} passes of 1 MiB requests, "
          f"{a.reads} random 4 KiB reads, queue depth 1; {a.runs} run(s)")
    for who, cmd in guests.items():
        how = "via tools/run" if who == "mosaic" else kpkg
        print(f"{who} ({how}): "
              f"{shlex.join(cmd if who == 'linux' else qemu_command(cmd))}")
    results = {who: [] for who in guests}
    ok = True
    for _ in range(a.runs):
        for who, cmd in guests.items():
            fresh_disk(disk, a.disk_mib)
            res = guest(cmd, who, a.timeout + 30)
            ok &= check_data(res, who, size, a.passes, a.reads)
            results[who].append(figures(res))
    med = {who: [statistics.median(v) if None not in v else None
                 for v in zip(*runs)] for who, runs in results.items()}
    names = ("seq write MB/s", "seq read MB/s", "rand read 4K IOPS")
    print(f"{'':20}{'mosaic':>10} {'linux':>10} {'mosaic/linux':>13}")
    for i, name in enumerate(names):
        m = med.get("mosaic", [None] * 4)[i]
        lx = med.get("linux", [None] * 4)[i]
        ratio = f"{m / lx:13.2f}" if m and lx else f"{'-':>13}"
        print(f"{name:20}{fmt(m):>10} {fmt(lx):>10} {ratio}")
    if "linux" in med:
        lx = med["linux"]
        print(f"linux cross-check: busybox dd bs=1M iflag=direct reads "
              f"{fmt(lx[3]).strip()} MB/s (C program: "
              f"{fmt(lx[1]).strip()})")
    commands = {f"{who}, bench/blk.py": shlex.join(
        cmd if who == "linux" else qemu_command(cmd))
        for who, cmd in guests.items()}
    record.condition("disk", f"raw block device: {a.disk_mib} MiB raw "
                     f"image, virtio-blk-pci, -M {MACHINE} -smp {SMP} "
                     f"-m {MEM}; {a.passes} sequential passes of 1 MiB "
                     f"requests, {a.reads} random 4 KiB reads, queue depth "
                     f"1; {a.runs} run(s) each (bench/blk.py)")
    for i, name in enumerate(names):
        if "mosaic" not in results:
            break
        m = [r[i] for r in results["mosaic"]]
        lx = [r[i] for r in results["linux"]] if "linux" in results else None
        short = name.replace(" MB/s", "").replace(" IOPS", "")
        record.figure(
            "disk", f"raw device: {short}", "IOPS" if "IOPS" in name
            else "MB/s", m, lx, target="ahead of Linux",
            met=(statistics.median(m) > statistics.median(lx)) if lx
            else None, commands=commands, plot="disk",
            note="Mosaic through <mosaic/blk.h>, Linux through /dev/vda "
            "with O_DIRECT; the data read is checked")
    if a.runs > 1:
        for who, runs in results.items():
            print(f"{who} runs (write MB/s, read MB/s, IOPS): " + "  ".join(
                "/".join(f"{v:.0f}" for v in r[:3]) for r in runs))
    print("data read back: " + ("as written" if ok else "WRONG (see above)"))


if __name__ == "__main__":
    main()

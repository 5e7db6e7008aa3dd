#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Boot figures side by side, on -M pc and -M microvm:
#  wall time from launching QEMU to its exit, alternating runs of
#   - the floor: bench/floor.S, a multiboot1 kernel that exits through
#     isa-debug-exit the moment it runs (what QEMU and the firmware cost),
#   - Mosaic: apps/hello, stripped (prints its line, exits 0),
#   - Linux: Debian's kernel (the uncompressed vmlinux of linux-image-amd64,
#     booted by its PVH note) with an initramfs holding only /init
#     (bench/boot/linux_init.c, static): it prints its line and leaves
#     through isa-debug-exit at once;
#   all on the same QEMU command line (tools/run's, run directly so that
#   no launcher is timed) but for the image, Linux's command line and
#   initrd. Linux runs on pc only: on microvm this kernel hangs without
#   -icount (it finds no PIT, HPET or PM timer to calibrate the TSC).
#  guest instructions, with -icount shift=0,sleep=off (the TSC then counts
#  guest instructions since reset, the same in every run): Mosaic's TSC at
#  its first instruction and when libc called main (bench/boot's probe
#  prints <mosaic/bootstats.h>), Linux's TSC when /init started and the
#  printk time of "Run /init as init process" (its clock starts inside the
#  kernel, so it leaves out the firmware and the early kernel).
#  QEMU's own work, launch to exit, for hello and the floor under the same
#  -icount: code blocks TCG translated (QEMU -d in_asm; each costs ~10 us
#  of host time, the main cost of a boot this short) and device register
#  accesses (trace events memory_region_ops_read/write: port I/O and
#  MMIO, each an exit from translated code); both repeat from run to run.
# Downloads (apt-get download) are cached where bench/blk.py keeps them
# (BLKBENCH_CACHE=DIR); builds go under $BUILD/bench/boot.
# --smoke (make test): Mosaic and the floor only, one run, and the Linux
# parser over bench/fixtures/boot-linux.txt.
# Usage: bench/boot.py [--runs N] [--smoke] [--no-build]
import argparse
import gzip
import lzma
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

import blk
import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tools", "run")
ME = "boot.py"
PART = "boot"

MACHINES = ("pc", "microvm")
MEM = "128M"
LINUX_APPEND = "console=ttyS0 quiet cryptomgr.notests"
ICOUNT = ["-icount", "shift=0,sleep=off",
          "-rtc", "base=2020-01-01T00:00:00,clock=vm"]
TIMEOUT = 120
INSN_TARGET = 1_000_000

MOSAIC_HELLO = re.compile(r"^Hello from Mosaic!\r?$", re.M)
MOSAIC_PROBE = re.compile(
    r"^bootstats entry=(\d+) main=(\d+) hz=(\d+)\r?$", re.M)
LINUX_HELLO = re.compile(r"^Hello from Linux!\r?$", re.M)
LINUX_PROBE = re.compile(
    r"^linuxboot init_tsc=(\d+) run_init_us=(-?\d+)\r?$", re.M)
MB1_MAGIC = 0x1BADB002
FIXTURE = os.path.join(ROOT, "bench", "fixtures", "boot-linux.txt")


def die(msg):
    sys.exit(f"{ME}: {msg}")


def make(build, *targets, app=None):
    cmd = ["make", "-s", f"BUILD={build}"] + ([f"APP={app}"] if app else [])
    blk.run(cmd + list(targets), "make " + " ".join(targets or [app]),
            cwd=ROOT)


def strip(src, dst):
    blk.run(["strip", "-o", dst, src], f"strip {src}")
    return dst


def build_floor(work):
    obj, elf = os.path.join(work, "floor.o"), os.path.join(work, "floor.elf")
    blk.run(["as", "--32", "-o", obj,
             os.path.join(ROOT, "bench", "floor.S")], "as floor.S")
    blk.run(["ld", "-m", "elf_i386", "-Ttext=0x100000", "-e", "_start",
             "--build-id=none", "-o", elf, obj], "ld floor.o")
    return elf


def pvh_copy(image, work):
    """A copy of image without its multiboot1 headers, as tools/run boots
    it on microvm (QEMU prefers multiboot1 when it finds one)."""
    data = bytearray(open(image, "rb").read())
    for off in range(0, min(len(data) - 11, 8192 - 48), 4):
        magic, flags, csum = (int.from_bytes(data[off + i:off + i + 4],
                                             "little") for i in (0, 4, 8))
        if magic == MB1_MAGIC and (magic + flags + csum) & 0xFFFFFFFF == 0:
            data[off:off + 4] = bytes(4)
    out = os.path.join(work, "pvh-" + os.path.basename(image))
    with open(out, "wb") as f:
        f.write(data)
    return out


def mosaic_images(build, work, no_build):
    """(hello stripped, bench/boot probe stripped), each {machine: path}."""
    if not no_build:
        make(build, os.path.join(build, "tests", "app-hello.elf"))
        make(build, app="bench/boot")
    out = []
    for src in (os.path.join(build, "tests", "app-hello.elf"),
                os.path.join(build, "boot.elf")):
        if not os.path.exists(src):
            die(f"{src} is missing (build it, or drop --no-build)")
        s = strip(src, os.path.join(work, os.path.basename(src)))
        out.append({"pc": s, "microvm": pvh_copy(s, work)})
    return out


# --- the Linux guest -----------------------------------------------------

def vmlinux(cache, work):
    """Debian's kernel, uncompressed (an ELF with a PVH note), and the
    kernel package's file name. Decompressing costs a few seconds, once."""
    kdeb = blk.fetch(cache, blk.kernel_package(),
                     "linux-image-[0-9]*-amd64_*.deb")
    kpkg = os.path.basename(kdeb)
    out = os.path.join(work, "vmlinux-" + kpkg[:-4])
    if os.path.exists(out):
        return out, kpkg
    kdir = os.path.join(work, "kernel")
    blk.extract(kdeb, kdir, r"/boot/vmlinuz-")
    names = [n for n in os.listdir(kdir) if n.startswith("vmlinuz-")]
    if len(names) != 1:
        die(f"{kpkg} has no single /boot/vmlinuz-*")
    data = open(os.path.join(kdir, names[0]), "rb").read()
    # The bzImage's payload: find the compressed stream by its magic.
    for magic, unpack in ((b"\xfd7zXZ\x00",
                           lambda d: lzma.LZMADecompressor().decompress(d)),
                          (b"\x1f\x8b\x08\x00",
                           lambda d: gzip.GzipFile(fileobj=__import__(
                               "io").BytesIO(d)).read())):
        at = data.find(magic)
        if at < 0:
            continue
        try:
            elf = unpack(data[at:])
        except (lzma.LZMAError, OSError, EOFError):
            continue
        if elf[:4] == b"\x7fELF":
            break
    else:
        die(f"{names[0]}: no xz or gzip payload holding an ELF kernel")
    with open(out + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(out + ".tmp", out)
    return out, kpkg


def linux_init(work):
    prog = os.path.join(work, "linux_init")
    cc = os.environ.get("HOSTCC", "gcc")
    blk.run([cc, "-O2", "-static", "-Wall", "-Wextra", "-Werror", "-o", prog,
             os.path.join(ROOT, "bench", "boot", "linux_init.c")],
            f"{cc} -static bench/boot/linux_init.c (needs libc6-dev)")
    return open(prog, "rb").read()


def linux_initramfs(work, init, extra=()):
    """A gzipped initramfs: /dev/console, /init, and extra (name, mode,
    data) entries; its path."""
    entries = [("dev", 0o40755, b"", 0, 0),
               ("dev/console", 0o20600, b"", 5, 1),
               ("init", 0o100755, init, 0, 0)]
    entries += [(n, m, d, 0, 0) for n, m, d in extra]
    name = "initramfs-busybox.cgz" if extra else "initramfs.cgz"
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(gzip.compress(blk.cpio_newc(entries), mtime=0))
    return path


def cache_dir(build):
    return os.environ.get("BLKBENCH_CACHE") or os.path.join(
        ROOT, build, "bench", "blk", "debs")


# --- running -------------------------------------------------------------

def run_args(image, machine, mem=MEM, append=None, initrd=None, extra=()):
    args = [RUN, "--tcg", "-M", machine, "--mem", mem]
    if append:
        args += ["--append", append]
    if initrd:
        args += ["--initrd", initrd]
    return args + [image, "--", *extra]


def qemu_command(args):
    """The QEMU command tools/run runs for args (only the image differs
    between the guests; the caller gives microvm's PVH copy itself)."""
    out = blk.run([args[0], "--dry-run"] + args[1:], "tools/run --dry-run",
                  cwd=ROOT)
    return shlex.split(out.strip().splitlines()[-1])


def exited_zero(rc, out):
    """QEMU's status means the guest exited 0: isa-debug-exit with 0, or
    Mosaic's exit line before a clean QEMU exit."""
    if rc == 1:
        return True
    return rc == 0 and re.search(r"mosaic: exit status 0\s*$", out, re.M)


def boot(cmd, who, want=None, timeout=TIMEOUT):
    """Runs one QEMU command to its exit; (wall seconds, output). Dies on
    a guest that does not exit 0 or lacks its line."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        die(f"{who}: still running after {timeout} s")
    wall = time.perf_counter() - t0
    if not exited_zero(p.returncode, p.stdout) or \
            (want is not None and not want.search(p.stdout)):
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-2000:])
        die(f"{who}: QEMU status {p.returncode} or missing output "
            f"({shlex.join(cmd)})")
    return wall, p.stdout


QEMU_WORK_D = ("in_asm,trace:memory_region_ops_read,"
               "trace:memory_region_ops_write")


def qemu_work(cmd, who, log):
    """(translated blocks, device accesses or None) of one run of cmd,
    from QEMU's log; accesses are None when this QEMU has no such trace
    events."""
    _, out = boot(cmd + ["-d", QEMU_WORK_D, "-D", log], who)
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    finally:
        os.unlink(log)
    blocks = len(re.findall(r"^IN:", text, re.M))
    io = len(re.findall(r"^(?:\d+@[\d.]+:)?memory_region_ops_(?:read|write) ",
                        text, re.M))
    if not blocks:
        die(f"{who}: QEMU logged no translated blocks ({out[-300:]!r})")
    return blocks, io or None


def parse_mosaic(out):
    m = MOSAIC_PROBE.search(out)
    if not m:
        return None
    entry, main, hz = (int(x) for x in m.groups())
    return {"entry": entry, "main": main, "hz": hz}


def parse_linux(out):
    m = LINUX_PROBE.search(out)
    if not m:
        return None
    return {"init": int(m.group(1)), "run_init_us": int(m.group(2))}


def check_fixture():
    try:
        text = open(FIXTURE, encoding="utf-8").read()
    except OSError as e:
        die(f"fixture {FIXTURE}: {e.strerror}")
    got = parse_linux(text)
    if not got or got["run_init_us"] <= 0 or not LINUX_HELLO.search(text):
        die(f"the Linux parser found nothing in {FIXTURE}")
    print(f"fixture {os.path.relpath(FIXTURE, ROOT)}: /init at TSC "
          f"{got['init']}, printk {got['run_init_us']} us")


def fmt_s(v):
    return f"{min(v):6.3f}/{statistics.median(v):<6.3f}" if v else \
        f"{'-':>13}"


def main():
    ap = argparse.ArgumentParser(description="Boot time and instructions "
                                 "to main: Mosaic, the QEMU floor, Linux.")
    ap.add_argument("--runs", type=int, default=10,
                    help="alternating wall-time runs per guest and machine")
    ap.add_argument("--smoke", action="store_true",
                    help="Mosaic and the floor only, one run")
    ap.add_argument("--no-build", action="store_true",
                    help="use the images already in $BUILD")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    runs = 1 if a.smoke else a.runs
    build = os.environ.get("BUILD", "build")
    if a.smoke:
        check_fixture()
    work_root = os.path.join(ROOT, build, "bench", "boot")
    os.makedirs(work_root, exist_ok=True)
    # Not a temporary directory: the recorded command lines name these
    # files, and stay runnable until the next run.
    work = os.path.join(work_root, "images")
    os.makedirs(work, exist_ok=True)
    hello, probe = mosaic_images(build, work, a.no_build)
    floor = build_floor(work)
    linux = None
    if not a.smoke:
        kernel, kpkg = vmlinux(cache_dir(build), work_root)
        initrd = linux_initramfs(work, linux_init(work))
        linux = (kernel, initrd, kpkg)
    measure(a, runs, hello, probe, floor, linux)


def measure(a, runs, hello, probe, floor, linux):
    wall = {m: {"mosaic": [], "floor": [], "linux": []} for m in MACHINES}
    cmds = {m: {} for m in MACHINES}
    for m in MACHINES:
        cmds[m]["mosaic"] = qemu_command(run_args(hello[m], m))
        cmds[m]["floor"] = qemu_command(run_args(floor, m))
        if linux and m == "pc":
            cmds[m]["linux"] = qemu_command(run_args(
                linux[0], m, append=LINUX_APPEND, initrd=linux[1]))
    want = {"mosaic": MOSAIC_HELLO, "floor": None, "linux": LINUX_HELLO}
    for m in MACHINES:
        for who, cmd in cmds[m].items():
            print(f"{m} {who}: {shlex.join(cmd)}")
    record.condition(PART, f"wall time: {runs} alternating run(s) of each "
                     f"guest per machine, QEMU run directly (no launcher "
                     f"timed), TCG, -m {MEM}, -smp 1")
    # Alternating, so that a slow spell of the shared host hits all.
    for _ in range(runs):
        for m in MACHINES:
            for who, cmd in cmds[m].items():
                t, _ = boot(cmd, f"{who} on {m}", want[who])
                wall[m][who].append(t)

    insn = {}
    work = {}
    for m in MACHINES:
        for who, image in (("mosaic", hello[m]), ("floor", floor)):
            cmd = qemu_command(run_args(image, m, extra=ICOUNT))
            cmds[m][f"{who}-work"] = cmd
            work[(m, who)] = qemu_work(
                cmd, f"{who} on {m} (-d in_asm)",
                os.path.join(os.path.dirname(floor), f"qemu-{m}-{who}.log"))
        cmd = qemu_command(run_args(probe[m], m, extra=ICOUNT))
        cmds[m]["mosaic-icount"] = cmd
        _, out = boot(cmd, f"bench/boot probe on {m}", MOSAIC_PROBE)
        insn[(m, "mosaic")] = parse_mosaic(out)
        if linux:
            cmd = qemu_command(run_args(linux[0], m, append=LINUX_APPEND,
                                        initrd=linux[1], extra=ICOUNT))
            cmds[m]["linux-icount"] = cmd
            _, out = boot(cmd, f"Linux under icount on {m}", LINUX_PROBE)
            got = parse_linux(out)
            if got["run_init_us"] < 0:
                die(f"Linux on {m}: no 'Run /init' line in its kernel log")
            insn[(m, "linux")] = got
    report(a, runs, wall, cmds, insn, linux)
    report_work(work, cmds)


def report_work(work, cmds):
    print("\nQEMU's work, launch to exit (-icount; the same every run):")
    print(f"{'machine':8} {'floor blocks':>13} {'hello blocks':>13} "
          f"{'floor I/O':>13} {'hello I/O':>13}")
    for m in MACHINES:
        (hb, hio), (fb, fio) = work[(m, "mosaic")], work[(m, "floor")]
        print(f"{m:8} {fb:13} {hb:13} {fio if fio else '-':>13} "
              f"{hio if hio else '-':>13}")
        c = {f"Mosaic hello, {m}": shlex.join(
                cmds[m]["mosaic-work"] + ["-d", QEMU_WORK_D]),
             f"floor, {m}": shlex.join(
                cmds[m]["floor-work"] + ["-d", QEMU_WORK_D])}
        record.figure(
            PART, f"code blocks QEMU translated, launch to exit, hello vs "
            f"the floor, -M {m}", "blocks", hb, fb, better="lower",
            baseline_name="QEMU floor", commands=c,
            note="QEMU -d in_asm under -icount: each block is translated "
            "once (~10 us of host time each); the floor's are the "
            "firmware's and the loader's, which hello also runs")
        if hio and fio:
            record.figure(
                PART, f"device register accesses (port I/O, MMIO), launch "
                f"to exit, hello vs the floor, -M {m}", "accesses", hio,
                fio, better="lower", baseline_name="QEMU floor",
                commands=c,
                note="trace events memory_region_ops_read/write under "
                "-icount; each leaves translated code. Under -icount a PIT "
                "read lasts ~50 guest ns, so the TSC calibration against "
                "the PIT makes most of hello's (~1 k reads of 3 accesses)")


def report(a, runs, wall, cmds, insn, linux):
    print(f"\nwall time, s (min/median of {runs}), launch to exit:")
    print(f"{'machine':8} {'floor':>13} {'Mosaic hello':>13} "
          f"{'Linux':>13} {'Mosaic/floor':>13} {'Mosaic/Linux':>13}")
    for m in MACHINES:
        w = wall[m]
        med = {who: statistics.median(v) for who, v in w.items() if v}
        rf = med["mosaic"] / med["floor"]
        rl = (f"{med['mosaic'] / med['linux']:13.3f}" if "linux" in med
              else f"{'-':>13}")
        print(f"{m:8} {fmt_s(w['floor'])} {fmt_s(w['mosaic'])} "
              f"{fmt_s(w['linux'])} {rf:13.3f} {rl}")
        c = {f"Mosaic hello, {m}": shlex.join(cmds[m]["mosaic"]),
             f"floor, {m}": shlex.join(cmds[m]["floor"])}
        entry = "PVH entry" if m == "microvm" else "multiboot1 entry"
        record.figure(
            PART, f"launch to exit, hello vs QEMU floor, -M {m}", "s",
            w["mosaic"], w["floor"], better="lower",
            baseline_name="QEMU floor", target="under 1.1x the floor",
            met=rf < 1.1, commands=c, plot="boot-floor",
            note=f"Mosaic's {entry}; the floor (bench/floor.S) enters by "
            "multiboot1; medians' ratio")
        if m == "pc":
            if w["linux"]:
                c[f"Linux, {m}"] = shlex.join(cmds[m]["linux"])
            record.figure(
                PART, f"launch to exit, hello, -M {m}", "s", w["mosaic"],
                w["linux"] or None, better="lower",
                commands=c, plot="boot",
                note=("Linux: Debian's vmlinux (PVH entry) with a static "
                      f"/init that prints and exits; {linux[2]}" if linux
                      else "Mosaic only (smoke)"))
    print("\nguest instructions (-icount shift=0: TSC ticks since reset):")
    print(f"{'machine':8} {'Mosaic entry':>13} {'Mosaic main':>13} "
          f"{'image share':>13} {'Linux /init':>13} {'printk /init':>13}")
    for m in MACHINES:
        mo = insn[(m, "mosaic")]
        lx = insn.get((m, "linux"))
        own = mo["main"] - mo["entry"]
        print(f"{m:8} {mo['entry']:13} {mo['main']:13} {own:13} "
              f"{lx['init'] if lx else '-':>13} "
              f"{lx['run_init_us'] * 1000 if lx else '-':>13}")
        c = {f"Mosaic bench/boot probe, {m}":
             shlex.join(cmds[m]["mosaic-icount"])}
        if lx:
            c[f"Linux, {m}"] = shlex.join(cmds[m]["linux-icount"])
        record.figure(
            PART, f"instructions, reset to main (Linux: to /init), -M {m}",
            "instructions", mo["main"], lx["init"] if lx else None,
            better="lower", commands=c,
            note="TSC under -icount shift=0,sleep=off: firmware, loader and "
            "the image; Mosaic's TSC when libc calls main, Linux's when its "
            "static /init starts; Mosaic's repeat exactly, Linux's vary by "
            "a few 0.1%")
        record.figure(
            PART, f"instructions, image entry to main (Linux: printk time "
            f"of Run /init), -M {m}", "instructions", own,
            lx["run_init_us"] * 1000 if lx else None, better="lower",
            target="under 1 M instructions to main", met=own < INSN_TARGET,
            commands=c,
            note="Mosaic: bs_main_tsc - bs_entry_tsc of <mosaic/bootstats.h>"
            "; Linux: the printk stamp (1 ns = 1 instruction), whose clock "
            "starts during the kernel's early setup, so it leaves out a "
            "little of the kernel's own start")
        record.figure(
            PART, f"instructions before the image's first instruction "
            f"(firmware, loader), -M {m}", "instructions", mo["entry"],
            better="lower", commands=c,
            note="bs_entry_tsc: read by boot/entry.S before anything else")
    if a.smoke:
        print("smoke: Mosaic and the floor only; figures mean nothing")


if __name__ == "__main__":
    main()

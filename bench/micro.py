#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Microapp costs against Linux pthreads, in guest instructions. One
# source, bench/micro/micro.c, runs the same tests on both sides: in the
# Mosaic appliance (make APP=bench/micro: POSIX threads are microapps,
# plus Mosaic's own <mosaic/mapp.h> and <mosaic/chan.h> calls from
# bench/micro/mosaic.c) and, built with the host's gcc -static -O2
# -pthread (glibc), as /micro in a minimal Linux guest (Debian's kernel and
# busybox, bench/blk.py's linux_guest()), whose /init runs it and leaves
# through isa-debug-exit. Both boot under the same QEMU command line,
# tools/run --tcg -M pc --mem 256M --smp 1 -- -icount shift=0,sleep=off
# -rtc base=2020-01-01T00:00:00,clock=vm, where the TSC counts guest
# instructions, one per nanosecond: each test reads it around its loop
# and prints the total; this script divides.
# Tests: pthread_create+join (and mapp_spawn+join), a yield ping-pong of
# two threads on one CPU (sched_yield, and mapp_yield), an uncontended
# mutex lock+unlock, a semaphore ping-pong on one CPU, malloc+free of 64
# bytes; and cross-CPU wake-ups, a ping-pong between threads pinned to
# CPUs 0 and 1 of -smp 2 (semaphores, and Mosaic's channels). Linux does
# not bring up a second CPU under -icount (its AP start-up spins waiting
# for the other vCPU, which QEMU 7.2's round-robin icount mode hardly
# runs: minutes without progress), so the -smp 2 boots side by side run
# without -icount (multi-threaded TCG): TSC ticks of wall time, more runs,
# noisy; Mosaic's are also counted in instructions under -icount.
# Mosaic only: the memory of an idle microapp (4 KiB stack) and the
# speed-up of 8 CPU-bound microapps from -smp 1 to -smp 2 (wall time, no
# -icount: a ratio of runs side by side).
# A report, not a test: the target (10x fewer instructions than Linux) is
# recorded, never asserted; a wrong result or a guest that does not come
# up is a failure.
# --smoke (make test): Mosaic only, small counts, and the parser runs
# over bench/fixtures/micro-linux-smp{1,2}.txt (real output of the Linux
# guest: -smp 1 under -icount, -smp 2 without).
# Downloads (apt-get download of linux-image and busybox-static, nothing
# installed) go under $BUILD/bench/micro; BLKBENCH_CACHE=DIR keeps them
# elsewhere. Usage: bench/micro.py [--runs N] [--wall-runs N] [--smoke]
#                                  [--only mosaic]
import argparse
import glob
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys

import blk
import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tools", "run")
SRC = os.path.join(ROOT, "bench", "micro")
FIXTURES = os.path.join(ROOT, "bench", "fixtures")
ME = "micro.py"
PART = "micro"

MACHINE = "pc"
MEM = "256M"
ICOUNT = ["-icount", "shift=0,sleep=off",
          "-rtc", "base=2020-01-01T00:00:00,clock=vm"]
LINUX_APPEND = "console=ttyS0 quiet cryptomgr.notests"
TARGET = "10x fewer instructions than Linux"
WALL_TARGET = "10x less time than Linux"
CPU_WORKERS = 8  # bench/micro/mosaic.c

LINE = re.compile(r"^micro (\w+)((?: \w+=\S+)*)\s*$")

# The boots: name: (CPUs, under -icount, Linux too). Linux does not bring
# up a second CPU under -icount, so its -smp 2 boot runs without it.
CONFIGS = {"smp1": (1, True, True), "smp2": (2, False, True),
           "smp2-icount": (2, True, False)}
# Test counts (operations) per boot.
FULL = {"smp1": [("spawn", 2000), ("mspawn", 2000), ("switch", 20000),
                 ("mswitch", 20000), ("mutex", 100000), ("wake", 4000),
                 ("malloc", 80000)],
        "smp2": [("wakex", 1000), ("mwake", 1000)],
        "smp2-icount": [("wakex", 4000), ("mwake", 4000)]}
SMOKE = {"smp1": [("spawn", 200), ("mspawn", 200), ("switch", 2000),
                  ("mswitch", 2000), ("mutex", 10000), ("wake", 400),
                  ("malloc", 8000)],
         "smp2": [("wakex", 100), ("mwake", 100)],
         "smp2-icount": [("wakex", 400), ("mwake", 400)]}
MOSAIC_ONLY = ("mspawn", "mswitch", "mwake")
# The Linux side's tests by CPUs, for the fixtures (micro-linux-smpN.txt).
LINUX_TESTS = {1: ("spawn", "switch", "mutex", "wake", "malloc"),
               2: ("wakex",)}

# (boot, test, Linux test, figure name). Those of "smp2-icount" are
# Mosaic's alone: its cross-CPU wake-ups in instructions.
FIGURES = [
    ("smp1", "spawn", "spawn", "pthread_create + pthread_join"),
    ("smp1", "mspawn", "spawn", "mapp_spawn + mapp_join (vs Linux "
     "pthreads)"),
    ("smp1", "switch", "switch", "switch: sched_yield ping-pong, 1 CPU"),
    ("smp1", "mswitch", "switch", "switch: mapp_yield ping-pong, 1 CPU "
     "(vs Linux sched_yield)"),
    ("smp1", "mutex", "mutex", "pthread_mutex lock + unlock, uncontended"),
    ("smp1", "wake", "wake", "wake-up: semaphore ping-pong, 1 CPU"),
    ("smp1", "malloc", "malloc", "malloc + free, 64 bytes"),
    ("smp2", "wakex", "wakex",
     "cross-CPU wake-up: semaphore ping-pong, -smp 2, wall time"),
    ("smp2", "mwake", "wakex", "cross-CPU wake-up: chan ping-pong, -smp 2, "
     "wall time (vs Linux semaphores)"),
    ("smp2-icount", "wakex", None,
     "cross-CPU wake-up: semaphore ping-pong, -smp 2 (Mosaic only)"),
    ("smp2-icount", "mwake", None,
     "cross-CPU wake-up: chan ping-pong, -smp 2 (Mosaic only)"),
]

INIT = blk.guest_init(
    "micro",
    """bench/micro.py's Linux guest: run /micro with the tests of
micro.run= (comma-separated), leave through isa-debug-exit.""",
    r"""run=
for w in $(cat /proc/cmdline); do
	case $w in
	micro.run=*) run=${w#*=} ;;
	esac
done
# shellcheck disable=SC2046 # one argument per test
/micro $(echo "$run" | tr , ' ')
/micro exit:$?
poweroff -f
""")


def die(msg):
    print(f"{ME}: {msg}", file=sys.stderr)
    sys.exit(1)


def parse(text):
    """{test: {field: int}} and the "micro error" lines of a guest's
    output; "done" is a test without fields."""
    res, errors = {}, []
    for line in text.replace("\r", "").splitlines():
        if line.startswith("micro error"):
            errors.append(line.strip())
            continue
        m = LINE.match(line.strip())
        if not m:
            continue
        fields = {}
        for kv in m.group(2).split():
            k, v = kv.split("=", 1)
            if re.fullmatch(r"\d+", v):
                fields[k] = int(v)
            elif re.fullmatch(r"\d+,\d+", v):
                fields[k] = tuple(int(x) for x in v.split(","))
            else:
                fields[k] = v
        res[m.group(1)] = fields
    return res, errors


def check(res, errors, tests, smp, who):
    """None when res holds every test of tests with a sane count, on the
    CPUs it must use, and "done"; else why not."""
    if errors:
        return errors[0]
    if "done" not in res:
        return "no 'micro done' line"
    for t in tests:
        r = res.get(t)
        key = "bytes" if t == "idle" else "instr"
        if not r or not isinstance(r.get("ops"), int) or r["ops"] < 1 \
                or not isinstance(r.get(key), int) or r[key] < 1:
            return f"no sane '{t}' line"
        cpus = r.get("cpus")
        if t in ("wake", "wakex", "mwake"):
            if not isinstance(cpus, tuple) or \
                    (cpus[0] != cpus[1]) != (t != "wake"):
                return f"{t} ran on CPUs {cpus}"
    if smp == 2 and who == "linux" and res["wakex"]["cpus"] != (0, 1):
        return f"wakex ran on CPUs {res['wakex']['cpus']}, not 0 and 1"
    return None


def check_fixtures():
    """The parser over the committed Linux guest output; dies when it
    reads nothing there."""
    paths = sorted(glob.glob(os.path.join(FIXTURES, "micro-linux-smp*.txt")))
    if not paths:
        die("no bench/fixtures/micro-linux-smp*.txt to check the parser on")
    for p in paths:
        m = re.search(r"smp(\d)\.txt$", p)
        smp = int(m.group(1)) if m else 0
        if smp not in LINUX_TESTS:
            die(f"{os.path.relpath(p, ROOT)}: name it micro-linux-smp1 or 2")
        with open(p, encoding="utf-8", errors="replace") as f:
            res, errors = parse(f.read())
        why = check(res, errors, LINUX_TESTS[smp], smp, "linux")
        if why:
            die(f"the parser reads nothing sane in "
                f"{os.path.relpath(p, ROOT)}: {why}")
    print(f"micro: the parser reads {len(paths)} fixture(s)")


def run_args(smp, append, image, timeout, extra=(), icount=True):
    return [RUN, "--tcg", "-M", MACHINE, "--mem", MEM, "--smp", str(smp),
            "--timeout", str(timeout), "--append", append, image, "--",
            *(ICOUNT if icount else []), *extra]


def qemu_command(args):
    """The QEMU command tools/run runs for args."""
    p = subprocess.run(args[:1] + ["--dry-run"] + args[1:], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        die(f"tools/run --dry-run failed: {p.stdout.strip()}")
    return shlex.split(p.stdout.strip().splitlines()[-1])


def boot(cmd, who, timeout):
    """Runs one guest; its output. Dies when it does not end well."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=timeout + 30,
                           cwd=ROOT)
    except subprocess.TimeoutExpired:
        die(f"{who}: no result after {timeout + 30} s")
    # tools/run exits with the guest's status; QEMU with (status << 1) | 1.
    rc = p.returncode if cmd[0] == RUN else p.returncode >> 1
    if rc != 0 or (cmd[0] != RUN and not p.returncode & 1):
        sys.stderr.write(p.stdout[-3000:])
        die(f"{who} failed (status {p.returncode}); its output is above")
    return p.stdout


def measure(cmd, who, tests, smp, timeout):
    out = boot(cmd, who, timeout)
    res, errors = parse(out)
    why = check(res, errors, tests, smp, who)
    if why:
        sys.stderr.write(out[-3000:])
        die(f"{who} -smp {smp}: {why}")
    return res


def build_mosaic(build):
    p = subprocess.run(["make", "-s", "APP=bench/micro", f"BUILD={build}"],
                       cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        die("building the Mosaic image (make APP=bench/micro) failed")
    return os.path.join(ROOT, build, "micro.elf")


def build_linux(work, cache):
    """(vmlinuz, initramfs, kernel package, gcc line) of the guest."""
    prog = os.path.join(work, "micro")
    cc = os.environ.get("HOSTCC", "gcc")
    cmd = [cc, "-static", "-O2", "-pthread", "-Wall", "-Wextra", "-Werror",
           "-o", prog, os.path.join(SRC, "micro.c"),
           os.path.join(SRC, "linux.c")]
    if subprocess.run(cmd).returncode != 0:
        die(f"could not build bench/micro for Linux with {cc} -static; "
            "install the static C library: sudo apt-get install libc6-dev")
    with open(prog, "rb") as f:
        data = f.read()
    vmlinuz, initrd, kpkg, _, _ = blk.linux_guest(
        work, cache, ME, r"no-modules-needed", {}, INIT,
        [("micro", 0o100755, data)])
    ver = subprocess.run([cc, "--version"], stdout=subprocess.PIPE,
                         text=True).stdout.splitlines()
    return vmlinuz, initrd, kpkg, " ".join(os.path.relpath(c, ROOT)
                                           if c.startswith(ROOT) else c
                                           for c in cmd), \
        ver[0] if ver else cc


def per_op(runs, test):
    return [r[test]["instr"] / r[test]["ops"] for r in runs]


def cpu_ratio(image, pairs, mega, timeout):
    """smp1/smp2 time ratios of CPU_WORKERS burners, alternating."""
    ratios, cmds = [], {}
    for _ in range(pairs):
        t = {}
        for smp in (1, 2):
            args = run_args(smp, f"cpu:{mega}", image, timeout, icount=False)
            cmds[f"mosaic -smp {smp}, cpu"] = shlex.join(qemu_command(args))
            res = measure(args, "mosaic", ("cpu",), smp, timeout)
            if res["cpu"].get("cpus") != smp:
                die(f"cpu: the appliance used {res['cpu'].get('cpus')} "
                    f"CPUs, not {smp}")
            t[smp] = res["cpu"]["instr"]
        ratios.append(t[1] / t[2])
    return ratios, cmds


def fmt(v):
    return "-" if v is None else f"{v:,.0f}"


def tests_of(counts, boot, who):
    """The tests one side runs in a boot, as they are checked."""
    tests = [t for t, _ in counts[boot]
             if who == "mosaic" or t not in MOSAIC_ONLY]
    return tests + (["idle"] if who == "mosaic" and boot == "smp1" else [])


def guest_commands(a, counts, image, linux):
    """{side: {boot: command}}: tools/run arguments for Mosaic, the QEMU
    command tools/run would run for Linux (it boots ELF images only)."""
    guests = {"mosaic": {}}
    for boot, (smp, icount, _) in CONFIGS.items():
        arg = [f"{t}:{n}" for t, n in counts[boot]]
        if boot == "smp1":
            arg.append(f"idle:{a.idle}")
        guests["mosaic"][boot] = run_args(smp, " ".join(arg), image,
                                          a.timeout, icount=icount)
    if linux is None:
        return guests
    vmlinuz, initrd = linux
    guests["linux"] = {}
    for boot, (smp, icount, both) in CONFIGS.items():
        if not both:
            continue
        arg = ",".join(f"{t}:{n}" for t, n in counts[boot]
                       if t not in MOSAIC_ONLY)
        guests["linux"][boot] = qemu_command(run_args(
            smp, f"{LINUX_APPEND} micro.run={arg}", vmlinuz, a.timeout,
            ["-initrd", initrd], icount=icount))
    return guests


def run_all(a, counts, guests):
    """{side: {boot: [parsed output of each run]}}, the sides alternating;
    the wall-time boot gets a.wall_runs runs, the others a.runs."""
    results = {who: {boot: [] for boot in by} for who, by in guests.items()}
    for i in range(max(a.runs, a.wall_runs)):
        for boot, (smp, icount, _) in CONFIGS.items():
            if i >= (a.runs if icount else a.wall_runs):
                continue
            for who, by_boot in guests.items():
                if boot in by_boot:
                    results[who][boot].append(measure(
                        by_boot[boot], who, tests_of(counts, boot, who),
                        smp, a.timeout))
    return results


def report_ops(results, commands):
    """Prints and records the per-operation figures."""
    width = max(len(f[3]) for f in FIGURES) + 1
    print(f"{'':{width}}{'mosaic':>10} {'linux':>10} {'linux/mosaic':>13}")
    for boot, test, ltest, name in FIGURES:
        exact = CONFIGS[boot][1]
        m = per_op(results["mosaic"][boot], test)
        lx = per_op(results["linux"][boot], ltest) \
            if ltest and "linux" in results else None
        mm = statistics.median(m)
        lm = statistics.median(lx) if lx else None
        ratio = f"{lm / mm:13.1f}" if lm else f"{'-':>13}"
        print(f"{name:{width}}{fmt(mm):>10} {fmt(lm):>10} {ratio}")
        record.figure(
            PART, name, "instructions" if exact else "TSC ticks", m, lx,
            better="lower",
            target=(TARGET if exact else WALL_TARGET) if ltest else None,
            met=lm / mm >= 10 if lm else None,
            plot=("micro" if exact else "micro-wall") if ltest else None,
            commands={k: v for k, v in commands.items()
                      if k.endswith(f" {boot}") or "program" in k},
            note="guest instructions per operation: the TSC under -icount "
            "shift=0" if exact else "TSC ticks (host time) per wake-up, "
            "multi-threaded TCG without -icount: noisy")
    sw = results["mosaic"]["smp1"][0]
    print(f"(mapp_yield: {sw['mswitch'].get('switches', '?')} scheduler "
          f"switches for {sw['mswitch']['ops']} handovers; sched_yield: "
          f"Mosaic {sw['switch'].get('yields', '?')} yields"
          + ("" if "linux" not in results else ", Linux "
             f"{results['linux']['smp1'][0]['switch'].get('yields', '?')}")
          + ")")


def main():
    ap = argparse.ArgumentParser(description="Microapp costs against Linux "
                                 "pthreads (see the top of this file).")
    ap.add_argument("--runs", type=int, default=2,
                    help="alternating boots of each side under -icount "
                    "(default 2)")
    ap.add_argument("--wall-runs", type=int, default=3,
                    help="boots of each side on -smp 2 without -icount "
                    "(default 3)")
    ap.add_argument("--cpu-pairs", type=int, default=2,
                    help="smp1/smp2 pairs of the CPU-bound run (default 2)")
    ap.add_argument("--idle", type=int, default=20000,
                    help="idle microapps for the memory figure "
                    "(default 20000)")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds per boot (default 120)")
    ap.add_argument("--only", choices=["mosaic"],
                    help="Mosaic only (no Linux guest)")
    ap.add_argument("--smoke", action="store_true",
                    help="make test's check: Mosaic only, small counts")
    a = ap.parse_args()
    counts = SMOKE if a.smoke else FULL
    mega = 2 if a.smoke else 20
    if a.smoke:
        a.only, a.runs, a.wall_runs, a.cpu_pairs = "mosaic", 1, 1, 1
        a.idle = 1000
        check_fixtures()
    if min(a.runs, a.wall_runs, a.cpu_pairs, a.idle, a.timeout) < 1:
        ap.error("every number must be at least 1")
    build = os.environ.get("BUILD", "build")
    work = os.path.join(ROOT, build, "bench", "micro")
    cache = os.environ.get("BLKBENCH_CACHE", os.path.join(work, "debs"))
    os.makedirs(work, exist_ok=True)
    image = build_mosaic(build)
    kpkg = gcc = None
    linux = None
    if a.only != "mosaic":
        if shutil.which("dpkg-deb") is None:
            die("dpkg-deb not found: the Linux guest is unpacked from "
                "Debian packages (sudo apt-get install dpkg)")
        vmlinuz, initrd, kpkg, gcc_cmd, gcc = build_linux(work, cache)
        linux = (vmlinuz, initrd)
    guests = guest_commands(a, counts, image, linux)
    commands = {f"{who} {boot}": shlex.join(
        qemu_command(cmd) if cmd[0] == RUN else cmd)
        for who, by_boot in guests.items() for boot, cmd in by_boot.items()}
    if gcc:
        commands["linux program"] = gcc_cmd
    results = run_all(a, counts, guests)
    ratios, cpu_cmds = cpu_ratio(image, a.cpu_pairs, mega, a.timeout)

    print(f"micro: per operation: guest instructions (QEMU -icount shift=0) "
          f"or, -smp 2 wall time, TSC ticks; -M {MACHINE} -m {MEM}; "
          f"{a.runs} boot(s) each side, {a.wall_runs} without -icount"
          + ("" if kpkg is None else f"; Linux {kpkg}, {gcc} -static"))
    record.condition(PART, f"QEMU --tcg -M {MACHINE} -m {MEM} "
                     f"{' '.join(ICOUNT)} (the TSC counts guest "
                     "instructions): -smp 1 and, Mosaic only, -smp 2; "
                     f"{a.runs} boot(s) of each side, alternating "
                     "(Mosaic's counts repeat exactly, Linux's within a "
                     "fraction of a percent)")
    record.condition(PART, "cross-CPU wake-ups side by side: -smp 2 without "
                     "-icount (multi-threaded TCG; Linux does not bring up "
                     "its second CPU under -icount): TSC ticks of wall "
                     f"time, {a.wall_runs} boot(s) of each side, "
                     "alternating")
    if kpkg:
        record.condition(PART, f"Linux guest: {kpkg}, busybox-static; "
                         f"bench/micro/micro.c built with {gcc} -static "
                         "-O2 -pthread (glibc)")
    report_ops(results, commands)
    idle = [r["idle"]["bytes"] / r["idle"]["ops"]
            for r in results["mosaic"]["smp1"]]
    print(f"memory per idle microapp (4 KiB stack, {a.idle} of them): "
          f"{statistics.median(idle):,.0f} bytes")
    record.figure(PART, "memory per idle microapp (4 KiB stack)", "bytes",
                  idle, None, better="lower",
                  commands={"mosaic smp1": commands["mosaic smp1"]},
                  note=f"{a.idle} microapps asleep; free frames before and "
                  "after")
    print(f"cpu-bound, {CPU_WORKERS} microapps of {mega}M steps, -smp 1 / "
          f"-smp 2 wall time: " + ", ".join(f"{r:.2f}" for r in ratios)
          + f"; median {statistics.median(ratios):.2f}x")
    record.figure(PART, f"cpu-bound speed-up, {CPU_WORKERS} microapps, "
                  "-smp 1 time / -smp 2 time", "x", ratios, None,
                  target="1.8x (the issue's SMP target)",
                  met=statistics.median(ratios) >= 1.8, commands=cpu_cmds,
                  note="multi-threaded TCG without -icount: the TSC is "
                  "wall time; pairs alternate")
    if a.smoke:
        record.condition(PART, "smoke run: Mosaic only, the smallest counts;"
                         " the figures mean nothing")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench: runs the benchmark parts and writes the report.

Each part is one or more scripts of bench/ (their own headers say what
they measure and how); they record their figures through bench/record.py
into one file, and bench/report.py renders it. A full run writes
bench/results/<UTC date-time>/ (report.md, figures.csv, runs.csv,
series.csv, PNG plots); the scripts' output goes to the terminal and to
BUILD/bench/logs/<date-time>/<part>.log.

--smoke is what `make test` runs (tests/run-all): every part with the
smallest loads and Mosaic only (no Linux guest is built or booted), then
the report, into BUILD/bench/smoke/. It checks that each script runs,
parses what it measures (and its committed fixtures of the baseline's
output) and records figures, and that the report renders; it ends with
"N passed, N failed". The figures of a smoke run mean nothing.

Usage: bench/run.py [--smoke] [--out DIR] [--list] [PART...]
  (default: every part, in the order of PARTS)
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import record  # noqa: E402
import report  # noqa: E402

# name: (what, [(script argv, full-mode extra args)], full-mode minutes)
# The arguments keep `make bench` within 15 minutes (9 measured) on a 2-core
# TCG host; each script's defaults measure longer when run by hand.
PARTS = {
    "size": ("image sizes and the smallest RAM that works",
             [(["bench/size.py"], [])], 2.5),
    "boot": ("boot time against the QEMU floor and Linux; instructions "
             "to main", [(["bench/boot.py"], [])], 3),
    "http": ("httpd against nginx (wrk; tap in a network namespace and "
             "hostfwd); instructions per request",
             [(["bench/apps.py", "--part", "http"], []),
              (["bench/net.py"], ["--no-wrk", "--icount-requests", "1000",
                                "--idle", "0"])],
             4),
    "kv": ("kv against memcached",
           [(["bench/apps.py", "--part", "kv"], [])], 2),
    "smp": ("the same servers on 1 and 2 CPUs",
            [(["bench/apps.py", "--part", "smp"], [])], 3),
    "conn": ("idle keep-alive connections against guest RAM",
             [(["bench/conn.py"], [])], 3),
    "micro": ("microapp costs against Linux pthreads, in instructions",
              [(["bench/micro.py"], [])], 2.5),
    "disk": ("disk and file system throughput",
             [(["bench/blk.py"], ["--passes", "4", "--reads", "4000",
                                  "--runs", "2"]),
              (["bench/files.py"], ["--files", "300", "--mib", "32",
                                    "--disk-mib", "128", "--runs", "2"])],
             3),
}
SMOKE_TIMEOUT = 180  # seconds per script in smoke mode


def sh(*argv):
    r = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    return r.stdout.strip() if r.returncode == 0 else ""


def host_line():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}")


def meta_for(a, stamp):
    commit = sh("git", "rev-parse", "--short=12", "HEAD") or "unknown"
    if sh("git", "status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    qemu = sh("qemu-system-x86_64", "--version").splitlines()
    kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
    return {"date": stamp, "commit": commit, "host": host_line(),
            "qemu": qemu[0] if qemu else "not found",
            "accel": ("KVM is usable here, but the scripts use TCG unless "
                      "they say otherwise" if kvm else
                      "TCG (no usable /dev/kvm)"),
            "smoke": a.smoke,
            "command": shlex.join(["bench/run.py", *sys.argv[1:]]),
            "parts": [], "seconds": 0.0}


def run_part(name, a, env, logdir):
    """Runs the part's scripts; returns (rc, seconds, command text)."""
    _, scripts, minutes = PARTS[name]
    t0 = time.monotonic()
    rc = 0
    shown = []
    with open(os.path.join(logdir, f"{name}.log"), "w",
              encoding="utf-8") as log:
        for argv, full in scripts:
            cmd = argv + (["--smoke"] if a.smoke else full)
            shown.append(shlex.join(cmd))
            print(f"== bench {name}: {shlex.join(cmd)}", flush=True)
            timeout = SMOKE_TIMEOUT if a.smoke else int(minutes * 60 * 3)
            # Through this Python: a script needs no execute bit.
            p = subprocess.Popen([sys.executable] + cmd, cwd=ROOT, env=env,
                                 text=True,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT,
                                 start_new_session=True)
            # A script that hangs without printing must still stop.
            timer = threading.Timer(timeout, os.killpg, (p.pid, 9))
            timer.start()
            try:
                for line in p.stdout:
                    log.write(line)
                    if not a.quiet:
                        sys.stdout.write(line)
                        sys.stdout.flush()
                p.wait()
            finally:
                timer.cancel()
            if p.returncode == -9:
                msg = f"bench {name}: stopped after {timeout} s\n"
                log.write(msg)
                sys.stdout.write(msg)
            rc = rc or (124 if p.returncode == -9 else p.returncode)
    return rc, time.monotonic() - t0, " && ".join(shown)


def main():
    ap = argparse.ArgumentParser(description="Runs the benchmark parts "
                                 "and writes the report (see the top of "
                                 "this file).")
    ap.add_argument("parts", nargs="*", metavar="PART",
                    help="parts to run (default all): " + ", ".join(PARTS))
    ap.add_argument("--smoke", action="store_true",
                    help="tiny loads, Mosaic only; checks the scripts")
    ap.add_argument("--out", help="report directory (default "
                    "bench/results/<date-time>, or BUILD/bench/smoke)")
    ap.add_argument("--quiet", action="store_true",
                    help="only the logs get the scripts' output")
    ap.add_argument("--list", action="store_true", help="list the parts")
    a = ap.parse_args()
    if a.list:
        for name, (what, _, minutes) in PARTS.items():
            print(f"{name:6} {what} (about {minutes:g} min)")
        return 0
    for p in a.parts:
        if p not in PARTS:
            ap.error(f"unknown part '{p}'; the parts: {', '.join(PARTS)}")
    parts = a.parts or list(PARTS)
    build = os.environ.get("BUILD", "build")
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y-%m-%d-%H%M")
    if a.smoke:
        out = a.out or os.path.join(ROOT, build, "bench", "smoke")
        logdir = os.path.join(out, "logs")
    else:
        out = a.out or os.path.join(ROOT, "bench", "results", stamp)
        logdir = os.path.join(ROOT, build, "bench", "logs", stamp)
    os.makedirs(logdir, exist_ok=True)
    run_dir = os.path.join(ROOT, build, "bench", "rows", stamp +
                           ("-smoke" if a.smoke else ""))
    os.makedirs(run_dir, exist_ok=True)
    rows = os.path.join(run_dir, "rows.jsonl")
    if os.path.exists(rows):
        os.unlink(rows)
    env = dict(os.environ, BUILD=build, PYTHONDONTWRITEBYTECODE="1",
               PYTHONUNBUFFERED="1")
    env[record.ENV] = rows
    meta = meta_for(a, now.strftime("%Y-%m-%d %H:%M UTC"))
    t0 = time.monotonic()
    for name in parts:
        rc, secs, shown = run_part(name, a, env, logdir)
        meta["parts"].append({"name": name, "rc": rc, "seconds": secs,
                              "command": shown})
    meta["seconds"] = time.monotonic() - t0
    with open(os.path.join(run_dir, "meta.json"), "w",
              encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    figures, _, drawn, why = report.render(run_dir, out)
    print(f"bench: report {os.path.relpath(os.path.join(out, 'report.md'), ROOT)}"
          f" ({len(figures)} figures, {len(drawn)} plots"
          + (f"; {why}" if why else "") + f"); logs in "
          f"{os.path.relpath(logdir, ROOT)}")
    passed = failed = 0
    with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
        text = f.read()
    for p in meta["parts"]:
        why_bad = None
        if p["rc"]:
            why_bad = f"exit {p['rc']} (see {p['name']}.log)"
        elif not any(f["part"] == p["name"] for f in figures):
            why_bad = "recorded no figure"
        elif f"## {p['name']}\n" not in text:
            why_bad = "missing from the report"
        if why_bad:
            failed += 1
            print(f"FAIL bench {p['name']}: {why_bad}")
        else:
            passed += 1
            print(f"ok   bench {p['name']} ({p['seconds']:.0f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

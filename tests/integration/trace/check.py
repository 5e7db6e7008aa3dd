#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# check.py: the `check` command of tests/integration/trace/test.cfg. Runs
# tools/trace2json on the COM2 file the guest wrote and checks what
# main.c put in it: the marks FIRST_MARK.. in order and then
# FINAL_MARK (only the newest of them when --wrapped: the ring kept the
# newest and counted the rest as dropped), the number of dumps and of
# CPUs, and that the JSON is a Chrome trace with a track per CPU. Exit 0
# when all hold.
"""Usage: check.py TRACE --marks N [--dumps D] [--cpus C] [--wrapped]"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
TOOL = os.path.join(ROOT, "tools", "trace2json")
FIRST_MARK = 1001
FINAL_MARK = 0x0123456789abcdef


def fail(why):
    print(f"check.py: {why}")
    sys.exit(1)


def run_tool(path, out):
    res = subprocess.run([sys.executable, TOOL, "--summary", "-o", out,
                          path], capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"trace2json failed ({res.returncode}): {res.stderr.strip()}")
    print(res.stdout, end="")
    return res.stdout.splitlines()


def summary_fields(lines):
    head = dict(f.split("=", 1) for f in lines[0].split()[1:])
    cpus = {}
    for line in lines[1:]:
        name, fields = line.split(": ", 1)
        cpus[int(name.split()[1])] = {k: int(float(v)) for k, v in
                                      (f.split("=") for f in fields.split())}
    return head, cpus


def check_marks(events, n, wrapped):
    marks = [e["args"]["value"] for e in events
             if e.get("ph") == "i" and e.get("cat") == "mark"]
    want = list(range(FIRST_MARK, FIRST_MARK + n)) + [FINAL_MARK]
    if not marks or marks[-1] != FINAL_MARK:
        fail(f"last mark is not {FINAL_MARK:#x}: {marks[-3:]}")
    if wrapped:
        if len(marks) >= len(want) or marks != want[-len(marks):]:
            fail(f"{len(marks)} marks are not the newest of {len(want)}")
    elif marks != want:
        fail(f"marks {marks[:5]}... ({len(marks)}) are not "
             f"{FIRST_MARK}..{FIRST_MARK + n - 1} then the final one")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("trace")
    p.add_argument("--marks", type=int, required=True)
    p.add_argument("--dumps", type=int, default=1)
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--wrapped", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "trace.json")
        head, cpus = summary_fields(run_tool(args.trace, out))
        with open(out) as f:
            doc = json.load(f)
    events = doc["traceEvents"]
    if head.get("app") != "trace":
        fail(f"app is {head.get('app')!r}, not 'trace'")
    if int(head["dumps"]) != args.dumps:
        fail(f"{head['dumps']} dumps, expected {args.dumps}")
    threads = sorted(e["args"]["name"] for e in events
                     if e.get("ph") == "M" and e["name"] == "thread_name")
    if sorted(cpus) != list(range(args.cpus)):
        fail(f"CPUs {sorted(cpus)} in the trace, expected {args.cpus}")
    if threads != [f"cpu {c}" for c in sorted(cpus)]:
        fail(f"tracks {threads} do not match CPUs {sorted(cpus)}")
    if args.wrapped != (cpus[0]["dropped"] > 0):
        fail(f"cpu 0 dropped {cpus[0]['dropped']} records")
    check_marks(events, args.marks, args.wrapped)
    print("check.py: trace OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_trace.py TRACE NCPUS: every one of NCPUS CPUs shows microapp work
in the trace (switches into tasks and busy time), and the Perfetto JSON
has a track with task slices for each."""
import json
import os
import re
import subprocess
import sys

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "..", "tools", "trace2json")


def main():
    path, ncpus = sys.argv[1], int(sys.argv[2])
    out = subprocess.run([TOOL, "--summary", path], capture_output=True,
                         text=True, check=True).stdout
    seen = {}
    for line in out.splitlines():
        m = re.match(r"cpu (\d+): .*busy_us=([0-9.]+).* switch=(\d+)", line)
        if m:
            seen[int(m.group(1))] = (float(m.group(2)), int(m.group(3)))
    for cpu in range(ncpus):
        busy, switches = seen.get(cpu, (0.0, 0))
        if busy <= 0 or switches == 0:
            sys.exit(f"cpu {cpu} shows no work: {out}")
    doc = json.loads(subprocess.run([TOOL, path], capture_output=True,
                                    text=True, check=True).stdout)
    tracks = {e["tid"] for e in doc["traceEvents"]
              if e.get("ph") == "X" and e.get("name") != "idle"}
    if len(tracks) < ncpus:
        sys.exit(f"task slices on {len(tracks)} tracks, want {ncpus}")
    print(f"trace: {ncpus} CPUs busy")


main()

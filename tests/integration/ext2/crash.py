#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ext2 crash test: QEMU killed in the middle of the guest's fsyncs.

Usage: crash.py IMAGE LOG
IMAGE is the case's disk (ext2, with /crash, prepared by disk.py make and
the guest's crashprep run); LOG the case's log in <build>/tests/logs/,
whose build directory holds tests/ext2.elf. Each round r boots that image
with the QEMU command tools/run --dry-run prints (-M pc, IMAGE as vda,
"mosaic.disk=vda:/data,cache=64K crash r": a small cache, so that
write-back also happens while files change), reads the guest's serial
output and, as soon as it printed the round's line (KILL_AT: "fsync N
start", when the guest is writing file N and about to sync, or "fsync N
done"), kills QEMU with SIGKILL by its PID. Then:
  - e2fsck -fn may report only what a crash is allowed to leave (ALLOWED:
    bitmap bits set for nothing, counts, orphan list remains, an inode or
    directory left without a name (for lost+found), a link count above
    the names, an inode's size or block count recomputed, the size only
    upwards), exit status 0 or 4;
  - e2fsck -fy repairs it (status 0 or 1) and e2fsck -fn is then clean;
  - every file whose "fsync i done" line came out reads back exactly
    (debugfs cat), with main.c's contents.
The next round runs on the repaired disk. Exit status 0 when all held."""

import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(HERE, "..", "..", "..", "tools", "run")
E2FSCK = "/usr/sbin/e2fsck"
DEBUGFS = "/usr/sbin/debugfs"
# (round's kill point: after "fsync N start" (in the middle of its
# write-back) or "fsync N done" (in the churn after it), and N)
KILL_AT = (("start", 2), ("done", 3), ("start", 5), ("start", 8),
           ("done", 12), ("start", 17))
ROUND_S = 20  # per round: boot and fsyncs under TCG on a loaded host

FSYNC_LINE = re.compile(r"^fsync (\d+) (start|done)\s*$")
# e2fsck -fn lines a crash may cause (see the docstring), and what it
# prints around them.
INFO = re.compile(r"^(e2fsck |Pass \d|Fix\? no|Clear\? no|"
                  r"Connect to /lost\+found\? no|IGNORED\.|\s*$|.*\*\*\*\*\*"
                  r"\*\*\*\*\* WARNING: Filesystem still has errors|.* files \()")
ALLOWED = re.compile(
    r"(Free blocks count wrong|Free inodes count wrong|"
    r"Directories count wrong for group|was part of the orphaned inode list|"
    r"were part of a corrupted orphan linked list|has zero dtime|"
    r"Unattached inode |Unattached zero-length inode |"
    r"Unconnected directory inode |"
    r"^'\.\.' in .* should be <The NULL inode> \(0\))")
REF_COUNT = re.compile(r"Inode \d+ ref count is (\d+), should be (\d+)")
SIZE = re.compile(r"Inode \d+, i_size is (\d+), should be (\d+)")
BLOCKS = re.compile(r"Inode \d+, i_blocks is \d+, should be \d+")


class Fail(Exception):
    pass


def gen(seed, length):
    out = bytearray(length)
    x = seed
    for i in range(length):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def crash_len(rnd, i):
    return (1, 700, 4096, 5000, 13000, 70000)[(rnd * 7 + i) % 6] + i


def line_ok(line):
    if INFO.match(line) or ALLOWED.search(line) or BLOCKS.search(line):
        return True
    m = REF_COUNT.search(line)
    if m:
        return int(m.group(1)) > int(m.group(2))
    m = SIZE.search(line)
    if m:
        return int(m.group(1)) < int(m.group(2))
    m = re.search(r"bitmap differences:(.*)", line)
    return bool(m) and "+" not in m.group(1)


def qemu_command(elf, img, rnd):
    res = subprocess.run([sys.executable, RUN, "--dry-run", "-M", "pc",
                          "--disk", img, "--append",
                          f"mosaic.disk=vda:/data,cache=64K crash {rnd}", elf],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, check=True)
    return shlex.split(res.stdout.strip().splitlines()[-1])


def run_until(elf, img, rnd, when, count):
    """Boot; kill QEMU right after "fsync count when" came out; return the
    indexes of the fsyncs that returned (their "done" lines)."""
    proc = subprocess.Popen(qemu_command(elf, img, rnd),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    lines = queue.Queue()

    def reader():
        for raw in proc.stdout:
            lines.put(raw.decode(errors="replace").rstrip("\r\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    done, out = [], []
    try:
        while True:
            try:
                line = lines.get(timeout=ROUND_S)
            except queue.Empty:
                raise Fail(f"round {rnd}: no 'fsync {count} {when}' "
                           f"within {ROUND_S} s")
            if line is None:
                raise Fail(f"round {rnd}: QEMU ended early:\n" +
                           "\n".join(out[-15:]))
            out.append(line)
            if line.startswith(("TEST FAIL", "panic:")):
                raise Fail(f"round {rnd}: {line}")
            m = FSYNC_LINE.match(line)
            if m and m.group(2) == "done":
                done.append(int(m.group(1)))
            if m and int(m.group(1)) == count and m.group(2) == when:
                break
    finally:
        # The crash: no warning, no write-back, nothing flushed.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return done


def fsck(img, opts):
    res = subprocess.run([E2FSCK, opts, img], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    return res.returncode, res.stdout


def check_disk(img, rnd, done):
    st, out = fsck(img, "-fn")
    bad = [ln for ln in out.splitlines() if not line_ok(ln)]
    if bad or st not in (0, 4):
        raise Fail(f"round {rnd}: e2fsck -fn status {st}, not a crash's "
                   f"repairs: {bad[:3]}\n{out}")
    repairs = sum(1 for ln in out.splitlines() if "? no" in ln)
    st, out = fsck(img, "-fy")
    if st not in (0, 1):
        raise Fail(f"round {rnd}: e2fsck -fy status {st}:\n{out}")
    st, out = fsck(img, "-fn")
    if st != 0:
        raise Fail(f"round {rnd}: not clean after repair:\n{out}")
    for i in done:
        path = f"/crash/r{rnd}-f{i}"
        res = subprocess.run([DEBUGFS, "-R", f"cat {path}", img],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        want = gen(rnd * 1000 + i, crash_len(rnd, i))
        if res.stdout != want:
            raise Fail(f"round {rnd}: fsynced {path}: {len(res.stdout)} "
                       f"bytes read back, want {len(want)} "
                       f"({res.stderr.decode(errors='replace').strip()})")
    return repairs


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    img, log = argv[1], argv[2]
    elf = os.path.join(os.path.dirname(os.path.dirname(log)), "ext2.elf")
    try:
        for rnd, (when, count) in enumerate(KILL_AT, 1):
            done = run_until(elf, img, rnd, when, count)
            repairs = check_disk(img, rnd, done)
            print(f"round {rnd}: killed after 'fsync {count} {when}'; "
                  f"{repairs} repairs; {len(done)} fsynced files intact")
    except (Fail, subprocess.CalledProcessError, OSError) as e:
        print(f"crash.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

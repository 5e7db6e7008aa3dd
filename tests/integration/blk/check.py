#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes or checks the blk test's pattern in a raw image on the host.

Usage: check.py write|verify IMAGE [SEED]
       check.py zero IMAGE   (nothing was written: all bytes are 0)
The 8-byte little-endian word at byte offset o is x ^ (x >> 29) with
x = (o + SEED) * 0x9e3779b97f4a7c15 mod 2^64 (main.c's word_at())."""

import struct
import sys

MASK = (1 << 64) - 1


def words(off, n, seed):
    out = bytearray(n * 8)
    for i in range(n):
        x = ((off + i * 8 + seed) * 0x9E3779B97F4A7C15) & MASK
        struct.pack_into("<Q", out, i * 8, x ^ (x >> 29))
    return bytes(out)


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in ("write", "verify",
                                                    "zero"):
        print(__doc__, file=sys.stderr)
        return 2
    path, seed = argv[2], int(argv[3], 0) if len(argv) == 4 else 1
    chunk = 1 << 16
    with open(path, "r+b" if argv[1] == "write" else "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        for off in range(0, size, chunk):
            n = min(chunk, size - off)
            want = (bytes(n) if argv[1] == "zero" else
                    words(off, n // 8, seed))
            if argv[1] == "write":
                f.write(want)
                continue
            got = f.read(n)
            if got != want:
                bad = next(i for i in range(n) if got[i] != want[i])
                print(f"check.py: {path}: byte {off + bad} differs "
                      f"(guest wrote {got[bad]:#04x}, expected "
                      f"{want[bad]:#04x})", file=sys.stderr)
                return 1
    print(f"check.py: {path}: {size} bytes match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

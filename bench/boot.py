#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Boot-time and size figures for an image, side by side in one run:
# tools/run booting IMAGE to exit, alternated with tools/run booting the
# floor kernel (bench/floor.S: exits the moment it runs) under the same
# command line, on each machine; min and median wall time and their ratio.
# Also the image size (stripped and not) and the smallest -m that boots it.
# Usage: bench/boot.py [--runs N] [--smoke] IMAGE
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tools", "run")


def build_floor(tmp):
    obj, elf = os.path.join(tmp, "floor.o"), os.path.join(tmp, "floor.elf")
    subprocess.run(["as", "--32", "-o", obj,
                    os.path.join(ROOT, "bench", "floor.S")], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-Ttext=0x100000", "-e", "_start",
                    "--build-id=none", "-o", elf, obj], check=True)
    return elf


def boot(image, machine, mem="64M", extra=(), timeout=60):
    cmd = [RUN, "--quiet", "--tcg", "--timeout", str(timeout), "-M", machine,
           "--mem", mem, *extra, image]
    t = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - t, rc


def smallest_mem(image):
    for mib in range(1, 65):
        if boot(image, "pc", f"{mib}M", timeout=10)[1] == 0:
            return mib
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--smoke", action="store_true", help="one run each")
    ap.add_argument("image")
    a = ap.parse_args()
    runs = 1 if a.smoke else a.runs
    with tempfile.TemporaryDirectory() as tmp:
        floor = build_floor(tmp)
        stripped = os.path.join(tmp, "image.stripped")
        subprocess.run(["strip", "-o", stripped, a.image], check=True)
        print(f"image {a.image}: {os.path.getsize(a.image)} bytes, "
              f"{os.path.getsize(stripped)} stripped")
        print(f"{'machine':8} {'image min/med s':>16} {'floor min/med s':>16}"
              f" {'ratio (min)':>11}")
        for machine in ("pc", "microvm"):
            img_t, floor_t = [], []
            for _ in range(runs):
                for image, acc in ((stripped, img_t), (floor, floor_t)):
                    t, rc = boot(image, machine)
                    if rc != 0:
                        sys.exit(f"boot.py: {image} on {machine} exited {rc}")
                    acc.append(t)
            print(f"{machine:8} {min(img_t):7.3f}/{statistics.median(img_t):<7.3f}"
                  f"  {min(floor_t):7.3f}/{statistics.median(floor_t):<7.3f}"
                  f"  {min(img_t) / min(floor_t):10.3f}")
        if not a.smoke:
            print(f"smallest -m on pc: {smallest_mem(stripped)} MiB")


if __name__ == "__main__":
    main()

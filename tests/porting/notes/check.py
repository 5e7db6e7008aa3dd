#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check.py IMAGE LINE...: after the guest ran, the ext2 disk IMAGE is
clean (e2fsck -fn) and /notes.txt on it holds exactly the LINEs."""
import subprocess
import sys


def main():
    image, want = sys.argv[1], "".join(w + "\n" for w in sys.argv[2:])
    fsck = subprocess.run(["/usr/sbin/e2fsck", "-fn", image],
                          capture_output=True, text=True)
    if fsck.returncode != 0:
        sys.exit(f"e2fsck -fn: status {fsck.returncode}\n{fsck.stdout}")
    cat = subprocess.run(["/usr/sbin/debugfs", "-R", "cat /notes.txt",
                          image], capture_output=True, text=True)
    if cat.returncode != 0 or cat.stdout != want:
        sys.exit(f"/notes.txt holds {cat.stdout!r}, wanted {want!r}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds the disk of tests/apps/httpd's ext2 case.

  mkdisk.py IMAGE SITE

Copies SITE (the test site's www/) to IMAGE.d, adds big.bin (300000
pseudo-random bytes, more than one sendfile chunk of the copying path),
and makes IMAGE (its size kept) an ext2 file system of that tree with
mke2fs -d. client.py then compares what the guest serves with IMAGE.d."""
import os
import shutil
import subprocess
import sys

MKE2FS = "/usr/sbin/mke2fs"


def gen(seed, length):
    out = bytearray(length)
    x = seed
    for i in range(length):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    img, site = sys.argv[1], sys.argv[2]
    tree = img + ".d"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(site, tree)
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(gen(11, 300000))
    subprocess.run([MKE2FS, "-q", "-F", "-t", "ext2", "-b", "4096", "-d",
                    tree, img], check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ext2 test's disk on the host side.

Usage: disk.py make IMAGE [BLOCK_SIZE [FEATURES]]
           an ext2 file system over IMAGE (its size kept), made by
           mke2fs -t ext2 -d from a seed tree (FEATURES: mke2fs -O)
       disk.py check IMAGE
           after the guest's "ops" run: e2fsck -fn clean, and debugfs
           reads back exactly what main.c wrote
       disk.py check-mount IMAGE
           after the guest's "mount" run
       disk.py make-keep IMAGE [BLOCK_SIZE [FEATURES]]
           as make, and keeps a copy as IMAGE.orig
       disk.py check-untouched IMAGE
           IMAGE is byte for byte IMAGE.orig (a read-only run wrote
           nothing), and e2fsck -fn is clean
Contents are gen(seed, len), main.c's generator."""

import os
import shutil
import subprocess
import sys
import tempfile

E2FSCK = "/usr/sbin/e2fsck"
MKE2FS = "/usr/sbin/mke2fs"
DEBUGFS = "/usr/sbin/debugfs"


class Fail(Exception):
    pass


def gen(seed, length):
    out = bytearray(length)
    x = seed
    for i in range(length):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def make(img, bs="4096", features=None):
    if not os.path.exists(img):
        with open(img, "wb") as f:
            f.truncate(64 << 20)
    with tempfile.TemporaryDirectory(prefix="ext2-seed.") as tmp:
        seed = os.path.join(tmp, "seed")
        os.makedirs(os.path.join(seed, "sub", "deep"))
        with open(os.path.join(seed, "hello.txt"), "w") as f:
            f.write("hello from the host\n")
        with open(os.path.join(seed, "big.bin"), "wb") as f:
            f.write(gen(7, 300000))
        with open(os.path.join(seed, "sub", "deep", "file.txt"), "w") as f:
            f.write("deep\n")
        os.symlink("hello.txt", os.path.join(seed, "link"))
        with open(os.path.join(seed, "sparse"), "wb") as f:
            f.truncate(8 << 20)
            f.seek(4 << 20)
            f.write(b"middle")
        cmd = [MKE2FS, "-q", "-F", "-t", "ext2", "-b", bs, "-d", tmp]
        if features:
            cmd += ["-O", features]
        subprocess.run(cmd + [img], check=True, stdout=subprocess.DEVNULL)


def fsck_clean(img):
    res = subprocess.run([E2FSCK, "-fn", img], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise Fail(f"e2fsck -fn exit {res.returncode}:\n{res.stdout}")


def debugfs(img, request):
    res = subprocess.run([DEBUGFS, "-R", request, img],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return res.stdout, res.stderr.decode(errors="replace")


def cat(img, path):
    out, err = debugfs(img, f"cat {path}")
    if "not found" in err or "File not found" in err:
        raise Fail(f"{path}: not on the disk")
    return out


def stat(img, path):
    out, err = debugfs(img, f"stat {path}")
    if "not found" in err:
        return None
    return out.decode(errors="replace")


def expect_file(img, path, want):
    got = cat(img, path)
    if got != want:
        raise Fail(f"{path}: {len(got)} bytes read back, want {len(want)}"
                   f" (first difference at "
                   f"{next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))})")


def expect_gone(img, path):
    if stat(img, path) is not None:
        raise Fail(f"{path}: still on the disk")


def expect_in_stat(img, path, text):
    st = stat(img, path)
    if st is None:
        raise Fail(f"{path}: not on the disk")
    if text not in st:
        raise Fail(f"{path}: no {text!r} in debugfs stat:\n{st}")


def check(img):
    fsck_clean(img)
    a = gen(1, 100000)
    expect_file(img, "/out/a.bin", a)
    expect_file(img, "/out/a.hard", a)
    expect_in_stat(img, "/out/a.bin", "Links: 2")
    expect_in_stat(img, "/out/fast", 'Fast link dest: "a.bin"')
    expect_in_stat(img, "/out/slow", "Type: symlink")
    sparse = stat(img, "/out/sparse.bin")
    if sparse is None or f"Size: {(20 << 20) + 3}" not in sparse:
        raise Fail(f"/out/sparse.bin: wrong size:\n{sparse}")
    tail = cat(img, "/out/sparse.bin")
    if tail[-3:] != b"END" or any(tail[:-3]):
        raise Fail("/out/sparse.bin: wrong contents")
    blocks = sparse.split("Blockcount: ")[1].split()[0]
    if int(blocks) > 64:
        raise Fail(f"/out/sparse.bin: {blocks} sectors: holes were filled")
    expect_file(img, "/out/trunc.bin", gen(3, 50000)[:1234] + bytes(1766))
    expect_file(img, "/moved.txt", b"bee\n")
    expect_file(img, "/out/old.txt", b"new\n")
    expect_file(img, "/seed/hello.txt", b"changed by the guest\n")
    expect_file(img, "/seed/big.bin", gen(7, 300000))
    expect_file(img, "/out/log.txt",
                "".join(f"line {i}\n" for i in range(100)).encode())
    expect_file(img, "/out/stdio.txt", b"stdio 42\n")
    expect_in_stat(img, "/out/d1", "Type: directory")
    expect_in_stat(img, "/seed/sub/mv", "Type: directory")
    for gone in ("/out/b.txt", "/out/new.txt", "/out/del.bin",
                 "/out/open.bin", "/out/d1/d2", "/out/mv"):
        expect_gone(img, gone)


def check_mount(img):
    fsck_clean(img)
    expect_file(img, "/made.txt", b"made at run time\n")
    expect_file(img, "/at-exit.txt", b"written back by exit\n")
    expect_file(img, "/seed/hello.txt", b"hello from the host\n")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, img = argv[1], argv[2]
    try:
        if cmd == "make":
            make(img, *argv[3:5])
        elif cmd == "check":
            check(img)
        elif cmd == "check-mount":
            check_mount(img)
        elif cmd == "make-keep":
            make(img, *argv[3:5])
            shutil.copyfile(img, img + ".orig")
        elif cmd == "check-untouched":
            with open(img, "rb") as f, open(img + ".orig", "rb") as g:
                if f.read() != g.read():
                    raise Fail("the read-only disk was written")
            fsck_clean(img)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Fail as e:
        print(f"disk.py {cmd}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

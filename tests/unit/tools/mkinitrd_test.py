#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Host tests for tools/mkinitrd: trees made here are packed by the real
# command and read back by a newc parser of this test's own (every field,
# the padding, the order, the trailer) and, when the system has one, by
# `cpio -i`, which must recreate the tree; the output is reproducible byte
# for byte; device nodes, FIFOs, sockets and hard links are refused with
# one line. Prints cmocka's result lines so tests/unit/run-unit counts the
# cases like the C tests'.
"""Usage: mkinitrd_test.py (run by make test-unit)"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import traceback
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))))
TOOL = os.path.join(ROOT, "tools", "mkinitrd")
FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
          "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize",
          "check")


def parse(data):
    """Entries of a newc archive as dicts (name, data, fields), trailer
    excluded; asserts the layout as it goes."""
    out, off = [], 0
    while True:
        assert data[off:off + 6] == b"070701", f"magic at {off}"
        hdr = {f: int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16)
               for i, f in enumerate(FIELDS)}
        name_end = off + 110 + hdr["namesize"]
        name = data[off + 110:name_end]
        assert name.endswith(b"\0") and b"\0" not in name[:-1]
        doff = (name_end + 3) & ~3
        assert data[name_end:doff] == b"\0" * (doff - name_end)
        body = data[doff:doff + hdr["filesize"]]
        end = doff + hdr["filesize"]
        off = (end + 3) & ~3
        assert data[end:off] == b"\0" * (off - end)
        if name == b"TRAILER!!!\0":
            assert off == len(data), "bytes after the trailer"
            return out
        hdr["name"] = name[:-1].decode()
        hdr["data"] = body
        out.append(hdr)


def run(*args, env=None):
    return subprocess.run([sys.executable, TOOL, *args],
                          capture_output=True, env=env)


class MkinitrdTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mkinitrd-test.")
        self.src = os.path.join(self.tmp, "src")
        os.makedirs(os.path.join(self.src, "etc", "deep"))
        os.makedirs(os.path.join(self.src, "empty"))
        self.write("hello.txt", b"hello\n", 0o644)
        self.write("etc/secret", b"s" * 1001, 0o600)
        self.write("etc/deep/run.sh", b"#!/bin/sh\n", 0o755)
        self.write("etc/zero", b"", 0o644)
        os.symlink("../hello.txt", os.path.join(self.src, "etc", "link"))
        for dirpath, dirs, files in os.walk(self.src):
            for n in dirs + files:
                os.utime(os.path.join(dirpath, n), (1500000000, 1500000000),
                         follow_symlinks=False)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, rel, data, mode):
        path = os.path.join(self.src, rel)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)

    def pack(self, *extra, env=None):
        out = os.path.join(self.tmp, "out.cpio")
        res = run("-o", out, *extra, self.src, env=env)
        self.assertEqual(res.returncode, 0, res.stderr)
        with open(out, "rb") as f:
            return f.read()

    def refuses(self, message):
        res = run("-o", os.path.join(self.tmp, "bad.cpio"), self.src)
        self.assertEqual(res.returncode, 1)
        err = res.stderr.decode()
        self.assertIn(message, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith("mkinitrd: "), err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bad.cpio")))

    def test_fields(self):
        ents = parse(self.pack())
        names = [e["name"] for e in ents]
        self.assertEqual(names, ["empty", "etc", "etc/deep",
                                 "etc/deep/run.sh", "etc/link",
                                 "etc/secret", "etc/zero", "hello.txt"])
        by = {e["name"]: e for e in ents}
        self.assertEqual(by["hello.txt"]["mode"], 0o100644)
        self.assertEqual(by["hello.txt"]["data"], b"hello\n")
        self.assertEqual(by["etc/secret"]["mode"], 0o100600)
        self.assertEqual(by["etc/secret"]["filesize"], 1001)
        self.assertEqual(by["etc/deep/run.sh"]["mode"], 0o100755)
        self.assertEqual(by["etc/zero"]["filesize"], 0)
        self.assertEqual(by["etc/link"]["mode"] & 0o170000, 0o120000)
        self.assertEqual(by["etc/link"]["data"], b"../hello.txt")
        self.assertEqual(by["etc"]["mode"] & 0o170000, 0o040000)
        self.assertEqual(by["etc"]["filesize"], 0)
        self.assertEqual([e["ino"] for e in ents], list(range(1, 9)))
        for e in ents:
            self.assertEqual((e["uid"], e["gid"], e["devmajor"],
                              e["rdevmajor"], e["check"]), (0, 0, 0, 0, 0))
            self.assertEqual(e["mtime"], 1500000000)

    def test_reproducible(self):
        a = self.pack()
        b = self.pack()
        self.assertEqual(a, b)
        # Another copy of the tree, other inode numbers, same bytes.
        copy = os.path.join(self.tmp, "copy")
        shutil.copytree(self.src, copy, symlinks=True)
        for dirpath, dirs, files in os.walk(copy):
            for n in dirs + files:
                os.utime(os.path.join(dirpath, n), (1500000000, 1500000000),
                         follow_symlinks=False)
        os.utime(copy, (1500000000, 1500000000))
        res = run("-o", "-", copy)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout, a)

    def test_mtime_options(self):
        ents = parse(self.pack("--mtime", "7"))
        self.assertEqual({e["mtime"] for e in ents}, {7})
        env = dict(os.environ, SOURCE_DATE_EPOCH="1000")
        ents = parse(self.pack(env=env))
        self.assertEqual({e["mtime"] for e in ents}, {1000})
        env["SOURCE_DATE_EPOCH"] = "2000000000"
        ents = parse(self.pack(env=env))
        self.assertEqual({e["mtime"] for e in ents}, {1500000000})

    def test_mkdir(self):
        # A mount point is added, sorted in, empty, 0755; one that exists
        # is left as it is; only top-level names are taken.
        ents = parse(self.pack("--mkdir", "tmp", "--mkdir", "etc"))
        names = [e["name"] for e in ents]
        self.assertEqual(names, ["empty", "etc", "etc/deep",
                                 "etc/deep/run.sh", "etc/link",
                                 "etc/secret", "etc/zero", "hello.txt",
                                 "tmp"])
        tmp = ents[-1]
        self.assertEqual((tmp["mode"], tmp["filesize"]), (0o040755, 0))
        self.assertEqual(parse(self.pack("--mkdir", "etc")),
                         parse(self.pack()))
        for bad in ("a/b", "..", ""):
            res = run("--mkdir", bad, self.src)
            self.assertEqual(res.returncode, 1)
            self.assertIn("give one top-level name", res.stderr.decode())

    def test_empty(self):
        res = run("--empty")
        self.assertEqual(res.returncode, 0)
        self.assertEqual(parse(res.stdout), [])
        self.assertEqual(len(res.stdout), 124)
        os.rmdir(os.path.join(self.src, "empty"))
        shutil.rmtree(os.path.join(self.src, "etc"))
        os.unlink(os.path.join(self.src, "hello.txt"))
        self.assertEqual(parse(self.pack()), [])

    def test_system_cpio(self):
        if shutil.which("cpio") is None:
            self.skipTest("no cpio")
        data = self.pack()
        dest = os.path.join(self.tmp, "dest")
        os.mkdir(dest)
        res = subprocess.run(["cpio", "-i", "-d", "-m", "--quiet",
                              "--no-absolute-filenames"],
                             input=data, cwd=dest, capture_output=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        for dirpath, dirs, files in os.walk(self.src):
            for n in dirs + files:
                a = os.path.join(dirpath, n)
                b = os.path.join(dest, os.path.relpath(a, self.src))
                sa, sb = os.lstat(a), os.lstat(b)
                self.assertEqual(stat.S_IFMT(sa.st_mode),
                                 stat.S_IFMT(sb.st_mode), b)
                if stat.S_ISLNK(sa.st_mode):
                    self.assertEqual(os.readlink(a), os.readlink(b))
                elif stat.S_ISREG(sa.st_mode):
                    self.assertEqual(stat.S_IMODE(sa.st_mode),
                                     stat.S_IMODE(sb.st_mode), b)
                    with open(a, "rb") as fa, open(b, "rb") as fb:
                        self.assertEqual(fa.read(), fb.read(), b)
                    self.assertEqual(int(sb.st_mtime), 1500000000)
        # And the system's listing agrees on names and order.
        res = subprocess.run(["cpio", "-t", "--quiet"], input=data,
                             capture_output=True)
        self.assertEqual(res.stdout.decode().split(),
                         [e["name"] for e in parse(data)])

    def test_refuses_fifo(self):
        os.mkfifo(os.path.join(self.src, "etc", "fifo"))
        self.refuses("etc/fifo: FIFO")

    def test_refuses_socket(self):
        path = os.path.join(self.src, "sock")
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(path)
        except OSError:
            self.skipTest("cannot bind a unix socket here")
        finally:
            s.close()
        self.refuses("sock: socket")

    def test_refuses_device(self):
        path = os.path.join(self.src, "null")
        try:
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        except OSError:
            self.skipTest("mknod needs privileges")
        self.refuses("null: device node")

    def test_refuses_hard_link(self):
        os.link(os.path.join(self.src, "hello.txt"),
                os.path.join(self.src, "etc", "hard"))
        self.refuses("hard link")

    def test_usage_errors(self):
        for args in ([], ["--empty", self.src],
                     [os.path.join(self.tmp, "missing")],
                     ["--mtime", "-1", self.src]):
            res = run(*args)
            self.assertEqual(res.returncode, 1, args)
            self.assertEqual(len(res.stderr.decode().splitlines()), 1, args)
        res = subprocess.run([TOOL, "--help"], capture_output=True)
        self.assertEqual(res.returncode, 0)
        self.assertIn(b"newc", res.stdout)


class CmockaResult(unittest.TestResult):
    """Prints each case as cmocka does, so run-unit can count them."""

    def startTest(self, test):
        super().startTest(test)
        self.failed = False
        print(f"[ RUN      ] {test._testMethodName}", flush=True)

    def stopTest(self, test):
        super().stopTest(test)
        if self.skipped and self.skipped[-1][0] is test:
            word = "  SKIPPED "
        else:
            word = "  FAILED  " if self.failed else "       OK "
        print(f"[{word}] {test._testMethodName}", flush=True)

    def report(self, err):
        self.failed = True
        print("".join(traceback.format_exception(*err)), end="",
              file=sys.stderr, flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.report(err)

    def addError(self, test, err):
        super().addError(test, err)
        self.report(err)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(MkinitrdTest)
    print(f"[==========] Running {suite.countTestCases()} test(s).",
          flush=True)
    result = CmockaResult()
    suite.run(result)
    bad = len({id(t) for t, _ in result.failures + result.errors})
    print(f"[==========] {result.testsRun} test(s) run.")
    print(f"[  PASSED  ] {result.testsRun - bad - len(result.skipped)} "
          "test(s).")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

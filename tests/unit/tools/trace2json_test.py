#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Host tests for tools/trace2json: traces built here by the layout that
# kernel/include/kernel/trace.h documents (an encoder independent of the
# kernel's, which tests/unit/kernel/trace_test.c covers) go through the
# real command, and the JSON, the --summary lines and the errors for
# truncated or foreign input are checked. Prints cmocka's result lines so
# tests/unit/run-unit counts the cases like the C tests'.
"""Usage: trace2json_test.py (run by make test-unit)"""

import json
import os
import struct
import subprocess
import sys
import tempfile
import traceback
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))))
TOOL = os.path.join(ROOT, "tools", "trace2json")

SPAWN, NAME, SWITCH, BLOCK, WAKE, EXIT, FAULT, CHAN_SEND, CHAN_RECV, IRQ, \
    IDLE, MARK = range(1, 13)
HZ = 1_000_000_000  # 1 GHz: 1000 ticks per microsecond


def rec(tsc, kind, a=0, b=0):
    return struct.pack("<QII", (tsc & ((1 << 56) - 1)) | kind << 56, a, b)


def name_recs(task, name):
    raw = name.encode()[:15]
    out = b""
    for off in range(0, len(raw), 10):
        chunk = raw[off:off + 10].ljust(10, b"\0")
        stamp = NAME << 56 | off << 48 | int.from_bytes(chunk[:6], "little")
        out += struct.pack("<QII", stamp, task,
                           int.from_bytes(chunk[6:], "little"))
    return out


def dump(sections, hz=HZ, dump_tsc=0, app="demo"):
    """sections: list of (cpu, [records' bytes], dropped)."""
    out = struct.pack("<8sHHIQQ16s", b"MOSTRACE", 1, 16, len(sections), hz,
                      dump_tsc, app.encode())
    for cpu, recs, dropped in sections:
        body = b"".join(recs)
        out += struct.pack("<IIQQQ", 0x55504354, cpu, len(body) // 16,
                           dropped, 1024)
        out += body
    return out


def spawn(tsc, task, parent, name):
    return [rec(tsc, SPAWN, task, parent), name_recs(task, name)]


# Two CPUs: main spawns a worker with a long name that runs on CPU 1.
BASIC = dump([
    (0, spawn(1000, 1, 0, "main") +
     [rec(1000, SWITCH, 1, 0)] +
     spawn(2000, 2, 1, "worker-with-long-name") +
     [rec(2500, WAKE, 2, 1), rec(3000, MARK, 0x89abcdef, 0x01234567),
      rec(4000, BLOCK, 1, 2), rec(4000, IDLE, 1), rec(9000, IDLE, 0),
      rec(9000, SWITCH, 1, 1), rec(9500, EXIT, 1, 0xffffffff)], 0),
    (1, [rec(2600, SWITCH, 2, 0), rec(2700, CHAN_SEND, 7, 2),
         rec(2800, IRQ, 48), rec(2900, FAULT, 2, 14),
         rec(3000, CHAN_RECV, 7, 2), rec(3600, IDLE, 1)], 0),
], dump_tsc=10000)


class Tool:
    def __init__(self, testcase):
        self.tc = testcase
        self.dir = tempfile.TemporaryDirectory(prefix="trace2json-test.")
        self.path = os.path.join(self.dir.name, "trace.bin")

    def run(self, data, *args):
        with open(self.path, "wb") as f:
            f.write(data)
        return subprocess.run([sys.executable, TOOL, *args, self.path],
                              capture_output=True, text=True)

    def json(self, data, *args):
        res = self.run(data, *args)
        self.tc.assertEqual(res.returncode, 0, res.stderr)
        return json.loads(res.stdout)

    def summary(self, data, *args):
        res = self.run(data, "--summary", *args)
        self.tc.assertEqual(res.returncode, 0, res.stderr)
        cpus = {}
        for line in res.stdout.splitlines()[1:]:
            head, fields = line.split(": ", 1)
            cpus[int(head.split()[1])] = {
                k: float(v) for k, v in
                (f.split("=") for f in fields.split())}
        return res.stdout.splitlines()[0], cpus

    def fails(self, data, message):
        res = self.run(data)
        self.tc.assertEqual(res.returncode, 1, res.stderr)
        self.tc.assertEqual(res.stdout, "")
        self.tc.assertIn(message, res.stderr)
        self.tc.assertEqual(len(res.stderr.splitlines()), 1, res.stderr)


def by(events, **match):
    return [e for e in events
            if all(e.get(k) == v for k, v in match.items())]


class Trace2JsonTest(unittest.TestCase):
    def setUp(self):
        self.tool = Tool(self)

    def tearDown(self):
        self.tool.dir.cleanup()

    def test_tracks_and_slices(self):
        ev = self.tool.json(BASIC)["traceEvents"]
        self.assertEqual(by(ev, ph="M", name="process_name")[0]["args"],
                         {"name": "demo"})
        threads = {e["tid"]: e["args"]["name"]
                   for e in by(ev, ph="M", name="thread_name")}
        self.assertEqual(sorted(threads.values()), ["cpu 0", "cpu 1"])
        tid0 = [t for t, n in threads.items() if n == "cpu 0"][0]
        tid1 = [t for t, n in threads.items() if n == "cpu 1"][0]
        # main runs 1000..4000 and 9000..10000 (the dump), idle between.
        mains = by(ev, ph="X", name="main")
        self.assertEqual([(e["ts"], e["dur"], e["tid"]) for e in mains],
                         [(0.0, 3.0, tid0), (8.0, 1.0, tid0)])
        self.assertEqual(mains[0]["args"], {"task": 1})
        idle = by(ev, ph="X", name="idle", tid=tid0)
        self.assertEqual([(e["ts"], e["dur"]) for e in idle], [(3.0, 5.0)])
        # The name is cut to 15 bytes, across two NAME records.
        worker = by(ev, ph="X", name="worker-with-lon")
        self.assertEqual([(e["ts"], e["dur"], e["tid"]) for e in worker],
                         [(1.6, 1.0, tid1)])
        # CPU 1 idles from 3600 to the dump.
        idle1 = by(ev, ph="X", name="idle", tid=tid1)
        self.assertEqual([(e["ts"], e["dur"]) for e in idle1], [(2.6, 6.4)])

    def test_instants(self):
        ev = self.tool.json(BASIC)["traceEvents"]
        inst = {e["cat"]: e for e in ev if e["ph"] == "i"}
        self.assertTrue(all(e["s"] == "t" for e in ev if e["ph"] == "i"))
        self.assertEqual(inst["mark"]["args"]["value"], 0x0123456789abcdef)
        self.assertEqual(inst["mark"]["ts"], 2.0)
        self.assertEqual(inst["block"]["args"],
                         {"task": 1, "name": "main", "reason": "join"})
        self.assertEqual(inst["wake"]["args"]["cpu"], 1)
        self.assertEqual(inst["exit"]["args"]["status"], -1)
        self.assertEqual(inst["fault"]["args"]["code"], 14)
        self.assertEqual(inst["chan_send"]["args"]["chan"], 7)
        self.assertEqual(inst["chan_recv"]["args"]["name"],
                         "worker-with-lon")
        self.assertEqual(inst["irq"]["args"], {"vector": 48})
        self.assertEqual(len(by(ev, ph="i", cat="spawn")), 2)

    def test_summary(self):
        head, cpus = self.tool.summary(BASIC)
        self.assertIn("app=demo dumps=1 cpus=2", head)
        self.assertEqual(cpus[0]["busy_us"], 4.0)
        self.assertEqual(cpus[0]["idle_us"], 5.0)
        self.assertEqual(cpus[0]["switch"], 2)
        self.assertEqual(cpus[0]["mark"], 1)
        self.assertEqual(cpus[0]["events"], 10)
        self.assertEqual(cpus[1]["busy_us"], 1.0)
        self.assertEqual(cpus[1]["dropped"], 0)

    def test_output_file(self):
        out = os.path.join(self.tool.dir.name, "out.json")
        res = self.tool.run(BASIC, "-o", out, "--summary")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(res.stdout.startswith("trace: "))
        with open(out) as f:
            self.assertIn("traceEvents", json.load(f))

    def test_wrapped_ring(self):
        # The ring lost 100 records, among them task 5's SPAWN and NAME
        # and the SWITCH that started it.
        data = dump([(0, [rec(5000, BLOCK, 5, 1), rec(5000, SWITCH, 6, 5),
                          rec(6000, MARK, 1)], 100)], dump_tsc=7000)
        ev = self.tool.json(data)["traceEvents"]
        lost = by(ev, ph="i", cat="dropped")
        self.assertEqual(len(lost), 1)
        self.assertEqual(lost[0]["args"], {"lost": 100})
        self.assertEqual(by(ev, ph="i", cat="block")[0]["args"]["name"],
                         "task 5")
        self.assertEqual([(e["name"], e["dur"]) for e in by(ev, ph="X")],
                         [("task 6", 2.0)])
        _, cpus = self.tool.summary(data)
        self.assertEqual(cpus[0]["dropped"], 100)

    def test_dumps_concatenate(self):
        # A dump on request drains the rings; the exit dump continues.
        first = dump([(0, spawn(1000, 3, 0, "pinger") +
                       [rec(1000, SWITCH, 3, 0)], 0)], dump_tsc=1500)
        second = dump([(0, [rec(4000, SWITCH, 0, 3)], 0),
                       (1, [rec(4100, MARK, 9)], 0)], dump_tsc=5000)
        ev = self.tool.json(first + second)["traceEvents"]
        self.assertEqual([(e["name"], e["ts"], e["dur"])
                          for e in by(ev, ph="X", name="pinger")],
                         [("pinger", 0.0, 3.0)])
        head, cpus = self.tool.summary(first + second)
        self.assertIn("dumps=2 cpus=2", head)
        self.assertEqual(cpus[1]["mark"], 1)

    def test_overwritten_slots_count_as_dropped(self):
        data = dump([(0, [b"\0" * 16, rec(10, MARK, 1), b"\0" * 16,
                          rec(20, MARK, 2)], 3)])
        _, cpus = self.tool.summary(data)
        self.assertEqual(cpus[0]["dropped"], 5)
        self.assertEqual(cpus[0]["mark"], 2)

    def test_orphan_name_chunk(self):
        # Only the second chunk survived: the task keeps a number.
        tail = name_recs(4, "abcdefghijklmno")[16:]
        data = dump([(0, [tail, rec(10, SWITCH, 4, 0)], 0)], dump_tsc=20)
        ev = self.tool.json(data)["traceEvents"]
        self.assertEqual([e["name"] for e in by(ev, ph="X")], ["task 4"])

    def test_idle_task(self):
        # Task 0 is the idle task: shown, but its time is not busy time.
        data = dump([(0, [rec(0, SWITCH, 0, 1), rec(1000, IDLE, 1),
                          rec(3000, IDLE, 0), rec(3500, SWITCH, 1, 0)], 0)],
                    dump_tsc=4000)
        ev = self.tool.json(data)["traceEvents"]
        self.assertEqual([(e["name"], e["ts"], e["dur"])
                          for e in by(ev, ph="X")],
                         [("idle task", 0.0, 1.0), ("idle", 1.0, 2.0),
                          ("idle task", 3.0, 0.5), ("task 1", 3.5, 0.5)])
        _, cpus = self.tool.summary(data)
        self.assertEqual(cpus[0]["busy_us"], 0.5)
        self.assertEqual(cpus[0]["idle_us"], 2.0)
        self.assertEqual(cpus[0]["idle_task_us"], 1.5)

    def test_tsc_rate(self):
        data = dump([(0, [rec(0, SWITCH, 1), rec(3000, IDLE, 1)], 0)],
                    hz=0, dump_tsc=3000)
        res = self.tool.run(data)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("assuming 1 GHz", res.stderr)
        ev = self.tool.json(data, "--tsc-hz", "3e9")["traceEvents"]
        self.assertEqual(by(ev, ph="X")[0]["dur"], 1.0)

    def test_truncated(self):
        for cut in (10, 48 + 8, 48 + 32 + 5, len(BASIC) - 1):
            with self.subTest(cut=cut):
                self.tool.fails(BASIC[:cut], "truncated")

    def test_not_a_trace(self):
        self.tool.fails(b"hello world, this is no trace" * 3,
                        "not a Mosaic trace")
        self.tool.fails(b"", "empty file")
        self.tool.fails(BASIC + b"junk" * 20, "garbage after dump 1")
        bad = bytearray(BASIC)
        bad[8] = 9
        self.tool.fails(bytes(bad), "format version 9")

    def test_missing_file(self):
        res = subprocess.run([sys.executable, TOOL, "/nonexistent/trace"],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 1)
        self.assertIn("cannot read", res.stderr)


class CmockaResult(unittest.TestResult):
    """Prints each case as cmocka does, so run-unit can count them."""

    def startTest(self, test):
        super().startTest(test)
        self.failed = False
        print(f"[ RUN      ] {test._testMethodName}", flush=True)

    def stopTest(self, test):
        super().stopTest(test)
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

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.report(err)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Trace2JsonTest)
    print(f"[==========] Running {suite.countTestCases()} test(s).",
          flush=True)
    result = CmockaResult()
    suite.run(result)
    bad = len({id(t) for t, _ in result.failures + result.errors})
    print(f"[==========] {result.testsRun} test(s) run.")
    print(f"[  PASSED  ] {result.testsRun - bad} test(s).")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

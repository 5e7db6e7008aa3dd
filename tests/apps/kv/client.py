#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of tests/apps/kv: memcached's text protocol against the kv
appliance through QEMU's user networking (hostfwd on 127.0.0.1).

  client.py main PORT MAXCONN   every command, reply for reply, then the
                                connection limit, then Debian's
                                libmemcached tools (memccapable -a,
                                memccp/memccat, memcrm, memcstat,
                                memcflush, memcslap)
  client.py evict PORT          LRU eviction under -m 1
  client.py smp PORT            threads hammering the same keys

Replies are compared byte for byte; every wait is bounded. Each mode ends
with "shutdown" (the image runs with -A), so the guest exits with status
0 only when the client got that far. Exit status 0 means every check
passed.
"""
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 60  # seconds for any single blocking call
VERSION = b"VERSION 1.6.0-mosaic\r\n"
BAD_FORMAT = b"CLIENT_ERROR bad command line format\r\n"
MAX_ITEM = 1 << 20


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


class Conn:
    """One client connection with a byte-exact reader."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.sendall(data)

    def _more(self):
        chunk = self.s.recv(1 << 20)
        if not chunk:
            raise Fail(f"connection closed; unread {self.buf[:80]!r}")
        self.buf += chunk

    def read(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line(self):
        while b"\r\n" not in self.buf:
            self._more()
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out

    def expect(self, want):
        got = self.read(len(want))
        if got != want:
            raise Fail(f"expected {want[:120]!r}, got {got[:120]!r}")

    def cmd(self, send, want):
        self.send(send)
        self.expect(want)

    def quiet(self):
        """Proves nothing is pending: a noreply command said nothing."""
        self.cmd(b"version\r\n", VERSION)

    def eof(self):
        while True:
            chunk = self.s.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        check(self.buf == b"", f"bytes before EOF: {self.buf[:80]!r}")

    def set(self, key, value, flags=0, exptime=0, cmd=b"set"):
        self.send(b"%s %s %d %d %d\r\n%s\r\n" %
                  (cmd, key, flags, exptime, len(value), value))
        return self.line()

    def gets(self, *keys):
        """{key: (flags, value, cas)} from one gets."""
        self.send(b"gets " + b" ".join(keys) + b"\r\n")
        out = {}
        while True:
            head = self.line().split(b" ")
            if head == [b"END"]:
                return out
            check(head[0] == b"VALUE" and len(head) == 5,
                  f"bad VALUE line {head!r}")
            value = self.read(int(head[3]))
            self.expect(b"\r\n")
            out[head[1]] = (int(head[2]), value, int(head[4]))

    def get_value(self, key):
        got = self.gets(key)
        return got[key][1] if key in got else None

    def stats(self, arg=b""):
        self.send(b"stats" + (b" " + arg if arg else b"") + b"\r\n")
        out = {}
        while True:
            ln = self.line()
            if ln == b"END":
                return out
            parts = ln.split(b" ")
            check(parts[0] == b"STAT" and len(parts) == 3,
                  f"bad stats line {ln!r}")
            out[parts[1].decode()] = parts[2].decode()


def poll_until(what, fn, limit=30):
    """Retries fn until it returns true; fails after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not fn():
        if time.monotonic() > deadline:
            raise Fail(f"timed out waiting for {what}")
        time.sleep(0.05)


# ---- the protocol, command by command

def t_storage(c):
    c.quiet()
    c.cmd(b"version\n", VERSION)  # a bare "\n" ends a line too
    check(c.set(b"k", b"hello", flags=123) == b"STORED", "set")
    c.cmd(b"get k\r\n", b"VALUE k 123 5\r\nhello\r\nEND\r\n")
    c.cmd(b"get nokey\r\n", b"END\r\n")
    check(c.set(b"f", b"x", flags=4294967295) == b"STORED", "flags max")
    c.cmd(b"get f\r\n", b"VALUE f 4294967295 1\r\nx\r\nEND\r\n")
    # Over 32 bits: refused, and the block is not taken for commands.
    c.cmd(b"set f 4294967296 0 1\r\nx\r\n", BAD_FORMAT)
    c.cmd(b"get f\r\n", b"VALUE f 4294967295 1\r\nx\r\nEND\r\n")
    check(c.set(b"empty", b"") == b"STORED", "empty value")
    c.cmd(b"get empty\r\n", b"VALUE empty 0 0\r\n\r\nEND\r\n")
    blob = bytes(range(256)) * 16 + b"\r\nEND\r\n"
    check(c.set(b"blob", blob, flags=7) == b"STORED", "binary value")
    c.cmd(b"get blob\r\n",
          b"VALUE blob 7 %d\r\n%s\r\nEND\r\n" % (len(blob), blob))
    # add / replace
    c.cmd(b"add k 0 0 1\r\nz\r\n", b"NOT_STORED\r\n")
    c.cmd(b"add newk 5 0 2\r\nab\r\n", b"STORED\r\n")
    c.cmd(b"replace nothere 0 0 1\r\nz\r\n", b"NOT_STORED\r\n")
    c.cmd(b"replace newk 6 0 3\r\nabc\r\n", b"STORED\r\n")
    c.cmd(b"get newk\r\n", b"VALUE newk 6 3\r\nabc\r\nEND\r\n")
    # append / prepend keep the flags of the item they extend
    c.cmd(b"append newk 99 0 3\r\ndef\r\n", b"STORED\r\n")
    c.cmd(b"prepend newk 99 0 2\r\n<<\r\n", b"STORED\r\n")
    c.cmd(b"get newk\r\n", b"VALUE newk 6 8\r\n<<abcdef\r\nEND\r\n")
    c.cmd(b"append nothere 0 0 1\r\nz\r\n", b"NOT_STORED\r\n")
    c.cmd(b"prepend nothere 0 0 1\r\nz\r\n", b"NOT_STORED\r\n")
    # multi-get answers in the order asked, skipping misses
    c.cmd(b"get k nokey newk k\r\n",
          b"VALUE k 123 5\r\nhello\r\nVALUE newk 6 8\r\n<<abcdef\r\n"
          b"VALUE k 123 5\r\nhello\r\nEND\r\n")
    # a 250-byte key is fine, 251 is not
    k250 = b"K" * 250
    check(c.set(k250, b"v") == b"STORED", "250-byte key")
    c.cmd(b"get " + k250 + b"\r\n",
          b"VALUE " + k250 + b" 0 1\r\nv\r\nEND\r\n")
    c.cmd(b"get " + k250 + b"K\r\n", BAD_FORMAT)
    c.cmd(b"set " + k250 + b"K 0 0 1\r\nv\r\n", BAD_FORMAT)
    # Control characters are key bytes, as memcached takes them
    # (memcaslap's keys start with them).
    c.cmd(b"get a\x01b\r\n", b"END\r\n")
    c.cmd(b"set a\x7fb 0 0 1\r\nv\r\n", b"STORED\r\n")
    c.cmd(b"get a\x7fb\r\n", b"VALUE a\x7fb 0 1\r\nv\r\nEND\r\n")
    c.cmd(b"set \x10\x11k 0 0 1\r\nw\r\n", b"STORED\r\n")


def t_cas(port, c):
    check(c.set(b"ck", b"one") == b"STORED", "set ck")
    cas1 = c.gets(b"ck")[b"ck"][2]
    other = Conn(port)
    check(other.set(b"ck", b"two") == b"STORED", "other set")
    other.close()
    c.cmd(b"cas ck 0 0 5 %d\r\nthree\r\n" % cas1, b"EXISTS\r\n")
    flags, value, cas2 = c.gets(b"ck")[b"ck"]
    check(value == b"two" and cas2 > cas1, f"gets after set: {cas2}")
    c.cmd(b"cas ck 3 0 5 %d\r\nthree\r\n" % cas2, b"STORED\r\n")
    c.cmd(b"get ck\r\n", b"VALUE ck 3 5\r\nthree\r\nEND\r\n")
    c.cmd(b"cas ck 0 0 1 %d\r\nx\r\n" % cas2, b"EXISTS\r\n")
    c.cmd(b"cas nothere 0 0 1 1\r\nx\r\n", b"NOT_FOUND\r\n")
    c.cmd(b"cas ck 0 0 1 abc\r\nx\r\n", BAD_FORMAT)
    # Every change gets a new, larger unique.
    seen = [c.gets(b"ck")[b"ck"][2]]
    for v in (b"a", b"b", b"c"):
        c.set(b"ck", v)
        seen.append(c.gets(b"ck")[b"ck"][2])
    check(seen == sorted(set(seen)), f"cas uniques {seen}")


def t_noreply(c):
    c.send(b"set nr 1 0 1 noreply\r\na\r\n"
           b"add nr 0 0 1 noreply\r\nb\r\n"
           b"add nr2 0 0 1 noreply\r\nb\r\n"
           b"replace nr2 0 0 1 noreply\r\nc\r\n"
           b"append nr 0 0 1 noreply\r\nd\r\n"
           b"prepend nr 0 0 1 noreply\r\ne\r\n")
    c.quiet()
    c.cmd(b"get nr nr2\r\n",
          b"VALUE nr 1 3\r\nead\r\nVALUE nr2 0 1\r\nc\r\nEND\r\n")
    cas = c.gets(b"nr")[b"nr"][2]
    c.send(b"cas nr 0 0 1 %d noreply\r\nf\r\n" % cas)
    c.send(b"cas nr 0 0 1 %d noreply\r\ng\r\n" % cas)  # EXISTS, unsaid
    c.quiet()
    c.cmd(b"get nr\r\n", b"VALUE nr 0 1\r\nf\r\nEND\r\n")
    c.send(b"set num 0 0 2 noreply\r\n10\r\n"
           b"incr num 5 noreply\r\ndecr num 3 noreply\r\n"
           b"touch num 100 noreply\r\ndelete nr2 noreply\r\n"
           b"delete nr2 noreply\r\nincr missing 1 noreply\r\n")
    c.quiet()
    c.cmd(b"get num nr2\r\n", b"VALUE num 0 2\r\n12\r\nEND\r\n")
    # errors are reported even with noreply
    c.cmd(b"incr num x noreply\r\n",
          b"CLIENT_ERROR invalid numeric delta argument\r\n")
    c.cmd(b"set big 0 0 %d noreply\r\n" % (MAX_ITEM + 1) +
          b"x" * (MAX_ITEM + 1) + b"\r\n",
          b"SERVER_ERROR object too large for cache\r\n")


def t_delete(c):
    c.set(b"d", b"1")
    c.cmd(b"delete d\r\n", b"DELETED\r\n")
    c.cmd(b"delete d\r\n", b"NOT_FOUND\r\n")
    c.cmd(b"get d\r\n", b"END\r\n")
    c.set(b"d", b"1")
    c.cmd(b"delete d 0\r\n", b"DELETED\r\n")
    usage = (b"CLIENT_ERROR bad command line format.  "
             b"Usage: delete <key> [noreply]\r\n")
    c.cmd(b"delete d 5\r\n", usage)
    c.cmd(b"delete\r\n", usage)
    c.cmd(b"delete a b c d e\r\n", usage)


def t_arith(c):
    c.set(b"n", b"5", flags=9)
    c.cmd(b"incr n 10\r\n", b"15\r\n")
    c.cmd(b"decr n 3\r\n", b"12\r\n")
    c.cmd(b"decr n 100\r\n", b"0\r\n")  # stops at 0
    c.cmd(b"decr n 1\r\n", b"0\r\n")
    c.cmd(b"get n\r\n", b"VALUE n 9 1\r\n0\r\nEND\r\n")  # flags kept
    c.set(b"n", b"99")
    c.cmd(b"incr n 1\r\n", b"100\r\n")
    c.cmd(b"get n\r\n", b"VALUE n 0 3\r\n100\r\nEND\r\n")
    c.cmd(b"decr n 1\r\n", b"99\r\n")
    c.cmd(b"get n\r\n", b"VALUE n 0 2\r\n99\r\nEND\r\n")
    c.set(b"n", b"18446744073709551615")
    c.cmd(b"incr n 1\r\n", b"0\r\n")  # wraps at 2^64
    c.set(b"n", b"18446744073709551614")
    c.cmd(b"incr n 18446744073709551615\r\n", b"18446744073709551613\r\n")
    c.cmd(b"decr n 18446744073709551615\r\n", b"0\r\n")
    c.cmd(b"incr nothere 1\r\n", b"NOT_FOUND\r\n")
    c.cmd(b"decr nothere 1\r\n", b"NOT_FOUND\r\n")
    delta_err = b"CLIENT_ERROR invalid numeric delta argument\r\n"
    for bad in (b"abc", b"-1", b"18446744073709551616", b"1x"):
        c.cmd(b"incr n " + bad + b"\r\n", delta_err)
    nonnum = (b"CLIENT_ERROR cannot increment or decrement "
              b"non-numeric value\r\n")
    for v in (b"abc", b"12a", b"-1", b"18446744073709551616"):
        c.set(b"s", v)
        c.cmd(b"incr s 1\r\n", nonnum)
        c.cmd(b"decr s 1\r\n", nonnum)
    c.cmd(b"incr n\r\n", b"ERROR\r\n")


def t_expiry(c):
    now = int(time.time())
    check(c.set(b"e1", b"v", exptime=-1) == b"STORED", "negative exptime")
    c.cmd(b"get e1\r\n", b"END\r\n")
    # over 30 days means a Unix time: this one is in 1970
    c.set(b"e2", b"v", exptime=30 * 86400 + 1)
    c.cmd(b"get e2\r\n", b"END\r\n")
    c.set(b"e3", b"v", exptime=now + 3600)
    c.set(b"e4", b"v", exptime=3600)
    c.cmd(b"get e3 e4\r\n",
          b"VALUE e3 0 1\r\nv\r\nVALUE e4 0 1\r\nv\r\nEND\r\n")
    c.cmd(b"add e1 0 0 1\r\nw\r\n", b"STORED\r\n")  # expired: absent
    c.cmd(b"touch e3 -1\r\n", b"TOUCHED\r\n")
    c.cmd(b"get e3\r\n", b"END\r\n")
    c.cmd(b"touch e3 0\r\n", b"NOT_FOUND\r\n")
    c.cmd(b"touch e4 0\r\n", b"TOUCHED\r\n")
    c.cmd(b"touch e4 abc\r\n", b"CLIENT_ERROR invalid exptime argument\r\n")
    c.cmd(b"touch e4\r\n", b"ERROR\r\n")
    # A relative expiry really expires (polled, with a bound), and a
    # delayed flush_all drops what exists when its time comes.
    c.set(b"r", b"v", exptime=2)
    c.set(b"keep", b"v")
    c.cmd(b"flush_all 8\r\n", b"OK\r\n")
    poll_until("r to expire", lambda: c.get_value(b"r") is None)
    check(c.get_value(b"keep") == b"v", "flush_all 8 ran early")
    poll_until("the delayed flush", lambda: c.get_value(b"keep") is None)
    c.set(b"after", b"v")
    check(c.get_value(b"after") == b"v", "set after the flush")
    c.cmd(b"flush_all\r\n", b"OK\r\n")
    c.cmd(b"get after e4\r\n", b"END\r\n")
    c.set(b"x", b"v")
    c.cmd(b"flush_all noreply\r\n", b"")
    c.cmd(b"get x\r\n", b"END\r\n")
    c.cmd(b"flush_all foo\r\n", BAD_FORMAT)


def t_errors(port, c):
    c.cmd(b"bogus\r\n", b"ERROR\r\n")
    c.cmd(b"\r\n", b"ERROR\r\n")
    c.cmd(b"GET k\r\n", b"ERROR\r\n")
    c.cmd(b"get\r\n", b"ERROR\r\n")
    c.cmd(b"set k 0 0\r\n", b"ERROR\r\n")
    c.cmd(b"set k 0 0 -1\r\n", BAD_FORMAT)
    c.cmd(b"set k 0 0 abc\r\n", BAD_FORMAT)
    c.cmd(b"set k 0 x 1\r\nv\r\n", BAD_FORMAT)
    c.cmd(b"delete bad\r\n", b"NOT_FOUND\r\n")
    # the block must end in \r\n: exactly bytes+2 are taken either way
    c.cmd(b"set bad 0 0 3\r\nabcde\r\n",
          b"CLIENT_ERROR bad data chunk\r\nERROR\r\n")
    c.cmd(b"get bad\r\n", b"END\r\n")
    # largest value and one byte more
    big = os.urandom(MAX_ITEM)
    check(c.set(b"big", big) == b"STORED", "1 MiB value")
    c.cmd(b"get big\r\n", b"VALUE big 0 %d\r\n%s\r\nEND\r\n" % (MAX_ITEM, big))
    c.cmd(b"set big2 0 0 %d\r\n" % (MAX_ITEM + 1) + big + b"x\r\n",
          b"SERVER_ERROR object too large for cache\r\n")
    c.cmd(b"append big 0 0 1\r\nx\r\n",
          b"SERVER_ERROR object too large for cache\r\n")
    c.cmd(b"get big2\r\n", b"END\r\n")
    # pipelined commands are answered in order
    c.cmd(b"set p1 0 0 1\r\na\r\nget p1\r\nincr p1 1\r\ndelete p1\r\n"
          b"version\r\n",
          b"STORED\r\nVALUE p1 0 1\r\na\r\nEND\r\n"
          b"CLIENT_ERROR cannot increment or decrement non-numeric "
          b"value\r\nDELETED\r\n" + VERSION)
    # a long multi-get line is fine; any other long line ends things
    keys = [b"mk%04d" % i for i in range(300)]
    for k in keys[::50]:
        c.set(k, k)
    want = b"".join(b"VALUE %s 0 6\r\n%s\r\n" % (k, k) for k in keys[::50])
    c.cmd(b"get " + b" ".join(keys) + b"\r\n", want + b"END\r\n")
    long = Conn(port)
    long.cmd(b"x" * 3000, b"CLIENT_ERROR line too long\r\n")
    long.eof()
    long.close()
    c.cmd(b"verbosity 1\r\n", b"OK\r\n")
    c.cmd(b"verbosity\r\n", b"ERROR\r\n")


def t_stats(c):
    s = c.stats()
    for name in ("pid", "uptime", "time", "version", "curr_items",
                 "total_items", "bytes", "curr_connections",
                 "total_connections", "cmd_get", "cmd_set", "get_hits",
                 "get_misses", "evictions", "limit_maxbytes", "threads",
                 "cmd_flush", "cmd_touch", "delete_hits", "incr_hits",
                 "cas_badval", "touch_hits", "bytes_read",
                 "bytes_written", "max_connections"):
        check(name in s, f"stats lacks {name}")
    check(s["version"] == "1.6.0-mosaic", "stats version")
    check(s["limit_maxbytes"] == str(64 << 20), "limit_maxbytes")
    check(abs(int(s["time"]) - time.time()) < 600, "stats time")
    check(int(s["cas_badval"]) >= 3 and int(s["cas_hits"]) >= 1, "cas")
    check(int(s["total_connections"]) >= 3, "total_connections")
    # connections the client closed end on the server's own time
    poll_until("other connections to end",
               lambda: c.stats()["curr_connections"] == "1")
    c.cmd(b"flush_all\r\n", b"OK\r\n")
    c.cmd(b"stats reset\r\n", b"RESET\r\n")
    c.set(b"s1", b"abc")
    c.set(b"s2", b"defg")
    c.cmd(b"get s1 nothere s2\r\n",
          b"VALUE s1 0 3\r\nabc\r\nVALUE s2 0 4\r\ndefg\r\nEND\r\n")
    c.cmd(b"incr s1 1\r\ndelete s2\r\ndelete s2\r\ntouch s1 0\r\n",
          b"CLIENT_ERROR cannot increment or decrement non-numeric value"
          b"\r\nDELETED\r\nNOT_FOUND\r\nTOUCHED\r\n")
    s = c.stats()
    want = {"cmd_get": 3, "get_hits": 2, "get_misses": 1, "cmd_set": 2,
            "curr_items": 1, "total_items": 2, "delete_hits": 1,
            "delete_misses": 1, "incr_hits": 0, "cmd_touch": 1,
            "touch_hits": 1, "evictions": 0, "curr_connections": 1}
    got = {k: int(s[k]) for k in want}
    check(got == want, f"stats after reset: {got}")
    check(0 < int(s["bytes"]) < 200, f"bytes {s['bytes']}")
    st = c.stats(b"settings")
    check(st.get("maxbytes") == str(64 << 20), "stats settings")
    c.cmd(b"stats bogus\r\n", b"ERROR\r\n")
    c.cmd(b"stats noreply\r\n", b"ERROR\r\n")


def t_conn_limit(port, maxconn):
    """maxconn connections are served; one more is turned away."""
    probe = []

    def alone():
        c = Conn(port)
        if c.stats()["curr_connections"] == "1":
            probe.append(c)
            return True
        c.close()
        return False
    # Earlier connections may still be ending: wait until this is the
    # only one, and keep it.
    poll_until("earlier connections to end", alone)
    conns = probe + [Conn(port) for _ in range(maxconn - 1)]
    for c in conns:
        c.quiet()
    extra = Conn(port)
    extra.expect(b"ERROR Too many open connections\r\n")
    extra.eof()
    extra.close()
    conns.pop().cmd(b"quit\r\n", b"")

    def admitted():
        c = Conn(port)
        c.send(b"version\r\n")
        got = c.line() + b"\r\n"
        if got == VERSION:
            conns.append(c)
            return True
        check(got == b"ERROR Too many open connections\r\n", f"{got!r}")
        c.close()
        return False
    poll_until("a freed connection slot", admitted)
    for c in conns:
        c.close()
    print(f"kv: {maxconn} connections served, one more refused")


def run_tool(args, want_rc=0):
    p = subprocess.run(args, capture_output=True, timeout=TIMEOUT)
    if p.returncode != want_rc:
        raise Fail(f"{args[0]} exited {p.returncode} (wanted {want_rc}): "
                   f"{p.stdout[-500:]!r} {p.stderr[-500:]!r}")
    return p.stdout.decode(errors="replace")


def t_tools(port):
    srv = f"--servers=127.0.0.1:{port}"
    out = run_tool(["memccapable", "-a", "-h", "127.0.0.1", "-p", str(port),
                    "-t", "30"])
    check("All tests passed" in out and "[FAIL]" not in out,
          f"memccapable: {out}")
    print("kv: memccapable -a: all ASCII tests passed")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "kvfile.bin")
        data = os.urandom(300000)
        with open(src, "wb") as f:
            f.write(data)
        run_tool(["memccp", srv, src])
        dst = os.path.join(d, "copy.bin")
        run_tool(["memccat", srv, f"--file={dst}", "kvfile.bin"])
        with open(dst, "rb") as f:
            check(f.read() == data, "memccat: different bytes")
        out = run_tool(["memcstat", srv])
        check("version: 1.6.0-mosaic" in out and "curr_items: " in out,
              f"memcstat: {out}")
        run_tool(["memcrm", srv, "kvfile.bin"])
        run_tool(["memccat", srv, "kvfile.bin"], want_rc=1)
    print("kv: memccp/memccat 300000 bytes intact; memcstat, memcrm ok")
    c = Conn(port)
    c.set(b"pre", b"1")
    run_tool(["memcflush", srv])
    c.cmd(b"get pre\r\n", b"END\r\n")
    c.cmd(b"stats reset\r\n", b"RESET\r\n")
    run_tool(["memcslap", srv, "--concurrency=4", "--execute-number=300",
              "--test=set"])
    run_tool(["memcslap", srv, "--concurrency=4", "--execute-number=300",
              "--test=get"])
    s = c.stats()
    # set: 4 x 300; get: 300 loaded, then 4 x 300 reads, every one a hit
    check(int(s["cmd_set"]) == 1500 and int(s["get_hits"]) == 1200 and
          int(s["get_misses"]) == 0, f"memcslap: {s}")
    c.close()
    print("kv: memcflush ok; memcslap 1500 sets, 1200 hits")


def main_case(port, maxconn):
    c = Conn(port)
    t_storage(c)
    t_cas(port, c)
    t_noreply(c)
    t_delete(c)
    t_arith(c)
    t_expiry(c)
    t_errors(port, c)
    t_stats(c)
    c.cmd(b"quit\r\n", b"")
    c.eof()
    c.close()
    print("kv: protocol checks passed")
    t_conn_limit(port, maxconn)
    t_tools(port)


# ---- eviction under -m 1

def evict_case(port):
    c = Conn(port)
    val = lambda i: (b"%06d" % i) * 1666 + b"...."  # 10000 bytes
    c.cmd(b"set huge 0 0 %d\r\n" % MAX_ITEM + b"h" * MAX_ITEM + b"\r\n",
          b"SERVER_ERROR object too large for cache\r\n")
    for i in range(50):
        check(c.set(b"key%d" % i, val(i)) == b"STORED", f"set key{i}")
    check(c.get_value(b"key0") == val(0), "key0 before eviction")
    for i in range(50, 130):
        check(c.set(b"key%d" % i, val(i)) == b"STORED", f"set key{i}")
    s = c.stats()
    check(int(s["limit_maxbytes"]) == 1 << 20, "limit_maxbytes")
    check(int(s["evictions"]) > 0, "no evictions")
    check(int(s["bytes"]) <= 1 << 20, f"bytes {s['bytes']} over the limit")
    # key0 was read after key1..key49 were written: LRU keeps it
    check(c.get_value(b"key0") == val(0), "recently read key0 evicted")
    check(c.get_value(b"key1") is None, "oldest key1 kept")
    check(c.get_value(b"key129") == val(129), "newest key129 missing")
    # several more MB: the newest stay, the total stays in budget
    for i in range(130, 500):
        c.send(b"set key%d 0 0 10000 noreply\r\n%s\r\n" % (i, val(i)))
    c.quiet()
    got = c.gets(*[b"key%d" % i for i in range(500)])
    present = sorted(int(k[3:]) for k in got)
    check(all(got[b"key%d" % i][1] == val(i) for i in present), "values")
    check(present == list(range(500 - len(present), 500)),
          f"not the newest items: {present[:5]}...")
    s = c.stats()
    check(int(s["curr_items"]) == len(present) and
          int(s["evictions"]) == 500 - len(present) and
          int(s["bytes"]) <= 1 << 20, f"stats {s}")
    print(f"kv: {len(present)} newest of 500 items kept in 1 MiB, "
          f"{s['evictions']} evicted")
    pending_case(port, c)


def pending_case(port, c):
    """Values announced but not yet sent hold memory outside the store:
    together they may not pass the -m budget (1 MiB here)."""
    size = 600000
    c.cmd(b"stats reset\r\n", b"RESET\r\n")
    slow = Conn(port)
    slow.send(b"set slow 0 0 %d\r\n" % size + b"s" * 1000)
    # The guest has one CPU and its scheduler is cooperative: once
    # cmd_set counts the command, its item is allocated.
    poll_until("the slow set to start",
               lambda: c.stats()["cmd_set"] == "1")
    got = c.set(b"fast", b"f" * size)
    check(got == b"SERVER_ERROR out of memory storing object",
          f"set beside a pending one: {got!r}")
    c.cmd(b"get fast\r\n", b"END\r\n")
    slow.cmd(b"s" * (size - 1000) + b"\r\n", b"STORED\r\n")
    slow.close()
    # The finished set gave its reservation back.
    c.cmd(b"set fast 0 0 %d\r\n" % size + b"f" * size + b"\r\n",
          b"STORED\r\n")
    check(c.get_value(b"fast") == b"f" * size, "fast after slow")
    print("kv: announced values held within the -m budget")


# ---- SMP: concurrent clients on the same keys

def smp_case(port):
    nthreads, rounds = 8, 150
    c = Conn(port)
    c.cmd(b"set counter 0 0 1\r\n0\r\n", b"STORED\r\n")
    c.cmd(b"set down 0 0 5\r\n99999\r\n", b"STORED\r\n")
    c.cmd(b"set log 0 0 0\r\n\r\n", b"STORED\r\n")
    errors = []

    def worker(t):
        try:
            w = Conn(port)
            last = -1
            for i in range(rounds):
                w.send(b"incr counter 1\r\ndecr down 1\r\n"
                       b"append log 0 0 1\r\n%c\r\n" % (65 + t))
                v = int(w.line())
                check(v > last, f"incr went back: {v} after {last}")
                last = v
                int(w.line())
                w.expect(b"STORED\r\n")
                if i % 10 == 0:
                    check(w.set(b"own%d" % t, b"%d" % i) == b"STORED", "set")
                    cas = w.gets(b"shared")
                    if cas:
                        w.send(b"cas shared 0 0 1 %d\r\nx\r\n" %
                               cas[b"shared"][2])
                        r = w.line()
                        check(r in (b"STORED", b"EXISTS"), f"cas {r!r}")
                    else:
                        w.send(b"add shared 0 0 1\r\nx\r\n")
                        r = w.line()
                        check(r in (b"STORED", b"NOT_STORED"), f"add {r!r}")
            w.close()
        except Exception as e:  # reported below, failing the case
            errors.append(f"thread {t}: {e}")

    threads = [threading.Thread(target=worker, args=(t,))
               for t in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 4)
    check(not any(t.is_alive() for t in threads), "threads still running")
    check(not errors, "; ".join(errors))
    total = nthreads * rounds
    c.cmd(b"get counter down\r\n",
          b"VALUE counter 0 %d\r\n%d\r\n" % (len(str(total)), total) +
          b"VALUE down 0 5\r\n%d\r\nEND\r\n" % (99999 - total))
    log = c.get_value(b"log")
    check(len(log) == total, f"append lost bytes: {len(log)} of {total}")
    for t in range(nthreads):
        check(log.count(b"%c" % (65 + t)) == rounds, f"thread {t} appends")
        check(c.get_value(b"own%d" % t) == b"%d" % (rounds - 10),
              f"own{t}")
    s = c.stats()
    check(int(s["threads"]) == 2, f"threads {s['threads']}")
    check(int(s["incr_hits"]) == total and int(s["decr_hits"]) == total,
          "incr/decr hits")
    print(f"kv: {nthreads} clients x {rounds} rounds, counters exact")


def shutdown(port):
    """Ends the appliance (kv -A): the harness then sees status 0."""
    c = Conn(port)
    c.cmd(b"shutdown now\r\n", b"CLIENT_ERROR invalid shutdown mode\r\n")
    c.send(b"shutdown\r\n")
    c.close()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    mode, port = sys.argv[1], int(sys.argv[2])
    try:
        if mode == "main":
            main_case(port, int(sys.argv[3]))
        elif mode == "evict":
            evict_case(port)
        elif mode == "smp":
            smp_case(port)
        else:
            sys.exit(__doc__)
    except (Fail, OSError, ValueError, subprocess.SubprocessError) as e:
        sys.exit(f"kv {mode}: FAIL: {e}")
    shutdown(port)
    print(f"kv {mode}: PASS")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of tests/apps/httpd: real curl and raw sockets against
apps/httpd through QEMU's user networking (hostfwd on 127.0.0.1).

  client.py demo PORT ROOT MAXCONN   the embedded demo site, run with
                                     -l -c MAXCONN
  client.py site PORT ROOT           the test site (site/www) as the initrd,
                                     run with a short idle timeout (-t)
  client.py disk PORT ROOT           the same tree on an ext2 disk (-r /data)
  client.py park PORT ROOT N         N idle keep-alive connections parked,
                                     reused, closed by the client; run with
                                     -c N+1 -s /stats
  client.py park-timeout PORT ROOT   a parked connection closed by the
                                     idle timeout; run with -t 2 -s /stats

ROOT is the host directory the guest serves: every body is compared with
its file there byte for byte. Every wait is bounded; any wrong byte,
status or header fails the run (exit status 1, with the reason). At the
end a GET of the -q target ends the guest.
"""
import calendar
import email.utils
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TIMEOUT = 30  # seconds for any one blocking call
QUIT = "/quit-now"  # the guest runs with -q QUIT: a GET of it ends it
HOST = "127.0.0.1"
REASONS = {
    301: "Moved Permanently", 400: "Bad Request", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long", 431: "Request Header Fields Too Large",
    503: "Service Unavailable", 505: "HTTP Version Not Supported",
}
# Statuses after which the server must close the connection.
CLOSING = {400, 408, 413, 414, 431, 503, 505}
MIME = {
    "a.html": "text/html; charset=utf-8",
    "UP.HTML": "text/html; charset=utf-8",
    "b.css": "text/css; charset=utf-8",
    "c.js": "text/javascript; charset=utf-8",
    "d.json": "application/json",
    "e.txt": "text/plain; charset=utf-8",
    "f.svg": "image/svg+xml",
    "g.png": "image/png",
    "h.jpg": "image/jpeg",
    "i.gif": "image/gif",
    "j.ico": "image/vnd.microsoft.icon",
    "k.wasm": "application/wasm",
    "l.pdf": "application/pdf",
    "m.xml": "application/xml",
    "n.bin": "application/octet-stream",
    "noext": "application/octet-stream",
}


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lower-case name -> value
        self.body = body

    def h(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.headers} " \
               f"{self.body[:80]!r}>"


class Conn:
    """A client connection that reads responses exactly."""

    def __init__(self, port):
        self.s = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _more(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise Fail(f"connection closed early; have {self.buf[:200]!r}")
        self.buf += chunk

    def response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self._more()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.1 (\d{3}) ([^\r\n]+)", lines[0])
        check(m, f"bad status line {lines[0]!r}")
        headers = {}
        for ln in lines[1:]:
            m2 = re.fullmatch(r"([A-Za-z0-9-]+): (.*)", ln)
            check(m2, f"bad header line {ln!r}")
            name = m2.group(1).lower()
            check(name not in headers, f"header {name} twice")
            headers[name] = m2.group(2)
        status = int(m.group(1))
        body = b""
        if status != 304:
            check("content-length" in headers,
                  f"{status} without Content-Length: {lines}")
            n = int(headers["content-length"])
            if not head:
                while len(self.buf) < n:
                    self._more()
                body, self.buf = self.buf[:n], self.buf[n:]
        else:
            check("content-length" not in headers, "304 with a length")
        return Response(status, m.group(2), headers, body)

    def expect_eof(self):
        """The server closes next, with nothing more sent."""
        while True:
            try:
                chunk = self.s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            self.buf += chunk
        check(self.buf == b"", f"bytes after the last response: "
                               f"{self.buf[:100]!r}")

    def close(self):
        self.s.close()


def request(method, path, headers=(), version="HTTP/1.1", host=True):
    out = f"{method} {path} {version}\r\n"
    if host:
        out += "Host: test\r\n"
    for h in headers:
        out += h + "\r\n"
    return (out + "\r\n").encode("latin-1")


def one(port, method, path, headers=(), version="HTTP/1.1", raw=None,
        head=None):
    """A request on a connection of its own, which must end after it."""
    c = Conn(port)
    try:
        if raw is None:
            raw = request(method, path, list(headers) +
                          ["Connection: close"], version)
        c.send(raw)
        r = c.response(head if head is not None else method == "HEAD")
        c.expect_eof()
        return r
    finally:
        c.close()


def read_file(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        return f.read()


def expect_file(r, root, rel, ctype=None, what=""):
    body = read_file(root, rel)
    check(r.status == 200, f"{what} {rel}: status {r.status}")
    check(r.body == body, f"{what} {rel}: body differs ({len(r.body)} "
                          f"bytes, want {len(body)})")
    check(r.h("content-length") == str(len(body)),
          f"{what} {rel}: Content-Length {r.h('content-length')}")
    if ctype:
        check(r.h("content-type") == ctype,
              f"{what} {rel}: Content-Type {r.h('content-type')}")
    check_validators(r, len(body), what + " " + rel)


def check_validators(r, size, what):
    """ETag is "<size hex>-<mtime hex>", Last-Modified that mtime."""
    m = re.fullmatch(r'"([0-9a-f]+)-([0-9a-f]+)"', r.h("etag") or "")
    check(m, f"{what}: ETag {r.h('etag')!r}")
    check(int(m.group(1), 16) == size, f"{what}: ETag size {m.group(1)}")
    lm = r.h("last-modified") or ""
    check(re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|"
                       r"Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                       r"\d\d:\d\d:\d\d GMT", lm),
          f"{what}: Last-Modified {lm!r}")
    t = calendar.timegm(email.utils.parsedate(lm))
    check(t == int(m.group(2), 16), f"{what}: Last-Modified {lm} is not "
                                    f"the ETag's mtime {m.group(2)}")
    check(r.h("accept-ranges") == "bytes", f"{what}: Accept-Ranges")


def expect_error(r, code, what, head=False):
    reason = REASONS[code]
    body = f"{code} {reason}\n".encode()
    check(r.status == code, f"{what}: status {r.status}, want {code}")
    check(r.reason == reason, f"{what}: reason {r.reason!r}")
    check(r.h("content-length") == str(len(body)),
          f"{what}: Content-Length {r.h('content-length')}")
    check(r.h("content-type") == "text/plain; charset=utf-8",
          f"{what}: Content-Type {r.h('content-type')}")
    if not head:
        check(r.body == body, f"{what}: body {r.body!r}")
    if code in CLOSING:
        check(r.h("connection") == "close", f"{what}: no Connection: close")
    if code == 405:
        check(r.h("allow") == "GET, HEAD", f"{what}: Allow {r.h('allow')}")


def error_case(port, raw, code, what):
    """raw gets `code`, and the connection closes after it."""
    c = Conn(port)
    try:
        c.send(raw)
        r = c.response()
        expect_error(r, code, what)
        c.expect_eof()
    finally:
        c.close()


def curl(args, what):
    res = subprocess.run(["curl", "-sS", "--max-time", str(TIMEOUT)] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=TIMEOUT + 10)
    check(res.returncode == 0, f"curl {what}: exit {res.returncode}: "
                               f"{res.stderr.decode(errors='replace')}")
    return res.stdout, res.stderr.decode(errors="replace")


def t_slow_head(port):
    """-t bounds the time a whole request head may take, however it
    trickles in (a byte every 0.25 s here, far more often than -t): the
    partial head gets 408, and the connection closes."""
    c = Conn(port)
    c.send(b"GET /a.html HTTP/1.1\r\nHost: x\r\nX: ")
    c.s.settimeout(0.25)  # the trickle's pace, not a wait for the server
    start = time.monotonic()
    try:
        while True:
            check(time.monotonic() - start < TIMEOUT,
                  f"slow head: still open after {TIMEOUT} s")
            try:
                chunk = c.s.recv(65536)
            except socket.timeout:
                c.send(b"y")
                continue
            if not chunk:
                break
            c.buf += chunk
    except ConnectionError:
        pass  # the server closed while we still sent
    c.s.settimeout(TIMEOUT)
    r = c.response()
    expect_error(r, 408, "slow head")
    check(c.buf == b"", f"slow head: bytes after the 408: {c.buf[:80]!r}")
    c.close()
    print("slow head: 408 and closed")


def t_slow_linger(port):
    """After a response that closes the connection the server reads what
    the client still sends for a moment, but no longer than that however
    it trickles: the connection ends (our sends fail) within TIMEOUT."""
    c = Conn(port)
    c.send(b"GARBAGE\r\n\r\n")
    expect_error(c.response(), 400, "linger")
    c.expect_eof()
    start = time.monotonic()
    try:
        while time.monotonic() - start < TIMEOUT:
            c.send(b"z")
            time.sleep(0.25)  # the trickle's pace
        raise Fail(f"linger: still reading after {TIMEOUT} s")
    except ConnectionError:
        pass
    finally:
        c.close()
    print("slow linger: closed")


# ---------------------------------------------------------------- demo


def t_conn_limit(port, root, maxconn):
    """MAXCONN connections are served; one more gets 503 and is closed;
    once one closes, a new one is served again."""
    conns = []
    for i in range(maxconn):
        c = Conn(port)
        conns.append(c)
        c.send(request("GET", "/style.css"))
        expect_file(c.response(), root, "style.css", what=f"conn {i}")
    extra = Conn(port)
    r = extra.response()
    expect_error(r, 503, "connection over the limit")
    extra.expect_eof()
    extra.close()
    # A client that sends its request at once (as they all do) must read
    # the 503 too: closing with its request unread must not reset the
    # connection before the answer reaches it.
    for i in range(5):
        extra = Conn(port)
        extra.send(request("GET", "/style.css"))
        expect_error(extra.response(), 503, f"over the limit, request {i}")
        extra.expect_eof()
        extra.close()
    last = conns.pop()
    last.send(request("GET", "/index.html", ["Connection: close"]))
    expect_file(last.response(), root, "index.html", what="last")
    # The server drops its count before it closes: after this EOF there
    # is room for one more.
    last.expect_eof()
    last.close()
    again = Conn(port)
    again.send(request("GET", "/style.css", ["Connection: close"]))
    expect_file(again.response(), root, "style.css", what="after a close")
    again.expect_eof()
    again.close()
    for c in conns:
        c.close()
    print(f"limit: {maxconn} connections served, one more got 503")


def t_idle(port, root, rel):
    """-t closes an idle connection, before or after a request (the
    bound is TIMEOUT; the guest runs with a timeout of a few seconds)."""
    c = Conn(port)
    c.expect_eof()
    c.close()
    c = Conn(port)
    c.send(request("GET", "/" + rel))
    expect_file(c.response(), root, rel, what="idle")
    c.expect_eof()
    c.close()
    print("idle: idle connections closed by the server")


def t_curl(port, root):
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="httpd-test.") as tmp:
        f1, f2 = os.path.join(tmp, "1"), os.path.join(tmp, "2")
        out, err = curl(["-v", "-o", f1, f"{base}/", "-o", f2,
                         f"{base}/style.css"], "keep-alive")
        check("Re-using existing connection" in err,
              "curl did not reuse the connection:\n" + err)
        with open(f1, "rb") as f:
            check(f.read() == read_file(root, "index.html"), "curl / body")
        with open(f2, "rb") as f:
            check(f.read() == read_file(root, "style.css"),
                  "curl /style.css body")
        check(re.search(r"< Content-Type: text/css; charset=utf-8\r?$",
                        err, re.M), "curl: style.css type")
    out, _ = curl(["-w", "\n%{http_code}", f"{base}/index.html"], "GET")
    check(out == read_file(root, "index.html") + b"\n200", "curl GET")
    size = len(read_file(root, "style.css"))
    out, _ = curl(["-I", f"{base}/style.css"], "HEAD")
    check(out.startswith(b"HTTP/1.1 200 OK\r\n") and
          f"\r\nContent-Length: {size}\r\n".encode() in out, "curl -I")
    out, _ = curl(["-r", "5-14", "-w", "\n%{http_code}",
                   f"{base}/style.css"], "range")
    check(out == read_file(root, "style.css")[5:15] + b"\n206", "curl -r")
    hdr, _ = curl(["-D", "-", "-o", "/dev/null", f"{base}/style.css"],
                  "ETag")
    etag = re.search(rb"\r\nETag: (\S+)\r\n", hdr).group(1).decode()
    lm = re.search(rb"\r\nLast-Modified: ([^\r]+)\r\n", hdr).group(1)
    for h in (f"If-None-Match: {etag}", f"If-Modified-Since: {lm.decode()}"):
        out, _ = curl(["-H", h, "-w", "%{http_code}", f"{base}/style.css"],
                      "304")
        check(out == b"304", f"curl {h}: {out!r}")
    cases = [(["-X", "DELETE"], "/", 405), (["-d", "hello"], "/", 413),
             ([], "/nope", 404), (["--path-as-is"], "/../x", 400),
             ([], "/" + "a" * 3000, 414),
             (["-H", "X-Big: " + "b" * 9000], "/", 431)]
    for args, path, code in cases:
        out, _ = curl(args + ["-w", "\n%{http_code}", base + path], "error")
        want = f"{code} {REASONS[code]}\n\n{code}".encode()
        check(out == want, f"curl {args[:1]} {path[:20]}: {out!r}")
    print("curl: keep-alive reuse, GET, HEAD, range, 304, errors")


def t_pipeline(port, root):
    """Three requests in one write, answered in order; then one request
    arriving a byte at a time."""
    idx, css = read_file(root, "index.html"), read_file(root, "style.css")
    c = Conn(port)
    c.send(request("GET", "/style.css") + request("HEAD", "/index.html") +
           request("GET", "/index.html", ["Connection: close"]))
    r1, r2 = c.response(), c.response(head=True)
    r3 = c.response()
    c.expect_eof()
    c.close()
    check(r1.status == 200 and r1.body == css, "pipelined 1")
    check(r2.status == 200 and r2.h("content-length") == str(len(idx)),
          "pipelined 2 (HEAD)")
    check(r3.status == 200 and r3.body == idx, "pipelined 3")
    check(r3.h("connection") == "close", "pipelined 3: Connection")
    c = Conn(port)
    for b in request("GET", "/style.css", ["Connection: close"]):
        c.send(bytes([b]))
    expect_file(c.response(), root, "style.css", what="byte by byte")
    c.expect_eof()
    c.close()
    # Keep-alive: two requests, one after the other, on one connection.
    c = Conn(port)
    for _ in range(2):
        c.send(request("GET", "/index.html"))
        expect_file(c.response(), root, "index.html", what="keep-alive")
    c.send(request("GET", "/nope"))
    expect_error(c.response(), 404, "keep-alive 404")
    c.send(request("POST", "/"))
    expect_error(c.response(), 405, "keep-alive 405")
    c.send(request("HEAD", "/nope", ["Connection: close"]))
    expect_error(c.response(head=True), 404, "HEAD 404", head=True)
    c.expect_eof()
    c.close()
    print("pipeline: 3 requests in one write, byte-by-byte, keep-alive")


def t_versions(port, root):
    idx = read_file(root, "index.html")
    r = one(port, None, None, raw=b"GET /index.html HTTP/1.0\r\n\r\n")
    check(r.status == 200 and r.body == idx, "HTTP/1.0")
    check(r.h("connection") == "close", "HTTP/1.0: Connection header")
    c = Conn(port)
    for _ in range(2):
        c.send(b"GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.response()
        check(r.status == 200 and r.body == idx, "1.0 keep-alive")
        check(r.h("connection") == "keep-alive", "1.0 keep-alive header")
    c.send(b"GET /style.css HTTP/1.0\r\n\r\n")
    expect_file(c.response(), root, "style.css", what="1.0 last")
    c.expect_eof()
    c.close()
    # LF-only lines, and empty lines before the request line.
    r = one(port, None, None,
            raw=b"\r\n\nGET /style.css HTTP/1.1\nHost: x\nConnection: "
                b"close\n\n")
    expect_file(r, root, "style.css", what="LF lines")
    for v in (b"HTTP/2.0", b"HTTP/3.0"):
        error_case(port, b"GET / " + v + b"\r\nHost: x\r\n\r\n", 505, v)
    print("versions: 1.0 close and keep-alive, 505")


def t_validators(port, root):
    r = one(port, "GET", "/style.css")
    etag, lm = r.h("etag"), r.h("last-modified")
    size = len(read_file(root, "style.css"))
    t = calendar.timegm(email.utils.parsedate(lm))
    older = email.utils.formatdate(t - 1, usegmt=True)
    newer = email.utils.formatdate(t + 3600, usegmt=True)
    rfc850 = time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(t))
    asctime = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(t))
    not_mod = [f"If-None-Match: {etag}", f"If-None-Match: W/{etag}",
               f'If-None-Match: "x", {etag}', "If-None-Match: *",
               f"If-Modified-Since: {lm}", f"If-Modified-Since: {newer}",
               f"If-Modified-Since: {rfc850}",
               f"If-Modified-Since: {asctime}"]
    modified = ['If-None-Match: "x"', f"If-Modified-Since: {older}",
                "If-Modified-Since: yesterday",
                f"If-None-Match: \"0-0\"\r\nIf-Modified-Since: {lm}"]
    for h in not_mod:
        r = one(port, "GET", "/style.css", [h])
        check(r.status == 304 and r.body == b"", f"{h}: {r.status}")
        check(r.h("etag") == etag, f"{h}: 304 ETag")
        r = one(port, "HEAD", "/style.css", [h])
        check(r.status == 304, f"HEAD {h}: {r.status}")
    for h in modified:
        expect_file(one(port, "GET", "/style.css", [h]), root, "style.css",
                    what=h)
    print(f"validators: {len(not_mod)} conditionals 304, "
          f"{len(modified)} 200 (size {size})")


def t_ranges(port, root, rel):
    data = read_file(root, rel)
    n = len(data)
    path = "/" + rel
    etag = one(port, "HEAD", path).h("etag")
    parts = [("0-9", 0, 9), ("10-", 10, n - 1), ("-7", n - 7, n - 1),
             ("5-5", 5, 5), (f"0-{n * 10}", 0, n - 1), (f"-{n * 2}", 0, n - 1),
             (f"{n - 1}-", n - 1, n - 1), (f"{n // 2}-{n // 2 + 3000}",
                                           n // 2, min(n - 1, n // 2 + 3000))]
    for spec, a, b in parts:
        r = one(port, "GET", path, [f"Range: bytes={spec}"])
        check(r.status == 206, f"range {spec}: {r.status}")
        check(r.body == data[a:b + 1], f"range {spec}: body")
        check(r.h("content-range") == f"bytes {a}-{b}/{n}",
              f"range {spec}: Content-Range {r.h('content-range')}")
        check(r.h("content-length") == str(b - a + 1),
              f"range {spec}: Content-Length")
    for spec in (f"{n}-", f"{n + 5}-{n + 9}", "-0"):
        r = one(port, "GET", path, [f"Range: bytes={spec}"])
        check(r.status == 416, f"range {spec}: {r.status}")
        check(r.h("content-range") == f"bytes */{n}",
              f"range {spec}: Content-Range {r.h('content-range')}")
    # Ignored: several ranges, bad syntax, another unit, HEAD, If-Range
    # that does not hold.
    for h in ["Range: bytes=0-1,3-4", "Range: bytes=9-3", "Range: items=0-1",
              "Range: bytes=x-", "Range: bytes=1-2\r\nIf-Range: \"0-0\"",
              f"Range: bytes=1-2\r\nIf-Range: W/{etag}"]:
        expect_file(one(port, "GET", path, [h]), root, rel, what=h)
    r = one(port, "HEAD", path, ["Range: bytes=0-1"])
    check(r.status == 200 and r.h("content-length") == str(n), "HEAD range")
    r = one(port, "GET", path, ["Range: bytes=1-2", f"If-Range: {etag}"])
    check(r.status == 206 and r.body == data[1:3], "If-Range held")
    print(f"ranges: {rel}: {len(parts)} ranges 206, 3 416, 6 ignored")


def t_errors(port):
    cases = [
        (b"GARBAGE\r\n\r\n", 400, "no spaces"),
        (b"GET / HTTP/1.1 x\r\nHost: x\r\n\r\n", 400, "extra word"),
        (b"GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400, "two spaces"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, "1.1 without Host"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts"),
        (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "space before colon"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400, "fold"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400, "bare CR"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400, "NUL"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, "no colon"),
        (b"GET / HTTP/1\r\nHost: x\r\n\r\n", 400, "version"),
        (b"GET / http/1.1\r\nHost: x\r\n\r\n", 400, "lower-case version"),
        (b"GET index.html HTTP/1.1\r\nHost: x\r\n\r\n", 400, "relative"),
        (b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "%00"),
        (b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad escape"),
        (b"GET /% HTTP/1.1\r\nHost: x\r\n\r\n", 400, "short escape"),
        (b"GET /../x HTTP/1.1\r\nHost: x\r\n\r\n", 400, ".."),
        (b"GET /a/../../x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "a/../.."),
        (b"GET /%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "%2e%2e"),
        (b"GET /..%2fx HTTP/1.1\r\nHost: x\r\n\r\n", 400, "..%2f"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", 400,
         "bad length"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
         b"Content-Length: 2\r\n\r\nab", 400, "two lengths"),
        (b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "control in method"),
        (b"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, "DEL in target"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
         413, "POST body"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 413,
         "GET body"),
        (b"PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         b"5\r\nhello\r\n0\r\n\r\n", 413, "chunked"),
        (b"GET /" + b"a" * 2100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414,
         "long target"),
        # No end of line yet: the target alone is already too long.
        (b"GET /" + b"a" * 3000, 414, "long target, unfinished"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"y" * 9000 + b"\r\n\r\n",
         431, "long field"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431,
         "101 fields"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"y" * 8300, 431,
         "8 KiB without an end"),
    ]
    for raw, code, what in cases:
        error_case(port, raw, code, what)
    # Errors that leave the stream usable keep the connection.
    for method, path, code in [("POST", "/", 405), ("DELETE", "/x", 405),
                               ("OPTIONS", "*", 405), ("GET", "/nope", 404),
                               ("GET", "/index.html/", 404),
                               ("GET", "/nope/../nope2", 404)]:
        c = Conn(port)
        c.send(request(method, path))
        expect_error(c.response(), code, f"{method} {path}")
        c.send(request("GET", "/style.css", ["Connection: close"]))
        check(c.response().status == 200, f"after {method} {path}")
        c.expect_eof()
        c.close()
    print(f"errors: {len(cases)} closing errors, 6 kept-alive ones")


def t_paths(port, root):
    for path in ["/%69ndex.html", "/./index.html", "//index.html",
                 "/nope/../index.html", "/index.html?x=1&y=../..",
                 "http://test/index.html", "HTTP://other:80/index.html"]:
        expect_file(one(port, "GET", path), root, "index.html", what=path)
    expect_file(one(port, "GET", "/"), root, "index.html", what="/")
    r = one(port, "GET", "http://test")
    expect_file(r, root, "index.html", what="absolute-form root")
    print("paths: encoded, dot segments, query, absolute-form")


def t_fuzz(port, root):
    """Damaged requests (seeded, so reproducible): each is answered with
    a well-formed response or just closed, and the server lives on."""
    rng = random.Random(9)
    seeds = [request("GET", "/index.html", ["Range: bytes=1-5",
                                            "If-None-Match: \"a\""]),
             request("HEAD", "/style.css?x=%41"),
             b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]
    answered = 0
    for i in range(150):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            op = rng.randrange(3)
            if op == 0:
                data[pos] = rng.randrange(256)
            elif op == 1:
                data.insert(pos, rng.choice(b"\r\n :%/.\x00\x80"))
            else:
                del data[pos]
        c = Conn(port)
        try:
            c.send(bytes(data))
            c.s.shutdown(socket.SHUT_WR)
            while True:
                try:
                    chunk = c.s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                c.buf += chunk
        finally:
            c.close()
        if c.buf:
            check(re.match(rb"HTTP/1\.1 [1-5]\d\d [A-Za-z ]+\r\n", c.buf),
                  f"fuzz {i}: {bytes(data)!r} got {c.buf[:60]!r}")
            answered += 1
    expect_file(one(port, "GET", "/index.html"), root, "index.html",
                what="after the fuzz")
    print(f"fuzz: 150 damaged requests, {answered} answered, none fatal")


def t_parallel(port, root):
    """32 connections at once, 3 keep-alive requests each."""
    files = ["a.html", "big.txt", "big.bin"]
    errors = []

    def worker(i):
        try:
            c = Conn(port)
            for rel in files:
                c.send(request("GET", "/" + rel))
                expect_file(c.response(), root, rel, what=f"parallel {i}")
            c.close()
        except (Fail, OSError) as e:
            errors.append(str(e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    check(not any(t.is_alive() for t in threads), "parallel: stuck")
    check(not errors, "parallel: " + "; ".join(errors[:3]))
    print("parallel: 32 connections x 3 requests")


def demo(port, root, maxconn):
    t_conn_limit(port, root, maxconn)
    t_curl(port, root)
    t_pipeline(port, root)
    t_versions(port, root)
    t_validators(port, root)
    t_ranges(port, root, "index.html")
    t_errors(port)
    t_paths(port, root)
    expect_file(one(port, "GET", "/style.css"), root, "style.css",
                ctype="text/css; charset=utf-8")
    expect_file(one(port, "GET", "/index.html"), root, "index.html",
                ctype="text/html; charset=utf-8")
    t_fuzz(port, root)


# ------------------------------------------------------------ site, disk


def t_mime(port, root):
    for name, ctype in MIME.items():
        expect_file(one(port, "GET", "/" + name), root, name, ctype,
                    what="mime")
        r = one(port, "HEAD", "/" + name)
        check(r.status == 200 and r.h("content-type") == ctype and
              r.h("content-length") == str(len(read_file(root, name))),
              f"HEAD {name}")
    print(f"mime: {len(MIME)} types")


def listing(port, path, root, rel, extra=()):
    """The generated index of directory rel: every entry linked once,
    %-encoded in the link, HTML-escaped in the text; each link works."""
    r = one(port, "GET", path)
    check(r.status == 200, f"listing {path}: {r.status}")
    check(r.h("content-type") == "text/html; charset=utf-8",
          f"listing {path}: type")
    page = r.body.decode()
    check(r.h("etag") is None, f"listing {path}: an ETag")
    links = re.findall(r'<li><a href="([^"]*)">([^<]*)</a></li>', page)
    want = {}
    for name in sorted(os.listdir(os.path.join(root, rel))) + list(extra):
        d = name.endswith("/") or os.path.isdir(
            os.path.join(root, rel, name))
        name = name.rstrip("/")
        text = (name.replace("&", "&amp;").replace("<", "&lt;")
                .replace(">", "&gt;").replace('"', "&quot;")
                .replace("'", "&#39;"))
        want[urllib.parse.quote(name, safe="") + ("/" if d else "")] = \
            text + ("/" if d else "")
    if path != "/":
        want["../"] = "../"
    got = dict(links)
    check(len(links) == len(got) and got == want,
          f"listing {path}:\n got {sorted(got.items())}\nwant "
          f"{sorted(want.items())}")
    names = [href for href, _ in links if href != "../"]
    check(names == sorted(names, key=lambda h: urllib.parse.unquote(h)
                          .encode()), f"listing {path}: not sorted")
    for href in names:
        if href.endswith("/"):
            continue
        name = urllib.parse.unquote(href)
        expect_file(one(port, "GET", path + href), root,
                    os.path.join(rel, name), what="listed")
    return page


def t_dirs(port, root, extra_root=()):
    page = listing(port, "/list/", root, "list")
    check("<title>Index of /list/</title>" in page, "listing title")
    check("a&amp;b &lt;c&gt;.txt" in page, "listing: escaped name")
    listing(port, "/list/deeper/", root, "list/deeper")
    listing(port, "/", root, "", extra_root)
    # The Location is the normalised path: "//host/..." would send a
    # browser to another host.
    for path, loc in [("/list", "/list/"), ("/list?a=1", "/list/?a=1"),
                      ("/list/deeper", "/list/deeper/"), ("/sub", "/sub/"),
                      ("//list", "/list/"), ("//evil.example/..%2flist",
                                             "/list/"),
                      ("/%2F/evil.example/../list?x=%2F", "/list/?x=%2F"),
                      ("/list/../sub", "/sub/"), ("/%6cist", "/list/")]:
        r = one(port, "GET", path)
        expect_error(r, 301, f"redirect {path}")
        check(r.h("location") == loc, f"{path}: Location {r.h('location')}")
        r = one(port, "HEAD", path)
        check(r.status == 301 and r.body == b"", f"HEAD {path}")
    expect_file(one(port, "GET", "/sub/"), root, "sub/index.html",
                "text/html; charset=utf-8", what="index")
    expect_file(one(port, "GET", "/sub/other.txt"), root, "sub/other.txt",
                what="sub")
    expect_file(one(port, "GET", "/list/a%26b%20%3Cc%3E.txt"), root,
                "list/a&b <c>.txt", what="encoded name")
    expect_file(one(port, "GET", "/list/100%25.txt"), root, "list/100%.txt",
                what="percent name")
    expect_file(one(port, "GET", "/list/deeper/../../sub/index.html"), root,
                "sub/index.html", what="dot segments")
    error_case(port, request("GET", "/list/../../a.html"), 400, "climb")
    r = one(port, "GET", "/list/nope/")
    expect_error(r, 404, "missing dir")
    print("dirs: listings, 301 redirects, index.html, escaped names")


def site(port, root, extra_root=()):
    t_mime(port, root)
    t_dirs(port, root, extra_root)
    t_ranges(port, root, "big.txt")
    expect_file(one(port, "GET", "/big.txt"), root, "big.txt",
                "text/plain; charset=utf-8")


def disk(port, root):
    site(port, root, ["lost+found/"])
    t_ranges(port, root, "big.bin")
    t_parallel(port, root)
    c = Conn(port)
    for _ in range(3):
        c.send(request("GET", "/big.bin"))
        expect_file(c.response(), root, "big.bin", what="disk keep-alive")
    c.close()


STATS = "/stats"  # the park cases run the guest with -s STATS


def stats(port):
    """The guest's -s figures, as {name: int}, on a connection of its own
    (which the "conns" figure counts)."""
    r = one(port, "GET", STATS)
    check(r.status == 200, f"stats: status {r.status}")
    check(r.h("content-type") == "text/plain; charset=utf-8",
          f"stats: Content-Type {r.h('content-type')}")
    out = {}
    for ln in r.body.decode("ascii").splitlines():
        m = re.fullmatch(r"([a-z_]+) (\d+)", ln)
        check(m, f"stats: bad line {ln!r}")
        out[m.group(1)] = int(m.group(2))
    for k in ("conns", "parked", "total_pages", "free_pages",
              "heap_objects", "heap_pages", "heap_large_pages",
              "switches", "ipis", "steals"):
        check(k in out, f"stats: no {k} in {r.body!r}")
    check(out["free_pages"] <= out["total_pages"], f"stats: {out}")
    return out


def wait_stats(port, want, what):
    """Polls the stats until every figure in want matches (the stats
    connection itself counts in conns, and a previous one may still be
    closing). Bounded by TIMEOUT."""
    end = time.monotonic() + TIMEOUT
    while True:
        st = stats(port)
        if all(st[k] == v for k, v in want.items()):
            return st
        check(time.monotonic() < end, f"{what}: stats {st}, want {want}")
        time.sleep(0.05)  # polling interval, not a timed assertion


def t_park(port, root, n):
    """n keep-alive connections answered, then idle: all parked; each
    still answers exactly; the client closes them all and the count goes
    back to zero, which -c n+1 proves by serving n new ones."""
    conns = []
    for i in range(n):
        c = Conn(port)
        conns.append(c)
        c.send(request("GET", "/style.css"))
        expect_file(c.response(), root, "style.css", what=f"park conn {i}")
    wait_stats(port, {"conns": n + 1, "parked": n}, "all idle parked")
    for rnd in range(2):
        for i, c in enumerate(conns):
            c.send(request("GET", "/index.html"))
        for i, c in enumerate(conns):
            expect_file(c.response(), root, "index.html",
                        what=f"parked conn {i}, round {rnd}")
        wait_stats(port, {"conns": n + 1, "parked": n}, f"parked {rnd}")
    # n parked and one more make the limit: the one after gets 503. The
    # last stats connection may still be closing: then the first is
    # refused too, until it has gone.
    end = time.monotonic() + TIMEOUT
    while True:
        last = Conn(port)
        last.send(request("GET", "/style.css"))
        r = last.response()
        if r.status != 503:
            break
        last.close()
        check(time.monotonic() < end, "limit: never room for one more")
    expect_file(r, root, "style.css", what="the last one under the limit")
    extra = Conn(port)
    extra.send(request("GET", "/style.css"))
    expect_error(extra.response(), 503, "over the limit with parked ones")
    extra.expect_eof()
    extra.close()
    last.close()
    for c in conns:
        c.close()
    wait_stats(port, {"conns": 1, "parked": 0}, "peer closed")
    conns = []
    for i in range(n):
        c = Conn(port)
        conns.append(c)
        c.send(request("GET", "/style.css"))
        expect_file(c.response(), root, "style.css", what=f"again {i}")
    for c in conns:
        c.close()
    wait_stats(port, {"conns": 1, "parked": 0}, "closed again")
    print(f"park: {n} connections parked, reused twice, closed, cleaned")


def t_park_timeout(port, root):
    """A parked connection is closed by the idle timeout, with nothing
    sent, and leaves the count."""
    c = Conn(port)
    c.send(request("GET", "/style.css"))
    expect_file(c.response(), root, "style.css", what="to park")
    wait_stats(port, {"conns": 2, "parked": 1}, "one parked")
    c.expect_eof()
    c.close()
    wait_stats(port, {"conns": 1, "parked": 0}, "timed out")
    print("park-timeout: a parked connection closed by the idle timeout")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mode, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        if mode == "demo" and len(sys.argv) == 5:
            demo(port, root, int(sys.argv[4]))
        elif mode == "site" and len(sys.argv) == 4:
            site(port, root)
            t_idle(port, root, "a.html")
            t_slow_head(port)
            t_slow_linger(port)
        elif mode == "disk" and len(sys.argv) == 4:
            disk(port, root)
        elif mode == "park" and len(sys.argv) == 5:
            t_park(port, root, int(sys.argv[4]))
        elif mode == "park-timeout" and len(sys.argv) == 4:
            t_park_timeout(port, root)
        else:
            sys.exit(__doc__)
    except (Fail, OSError, subprocess.SubprocessError) as e:
        sys.exit(f"FAIL: {mode}: {e}")
    try:
        r = one(port, "GET", QUIT)
        check(r.status == 200 and r.body == b"bye\n", f"quit: {r}")
    except (Fail, OSError) as e:
        sys.exit(f"FAIL: {mode}: {e}")
    print(f"{mode}: all checks passed")


if __name__ == "__main__":
    main()

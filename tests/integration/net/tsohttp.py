#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The httpd-over-tap case of tests/apps/httpd (netns = yes): a 1 MiB file
on an ext2 disk (4 KiB blocks: the guest lends it to TCP block by block,
so its super-frames are many pieces), served by sendfile() through a
virtio-net device with segmentation offload, fetched by curl from the
test's namespace and compared byte for byte.

  tsohttp.py disk IMAGE       make IMAGE.d/big.bin and IMAGE (ext2 of it)
  tsohttp.py get IMAGE N      GET /big.bin N times (curl, one connection
                              each), compare, then GET /quit-now

`get` also counts the frames the guest wrote to the tap (its receive
counter, where a super-frame counts once) and fails when they are not
fewer than half the MSS-sized segments 1 MiB takes: the offload must be
in use, not silently lost.
"""
import os
import shutil
import subprocess
import sys
import tempfile

GUEST = "192.168.77.2"
TAP = "mtap0"
MSS = 1448  # with timestamps
BIG = 1 << 20
MKE2FS = "/usr/sbin/mke2fs"


def content():
    """1 MiB of pseudo-random bytes, the same every run."""
    out = bytearray(BIG)
    x = 0x2545F4914F6CDD1D
    mask = (1 << 64) - 1
    for i in range(0, BIG, 8):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        out[i:i + 8] = x.to_bytes(8, "little")
    return bytes(out)


def make_disk(image):
    tree = image + ".d"
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(content())
    size = os.path.getsize(image)
    r = subprocess.run([MKE2FS, "-F", "-q", "-t", "ext2", "-b", "4096",
                        "-d", tree, image, f"{size // 1024}k"],
                       capture_output=True, text=True, check=False)
    if r.returncode:
        sys.exit(f"tsohttp: mke2fs failed: {r.stderr.strip()}")


def curl(path, out):
    r = subprocess.run(["curl", "-sS", "--max-time", "120", "-o", out,
                        "-w", "%{http_code}", f"http://{GUEST}{path}"],
                       capture_output=True, text=True, timeout=180,
                       check=False)
    if r.returncode:
        sys.exit(f"tsohttp: curl {path} failed: {r.stderr.strip()}")
    return r.stdout


def tap_frames():
    """Frames the guest sent so far (the tap's receive counter)."""
    with open(f"/sys/class/net/{TAP}/statistics/rx_packets") as f:
        return int(f.read())


def get(image, n):
    with open(os.path.join(image + ".d", "big.bin"), "rb") as f:
        want = f.read()
    fd, tmp = tempfile.mkstemp(prefix="mosaic-tsohttp-")
    os.close(fd)
    frames = tap_frames()
    try:
        for i in range(n):
            status = curl("/big.bin", tmp)
            with open(tmp, "rb") as f:
                got = f.read()
            if status != "200" or got != want:
                sys.exit(f"tsohttp: GET {i}: status {status}, "
                         f"{len(got)} bytes, "
                         f"{'same' if got == want else 'different'}")
        frames = tap_frames() - frames
        if curl("/quit-now", tmp) != "200":
            sys.exit("tsohttp: /quit-now refused")
    finally:
        os.unlink(tmp)
    print(f"tsohttp: {n} x 1 MiB intact over the tap in {frames} frames "
          "from the guest")
    if frames >= n * (BIG // MSS) // 2:
        sys.exit(f"tsohttp: {frames} frames: no segmentation offload")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "disk":
        make_disk(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "get":
        get(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

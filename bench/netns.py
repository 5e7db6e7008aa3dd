# SPDX-License-Identifier: MIT
"""A network namespace with a tap device, for the benchmarks that must not
go through QEMU's user network (which ends TCP inside QEMU and caps
throughput and connection counts).

    with netns.Netns() as ns:
        subprocess.run(ns.exec(RUN, "--net", ns.net_spec(), ...))
        ... clients started with ns.exec(...) reach ns.GUEST ...

The namespace (mbench<pid>) holds one persistent tap, mbt0, with the host
end at HOST = 10.0.2.2/24: the address QEMU's user network gives the host,
so a guest configured as on user networking (10.0.2.15/24, gateway
10.0.2.2) needs no other settings. Mosaic takes MOSAIC_APPEND on its
command line; bench/blk.py's guest_init(net=True) sets up the Linux guest
the same way. Only processes started inside the namespace see the tap.
The local port range is widened for clients that hold many connections.
Leaving the block (or close()) deletes the namespace and with it the tap.
Needs root (ip netns, /dev/net/tun).
"""
import os
import shutil
import subprocess

HOST = "10.0.2.2"
GUEST = "10.0.2.15"
TAP = "mbt0"
MOSAIC_APPEND = f"mosaic.net=static:{GUEST}/24,{HOST}"


def usable():
    """None when a namespace can be made here, else why not (one line)."""
    if os.geteuid() != 0:
        return "not root (ip netns and tap devices need root)"
    if not shutil.which("ip"):
        return "no ip command (apt-get install iproute2)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


class Netns:
    def __init__(self, name=None):
        why = usable()
        if why:
            raise RuntimeError(f"cannot make a network namespace: {why}")
        self.name = name or f"mbench{os.getpid()}"
        self.made = False
        self._ip("netns", "add", self.name)
        self.made = True
        try:
            x = ("netns", "exec", self.name, "ip")
            self._ip(*x, "link", "set", "lo", "up")
            self._ip(*x, "tuntap", "add", "dev", TAP, "mode", "tap")
            self._ip(*x, "addr", "add", f"{HOST}/24", "dev", TAP)
            self._ip(*x, "link", "set", TAP, "up")
            subprocess.run(self.exec("sysctl", "-q", "-w",
                                     "net.ipv4.ip_local_port_range=1024 65535"),
                           check=True, stdout=subprocess.DEVNULL)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _ip(*args):
        r = subprocess.run(["ip", *args], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")

    def exec(self, *argv):
        """argv run inside the namespace (for subprocess)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def net_spec(self):
        """tools/run's --net for the tap."""
        return f"tap:{TAP}"

    def close(self):
        if self.made:
            subprocess.run(["ip", "netns", "del", self.name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.made = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of tests/integration/netdev [user-client]: checks that
tools/testrun substituted a port and that QEMU forwards it (a connection
to 127.0.0.1:PORT is accepted by QEMU's user networking while the guest
runs), then writes "go" into the guest's mailbox disk so it can exit.

  client.py PORT DISK
"""
import socket
import sys


def main():
    port, disk = sys.argv[1], sys.argv[2]
    if not port.isdigit() or not 0 < int(port) < 65536:
        print(f"client: port {port!r} was not substituted")
        return 1
    # Accepted by QEMU itself: nothing in the guest answers yet.
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30):
        pass
    print(f"client: 127.0.0.1:{port} is forwarded")
    with open(disk, "r+b") as f:
        f.write(b"go")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: MIT
# The guest tests virtio-net itself: its driver without the network stack.
APP_LINK := drivers-net

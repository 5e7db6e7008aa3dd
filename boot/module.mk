# SPDX-License-Identifier: MIT
SRCS-boot += boot/entry.S boot/main.c boot/bootinfo.c

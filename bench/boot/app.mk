# SPDX-License-Identifier: MIT
# bench/boot: the Mosaic image bench/boot.py boots under -icount to read
# <mosaic/bootstats.h> (make APP=bench/boot); linux_init.c is the Linux
# guest's /init, built by bench/boot.py with the host gcc.
APP_SRCS := main.c

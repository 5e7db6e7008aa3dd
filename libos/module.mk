# SPDX-License-Identifier: MIT
SRCS-libos += libos/libc/start.c libos/libc/exit.c libos/libc/string.c \
	libos/libc/stdio.c libos/libc/malloc.c \
	libos/mapp/memstats.c libos/libc/mman.c

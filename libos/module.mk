# SPDX-License-Identifier: MIT
SRCS-libos += libos/libc/start.c libos/libc/exit.c libos/libc/string.c \
	libos/libc/stdio.c libos/libc/malloc.c \
	libos/mapp/memstats.c libos/libc/mman.c
SRCS-libos += libos/libc/time.c
SRCS-libos += libos/mapp/trace.c
SRCS-libos += libos/mapp/mapp.c
SRCS-libos += libos/mapp/supervise.c
SRCS-libos += libos/mapp/sync.c
SRCS-libos += libos/mapp/irq.c
SRCS-libos += libos/libc/assert.c
SRCS-libos += libos/libc/errno.c
SRCS-libos += libos/libc/ssp.c
SRCS-libos += libos/libc/pthread.c
SRCS-libos += libos/libc/ctype.c
SRCS-libos += libos/libc/stdlib.c
SRCS-libos += libos/libc/strto_float.c
SRCS-libos += libos/libc/strto_int.c
SRCS-libos += libos/libc/strtod.c
SRCS-libos += libos/libc/strtol.c
SRCS-libos += libos/libc/strtoimax.c
SRCS-libos += libos/libc/setjmp.S
SRCS-libos += libos/libc/signal.c
SRCS-libos += libos/libc/unistd.c

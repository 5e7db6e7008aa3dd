# SPDX-License-Identifier: MIT
SRCS-libos += libos/libc/start.c libos/libc/exit.c libos/libc/string.c \
	libos/libc/stdio.c libos/libc/malloc.c \
	libos/mapp/memstats.c libos/libc/mman.c
SRCS-libos += libos/libc/time.c
SRCS-libos += libos/mapp/trace.c
SRCS-libos += libos/mapp/mapp.c
SRCS-libos += libos/mapp/supervise.c
SRCS-libos += libos/mapp/siphash.c
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
SRCS-libos += libos/libc/printf.c
SRCS-libos += libos/libc/printf_float.c
SRCS-libos += libos/libc/math/basic.c
SRCS-libos += libos/libc/math/exp_log.c
SRCS-libos += libos/libc/math/trig.c
SRCS-libos += libos/libc/math/atrig.c
SRCS-libos += libos/libc/math/hyper.c
SRCS-libos += libos/libc/getopt.c
SRCS-libos += libos/libc/scanf.c
SRCS-libos += libos/libc/enosys.c
SRCS-libos += libos/libc/net_stub.c
SRCS-libos += libos/libc/fs_stub.c
SRCS-libos += libos/libc/inet.c
SRCS-libos += libos/libc/locale.c
SRCS-libos += libos/libc/wchar.c
SRCS-libos += libos/mapp/blk.c
SRCS-libos += libos/mapp/dev.c
SRCS-libos += libos/fs/initrd.c
SRCS-libos += libos/mapp/initrd.c
SRCS-libos += libos/fs/vfs.c libos/fs/tmpfs.c libos/fs/fd.c libos/fs/boot.c
SRCS-libos += libos/libc/file.c
SRCS-libos += libos/fs/initrd_fs.c
SRCS-libos += libos/fs/poll.c libos/fs/epoll.c libos/fs/pipe.c libos/libc/poll.c
# The network stack (libos/net), its task and the socket calls.
SRCS-libos += libos/net/stack.c libos/net/ether.c libos/net/arp.c \
	libos/net/ip.c libos/net/ip_frag.c libos/net/icmp.c libos/net/udp.c \
	libos/net/tcp.c libos/net/tcp_in.c libos/net/tcp_out.c \
	libos/net/tcp_syn.c libos/net/tcp_timer.c libos/net/dhcp.c \
	libos/net/dns.c libos/net/resolv.c libos/net/netd.c \
	libos/net/socket.c libos/net/sock_io.c libos/net/sockopt.c \
	libos/net/netstats.c libos/libc/socket.c
SRCS-libos += libos/fs/ext2/ext2.c libos/fs/ext2/ext2_alloc.c \
	libos/fs/ext2/ext2_file.c libos/fs/ext2/ext2_dir.c libos/fs/ext2_vfs.c
SRCS-libos += libos/libc/mount.c
SRCS-libos += libos/mapp/bootstats.c

# The paths a request, a packet, a block or a wake-up takes every time, built
# for speed (-O2); the rest of libos (set-up, parsing, formatting, DHCP, file
# system metadata) is built for size. bench/ shows what moving a file costs.
SPEED-libos := libos/libc/string.c libos/libc/malloc.c libos/libc/unistd.c \
	libos/libc/file.c libos/libc/pthread.c libos/libc/socket.c \
	libos/mapp/mapp.c libos/mapp/sync.c \
	libos/fs/fd.c libos/fs/poll.c libos/fs/epoll.c libos/fs/initrd_fs.c \
	libos/net/stack.c libos/net/ether.c libos/net/ip.c libos/net/tcp.c \
	libos/net/tcp_in.c libos/net/tcp_out.c libos/net/netd.c \
	libos/net/socket.c libos/net/sock_io.c libos/libc/poll.c \
	libos/net/tcp_timer.c libos/net/arp.c

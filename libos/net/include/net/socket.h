/* SPDX-License-Identifier: MIT */
/*
 * BSD sockets over the stack (libos/net/socket.c, sock_io.c, sockopt.c):
 * AF_INET SOCK_STREAM (TCP, <net/tcp.h>) and SOCK_DGRAM (UDP,
 * <net/udp.h>). libc's socket calls are these with errno
 * (libos/libc/socket.c); each takes the same arguments as its POSIX
 * namesake and returns what it returns, or a negative errno.
 *
 * A socket is a file (<fs/fd.h>) whose f_priv is a struct socket, so
 * read(), write(), close(), fcntl(O_NONBLOCK), dup() and poll/select/
 * epoll (<fs/poll.h>) work on it. Every stack call is made under
 * net_lock() (<net/netd.h>) and followed by net_kick() when it may have
 * sent something. A blocked call sleeps on the socket's condition
 * variable with the stack mutex released (cond_timedwait), so it parks
 * only its own microapp; the pcb's notify hook wakes it. O_NONBLOCK,
 * MSG_DONTWAIT, SO_RCVTIMEO (receive, accept) and SO_SNDTIMEO (send,
 * connect) bound the wait; a timeout returns -EAGAIN (-EINPROGRESS for
 * connect) or the bytes moved so far.
 *
 * What Linux does that this does not: no signals, so no SIGPIPE (a send
 * on a closed connection is just -EPIPE) and never -EINTR; no ancillary
 * data (msg_control is ignored and msg_controllen returned 0); no
 * MSG_OOB (-EOPNOTSUPP); connect(AF_UNSPEC) only dissolves a UDP
 * association; close() with SO_LINGER on waits for the peer to
 * acknowledge the data (up to the linger time) and then closes
 * gracefully, never with a reset.
 *
 * Locking: the socket calls take the stack mutex themselves (may
 * yield); the caller holds nothing.
 */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <sys/socket.h>
#include <sys/types.h>

int sock_socket(int domain, int type, int protocol);
int sock_bind(int fd, const struct sockaddr *sa, socklen_t len);
int sock_listen(int fd, int backlog);
/* accept4(); flags: SOCK_NONBLOCK, SOCK_CLOEXEC. */
int sock_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int sock_connect(int fd, const struct sockaddr *sa, socklen_t len);
ssize_t sock_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sock_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t sock_sendto(int fd, const void *buf, size_t len, int flags,
		    const struct sockaddr *to, socklen_t tolen);
ssize_t sock_recvfrom(int fd, void *buf, size_t len, int flags,
		      struct sockaddr *from, socklen_t *fromlen);
int sock_shutdown(int fd, int how);
int sock_setsockopt(int fd, int level, int name, const void *val,
		    socklen_t len);
int sock_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int sock_getsockname(int fd, struct sockaddr *sa, socklen_t *len);
int sock_getpeername(int fd, struct sockaddr *sa, socklen_t *len);

struct file;
/*
 * sendfile() to a TCP socket without copying: up to count bytes of the
 * regular file `in` from *off, lent by its filesystem (file_getbuf(),
 * <fs/fd.h>) and queued as they are; *off advances by what was queued.
 * Blocks like send() (O_NONBLOCK, SO_SNDTIMEO). Returns the bytes
 * queued, or an error when none were: -EOPNOTSUPP when the file's
 * filesystem cannot lend or fd is not a TCP socket (the caller copies
 * instead), -EAGAIN, -EPIPE, ... as send().
 */
ssize_t sock_sendfile(int fd, struct file *in, int64_t *off, size_t count);

#endif /* NET_SOCKET_H */

/* SPDX-License-Identifier: MIT */
/*
 * Moving data through sockets (<net/socket.h>): send/recv and their
 * variants, and read()/write() on a socket file. A TCP send blocks
 * until everything is queued (or the deadline, or an error, returning
 * what went); a TCP receive blocks until something arrived and then takes
 * what is there (MSG_WAITALL: until the buffer is full). A UDP datagram
 * goes or comes whole; scattered buffers go through a bounce buffer.
 */
#include <net/socket.h>

#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <fs/fd.h>
#include <kernel/errno.h>
#include <kernel/netbuf.h>
#include <net/ip.h>
#include <net/netd.h>
#include <net/tcp.h>
#include <net/udp.h>

#include "socket_impl.h"

#define SOCK_IOV_MAX 1024 /* <limits.h> IOV_MAX */
#define UDP_DGRAM_MAX 65535 /* larger than any UDP payload */

static bool nonblocking(struct file *f, int flags)
{
	return (flags & MSG_DONTWAIT) || (file_get_flags(f) & FILE_NONBLOCK);
}

/* --- TCP --- */

static ssize_t tcp_send_iov(struct socket *so, const struct iovec *iov,
			    size_t cnt, int flags, bool nonblock)
{
	uint64_t deadline = sock_deadline(so->so_sndtimeo_ns);
	size_t total = 0, i = 0, off = 0;
	ssize_t err = 0;

	net_lock();
	while (i < cnt) {
		uint32_t seen = so->so_gen;
		ssize_t n;

		if (off == iov[i].iov_len) {
			i++, off = 0;
			continue;
		}
		n = tcp_send(so->so_pcb.tcp,
			     (const char *)iov[i].iov_base + off,
			     iov[i].iov_len - off, flags);
		if (n > 0) {
			off += (size_t)n;
			total += (size_t)n;
			continue;
		}
		err = n;
		if (n != -EAGAIN || nonblock)
			break;
		err = sock_wait(so, seen, deadline);
		if (err)
			break;
	}
	net_kick();
	net_unlock();
	return total ? (ssize_t)total : err;
}

/* Lent file bytes asked for at once: the netbuf is cut to the send
 * buffer's room as that frees, so this only bounds one lookup. */
#define SENDFILE_CHUNK (256u * 1024)

/* Queues bytes [done, len) of nb (referenced by the caller) as slices
 * that fit the send buffer, waiting for room as send() does. Caller
 * holds the stack mutex. Returns the bytes queued, or an error when
 * none were. */
static ssize_t tcp_send_lent(struct socket *so, struct netbuf *nb, size_t len,
			     bool nonblock, uint64_t deadline)
{
	struct tcp_pcb *pcb = so->so_pcb.tcp;
	size_t done = 0;
	ssize_t err = 0;

	while (done < len) {
		uint32_t seen = so->so_gen;
		size_t room = tcp_send_room(pcb), n = len - done;
		struct netbuf *s;

		if (room == 0) {
			/* tcp_send() gives the connection's error or
			 * -EAGAIN: the same answer send() would. */
			err = tcp_send(pcb, NULL, 0, 0);
			if (err == 0)
				err = -EAGAIN;
			if (err != -EAGAIN || nonblock)
				break;
			err = sock_wait(so, seen, deadline);
			if (err)
				break;
			continue;
		}
		if (n > room)
			n = room;
		s = netbuf_slice(nb, done, n);
		if (!s) {
			err = -ENOMEM;
			break;
		}
		err = tcp_send_netbuf(pcb, s);
		if (err < 0)
			break;
		done += (size_t)err;
		err = 0;
	}
	return done ? (ssize_t)done : err;
}

ssize_t sock_sendfile(int fd, struct file *in, int64_t *off, size_t count)
{
	struct socket *so;
	struct file *f;
	size_t total = 0;
	ssize_t err = sock_lookup(fd, &f, &so);

	if (err)
		return err == -ENOTSOCK ? -EOPNOTSUPP : err;
	if (!sock_is_tcp(so)) {
		file_put(f);
		return -EOPNOTSUPP;
	}
	bool nonblock = nonblocking(f, 0);
	uint64_t deadline = sock_deadline(so->so_sndtimeo_ns);
	while (total < count) {
		struct netbuf *nb;
		size_t want = count - total;
		ssize_t n, sent;

		if (want > SENDFILE_CHUNK)
			want = SENDFILE_CHUNK;
		/* Lent before taking the stack mutex: the VFS lock is never
		 * taken under it. */
		n = file_getbuf(in, *off, want, &nb);
		if (n <= 0) {
			err = n;
			break;
		}
		net_lock();
		sent = tcp_send_lent(so, nb, (size_t)n, nonblock, deadline);
		net_kick();
		net_unlock();
		netbuf_put(nb);
		if (sent <= 0) {
			err = sent;
			break;
		}
		total += (size_t)sent;
		*off += sent;
		if (sent < n)
			break;
	}
	file_put(f);
	return total ? (ssize_t)total : err;
}

static ssize_t tcp_recv_iov(struct socket *so, const struct iovec *iov,
			    size_t cnt, int flags, bool nonblock)
{
	uint64_t deadline = sock_deadline(so->so_rcvtimeo_ns);
	bool peek = flags & MSG_PEEK;
	bool waitall = (flags & MSG_WAITALL) && !peek;
	size_t total = 0, i = 0, off = 0;
	ssize_t err = 0;

	net_lock();
	while (i < cnt) {
		uint32_t seen = so->so_gen;
		char *dst = NULL;
		ssize_t n;

		if (off == iov[i].iov_len) {
			i++, off = 0;
			continue;
		}
		/* MSG_TRUNC on a stream: take the bytes, copy nothing. */
		if (!(flags & MSG_TRUNC))
			dst = (char *)iov[i].iov_base + off;
		n = tcp_recv(so->so_pcb.tcp, dst, iov[i].iov_len - off,
			     peek ? MSG_PEEK : 0);
		if (n > 0) {
			off += (size_t)n;
			total += (size_t)n;
			if (peek)
				break;
			continue;
		}
		if (n == 0 || (total && (n != -EAGAIN || !waitall)))
			break; /* end of stream, or what came is returned */
		err = n;
		if (n != -EAGAIN || nonblock)
			break;
		err = sock_wait(so, seen, deadline);
		if (err)
			break;
	}
	/* Reading may have opened the window: the update goes out now. */
	net_kick();
	net_unlock();
	return total ? (ssize_t)total : err;
}

/* --- UDP --- */

static size_t iov_total(const struct iovec *iov, size_t cnt)
{
	size_t total = 0;

	for (size_t i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

/* Gathers iov into one datagram: *buf is iov's own buffer or a new one
 * (*bounce set). */
static ssize_t gather(const struct iovec *iov, size_t cnt, const void **buf,
		      void **bounce)
{
	size_t total = iov_total(iov, cnt), at = 0;
	char *b;

	*bounce = NULL;
	if (cnt == 1 || total == 0) {
		*buf = cnt ? iov[0].iov_base : NULL;
		return (ssize_t)total;
	}
	if (total > UDP_DGRAM_MAX)
		return -EMSGSIZE;
	b = malloc(total);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		if (iov[i].iov_len)
			memcpy(b + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	*buf = *bounce = b;
	return (ssize_t)total;
}

static ssize_t udp_send_iov(struct socket *so, const struct iovec *iov,
			    size_t cnt, const struct sockaddr *to,
			    socklen_t tolen)
{
	uint32_t addr = 0;
	uint16_t port = 0;
	const void *buf;
	void *bounce;
	ssize_t n;

	if (to && tolen) {
		n = sock_addr_in(to, tolen, &addr, &port);
		if (n)
			return n;
		/* As Linux: 0.0.0.0 as a destination is this host. */
		if (addr == 0)
			addr = net_ip4(127, 0, 0, 1);
		if (port == 0)
			return -EINVAL;
	}
	n = gather(iov, cnt, &buf, &bounce);
	if (n < 0)
		return n;
	net_lock();
	if (so->so_shut_wr)
		n = -EPIPE;
	else
		n = udp_sendto(so->so_pcb.udp, buf, (size_t)n, addr, port);
	net_kick();
	net_unlock();
	free(bounce);
	return n;
}

/* Where a received datagram goes: one buffer, or a bounce buffer that
 * is scattered afterwards. */
struct dgram_in {
	uint32_t di_addr;
	uint16_t di_port;
	bool di_trunc;
};

static ssize_t udp_recv_one(struct socket *so, void *buf, size_t len, int flags,
			    bool nonblock, struct dgram_in *di)
{
	uint64_t deadline = sock_deadline(so->so_rcvtimeo_ns);
	int uflags = flags & (MSG_PEEK | MSG_TRUNC);
	ssize_t n;

	net_lock();
	for (;;) {
		uint32_t seen = so->so_gen;
		n = udp_recvfrom(so->so_pcb.udp, buf, len, uflags, &di->di_addr,
				 &di->di_port, &di->di_trunc);
		if (n == -EAGAIN && so->so_shut_rd)
			n = 0;
		if (n != -EAGAIN || nonblock)
			break;
		n = sock_wait(so, seen, deadline);
		if (n)
			break;
	}
	net_unlock();
	return n;
}

static ssize_t udp_recv_iov(struct socket *so, const struct iovec *iov,
			    size_t cnt, int flags, bool nonblock,
			    struct dgram_in *di)
{
	size_t total = iov_total(iov, cnt), at = 0, copied;
	char *bounce;
	ssize_t n;

	*di = (struct dgram_in){ 0 };
	if (cnt <= 1)
		return udp_recv_one(so, cnt ? iov[0].iov_base : NULL, total,
				    flags, nonblock, di);
	if (total > UDP_DGRAM_MAX)
		total = UDP_DGRAM_MAX;
	bounce = malloc(total ? total : 1);
	if (!bounce)
		return -ENOMEM;
	n = udp_recv_one(so, bounce, total, flags, nonblock, di);
	copied = n < 0 ? 0 : (size_t)n < total ? (size_t)n : total;
	for (size_t i = 0; i < cnt && at < copied; i++) {
		size_t k = iov[i].iov_len < copied - at ? iov[i].iov_len
							: copied - at;
		if (k)
			memcpy(iov[i].iov_base, bounce + at, k);
		at += k;
	}
	free(bounce);
	return n;
}

/* --- the calls --- */

/* Checks a message's vector: -EFAULT, -EMSGSIZE (too many pieces),
 * -EINVAL (a total beyond ssize_t). */
static int check_msg(const struct msghdr *msg)
{
	size_t total = 0;

	if (!msg)
		return -EFAULT;
	if (msg->msg_iovlen > SOCK_IOV_MAX)
		return -EMSGSIZE;
	if (msg->msg_iovlen && !msg->msg_iov)
		return -EFAULT;
	for (size_t i = 0; i < msg->msg_iovlen; i++) {
		if (msg->msg_iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += msg->msg_iov[i].iov_len;
	}
	return 0;
}

static ssize_t send_iov(struct file *f, struct socket *so,
			const struct iovec *iov, size_t cnt, int flags,
			const struct sockaddr *to, socklen_t tolen)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	/* A stream ignores the address (POSIX send(2)). */
	if (sock_is_tcp(so))
		return tcp_send_iov(so, iov, cnt, flags & ~MSG_DONTWAIT,
				    nonblocking(f, flags));
	return udp_send_iov(so, iov, cnt, to, tolen);
}

ssize_t sock_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct socket *so;
	struct file *f;
	ssize_t n = check_msg(msg);

	if (n)
		return n;
	n = sock_lookup(fd, &f, &so);
	if (n)
		return n;
	n = send_iov(f, so, msg->msg_iov, msg->msg_iovlen, flags, msg->msg_name,
		     msg->msg_namelen);
	file_put(f);
	return n;
}

ssize_t sock_sendto(int fd, const void *buf, size_t len, int flags,
		    const struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov = { (void *)buf, len };
	struct socket *so;
	struct file *f;
	ssize_t n = sock_lookup(fd, &f, &so);

	if (n)
		return n;
	n = send_iov(f, so, &iov, 1, flags, to, tolen);
	file_put(f);
	return n;
}

/* Receives into iov; the source (UDP) goes to *di. */
static ssize_t recv_iov(struct file *f, struct socket *so,
			const struct iovec *iov, size_t cnt, int flags,
			struct dgram_in *di)
{
	*di = (struct dgram_in){ 0 };
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sock_is_tcp(so))
		return tcp_recv_iov(so, iov, cnt, flags, nonblocking(f, flags));
	return udp_recv_iov(so, iov, cnt, flags, nonblocking(f, flags), di);
}

ssize_t sock_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct dgram_in di;
	struct socket *so;
	struct file *f;
	ssize_t n = check_msg(msg);

	if (n)
		return n;
	if (msg->msg_name && (int)msg->msg_namelen < 0)
		return -EINVAL;
	n = sock_lookup(fd, &f, &so);
	if (n)
		return n;
	n = recv_iov(f, so, msg->msg_iov, msg->msg_iovlen, flags, &di);
	if (n >= 0) {
		msg->msg_flags = di.di_trunc ? MSG_TRUNC : 0;
		msg->msg_controllen = 0;
		if (sock_is_tcp(so))
			msg->msg_namelen = 0;
		else if (msg->msg_name)
			(void)sock_addr_out(di.di_addr, di.di_port,
					    msg->msg_name, &msg->msg_namelen);
	}
	file_put(f);
	return n;
}

ssize_t sock_recvfrom(int fd, void *buf, size_t len, int flags,
		      struct sockaddr *from, socklen_t *fromlen)
{
	struct iovec iov = { buf, len };
	struct dgram_in di;
	struct socket *so;
	struct file *f;
	ssize_t n;

	if (from && !fromlen)
		return -EFAULT;
	if (from && (int)*fromlen < 0)
		return -EINVAL;
	n = sock_lookup(fd, &f, &so);
	if (n)
		return n;
	n = recv_iov(f, so, &iov, 1, flags, &di);
	if (n >= 0 && from) {
		if (sock_is_tcp(so))
			*fromlen = 0;
		else
			(void)sock_addr_out(di.di_addr, di.di_port, from,
					    fromlen);
	}
	file_put(f);
	return n;
}

ssize_t sock_file_recv(struct file *f, void *buf, size_t len)
{
	struct iovec iov = { buf, len };
	struct dgram_in di;

	return recv_iov(f, f->f_priv, &iov, 1, 0, &di);
}

ssize_t sock_file_send(struct file *f, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };

	return send_iov(f, f->f_priv, &iov, 1, 0, NULL, 0);
}

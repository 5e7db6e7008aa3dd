/* SPDX-License-Identifier: MIT */
/*
 * Sockets as files (<net/socket.h>): creation, the file ops, addresses,
 * bind, listen, accept, connect, shutdown and close. Data transfer is in
 * sock_io.c, options in sockopt.c. Semantics as POSIX.1-2017 and, where
 * it leaves room, Linux (errno choices, getsockname truncation).
 */
#include <net/socket.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <kernel/time.h>
#include <net/netd.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/udp.h>

#include "socket_impl.h"

BUILD_ASSERT(NET_POLLIN == POLLIN && NET_POLLOUT == POLLOUT &&
	     NET_POLLERR == POLLERR && NET_POLLHUP == POLLHUP &&
	     NET_POLLPRI == POLLPRI && NET_POLLRDHUP == POLLRDHUP);
BUILD_ASSERT(NET_MSG_PEEK == MSG_PEEK && NET_MSG_TRUNC == MSG_TRUNC &&
	     NET_MSG_DONTWAIT == MSG_DONTWAIT &&
	     NET_MSG_WAITALL == MSG_WAITALL &&
	     NET_MSG_NOSIGNAL == MSG_NOSIGNAL);
BUILD_ASSERT(SOCK_NONBLOCK == FILE_NONBLOCK);
BUILD_ASSERT(sizeof(struct sockaddr_in) == 16);

#define SOCK_MODE 0140777 /* S_IFSOCK | 0777, as Linux shows them */

static const struct file_ops sock_ops;

uint64_t sock_deadline(uint64_t timeo_ns)
{
	return timeo_ns ? time_ns() + timeo_ns : 0;
}

int sock_lookup(int fd, struct file **fp, struct socket **sop)
{
	int err = fd_get(fd, fp);

	if (err)
		return err;
	if ((*fp)->f_ops != &sock_ops) {
		file_put(*fp);
		return -ENOTSOCK;
	}
	*sop = (*fp)->f_priv;
	return 0;
}

/* --- waking --- */

void sock_wake(struct socket *so, unsigned int events)
{
	if (events & POLLIN)
		events |= POLLRDNORM;
	if (events & POLLOUT)
		events |= POLLWRNORM;
	so->so_gen++;
	cond_broadcast(&so->so_cv);
	pollhead_wake(&so->so_head, events);
}

/* The pcbs' hook: runs inside a stack call, the stack mutex held. */
static void sock_notify(void *arg, unsigned int events)
{
	sock_wake(arg, events ? events : ~0u);
}

int sock_wait(struct socket *so, uint32_t seen, uint64_t deadline)
{
	net_kick();
	if (so->so_gen != seen)
		return 0;
	if (cond_timedwait(&so->so_cv, net_mutex(), deadline))
		return -EAGAIN;
	return 0;
}

/* --- addresses --- */

int sock_addr_in(const struct sockaddr *sa, socklen_t len, uint32_t *addr,
		 uint16_t *port)
{
	struct sockaddr_in sin;

	if (!sa)
		return -EFAULT;
	if (len < sizeof(sin))
		return -EINVAL;
	memcpy(&sin, sa, sizeof(sin));
	if (sin.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = sin.sin_addr.s_addr;
	*port = net_get16(&sin.sin_port);
	return 0;
}

int sock_addr_out(uint32_t addr, uint16_t port, struct sockaddr *sa,
		  socklen_t *len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (!sa)
		return 0;
	if (!len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	sin.sin_addr.s_addr = addr;
	net_put16(&sin.sin_port, port);
	memcpy(sa, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
	*len = sizeof(sin);
	return 0;
}

/* --- the pcb's side of the options --- */

int sock_pcb_setopt(struct socket *so, enum net_opt opt, int val)
{
	if (sock_is_tcp(so))
		return tcp_setopt(so->so_pcb.tcp, opt, val);
	return udp_setopt(so->so_pcb.udp, opt, val);
}

int sock_pcb_getopt(struct socket *so, enum net_opt opt, int *val)
{
	if (sock_is_tcp(so))
		return tcp_getopt(so->so_pcb.tcp, opt, val);
	return udp_getopt(so->so_pcb.udp, opt, val);
}

int sock_pcb_error(struct socket *so)
{
	int err = sock_is_tcp(so) ? tcp_take_error(so->so_pcb.tcp)
				  : udp_take_error(so->so_pcb.udp);

	return err < 0 ? -err : err;
}

bool sock_pcb_listening(struct socket *so)
{
	return sock_is_tcp(so) && tcp_state(so->so_pcb.tcp) == TCP_LISTEN;
}

/* --- the file ops --- */

static ssize_t sock_fread(struct file *f, void *buf, size_t len, int64_t *off)
{
	(void)off;
	return sock_file_recv(f, buf, len);
}

static ssize_t sock_fwrite(struct file *f, const void *buf, size_t len,
			   int64_t *off, bool append)
{
	(void)off, (void)append;
	return sock_file_send(f, buf, len);
}

static int sock_stat(struct file *f, struct vattr *va)
{
	(void)f;
	*va = (struct vattr){ .va_mode = SOCK_MODE,
			      .va_nlink = 1,
			      .va_blksize = 4096 };
	return 0;
}

/* Caller holds the stack mutex. */
static unsigned int sock_events(struct socket *so)
{
	unsigned int ev;

	if (sock_is_tcp(so))
		return tcp_poll(so->so_pcb.tcp);
	ev = udp_poll(so->so_pcb.udp);
	if (so->so_shut_rd)
		ev |= POLLIN | POLLRDHUP;
	if (so->so_shut_rd && so->so_shut_wr)
		ev |= POLLHUP;
	return ev;
}

static unsigned int sock_poll(struct file *f, struct pollwait *pw)
{
	struct socket *so = f->f_priv;
	unsigned int ev;

	net_lock();
	if (pw)
		pollhead_add(&so->so_head, pw);
	ev = sock_events(so);
	net_unlock();
	if (ev & POLLIN)
		ev |= POLLRDNORM;
	if (ev & POLLOUT)
		ev |= POLLWRNORM;
	return ev;
}

/*
 * SO_LINGER with a time: sends the FIN after the queued data and waits
 * until the peer acknowledged everything, the connection ended, or the
 * time passed. Caller holds the stack mutex.
 */
static void linger_wait(struct socket *so)
{
	struct tcp_pcb *pcb = so->so_pcb.tcp;
	uint64_t deadline;

	if (so->so_linger_s <= 0 || tcp_state(pcb) < TCP_ESTABLISHED)
		return;
	deadline = time_ns() + (uint64_t)so->so_linger_s * 1000000000ull;
	if (tcp_shutdown(pcb, SHUT_WR))
		return;
	net_kick();
	while (tcp_unacked(pcb) > 0 && tcp_state(pcb) != TCP_CLOSED &&
	       tcp_state(pcb) != TCP_TIME_WAIT) {
		if (cond_timedwait(&so->so_cv, net_mutex(), deadline))
			break;
	}
}

static void sock_free(struct socket *so)
{
	free(so);
}

static void sock_release(struct file *f)
{
	struct socket *so = f->f_priv;

	/* Epoll registrations first: they call into us without the stack
	 * mutex's protection of so. */
	pollhead_release(&so->so_head);
	net_lock();
	if (sock_is_tcp(so) && so->so_pcb.tcp) {
		linger_wait(so);
		tcp_set_notify(so->so_pcb.tcp, NULL, NULL);
		tcp_close(so->so_pcb.tcp);
	} else if (!sock_is_tcp(so) && so->so_pcb.udp) {
		udp_set_notify(so->so_pcb.udp, NULL, NULL);
		udp_close(so->so_pcb.udp);
	}
	net_kick();
	net_unlock();
	sock_free(so);
}

static const struct file_ops sock_ops = {
	.fo_read = sock_fread,
	.fo_write = sock_fwrite,
	.fo_stat = sock_stat,
	.fo_release = sock_release,
	.fo_poll = sock_poll,
};

/* --- creation --- */

/* A socket without a pcb, as a file not yet in the table. */
static int sock_alloc(int type, unsigned int fflags, struct file **out)
{
	struct socket *so = calloc(1, sizeof(*so));
	int err;

	if (!so)
		return -ENOMEM;
	pollhead_init(&so->so_head, "socket");
	so->so_cv = (struct cond)COND_INIT("socket");
	so->so_type = type;
	so->so_linger_s = -1;
	err = file_alloc(&sock_ops, FILE_RDWR | fflags, so, out);
	if (err)
		sock_free(so);
	return err;
}

/* Creates the pcb (caller holds the stack mutex). */
static int sock_attach(struct socket *so, struct netstack *ns)
{
	int err;

	if (sock_is_tcp(so)) {
		err = tcp_pcb_new(ns, &so->so_pcb.tcp);
		if (!err)
			tcp_set_notify(so->so_pcb.tcp, sock_notify, so);
	} else {
		err = udp_pcb_new(ns, &so->so_pcb.udp);
		if (!err)
			udp_set_notify(so->so_pcb.udp, sock_notify, so);
	}
	return err;
}

/* The type and protocol of socket(): SOCK_STREAM or SOCK_DGRAM, or
 * -EINVAL, -ESOCKTNOSUPPORT, -EPROTONOSUPPORT. */
static int check_type(int type, int protocol)
{
	switch (type) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		return type;
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		return type;
	case SOCK_RAW:
	case SOCK_RDM:
	case SOCK_SEQPACKET:
		return -ESOCKTNOSUPPORT;
	default:
		return -EINVAL;
	}
}

int sock_socket(int domain, int type, int protocol)
{
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct socket *so;
	struct file *f;
	int err, fd;

	if (domain != AF_INET)
		return -EAFNOSUPPORT;
	type = check_type(type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), protocol);
	if (type < 0)
		return type;
	err = net_start();
	if (err)
		return err;
	err = sock_alloc(type, flags & SOCK_NONBLOCK, &f);
	if (err)
		return err;
	so = f->f_priv;
	net_lock();
	err = sock_attach(so, net_stack());
	net_unlock();
	if (err) {
		file_put(f);
		return err;
	}
	fd = fd_install(f, 0, flags & SOCK_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* --- bind, listen, connect --- */

int sock_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct socket *so;
	struct file *f;
	uint32_t addr;
	uint16_t port;
	int err = sock_lookup(fd, &f, &so);

	if (err)
		return err;
	err = sock_addr_in(sa, len, &addr, &port);
	if (!err) {
		net_lock();
		err = sock_is_tcp(so) ? tcp_bind(so->so_pcb.tcp, addr, port)
				      : udp_bind(so->so_pcb.udp, addr, port);
		net_unlock();
	}
	file_put(f);
	return err;
}

int sock_listen(int fd, int backlog)
{
	struct socket *so;
	struct file *f;
	int err = sock_lookup(fd, &f, &so);

	if (err)
		return err;
	if (sock_is_tcp(so)) {
		net_lock();
		err = tcp_listen(so->so_pcb.tcp, backlog);
		net_unlock();
	} else {
		err = -EOPNOTSUPP;
	}
	file_put(f);
	return err;
}

static bool nonblocking(struct file *f)
{
	return file_get_flags(f) & FILE_NONBLOCK;
}

/*
 * After tcp_connect() said -EINPROGRESS: waits until the handshake ends
 * (0) or fails (its error; -ECONNREFUSED when none was recorded), or
 * the SO_SNDTIMEO deadline passes (-EINPROGRESS, as Linux). Caller
 * holds the stack mutex.
 */
static int connect_wait(struct socket *so, uint64_t deadline)
{
	struct tcp_pcb *pcb = so->so_pcb.tcp;

	for (;;) {
		enum tcp_state st = tcp_state(pcb);
		if (st != TCP_SYN_SENT && st != TCP_SYN_RECEIVED) {
			int err = tcp_take_error(pcb);
			if (err)
				return err;
			return st == TCP_CLOSED ? -ECONNREFUSED : 0;
		}
		if (cond_timedwait(&so->so_cv, net_mutex(), deadline))
			return -EINPROGRESS;
	}
}

static int connect_tcp(struct socket *so, struct file *f, uint32_t addr,
		       uint16_t port)
{
	int err;

	net_lock();
	err = tcp_connect(so->so_pcb.tcp, addr, port);
	net_kick();
	if (err == -EINPROGRESS && !nonblocking(f))
		err = connect_wait(so, sock_deadline(so->so_sndtimeo_ns));
	net_unlock();
	return err;
}

static int connect_udp(struct socket *so, const struct sockaddr *sa,
		       socklen_t len)
{
	uint32_t addr = 0;
	uint16_t port = 0;
	int err = 0;

	/* AF_UNSPEC dissolves the association. */
	if (!sa || len < sizeof(sa_family_t) || sa->sa_family != AF_UNSPEC)
		err = sock_addr_in(sa, len, &addr, &port);
	if (err)
		return err;
	net_lock();
	err = udp_connect(so->so_pcb.udp, addr, port);
	net_unlock();
	return err;
}

int sock_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct socket *so;
	struct file *f;
	uint32_t addr;
	uint16_t port;
	int err = sock_lookup(fd, &f, &so);

	if (err)
		return err;
	if (!sock_is_tcp(so)) {
		err = connect_udp(so, sa, len);
	} else {
		err = sock_addr_in(sa, len, &addr, &port);
		if (!err)
			err = connect_tcp(so, f, addr, port);
	}
	file_put(f);
	return err;
}

/* --- accept --- */

/* Waits for a connection on the listener so and gives it to nso. Caller
 * holds the stack mutex. */
static int accept_wait(struct socket *so, struct socket *nso, bool nonblock)
{
	uint64_t deadline = sock_deadline(so->so_rcvtimeo_ns);
	struct tcp_pcb *child;
	int err;

	for (;;) {
		uint32_t seen = so->so_gen;
		err = tcp_accept(so->so_pcb.tcp, &child);
		if (err != -EAGAIN || nonblock)
			break;
		err = sock_wait(so, seen, deadline);
		if (err)
			break;
	}
	if (err)
		return err;
	nso->so_pcb.tcp = child;
	tcp_set_notify(child, sock_notify, nso);
	return 0;
}

int sock_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct socket *so, *nso;
	struct file *f, *nf;
	uint32_t addr = 0;
	uint16_t port = 0;
	int err, nfd;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (sa && !len)
		return -EFAULT;
	if (sa && (int)*len < 0)
		return -EINVAL;
	err = sock_lookup(fd, &f, &so);
	if (err)
		return err;
	err = sock_is_tcp(so) ? 0 : -EOPNOTSUPP;
	if (!err)
		err = sock_alloc(SOCK_STREAM, flags & SOCK_NONBLOCK, &nf);
	if (err)
		goto out_put;
	nso = nf->f_priv;
	net_lock();
	err = accept_wait(so, nso, nonblocking(f));
	if (!err)
		tcp_remote(nso->so_pcb.tcp, &addr, &port);
	net_kick();
	net_unlock();
	if (err) {
		file_put(nf);
		goto out_put;
	}
	/* A table without room resets the connection (it is gone from the
	 * queue already). */
	nfd = fd_install(nf, 0, flags & SOCK_CLOEXEC);
	if (nfd < 0) {
		file_put(nf);
		err = nfd;
		goto out_put;
	}
	(void)sock_addr_out(addr, port, sa, len); /* checked above */
	err = nfd;
out_put:
	file_put(f);
	return err;
}

/* --- shutdown and names --- */

static int shutdown_udp(struct socket *so, int how)
{
	uint32_t addr;
	uint16_t port;

	if (how != SHUT_WR)
		so->so_shut_rd = true;
	if (how != SHUT_RD)
		so->so_shut_wr = true;
	/* As Linux, the flags are set (and pollers woken) even when the
	 * answer is ENOTCONN. */
	return udp_remote(so->so_pcb.udp, &addr, &port);
}

int sock_shutdown(int fd, int how)
{
	struct socket *so;
	struct file *f;
	int err;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	err = sock_lookup(fd, &f, &so);
	if (err)
		return err;
	net_lock();
	if (sock_is_tcp(so))
		err = tcp_shutdown(so->so_pcb.tcp, how);
	else
		err = shutdown_udp(so, how);
	/* Calls blocked on this socket (other microapps) see the change. */
	sock_wake(so, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	net_kick();
	net_unlock();
	file_put(f);
	return err;
}

static int sock_name(int fd, struct sockaddr *sa, socklen_t *len, bool peer)
{
	struct socket *so;
	struct file *f;
	uint32_t addr = 0;
	uint16_t port = 0;
	int err;

	if (!sa || !len)
		return -EFAULT;
	err = sock_lookup(fd, &f, &so);
	if (err)
		return err;
	net_lock();
	if (peer)
		err = sock_is_tcp(so)
			      ? tcp_remote(so->so_pcb.tcp, &addr, &port)
			      : udp_remote(so->so_pcb.udp, &addr, &port);
	else if (sock_is_tcp(so))
		tcp_local(so->so_pcb.tcp, &addr, &port);
	else
		udp_local(so->so_pcb.udp, &addr, &port);
	net_unlock();
	if (!err)
		err = sock_addr_out(addr, port, sa, len);
	file_put(f);
	return err;
}

int sock_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return sock_name(fd, sa, len, false);
}

int sock_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return sock_name(fd, sa, len, true);
}

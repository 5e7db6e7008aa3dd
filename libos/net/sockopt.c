/* SPDX-License-Identifier: MIT */
/*
 * setsockopt()/getsockopt() (<net/socket.h>). Options the pcbs keep go
 * to them through one table (<net/sock.h> enum net_opt); the socket
 * layer keeps SO_LINGER's wait, the timeouts, and answers SO_ERROR,
 * SO_TYPE, SO_ACCEPTCONN, SO_DOMAIN and SO_PROTOCOL itself. Lengths and
 * errors as Linux: an int option wants at least sizeof(int) bytes
 * (-EINVAL), a get truncates to the caller's length, an unknown option
 * is -ENOPROTOOPT.
 */
#include <net/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>

#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <net/netd.h>
#include <net/sock.h>

#include "socket_impl.h"

#define NS_PER_S 1000000000ull
#define NS_PER_US 1000ull

/* An option a pcb keeps. */
struct pcb_opt {
	int po_level, po_name;
	enum net_opt po_opt;
	bool po_bool; /* set as 0/1 */
};

static const struct pcb_opt pcb_opts[] = {
	{ SOL_SOCKET, SO_REUSEADDR, NET_OPT_REUSEADDR, true },
	{ SOL_SOCKET, SO_RCVBUF, NET_OPT_RCVBUF, false },
	{ SOL_SOCKET, SO_SNDBUF, NET_OPT_SNDBUF, false },
	{ SOL_SOCKET, SO_KEEPALIVE, NET_OPT_KEEPALIVE, true },
	{ SOL_SOCKET, SO_BROADCAST, NET_OPT_BROADCAST, true },
	{ IPPROTO_TCP, TCP_NODELAY, NET_OPT_NODELAY, true },
	{ IPPROTO_TCP, TCP_KEEPIDLE, NET_OPT_KEEPIDLE, false },
	{ IPPROTO_TCP, TCP_KEEPINTVL, NET_OPT_KEEPINTVL, false },
	{ IPPROTO_TCP, TCP_KEEPCNT, NET_OPT_KEEPCNT, false },
	{ IPPROTO_TCP, TCP_MAXSEG, NET_OPT_MAXSEG, false },
	{ IPPROTO_IP, IP_TTL, NET_OPT_TTL, false },
	{ IPPROTO_IP, IP_TOS, NET_OPT_TOS, false },
};

static const struct pcb_opt *find_opt(const struct socket *so, int level,
				      int name)
{
	/* TCP's level on a datagram socket is unknown, as on Linux. */
	if (level == IPPROTO_TCP && !sock_is_tcp(so))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(pcb_opts); i++)
		if (pcb_opts[i].po_level == level &&
		    pcb_opts[i].po_name == name)
			return &pcb_opts[i];
	return NULL;
}

/* --- set --- */

static int get_int(const void *val, socklen_t len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	memcpy(out, val, sizeof(int));
	return 0;
}

/* SO_RCVTIMEO/SO_SNDTIMEO: 0 none; a negative time means "at once". */
static int set_timeo(uint64_t *timeo, const void *val, socklen_t len)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0)
		*timeo = 1;
	else
		*timeo = (uint64_t)tv.tv_sec * NS_PER_S +
			 (uint64_t)tv.tv_usec * NS_PER_US;
	return 0;
}

static int set_linger(struct socket *so, const void *val, socklen_t len)
{
	struct linger l;
	int secs, err = 0;

	if (len < sizeof(l))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	memcpy(&l, val, sizeof(l));
	secs = l.l_onoff ? (l.l_linger < 0 ? 0 : l.l_linger) : -1;
	if (sock_is_tcp(so))
		err = sock_pcb_setopt(so, NET_OPT_LINGER, secs);
	if (!err)
		so->so_linger_s = secs;
	return err;
}

static int set_pcb(struct socket *so, const struct pcb_opt *po, const void *val,
		   socklen_t len)
{
	int v, err = get_int(val, len, &v);

	if (err)
		return err;
	if (po->po_bool)
		v = v != 0;
	return sock_pcb_setopt(so, po->po_opt, v);
}

/* Caller holds the stack mutex. */
static int set_locked(struct socket *so, int level, int name, const void *val,
		      socklen_t len)
{
	const struct pcb_opt *po = find_opt(so, level, name);

	if (po)
		return set_pcb(so, po, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_LINGER:
		return set_linger(so, val, len);
	case SO_RCVTIMEO:
		return set_timeo(&so->so_rcvtimeo_ns, val, len);
	case SO_SNDTIMEO:
		return set_timeo(&so->so_sndtimeo_ns, val, len);
	default:
		return -ENOPROTOOPT;
	}
}

int sock_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct socket *so;
	struct file *f;
	int err = sock_lookup(fd, &f, &so);

	if (err)
		return err;
	net_lock();
	err = set_locked(so, level, name, val, len);
	net_unlock();
	file_put(f);
	return err;
}

/* --- get --- */

static struct timeval to_timeval(uint64_t ns)
{
	return (struct timeval){ .tv_sec = (time_t)(ns / NS_PER_S),
				 .tv_usec = (suseconds_t)(ns % NS_PER_S /
							  NS_PER_US) };
}

/* The value of an option the socket layer answers (an int unless it
 * sets *size), or -ENOPROTOOPT. Caller holds the stack mutex. */
static int get_own(struct socket *so, int name, void *out, size_t *size)
{
	int v;

	switch (name) {
	case SO_ERROR:
		v = sock_pcb_error(so);
		break;
	case SO_TYPE:
		v = so->so_type;
		break;
	case SO_DOMAIN:
		v = AF_INET;
		break;
	case SO_PROTOCOL:
		v = sock_is_tcp(so) ? IPPROTO_TCP : IPPROTO_UDP;
		break;
	case SO_ACCEPTCONN:
		v = sock_pcb_listening(so);
		break;
	case SO_LINGER:
		*size = sizeof(struct linger);
		*(struct linger *)out =
			(struct linger){ so->so_linger_s >= 0,
					 so->so_linger_s >= 0 ? so->so_linger_s
							      : 0 };
		return 0;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
		*size = sizeof(struct timeval);
		*(struct timeval *)out =
			to_timeval(name == SO_RCVTIMEO ? so->so_rcvtimeo_ns
						       : so->so_sndtimeo_ns);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	memcpy(out, &v, sizeof(v));
	return 0;
}

/* Caller holds the stack mutex. */
static int get_locked(struct socket *so, int level, int name, void *out,
		      size_t *size)
{
	const struct pcb_opt *po = find_opt(so, level, name);
	int v, err;

	*size = sizeof(int);
	if (!po)
		return level == SOL_SOCKET ? get_own(so, name, out, size)
					   : -ENOPROTOOPT;
	err = sock_pcb_getopt(so, po->po_opt, &v);
	if (!err)
		memcpy(out, &v, sizeof(v));
	return err;
}

int sock_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	union {
		int i;
		struct linger l;
		struct timeval tv;
	} u;
	struct socket *so;
	struct file *f;
	size_t size;
	int err;

	if (!len)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	if (!val && *len)
		return -EFAULT;
	err = sock_lookup(fd, &f, &so);
	if (err)
		return err;
	net_lock();
	err = get_locked(so, level, name, &u, &size);
	net_unlock();
	if (!err) {
		if (*len < size)
			size = *len;
		if (size)
			memcpy(val, &u, size);
		*len = (socklen_t)size;
	}
	file_put(f);
	return err;
}

/* SPDX-License-Identifier: MIT */
/* An in-memory TCP behind <net/tcp.h> for the socket layer's host test
 * (socket_fakes.h). */
#include "socket_fakes.h"

#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/sync.h>
#include <net/netd.h>
#include <net/tcp.h>

#define RCVBUF_DEFAULT 65536
#define EPHEMERAL_FIRST 49152

struct tcp_pcb {
	struct netstack *ns;
	struct tcp_pcb *all_next;
	enum tcp_state st;
	net_notify_fn notify;
	void *arg;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	bool bound, synced, held;
	struct tcp_pcb *peer;
	/* Listener: its queue of established children. */
	struct tcp_pcb *acc_head, *acc_tail, *acc_next, *parent;
	int backlog, acc_n;
	uint8_t *rx;
	size_t rx_len, rx_cap;
	bool rcv_fin, shut_wr, shut_rd;
	int error;
	int opts[NET_OPT_TOS + 1];
};

static struct tcp_pcb *all;
static unsigned int live, resets;
static bool hold;
static uint16_t next_port = EPHEMERAL_FIRST;

static void check_lock(void)
{
	if (!mutex_is_owned(net_mutex()))
		panic("a TCP call without the stack mutex");
}

static void notify(struct tcp_pcb *pcb, unsigned int ev)
{
	if (pcb && pcb->notify)
		pcb->notify(pcb->arg, ev);
}

static struct tcp_pcb *pcb_alloc(struct netstack *ns)
{
	struct tcp_pcb *pcb = calloc(1, sizeof(*pcb));

	if (!pcb)
		return NULL;
	pcb->rx = malloc(RCVBUF_DEFAULT);
	if (!pcb->rx) {
		free(pcb);
		return NULL;
	}
	pcb->ns = ns;
	pcb->rx_cap = RCVBUF_DEFAULT;
	pcb->opts[NET_OPT_RCVBUF] = RCVBUF_DEFAULT;
	pcb->opts[NET_OPT_SNDBUF] = RCVBUF_DEFAULT;
	pcb->opts[NET_OPT_LINGER] = -1;
	pcb->all_next = all;
	all = pcb;
	live++;
	return pcb;
}

static void pcb_free(struct tcp_pcb *pcb)
{
	struct tcp_pcb **pp = &all;

	while (*pp != pcb)
		pp = &(*pp)->all_next;
	*pp = pcb->all_next;
	free(pcb->rx);
	free(pcb);
	live--;
}

/* ---- The stack's side. */

int tcp_init(struct netstack *ns)
{
	(void)ns;
	return 0;
}

/* Frees the instance's pcbs (peers are always in the same one). */
void tcp_fini(struct netstack *ns)
{
	struct tcp_pcb *pcb = all, *next;

	for (; pcb; pcb = next) {
		next = pcb->all_next;
		if (pcb->ns == ns)
			pcb_free(pcb);
	}
}

void tcp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb)
{
	(void)ns, (void)rx;
	netbuf_put(nb);
}

void tcp_icmp_error(struct netstack *ns, uint8_t type, uint8_t code,
		    const uint8_t *inner, size_t len)
{
	(void)ns, (void)type, (void)code, (void)inner, (void)len;
}

/* ---- pcbs. */

int tcp_pcb_new(struct netstack *ns, struct tcp_pcb **out)
{
	check_lock();
	*out = pcb_alloc(ns);
	return *out ? 0 : -ENOMEM;
}

void tcp_set_notify(struct tcp_pcb *pcb, net_notify_fn fn, void *arg)
{
	check_lock();
	pcb->notify = fn;
	pcb->arg = arg;
}

static bool port_taken(const struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	for (struct tcp_pcb *q = all; q; q = q->all_next) {
		if (q == pcb || !q->bound || q->lport != port || q->parent ||
		    q->st == TCP_ESTABLISHED)
			continue;
		if (q->laddr && addr && q->laddr != addr)
			continue;
		if (q->opts[NET_OPT_REUSEADDR] &&
		    pcb->opts[NET_OPT_REUSEADDR] && q->st != TCP_LISTEN)
			continue;
		return true;
	}
	return false;
}

int tcp_bind(struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	check_lock();
	if (pcb->st != TCP_CLOSED || pcb->bound)
		return -EINVAL;
	if (addr && !ip_is_local(pcb->ns, addr))
		return -EADDRNOTAVAIL;
	if (port == 0)
		port = next_port++;
	else if (port_taken(pcb, addr, port))
		return -EADDRINUSE;
	pcb->laddr = addr;
	pcb->lport = port;
	pcb->bound = true;
	return 0;
}

int tcp_listen(struct tcp_pcb *pcb, int backlog)
{
	check_lock();
	backlog = backlog < 1		      ? 1
		  : backlog > TCP_BACKLOG_MAX ? TCP_BACKLOG_MAX
					      : backlog;
	if (pcb->st == TCP_LISTEN) {
		pcb->backlog = backlog;
		return 0;
	}
	if (pcb->st != TCP_CLOSED || pcb->synced)
		return -EINVAL;
	if (!pcb->bound && tcp_bind(pcb, 0, 0))
		return -EADDRINUSE;
	pcb->backlog = backlog;
	pcb->st = TCP_LISTEN;
	return 0;
}

int tcp_accept(struct tcp_pcb *pcb, struct tcp_pcb **out)
{
	struct tcp_pcb *c;

	check_lock();
	if (pcb->st != TCP_LISTEN)
		return -EINVAL;
	c = pcb->acc_head;
	if (!c)
		return -EAGAIN;
	pcb->acc_head = c->acc_next;
	if (!pcb->acc_head)
		pcb->acc_tail = NULL;
	pcb->acc_n--;
	c->acc_next = NULL;
	c->parent = NULL;
	*out = c;
	return 0;
}

static struct tcp_pcb *find_listener(uint32_t addr, uint16_t port)
{
	for (struct tcp_pcb *q = all; q; q = q->all_next)
		if (q->st == TCP_LISTEN && q->lport == port &&
		    (q->laddr == 0 || q->laddr == addr))
			return q;
	return NULL;
}

static void fail_connect(struct tcp_pcb *pcb, int err)
{
	pcb->st = TCP_CLOSED;
	pcb->error = err;
	notify(pcb, NET_POLLERR | NET_POLLHUP | NET_POLLIN | NET_POLLOUT);
}

/* The handshake, at once: a child for the listener, both established. */
static void handshake(struct tcp_pcb *pcb)
{
	struct tcp_pcb *l = find_listener(pcb->raddr, pcb->rport), *c;

	pcb->held = false;
	if (!l || l->acc_n >= l->backlog) {
		fail_connect(pcb, -ECONNREFUSED);
		return;
	}
	c = pcb_alloc(pcb->ns);
	if (!c) {
		fail_connect(pcb, -ENOMEM);
		return;
	}
	c->laddr = pcb->raddr;
	c->lport = pcb->rport;
	c->raddr = pcb->laddr;
	c->rport = pcb->lport;
	c->bound = c->synced = true;
	c->st = pcb->st = TCP_ESTABLISHED;
	c->opts[NET_OPT_NODELAY] = l->opts[NET_OPT_NODELAY];
	c->peer = pcb;
	pcb->peer = c;
	pcb->synced = true;
	c->parent = l;
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	l->acc_n++;
	notify(l, NET_POLLIN);
	notify(pcb, NET_POLLOUT);
}

int tcp_connect(struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	check_lock();
	if (pcb->st == TCP_SYN_SENT)
		return -EALREADY;
	if (pcb->st != TCP_CLOSED || pcb->synced)
		return -EISCONN;
	if (addr == 0 || port == 0)
		return -EADDRNOTAVAIL;
	if (!ip_is_local(pcb->ns, addr))
		return -ENETUNREACH;
	if (!pcb->bound && tcp_bind(pcb, 0, 0))
		return -EADDRNOTAVAIL;
	pcb->laddr = addr;
	pcb->raddr = addr;
	pcb->rport = port;
	pcb->st = TCP_SYN_SENT;
	pcb->held = hold;
	if (!hold)
		handshake(pcb);
	return -EINPROGRESS;
}

void fake_tcp_hold_connects(bool h)
{
	hold = h;
}

void fake_tcp_finish_connects(int err)
{
	net_lock();
	for (struct tcp_pcb *q = all; q; q = q->all_next) {
		if (!q->held)
			continue;
		if (err) {
			q->held = false;
			fail_connect(q, err);
		} else {
			handshake(q);
		}
	}
	net_unlock();
}

/* ---- Data. */

static int take_error(struct tcp_pcb *pcb)
{
	int err = pcb->error;

	pcb->error = 0;
	return err;
}

ssize_t tcp_send(struct tcp_pcb *pcb, const void *buf, size_t len, int flags)
{
	struct tcp_pcb *p = pcb->peer;
	size_t room;

	(void)flags;
	check_lock();
	if (pcb->error)
		return take_error(pcb);
	if (pcb->shut_wr)
		return -EPIPE;
	if (pcb->st != TCP_ESTABLISHED && pcb->st != TCP_CLOSE_WAIT)
		return pcb->synced ? -EPIPE : -ENOTCONN;
	if (!p)
		return -EPIPE;
	if (len == 0)
		return 0;
	room = p->shut_rd ? len : p->rx_cap - p->rx_len;
	if (room == 0)
		return -EAGAIN;
	if (len > room)
		len = room;
	if (!p->shut_rd) {
		memcpy(p->rx + p->rx_len, buf, len);
		p->rx_len += len;
	}
	notify(p, NET_POLLIN);
	return (ssize_t)len;
}

ssize_t tcp_send_netbuf(struct tcp_pcb *pcb, struct netbuf *nb)
{
	(void)pcb;
	netbuf_put(nb);
	return -EOPNOTSUPP;
}

size_t tcp_send_room(const struct tcp_pcb *pcb)
{
	const struct tcp_pcb *p = pcb->peer;

	return p && !p->shut_rd ? p->rx_cap - p->rx_len : 0;
}

ssize_t tcp_recv(struct tcp_pcb *pcb, void *buf, size_t len, int flags)
{
	size_t n;

	check_lock();
	if (pcb->rx_len == 0) {
		if (pcb->rcv_fin || pcb->shut_rd)
			return 0;
		if (pcb->error)
			return take_error(pcb);
		if (pcb->st == TCP_LISTEN)
			return -ENOTCONN;
		if (pcb->st == TCP_CLOSED)
			return pcb->synced ? 0 : -ENOTCONN;
		return -EAGAIN;
	}
	if (len == 0)
		return 0;
	n = len < pcb->rx_len ? len : pcb->rx_len;
	if (buf)
		memcpy(buf, pcb->rx, n);
	if (!(flags & NET_MSG_PEEK)) {
		memmove(pcb->rx, pcb->rx + n, pcb->rx_len - n);
		pcb->rx_len -= n;
		notify(pcb->peer, NET_POLLOUT);
	}
	return (ssize_t)n;
}

int tcp_shutdown(struct tcp_pcb *pcb, int how)
{
	check_lock();
	if (how < 0 || how > 2)
		return -EINVAL;
	if (pcb->st == TCP_CLOSED || pcb->st == TCP_LISTEN ||
	    pcb->st == TCP_SYN_SENT)
		return -ENOTCONN;
	if (how != 1) {
		pcb->shut_rd = true;
		pcb->rx_len = 0;
	}
	if (how != 0 && !pcb->shut_wr) {
		pcb->shut_wr = true;
		pcb->st = pcb->st == TCP_CLOSE_WAIT ? TCP_LAST_ACK
						    : TCP_FIN_WAIT_1;
		if (pcb->peer) {
			pcb->peer->rcv_fin = true;
			if (pcb->peer->st == TCP_ESTABLISHED)
				pcb->peer->st = TCP_CLOSE_WAIT;
			notify(pcb->peer, NET_POLLIN | NET_POLLRDHUP);
		}
	}
	return 0;
}

/* ---- Closing. */

static void unqueue(struct tcp_pcb *c)
{
	struct tcp_pcb *l = c->parent, **pp;

	if (!l)
		return;
	for (pp = &l->acc_head; *pp != c; pp = &(*pp)->acc_next)
		;
	*pp = c->acc_next;
	l->acc_tail = NULL;
	for (struct tcp_pcb *q = l->acc_head; q; q = q->acc_next)
		l->acc_tail = q;
	l->acc_n--;
}

static void reset_peer(struct tcp_pcb *p)
{
	p->peer = NULL;
	p->error = -ECONNRESET;
	p->st = TCP_CLOSED;
	notify(p, NET_POLLERR | NET_POLLHUP | NET_POLLIN | NET_POLLOUT);
}

/* Ends pcb: with a reset or gracefully (the peer sees end of stream). */
static void finish(struct tcp_pcb *pcb, bool rst)
{
	struct tcp_pcb *p = pcb->peer;

	unqueue(pcb);
	while (pcb->acc_head) {
		struct tcp_pcb *c = pcb->acc_head;
		unqueue(c);
		c->parent = NULL;
		finish(c, true);
	}
	if (p && rst) {
		resets++;
		reset_peer(p);
	} else if (p) {
		p->peer = NULL;
		p->rcv_fin = true;
		if (p->st == TCP_ESTABLISHED)
			p->st = TCP_CLOSE_WAIT;
		notify(p, NET_POLLIN | NET_POLLRDHUP | NET_POLLHUP);
	}
	pcb_free(pcb);
}

static void drop(struct tcp_pcb *pcb)
{
	finish(pcb, true);
}

void tcp_close(struct tcp_pcb *pcb)
{
	check_lock();
	finish(pcb, pcb->rx_len != 0 || pcb->opts[NET_OPT_LINGER] == 0);
}

void tcp_abort(struct tcp_pcb *pcb)
{
	check_lock();
	drop(pcb);
}

/* ---- State. */

unsigned int tcp_poll(struct tcp_pcb *pcb)
{
	unsigned int ev = 0;

	check_lock();
	if (pcb->error)
		ev |= NET_POLLERR | NET_POLLIN | NET_POLLOUT;
	if (pcb->st == TCP_LISTEN)
		return ev | (pcb->acc_head ? NET_POLLIN : 0);
	if (pcb->rx_len || pcb->rcv_fin || pcb->shut_rd)
		ev |= NET_POLLIN;
	if (pcb->rcv_fin)
		ev |= NET_POLLRDHUP;
	if ((pcb->st == TCP_ESTABLISHED || pcb->st == TCP_CLOSE_WAIT) &&
	    !pcb->shut_wr && pcb->peer && pcb->peer->rx_len < pcb->peer->rx_cap)
		ev |= NET_POLLOUT;
	if (pcb->st == TCP_CLOSED || (pcb->rcv_fin && pcb->shut_wr))
		ev |= NET_POLLHUP;
	return ev;
}

int tcp_take_error(struct tcp_pcb *pcb)
{
	check_lock();
	return take_error(pcb);
}

int tcp_setopt(struct tcp_pcb *pcb, enum net_opt opt, int val)
{
	uint8_t *rx;

	check_lock();
	if (opt == NET_OPT_BROADCAST || (unsigned int)opt > NET_OPT_TOS)
		return -ENOPROTOOPT;
	if (opt == NET_OPT_RCVBUF) {
		if (val < 1 || (size_t)val < pcb->rx_len)
			return -EINVAL;
		rx = realloc(pcb->rx, (size_t)val);
		if (!rx)
			return -ENOMEM;
		pcb->rx = rx;
		pcb->rx_cap = (size_t)val;
	}
	pcb->opts[opt] = val;
	return 0;
}

int tcp_getopt(struct tcp_pcb *pcb, enum net_opt opt, int *val)
{
	check_lock();
	if (opt == NET_OPT_BROADCAST || (unsigned int)opt > NET_OPT_TOS)
		return -ENOPROTOOPT;
	*val = pcb->opts[opt];
	return 0;
}

void tcp_local(const struct tcp_pcb *pcb, uint32_t *addr, uint16_t *port)
{
	check_lock();
	*addr = pcb->laddr;
	*port = pcb->lport;
}

int tcp_remote(const struct tcp_pcb *pcb, uint32_t *addr, uint16_t *port)
{
	check_lock();
	if (!pcb->synced || pcb->st == TCP_LISTEN)
		return -ENOTCONN;
	*addr = pcb->raddr;
	*port = pcb->rport;
	return 0;
}

enum tcp_state tcp_state(const struct tcp_pcb *pcb)
{
	check_lock();
	return pcb->st;
}

size_t tcp_unacked(const struct tcp_pcb *pcb)
{
	check_lock();
	return pcb->peer ? pcb->peer->rx_len : 0;
}

size_t tcp_pcb_size(void)
{
	return sizeof(struct tcp_pcb);
}

unsigned int tcp_pcb_count(const struct netstack *ns)
{
	unsigned int n = 0;

	for (struct tcp_pcb *q = all; q; q = q->all_next)
		n += q->ns == ns;
	return n;
}

unsigned int fake_tcp_live(void)
{
	return live;
}

unsigned int fake_tcp_resets(void)
{
	return resets;
}

/* SPDX-License-Identifier: MIT */
/*
 * TCP (<net/tcp.h>): the tables that find a connection, protocol control
 * blocks and their life cycle, RFC 6528 initial sequence numbers, random
 * ephemeral ports, and the calls the socket layer makes. The state
 * machine is in tcp_in.c, segment output (and how segments leave their
 * checksum partial for ip_output()) in tcp_out.c, listeners and SYN
 * cookies in tcp_syn.c, timers and TIME_WAIT in tcp_timer.c.
 */
#include <net/tcp.h>

#include <kernel/errno.h>
#include <kernel/string.h>

#include <mosaic/siphash.h>

#include "tcp_impl.h"

/* Marks a send buffer chunk the stack allocated (and may append to),
 * as opposed to a caller's netbuf queued by tcp_send_netbuf(). */
#define TCP_SB_OWN ((uintptr_t)0x7463707362u)

/* The 4-tuple as the hash input (fixed layout, no padding bytes). */
static uint64_t hash_tuple(const uint64_t key[2], uint32_t laddr,
			   uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint8_t b[12];

	memcpy(b, &laddr, 4);
	memcpy(b + 4, &raddr, 4);
	net_put16(b + 8, lport);
	net_put16(b + 10, rport);
	return mosaic_siphash24(key, b, sizeof(b));
}

uint32_t tcp_isn(struct tcp_ctx *c, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport)
{
	/* RFC 6528 3: ISN = M + F(4-tuple, secret), M a 4 us clock. */
	uint32_t m = (uint32_t)(net_now_ns() / 4000);
	return m +
	       (uint32_t)hash_tuple(c->c_isn_key, laddr, lport, raddr, rport);
}

uint32_t tcp_ts_offset(struct tcp_ctx *c, uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport)
{
	/* RFC 7323 5.4: a per-connection offset hides our clock; derived
	 * from the 4-tuple, so successive incarnations keep the clock
	 * monotonic for PAWS at the peer. */
	return (uint32_t)(hash_tuple(c->c_isn_key, laddr, lport, raddr,
				     rport) >>
			  32);
}

/* ---- The 4-tuple table (pcbs and TIME_WAIT records). */

static unsigned int conn_bucket(const struct tcp_ctx *c, uint32_t laddr,
				uint16_t lport, uint32_t raddr, uint16_t rport)
{
	/* A keyed mix, not a cryptographic hash: cheap per segment, and a
	 * remote sender cannot aim at one bucket without the key. */
	uint64_t x = ((uint64_t)laddr << 32 | raddr) ^ c->c_hash_key[0];
	uint64_t y = ((uint64_t)lport << 16 | rport) ^ c->c_hash_key[1];

	x *= 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x += y;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (unsigned int)(x & (TCP_CONN_BUCKETS - 1));
}

struct tcp_hnode *tcp_conn_lookup(struct tcp_ctx *c, uint32_t laddr,
				  uint16_t lport, uint32_t raddr,
				  uint16_t rport)
{
	struct tcp_hnode *h =
		c->c_conn[conn_bucket(c, laddr, lport, raddr, rport)];

	for (; h != NULL; h = h->h_next)
		if (h->h_laddr == laddr && h->h_raddr == raddr &&
		    h->h_lport == lport && h->h_rport == rport)
			return h;
	return NULL;
}

void tcp_conn_insert(struct tcp_ctx *c, struct tcp_hnode *h)
{
	struct tcp_hnode **head = &c->c_conn[conn_bucket(
		c, h->h_laddr, h->h_lport, h->h_raddr, h->h_rport)];

	h->h_next = *head;
	if (*head != NULL)
		(*head)->h_pprev = &h->h_next;
	*head = h;
	h->h_pprev = head;
}

void tcp_conn_remove(struct tcp_hnode *h)
{
	if (h->h_pprev == NULL)
		return;
	*h->h_pprev = h->h_next;
	if (h->h_next != NULL)
		h->h_next->h_pprev = h->h_pprev;
	h->h_next = NULL;
	h->h_pprev = NULL;
}

/* ---- The bind table: every pcb, keyed by local port (0 for unbound
 * ones), so that tcp_fini() finds them all. */

static struct tcp_pcb **bind_head(struct tcp_ctx *c, uint16_t port)
{
	return &c->c_bind[port & (TCP_BIND_BUCKETS - 1)];
}

void tcp_bind_insert(struct tcp_pcb *pcb)
{
	struct tcp_pcb **head = bind_head(tcp_ctx(pcb->t_ns), pcb->t_h.h_lport);

	pcb->t_bnext = *head;
	if (*head != NULL)
		(*head)->t_bpprev = &pcb->t_bnext;
	*head = pcb;
	pcb->t_bpprev = head;
}

static void bind_remove(struct tcp_pcb *pcb)
{
	if (pcb->t_bpprev == NULL)
		return;
	*pcb->t_bpprev = pcb->t_bnext;
	if (pcb->t_bnext != NULL)
		pcb->t_bnext->t_bpprev = pcb->t_bpprev;
	pcb->t_bnext = NULL;
	pcb->t_bpprev = NULL;
}

static bool addr_overlap(uint32_t a, uint32_t b)
{
	return a == 0 || b == 0 || a == b;
}

struct tcp_pcb *tcp_listener_lookup(struct tcp_ctx *c, uint32_t laddr,
				    uint16_t lport)
{
	struct tcp_pcb *any = NULL;

	/* Listeners are few; the bind bucket holds every connection on
	 * their port too. */
	for (struct tcp_pcb *q = c->c_listeners; q != NULL; q = q->t_lnext) {
		if (q->t_h.h_lport != lport)
			continue;
		if (q->t_h.h_laddr == laddr)
			return q;
		if (q->t_h.h_laddr == 0)
			any = q;
	}
	return any;
}

/*
 * Whether pcb may take (addr, port): a listener on an overlapping
 * address always conflicts; other users only unless both sides set
 * NET_OPT_REUSEADDR (so a restarted server binds while its old
 * connections drain). TIME_WAIT records never block a bind.
 */
static bool port_conflict(struct tcp_ctx *c, const struct tcp_pcb *pcb,
			  uint32_t addr, uint16_t port)
{
	for (struct tcp_pcb *q = *bind_head(c, port); q != NULL;
	     q = q->t_bnext) {
		if (q == pcb || !(q->t_flags & TF_BOUND) ||
		    q->t_h.h_lport != port ||
		    !addr_overlap(addr, q->t_h.h_laddr))
			continue;
		if (q->t_state == TCP_LISTEN)
			return true;
		if (!(pcb->t_flags & TF_REUSEADDR) ||
		    !(q->t_flags & TF_REUSEADDR))
			return true;
	}
	return false;
}

static bool port_used(struct tcp_ctx *c, uint16_t port)
{
	for (struct tcp_pcb *q = *bind_head(c, port); q != NULL; q = q->t_bnext)
		if ((q->t_flags & TF_BOUND) && q->t_h.h_lport == port)
			return true;
	return false;
}

static bool port_ok(struct tcp_ctx *c, uint16_t port, uint32_t laddr,
		    uint32_t raddr, uint16_t rport)
{
	if (port_used(c, port))
		return false;
	return raddr == 0 ||
	       tcp_conn_lookup(c, laddr, port, raddr, rport) == NULL;
}

/*
 * A free ephemeral port (RFC 6056 "simple port randomization": random
 * draws, then a walk from a random point so an almost full range still
 * yields). With raddr set the 4-tuple must also be free (TIME_WAIT).
 * 0 when none is left.
 */
static uint16_t pick_port(struct tcp_ctx *c, uint32_t laddr, uint32_t raddr,
			  uint16_t rport)
{
	const uint32_t n = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	uint32_t r;

	for (int i = 0; i < 32; i++) {
		net_random(&r, sizeof(r));
		uint16_t port = (uint16_t)(TCP_EPHEMERAL_LO + r % n);
		if (port_ok(c, port, laddr, raddr, rport))
			return port;
	}
	net_random(&r, sizeof(r));
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(TCP_EPHEMERAL_LO + (r + i) % n);
		if (port_ok(c, port, laddr, raddr, rport))
			return port;
	}
	return 0;
}

static void set_local(struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	bind_remove(pcb);
	pcb->t_h.h_laddr = addr;
	pcb->t_h.h_lport = port;
	pcb->t_flags |= TF_BOUND;
	tcp_bind_insert(pcb);
}

/* ---- The instance. */

int tcp_init(struct netstack *ns)
{
	struct tcp_ctx *c = net_alloc(ns, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->c_ns = ns;
	net_random(c->c_hash_key, sizeof(c->c_hash_key));
	net_random(c->c_isn_key, sizeof(c->c_isn_key));
	net_random(c->c_cookie_key, sizeof(c->c_cookie_key));
	net_timer_init(&c->c_tw_timer, tcp_tw_timer_fn);
	ns->ns_tcp = c;
	return 0;
}

void tcp_fini(struct netstack *ns)
{
	struct tcp_ctx *c = tcp_ctx(ns);

	if (c == NULL)
		return;
	c->c_dying = true;
	/* Freeing a listener frees its children, which may sit in any
	 * bucket: take each bucket's head again after every free. */
	for (unsigned int i = 0; i < TCP_BIND_BUCKETS; i++)
		while (c->c_bind[i] != NULL)
			tcp_pcb_free(c->c_bind[i]);
	while (c->c_tw_head != NULL)
		tcp_tw_free(c, c->c_tw_head);
	net_timer_cancel(ns, &c->c_tw_timer);
	ns->ns_tcp = NULL;
	net_free(ns, c, sizeof(*c));
}

/* ---- pcbs. */

struct tcp_pcb *tcp_pcb_alloc(struct netstack *ns)
{
	struct tcp_pcb *pcb = net_alloc(ns, sizeof(*pcb));

	if (pcb == NULL)
		return NULL;
	pcb->t_ns = ns;
	net_timer_init(&pcb->t_timer, tcp_timer_fn);
	pcb->t_state = TCP_CLOSED;
	pcb->t_sndbuf = TCP_BUF_DEFAULT;
	pcb->t_rcvbuf = TCP_BUF_DEFAULT;
	pcb->t_linger_s = -1;
	pcb->t_keepidle_s = TCP_KEEPIDLE_S;
	pcb->t_keepintvl_s = TCP_KEEPINTVL_S;
	pcb->t_keepcnt = TCP_KEEPCNT;
	pcb->t_rto_us = TCP_RTO_INIT_US;
	pcb->t_peer_mss = TCP_MSS_DEFAULT;
	pcb->t_mss = TCP_MSS_DEFAULT;
	tcp_ctx(ns)->c_pcbs++;
	return pcb;
}

void tcp_flush_snd(struct tcp_pcb *pcb)
{
	while (pcb->t_sb_head != NULL) {
		struct netbuf *nb = pcb->t_sb_head;
		pcb->t_sb_head = nb->nb_next;
		nb->nb_next = NULL;
		netbuf_put(nb);
	}
	pcb->t_sb_tail = NULL;
	pcb->t_sb_off = 0;
	pcb->t_sb_len = 0;
}

static void put_list(struct netbuf *nb)
{
	while (nb != NULL) {
		struct netbuf *next = nb->nb_next;
		nb->nb_next = NULL;
		netbuf_put(nb);
		nb = next;
	}
}

void tcp_flush_rcv(struct tcp_pcb *pcb)
{
	put_list(pcb->t_rq_head);
	pcb->t_rq_head = NULL;
	pcb->t_rq_tail = NULL;
	pcb->t_rq_len = 0;
	put_list(pcb->t_ooo);
	pcb->t_ooo = NULL;
	pcb->t_ooo_n = 0;
}

void tcp_pcb_free(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->t_ns;

	if (pcb->t_lsn != NULL) {
		struct tcp_pcb **pp = &tcp_ctx(ns)->c_listeners;
		while (*pp != pcb)
			pp = &(*pp)->t_lnext;
		*pp = pcb->t_lnext;
		tcp_listener_drop_children(pcb);
		net_free(ns, pcb->t_lsn, sizeof(*pcb->t_lsn));
		pcb->t_lsn = NULL;
	}
	if (pcb->t_parent != NULL)
		tcp_child_unlink(pcb);
	tcp_conn_remove(&pcb->t_h);
	bind_remove(pcb);
	tcp_timers_stop(pcb);
	tcp_flush_snd(pcb);
	tcp_flush_rcv(pcb);
	tcp_ctx(ns)->c_pcbs--;
	net_free(ns, pcb, sizeof(*pcb));
}

void tcp_notify(struct tcp_pcb *pcb, unsigned int events)
{
	if (pcb->t_notify != NULL && !(pcb->t_flags & TF_ORPHAN))
		pcb->t_notify(pcb->t_notify_arg, events);
}

int tcp_pcb_new(struct netstack *ns, struct tcp_pcb **out)
{
	struct tcp_pcb *pcb = tcp_pcb_alloc(ns);

	if (pcb == NULL)
		return -ENOMEM;
	tcp_bind_insert(pcb);
	*out = pcb;
	return 0;
}

void tcp_set_notify(struct tcp_pcb *pcb, net_notify_fn fn, void *arg)
{
	pcb->t_notify = fn;
	pcb->t_notify_arg = arg;
}

size_t tcp_pcb_size(void)
{
	return sizeof(struct tcp_pcb);
}

unsigned int tcp_pcb_count(const struct netstack *ns)
{
	return ns->ns_tcp->c_pcbs;
}

/* ---- Binding, listening, connecting. */

int tcp_bind(struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	struct tcp_ctx *c = tcp_ctx(pcb->t_ns);

	if (pcb->t_state != TCP_CLOSED || (pcb->t_flags & TF_BOUND))
		return -EINVAL;
	if (addr != 0 && !ip_is_local(pcb->t_ns, addr))
		return -EADDRNOTAVAIL;
	if (port == 0) {
		port = pick_port(c, addr, 0, 0);
		if (port == 0)
			return -EADDRINUSE;
	} else if (port_conflict(c, pcb, addr, port)) {
		return -EADDRINUSE;
	}
	set_local(pcb, addr, port);
	return 0;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int tcp_listen(struct tcp_pcb *pcb, int backlog)
{
	struct tcp_ctx *c = tcp_ctx(pcb->t_ns);
	uint32_t b = backlog < 1 ? 1 : (uint32_t)backlog;

	b = clamp_u32(b, 1, TCP_BACKLOG_MAX);
	if (pcb->t_state == TCP_LISTEN) {
		pcb->t_lsn->l_backlog = b;
		pcb->t_lsn->l_syn_max = clamp_u32(b, 1, TCP_SYNQ_MAX);
		return 0;
	}
	if (pcb->t_state != TCP_CLOSED || (pcb->t_flags & TF_SYNC) ||
	    pcb->t_h.h_raddr != 0)
		return -EINVAL;
	if (!(pcb->t_flags & TF_BOUND)) {
		int err = tcp_bind(pcb, 0, 0);
		if (err != 0)
			return err;
	} else {
		struct tcp_pcb *q = tcp_listener_lookup(c, pcb->t_h.h_laddr,
							pcb->t_h.h_lport);
		if (q != NULL && addr_overlap(q->t_h.h_laddr, pcb->t_h.h_laddr))
			return -EADDRINUSE;
	}
	struct tcp_listener *l = net_alloc(pcb->t_ns, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->l_backlog = b;
	l->l_syn_max = clamp_u32(b, 1, TCP_SYNQ_MAX);
	pcb->t_lsn = l;
	pcb->t_state = TCP_LISTEN;
	pcb->t_lnext = c->c_listeners;
	c->c_listeners = pcb;
	return 0;
}

int tcp_accept(struct tcp_pcb *pcb, struct tcp_pcb **out)
{
	if (pcb->t_state != TCP_LISTEN)
		return -EINVAL;
	struct tcp_listener *l = pcb->t_lsn;
	struct tcp_pcb *child = l->l_acc_head;
	if (child == NULL)
		return -EAGAIN;
	l->l_acc_head = child->t_lnext;
	if (l->l_acc_head == NULL)
		l->l_acc_tail = NULL;
	l->l_acc_n--;
	child->t_lnext = NULL;
	child->t_parent = NULL;
	child->t_flags &= ~TF_ACCEPTQ;
	*out = child;
	return 0;
}

/* The window scale we offer: the smallest that lets the receive buffer
 * be advertised whole (RFC 7323 2.2). */
static uint8_t rcv_wscale(uint32_t rcvbuf)
{
	uint8_t ws = 0;

	while (ws < TCP_WS_MAX && (65535u << ws) < rcvbuf)
		ws++;
	return ws;
}

/* Route MSS: the path MTU less fixed IPv4 and TCP headers (RFC 9293
 * 3.7.1), clamped by NET_OPT_MAXSEG. */
static uint16_t route_mss(struct tcp_pcb *pcb)
{
	uint32_t mtu = ip_mtu_for(pcb->t_ns, pcb->t_h.h_raddr);
	uint32_t mss = mtu >= 576 ? mtu - 40 : TCP_MSS_DEFAULT;

	if (pcb->t_user_mss != 0 && pcb->t_user_mss < mss)
		mss = pcb->t_user_mss;
	return (uint16_t)mss;
}

/* Sets the connection's sequence state for a SYN to (raddr, rport). */
void tcp_conn_setup(struct tcp_pcb *pcb)
{
	struct tcp_ctx *c = tcp_ctx(pcb->t_ns);
	struct tcp_hnode *h = &pcb->t_h;

	pcb->t_iss = tcp_isn(c, h->h_laddr, h->h_lport, h->h_raddr, h->h_rport);
	pcb->t_snd_una = pcb->t_iss;
	pcb->t_snd_nxt = pcb->t_iss;
	pcb->t_snd_max = pcb->t_iss;
	pcb->t_recover = pcb->t_iss;
	pcb->t_ts_off = tcp_ts_offset(c, h->h_laddr, h->h_lport, h->h_raddr,
				      h->h_rport);
	pcb->t_rcv_mss = route_mss(pcb);
	pcb->t_rcv_ws = rcv_wscale(pcb->t_rcvbuf);
	pcb->t_rto_us = TCP_RTO_INIT_US;
	pcb->t_rxtshift = 0;
	pcb->t_error = 0;
	pcb->t_softerr = 0;
	pcb->t_flags &= ~(TF_WS | TF_TS | TF_TS_RECENT | TF_RCV_FIN |
			  TF_RCV_FIN_AT | TF_FIN_SENT | TF_SHUT_WR |
			  TF_SHUT_RD | TF_RTT | TF_RECOVERY | TF_PERSIST);
}

/* Whether the pcb may connect to (addr, port): 0 or the error. */
static int connect_check(struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	switch (pcb->t_state) {
	case TCP_CLOSED:
		if (pcb->t_flags & (TF_SYNC | TF_DETACHED))
			return -EISCONN;
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -EALREADY;
	default:
		return -EISCONN;
	}
	if (addr == 0 || port == 0)
		return -EADDRNOTAVAIL;
	if (addr == IP4_BROADCAST || net_ip4_is_multicast(addr) ||
	    ip_is_broadcast(pcb->t_ns, addr))
		return -ENETUNREACH;
	return 0;
}

int tcp_connect(struct tcp_pcb *pcb, uint32_t addr, uint16_t port)
{
	struct netstack *ns = pcb->t_ns;
	struct tcp_ctx *c = tcp_ctx(ns);
	int err = connect_check(pcb, addr, port);

	if (err != 0)
		return err;
	uint32_t bound = pcb->t_h.h_laddr, src = bound;
	if (src == 0)
		src = ip_source_for(ns, addr);
	if (src == 0)
		return -ENETUNREACH;
	if (!(pcb->t_flags & TF_BOUND)) {
		uint16_t lport = pick_port(c, src, addr, port);
		if (lport == 0)
			return -EADDRNOTAVAIL;
		set_local(pcb, 0, lport);
	} else if (tcp_conn_lookup(c, src, pcb->t_h.h_lport, addr, port)) {
		return -EADDRNOTAVAIL;
	}
	pcb->t_h.h_laddr = src;
	pcb->t_h.h_raddr = addr;
	pcb->t_h.h_rport = port;
	tcp_conn_setup(pcb);
	pcb->t_flags |= TF_WS_OFFER | TF_TS_OFFER;
	pcb->t_state = TCP_SYN_SENT;
	err = tcp_send_syn(pcb);
	if (err != 0 && err != -ENOBUFS && err != -ENOMEM) {
		/* Nothing will get out: fail now rather than time out. */
		pcb->t_state = TCP_CLOSED;
		pcb->t_h.h_laddr = bound;
		pcb->t_h.h_raddr = 0;
		pcb->t_h.h_rport = 0;
		tcp_timers_stop(pcb);
		return err;
	}
	tcp_conn_insert(c, &pcb->t_h);
	net_count(ns, NC_tcp_active_open);
	return -EINPROGRESS;
}

/* ---- Sending. */

/* The pending error, cleared; 0 when none. */
static int take_error(struct tcp_pcb *pcb)
{
	int err = pcb->t_error;

	pcb->t_error = 0;
	return err;
}

/* Why the pcb cannot take data now (0: it can). */
static int send_check(struct tcp_pcb *pcb)
{
	if (pcb->t_error != 0)
		return take_error(pcb);
	if (pcb->t_flags & TF_SHUT_WR)
		return -EPIPE;
	switch (pcb->t_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		return 0;
	case TCP_CLOSED:
	case TCP_TIME_WAIT:
		return (pcb->t_flags & TF_SYNC) ? -EPIPE : -ENOTCONN;
	case TCP_LISTEN:
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
}

static uint32_t snd_room(const struct tcp_pcb *pcb)
{
	return pcb->t_sndbuf > pcb->t_sb_len ? pcb->t_sndbuf - pcb->t_sb_len
					     : 0;
}

static void sb_link(struct tcp_pcb *pcb, struct netbuf *nb)
{
	nb->nb_next = NULL;
	if (pcb->t_sb_tail != NULL)
		pcb->t_sb_tail->nb_next = nb;
	else
		pcb->t_sb_head = nb;
	pcb->t_sb_tail = nb;
}

/*
 * Copies len bytes to the send buffer: into the tail chunk's free room
 * when the stack owns it (bytes past those a frame in flight has sliced,
 * which no slice covers), else into new chunks. Returns the count copied
 * (short when memory ran out).
 */
static size_t sb_append(struct tcp_pcb *pcb, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct netbuf *tail = pcb->t_sb_tail;
		if (tail == NULL || tail->nb_priv[0] != TCP_SB_OWN ||
		    netbuf_tailroom(tail) == 0) {
			size_t cap = tcp_chunk_cap(tail, TCP_SB_OWN, len - done,
						   TCP_SB_CHUNK);
			tail = netbuf_alloc(
				0, cap < TCP_SB_CHUNK ? cap : TCP_SB_CHUNK);
			if (tail == NULL)
				break;
			tail->nb_priv[0] = TCP_SB_OWN;
			sb_link(pcb, tail);
		}
		size_t n = netbuf_tailroom(tail);
		if (n > len - done)
			n = len - done;
		memcpy(netbuf_append(tail, n), buf + done, n);
		done += n;
	}
	pcb->t_sb_len += (uint32_t)done;
	return done;
}

ssize_t tcp_send(struct tcp_pcb *pcb, const void *buf, size_t len, int flags)
{
	(void)flags;
	int err = send_check(pcb);

	if (err != 0)
		return err;
	if (len == 0)
		return 0;
	uint32_t room = snd_room(pcb);
	if (room == 0)
		return -EAGAIN;
	size_t n = sb_append(pcb, buf, len < room ? len : room);
	if (n == 0)
		return -ENOMEM;
	tcp_output(pcb);
	return (ssize_t)n;
}

size_t tcp_send_room(const struct tcp_pcb *pcb)
{
	return snd_room(pcb);
}

ssize_t tcp_send_netbuf(struct tcp_pcb *pcb, struct netbuf *nb)
{
	int err = send_check(pcb);

	if (err == 0 && nb->nb_frag != NULL)
		err = -EINVAL;
	if (err == 0 && nb->nb_len > snd_room(pcb))
		err = -EAGAIN;
	if (err != 0) {
		netbuf_put(nb);
		return err;
	}
	size_t len = nb->nb_len;
	if (len == 0) {
		netbuf_put(nb);
		return 0;
	}
	if (nb->nb_refs != 1) {
		/* Shared (a cache page sent on several connections): its
		 * fields are not ours to link, so queue a slice of it. */
		struct netbuf *s = netbuf_slice(nb, 0, len);
		netbuf_put(nb);
		if (s == NULL)
			return -ENOMEM;
		nb = s;
	}
	nb->nb_priv[0] = 0;
	sb_link(pcb, nb);
	pcb->t_sb_len += (uint32_t)len;
	pcb->t_ns->ns_ctr[NC_tcp_lent_bytes] += len;
	tcp_output(pcb);
	return (ssize_t)len;
}

/* ---- Receiving. */

/* Sends a window update when reading opened the window enough to
 * matter (RFC 9293 3.8.6.2.2: by at least min(buffer/2, MSS)). */
static void window_update(struct tcp_pcb *pcb)
{
	if (pcb->t_state != TCP_ESTABLISHED && pcb->t_state != TCP_FIN_WAIT_1 &&
	    pcb->t_state != TCP_FIN_WAIT_2)
		return;
	uint32_t cur = seq_gt(pcb->t_rcv_adv, pcb->t_rcv_nxt)
			       ? pcb->t_rcv_adv - pcb->t_rcv_nxt
			       : 0;
	uint32_t space = tcp_rcv_space(pcb);
	if (space <= cur)
		return;
	uint32_t inc = space - cur;
	if (inc >= 2u * pcb->t_rcv_mss || inc >= pcb->t_rcvbuf / 2 ||
	    cur < pcb->t_rcv_mss) {
		pcb->t_flags |= TF_ACKNOW;
		tcp_output(pcb);
	}
}

static int recv_empty(struct tcp_pcb *pcb)
{
	if (pcb->t_flags & (TF_RCV_FIN | TF_SHUT_RD))
		return 0;
	if (pcb->t_error != 0)
		return take_error(pcb);
	switch (pcb->t_state) {
	case TCP_LISTEN:
		return -ENOTCONN;
	case TCP_CLOSED:
		return (pcb->t_flags & TF_SYNC) ? 0 : -ENOTCONN;
	default:
		return -EAGAIN;
	}
}

ssize_t tcp_recv(struct tcp_pcb *pcb, void *buf, size_t len, int flags)
{
	bool peek = (flags & NET_MSG_PEEK) != 0;
	uint8_t *out = buf;
	size_t done = 0;

	if (pcb->t_rq_len == 0)
		return recv_empty(pcb);
	if (len == 0)
		return 0;
	struct netbuf *nb = pcb->t_rq_head;
	while (nb != NULL && done < len) {
		size_t n = nb->nb_len;
		if (n > len - done)
			n = len - done;
		if (out != NULL)
			memcpy(out + done, nb->nb_data, n);
		done += n;
		if (peek) {
			nb = nb->nb_next;
			continue;
		}
		netbuf_pull(nb, n);
		if (nb->nb_len == 0) {
			pcb->t_rq_head = nb->nb_next;
			if (pcb->t_rq_head == NULL)
				pcb->t_rq_tail = NULL;
			nb->nb_next = NULL;
			netbuf_put(nb);
			nb = pcb->t_rq_head;
		}
	}
	if (!peek) {
		pcb->t_rq_len -= (uint32_t)done;
		window_update(pcb);
	}
	return (ssize_t)done;
}

/* ---- Closing. */

/* Queues our FIN after the send buffer (RFC 9293 3.10.4 CLOSE). */
static void shut_wr(struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_SYN_RECEIVED:
		pcb->t_flags |= TF_FIN_PENDING;
		return;
	case TCP_ESTABLISHED:
		pcb->t_state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		pcb->t_state = TCP_LAST_ACK;
		break;
	default:
		return;
	}
	pcb->t_flags |= TF_SHUT_WR;
	tcp_output(pcb);
}

int tcp_shutdown(struct tcp_pcb *pcb, int how)
{
	if (how < 0 || how > 2)
		return -EINVAL;
	switch (pcb->t_state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
	case TCP_SYN_SENT:
		return -ENOTCONN;
	default:
		break;
	}
	if (how != 1) {
		pcb->t_flags |= TF_SHUT_RD;
		put_list(pcb->t_rq_head);
		pcb->t_rq_head = NULL;
		pcb->t_rq_tail = NULL;
		pcb->t_rq_len = 0;
	}
	if (how != 0)
		shut_wr(pcb);
	return 0;
}

void tcp_abort(struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		tcp_send_rst(pcb);
		break;
	default:
		break;
	}
	tcp_pcb_free(pcb);
}

void tcp_close(struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
	case TCP_SYN_SENT:
	case TCP_TIME_WAIT:
		tcp_pcb_free(pcb);
		return;
	default:
		break;
	}
	/* RFC 9293 3.10.4 leaves unread data to the implementation; like
	 * BSD and Linux we reset so the peer learns it was not consumed
	 * (RFC 2525 2.17). */
	if (pcb->t_rq_len != 0 || pcb->t_linger_s == 0) {
		tcp_abort(pcb);
		return;
	}
	pcb->t_flags |= TF_ORPHAN;
	pcb->t_notify = NULL;
	if (pcb->t_state == TCP_FIN_WAIT_2)
		tcp_timer_set(pcb, TCP_T_KEEP, net_now_ns() + TCP_FW2_NS);
	shut_wr(pcb);
}

/* ---- State for the socket layer. */

unsigned int tcp_poll(struct tcp_pcb *pcb)
{
	unsigned int ev = 0;

	if (pcb->t_state == TCP_LISTEN)
		return pcb->t_lsn->l_acc_head != NULL ? NET_POLLIN : 0;
	if (pcb->t_rq_len != 0 || (pcb->t_flags & (TF_RCV_FIN | TF_SHUT_RD)))
		ev |= NET_POLLIN;
	if (pcb->t_flags & TF_RCV_FIN)
		ev |= NET_POLLRDHUP;
	if ((pcb->t_state == TCP_ESTABLISHED ||
	     pcb->t_state == TCP_CLOSE_WAIT) &&
	    !(pcb->t_flags & TF_SHUT_WR) && snd_room(pcb) != 0)
		ev |= NET_POLLOUT;
	if (pcb->t_state == TCP_CLOSED || pcb->t_state == TCP_TIME_WAIT ||
	    ((pcb->t_flags & TF_RCV_FIN) && (pcb->t_flags & TF_SHUT_WR)))
		ev |= NET_POLLHUP;
	if (pcb->t_state == TCP_CLOSED && (pcb->t_flags & TF_SYNC))
		ev |= NET_POLLIN;
	if (pcb->t_error != 0)
		ev |= NET_POLLERR | NET_POLLIN | NET_POLLOUT;
	return ev;
}

int tcp_take_error(struct tcp_pcb *pcb)
{
	int err = take_error(pcb);

	if (err == 0) {
		err = pcb->t_softerr;
		pcb->t_softerr = 0;
	}
	return err;
}

static void set_flag(struct tcp_pcb *pcb, uint32_t flag, int val)
{
	if (val)
		pcb->t_flags |= flag;
	else
		pcb->t_flags &= ~flag;
}

static int setopt_keep(struct tcp_pcb *pcb, enum net_opt opt, int val)
{
	if (opt == NET_OPT_KEEPCNT) {
		if (val < 1 || val > 127)
			return -EINVAL;
		pcb->t_keepcnt = (uint8_t)val;
		return 0;
	}
	if (val < 1 || val > TCP_KEEP_MAX_S)
		return -EINVAL;
	if (opt == NET_OPT_KEEPIDLE)
		pcb->t_keepidle_s = (uint16_t)val;
	else
		pcb->t_keepintvl_s = (uint16_t)val;
	tcp_keep_reset(pcb);
	return 0;
}

static int setopt_buf(struct tcp_pcb *pcb, enum net_opt opt, int val)
{
	if (val < 0)
		return -EINVAL;
	uint32_t v = clamp_u32((uint32_t)val, TCP_BUF_MIN, TCP_BUF_MAX);
	if (opt == NET_OPT_RCVBUF) {
		pcb->t_rcvbuf = v;
		window_update(pcb);
	} else {
		bool was_full = snd_room(pcb) == 0;
		pcb->t_sndbuf = v;
		if (was_full && snd_room(pcb) != 0)
			tcp_notify(pcb, NET_POLLOUT);
	}
	return 0;
}

int tcp_setopt(struct tcp_pcb *pcb, enum net_opt opt, int val)
{
	switch (opt) {
	case NET_OPT_REUSEADDR:
		set_flag(pcb, TF_REUSEADDR, val);
		return 0;
	case NET_OPT_RCVBUF:
	case NET_OPT_SNDBUF:
		return setopt_buf(pcb, opt, val);
	case NET_OPT_KEEPALIVE:
		set_flag(pcb, TF_KEEPALIVE, val);
		tcp_keep_reset(pcb);
		return 0;
	case NET_OPT_LINGER:
		if (val < -1 || val > INT16_MAX)
			return -EINVAL;
		pcb->t_linger_s = (int16_t)val;
		return 0;
	case NET_OPT_NODELAY:
		set_flag(pcb, TF_NODELAY, val);
		if (val)
			tcp_output(pcb);
		return 0;
	case NET_OPT_KEEPIDLE:
	case NET_OPT_KEEPINTVL:
	case NET_OPT_KEEPCNT:
		return setopt_keep(pcb, opt, val);
	case NET_OPT_MAXSEG:
		if (val != 0 && (val < TCP_MSS_MIN || val > 65495))
			return -EINVAL;
		pcb->t_user_mss = (uint16_t)val;
		return 0;
	case NET_OPT_TTL:
		if (val < -1 || val > 255 || val == 0)
			return -EINVAL;
		pcb->t_ttl = val < 0 ? 0 : (uint8_t)val;
		return 0;
	case NET_OPT_TOS:
		if (val < 0 || val > 255)
			return -EINVAL;
		pcb->t_tos = (uint8_t)val;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int tcp_getopt(struct tcp_pcb *pcb, enum net_opt opt, int *val)
{
	switch (opt) {
	case NET_OPT_REUSEADDR:
		*val = !!(pcb->t_flags & TF_REUSEADDR);
		return 0;
	case NET_OPT_RCVBUF:
		*val = (int)pcb->t_rcvbuf;
		return 0;
	case NET_OPT_SNDBUF:
		*val = (int)pcb->t_sndbuf;
		return 0;
	case NET_OPT_KEEPALIVE:
		*val = !!(pcb->t_flags & TF_KEEPALIVE);
		return 0;
	case NET_OPT_LINGER:
		*val = pcb->t_linger_s;
		return 0;
	case NET_OPT_NODELAY:
		*val = !!(pcb->t_flags & TF_NODELAY);
		return 0;
	case NET_OPT_KEEPIDLE:
		*val = pcb->t_keepidle_s;
		return 0;
	case NET_OPT_KEEPINTVL:
		*val = pcb->t_keepintvl_s;
		return 0;
	case NET_OPT_KEEPCNT:
		*val = pcb->t_keepcnt;
		return 0;
	case NET_OPT_MAXSEG:
		*val = (pcb->t_flags & TF_SYNC) ? pcb->t_mss
		       : pcb->t_user_mss	? pcb->t_user_mss
						: TCP_MSS_DEFAULT;
		return 0;
	case NET_OPT_TTL:
		*val = pcb->t_ttl != 0 ? pcb->t_ttl : IP_DEFAULT_TTL;
		return 0;
	case NET_OPT_TOS:
		*val = pcb->t_tos;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

void tcp_local(const struct tcp_pcb *pcb, uint32_t *addr, uint16_t *port)
{
	*addr = pcb->t_h.h_laddr;
	*port = pcb->t_h.h_lport;
}

int tcp_remote(const struct tcp_pcb *pcb, uint32_t *addr, uint16_t *port)
{
	if (pcb->t_h.h_raddr == 0 || pcb->t_state == TCP_LISTEN)
		return -ENOTCONN;
	*addr = pcb->t_h.h_raddr;
	*port = pcb->t_h.h_rport;
	return 0;
}

enum tcp_state tcp_state(const struct tcp_pcb *pcb)
{
	return (enum tcp_state)pcb->t_state;
}

size_t tcp_unacked(const struct tcp_pcb *pcb)
{
	return pcb->t_sb_len;
}

static bool pcb_sending(const struct tcp_pcb *pcb)
{
	switch (pcb->t_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		return pcb->t_sb_len != 0;
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true; /* our FIN is not acknowledged yet */
	default:
		return false;
	}
}

unsigned int tcp_sending(const struct netstack *ns)
{
	const struct tcp_ctx *c = ns->ns_tcp;
	unsigned int n = 0;

	if (c == NULL)
		return 0;
	for (unsigned int i = 0; i < TCP_BIND_BUCKETS; i++)
		for (const struct tcp_pcb *q = c->c_bind[i]; q != NULL;
		     q = q->t_bnext)
			n += pcb_sending(q);
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * TCP listeners: passive open (RFC 9293 3.10.7.2), the half-open queue
 * bounded per listener, the accept queue bounded by the backlog, and SYN
 * cookies (RFC 4987 3.6) once the half-open queue is full, so a SYN
 * flood costs no memory beyond the bound.
 *
 * Cookie layout (our ISS): bits 31-27 the time in 64 s periods (mod
 * 32), bits 26-24 an index into a table of MSS values, bits 23-0 a keyed
 * hash (SipHash) of the 4-tuple, the peer's ISS, the full period count
 * and the index. When the SYN carried timestamps, the low 8 bits of our
 * TSval carry our window scale (high nibble) and the peer's plus one
 * (low nibble, 0 for none), so window scaling survives the cookie; a SYN
 * without timestamps gets a cookie SYN-ACK without window scaling.
 */
#include <kernel/errno.h>
#include <kernel/string.h>

#include <mosaic/siphash.h>

#include "tcp_impl.h"

static const uint16_t cookie_mss[8] = { 536,  1024, 1220, 1300,
					1400, 1440, 1460, 8960 };

static uint32_t cookie_hash(struct tcp_ctx *c, const struct tcp_seg *seg,
			    uint32_t irs, uint64_t period, uint8_t idx)
{
	uint8_t b[25];

	memcpy(b, &seg->daddr, 4);
	memcpy(b + 4, &seg->saddr, 4);
	net_put16(b + 8, seg->dport);
	net_put16(b + 10, seg->sport);
	net_put32(b + 12, irs);
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(period >> (8 * i));
	b[24] = idx;
	return (uint32_t)mosaic_siphash24(c->c_cookie_key, b, sizeof(b)) &
	       0xffffff;
}

static uint32_t cookie_make(struct tcp_ctx *c, const struct tcp_seg *seg,
			    uint8_t mss_idx, uint64_t now_ns)
{
	uint64_t period = now_ns / TCP_COOKIE_PERIOD_NS;

	return (uint32_t)(period & 31) << 27 | (uint32_t)mss_idx << 24 |
	       cookie_hash(c, seg, seg->seq, period, mss_idx);
}

/* The MSS a valid cookie ACK encodes (0: not a valid cookie). */
static uint16_t cookie_check(struct tcp_ctx *c, const struct tcp_seg *seg,
			     uint64_t now_ns)
{
	uint32_t cookie = seg->ack - 1;
	uint64_t now = now_ns / TCP_COOKIE_PERIOD_NS;
	uint32_t age = (uint32_t)(now - (cookie >> 27)) & 31;
	uint8_t idx = (cookie >> 24) & 7;

	/* Valid for the period it was made in and the next one. */
	if (age > 1 || now < age)
		return 0;
	if (cookie_hash(c, seg, seg->seq - 1, now - age, idx) !=
	    (cookie & 0xffffff))
		return 0;
	return cookie_mss[idx];
}

static uint8_t mss_index(uint16_t mss)
{
	uint8_t idx = 0;

	for (uint8_t i = 0; i < ARRAY_SIZE(cookie_mss); i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	return idx;
}

/* ---- Children. */

static void synq_remove(struct tcp_listener *l, struct tcp_pcb *child)
{
	for (struct tcp_pcb **pp = &l->l_synq; *pp != NULL;
	     pp = &(*pp)->t_lnext) {
		if (*pp == child) {
			*pp = child->t_lnext;
			l->l_syn_n--;
			break;
		}
	}
	child->t_lnext = NULL;
}

static void accq_remove(struct tcp_listener *l, struct tcp_pcb *child)
{
	struct tcp_pcb *prev = NULL;

	for (struct tcp_pcb *q = l->l_acc_head; q != NULL;
	     prev = q, q = q->t_lnext) {
		if (q != child)
			continue;
		if (prev != NULL)
			prev->t_lnext = q->t_lnext;
		else
			l->l_acc_head = q->t_lnext;
		if (l->l_acc_tail == q)
			l->l_acc_tail = prev;
		l->l_acc_n--;
		break;
	}
	child->t_lnext = NULL;
}

void tcp_child_unlink(struct tcp_pcb *child)
{
	struct tcp_listener *l = child->t_parent->t_lsn;

	if (child->t_flags & TF_ACCEPTQ)
		accq_remove(l, child);
	else
		synq_remove(l, child);
	child->t_flags &= ~TF_ACCEPTQ;
	child->t_parent = NULL;
}

bool tcp_child_fits(const struct tcp_pcb *child)
{
	const struct tcp_listener *l = child->t_parent->t_lsn;

	return l->l_acc_n < l->l_backlog;
}

bool tcp_child_established(struct tcp_pcb *child)
{
	struct tcp_pcb *lsn = child->t_parent;
	struct tcp_listener *l = lsn->t_lsn;

	if (l->l_acc_n >= l->l_backlog)
		return false;
	synq_remove(l, child);
	child->t_flags |= TF_ACCEPTQ;
	child->t_lnext = NULL;
	if (l->l_acc_tail != NULL)
		l->l_acc_tail->t_lnext = child;
	else
		l->l_acc_head = child;
	l->l_acc_tail = child;
	l->l_acc_n++;
	tcp_notify(lsn, NET_POLLIN);
	return true;
}

static void drop_list(struct tcp_pcb *q)
{
	while (q != NULL) {
		struct tcp_pcb *next = q->t_lnext;
		q->t_parent = NULL;
		q->t_lnext = NULL;
		q->t_flags &= ~TF_ACCEPTQ;
		tcp_abort(q);
		q = next;
	}
}

void tcp_listener_drop_children(struct tcp_pcb *lsn)
{
	struct tcp_listener *l = lsn->t_lsn;
	struct tcp_pcb *synq = l->l_synq, *accq = l->l_acc_head;

	l->l_synq = NULL;
	l->l_acc_head = NULL;
	l->l_acc_tail = NULL;
	l->l_syn_n = 0;
	l->l_acc_n = 0;
	drop_list(synq);
	drop_list(accq);
}

/* A child of lsn for seg's 4-tuple, in SYN_RECEIVED, in the tables and
 * the half-open queue. NULL when memory is short. */
static struct tcp_pcb *child_new(struct tcp_pcb *lsn, const struct tcp_seg *seg)
{
	struct tcp_pcb *child = tcp_pcb_alloc(lsn->t_ns);
	const uint32_t inherit = TF_NODELAY | TF_KEEPALIVE | TF_REUSEADDR;

	if (child == NULL)
		return NULL;
	child->t_flags = (lsn->t_flags & inherit) | TF_PASSIVE | TF_BOUND |
			 TF_WS_OFFER | TF_TS_OFFER;
	child->t_sndbuf = lsn->t_sndbuf;
	child->t_rcvbuf = lsn->t_rcvbuf;
	child->t_linger_s = lsn->t_linger_s;
	child->t_keepidle_s = lsn->t_keepidle_s;
	child->t_keepintvl_s = lsn->t_keepintvl_s;
	child->t_keepcnt = lsn->t_keepcnt;
	child->t_ttl = lsn->t_ttl;
	child->t_tos = lsn->t_tos;
	child->t_user_mss = lsn->t_user_mss;
	child->t_h.h_laddr = seg->daddr;
	child->t_h.h_lport = seg->dport;
	child->t_h.h_raddr = seg->saddr;
	child->t_h.h_rport = seg->sport;
	tcp_conn_setup(child);
	child->t_state = TCP_SYN_RECEIVED;
	child->t_irs = seg->seq;
	child->t_rcv_nxt = seg->seq + 1;
	child->t_snd_wnd = seg->wnd;

	struct tcp_listener *l = lsn->t_lsn;
	child->t_parent = lsn;
	child->t_lnext = l->l_synq;
	l->l_synq = child;
	l->l_syn_n++;
	tcp_conn_insert(tcp_ctx(lsn->t_ns), &child->t_h);
	tcp_bind_insert(child);
	net_count(lsn->t_ns, NC_tcp_passive_open);
	return child;
}

/* Answers a SYN with a cookie SYN-ACK, keeping no state. */
static void send_cookie(struct tcp_pcb *lsn, const struct tcp_seg *seg)
{
	struct tcp_ctx *c = tcp_ctx(lsn->t_ns);
	uint64_t now = net_now_ns();
	uint16_t peer_mss = (seg->opts & SEG_MSS) ? seg->mss : TCP_MSS_DEFAULT;
	uint32_t mtu = ip_mtu_for(lsn->t_ns, seg->saddr);
	uint8_t our_ws = 0;
	struct tcp_emit e = {
		.saddr = seg->daddr,
		.daddr = seg->saddr,
		.sport = seg->dport,
		.dport = seg->sport,
		.seq = cookie_make(c, seg, mss_index(peer_mss), now),
		.ack = seg->seq + 1,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = lsn->t_rcvbuf < 65535 ? (uint16_t)lsn->t_rcvbuf : 65535,
		.mss = (uint16_t)(mtu >= 576 ? mtu - 40 : TCP_MSS_DEFAULT),
		.ws = -1,
		.ttl = lsn->t_ttl,
		.tos = lsn->t_tos,
	};

	if (lsn->t_user_mss != 0 && lsn->t_user_mss < e.mss)
		e.mss = lsn->t_user_mss;
	while (our_ws < TCP_WS_MAX && (65535u << our_ws) < lsn->t_rcvbuf)
		our_ws++;
	if (seg->opts & SEG_TS) {
		uint32_t ts = (uint32_t)(now / TCP_MS) +
			      tcp_ts_offset(c, seg->daddr, seg->dport,
					    seg->saddr, seg->sport);
		uint32_t code = 0;
		if (seg->opts & SEG_WS) {
			e.ws = our_ws;
			code = (uint32_t)our_ws << 4 | (seg->ws + 1u);
		}
		/* Clear the low byte below now, so TSval never runs ahead
		 * of our clock. */
		e.ts = true;
		e.tsval = ((ts - 256) & ~0xffu) | code;
		e.tsecr = seg->tsval;
	}
	lsn->t_lsn->l_cookie_ns = now;
	net_count(lsn->t_ns, NC_tcp_syncookie_out);
	tcp_emit(lsn->t_ns, &e);
}

/* A valid cookie ACK: the connection the SYN-ACK described, then the
 * segment runs through it (it may carry data). */
static void cookie_accept(struct tcp_pcb *lsn, struct tcp_seg *seg,
			  uint16_t mss, struct netbuf *nb)
{
	struct tcp_pcb *child = child_new(lsn, seg);

	if (child == NULL) {
		netbuf_put(nb);
		return;
	}
	child->t_iss = seg->ack - 1;
	child->t_snd_una = child->t_iss;
	child->t_snd_nxt = child->t_iss + 1;
	child->t_snd_max = child->t_iss + 1;
	child->t_recover = child->t_iss;
	child->t_irs = seg->seq - 1;
	child->t_rcv_nxt = seg->seq;
	child->t_last_ack_sent = seg->seq;
	child->t_rcv_adv =
		seg->seq + (child->t_rcvbuf < 65535 ? child->t_rcvbuf : 65535);
	child->t_peer_mss = mss;
	child->t_flags &= ~(TF_WS | TF_TS);
	child->t_snd_ws = 0;
	child->t_rcv_ws = 0;
	if ((seg->opts & SEG_TS) && seg->tsecr != 0) {
		child->t_flags |= TF_TS | TF_TS_RECENT;
		child->t_ts_recent = seg->tsval;
		child->t_ts_recent_ms = tcp_now_ms();
		uint8_t peer = seg->tsecr & 0xf, ours = (seg->tsecr >> 4) & 0xf;
		if (peer != 0 && ours <= TCP_WS_MAX) {
			child->t_flags |= TF_WS;
			child->t_snd_ws =
				(uint8_t)(peer - 1 > TCP_WS_MAX ? TCP_WS_MAX
								: peer - 1);
			child->t_rcv_ws = ours;
		}
	}
	net_count(lsn->t_ns, NC_tcp_syncookie_ok);
	tcp_rexmt_restart(child); /* as if it had sent the SYN-ACK */
	tcp_pcb_input(child, seg, nb);
}

/* An ACK reached the listener: a cookie's, or a stray to reset. */
static void listen_ack(struct tcp_pcb *lsn, struct tcp_seg *seg,
		       struct netbuf *nb)
{
	struct tcp_listener *l = lsn->t_lsn;
	uint64_t now = net_now_ns();
	bool cookies = l->l_cookie_ns != 0 &&
		       now - l->l_cookie_ns <= TCP_COOKIE_SLACK_NS;

	if (cookies && !(seg->flags & (TCP_SYN | TCP_RST | TCP_FIN))) {
		uint16_t mss = cookie_check(tcp_ctx(lsn->t_ns), seg, now);
		if (mss != 0) {
			if (l->l_acc_n >= l->l_backlog) {
				/* The peer sends again; maybe room then. */
				net_count(lsn->t_ns, NC_tcp_syn_backlog_full);
				netbuf_put(nb);
				return;
			}
			cookie_accept(lsn, seg, mss, nb);
			return;
		}
		net_count(lsn->t_ns, NC_tcp_syncookie_bad);
	}
	tcp_reply_rst(lsn->t_ns, seg);
	netbuf_put(nb);
}

void tcp_listen_input(struct tcp_pcb *lsn, struct tcp_seg *seg,
		      struct netbuf *nb)
{
	struct tcp_listener *l = lsn->t_lsn;
	uint8_t f = seg->flags;

	if (f & TCP_RST)
		goto drop;
	if (f & TCP_ACK) {
		listen_ack(lsn, seg, nb);
		return;
	}
	/* SYN+FIN is no way to open a connection (and a scanner's mark). */
	if (!(f & TCP_SYN) || (f & TCP_FIN))
		goto drop;
	if (l->l_acc_n >= l->l_backlog) {
		net_count(lsn->t_ns, NC_tcp_syn_backlog_full);
		goto drop;
	}
	struct tcp_pcb *child = NULL;
	if (l->l_syn_n < l->l_syn_max)
		child = child_new(lsn, seg);
	if (child == NULL) {
		net_count(lsn->t_ns, NC_tcp_syn_backlog_full);
		send_cookie(lsn, seg);
		goto drop;
	}
	tcp_syn_options(child, seg);
	child->t_snd_wnd = seg->wnd;
	/* Data on a SYN is not taken (no TCP Fast Open): the peer sends it
	 * again once we acknowledge the SYN alone. */
	tcp_send_syn(child);
drop:
	netbuf_put(nb);
}

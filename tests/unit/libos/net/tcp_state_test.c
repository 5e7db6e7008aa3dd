/* SPDX-License-Identifier: MIT */
/*
 * TCP against scripted packet exchanges: the test plays the peer, one
 * segment at a time, and checks every segment the stack sends (flags,
 * sequence and acknowledgment numbers, window, options, payload), its
 * state, events and counters. Covers the handshakes (active, passive,
 * simultaneous), delayed ACK, Nagle, retransmission with backoff and an
 * RTO from measured RTTs, fast retransmit and NewReno partial ACKs,
 * window scaling, zero window and persist probes, FIN in every state and
 * TIME_WAIT, the RST rules (SYN-SENT, RFC 5961), PAWS, keep-alive, the
 * listen backlog with SYN cookies, a SYN flood's memory bound, closes
 * that reset, reassembly and ICMP errors. The environment (clock,
 * randomness, IP) is tests/unit/libos/net/tcp_fake_ip.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mosaic/siphash.h>

#include <kernel/errno.h>
#include <net/tcp.h>

#include "tcp_fake_ip.h"
#include "tcp_impl.h"

#define MS 1000000ull
#define SEC (1000 * MS)

static struct netstack ns;
static uint64_t mem0; /* ns_mem_bytes after init */
static uint64_t live0; /* netbufs alive before init */
static struct fake_seg *cur;
static struct pseg seg;
static unsigned int events;

static int setup(void **state)
{
	(void)state;
	fake_env_reset(7);
	live0 = fake_netbufs_live();
	assert_int_equal(netstack_init(&ns), 0);
	fake_ip_config(&ns, fake_local_ip(), 1500);
	mem0 = ns.ns_mem_bytes;
	events = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(cur);
	cur = NULL;
	assert_int_equal(fake_ip_stats(&ns)->violations, 0);
	netstack_destroy(&ns);
	assert_int_equal(ns.ns_mem_bytes, 0);
	assert_int_equal(fake_netbufs_live(), live0);
	return 0;
}

static void on_event(void *arg, unsigned int ev)
{
	(void)arg;
	events |= ev;
}

/* The next segment the stack sent (line: the caller's, for failures). */
static const struct pseg *out_at(int line)
{
	free(cur);
	cur = fake_ip_take(&ns);
	if (cur == NULL)
		fail_msg("line %d: no segment sent", line);
	assert_true(fake_tcp_parse(cur, &seg));
	return &seg;
}
#define out() out_at(__LINE__)

static void no_out_at(int line)
{
	struct pseg p;

	if (fake_ip_pending(&ns) == 0)
		return;
	free(cur);
	cur = fake_ip_take(&ns);
	assert_true(fake_tcp_parse(cur, &p));
	fail_msg("line %d: unexpected segment flags %#x seq %u ack %u len %zu",
		 line, p.flags, p.seq, p.ack, p.len);
}
#define no_out() no_out_at(__LINE__)

static void drain(void)
{
	fake_ip_drain(&ns);
}

static void run_until(uint64_t t)
{
	struct netstack *s = &ns;

	fake_run_until(&s, 1, t);
}

static void run_for(uint64_t d)
{
	run_until(fake_now() + d);
}

static uint64_t ctr(enum net_ctr c)
{
	return ns.ns_ctr[c];
}

/* Option bytes: MSS, NOP WS, NOP NOP TS, as a SYN carries them. */
static size_t syn_opts(uint8_t *o, int mss, int ws, bool ts, uint32_t tsval,
		       uint32_t tsecr)
{
	size_t n = 0;

	if (mss >= 0) {
		o[n++] = 2;
		o[n++] = 4;
		net_put16(o + n, (uint16_t)mss);
		n += 2;
	}
	if (ws >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = (uint8_t)ws;
	}
	if (ts) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		net_put32(o + n, tsval);
		net_put32(o + n + 4, tsecr);
		n += 8;
	}
	return n;
}

/* A connection as the test's peer sees it. */
struct conn {
	struct tcp_pcb *pcb;
	uint16_t lport, pport;
	uint32_t snd; /* the stack's next sequence number */
	uint32_t rcv; /* ours (the peer's) */
	bool ts;
	uint32_t tsval; /* the peer's clock */
	uint32_t their_ts; /* the stack's last TSval */
	uint8_t ws; /* the peer's shift for windows it sends */
};

struct est {
	int mss, ws; /* peer options, -1 none */
	bool ts;
	uint16_t wnd; /* the peer's window field */
	uint64_t rtt; /* delay before the SYN-ACK */
};

static const struct est plain = { .mss = 1460, .ws = -1, .wnd = 65535 };

/* The peer sends a segment of conn c. */
static void peer_send(struct conn *c, uint8_t flags, const void *data,
		      size_t len, uint16_t wnd)
{
	uint8_t o[12];
	struct tseg s = {
		.sport = c->pport,
		.dport = c->lport,
		.seq = c->rcv,
		.ack = c->snd,
		.flags = flags,
		.wnd = wnd,
		.data = data,
		.len = len,
	};

	if (c->ts) {
		s.optlen = syn_opts(o, -1, -1, true, ++c->tsval, c->their_ts);
		s.opts = o;
	}
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	c->rcv += (uint32_t)len + !!(flags & (TCP_FIN | TCP_SYN));
}

/* A bare segment with explicit numbers. */
static void peer_raw(const struct conn *c, uint8_t flags, uint32_t seq,
		     uint32_t ack, uint16_t wnd)
{
	struct tseg s = {
		.sport = c->pport,
		.dport = c->lport,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.wnd = wnd,
	};

	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
}

static void expect_ack_at(const struct conn *c, int line)
{
	const struct pseg *p = out_at(line);

	if (p->flags != TCP_ACK || p->seq != c->snd || p->ack != c->rcv ||
	    p->len != 0)
		fail_msg("line %d: want ACK seq %u ack %u, got flags %#x seq "
			 "%u ack %u len %zu",
			 line, c->snd, c->rcv, p->flags, p->seq, p->ack,
			 p->len);
}
#define expect_ack(c) expect_ack_at(c, __LINE__)

static void est_active(struct conn *c, const struct est *e)
{
	uint8_t o[40];

	memset(c, 0, sizeof(*c));
	assert_int_equal(tcp_pcb_new(&ns, &c->pcb), 0);
	tcp_set_notify(c->pcb, on_event, NULL);
	assert_int_equal(tcp_connect(c->pcb, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_SYN);
	assert_int_equal(tcp_state(c->pcb), TCP_SYN_SENT);
	c->lport = p->sport;
	c->pport = 80;
	c->snd = p->seq + 1;
	c->rcv = 5000;
	c->ts = e->ts;
	c->tsval = 1000;
	c->their_ts = p->tsval;
	c->ws = e->ws < 0 ? 0 : (uint8_t)e->ws;
	run_for(e->rtt);
	struct tseg s = {
		.sport = 80,
		.dport = c->lport,
		.seq = c->rcv,
		.ack = c->snd,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = e->wnd,
		.opts = o,
		.optlen = syn_opts(o, e->mss, e->ws, e->ts, c->tsval, p->tsval),
	};
	while (s.optlen % 4)
		o[s.optlen++] = 1;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	c->rcv++;
	assert_int_equal(tcp_state(c->pcb), TCP_ESTABLISHED);
	p = out();
	assert_int_equal(p->flags, TCP_ACK);
	assert_int_equal(p->seq, c->snd);
	assert_int_equal(p->ack, c->rcv);
	if (e->ts)
		c->their_ts = p->tsval;
}

/* A listener on port 80, backlog b. */
static struct tcp_pcb *listener(int b)
{
	struct tcp_pcb *l;

	assert_int_equal(tcp_pcb_new(&ns, &l), 0);
	tcp_set_notify(l, on_event, NULL);
	assert_int_equal(tcp_bind(l, 0, 80), 0);
	assert_int_equal(tcp_listen(l, b), 0);
	assert_int_equal(tcp_state(l), TCP_LISTEN);
	return l;
}

/* The peer's SYN from port pport to the listener, with sequence number
 * iss; checks the SYN-ACK. */
static void peer_syn_iss(struct conn *c, uint16_t pport, const struct est *e,
			 uint32_t iss)
{
	uint8_t o[40];

	memset(c, 0, sizeof(*c));
	c->lport = 80;
	c->pport = pport;
	c->rcv = iss;
	c->ts = e->ts;
	c->tsval = 500;
	c->ws = e->ws < 0 ? 0 : (uint8_t)e->ws;
	struct tseg s = {
		.sport = pport,
		.dport = 80,
		.seq = c->rcv,
		.flags = TCP_SYN,
		.wnd = e->wnd,
		.opts = o,
		.optlen = syn_opts(o, e->mss, e->ws, e->ts, c->tsval, 0),
	};
	while (s.optlen % 4)
		o[s.optlen++] = 1;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	c->rcv++;
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p->ack, c->rcv);
	assert_int_equal(p->sport, 80);
	assert_int_equal(p->dport, pport);
	c->snd = p->seq + 1;
	c->their_ts = p->tsval;
}

static void peer_syn(struct conn *c, uint16_t pport, const struct est *e)
{
	peer_syn_iss(c, pport, e, 7000);
}

static void est_passive(struct tcp_pcb *l, struct conn *c, uint16_t pport,
			const struct est *e)
{
	peer_syn(c, pport, e);
	peer_send(c, TCP_ACK, NULL, 0, e->wnd);
	no_out();
	assert_int_equal(tcp_accept(l, &c->pcb), 0);
	tcp_set_notify(c->pcb, on_event, NULL);
	assert_int_equal(tcp_state(c->pcb), TCP_ESTABLISHED);
}

/* ---- Handshakes. */

static void test_siphash_vector(void **state)
{
	/* The reference vector of the SipHash paper (appendix A). */
	uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint8_t msg[15];

	(void)state;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(mosaic_siphash24(key, msg, sizeof(msg)) ==
		    0xa129ca6149be45e5ull);
}

static void test_active_open(void **state)
{
	struct tcp_pcb *pcb;
	uint8_t o[40];
	int v;

	(void)state;
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	tcp_set_notify(pcb, on_event, NULL);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EALREADY);
	assert_int_equal(tcp_send(pcb, "x", 1, 0), -ENOTCONN);
	assert_int_equal(tcp_recv(pcb, o, 1, 0), -EAGAIN);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_SYN);
	assert_int_equal(p->dport, 80);
	assert_true(p->sport >= 49152);
	assert_int_equal(p->ack, 0);
	assert_int_equal(p->wnd, 65535);
	assert_int_equal(p->mss, 1460);
	assert_int_equal(p->ws, 1); /* 64 KiB does not fit 65535 */
	assert_true(p->ts);
	assert_int_equal(p->tsecr, 0);
	assert_int_equal(p->hlen, 40);
	assert_int_equal(p->len, 0);
	assert_true(p->src == fake_local_ip() && p->dst == fake_peer_ip());
	assert_true(cur->tx.df);
	uint32_t iss = p->seq;
	uint16_t lport = p->sport;
	uint32_t tsval = p->tsval;
	assert_int_equal(tcp_poll(pcb), 0);

	struct tseg s = {
		.sport = 80,
		.dport = lport,
		.seq = 90000,
		.ack = iss + 1,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = 30000,
		.opts = o,
		.optlen = syn_opts(o, 1000, 2, true, 4242, tsval),
	};
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	p = out();
	assert_int_equal(p->flags, TCP_ACK);
	assert_int_equal(p->seq, iss + 1);
	assert_int_equal(p->ack, 90001);
	assert_true(p->ts);
	assert_int_equal(p->tsecr, 4242);
	assert_int_equal(p->mss, -1);
	assert_int_equal(p->ws, -1);
	/* 64 KiB at a shift of 1. */
	assert_int_equal(p->wnd, 32768);
	no_out();
	assert_int_equal(tcp_state(pcb), TCP_ESTABLISHED);
	assert_true(events & NET_POLLOUT);
	assert_true(tcp_poll(pcb) & NET_POLLOUT);
	assert_int_equal(tcp_getopt(pcb, NET_OPT_MAXSEG, &v), 0);
	assert_int_equal(v, 1000 - 12); /* the peer's MSS less timestamps */
	uint32_t a;
	uint16_t port;
	assert_int_equal(tcp_remote(pcb, &a, &port), 0);
	assert_true(a == fake_peer_ip() && port == 80);
	tcp_local(pcb, &a, &port);
	assert_true(a == fake_local_ip() && port == lport);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EISCONN);
	assert_int_equal(ctr(NC_tcp_active_open), 1);
	tcp_abort(pcb);
	p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	assert_int_equal(p->seq, iss + 1);
	assert_int_equal(tcp_pcb_count(&ns), 0);
}

static void test_passive_open(void **state)
{
	struct tcp_pcb *l = listener(4), *child;
	struct conn c;
	const struct est e = { .mss = 1200, .ws = 7, .ts = true, .wnd = 1000 };

	(void)state;
	peer_syn(&c, 40000, &e);
	const struct pseg *p = &seg;
	assert_int_equal(p->mss, 1460);
	assert_int_equal(p->ws, 1);
	assert_true(p->ts);
	assert_int_equal(p->tsecr, 500);
	assert_int_equal(p->wnd, 65535);
	assert_int_equal(tcp_accept(l, &child), -EAGAIN);
	assert_int_equal(tcp_poll(l), 0);
	assert_int_equal(tcp_pcb_count(&ns), 2);
	assert_int_equal(ctr(NC_tcp_passive_open), 1);
	/* A retransmitted SYN gets the same SYN-ACK again. */
	struct tseg s = { .sport = 40000,
			  .dport = 80,
			  .seq = 7000,
			  .flags = TCP_SYN,
			  .wnd = 1000 };
	uint32_t iss = c.snd - 1;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	p = out();
	assert_int_equal(p->flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p->seq, iss);

	events = 0;
	peer_send(&c, TCP_ACK, "hello", 5, 1000);
	assert_true(events & NET_POLLIN);
	assert_true(tcp_poll(l) & NET_POLLIN);
	assert_int_equal(tcp_accept(l, &child), 0);
	assert_int_equal(tcp_accept(l, &child), -EAGAIN);
	assert_int_equal(tcp_state(child), TCP_ESTABLISHED);
	char buf[16];
	assert_int_equal(tcp_recv(child, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	/* Window scaling is on both ways: 1000 << 7 from the peer. */
	assert_int_equal(tcp_send(child, "abc", 3, 0), 3);
	p = out();
	assert_int_equal(p->flags, TCP_ACK | TCP_PSH);
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(p->ack, c.rcv);
	assert_int_equal(p->len, 3);
	assert_memory_equal(p->data, "abc", 3);
	/* The edge moved by 5 bytes only: not worth advancing (SWS). */
	assert_int_equal(p->wnd, (65535 - 5) >> 1);
	assert_int_equal(child->t_snd_wnd, 1000u << 7);
	tcp_close(child);
	p = out();
	assert_int_equal(p->flags, TCP_ACK | TCP_FIN);
	tcp_close(l);
	assert_int_equal(tcp_pcb_count(&ns), 1); /* the orphan finishing */
}

static void test_simultaneous_open(void **state)
{
	struct tcp_pcb *pcb;
	uint8_t o[40];

	(void)state;
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_bind(pcb, 0, 5555), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 6666), -EINPROGRESS);
	const struct pseg *p = out();
	uint32_t iss = p->seq;
	/* The peer's SYN crosses ours. */
	struct tseg s = {
		.sport = 6666,
		.dport = 5555,
		.seq = 300,
		.flags = TCP_SYN,
		.wnd = 8000,
		.opts = o,
		.optlen = syn_opts(o, 1460, -1, false, 0, 0),
	};
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	assert_int_equal(tcp_state(pcb), TCP_SYN_RECEIVED);
	p = out();
	assert_int_equal(p->flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p->seq, iss);
	assert_int_equal(p->ack, 301);
	assert_int_equal(p->ws, -1); /* the peer offered none */
	assert_false(p->ts);
	/* Its SYN-ACK crosses ours (RFC 9293 figure 7). */
	s.flags = TCP_SYN | TCP_ACK;
	s.ack = iss + 1;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	assert_int_equal(tcp_state(pcb), TCP_ESTABLISHED);
	/* Its SYN was old by then: acknowledged, as any duplicate. */
	p = out();
	assert_int_equal(p->flags, TCP_ACK);
	assert_int_equal(p->seq, iss + 1);
	assert_int_equal(p->ack, 301);
	no_out();
	assert_int_equal(tcp_send(pcb, "z", 1, 0), 1);
	p = out();
	assert_int_equal(p->seq, iss + 1);
	assert_int_equal(p->ack, 301);
	assert_int_equal(p->wnd, 65535); /* no scaling */
	tcp_abort(pcb);
	drain();
}

static void test_syn_sent_rst(void **state)
{
	struct tcp_pcb *pcb;

	(void)state;
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	tcp_set_notify(pcb, on_event, NULL);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p = out();
	uint32_t iss = p->seq;
	struct conn c = { .lport = p->sport, .pport = 80 };
	/* A RST without ACK, or acknowledging something else: ignored. */
	peer_raw(&c, TCP_RST, 1, 0, 0);
	peer_raw(&c, TCP_RST | TCP_ACK, 1, iss + 5, 0);
	peer_raw(&c, TCP_RST | TCP_ACK, 1, iss, 0);
	no_out();
	assert_int_equal(tcp_state(pcb), TCP_SYN_SENT);
	/* An unacceptable ACK gets a RST from its ACK number. */
	peer_raw(&c, TCP_ACK, 1, iss + 9, 0);
	p = out();
	assert_int_equal(p->flags, TCP_RST);
	assert_int_equal(p->seq, iss + 9);
	assert_int_equal(tcp_state(pcb), TCP_SYN_SENT);
	/* A SYN-ACK acknowledging the wrong thing: RST, still trying. */
	peer_raw(&c, TCP_SYN | TCP_ACK, 1, iss, 0);
	p = out();
	assert_int_equal(p->flags, TCP_RST);
	assert_int_equal(p->seq, iss);
	assert_int_equal(tcp_state(pcb), TCP_SYN_SENT);
	/* A plain ACK-less segment without SYN: dropped. */
	peer_raw(&c, TCP_FIN, 1, 0, 0);
	no_out();
	events = 0;
	peer_raw(&c, TCP_RST | TCP_ACK, 0, iss + 1, 0);
	no_out();
	assert_int_equal(tcp_state(pcb), TCP_CLOSED);
	assert_true(events & NET_POLLERR);
	assert_true(tcp_poll(pcb) & NET_POLLERR);
	assert_int_equal(tcp_take_error(pcb), -ECONNREFUSED);
	assert_int_equal(tcp_take_error(pcb), 0);
	assert_int_equal(ctr(NC_tcp_rst_in), 1);
	/* A failed attempt may be retried. */
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	p = out();
	assert_int_equal(p->flags, TCP_SYN);
	tcp_close(pcb);
	no_out();
	assert_int_equal(tcp_pcb_count(&ns), 0);
}

static void test_syn_retries(void **state)
{
	struct tcp_pcb *pcb;

	(void)state;
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	uint32_t iss = out()->seq;
	uint64_t t = fake_now(), rto = 1 * SEC;
	for (int i = 0; i < TCP_SYN_RETRIES; i++) {
		assert_true(netstack_next_deadline(&ns) == t + rto);
		run_until(t + rto - 1);
		no_out();
		run_until(t + rto);
		const struct pseg *p = out();
		assert_int_equal(p->flags, TCP_SYN);
		assert_int_equal(p->seq, iss);
		t += rto;
		rto *= 2;
	}
	run_until(t + rto);
	no_out(); /* no RST: never synchronized */
	assert_int_equal(tcp_state(pcb), TCP_CLOSED);
	assert_int_equal(tcp_take_error(pcb), -ETIMEDOUT);
	assert_int_equal(ctr(NC_tcp_timeout), 1);
	tcp_close(pcb);
}

/* ---- Data. */

static void test_delayed_ack(void **state)
{
	struct conn c;
	char buf[4000], in[4000];

	(void)state;
	est_active(&c, &plain);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	events = 0;
	peer_send(&c, TCP_ACK | TCP_PSH, buf, 100, 65535);
	no_out();
	assert_true(events & NET_POLLIN);
	assert_true(tcp_poll(c.pcb) & NET_POLLIN);
	uint64_t t = fake_now();
	run_until(t + 39 * MS);
	no_out();
	run_until(t + 40 * MS);
	expect_ack(&c);
	assert_int_equal(seg.wnd, 65535 - 100); /* no scaling */
	assert_int_equal(tcp_recv(c.pcb, in, 50, NET_MSG_PEEK), 50);
	assert_int_equal(tcp_recv(c.pcb, in, sizeof(in), 0), 100);
	assert_memory_equal(in, buf, 100);
	assert_int_equal(tcp_recv(c.pcb, in, sizeof(in), 0), -EAGAIN);
	no_out(); /* reading 100 bytes is no update worth sending */
	/* Two full-sized segments: ACK at once. */
	peer_send(&c, TCP_ACK, buf, 1460, 65535);
	no_out();
	peer_send(&c, TCP_ACK, buf + 1460, 1460, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_recv(c.pcb, in, sizeof(in), 0), 2920);
	assert_memory_equal(in, buf, 2920);
	/* Reading 2920 bytes opened the window by 2 MSS: an update. */
	expect_ack(&c);
	assert_int_equal(seg.wnd, 65535);
	/* Data carries the ACK when we have some to send. */
	peer_send(&c, TCP_ACK, buf, 10, 65535);
	assert_int_equal(tcp_send(c.pcb, "reply", 5, 0), 5);
	const struct pseg *p = out();
	assert_int_equal(p->ack, c.rcv);
	assert_int_equal(p->len, 5);
	run_for(300 * MS);
	assert_int_equal(fake_ip_pending(&ns), 1); /* retransmitted at 200 */
	drain();
	tcp_abort(c.pcb);
	drain();
}

static void test_nagle(void **state)
{
	struct conn c;

	(void)state;
	est_active(&c, &plain);
	assert_int_equal(tcp_send(c.pcb, "0123456789", 10, 0), 10);
	const struct pseg *p = out();
	assert_int_equal(p->len, 10);
	assert_int_equal(p->seq, c.snd);
	/* Unacknowledged small data holds back more small data. */
	assert_int_equal(tcp_send(c.pcb, "abcdefghij", 10, 0), 10);
	assert_int_equal(tcp_send(c.pcb, "ABCDEFGHIJ", 10, 0), 10);
	no_out();
	c.snd += 10;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	p = out();
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(p->len, 20);
	assert_memory_equal(p->data, "abcdefghijABCDEFGHIJ", 20);
	c.snd += 20;
	/* A full segment goes whatever is outstanding. */
	char big[1500];
	memset(big, 'q', sizeof(big));
	assert_int_equal(tcp_send(c.pcb, big, 1470, 0), 1470);
	p = out();
	assert_int_equal(p->len, 1460);
	no_out(); /* the 10-byte tail waits */
	c.snd += 1460;
	/* With TCP_NODELAY the tail goes at once. */
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_NODELAY, 1), 0);
	p = out();
	assert_int_equal(p->len, 10);
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(tcp_send(c.pcb, "x", 1, 0), 1);
	p = out();
	assert_int_equal(p->len, 1);
	tcp_abort(c.pcb);
	drain();
}

/* ---- Retransmission and congestion control. */

/* Takes every segment sent; returns how many, their total payload. */
static int take_all(uint32_t *bytes, uint32_t *first_seq)
{
	int n = 0;

	*bytes = 0;
	while (fake_ip_pending(&ns) != 0) {
		const struct pseg *p = out();
		if (n == 0 && first_seq != NULL)
			*first_seq = p->seq;
		*bytes += (uint32_t)p->len;
		n++;
	}
	return n;
}

static void test_rto_backoff(void **state)
{
	struct conn c;
	const struct est e = {
		.mss = 1460, .ws = -1, .wnd = 65535, .rtt = 100 * MS
	};
	char data[100];

	(void)state;
	memset(data, 'r', sizeof(data));
	est_active(&c, &e);
	/* RFC 6298 2.2 from the handshake: 100 + 4 * 50 ms. */
	assert_int_equal(c.pcb->t_rto_us, 300000);
	assert_int_equal(tcp_send(c.pcb, data, 100, 0), 100);
	out();
	assert_true(netstack_next_deadline(&ns) == fake_now() + 300 * MS);
	/* A second sample, 500 ms (2.3): SRTT 150 ms, RTTVAR 137.5 ms. */
	run_for(500 * MS);
	assert_int_equal(fake_ip_pending(&ns), 1); /* retransmitted at 300 */
	drain();
	c.snd += 100;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	/* Karn: the ACK of a retransmitted segment is no sample. */
	assert_int_equal(c.pcb->t_rto_us, 300000);
	assert_int_equal(tcp_send(c.pcb, data, 100, 0), 100);
	out();
	run_for(250 * MS);
	c.snd += 100;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	/* 2.3: RTTVAR = 3/4 * 50 + 1/4 * 150 = 75, SRTT = 7/8 * 100 +
	 * 1/8 * 250 = 118.75, RTO = SRTT + 4 * RTTVAR. */
	assert_int_equal(c.pcb->t_srtt_us, 118750);
	assert_int_equal(c.pcb->t_rttvar_us, 75000);
	assert_int_equal(c.pcb->t_rto_us, 418750);

	/* Now the peer is gone: exponential backoff to 60 s, then reset. */
	assert_int_equal(tcp_send(c.pcb, data, 100, 0), 100);
	const struct pseg *p = out();
	uint32_t seq = p->seq;
	uint64_t t = fake_now(), rto = 418750 * 1000ull;
	for (int i = 0; i < TCP_DATA_RETRIES; i++) {
		assert_true(netstack_next_deadline(&ns) == t + rto);
		run_until(t + rto - 1);
		no_out();
		run_until(t + rto);
		p = out();
		assert_int_equal(p->seq, seq);
		assert_int_equal(p->len, 100);
		assert_memory_equal(p->data, data, 100);
		t += rto;
		rto = rto * 2 > 60 * SEC ? 60 * SEC : rto * 2;
	}
	assert_int_equal(ctr(NC_tcp_retransmit), 1 + TCP_DATA_RETRIES);
	run_until(t + rto);
	p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	assert_int_equal(p->seq, seq + 100);
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSED);
	assert_int_equal(tcp_take_error(c.pcb), -ETIMEDOUT);
	assert_int_equal(ctr(NC_tcp_timeout), 1);
	assert_int_equal(tcp_send(c.pcb, data, 1, 0), -EPIPE);
	assert_int_equal(tcp_recv(c.pcb, data, 1, 0), 0);
	tcp_close(c.pcb);
}

/* Sends the peer's ACK for everything up to ack, one at a time for each
 * segment taken (to open the congestion window quickly). */
static void ack_each(struct conn *c, uint16_t wnd)
{
	uint32_t ends[256];
	int n = 0;

	while (fake_ip_pending(&ns) != 0 && n < 256) {
		const struct pseg *p = out();
		ends[n++] = p->seq + (uint32_t)p->len;
	}
	for (int i = 0; i < n; i++) {
		c->snd = ends[i];
		peer_send(c, TCP_ACK, NULL, 0, wnd);
	}
}

static void test_newreno(void **state)
{
	struct conn c;
	static char data[60000];
	const uint32_t mss = 1460;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i ^ (i >> 8));
	est_active(&c, &plain);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_NODELAY, 1), 0);
	assert_int_equal(c.pcb->t_cwnd, 3 * mss); /* RFC 3390 for 1460 */
	assert_int_equal(tcp_send(c.pcb, data, 3 * mss, 0), 3 * mss);
	ack_each(&c, 65535); /* slow start: +1 MSS per ACK */
	assert_int_equal(c.pcb->t_cwnd, 6 * mss);
	assert_int_equal(tcp_send(c.pcb, data, 6 * mss, 0), 6 * mss);
	ack_each(&c, 65535);
	assert_int_equal(c.pcb->t_cwnd, 12 * mss);

	/* Twelve segments S0..S11 in flight; S0 and S4 are lost. */
	assert_int_equal(tcp_send(c.pcb, data, 20 * mss, 0), 20 * mss);
	uint32_t base = c.snd, bytes, first;
	assert_int_equal(take_all(&bytes, &first), 12);
	assert_int_equal(first, base);
	assert_int_equal(bytes, 12 * mss);
	/* S1, S2, S3 arrive: three duplicate ACKs. */
	c.snd = base;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	const struct pseg *p = out();
	assert_int_equal(p->seq, base); /* S0 again */
	assert_int_equal(p->len, mss);
	no_out();
	assert_int_equal(ctr(NC_tcp_fast_retransmit), 1);
	assert_int_equal(c.pcb->t_ssthresh, 6 * mss);
	assert_int_equal(c.pcb->t_cwnd, 9 * mss);
	/* S5..S11: each inflates the window by an MSS (RFC 5681 3.2 step
	 * 4); past 12 in flight, new segments S12.. go out. */
	for (int i = 0; i < 7; i++)
		peer_send(&c, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(c.pcb->t_cwnd, 16 * mss);
	assert_int_equal(take_all(&bytes, &first), 4);
	assert_int_equal(first, base + 12 * mss);
	/* S0 arrives: a partial ACK up to the hole at S4 (RFC 6582). */
	c.snd = base + 4 * mss;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	p = out();
	assert_int_equal(p->seq, base + 4 * mss);
	assert_int_equal(p->len, mss);
	/* Deflated by the 4 MSS acked, plus one back: 13 MSS against 12 in
	 * flight lets one new segment go. */
	assert_int_equal(c.pcb->t_cwnd, 13 * mss);
	assert_true(c.pcb->t_flags & TF_RECOVERY);
	assert_int_equal(ctr(NC_tcp_fast_retransmit), 1);
	p = out();
	assert_int_equal(p->seq, base + 16 * mss);
	no_out();
	/* S4 arrives: everything through S15 is acknowledged; recovery
	 * ends with cwnd = min(ssthresh, flight + MSS). */
	c.snd = base + 16 * mss;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	assert_false(c.pcb->t_flags & TF_RECOVERY);
	assert_int_equal(c.pcb->t_cwnd, 2 * mss); /* min(6, 1 + 1) */
	assert_int_equal(take_all(&bytes, &first), 1);
	assert_int_equal(first, base + 17 * mss);
	/* Three more duplicate ACKs for data sent before the recovery
	 * ended do not start another. */
	tcp_abort(c.pcb);
	drain();
}

static void test_window_scale(void **state)
{
	struct tcp_pcb *pcb;
	struct conn c;
	uint8_t o[40];
	static char data[50000];

	(void)state;
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_setopt(pcb, NET_OPT_RCVBUF, 1 << 20), 0);
	assert_int_equal(tcp_setopt(pcb, NET_OPT_NODELAY, 1), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p = out();
	assert_int_equal(p->ws, 5); /* 1 MiB needs a shift of 5 */
	assert_int_equal(p->wnd, 65535);
	memset(&c, 0, sizeof(c));
	c.pcb = pcb;
	c.lport = p->sport;
	c.pport = 80;
	c.snd = p->seq + 1;
	c.rcv = 1;
	struct tseg s = {
		.sport = 80,
		.dport = c.lport,
		.seq = 0,
		.ack = c.snd,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = 4000, /* never scaled in a SYN */
		.opts = o,
		.optlen = syn_opts(o, 1460, 3, false, 0, 0),
	};
	while (s.optlen % 4)
		o[s.optlen++] = 1;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	p = out();
	assert_int_equal(p->wnd, (1 << 20) >> 5);
	assert_int_equal(pcb->t_snd_wnd, 4000);
	/* The peer's windows are shifted by 3 from now on. */
	peer_send(&c, TCP_ACK, NULL, 0, 1000);
	assert_int_equal(pcb->t_snd_wnd, 8000);
	assert_int_equal(tcp_send(pcb, data, sizeof(data), 0), 50000);
	ack_each(&c, 1000);
	uint32_t bytes;
	take_all(&bytes, NULL);
	/* 5 full segments fit 8000 bytes; the 700-byte rest waits (sender
	 * SWS: under half the largest window). */
	assert_int_equal(pcb->t_snd_max - pcb->t_snd_una, 5 * 1460);
	tcp_abort(pcb);
	drain();
}

static void test_zero_window(void **state)
{
	struct conn c;
	char buf[3000];

	(void)state;
	memset(buf, 'w', sizeof(buf));
	est_active(&c, &plain);
	peer_send(&c, TCP_ACK, NULL, 0, 0);
	assert_int_equal(c.pcb->t_snd_wnd, 0);
	assert_int_equal(tcp_send(c.pcb, buf, 100, 0), 100);
	no_out();
	uint64_t t = fake_now(), iv = 200 * MS; /* RTO floor */
	for (int i = 0; i < 20; i++) {
		assert_true(netstack_next_deadline(&ns) == t + iv);
		run_until(t + iv - 1);
		no_out();
		run_until(t + iv);
		const struct pseg *p = out();
		assert_int_equal(p->flags, TCP_ACK);
		assert_int_equal(p->seq, c.snd - 1);
		assert_int_equal(p->len, 0);
		no_out();
		/* The peer answers, still closed: probing goes on. */
		peer_send(&c, TCP_ACK, NULL, 0, 0);
		t += iv;
		iv = iv * 2 > 60 * SEC ? 60 * SEC : iv * 2;
	}
	assert_int_equal(tcp_state(c.pcb), TCP_ESTABLISHED);
	/* The window opens: data at once. */
	peer_send(&c, TCP_ACK, NULL, 0, 1000);
	const struct pseg *p = out();
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(p->len, 100);
	c.snd += 100;
	peer_send(&c, TCP_ACK, NULL, 0, 1000);
	no_out();

	/* Our buffer shrinks below what we advertised: the edge stays
	 * (RFC 9293 3.8.6.2.2 "shrinking the window" is discouraged) and
	 * the data the peer may send is taken. */
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_RCVBUF, 2048), 0);
	peer_send(&c, TCP_ACK, buf, 1460, 1000);
	expect_ack(&c);
	assert_int_equal(seg.wnd, 65535 - 1460);
	peer_send(&c, TCP_ACK, buf, 1460, 1000);
	expect_ack(&c);
	assert_int_equal(seg.wnd, 65535 - 2920);
	assert_int_equal(c.pcb->t_rq_len, 2920);
	tcp_abort(c.pcb);
	drain();
}

static void test_zero_window_recv(void **state)
{
	struct tcp_pcb *pcb;
	char buf[3000], in[3000];

	(void)state;
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_setopt(pcb, NET_OPT_RCVBUF, 2048), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p = out();
	assert_int_equal(p->wnd, 2048);
	assert_int_equal(p->ws, 0);
	struct conn c = { .pcb = pcb,
			  .lport = p->sport,
			  .pport = 80,
			  .snd = p->seq + 1,
			  .rcv = 100 };
	peer_raw(&c, TCP_SYN | TCP_ACK, 100, c.snd, 8000);
	c.rcv = 101;
	expect_ack(&c);
	assert_int_equal(seg.wnd, 2048);
	/* Half the buffer: ACK at once; the rest waits for the timer. */
	peer_send(&c, TCP_ACK, buf, 1460, 8000);
	expect_ack(&c);
	assert_int_equal(seg.wnd, 2048 - 1460);
	peer_send(&c, TCP_ACK, buf + 1460, 588, 8000);
	no_out();
	run_for(40 * MS);
	expect_ack(&c);
	assert_int_equal(seg.wnd, 0);
	/* A probe with one byte at rcv_nxt: answered, not taken. */
	peer_send(&c, TCP_ACK, "!", 1, 8000);
	c.rcv--;
	expect_ack(&c);
	assert_int_equal(seg.wnd, 0);
	/* Past the window entirely: unacceptable, an ACK. */
	peer_raw(&c, TCP_ACK, c.rcv + 10, c.snd, 8000);
	expect_ack(&c);
	assert_int_equal(ctr(NC_tcp_out_of_window), 1);
	assert_int_equal(tcp_recv(pcb, in, sizeof(in), 0), 2048);
	assert_memory_equal(in, buf, 2048);
	expect_ack(&c); /* the window update */
	assert_int_equal(seg.wnd, 2048);
	tcp_abort(pcb);
	drain();
}

/* A driver's receive buffer is never kept in a receive queue: its
 * payload is copied and the buffer goes back to the pool at once, so a
 * reader that does not read cannot drain a device's fixed pool. */
static void test_driver_buffers_returned(void **state)
{
	struct tcp_pcb *pcb;
	unsigned int released = 0;
	char buf[1400], in[1400];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 13);
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p = out();
	struct conn c = { .pcb = pcb,
			  .lport = p->sport,
			  .pport = 80,
			  .snd = p->seq + 1,
			  .rcv = 100 };
	peer_raw(&c, TCP_SYN | TCP_ACK, 100, c.snd, 8000);
	c.rcv = 101;
	expect_ack(&c);
	fake_ip_driver_buffers(&released);
	for (int i = 0; i < 4; i++)
		peer_send(&c, TCP_ACK, buf, sizeof(buf), 8000);
	fake_ip_driver_buffers(NULL);
	assert_int_equal(released, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(tcp_recv(pcb, in, sizeof(in), 0), sizeof(in));
		assert_memory_equal(in, buf, sizeof(in));
	}
	tcp_abort(pcb);
	drain();
}

/* ---- Closing. */

static unsigned int tws(void)
{
	return tcp_ctx(&ns)->c_tws;
}

static void test_active_close(void **state)
{
	struct conn c;
	char buf[8];

	(void)state;
	est_active(&c, &plain);
	assert_int_equal(tcp_send(c.pcb, "bye", 3, 0), 3);
	out();
	assert_int_equal(tcp_shutdown(c.pcb, 1), 0);
	/* The FIN waits behind unacknowledged data? No: it follows it
	 * (Nagle lets a closing sender go). */
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_ACK | TCP_FIN);
	assert_int_equal(p->seq, c.snd + 3);
	assert_int_equal(p->len, 0);
	assert_int_equal(tcp_state(c.pcb), TCP_FIN_WAIT_1);
	assert_int_equal(tcp_send(c.pcb, "x", 1, 0), -EPIPE);
	assert_false(tcp_poll(c.pcb) & NET_POLLOUT);
	c.snd += 4;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	assert_int_equal(tcp_state(c.pcb), TCP_FIN_WAIT_2);
	assert_int_equal(tcp_unacked(c.pcb), 0);
	/* Data still flows in FIN_WAIT_2 (half close). */
	peer_send(&c, TCP_ACK | TCP_PSH, "more", 4, 65535);
	assert_int_equal(tcp_recv(c.pcb, buf, sizeof(buf), 0), 4);
	run_for(40 * MS);
	expect_ack(&c);
	events = 0;
	peer_send(&c, TCP_ACK | TCP_FIN, NULL, 0, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_state(c.pcb), TCP_TIME_WAIT);
	assert_true(events & NET_POLLRDHUP);
	assert_true(tcp_poll(c.pcb) & NET_POLLHUP);
	assert_int_equal(tcp_recv(c.pcb, buf, sizeof(buf), 0), 0);
	assert_int_equal(tws(), 1);
	/* The pcb let go of the connection: the socket may close. */
	tcp_close(c.pcb);
	assert_int_equal(tcp_pcb_count(&ns), 0);
	/* A retransmitted FIN is acknowledged and restarts 2 MSL. */
	run_for(30 * SEC);
	peer_raw(&c, TCP_ACK | TCP_FIN, c.rcv - 1, c.snd, 65535);
	expect_ack(&c);
	assert_int_equal(seg.wnd, 65535 - 5); /* "more" and the FIN */
	/* RFC 1337: a RST does not end TIME_WAIT. */
	peer_raw(&c, TCP_RST, c.rcv, 0, 0);
	no_out();
	run_for(60 * SEC - 1);
	assert_int_equal(tws(), 1);
	run_for(1);
	assert_int_equal(tws(), 0);
	assert_int_equal(ns.ns_mem_bytes, mem0);
	/* Now the 4-tuple is unknown: a RST answers. */
	peer_raw(&c, TCP_ACK, c.rcv, c.snd, 65535);
	p = out();
	assert_int_equal(p->flags, TCP_RST);
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(ctr(NC_tcp_no_pcb), 1);
}

static void test_passive_close(void **state)
{
	struct conn c;
	char buf[8];

	(void)state;
	est_active(&c, &plain);
	events = 0;
	peer_send(&c, TCP_ACK | TCP_FIN, NULL, 0, 65535);
	expect_ack(&c); /* a FIN is acknowledged at once */
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSE_WAIT);
	assert_true(events & NET_POLLRDHUP);
	assert_int_equal(tcp_poll(c.pcb),
			 NET_POLLIN | NET_POLLRDHUP | NET_POLLOUT);
	assert_int_equal(tcp_recv(c.pcb, buf, sizeof(buf), 0), 0);
	/* A retransmitted FIN: acknowledged again, nothing changes. */
	peer_raw(&c, TCP_ACK | TCP_FIN, c.rcv - 1, c.snd, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSE_WAIT);
	/* We may still send. */
	assert_int_equal(tcp_send(c.pcb, "last", 4, 0), 4);
	out();
	assert_int_equal(tcp_shutdown(c.pcb, 1), 0);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_ACK | TCP_FIN);
	assert_int_equal(p->seq, c.snd + 4);
	assert_int_equal(tcp_state(c.pcb), TCP_LAST_ACK);
	c.snd += 5;
	peer_raw(&c, TCP_ACK | TCP_FIN, c.rcv - 1, c.snd - 5, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_state(c.pcb), TCP_LAST_ACK);
	events = 0;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSED);
	assert_true(events & NET_POLLHUP);
	assert_int_equal(tcp_take_error(c.pcb), 0);
	assert_int_equal(tws(), 0);
	tcp_close(c.pcb);
	no_out();
	assert_int_equal(tcp_pcb_count(&ns), 0);
}

static void test_simultaneous_close(void **state)
{
	struct conn c;

	(void)state;
	est_active(&c, &plain);
	assert_int_equal(tcp_shutdown(c.pcb, 1), 0);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_ACK | TCP_FIN);
	/* The peer's FIN crosses ours: it does not acknowledge ours. */
	peer_send(&c, TCP_ACK | TCP_FIN, NULL, 0, 65535);
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSING);
	c.snd++;
	expect_ack(&c);
	/* Its FIN again (our ACK lost): acknowledged, still CLOSING. */
	peer_raw(&c, TCP_ACK | TCP_FIN, c.rcv - 1, c.snd - 1, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSING);
	/* Now it acknowledges ours. */
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	assert_int_equal(tcp_state(c.pcb), TCP_TIME_WAIT);
	assert_int_equal(tws(), 1);
	tcp_close(c.pcb);
	run_for(2 * TCP_MSL_NS);
	assert_int_equal(tws(), 0);
	assert_int_equal(ns.ns_mem_bytes, mem0);
}

static void test_fin_wait_1_fin_ack(void **state)
{
	struct conn c;

	(void)state;
	est_active(&c, &plain);
	tcp_close(c.pcb); /* nothing unread: a graceful close */
	assert_int_equal(out()->flags, TCP_ACK | TCP_FIN);
	assert_int_equal(tcp_pcb_count(&ns), 1);
	/* FIN and the ACK of ours at once: straight to TIME_WAIT, and the
	 * closed socket's pcb is gone, leaving the small record. */
	c.snd++;
	peer_send(&c, TCP_ACK | TCP_FIN, NULL, 0, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_pcb_count(&ns), 0);
	assert_int_equal(tws(), 1);
	assert_int_equal(ns.ns_mem_bytes, mem0 + sizeof(struct tcp_tw));
	run_for(2 * TCP_MSL_NS);
	assert_int_equal(ns.ns_mem_bytes, mem0);
}

static void test_orphan_fin_wait_2(void **state)
{
	struct conn c;
	static char data[5000];

	(void)state;
	est_active(&c, &plain);
	/* Close with data unsent: it goes out, then the FIN. */
	assert_int_equal(tcp_send(c.pcb, data, sizeof(data), 0), 5000);
	tcp_close(c.pcb);
	uint32_t bytes;
	take_all(&bytes, NULL);
	assert_int_equal(bytes, 3 * 1460);
	c.snd += 3 * 1460;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	take_all(&bytes, NULL);
	assert_int_equal(bytes, 5000 - 3 * 1460);
	assert_true(seg.flags & TCP_FIN);
	c.snd += bytes + 1;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(tcp_pcb_count(&ns), 1); /* FIN_WAIT_2 */
	/* Data for a closed socket: reset (nobody reads it). Not here: the
	 * peer just never closes, and after 60 s we give up. */
	run_for(TCP_FW2_NS - 1);
	no_out();
	assert_int_equal(tcp_pcb_count(&ns), 1);
	run_for(1);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	assert_int_equal(tcp_pcb_count(&ns), 0);
	assert_int_equal(ns.ns_mem_bytes, mem0);
}

static void test_orphan_data_rst(void **state)
{
	struct conn c;

	(void)state;
	est_active(&c, &plain);
	tcp_close(c.pcb);
	out(); /* FIN */
	peer_send(&c, TCP_ACK, "late", 4, 65535);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	assert_int_equal(tcp_pcb_count(&ns), 0);
}

static void test_close_resets(void **state)
{
	struct conn c;

	(void)state;
	/* Unread data: RST, not FIN (RFC 2525 2.17). */
	est_active(&c, &plain);
	peer_send(&c, TCP_ACK, "unread", 6, 65535);
	tcp_close(c.pcb);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(p->ack, c.rcv);
	no_out();
	assert_int_equal(tcp_pcb_count(&ns), 0);
	/* SO_LINGER 0: RST even with nothing unread. */
	est_active(&c, &plain);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_LINGER, 0), 0);
	tcp_close(c.pcb);
	p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	no_out();
	assert_int_equal(tcp_pcb_count(&ns), 0);
	assert_int_equal(ctr(NC_tcp_rst_out), 2);
	assert_int_equal(ns.ns_mem_bytes, mem0);
}

static void test_fin_other_states(void **state)
{
	struct tcp_pcb *l, *child;
	struct conn c;

	(void)state;
	/* SYN_SENT: a FIN without SYN is dropped. */
	assert_int_equal(tcp_pcb_new(&ns, &child), 0);
	assert_int_equal(tcp_connect(child, fake_peer_ip(), 80), -EINPROGRESS);
	uint16_t lport = out()->sport;
	struct conn s = { .lport = lport, .pport = 80 };
	peer_raw(&s, TCP_FIN, 1, 0, 100);
	no_out();
	assert_int_equal(tcp_state(child), TCP_SYN_SENT);
	tcp_close(child);
	/* LISTEN: a FIN is dropped; a FIN with ACK is answered by RST. */
	l = listener(4);
	struct conn lc = { .lport = 80, .pport = 1234 };
	peer_raw(&lc, TCP_FIN, 1, 0, 100);
	no_out();
	peer_raw(&lc, TCP_FIN | TCP_ACK, 1, 77, 100);
	assert_int_equal(out()->flags, TCP_RST);
	assert_int_equal(seg.seq, 77);
	/* SYN_RECEIVED: the handshake's ACK carries a FIN. */
	peer_syn(&c, 2000, &plain);
	peer_send(&c, TCP_ACK | TCP_FIN, NULL, 0, 65535);
	expect_ack(&c);
	assert_int_equal(tcp_accept(l, &child), 0);
	assert_int_equal(tcp_state(child), TCP_CLOSE_WAIT);
	char buf[4];
	assert_int_equal(tcp_recv(child, buf, 4, 0), 0);
	tcp_close(child);
	assert_int_equal(out()->flags, TCP_ACK | TCP_FIN);
	c.snd++;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	tcp_close(l);
	assert_int_equal(tcp_pcb_count(&ns), 0);
}

static void test_time_wait_reuse(void **state)
{
	struct tcp_pcb *l = listener(4), *child;
	struct conn c;

	(void)state;
	est_passive(l, &c, 40000, &plain);
	/* The server closes first: its side holds TIME_WAIT. */
	tcp_close(c.pcb);
	out();
	c.snd++;
	peer_send(&c, TCP_ACK | TCP_FIN, NULL, 0, 65535);
	expect_ack(&c);
	assert_int_equal(tws(), 1);
	/* An old SYN (not above rcv_nxt): only an ACK. */
	peer_raw(&c, TCP_SYN, c.rcv - 10, 0, 65535);
	expect_ack(&c);
	assert_int_equal(tws(), 1);
	/* A new incarnation above the old sequence space reopens. */
	struct conn n;
	peer_syn_iss(&n, 40000, &plain, c.rcv + 100000);
	assert_int_equal(tws(), 0);
	peer_send(&n, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(tcp_accept(l, &child), 0);
	assert_int_equal(tcp_state(child), TCP_ESTABLISHED);
	tcp_close(l); /* the accepted child is not the listener's */
	no_out();
	tcp_close(child);
	assert_int_equal(out()->flags, TCP_ACK | TCP_FIN);
	drain();
}

/* ---- Resets and blind attacks. */

static void test_rst_rules(void **state)
{
	struct conn c;
	char buf[4];

	(void)state;
	est_active(&c, &plain);
	peer_send(&c, TCP_ACK, "abc", 3, 65535);
	drain();
	/* RFC 5961 3.2: in the window but not exact: a challenge ACK. */
	peer_raw(&c, TCP_RST, c.rcv + 100, 0, 0);
	expect_ack(&c);
	assert_int_equal(tcp_state(c.pcb), TCP_ESTABLISHED);
	assert_int_equal(ctr(NC_tcp_challenge_ack), 1);
	/* Outside the window either side: silently dropped. */
	peer_raw(&c, TCP_RST, c.rcv + 70000, 0, 0);
	peer_raw(&c, TCP_RST, c.rcv - 1, 0, 0);
	no_out();
	/* RFC 5961 4: a SYN in a synchronized state is challenged. */
	peer_raw(&c, TCP_SYN, c.rcv + 5, 0, 1000);
	expect_ack(&c);
	assert_int_equal(ctr(NC_tcp_challenge_ack), 2);
	/* RFC 5961 5: an ACK older than the largest window: challenged. */
	peer_raw(&c, TCP_ACK, c.rcv, c.snd - 70000, 1000);
	expect_ack(&c);
	assert_int_equal(ctr(NC_tcp_challenge_ack), 3);
	/* An ACK for data never sent: an ACK, not a challenge. */
	peer_raw(&c, TCP_ACK, c.rcv, c.snd + 1000, 1000);
	expect_ack(&c);
	assert_int_equal(ctr(NC_tcp_challenge_ack), 3);
	/* Rate limit: at most 10 challenges a second per connection. */
	for (int i = 0; i < 20; i++)
		peer_raw(&c, TCP_RST, c.rcv + 1 + (uint32_t)i, 0, 0);
	assert_int_equal(fake_ip_pending(&ns), 7);
	drain();
	assert_int_equal(ctr(NC_tcp_challenge_ack), 10);
	run_for(1 * SEC);
	peer_raw(&c, TCP_RST, c.rcv + 1, 0, 0);
	expect_ack(&c);
	/* The exact RST resets. */
	events = 0;
	peer_raw(&c, TCP_RST, c.rcv, 0, 0);
	no_out();
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSED);
	assert_true(events & NET_POLLERR);
	assert_int_equal(tcp_poll(c.pcb) & (NET_POLLERR | NET_POLLHUP),
			 NET_POLLERR | NET_POLLHUP);
	assert_int_equal(tcp_recv(c.pcb, buf, 4, 0), -ECONNRESET);
	assert_int_equal(tcp_recv(c.pcb, buf, 4, 0), 0);
	assert_int_equal(tcp_send(c.pcb, buf, 1, 0), -EPIPE);
	assert_int_equal(ctr(NC_tcp_rst_in), 1);
	tcp_close(c.pcb);
	no_out();
}

static void test_paws(void **state)
{
	struct conn c;
	const struct est e = {
		.mss = 1460, .ws = -1, .ts = true, .wnd = 65535
	};
	char buf[16];

	(void)state;
	est_active(&c, &e);
	peer_send(&c, TCP_ACK, "new", 3, 65535);
	assert_int_equal(c.pcb->t_ts_recent, c.tsval);
	/* An old timestamp: an old duplicate; ACKed, data dropped. */
	uint32_t saved = c.tsval;
	c.tsval -= 10;
	peer_send(&c, TCP_ACK, "old", 3, 65535);
	c.rcv -= 3;
	c.tsval = saved;
	expect_ack(&c);
	assert_true(seg.ts);
	assert_int_equal(seg.tsecr, saved);
	assert_int_equal(ctr(NC_tcp_out_of_window), 1);
	assert_int_equal(tcp_recv(c.pcb, buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "new", 3);
	/* RTT from the echo: 30 ms. */
	assert_int_equal(tcp_send(c.pcb, "x", 1, 0), 1);
	uint32_t echo = out()->tsval;
	run_for(30 * MS);
	c.their_ts = echo;
	c.snd++;
	uint32_t srtt = c.pcb->t_srtt_us;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(c.pcb->t_srtt_us, srtt - srtt / 8 + 30000 / 8);
	tcp_abort(c.pcb);
	drain();
}

static void test_keepalive(void **state)
{
	struct conn c;

	(void)state;
	est_active(&c, &plain);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_KEEPALIVE, 1), 0);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_KEEPIDLE, 10), 0);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_KEEPINTVL, 2), 0);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_KEEPCNT, 3), 0);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_KEEPCNT, 0), -EINVAL);
	uint64_t t = fake_now();
	run_until(t + 10 * SEC - 1);
	no_out();
	run_until(t + 10 * SEC);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_ACK);
	assert_int_equal(p->seq, c.snd - 1);
	assert_int_equal(p->len, 0);
	/* The peer answers: idle again for 10 s. */
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	t = fake_now();
	run_until(t + 10 * SEC - 1);
	no_out();
	for (int i = 0; i < 3; i++) {
		run_until(t + 10 * SEC + (uint64_t)i * 2 * SEC);
		p = out();
		assert_int_equal(p->seq, c.snd - 1);
	}
	run_until(t + 16 * SEC);
	p = out();
	assert_int_equal(p->flags, TCP_RST | TCP_ACK);
	assert_int_equal(tcp_state(c.pcb), TCP_CLOSED);
	assert_int_equal(tcp_take_error(c.pcb), -ETIMEDOUT);
	assert_int_equal(ctr(NC_tcp_keepalive_drop), 1);
	tcp_close(c.pcb);
}

/* ---- Listeners. */

/* The peer's SYN, answered by a cookie (no state kept). */
static uint32_t cookie_syn(struct conn *c, uint16_t pport, const struct est *e)
{
	uint8_t o[40];

	memset(c, 0, sizeof(*c));
	c->lport = 80;
	c->pport = pport;
	c->rcv = 123456;
	c->ts = e->ts;
	c->tsval = 900;
	struct tseg s = {
		.sport = pport,
		.dport = 80,
		.seq = c->rcv,
		.flags = TCP_SYN,
		.wnd = e->wnd,
		.opts = o,
		.optlen = syn_opts(o, e->mss, e->ws, e->ts, c->tsval, 0),
	};
	while (s.optlen % 4)
		o[s.optlen++] = 1;
	unsigned int pcbs = tcp_pcb_count(&ns);
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	assert_int_equal(tcp_pcb_count(&ns), pcbs);
	c->rcv++;
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p->ack, c->rcv);
	assert_int_equal(p->mss, 1460);
	c->snd = p->seq + 1;
	c->their_ts = p->tsval;
	return p->seq;
}

static void test_syn_cookies(void **state)
{
	struct tcp_pcb *l = listener(2), *child, *a, *b;
	struct conn h1, h2, k, bad;
	const struct est e = { .mss = 1450, .ws = 6, .ts = true, .wnd = 2000 };
	char buf[16];

	(void)state;
	/* Two half-open children fill the SYN queue (its bound is the
	 * backlog here); the third SYN gets a cookie. */
	peer_syn(&h1, 40001, &plain);
	peer_syn(&h2, 40002, &plain);
	assert_int_equal(tcp_pcb_count(&ns), 3);
	cookie_syn(&k, 40003, &e);
	assert_int_equal(seg.ws, 1); /* our scale, encoded for the ACK */
	assert_true(seg.ts);
	assert_int_equal(seg.tsecr, 900);
	assert_int_equal(seg.tsval & 0xff, 1 << 4 | 7);
	assert_int_equal(ctr(NC_tcp_syncookie_out), 1);
	assert_int_equal(ctr(NC_tcp_syn_backlog_full), 1);
	/* A forged ACK: RST, counted. */
	bad = k;
	bad.pport = 40009;
	peer_send(&bad, TCP_ACK, NULL, 0, 100);
	assert_int_equal(out()->flags, TCP_RST);
	assert_int_equal(seg.seq, bad.snd);
	assert_int_equal(ctr(NC_tcp_syncookie_bad), 1);
	/* The cookie's ACK, with data: the connection appears. */
	peer_send(&k, TCP_ACK | TCP_PSH, "cookie!", 7, 2000);
	assert_int_equal(ctr(NC_tcp_syncookie_ok), 1);
	assert_int_equal(tcp_accept(l, &child), 0);
	assert_int_equal(tcp_state(child), TCP_ESTABLISHED);
	assert_int_equal(tcp_recv(child, buf, sizeof(buf), 0), 7);
	assert_memory_equal(buf, "cookie!", 7);
	/* Scaling and timestamps survived: 2000 << 6 from the peer. */
	assert_int_equal(child->t_snd_wnd, 2000u << 6);
	assert_true(child->t_flags & TF_TS);
	assert_int_equal(child->t_peer_mss, 1440); /* table entry <= 1450 */
	assert_int_equal(tcp_send(child, "ok", 2, 0), 2);
	const struct pseg *p = out();
	assert_int_equal(p->seq, k.snd);
	assert_int_equal(p->ack, k.rcv);
	assert_int_equal(p->wnd, (65535 - 7) >> 1); /* scaled, edge kept */
	assert_true(p->ts);
	assert_int_equal(p->tsecr, k.tsval);
	/* The half-open ones complete; the accept queue (2) fills. */
	peer_send(&h1, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(tcp_accept(l, &a), 0);
	peer_send(&h2, TCP_ACK, NULL, 0, 65535);
	struct conn h3;
	peer_syn(&h3, 40004, &plain);
	peer_send(&h3, TCP_ACK, NULL, 0, 65535);
	no_out();
	/* Backlog 2 reached: SYNs are dropped until accept() makes room. */
	struct tseg syn = { .sport = 40005,
			    .dport = 80,
			    .seq = 1,
			    .flags = TCP_SYN,
			    .wnd = 100 };
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &syn);
	no_out();
	assert_int_equal(ctr(NC_tcp_syn_backlog_full), 2);
	struct tcp_pcb *b2;
	assert_int_equal(tcp_accept(l, &b), 0);
	assert_int_equal(tcp_accept(l, &b2), 0);
	assert_int_equal(tcp_accept(l, &b2), -EAGAIN);
	/* Without timestamps the cookie SYN-ACK offers no scaling. */
	const struct est nots = { .mss = 1460, .ws = 4, .wnd = 100 };
	struct conn k2;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &syn);
	out(); /* a child's SYN-ACK: the SYN queue had room again */
	struct conn k3;
	peer_syn(&k3, 40006, &plain);
	cookie_syn(&k2, 40007, &nots);
	assert_int_equal(seg.ws, -1);
	assert_false(seg.ts);
	tcp_close(l);
	drain();
	tcp_abort(child);
	tcp_abort(a);
	tcp_abort(b);
	tcp_abort(b2);
	drain();
	(void)k3;
	assert_int_equal(tcp_pcb_count(&ns), 0);
}

static void test_syn_flood(void **state)
{
	struct tcp_pcb *l = listener(8);
	size_t lsn_mem = ns.ns_mem_bytes - mem0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct tseg syn = {
			.sport = (uint16_t)(1024 + i % 60000),
			.dport = 80,
			.seq = (uint32_t)fake_rand(),
			.flags = TCP_SYN,
			.wnd = 1000,
		};
		uint32_t src = net_ip4(10, 1, (uint8_t)(i >> 8), (uint8_t)i);
		uint8_t b[64];
		size_t n = fake_tcp_build(b, src, fake_local_ip(), &syn);
		fake_ip_deliver(&ns, src, fake_local_ip(), b, n);
		drain();
		assert_true(ns.ns_mem_bytes <=
			    mem0 + lsn_mem + 8 * sizeof(struct tcp_pcb));
	}
	assert_int_equal(tcp_pcb_count(&ns), 1 + 8);
	assert_int_equal(ctr(NC_tcp_passive_open), 8);
	assert_int_equal(ctr(NC_tcp_syncookie_out), 20000 - 8);
	assert_int_equal(fake_netbufs_live(), live0);
	/* The half-open children give up after their SYN-ACK retries,
	 * quietly (the sources may be forged). */
	uint64_t rst = ctr(NC_tcp_rst_out);
	run_for(200 * SEC);
	drain();
	assert_int_equal(ctr(NC_tcp_rst_out), rst);
	assert_int_equal(ctr(NC_tcp_timeout), 8);
	assert_int_equal(tcp_pcb_count(&ns), 1);
	assert_int_equal(ns.ns_mem_bytes, mem0 + lsn_mem);
	tcp_close(l);
	assert_int_equal(ns.ns_mem_bytes, mem0);
}

/* The handshake's last ACK finds the accept queue full: it is dropped
 * (no reset), the SYN-ACK is sent again, and the ACK it brings back
 * completes the connection once the application has made room. */
static void test_accept_queue_full(void **state)
{
	struct tcp_pcb *l = listener(2);
	struct conn a, b, c;
	struct tcp_pcb *pa, *pb, *pc;

	(void)state;
	/* Half-open children, not cookies: at most the backlog at once. */
	peer_syn(&a, 3001, &plain);
	peer_syn(&b, 3002, &plain);
	peer_send(&a, TCP_ACK, NULL, 0, 65535);
	peer_syn(&c, 3003, &plain);
	peer_send(&b, TCP_ACK, NULL, 0, 65535);
	no_out();
	uint64_t full = ctr(NC_tcp_syn_backlog_full);
	uint64_t rst = ctr(NC_tcp_rst_out);
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	assert_int_equal(ctr(NC_tcp_syn_backlog_full), full + 1);
	assert_int_equal(tcp_pcb_count(&ns), 4);
	assert_int_equal(tcp_accept(l, &pa), 0);
	assert_int_equal(tcp_accept(l, &pb), 0);
	assert_int_equal(tcp_accept(l, &pc), -EAGAIN);
	run_for(2 * SEC); /* the SYN-ACK's retransmission timer */
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p->dport, 3003);
	no_out();
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	no_out();
	assert_int_equal(tcp_accept(l, &pc), 0);
	assert_int_equal(tcp_state(pc), TCP_ESTABLISHED);
	assert_int_equal(ctr(NC_tcp_rst_out), rst);
	tcp_close(pa);
	tcp_close(pb);
	tcp_close(pc);
	tcp_close(l);
	drain();
}

static void test_listener_close_resets(void **state)
{
	struct tcp_pcb *l = listener(4);
	struct conn a, b;

	(void)state;
	peer_syn(&a, 3001, &plain);
	peer_syn(&b, 3002, &plain);
	peer_send(&b, TCP_ACK, NULL, 0, 65535);
	tcp_close(l);
	uint32_t bytes;
	assert_int_equal(take_all(&bytes, NULL), 2); /* both reset */
	assert_int_equal(tcp_pcb_count(&ns), 0);
	assert_int_equal(ns.ns_mem_bytes, mem0);
	/* Their 4-tuples are gone. */
	peer_send(&b, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(out()->flags, TCP_RST);
}

/* ---- Receive queue. */

static void test_reassembly(void **state)
{
	struct conn c;
	char data[3000], in[3000];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13 + 1);
	est_active(&c, &plain);
	uint32_t r0 = c.rcv;
	/* Segments 2 and 3 before 1: a duplicate ACK for each. */
	struct tseg s = { .sport = 80,
			  .dport = c.lport,
			  .ack = c.snd,
			  .flags = TCP_ACK,
			  .wnd = 65535 };
	s.seq = r0 + 1000;
	s.data = data + 1000;
	s.len = 1000;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	expect_ack(&c);
	s.seq = r0 + 2000;
	s.data = data + 2000;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	expect_ack(&c);
	/* Overlapping pieces are trimmed. */
	s.seq = r0 + 1500;
	s.data = data + 1500;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	expect_ack(&c);
	assert_int_equal(c.pcb->t_ooo_n, 2);
	assert_int_equal(tcp_recv(c.pcb, in, sizeof(in), 0), -EAGAIN);
	/* The hole fills: one ACK for everything at once. */
	s.seq = r0;
	s.data = data;
	s.len = 1200;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	c.rcv = r0 + 3000;
	expect_ack(&c);
	assert_int_equal(c.pcb->t_ooo_n, 0);
	assert_int_equal(tcp_recv(c.pcb, in, sizeof(in), 0), 3000);
	assert_memory_equal(in, data, 3000);
	drain();
	/* The out-of-order queue is bounded. */
	for (int i = 0; i < 40; i++) {
		s.seq = c.rcv + 100 + (uint32_t)i * 20;
		s.data = data;
		s.len = 10;
		fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	}
	drain();
	assert_int_equal(c.pcb->t_ooo_n, TCP_OOO_MIN); /* 64 KiB buffer */
	assert_int_equal(ctr(NC_tcp_ooo_drop), 40 - TCP_OOO_MIN);
	tcp_abort(c.pcb);
	drain();
}

/* ---- Ports and options. */

static void test_ports(void **state)
{
	static struct tcp_pcb *p[300];
	struct tcp_pcb *a, *b;
	uint32_t addr;
	uint16_t port;
	int v;

	(void)state;
	for (int i = 0; i < 300; i++) {
		assert_int_equal(tcp_pcb_new(&ns, &p[i]), 0);
		assert_int_equal(tcp_bind(p[i], 0, 0), 0);
		tcp_local(p[i], &addr, &port);
		assert_true(port >= 49152);
		for (int j = 0; j < i; j++) {
			uint16_t other;
			tcp_local(p[j], &addr, &other);
			assert_int_not_equal(port, other);
		}
	}
	assert_int_equal(tcp_bind(p[0], 0, 0), -EINVAL); /* bound already */
	for (int i = 0; i < 300; i++)
		tcp_close(p[i]);
	assert_int_equal(tcp_pcb_new(&ns, &a), 0);
	assert_int_equal(tcp_pcb_new(&ns, &b), 0);
	assert_int_equal(tcp_bind(a, net_ip4(10, 9, 9, 9), 80), -EADDRNOTAVAIL);
	assert_int_equal(tcp_bind(a, 0, 80), 0);
	assert_int_equal(tcp_bind(b, fake_local_ip(), 80), -EADDRINUSE);
	/* Both with SO_REUSEADDR: allowed, unless one listens. */
	assert_int_equal(tcp_setopt(a, NET_OPT_REUSEADDR, 1), 0);
	assert_int_equal(tcp_setopt(b, NET_OPT_REUSEADDR, 1), 0);
	assert_int_equal(tcp_getopt(b, NET_OPT_REUSEADDR, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(tcp_bind(b, fake_local_ip(), 80), 0);
	assert_int_equal(tcp_listen(a, 5), 0);
	assert_int_equal(tcp_listen(b, 5), -EADDRINUSE);
	assert_int_equal(tcp_listen(a, 10), 0); /* new backlog */
	assert_int_equal(tcp_connect(a, fake_peer_ip(), 80), -EISCONN);
	tcp_close(a);
	tcp_close(b);
	/* Options: ranges and values. */
	assert_int_equal(tcp_pcb_new(&ns, &a), 0);
	assert_int_equal(tcp_setopt(a, NET_OPT_SNDBUF, 1 << 30), 0);
	assert_int_equal(tcp_getopt(a, NET_OPT_SNDBUF, &v), 0);
	assert_int_equal(v, 4 << 20);
	assert_int_equal(tcp_setopt(a, NET_OPT_RCVBUF, 1), 0);
	assert_int_equal(tcp_getopt(a, NET_OPT_RCVBUF, &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(tcp_setopt(a, NET_OPT_BROADCAST, 1), -ENOPROTOOPT);
	assert_int_equal(tcp_setopt(a, NET_OPT_LINGER, -2), -EINVAL);
	assert_int_equal(tcp_setopt(a, NET_OPT_MAXSEG, 10), -EINVAL);
	assert_int_equal(tcp_setopt(a, NET_OPT_TTL, 300), -EINVAL);
	assert_int_equal(tcp_setopt(a, NET_OPT_TTL, 9), 0);
	assert_int_equal(tcp_setopt(a, NET_OPT_TOS, 0x10), 0);
	assert_int_equal(tcp_setopt(a, NET_OPT_MAXSEG, 1000), 0);
	assert_int_equal(tcp_remote(a, &addr, &port), -ENOTCONN);
	assert_int_equal(tcp_shutdown(a, 1), -ENOTCONN);
	assert_int_equal(tcp_connect(a, 0, 80), -EADDRNOTAVAIL);
	assert_int_equal(tcp_connect(a, IP4_BROADCAST, 80), -ENETUNREACH);
	fake_ip_set_noroute(&ns, true);
	assert_int_equal(tcp_connect(a, fake_peer_ip(), 80), -ENETUNREACH);
	fake_ip_set_noroute(&ns, false);
	fake_ip_fail_next(&ns, -EMSGSIZE);
	assert_int_equal(tcp_connect(a, fake_peer_ip(), 80), -EMSGSIZE);
	assert_int_equal(tcp_state(a), TCP_CLOSED);
	assert_int_equal(tcp_connect(a, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p0 = out();
	assert_int_equal(p0->mss, 1000);
	assert_int_equal(cur->tx.ttl, 9);
	assert_int_equal(cur->tx.tos, 0x10);
	tcp_close(a);
	assert_int_equal(ns.ns_mem_bytes, mem0);
}

static void test_icmp(void **state)
{
	struct conn c;
	uint8_t inner[28];
	static char data[3000];

	(void)state;
	est_active(&c, &plain);
	assert_int_equal(tcp_send(c.pcb, data, 1460, 0), 1460);
	out();
	/* The inner datagram: our IP header and the first TCP bytes. */
	memset(inner, 0, sizeof(inner));
	inner[0] = 0x45;
	inner[9] = IP_PROTO_TCP;
	uint32_t a = fake_local_ip(), b = fake_peer_ip();
	memcpy(inner + 12, &a, 4);
	memcpy(inner + 16, &b, 4);
	net_put16(inner + 20, c.lport);
	net_put16(inner + 22, 80);
	/* About a sequence number not in flight: ignored (RFC 5927). */
	net_put32(inner + 24, c.snd + 5000);
	tcp_icmp_error(&ns, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, inner,
		       sizeof(inner));
	no_out();
	/* Too short or not TCP: ignored. */
	tcp_icmp_error(&ns, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, inner,
		       20);
	no_out();
	/* In flight: the MSS drops to the next plateau, resent at once. */
	net_put32(inner + 24, c.snd);
	tcp_icmp_error(&ns, ICMP_DEST_UNREACH, ICMP_UNREACH_NEEDFRAG, inner,
		       sizeof(inner));
	const struct pseg *p = out();
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(p->len, 1492 - 40);
	/* Soft errors are kept for a timeout to report. */
	tcp_icmp_error(&ns, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, inner,
		       sizeof(inner));
	assert_int_equal(tcp_state(c.pcb), TCP_ESTABLISHED);
	assert_int_equal(tcp_take_error(c.pcb), -EHOSTUNREACH);
	tcp_abort(c.pcb);
	drain();
	/* Port unreachable for a SYN: refused. */
	struct tcp_pcb *pcb;
	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 81), -EINPROGRESS);
	p = out();
	net_put16(inner + 20, p->sport);
	net_put16(inner + 22, 81);
	net_put32(inner + 24, p->seq);
	tcp_icmp_error(&ns, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, inner,
		       sizeof(inner));
	assert_int_equal(tcp_state(pcb), TCP_CLOSED);
	assert_int_equal(tcp_take_error(pcb), -ECONNREFUSED);
	tcp_close(pcb);
}

/* ---- Zero-copy send. */

static int released;

static void on_release(void *arg)
{
	(void)arg;
	released++;
}

static void test_send_netbuf(void **state)
{
	struct conn c;
	static char file[5000];

	(void)state;
	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (char)(i % 251);
	est_active(&c, &plain);
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_NODELAY, 1), 0);
	struct netbuf *nb = netbuf_ext(file, sizeof(file), on_release, NULL);
	assert_non_null(nb);
	assert_int_equal(tcp_send_netbuf(c.pcb, nb), 5000);
	assert_int_equal(tcp_unacked(c.pcb), 5000);
	uint32_t bytes;
	assert_int_equal(take_all(&bytes, NULL), 3);
	assert_int_equal(bytes, 3 * 1460);
	/* The frames were slices of the caller's bytes: same content. */
	assert_memory_equal(seg.data, file + 2 * 1460, 1460);
	c.snd += 3 * 1460;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	take_all(&bytes, NULL);
	assert_int_equal(bytes, 5000 - 3 * 1460);
	assert_memory_equal(seg.data, file + 3 * 1460, 5000 - 3 * 1460);
	assert_int_equal(released, 0);
	c.snd += 5000 - 3 * 1460;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(released, 1); /* acknowledged: handed back */
	assert_int_equal(tcp_unacked(c.pcb), 0);
	/* One netbuf the caller keeps, sent on two connections at once
	 * (a cached page): each queues its own view. */
	struct conn d;
	est_active(&d, &plain);
	nb = netbuf_ext(file, 1000, on_release, NULL);
	netbuf_ref(nb);
	netbuf_ref(nb);
	assert_int_equal(tcp_send_netbuf(c.pcb, nb), 1000);
	assert_int_equal(tcp_send_netbuf(d.pcb, nb), 1000);
	const struct pseg *p = out();
	assert_int_equal(p->dport, 80);
	assert_memory_equal(p->data, file, 1000);
	p = out();
	assert_memory_equal(p->data, file, 1000);
	assert_int_equal(nb->nb_refs, 3); /* ours and the two slices */
	tcp_abort(d.pcb);
	drain();
	c.snd += 1000;
	peer_send(&c, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(nb->nb_refs, 1);
	netbuf_put(nb);
	assert_int_equal(released, 2);
	/* Too big for the buffer: refused whole, and put. */
	assert_int_equal(tcp_setopt(c.pcb, NET_OPT_SNDBUF, 2048), 0);
	nb = netbuf_ext(file, sizeof(file), on_release, NULL);
	assert_int_equal(tcp_send_netbuf(c.pcb, nb), -EAGAIN);
	assert_int_equal(released, 3);
	/* The send buffer bounds tcp_send() too. */
	assert_int_equal(tcp_send(c.pcb, file, sizeof(file), 0), 2048);
	assert_int_equal(tcp_send(c.pcb, file, 1, 0), -EAGAIN);
	assert_false(tcp_poll(c.pcb) & NET_POLLOUT);
	tcp_abort(c.pcb);
	drain();
}

/* The chunks of the send buffer and of the receive queue: an empty
 * one's first is a 256-byte heap block, each further one a block twice
 * as big while data is held, up to the largest; the bytes stay in
 * order. */
static uint32_t next_chunk(uint32_t cap, uint32_t max)
{
	uint32_t next = 2 * (cap + NETBUF_STRUCT_MAX) - NETBUF_STRUCT_MAX;

	return next > max ? max : next;
}

static void test_buffer_chunks(void **state)
{
	static char buf[30000], in[30000];
	uint32_t want = TCP_CHUNK_MIN, total = 0;
	const struct netbuf *nb;
	struct conn c;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i % 253);
	est_active(&c, &plain);
	/* Send: a closed window keeps every byte in the buffer. */
	peer_send(&c, TCP_ACK, NULL, 0, 0);
	for (size_t off = 0; off < sizeof(buf); off += 100)
		assert_int_equal(tcp_send(c.pcb, buf + off, 100, 0), 100);
	no_out();
	for (nb = c.pcb->t_sb_head; nb != NULL; nb = nb->nb_next) {
		assert_int_equal(nb->nb_cap, want);
		if (nb->nb_next != NULL)
			assert_int_equal(nb->nb_len, nb->nb_cap);
		assert_memory_equal(nb->nb_data, buf + total, nb->nb_len);
		total += nb->nb_len;
		want = next_chunk(want, TCP_SB_CHUNK);
	}
	assert_int_equal(total, sizeof(buf));
	assert_int_equal(want, TCP_SB_CHUNK); /* the doubling reached it */
	tcp_abort(c.pcb);
	drain();

	/* Receive: small segments are copied into chunks alike. */
	est_active(&c, &plain);
	for (size_t off = 0; off < 10000; off += 100) {
		peer_send(&c, TCP_ACK, buf + off, 100, 65535);
		drain(); /* the ACKs */
	}
	want = TCP_CHUNK_MIN;
	total = 0;
	for (nb = c.pcb->t_rq_head; nb != NULL; nb = nb->nb_next) {
		assert_int_equal(nb->nb_cap, want);
		total += nb->nb_len;
		want = next_chunk(want, TCP_RQ_CHUNK);
	}
	assert_int_equal(total, 10000);
	assert_int_equal(want, TCP_RQ_CHUNK);
	assert_int_equal(tcp_recv(c.pcb, in, sizeof(in), 0), 10000);
	assert_memory_equal(in, buf, 10000);
	/* Empty again: the next chunk is small again. */
	peer_send(&c, TCP_ACK, buf, 100, 65535);
	assert_non_null(c.pcb->t_rq_head);
	assert_int_equal(c.pcb->t_rq_head->nb_cap, TCP_CHUNK_MIN);
	tcp_abort(c.pcb);
	drain();
}

static void test_pcb_small(void **state)
{
	(void)state;
	print_message("sizeof(struct tcp_pcb) = %zu, TIME_WAIT record %zu\n",
		      tcp_pcb_size(), sizeof(struct tcp_tw));
	assert_true(tcp_pcb_size() <= 384);
	assert_true(sizeof(struct tcp_tw) <= 96);
}

static void test_window_closed_in_flight(void **state)
{
	struct conn c;
	char buf[1000];

	(void)state;
	memset(buf, 'f', sizeof(buf));
	est_active(&c, &plain);
	assert_int_equal(tcp_send(c.pcb, buf, 1000, 0), 1000);
	out();
	/* The peer takes nothing more and closes its window, with the
	 * 1000 bytes still unacknowledged. */
	peer_send(&c, TCP_ACK, NULL, 0, 0);
	assert_int_equal(c.pcb->t_snd_wnd, 0);
	/* The timeout finds the window shut: nothing to resend into it,
	 * so the persist timer takes over rather than nothing at all. */
	run_for(200 * MS);
	no_out();
	assert_true(c.pcb->t_flags & TF_PERSIST);
	assert_true(netstack_next_deadline(&ns) != UINT64_MAX);
	run_until(netstack_next_deadline(&ns));
	const struct pseg *p = out();
	assert_int_equal(p->seq, c.snd - 1); /* a probe */
	peer_send(&c, TCP_ACK, NULL, 0, 4000);
	p = out();
	assert_int_equal(p->seq, c.snd);
	assert_int_equal(p->len, 1000);
	assert_int_equal(ctr(NC_tcp_retransmit), 1);
	tcp_abort(c.pcb);
	drain();
}

static void test_cookie_expiry(void **state)
{
	struct tcp_pcb *l = listener(1), *child;
	struct conn h, k, h2, k2;

	(void)state;
	peer_syn(&h, 50001, &plain);
	cookie_syn(&k, 50002, &plain);
	/* Two periods on (the half-open child has given up meanwhile);
	 * another overflow keeps cookies in use. */
	run_for(130 * SEC);
	drain();
	assert_int_equal(tcp_pcb_count(&ns), 1);
	peer_syn(&h2, 50003, &plain);
	cookie_syn(&k2, 50004, &plain);
	/* The old cookie is refused; the fresh one is taken. */
	peer_send(&k, TCP_ACK, NULL, 0, 65535);
	assert_int_equal(out()->flags, TCP_RST);
	assert_int_equal(ctr(NC_tcp_syncookie_bad), 1);
	peer_send(&k2, TCP_ACK, NULL, 0, 65535);
	no_out();
	assert_int_equal(ctr(NC_tcp_syncookie_ok), 1);
	assert_int_equal(tcp_accept(l, &child), 0);
	assert_int_equal(tcp_state(child), TCP_ESTABLISHED);
	(void)h;
	(void)h2;
	tcp_abort(child);
	tcp_close(l);
	drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test_setup_teardown(test_active_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_passive_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syn_sent_rst, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_accept_queue_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syn_retries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delayed_ack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nagle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_backoff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_newreno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_scale, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_recv, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_driver_buffers_returned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_active_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_passive_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fin_wait_1_fin_ack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_orphan_fin_wait_2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_orphan_data_rst, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_resets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fin_other_states, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_reuse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rst_rules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_paws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syn_cookies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_listener_close_resets,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reassembly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_netbuf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_buffer_chunks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_window_closed_in_flight,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookie_expiry, setup,
						teardown),
		cmocka_unit_test(test_pcb_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/net/dhcp.c. The engine alone, with a fake clock
 * (time passed in) and the seeded net_random() of fake_netenv.c: the
 * DISCOVER's exact bytes; a full exchange; NAKs (from our server and
 * from another); lost DISCOVERs and REQUESTs with the randomised
 * exponential backoff and the failure report; renewal at T1 (unicast),
 * rebinding at T2 (broadcast), expiry; and malformed or foreign replies
 * (wrong op, hardware type, xid, chaddr, cookie; truncated at every byte;
 * over-long options; no END; overload loops; repeated options; bad
 * addresses and masks), each dropped as -EIO with nothing sent. Then the
 * binding over fake UDP, timer and interface calls (defined here): port
 * 68, broadcast, input through the notify hook and the timer, the
 * interface configured, bad datagrams counted in NC_dhcp_bad, memory
 * back to zero after dhcp_stop().
 */
#include "dhcp_impl.h"

#include <kernel/errno.h>
#include <net/udp.h>

#include "fake_netenv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define S 1000000000ull
#define MS 1000000ull

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint32_t v;
	uint8_t x[4] = { a, b, c, d };
	memcpy(&v, x, 4);
	return v;
}

#define SERVER ip(10, 0, 2, 2)
#define OTHER_SERVER ip(10, 0, 2, 4)
#define ADDR ip(10, 0, 2, 15)
#define MASK ip(255, 255, 255, 0)
#define ROUTER ip(10, 0, 2, 2)
#define DNS1 ip(10, 0, 2, 3)
#define LEASE 3600u

/* ---- What the engine sends and reports. */

#define CAP_MAX 64

struct cap {
	uint8_t msg[CAP_MAX][DHCP_MSG_OUT];
	size_t len[CAP_MAX];
	uint32_t dst[CAP_MAX];
	unsigned int nmsg;
	enum dhcp_event ev[CAP_MAX];
	unsigned int nev;
};

static struct cap cap;
static struct dhcp_engine eng;

static void cap_send(void *arg, const uint8_t *msg, size_t len, uint32_t dst)
{
	assert_ptr_equal(arg, &cap);
	assert_true(cap.nmsg < CAP_MAX);
	assert_int_equal(len, DHCP_MSG_OUT);
	memcpy(cap.msg[cap.nmsg], msg, len);
	cap.len[cap.nmsg] = len;
	cap.dst[cap.nmsg] = dst;
	cap.nmsg++;
}

static void cap_event(void *arg, enum dhcp_event ev)
{
	assert_ptr_equal(arg, &cap);
	assert_true(cap.nev < CAP_MAX);
	cap.ev[cap.nev++] = ev;
}

static const struct dhcp_engine_ops cap_ops = {
	.deo_send = cap_send,
	.deo_event = cap_event,
};

static int setup(void **state)
{
	(void)state;
	memset(&cap, 0, sizeof(cap));
	fake_net_seed(7);
	dhcp_engine_init(&eng, mac, &cap_ops, &cap);
	return 0;
}

static const uint8_t *last(void)
{
	assert_true(cap.nmsg > 0);
	return cap.msg[cap.nmsg - 1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t raw32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The value of option code in a message we sent (options field only),
 * or NULL; *len its length. */
static const uint8_t *sent_opt(const uint8_t *m, unsigned int code, size_t *len)
{
	size_t i = DHCP_OFF_OPTIONS;

	while (i < DHCP_MSG_OUT && m[i] != DHCP_OPT_END) {
		if (m[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (m[i] == code) {
			*len = m[i + 1];
			return m + i + 2;
		}
		i += 2 + m[i + 1];
	}
	return NULL;
}

static unsigned int sent_type(const uint8_t *m)
{
	size_t len;
	const uint8_t *v = sent_opt(m, DHCP_OPT_TYPE, &len);
	assert_non_null(v);
	assert_int_equal(len, 1);
	return v[0];
}

/* ---- Replies. */

struct reply {
	uint8_t b[DHCP_MSG_MAX + 64];
	size_t len;
};

static void rp_begin(struct reply *r, uint32_t xid, uint32_t yiaddr)
{
	memset(r, 0, sizeof(*r));
	r->b[DHCP_OFF_OP] = DHCP_BOOTREPLY;
	r->b[DHCP_OFF_HTYPE] = DHCP_HTYPE_ETHER;
	r->b[DHCP_OFF_HLEN] = 6;
	r->b[DHCP_OFF_XID] = (uint8_t)(xid >> 24);
	r->b[DHCP_OFF_XID + 1] = (uint8_t)(xid >> 16);
	r->b[DHCP_OFF_XID + 2] = (uint8_t)(xid >> 8);
	r->b[DHCP_OFF_XID + 3] = (uint8_t)xid;
	memcpy(r->b + DHCP_OFF_YIADDR, &yiaddr, 4);
	memcpy(r->b + DHCP_OFF_CHADDR, mac, 6);
	r->b[DHCP_OFF_COOKIE] = 0x63;
	r->b[DHCP_OFF_COOKIE + 1] = 0x82;
	r->b[DHCP_OFF_COOKIE + 2] = 0x53;
	r->b[DHCP_OFF_COOKIE + 3] = 0x63;
	r->len = DHCP_OFF_OPTIONS;
}

static void rp_opt(struct reply *r, unsigned int code, const void *v,
		   size_t len)
{
	r->b[r->len++] = (uint8_t)code;
	r->b[r->len++] = (uint8_t)len;
	memcpy(r->b + r->len, v, len);
	r->len += len;
}

static void rp_type(struct reply *r, uint8_t type)
{
	rp_opt(r, DHCP_OPT_TYPE, &type, 1);
}

static void rp_addr(struct reply *r, unsigned int code, uint32_t a)
{
	rp_opt(r, code, &a, 4);
}

static void rp_u32(struct reply *r, unsigned int code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	rp_opt(r, code, b, 4);
}

/* END, then PAD to the BOOTP minimum as servers do. */
static void rp_end(struct reply *r)
{
	r->b[r->len++] = DHCP_OPT_END;
	while (r->len < 300)
		r->b[r->len++] = DHCP_OPT_PAD;
}

/* Everything before END of a standard reply of `type` from server. */
static void rp_body(struct reply *r, uint32_t xid, uint8_t type,
		    uint32_t yiaddr, uint32_t server)
{
	rp_begin(r, xid, yiaddr);
	rp_type(r, type);
	rp_addr(r, DHCP_OPT_SERVER, server);
	if (type == DHCP_NAK)
		return;
	rp_addr(r, DHCP_OPT_MASK, MASK);
	rp_addr(r, DHCP_OPT_ROUTER, ROUTER);
	rp_addr(r, DHCP_OPT_DNS, DNS1);
	rp_u32(r, DHCP_OPT_LEASE, LEASE);
}

static void rp_std(struct reply *r, uint32_t xid, uint8_t type)
{
	rp_body(r, xid, type, type == DHCP_NAK ? 0 : ADDR, SERVER);
	rp_end(r);
}

static int feed(const struct reply *r, uint64_t now)
{
	return dhcp_engine_input(&eng, r->b, r->len, now);
}

/* Runs the engine at its deadline; returns that time. */
static uint64_t run_due(void)
{
	uint64_t t = dhcp_engine_deadline(&eng);
	assert_true(t != UINT64_MAX);
	dhcp_engine_run(&eng, t);
	return t;
}

/* start at t0, OFFER at t0+1ms, ACK at t0+2ms: bound. */
static void get_bound(uint64_t t0)
{
	struct reply r;

	dhcp_engine_start(&eng, t0);
	rp_std(&r, eng.de_xid, DHCP_OFFER);
	assert_int_equal(feed(&r, t0 + 1 * MS), 0);
	rp_std(&r, eng.de_xid, DHCP_ACK);
	assert_int_equal(feed(&r, t0 + 2 * MS), 0);
	assert_int_equal(eng.de_state, DHCP_BOUND);
}

/* ---- The exchange. */

static void test_discover_bytes(void **state)
{
	size_t len;
	(void)state;

	dhcp_engine_start(&eng, 5 * S);
	assert_int_equal(cap.nmsg, 1);
	assert_int_equal(cap.dst[0], 0xffffffffu);
	const uint8_t *m = cap.msg[0];
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 1);
	assert_int_equal(m[2], 6);
	assert_int_equal(m[3], 0);
	assert_int_equal(get32(m + 4), eng.de_xid);
	assert_int_equal(m[8] << 8 | m[9], 0); /* secs */
	assert_int_equal(m[10] << 8 | m[11], 0x8000); /* broadcast */
	for (int i = 12; i < 28; i++)
		assert_int_equal(m[i], 0); /* ciaddr..giaddr */
	assert_memory_equal(m + 28, mac, 6);
	for (int i = 34; i < 236; i++)
		assert_int_equal(m[i], 0); /* chaddr pad, sname, file */
	assert_int_equal(get32(m + 236), 0x63825363u);
	static const uint8_t opts[] = { 53, 1, 1,  55, 6,  1,
					3,  6, 51, 58, 59, 255 };
	assert_memory_equal(m + 240, opts, sizeof(opts));
	for (size_t i = 240 + sizeof(opts); i < DHCP_MSG_OUT; i++)
		assert_int_equal(m[i], 0);
	assert_null(sent_opt(m, DHCP_OPT_REQ_ADDR, &len));
	assert_int_equal(eng.de_state, DHCP_SELECTING);
	/* The first retransmission 4 s +-1 s later. */
	uint64_t d = dhcp_engine_deadline(&eng);
	assert_true(d >= 8 * S && d <= 10 * S);
	struct dhcp_lease l;
	assert_int_equal(dhcp_engine_lease(&eng, &l), -EAGAIN);
}

static void test_full_exchange(void **state)
{
	struct reply r;
	struct dhcp_lease l;
	size_t len;
	(void)state;

	dhcp_engine_start(&eng, 100 * S);
	uint32_t xid = eng.de_xid;
	rp_std(&r, xid, DHCP_OFFER);
	assert_int_equal(feed(&r, 101 * S), 0);
	assert_int_equal(eng.de_state, DHCP_REQUESTING);
	assert_int_equal(cap.nmsg, 2);
	const uint8_t *m = last();
	assert_int_equal(sent_type(m), DHCP_REQUEST);
	assert_int_equal(cap.dst[1], 0xffffffffu);
	assert_int_equal(get32(m + 4), xid); /* same exchange */
	assert_int_equal(m[8] << 8 | m[9], 1); /* secs */
	assert_int_equal(m[10] << 8 | m[11], 0x8000);
	assert_int_equal(raw32(m + 12), 0); /* no ciaddr yet */
	const uint8_t *v = sent_opt(m, DHCP_OPT_REQ_ADDR, &len);
	assert_non_null(v);
	assert_int_equal(len, 4);
	assert_int_equal(raw32(v), ADDR);
	v = sent_opt(m, DHCP_OPT_SERVER, &len);
	assert_non_null(v);
	assert_int_equal(raw32(v), SERVER);
	assert_int_equal(cap.nev, 0);

	rp_std(&r, xid, DHCP_ACK);
	assert_int_equal(feed(&r, 102 * S), 0);
	assert_int_equal(eng.de_state, DHCP_BOUND);
	assert_int_equal(cap.nev, 1);
	assert_int_equal(cap.ev[0], DHCP_EV_BOUND);
	assert_int_equal(cap.nmsg, 2);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(l.dl_addr, ADDR);
	assert_int_equal(l.dl_mask, MASK);
	assert_int_equal(l.dl_gw, ROUTER);
	assert_int_equal(l.dl_server, SERVER);
	assert_int_equal(l.dl_ndns, 1);
	assert_int_equal(l.dl_dns[0], DNS1);
	assert_int_equal(l.dl_lease_s, LEASE);
	assert_int_equal(l.dl_t1_s, LEASE / 2);
	assert_int_equal(l.dl_t2_s, LEASE * 7 / 8);
	/* The lease began when the REQUEST went out. */
	assert_int_equal(l.dl_start_ns, 101 * S);
	assert_int_equal(dhcp_engine_deadline(&eng), 101 * S + LEASE / 2 * S);

	/* A repeated ACK while bound: not wanted, not malformed. */
	assert_int_equal(feed(&r, 103 * S), -ESRCH);
	assert_int_equal(cap.nev, 1);
}

static void test_offers_while_requesting(void **state)
{
	struct reply r;
	(void)state;

	dhcp_engine_start(&eng, 0);
	rp_std(&r, eng.de_xid, DHCP_OFFER);
	assert_int_equal(feed(&r, 1 * MS), 0);
	/* A second OFFER, and an ACK from a server we did not ask. */
	assert_int_equal(feed(&r, 2 * MS), -ESRCH);
	rp_body(&r, eng.de_xid, DHCP_ACK, ADDR, OTHER_SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, 3 * MS), -ESRCH);
	/* An ACK for another address than we asked for. */
	rp_body(&r, eng.de_xid, DHCP_ACK, ip(10, 0, 2, 16), SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, 4 * MS), -EIO);
	/* An ACK without a lease time, then with lease time 0. */
	rp_begin(&r, eng.de_xid, ADDR);
	rp_type(&r, DHCP_ACK);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, 5 * MS), -EIO);
	rp_begin(&r, eng.de_xid, ADDR);
	rp_type(&r, DHCP_ACK);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_u32(&r, DHCP_OPT_LEASE, 0);
	rp_end(&r);
	assert_int_equal(feed(&r, 6 * MS), -EIO);
	/* A DISCOVER-typed reply. */
	rp_body(&r, eng.de_xid, DHCP_DISCOVER, ADDR, SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, 7 * MS), -ESRCH);
	assert_int_equal(eng.de_state, DHCP_REQUESTING);
	assert_int_equal(cap.nmsg, 2);
	assert_int_equal(cap.nev, 0);
	/* The right one still works. */
	rp_std(&r, eng.de_xid, DHCP_ACK);
	assert_int_equal(feed(&r, 8 * MS), 0);
	assert_int_equal(eng.de_state, DHCP_BOUND);
}

static void test_nak(void **state)
{
	struct reply r;
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid0 = eng.de_xid;
	rp_std(&r, xid0, DHCP_OFFER);
	assert_int_equal(feed(&r, 1 * S), 0);
	/* A NAK from another server is not ours to act on. */
	rp_body(&r, xid0, DHCP_NAK, 0, OTHER_SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, 2 * S), -ESRCH);
	assert_int_equal(eng.de_state, DHCP_REQUESTING);
	/* A NAK without a server identifier is malformed. */
	rp_begin(&r, xid0, 0);
	rp_type(&r, DHCP_NAK);
	rp_end(&r);
	assert_int_equal(feed(&r, 2 * S), -EIO);

	/* Our server's NAK: a new DISCOVER at once, with a new xid. */
	rp_std(&r, xid0, DHCP_NAK);
	assert_int_equal(feed(&r, 3 * S), 0);
	assert_int_equal(eng.de_state, DHCP_SELECTING);
	assert_int_equal(cap.nmsg, 3);
	assert_int_equal(sent_type(last()), DHCP_DISCOVER);
	assert_int_not_equal(eng.de_xid, xid0);
	assert_int_equal(get32(last() + 4), eng.de_xid);
	/* The old exchange's replies are foreign now. */
	rp_std(&r, xid0, DHCP_OFFER);
	assert_int_equal(feed(&r, 3 * S), -EIO);

	/* A second NAK: the DISCOVER waits 4 s +-1 s. */
	rp_std(&r, eng.de_xid, DHCP_OFFER);
	assert_int_equal(feed(&r, 4 * S), 0);
	rp_std(&r, eng.de_xid, DHCP_NAK);
	assert_int_equal(feed(&r, 5 * S), 0);
	assert_int_equal(cap.nmsg, 4); /* no DISCOVER yet */
	uint64_t d = dhcp_engine_deadline(&eng);
	assert_true(d >= 8 * S && d <= 10 * S);
	dhcp_engine_run(&eng, d - 1);
	assert_int_equal(cap.nmsg, 4);
	dhcp_engine_run(&eng, d);
	assert_int_equal(cap.nmsg, 5);
	assert_int_equal(sent_type(last()), DHCP_DISCOVER);
	/* A lease resets the count. */
	rp_std(&r, eng.de_xid, DHCP_OFFER);
	assert_int_equal(feed(&r, d + 1), 0);
	rp_std(&r, eng.de_xid, DHCP_ACK);
	assert_int_equal(feed(&r, d + 2), 0);
	assert_int_equal(eng.de_naks, 0);
}

/* ---- Loss: backoff and the failure report. */

static void test_discover_backoff(void **state)
{
	static const uint64_t base[] = { 4, 8, 16, 32, 64, 64, 64 };
	struct dhcp_lease l;
	struct reply r;
	uint64_t prev = 0, jitter_seen[7];
	bool differ = false;
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid = eng.de_xid;
	for (int i = 0; i < 7; i++) {
		uint64_t t = eng.de_next_ns;
		/* The failure report falls between two sends. */
		if (t > DHCP_TIMEOUT_NS && cap.nev == 0) {
			assert_int_equal(dhcp_engine_lease(&eng, &l), -EAGAIN);
			assert_int_equal(run_due(), DHCP_TIMEOUT_NS);
			assert_int_equal(cap.nev, 1);
			assert_int_equal(cap.ev[0], DHCP_EV_TIMEOUT);
			assert_int_equal(dhcp_engine_lease(&eng, &l),
					 -ETIMEDOUT);
		}
		assert_int_equal(dhcp_engine_deadline(&eng), t);
		uint64_t gap = t - prev;
		assert_true(gap >= base[i] * S - S && gap <= base[i] * S + S);
		jitter_seen[i] = gap - (base[i] * S - S);
		if (i > 0 && jitter_seen[i] != jitter_seen[0])
			differ = true;
		assert_int_equal(run_due(), t);
		assert_int_equal(cap.nmsg, (unsigned int)i + 2);
		assert_int_equal(sent_type(last()), DHCP_DISCOVER);
		/* Retransmissions keep the xid; secs grows. */
		assert_int_equal(get32(last() + 4), xid);
		assert_int_equal(last()[8] << 8 | last()[9], t / S);
		prev = t;
	}
	assert_true(differ);
	assert_int_equal(cap.nev, 1);
	/* Still trying in the background: a late offer is taken. */
	rp_std(&r, xid, DHCP_OFFER);
	assert_int_equal(feed(&r, prev + S), 0);
	rp_std(&r, xid, DHCP_ACK);
	assert_int_equal(feed(&r, prev + 2 * S), 0);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(cap.nev, 2);
	assert_int_equal(cap.ev[1], DHCP_EV_BOUND);
}

static void test_request_lost(void **state)
{
	struct reply r;
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid = eng.de_xid;
	rp_std(&r, xid, DHCP_OFFER);
	assert_int_equal(feed(&r, 0), 0);
	/* REQUESTs at 0, ~4, ~12, ~28 s (the failure report at 30 s sends
	 * nothing); then a new DISCOVER. */
	while (eng.de_state == DHCP_REQUESTING)
		run_due();
	assert_int_equal(cap.nmsg, 1 + DHCP_REQUEST_TRIES + 1);
	for (unsigned int i = 1; i <= DHCP_REQUEST_TRIES; i++) {
		assert_int_equal(sent_type(cap.msg[i]), DHCP_REQUEST);
		assert_int_equal(get32(cap.msg[i] + 4), xid);
	}
	assert_int_equal(eng.de_state, DHCP_SELECTING);
	assert_int_equal(sent_type(last()), DHCP_DISCOVER);
	assert_int_not_equal(get32(last() + 4), xid);
	assert_int_equal(cap.nev, 1); /* the failure report */
	assert_int_equal(cap.ev[0], DHCP_EV_TIMEOUT);
}

/* ---- Renewing, rebinding, expiry. */

static void test_renew(void **state)
{
	struct reply r;
	struct dhcp_lease l;
	size_t len;
	(void)state;

	get_bound(0);
	uint64_t start = 1 * MS; /* the REQUEST went out with the OFFER */
	uint64_t t1 = start + LEASE / 2 * S, t2 = start + LEASE * 7 / 8 * S;
	assert_int_equal(dhcp_engine_deadline(&eng), t1);
	unsigned int n = cap.nmsg;
	dhcp_engine_run(&eng, t1 - 1);
	assert_int_equal(cap.nmsg, n);
	assert_int_equal(run_due(), t1);
	assert_int_equal(eng.de_state, DHCP_RENEWING);
	assert_int_equal(cap.nmsg, n + 1);
	const uint8_t *m = last();
	assert_int_equal(sent_type(m), DHCP_REQUEST);
	assert_int_equal(cap.dst[n], SERVER); /* unicast */
	assert_int_equal(raw32(m + 12), ADDR); /* ciaddr */
	assert_int_equal(m[10] << 8 | m[11], 0); /* no broadcast flag */
	assert_int_equal(m[8] << 8 | m[9], 0); /* secs from the renewal */
	assert_null(sent_opt(m, DHCP_OPT_REQ_ADDR, &len));
	assert_null(sent_opt(m, DHCP_OPT_SERVER, &len));
	uint32_t xid = get32(m + 4);
	assert_int_equal(xid, eng.de_xid);
	/* Next try: half the way to T2. */
	assert_int_equal(dhcp_engine_deadline(&eng), t1 + (t2 - t1) / 2);

	/* Another server's ACK is not for a renewal. */
	rp_body(&r, xid, DHCP_ACK, ADDR, OTHER_SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, t1 + S), -ESRCH);
	/* An ACK for another address is refused. */
	rp_body(&r, xid, DHCP_ACK, ip(10, 0, 2, 99), SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, t1 + S), -EIO);
	/* Our server's, unchanged: bound again, no event. */
	rp_std(&r, xid, DHCP_ACK);
	assert_int_equal(feed(&r, t1 + 2 * S), 0);
	assert_int_equal(eng.de_state, DHCP_BOUND);
	assert_int_equal(cap.nev, 1);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(l.dl_start_ns, t1);
	assert_int_equal(dhcp_engine_deadline(&eng), t1 + LEASE / 2 * S);

	/* The next renewal brings a second DNS server: an event. */
	run_due();
	rp_body(&r, eng.de_xid, DHCP_ACK, ADDR, SERVER);
	uint32_t dns2[2] = { DNS1, ip(10, 0, 2, 53) };
	r.len -= 6 + 6; /* drop DNS and lease, write them again */
	rp_opt(&r, DHCP_OPT_DNS, dns2, 8);
	rp_u32(&r, DHCP_OPT_LEASE, LEASE);
	rp_end(&r);
	assert_int_equal(feed(&r, t1 + LEASE / 2 * S + S), 0);
	assert_int_equal(cap.nev, 2);
	assert_int_equal(cap.ev[1], DHCP_EV_BOUND);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(l.dl_ndns, 2);
	assert_int_equal(l.dl_dns[1], ip(10, 0, 2, 53));
}

static void test_rebind_and_expire(void **state)
{
	struct dhcp_lease l;
	(void)state;

	get_bound(0);
	uint64_t start = 1 * MS;
	uint64_t t2 = start + LEASE * 7 / 8 * S, end = start + LEASE * S;
	/* Renewals go unanswered until T2: unicast all, at least 60 s
	 * apart. */
	uint64_t prev = run_due();
	while (eng.de_state == DHCP_RENEWING) {
		assert_int_equal(cap.dst[cap.nmsg - 1], SERVER);
		uint64_t t = run_due();
		assert_true(t - prev >= 60 * S || t == t2);
		prev = t;
	}
	assert_int_equal(prev, t2);
	assert_int_equal(eng.de_state, DHCP_REBINDING);
	const uint8_t *m = last();
	assert_int_equal(sent_type(m), DHCP_REQUEST);
	assert_int_equal(cap.dst[cap.nmsg - 1], 0xffffffffu);
	assert_int_equal(raw32(m + 12), ADDR);
	assert_int_equal(m[10] << 8 | m[11], 0);
	uint32_t xid = get32(m + 4);

	/* Rebinding keeps going until expiry, then the lease is lost and
	 * a DISCOVER goes out at once. */
	while (dhcp_engine_deadline(&eng) < end) {
		run_due();
		assert_int_equal(eng.de_state, DHCP_REBINDING);
		assert_int_equal(get32(last() + 4), xid);
	}
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(run_due(), end);
	assert_int_equal(cap.nev, 2);
	assert_int_equal(cap.ev[1], DHCP_EV_LOST);
	assert_int_equal(dhcp_engine_lease(&eng, &l), -EAGAIN);
	assert_int_equal(eng.de_state, DHCP_SELECTING);
	assert_int_equal(sent_type(last()), DHCP_DISCOVER);
	assert_int_equal(last()[10] << 8 | last()[11], 0x8000);
	assert_int_equal(raw32(last() + 12), 0);
	/* And the failure timeout runs again from here. */
	assert_int_equal(eng.de_timeout_ns, end + DHCP_TIMEOUT_NS);
}

static void test_rebind_other_server(void **state)
{
	struct reply r;
	struct dhcp_lease l;
	(void)state;

	get_bound(0);
	while (eng.de_state != DHCP_REBINDING)
		run_due();
	/* Any server may answer now. */
	rp_body(&r, eng.de_xid, DHCP_ACK, ADDR, OTHER_SERVER);
	rp_end(&r);
	uint64_t t = dhcp_engine_deadline(&eng) - S;
	assert_int_equal(feed(&r, t), 0);
	assert_int_equal(eng.de_state, DHCP_BOUND);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(l.dl_server, OTHER_SERVER);
	/* Same settings: no event. */
	assert_int_equal(cap.nev, 1);
	/* The next renewal goes to the new server. */
	run_due();
	assert_int_equal(cap.dst[cap.nmsg - 1], OTHER_SERVER);
}

static void test_renew_nak(void **state)
{
	struct reply r;
	struct dhcp_lease l;
	(void)state;

	get_bound(0);
	uint64_t t = run_due();
	rp_std(&r, eng.de_xid, DHCP_NAK);
	assert_int_equal(feed(&r, t + S), 0);
	assert_int_equal(cap.nev, 2);
	assert_int_equal(cap.ev[1], DHCP_EV_LOST);
	assert_int_equal(dhcp_engine_lease(&eng, &l), -EAGAIN);
	assert_int_equal(sent_type(last()), DHCP_DISCOVER);
}

static void test_infinite_lease(void **state)
{
	struct reply r;
	struct dhcp_lease l;
	(void)state;

	dhcp_engine_start(&eng, 0);
	rp_std(&r, eng.de_xid, DHCP_OFFER);
	assert_int_equal(feed(&r, 0), 0);
	rp_body(&r, eng.de_xid, DHCP_ACK, ADDR, SERVER);
	r.len -= 6;
	rp_u32(&r, DHCP_OPT_LEASE, DHCP_INFINITE);
	rp_end(&r);
	assert_int_equal(feed(&r, S), 0);
	assert_int_equal(dhcp_engine_deadline(&eng), UINT64_MAX);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(l.dl_t1_s, DHCP_INFINITE);
	assert_int_equal(l.dl_t2_s, DHCP_INFINITE);
}

static void test_lease_times(void **state)
{
	static const struct {
		uint32_t t1, t2;
		bool has_t1, has_t2;
		uint32_t want_t1, want_t2;
	} cases[] = {
		{ 100, 200, true, true, 100, 200 },
		{ 300, 200, true, true, 1800, 3150 }, /* T1 > T2 */
		{ 100, 3600, true, true, 1800, 3150 }, /* T2 = lease */
		{ 3000, 0, true, false, 3000, 3150 },
		{ 0, 1000, false, true, 1800, 3150 }, /* T1 > T2 */
		{ 0, 2000, false, true, 1800, 2000 },
	};
	struct reply r;
	struct dhcp_lease l;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(NULL);
		dhcp_engine_start(&eng, 0);
		rp_std(&r, eng.de_xid, DHCP_OFFER);
		assert_int_equal(feed(&r, 0), 0);
		rp_body(&r, eng.de_xid, DHCP_ACK, ADDR, SERVER);
		if (cases[i].has_t1)
			rp_u32(&r, DHCP_OPT_T1, cases[i].t1);
		if (cases[i].has_t2)
			rp_u32(&r, DHCP_OPT_T2, cases[i].t2);
		rp_end(&r);
		assert_int_equal(feed(&r, S), 0);
		assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
		assert_int_equal(l.dl_t1_s, cases[i].want_t1);
		assert_int_equal(l.dl_t2_s, cases[i].want_t2);
	}
}

static void test_lease_settings(void **state)
{
	struct reply r;
	struct dhcp_lease l;
	(void)state;

	/* No mask (the class's), a router off the subnet (ignored), five
	 * DNS servers of which two are unusable (three kept). */
	dhcp_engine_start(&eng, 0);
	rp_begin(&r, eng.de_xid, ip(10, 1, 2, 3));
	rp_type(&r, DHCP_OFFER);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_end(&r);
	assert_int_equal(feed(&r, 0), 0);
	rp_begin(&r, eng.de_xid, ip(10, 1, 2, 3));
	rp_type(&r, DHCP_ACK);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_addr(&r, DHCP_OPT_ROUTER, ip(192, 168, 0, 1));
	uint32_t dns[5] = { 0, ip(127, 0, 0, 1), ip(1, 1, 1, 1), ip(8, 8, 8, 8),
			    ip(9, 9, 9, 9) };
	rp_opt(&r, DHCP_OPT_DNS, dns, sizeof(dns));
	rp_u32(&r, DHCP_OPT_LEASE, 600);
	rp_end(&r);
	assert_int_equal(feed(&r, S), 0);
	assert_int_equal(dhcp_engine_lease(&eng, &l), 0);
	assert_int_equal(l.dl_addr, ip(10, 1, 2, 3));
	assert_int_equal(l.dl_mask, ip(255, 0, 0, 0));
	assert_int_equal(l.dl_gw, 0);
	assert_int_equal(l.dl_ndns, 3);
	assert_int_equal(l.dl_dns[0], ip(1, 1, 1, 1));
	assert_int_equal(l.dl_dns[1], ip(8, 8, 8, 8));
	assert_int_equal(l.dl_dns[2], ip(9, 9, 9, 9));
}

/* ---- Malformed and foreign replies. */

/* Feeds r in SELECTING: it must be refused as -EIO, nothing sent. */
static void expect_bad(const struct reply *r)
{
	unsigned int n = cap.nmsg;

	assert_int_equal(feed(r, S), -EIO);
	assert_int_equal(eng.de_state, DHCP_SELECTING);
	assert_int_equal(cap.nmsg, n);
	assert_int_equal(cap.nev, 0);
}

static void test_bad_header(void **state)
{
	struct reply r;
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid = eng.de_xid;
	static const struct {
		size_t off;
		uint8_t val;
	} pokes[] = {
		{ DHCP_OFF_OP, 1 },	    { DHCP_OFF_HTYPE, 6 },
		{ DHCP_OFF_HLEN, 16 },	    { DHCP_OFF_XID + 3, 0 },
		{ DHCP_OFF_CHADDR + 5, 0 }, { DHCP_OFF_COOKIE + 3, 0x64 },
	};
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		rp_std(&r, xid, DHCP_OFFER);
		if (r.b[pokes[i].off] == pokes[i].val)
			r.b[pokes[i].off] ^= 0xff;
		else
			r.b[pokes[i].off] = pokes[i].val;
		expect_bad(&r);
	}
	/* Longer than we take. */
	rp_std(&r, xid, DHCP_OFFER);
	r.len = DHCP_MSG_MAX + 1;
	expect_bad(&r);
	/* And the good one, to show the pokes were what mattered. */
	rp_std(&r, xid, DHCP_OFFER);
	assert_int_equal(feed(&r, S), 0);
}

static void test_truncated_every_byte(void **state)
{
	struct reply r;
	(void)state;

	dhcp_engine_start(&eng, 0);
	rp_std(&r, eng.de_xid, DHCP_OFFER);
	/* Up to the END option every cut is fatal; after it only padding
	 * goes. Each copy has its exact size, so ASan sees over-reads. */
	size_t end = 0;
	for (size_t i = DHCP_OFF_OPTIONS; i < r.len; i++)
		if (r.b[i] == DHCP_OPT_END)
			end = i;
	for (size_t len = 0; len <= r.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, r.b, len);
		int err = dhcp_engine_input(&eng, copy, len, S);
		free(copy);
		if (len <= end) {
			assert_int_equal(err, -EIO);
			assert_int_equal(eng.de_state, DHCP_SELECTING);
		} else {
			assert_int_equal(err, 0);
			break;
		}
	}
	assert_int_equal(eng.de_state, DHCP_REQUESTING);
}

static void test_bad_options(void **state)
{
	struct reply r;
	uint8_t v[8] = { 0 };
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid = eng.de_xid;

	/* An option whose length runs past the message. */
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	r.b[r.len++] = 12;
	r.b[r.len++] = 200;
	memset(r.b + r.len, 'a', 20);
	r.len += 20;
	expect_bad(&r);
	/* A code as the very last byte (no length). */
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	r.b[r.len++] = 12;
	expect_bad(&r);
	/* No END: options, then PADs to the end. */
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	while (r.len < 400)
		r.b[r.len++] = DHCP_OPT_PAD;
	expect_bad(&r);
	/* Repeated options. */
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_end(&r);
	expect_bad(&r);
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	rp_type(&r, DHCP_OFFER);
	rp_end(&r);
	expect_bad(&r);
	/* No message type; a type of the wrong length; out of range. */
	rp_begin(&r, xid, ADDR);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_end(&r);
	expect_bad(&r);
	static const uint8_t types[][3] = {
		{ 2, 2, 0 }, { 1, 0, 0 }, { 1, 9, 0 }, { 0, 0, 0 }
	};
	for (size_t i = 0; i < 4; i++) {
		rp_begin(&r, xid, ADDR);
		rp_opt(&r, DHCP_OPT_TYPE, types[i] + 1, types[i][0]);
		rp_addr(&r, DHCP_OPT_SERVER, SERVER);
		rp_end(&r);
		expect_bad(&r);
	}
	/* Wrong lengths for the options we read. */
	static const struct {
		uint8_t code, len;
	} lens[] = {
		{ DHCP_OPT_MASK, 3 },	  { DHCP_OPT_MASK, 8 },
		{ DHCP_OPT_ROUTER, 0 },	  { DHCP_OPT_ROUTER, 5 },
		{ DHCP_OPT_DNS, 2 },	  { DHCP_OPT_DNS, 7 },
		{ DHCP_OPT_LEASE, 2 },	  { DHCP_OPT_T1, 5 },
		{ DHCP_OPT_T2, 0 },	  { DHCP_OPT_SERVER, 6 },
		{ DHCP_OPT_OVERLOAD, 2 },
	};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		rp_begin(&r, xid, ADDR);
		rp_type(&r, DHCP_OFFER);
		if (lens[i].code != DHCP_OPT_SERVER)
			rp_addr(&r, DHCP_OPT_SERVER, SERVER);
		memset(v, 0x0a, sizeof(v));
		rp_opt(&r, lens[i].code, v, lens[i].len);
		rp_end(&r);
		expect_bad(&r);
	}
}

static void test_overload(void **state)
{
	struct reply r;
	uint8_t ov;
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid = eng.de_xid;

	/* Overload into file, which holds another overload: refused. */
	rp_begin(&r, xid, ADDR);
	ov = 1;
	rp_opt(&r, DHCP_OPT_OVERLOAD, &ov, 1);
	rp_end(&r);
	uint8_t *f = r.b + DHCP_OFF_FILE;
	f[0] = DHCP_OPT_OVERLOAD, f[1] = 1, f[2] = 1;
	f[3] = DHCP_OPT_TYPE, f[4] = 1, f[5] = DHCP_OFFER;
	f[6] = DHCP_OPT_SERVER, f[7] = 4;
	memcpy(f + 8, &(uint32_t){ SERVER }, 4);
	f[12] = DHCP_OPT_END;
	expect_bad(&r);
	/* Overload into sname with an overload of 3 there: refused. */
	rp_begin(&r, xid, ADDR);
	ov = 2;
	rp_opt(&r, DHCP_OPT_OVERLOAD, &ov, 1);
	rp_end(&r);
	uint8_t *sn = r.b + DHCP_OFF_SNAME;
	sn[0] = DHCP_OPT_OVERLOAD, sn[1] = 1, sn[2] = 3, sn[3] = DHCP_OPT_END;
	expect_bad(&r);
	/* Overload values 0 and 4. */
	for (ov = 0; ov <= 4; ov += 4) {
		rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
		rp_opt(&r, DHCP_OPT_OVERLOAD, &ov, 1);
		rp_end(&r);
		expect_bad(&r);
	}
	/* Overloaded file without END (its 128 bytes all options). */
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	ov = 1;
	rp_opt(&r, DHCP_OPT_OVERLOAD, &ov, 1);
	rp_end(&r);
	f = r.b + DHCP_OFF_FILE;
	for (int i = 0; i < DHCP_FILE_LEN; i += 2)
		f[i] = 12, f[i + 1] = 0;
	expect_bad(&r);
	/* An option running from file past its 128 bytes (into the
	 * cookie): refused even though the message goes on. */
	rp_body(&r, xid, DHCP_OFFER, ADDR, SERVER);
	rp_opt(&r, DHCP_OPT_OVERLOAD, &ov, 1);
	rp_end(&r);
	f = r.b + DHCP_OFF_FILE;
	f[DHCP_FILE_LEN - 2] = 12, f[DHCP_FILE_LEN - 1] = 10;
	f[0] = DHCP_OPT_PAD;
	expect_bad(&r);

	/* A good overload: type and server only in file, mask in sname. */
	rp_begin(&r, xid, ADDR);
	ov = 3;
	rp_opt(&r, DHCP_OPT_OVERLOAD, &ov, 1);
	rp_end(&r);
	f = r.b + DHCP_OFF_FILE;
	f[0] = DHCP_OPT_TYPE, f[1] = 1, f[2] = DHCP_OFFER;
	f[3] = DHCP_OPT_SERVER, f[4] = 4;
	memcpy(f + 5, &(uint32_t){ SERVER }, 4);
	f[9] = DHCP_OPT_END;
	sn = r.b + DHCP_OFF_SNAME;
	sn[0] = DHCP_OPT_MASK, sn[1] = 4;
	memcpy(sn + 2, &(uint32_t){ ip(255, 255, 0, 0) }, 4);
	sn[6] = DHCP_OPT_END;
	assert_int_equal(feed(&r, S), 0);
	assert_int_equal(eng.de_state, DHCP_REQUESTING);
	assert_int_equal(eng.de_offer.dl_mask, ip(255, 255, 0, 0));
	assert_int_equal(eng.de_offer.dl_server, SERVER);
}

static void test_bad_addresses(void **state)
{
	struct reply r;
	(void)state;

	dhcp_engine_start(&eng, 0);
	uint32_t xid = eng.de_xid;
	const uint32_t yi[] = {
		0,
		ip(0, 1, 2, 3),
		ip(127, 0, 0, 1),
		ip(224, 0, 0, 1),
		ip(240, 0, 0, 1),
		0xffffffffu,
		ip(10, 0, 2, 0), /* the network */
		ip(10, 0, 2, 255), /* its broadcast */
	};
	for (size_t i = 0; i < sizeof(yi) / sizeof(yi[0]); i++) {
		rp_body(&r, xid, DHCP_OFFER, yi[i], SERVER);
		rp_end(&r);
		expect_bad(&r);
	}
	/* Bad server identifiers, and none at all. */
	const uint32_t sv[] = { 0, ip(127, 0, 0, 1), 0xffffffffu };
	for (size_t i = 0; i < 3; i++) {
		rp_body(&r, xid, DHCP_OFFER, ADDR, sv[i]);
		rp_end(&r);
		expect_bad(&r);
	}
	rp_begin(&r, xid, ADDR);
	rp_type(&r, DHCP_OFFER);
	rp_end(&r);
	expect_bad(&r);
	/* Masks with holes, and /0. */
	const uint32_t masks[] = { ip(255, 0, 255, 0), ip(255, 255, 255, 1),
				   ip(0, 255, 255, 255), 0 };
	for (size_t i = 0; i < 4; i++) {
		rp_begin(&r, xid, ADDR);
		rp_type(&r, DHCP_OFFER);
		rp_addr(&r, DHCP_OPT_SERVER, SERVER);
		rp_addr(&r, DHCP_OPT_MASK, masks[i]);
		rp_end(&r);
		expect_bad(&r);
	}
	/* /31 and /32 have no network or broadcast address to avoid. */
	rp_begin(&r, xid, ip(10, 0, 2, 0));
	rp_type(&r, DHCP_OFFER);
	rp_addr(&r, DHCP_OPT_SERVER, SERVER);
	rp_addr(&r, DHCP_OPT_MASK, 0xffffffffu);
	rp_end(&r);
	assert_int_equal(feed(&r, S), 0);
}

/* ---- The binding, over fakes of the stack calls it makes. */

struct udp_pcb {
	bool up_open;
	bool up_bound;
	uint16_t up_port;
	int up_bcast;
	struct netif *up_ni;
	net_notify_fn up_fn;
	void *up_arg;
	/* Datagrams to receive. */
	uint8_t up_q[8][DHCP_MSG_MAX + 64];
	size_t up_qlen[8];
	uint16_t up_qport[8];
	unsigned int up_qn;
	/* What was sent. */
	uint8_t up_sent[8][DHCP_MSG_OUT];
	uint32_t up_sent_dst[8];
	uint16_t up_sent_port[8];
	struct netif *up_sent_ni[8];
	unsigned int up_nsent;
};

static struct udp_pcb pcb;
static int bind_err;
static struct net_timer *armed;
static uint64_t armed_at;
static unsigned int set_addr_calls, changes;
static uint32_t set_addr_args[3];
static bool fail_alloc;

int udp_pcb_new(struct netstack *ns, struct udp_pcb **out)
{
	(void)ns;
	assert_false(pcb.up_open);
	memset(&pcb, 0, sizeof(pcb));
	pcb.up_open = true;
	*out = &pcb;
	return 0;
}

void udp_close(struct udp_pcb *p)
{
	assert_true(p->up_open);
	p->up_open = false;
}

void udp_set_notify(struct udp_pcb *p, net_notify_fn fn, void *arg)
{
	p->up_fn = fn;
	p->up_arg = arg;
}

int udp_bind(struct udp_pcb *p, uint32_t addr, uint16_t port)
{
	assert_int_equal(addr, 0);
	if (bind_err)
		return bind_err;
	p->up_bound = true;
	p->up_port = port;
	return 0;
}

void udp_set_netif(struct udp_pcb *p, struct netif *ni)
{
	p->up_ni = ni;
}

int udp_setopt(struct udp_pcb *p, enum net_opt opt, int val)
{
	assert_int_equal(opt, NET_OPT_BROADCAST);
	p->up_bcast = val;
	return 0;
}

ssize_t udp_sendto(struct udp_pcb *p, const void *buf, size_t len,
		   uint32_t addr, uint16_t port)
{
	assert_true(p->up_bound);
	assert_true(p->up_nsent < 8);
	assert_int_equal(len, DHCP_MSG_OUT);
	/* What the real one requires for a broadcast. */
	if (addr == 0xffffffffu)
		assert_int_equal(p->up_bcast, 1);
	memcpy(p->up_sent[p->up_nsent], buf, len);
	p->up_sent_dst[p->up_nsent] = addr;
	p->up_sent_port[p->up_nsent] = port;
	p->up_sent_ni[p->up_nsent] = p->up_ni;
	p->up_nsent++;
	return (ssize_t)len;
}

ssize_t udp_recvfrom(struct udp_pcb *p, void *buf, size_t len, int flags,
		     uint32_t *addr, uint16_t *port, bool *trunc)
{
	assert_int_equal(flags, 0);
	if (p->up_qn == 0)
		return -EAGAIN;
	size_t n = p->up_qlen[0] < len ? p->up_qlen[0] : len;
	memcpy(buf, p->up_q[0], n);
	*addr = SERVER;
	*port = p->up_qport[0];
	*trunc = p->up_qlen[0] > len;
	p->up_qn--;
	memmove(p->up_q[0], p->up_q[1], sizeof(p->up_q[0]) * p->up_qn);
	memmove(p->up_qlen, p->up_qlen + 1, sizeof(size_t) * p->up_qn);
	memmove(p->up_qport, p->up_qport + 1, sizeof(uint16_t) * p->up_qn);
	return (ssize_t)n;
}

void net_timer_init(struct net_timer *t, void (*fn)(struct net_timer *t))
{
	memset(t, 0, sizeof(*t));
	t->nt_fn = fn;
}

void net_timer_arm(struct netstack *ns, struct net_timer *t, uint64_t deadline)
{
	(void)ns;
	armed = t;
	armed_at = deadline;
}

void net_timer_cancel(struct netstack *ns, struct net_timer *t)
{
	(void)ns;
	if (armed == t)
		armed = NULL;
}

void netif_set_addr(struct netif *ni, uint32_t addr, uint32_t mask, uint32_t gw)
{
	ni->ni_addr = addr;
	set_addr_calls++;
	set_addr_args[0] = addr;
	set_addr_args[1] = mask;
	set_addr_args[2] = gw;
}

void *net_alloc(struct netstack *ns, size_t size)
{
	if (fail_alloc)
		return NULL;
	ns->ns_mem_bytes += size;
	return calloc(1, size);
}

void net_free(struct netstack *ns, void *p, size_t size)
{
	if (p == NULL)
		return;
	ns->ns_mem_bytes -= size;
	free(p);
}

static void on_change(void *arg)
{
	assert_ptr_equal(arg, &changes);
	changes++;
}

static int setup_binding(void **state)
{
	(void)state;
	memset(&pcb, 0, sizeof(pcb));
	bind_err = 0;
	armed = NULL;
	armed_at = 0;
	set_addr_calls = changes = 0;
	fail_alloc = false;
	fake_net_seed(11);
	fake_net_set_time(1000 * S);
	return 0;
}

/* A datagram arrives: queued on the pcb, the notify hook called. */
static void deliver(const struct reply *r, uint16_t from_port)
{
	assert_true(pcb.up_qn < 8);
	memcpy(pcb.up_q[pcb.up_qn], r->b, r->len);
	pcb.up_qlen[pcb.up_qn] = r->len;
	pcb.up_qport[pcb.up_qn] = from_port;
	pcb.up_qn++;
	pcb.up_fn(pcb.up_arg, NET_POLLIN);
}

/* What netd does: runs the timer if it is due. */
static void run_timer(void)
{
	assert_non_null(armed);
	assert_true(armed_at <= net_now_ns());
	struct net_timer *t = armed;
	armed = NULL;
	t->nt_fn(t);
}

static uint32_t sent_xid(unsigned int i)
{
	return get32(pcb.up_sent[i] + DHCP_OFF_XID);
}

static void test_binding(void **state)
{
	struct netstack ns;
	struct netif ni;
	struct dhcp_client *dc;
	struct dhcp_lease l;
	struct reply r;
	(void)state;

	memset(&ns, 0, sizeof(ns));
	memset(&ni, 0, sizeof(ni));
	memcpy(ni.ni_mac, mac, 6);
	assert_int_equal(dhcp_start(&ns, &ni, on_change, &changes, &dc), 0);
	assert_true(pcb.up_open && pcb.up_bound);
	assert_int_equal(pcb.up_port, 68);
	assert_int_equal(pcb.up_bcast, 1);
	assert_non_null(pcb.up_fn);
	/* The DISCOVER went out through eth0 to 255.255.255.255:67. */
	assert_int_equal(pcb.up_nsent, 1);
	assert_int_equal(pcb.up_sent_dst[0], 0xffffffffu);
	assert_int_equal(pcb.up_sent_port[0], 67);
	assert_ptr_equal(pcb.up_sent_ni[0], &ni);
	assert_int_equal(sent_type(pcb.up_sent[0]), DHCP_DISCOVER);
	assert_non_null(armed);
	assert_true(armed_at >= 1003 * S && armed_at <= 1005 * S);
	assert_int_equal(dhcp_get_lease(dc, &l), -EAGAIN);

	/* Bad datagrams first: from another port, malformed, truncated. */
	uint32_t xid = sent_xid(0);
	rp_std(&r, xid, DHCP_OFFER);
	deliver(&r, 6767);
	/* The hook only makes the timer due: nothing read yet. */
	assert_non_null(armed);
	assert_int_equal(armed_at, 0);
	assert_int_equal(pcb.up_qn, 1);
	r.b[DHCP_OFF_COOKIE] = 0;
	deliver(&r, 67);
	rp_std(&r, xid, DHCP_OFFER);
	r.len = sizeof(r.b);
	deliver(&r, 67);
	fake_net_advance(10 * MS);
	run_timer();
	assert_int_equal(pcb.up_qn, 0);
	assert_int_equal(ns.ns_ctr[NC_dhcp_bad], 3);
	assert_int_equal(pcb.up_nsent, 1);
	/* Back to the retransmission deadline. */
	assert_true(armed_at >= 1003 * S && armed_at <= 1005 * S);

	/* The OFFER: a REQUEST; the ACK: the interface is configured. */
	rp_std(&r, xid, DHCP_OFFER);
	deliver(&r, 67);
	run_timer();
	assert_int_equal(pcb.up_nsent, 2);
	assert_int_equal(sent_type(pcb.up_sent[1]), DHCP_REQUEST);
	assert_int_equal(set_addr_calls, 0);
	rp_std(&r, xid, DHCP_ACK);
	deliver(&r, 67);
	run_timer();
	assert_int_equal(set_addr_calls, 1);
	assert_int_equal(set_addr_args[0], ADDR);
	assert_int_equal(set_addr_args[1], MASK);
	assert_int_equal(set_addr_args[2], ROUTER);
	assert_int_equal(changes, 1);
	assert_int_equal(dhcp_get_lease(dc, &l), 0);
	assert_int_equal(l.dl_dns[0], DNS1);
	assert_int_equal(ns.ns_ctr[NC_dhcp_bad], 3);
	uint64_t t1 = 1000 * S + 10 * MS + LEASE / 2 * S;
	assert_int_equal(armed_at, t1);

	/* T1: the renewal is routed (no interface forced), to the server. */
	fake_net_set_time(t1);
	run_timer();
	assert_int_equal(pcb.up_nsent, 3);
	assert_int_equal(pcb.up_sent_dst[2], SERVER);
	assert_int_equal(pcb.up_sent_port[2], 67);
	assert_null(pcb.up_sent_ni[2]);
	/* A NAK: the interface is unconfigured, a DISCOVER broadcast. */
	rp_std(&r, sent_xid(2), DHCP_NAK);
	deliver(&r, 67);
	run_timer();
	assert_int_equal(set_addr_calls, 2);
	assert_int_equal(set_addr_args[0], 0);
	assert_int_equal(changes, 2);
	assert_int_equal(pcb.up_nsent, 4);
	assert_ptr_equal(pcb.up_sent_ni[3], &ni);
	assert_int_equal(sent_type(pcb.up_sent[3]), DHCP_DISCOVER);

	dhcp_stop(dc);
	assert_false(pcb.up_open);
	assert_null(armed);
	assert_int_equal(ns.ns_mem_bytes, 0);
}

static void test_binding_timeout(void **state)
{
	struct netstack ns;
	struct netif ni;
	struct dhcp_client *dc;
	struct dhcp_lease l;
	(void)state;

	memset(&ns, 0, sizeof(ns));
	memset(&ni, 0, sizeof(ni));
	assert_int_equal(dhcp_start(&ns, &ni, on_change, &changes, &dc), 0);
	while (changes == 0) {
		fake_net_set_time(armed_at);
		run_timer();
	}
	assert_int_equal(net_now_ns(), 1000 * S + DHCP_TIMEOUT_NS);
	assert_int_equal(dhcp_get_lease(dc, &l), -ETIMEDOUT);
	assert_int_equal(set_addr_calls, 0);
	assert_non_null(armed); /* still trying */
	dhcp_stop(dc);
	assert_int_equal(ns.ns_mem_bytes, 0);
}

static void test_binding_start_fails(void **state)
{
	struct netstack ns;
	struct netif ni;
	struct dhcp_client *dc = NULL;
	(void)state;

	memset(&ns, 0, sizeof(ns));
	memset(&ni, 0, sizeof(ni));
	bind_err = -EADDRINUSE;
	assert_int_equal(dhcp_start(&ns, &ni, on_change, &changes, &dc),
			 -EADDRINUSE);
	assert_false(pcb.up_open);
	assert_int_equal(pcb.up_nsent, 0);
	assert_int_equal(ns.ns_mem_bytes, 0);
	assert_null(dc);
	bind_err = 0;
	fail_alloc = true;
	assert_int_equal(dhcp_start(&ns, &ni, on_change, &changes, &dc),
			 -ENOMEM);
	assert_null(armed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_discover_bytes, setup),
		cmocka_unit_test_setup(test_full_exchange, setup),
		cmocka_unit_test_setup(test_offers_while_requesting, setup),
		cmocka_unit_test_setup(test_nak, setup),
		cmocka_unit_test_setup(test_discover_backoff, setup),
		cmocka_unit_test_setup(test_request_lost, setup),
		cmocka_unit_test_setup(test_renew, setup),
		cmocka_unit_test_setup(test_rebind_and_expire, setup),
		cmocka_unit_test_setup(test_rebind_other_server, setup),
		cmocka_unit_test_setup(test_renew_nak, setup),
		cmocka_unit_test_setup(test_infinite_lease, setup),
		cmocka_unit_test_setup(test_lease_times, setup),
		cmocka_unit_test_setup(test_lease_settings, setup),
		cmocka_unit_test_setup(test_bad_header, setup),
		cmocka_unit_test_setup(test_truncated_every_byte, setup),
		cmocka_unit_test_setup(test_bad_options, setup),
		cmocka_unit_test_setup(test_overload, setup),
		cmocka_unit_test_setup(test_bad_addresses, setup),
		cmocka_unit_test_setup(test_binding, setup_binding),
		cmocka_unit_test_setup(test_binding_timeout, setup_binding),
		cmocka_unit_test_setup(test_binding_start_fails, setup_binding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * DHCP client (<net/dhcp.h>), RFC 2131 with the options of RFC 2132 we
 * need. Two parts: the protocol engine (dhcp_impl.h), which builds,
 * parses and decides but does no I/O, and a thin binding that gives it a
 * UDP pcb on port 68, one net_timer and the interface. Replies are
 * parsed defensively: fixed fields, xid and chaddr first, then every
 * option's length against its area, the overload option honoured once
 * (only in the options field), END required, repeated options refused.
 */
#include "dhcp_impl.h"

#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>
#include <net/udp.h>

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull

/* ---- Addresses (network order). */

static uint8_t dhcp_ip_byte0(uint32_t a)
{
	return ((const uint8_t *)&a)[0];
}

/* An address a host may have or talk to: not 0/8, 127/8, or 224/3
 * (multicast, reserved, broadcast). */
static bool dhcp_is_unicast(uint32_t a)
{
	uint8_t b0 = dhcp_ip_byte0(a);
	return b0 != 0 && b0 != 127 && b0 < 224;
}

/* The mask of the address's class, for a server that sends none (RFC
 * 2131 leaves it to the client). */
static uint32_t dhcp_classful_mask(uint32_t a)
{
	uint8_t b0 = dhcp_ip_byte0(a);

	if (b0 < 128)
		return net_ip4(255, 0, 0, 0);
	if (b0 < 192)
		return net_ip4(255, 255, 0, 0);
	return net_ip4(255, 255, 255, 0);
}

/* Contiguous ones from the top, at least /1. */
static bool dhcp_mask_is_valid(uint32_t mask)
{
	uint32_t h = __builtin_bswap32(mask);
	return h != 0 && (~h & (~h + 1)) == 0;
}

/* ---- Parsing replies. */

/* Options we act on, as bits of dr_seen. */
enum {
	DHCP_SEEN_MASK = 1u << 0,
	DHCP_SEEN_ROUTER = 1u << 1,
	DHCP_SEEN_DNS = 1u << 2,
	DHCP_SEEN_LEASE = 1u << 3,
	DHCP_SEEN_OVERLOAD = 1u << 4,
	DHCP_SEEN_TYPE = 1u << 5,
	DHCP_SEEN_SERVER = 1u << 6,
	DHCP_SEEN_T1 = 1u << 7,
	DHCP_SEEN_T2 = 1u << 8,
};

/* What one reply says. Addresses in network order. */
struct dhcp_reply {
	uint32_t dr_seen; /* DHCP_SEEN_* */
	uint8_t dr_type;
	uint8_t dr_overload;
	uint32_t dr_yiaddr;
	uint32_t dr_mask, dr_router, dr_server;
	uint32_t dr_lease_s, dr_t1_s, dr_t2_s;
	uint32_t dr_dns[DHCP_DNS_MAX];
	unsigned int dr_ndns;
};

static uint32_t dhcp_opt_bit(unsigned int code)
{
	switch (code) {
	case DHCP_OPT_MASK:
		return DHCP_SEEN_MASK;
	case DHCP_OPT_ROUTER:
		return DHCP_SEEN_ROUTER;
	case DHCP_OPT_DNS:
		return DHCP_SEEN_DNS;
	case DHCP_OPT_LEASE:
		return DHCP_SEEN_LEASE;
	case DHCP_OPT_OVERLOAD:
		return DHCP_SEEN_OVERLOAD;
	case DHCP_OPT_TYPE:
		return DHCP_SEEN_TYPE;
	case DHCP_OPT_SERVER:
		return DHCP_SEEN_SERVER;
	case DHCP_OPT_T1:
		return DHCP_SEEN_T1;
	case DHCP_OPT_T2:
		return DHCP_SEEN_T2;
	default:
		return 0;
	}
}

/* Addresses from a list option (a multiple of 4 bytes, at least 4);
 * only sane ones are kept, at most max. Returns how many, or -EIO. */
static int dhcp_opt_addrs(const uint8_t *v, size_t len, uint32_t *out,
			  unsigned int max)
{
	unsigned int n = 0;

	if (len < 4 || len % 4 != 0)
		return -EIO;
	for (size_t i = 0; i < len && n < max; i += 4) {
		uint32_t a;
		memcpy(&a, v + i, 4);
		if (dhcp_is_unicast(a))
			out[n++] = a;
	}
	return (int)n;
}

static int dhcp_opt_u32(const uint8_t *v, size_t len, uint32_t *out, bool raw)
{
	if (len != 4)
		return -EIO;
	if (raw)
		memcpy(out, v, 4);
	else
		*out = net_get32(v);
	return 0;
}

/* One option: code, len bytes of value at v (inside the area). */
static int dhcp_option(struct dhcp_reply *rp, unsigned int code,
		       const uint8_t *v, size_t len)
{
	uint32_t bit = dhcp_opt_bit(code);
	uint32_t unused;
	int n;

	if (bit == 0)
		return 0;
	/* RFC 3396 would concatenate a repeated option; we refuse it. This
	 * also stops an overload option inside the overloaded fields from
	 * sending us round again. */
	if (rp->dr_seen & bit)
		return -EIO;
	rp->dr_seen |= bit;
	switch (code) {
	case DHCP_OPT_TYPE:
		if (len != 1 || v[0] < DHCP_DISCOVER || v[0] > DHCP_INFORM)
			return -EIO;
		rp->dr_type = v[0];
		return 0;
	case DHCP_OPT_OVERLOAD:
		if (len != 1 || v[0] < 1 || v[0] > 3)
			return -EIO;
		rp->dr_overload = v[0];
		return 0;
	case DHCP_OPT_MASK:
		return dhcp_opt_u32(v, len, &rp->dr_mask, true);
	case DHCP_OPT_SERVER:
		return dhcp_opt_u32(v, len, &rp->dr_server, true);
	case DHCP_OPT_LEASE:
		return dhcp_opt_u32(v, len, &rp->dr_lease_s, false);
	case DHCP_OPT_T1:
		return dhcp_opt_u32(v, len, &rp->dr_t1_s, false);
	case DHCP_OPT_T2:
		return dhcp_opt_u32(v, len, &rp->dr_t2_s, false);
	case DHCP_OPT_ROUTER:
		/* The first router only: one default route. */
		n = dhcp_opt_addrs(v, len, &unused, 0);
		if (n < 0)
			return n;
		memcpy(&rp->dr_router, v, 4);
		return 0;
	default: /* DHCP_OPT_DNS */
		n = dhcp_opt_addrs(v, len, rp->dr_dns, DHCP_DNS_MAX);
		if (n < 0)
			return n;
		rp->dr_ndns = (unsigned int)n;
		return 0;
	}
}

/* An option area: a sequence of options that must end with END (PADs
 * may follow). Returns 0 or -EIO. */
static int dhcp_parse_area(struct dhcp_reply *rp, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned int code = p[i++];
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return 0;
		if (i >= n)
			return -EIO;
		size_t len = p[i++];
		if (len > n - i)
			return -EIO;
		int err = dhcp_option(rp, code, p + i, len);
		if (err)
			return err;
		i += len;
	}
	return -EIO;
}

/* The fixed part: a reply to us, to this exchange. */
static int dhcp_check_header(const struct dhcp_engine *e, const uint8_t *m,
			     size_t len)
{
	if (len < DHCP_OFF_OPTIONS || len > DHCP_MSG_MAX)
		return -EIO;
	if (m[DHCP_OFF_OP] != DHCP_BOOTREPLY ||
	    m[DHCP_OFF_HTYPE] != DHCP_HTYPE_ETHER || m[DHCP_OFF_HLEN] != 6)
		return -EIO;
	if (net_get32(m + DHCP_OFF_XID) != e->de_xid ||
	    memcmp(m + DHCP_OFF_CHADDR, e->de_mac, 6) != 0 ||
	    net_get32(m + DHCP_OFF_COOKIE) != DHCP_COOKIE)
		return -EIO;
	return 0;
}

/* Parses m (len bytes) into *rp: header, options, then the file and
 * sname fields if the overload option says so (RFC 2131 section 4.1
 * gives that order). */
static int dhcp_parse(const struct dhcp_engine *e, const uint8_t *m, size_t len,
		      struct dhcp_reply *rp)
{
	int err = dhcp_check_header(e, m, len);

	if (err)
		return err;
	memset(rp, 0, sizeof(*rp));
	memcpy(&rp->dr_yiaddr, m + DHCP_OFF_YIADDR, 4);
	err = dhcp_parse_area(rp, m + DHCP_OFF_OPTIONS, len - DHCP_OFF_OPTIONS);
	if (!err && (rp->dr_overload & 1))
		err = dhcp_parse_area(rp, m + DHCP_OFF_FILE, DHCP_FILE_LEN);
	if (!err && (rp->dr_overload & 2))
		err = dhcp_parse_area(rp, m + DHCP_OFF_SNAME, DHCP_SNAME_LEN);
	if (!err && !(rp->dr_seen & DHCP_SEEN_TYPE))
		err = -EIO;
	return err;
}

/* T1 and T2 from the reply when they make sense (T1 <= T2 < lease),
 * else RFC 2131's defaults, 0.5 and 0.875 of the lease. */
static void dhcp_lease_times(const struct dhcp_reply *rp, struct dhcp_lease *l)
{
	uint32_t lease = rp->dr_lease_s;

	l->dl_lease_s = lease;
	if (lease == DHCP_INFINITE) {
		l->dl_t1_s = l->dl_t2_s = DHCP_INFINITE;
		return;
	}
	l->dl_t1_s = lease / 2;
	l->dl_t2_s = (uint32_t)((uint64_t)lease * 7 / 8);
	uint32_t t1 = (rp->dr_seen & DHCP_SEEN_T1) ? rp->dr_t1_s : l->dl_t1_s;
	uint32_t t2 = (rp->dr_seen & DHCP_SEEN_T2) ? rp->dr_t2_s : l->dl_t2_s;
	if (t1 <= t2 && t2 < lease) {
		l->dl_t1_s = t1;
		l->dl_t2_s = t2;
	}
}

/*
 * The lease an OFFER or ACK describes, checked: a server identifier and
 * a unicast yiaddr that is neither the network nor the broadcast address
 * of a contiguous mask. A router off the subnet is ignored; so are
 * unusable DNS addresses. need_time: the lease time must be there (and
 * not 0), as in an ACK.
 */
static int dhcp_lease_make(const struct dhcp_reply *rp, bool need_time,
			   struct dhcp_lease *l)
{
	uint32_t addr = rp->dr_yiaddr, mask;

	if (!(rp->dr_seen & DHCP_SEEN_SERVER) ||
	    !dhcp_is_unicast(rp->dr_server) || !dhcp_is_unicast(addr))
		return -EIO;
	mask = (rp->dr_seen & DHCP_SEEN_MASK) ? rp->dr_mask
					      : dhcp_classful_mask(addr);
	if (!dhcp_mask_is_valid(mask))
		return -EIO;
	/* Up to /30 a subnet has a network and a broadcast address, which
	 * no host may take. (No popcount: the image has no libgcc.) */
	uint32_t host = addr & ~mask;
	if (__builtin_bswap32(~mask) >= 3 && (host == 0 || host == ~mask))
		return -EIO;
	if (need_time &&
	    (!(rp->dr_seen & DHCP_SEEN_LEASE) || rp->dr_lease_s == 0))
		return -EIO;
	memset(l, 0, sizeof(*l));
	l->dl_addr = addr;
	l->dl_mask = mask;
	l->dl_server = rp->dr_server;
	uint32_t gw = rp->dr_router;
	if ((rp->dr_seen & DHCP_SEEN_ROUTER) && dhcp_is_unicast(gw) &&
	    gw != addr && (gw & mask) == (addr & mask) &&
	    (gw & ~mask) != ~mask && (gw & ~mask) != 0)
		l->dl_gw = gw;
	memcpy(l->dl_dns, rp->dr_dns, sizeof(l->dl_dns));
	l->dl_ndns = rp->dr_ndns;
	dhcp_lease_times(rp, l);
	return 0;
}

/* ---- Building requests. */

static uint8_t *dhcp_put_opt(uint8_t *p, unsigned int code, const void *v,
			     size_t len)
{
	*p++ = (uint8_t)code;
	*p++ = (uint8_t)len;
	memcpy(p, v, len);
	return p + len;
}

static bool dhcp_has_lease(const struct dhcp_engine *e)
{
	return e->de_state == DHCP_BOUND || e->de_state == DHCP_RENEWING ||
	       e->de_state == DHCP_REBINDING;
}

/* A DISCOVER or REQUEST for the current state into m (DHCP_MSG_OUT
 * bytes); returns its length. */
static size_t dhcp_build(const struct dhcp_engine *e, uint8_t type, uint8_t *m,
			 uint64_t now)
{
	static const uint8_t params[] = { DHCP_OPT_MASK, DHCP_OPT_ROUTER,
					  DHCP_OPT_DNS,	 DHCP_OPT_LEASE,
					  DHCP_OPT_T1,	 DHCP_OPT_T2 };
	uint64_t secs = (now - e->de_begin_ns) / NS_PER_S;
	uint8_t *p = m + DHCP_OFF_OPTIONS;

	memset(m, 0, DHCP_MSG_OUT);
	m[DHCP_OFF_OP] = DHCP_BOOTREQUEST;
	m[DHCP_OFF_HTYPE] = DHCP_HTYPE_ETHER;
	m[DHCP_OFF_HLEN] = 6;
	net_put32(m + DHCP_OFF_XID, e->de_xid);
	net_put16(m + DHCP_OFF_SECS, (uint16_t)(secs > 0xffff ? 0xffff : secs));
	/* Without an address we cannot take a unicast reply: ask for a
	 * broadcast one. With one, it goes in ciaddr (RFC 2131 table 5). */
	if (dhcp_has_lease(e))
		memcpy(m + DHCP_OFF_CIADDR, &e->de_lease.dl_addr, 4);
	else
		net_put16(m + DHCP_OFF_FLAGS, DHCP_FLAG_BROADCAST);
	memcpy(m + DHCP_OFF_CHADDR, e->de_mac, 6);
	net_put32(m + DHCP_OFF_COOKIE, DHCP_COOKIE);
	p = dhcp_put_opt(p, DHCP_OPT_TYPE, &type, 1);
	if (e->de_state == DHCP_REQUESTING) {
		p = dhcp_put_opt(p, DHCP_OPT_REQ_ADDR, &e->de_offer.dl_addr, 4);
		p = dhcp_put_opt(p, DHCP_OPT_SERVER, &e->de_offer.dl_server, 4);
	}
	p = dhcp_put_opt(p, DHCP_OPT_PARAMS, params, sizeof(params));
	*p = DHCP_OPT_END;
	return DHCP_MSG_OUT;
}

static void dhcp_send(struct dhcp_engine *e, uint8_t type, uint64_t now)
{
	uint8_t m[DHCP_MSG_OUT];
	size_t len = dhcp_build(e, type, m, now);
	uint32_t dst = e->de_state == DHCP_RENEWING ? e->de_lease.dl_server
						    : IP4_BROADCAST;

	e->de_tries++;
	e->de_ops->deo_send(e->de_arg, m, len, dst);
}

/* ---- Time. */

static uint64_t dhcp_add_ns(uint64_t t, uint64_t d)
{
	return t > UINT64_MAX - d ? UINT64_MAX : t + d;
}

static uint32_t dhcp_random32(void)
{
	uint32_t v;
	net_random(&v, sizeof(v));
	return v;
}

/* The wait after the n-th transmission (n >= 1): 4 s, 8 s, ... 64 s, each
 * moved by a uniform -1..+1 s. */
static uint64_t dhcp_backoff_ns(unsigned int n)
{
	uint64_t base = DHCP_RETX_MAX_NS;

	if (n <= 4)
		base = DHCP_RETX_FIRST_NS << (n - 1);
	uint32_t r = dhcp_random32() % (2 * DHCP_RETX_JITTER_MS + 1);
	return base - DHCP_RETX_JITTER_MS * NS_PER_MS + r * NS_PER_MS;
}

/* RENEWING and REBINDING: half the time left until `until`, at least
 * DHCP_RENEW_MIN_NS, but never past `until`. */
static uint64_t dhcp_renew_next(uint64_t now, uint64_t until)
{
	uint64_t wait = until > now ? (until - now) / 2 : 0;

	if (wait < DHCP_RENEW_MIN_NS)
		wait = DHCP_RENEW_MIN_NS;
	uint64_t next = dhcp_add_ns(now, wait);
	return next < until ? next : until;
}

/* ---- States. */

static void dhcp_new_xid(struct dhcp_engine *e)
{
	e->de_xid = dhcp_random32();
	e->de_tries = 0;
}

static void dhcp_send_discover(struct dhcp_engine *e, uint64_t now)
{
	dhcp_send(e, DHCP_DISCOVER, now);
	e->de_next_ns = dhcp_add_ns(now, dhcp_backoff_ns(e->de_tries));
}

static void dhcp_send_request(struct dhcp_engine *e, uint64_t now)
{
	if (e->de_tries == 0)
		e->de_sent_ns = now;
	dhcp_send(e, DHCP_REQUEST, now);
	e->de_next_ns = dhcp_add_ns(now, dhcp_backoff_ns(e->de_tries));
}

/* Back to SELECTING with a new xid, the DISCOVER sent after delay_ns. */
static void dhcp_restart(struct dhcp_engine *e, uint64_t now, uint64_t delay_ns)
{
	e->de_state = DHCP_SELECTING;
	dhcp_new_xid(e);
	e->de_next_ns = dhcp_add_ns(now, delay_ns);
	if (delay_ns == 0)
		dhcp_send_discover(e, now);
}

static void dhcp_lose(struct dhcp_engine *e, uint64_t now)
{
	memset(&e->de_lease, 0, sizeof(e->de_lease));
	e->de_t1_ns = e->de_t2_ns = e->de_expire_ns = UINT64_MAX;
	e->de_begin_ns = now;
	e->de_timeout_ns = dhcp_add_ns(now, DHCP_TIMEOUT_NS);
	e->de_failed = false;
	e->de_state = DHCP_SELECTING; /* no lease while the owner hears */
	e->de_ops->deo_event(e->de_arg, DHCP_EV_LOST);
	dhcp_restart(e, now, 0);
}

static bool dhcp_lease_same(const struct dhcp_lease *a,
			    const struct dhcp_lease *b)
{
	return a->dl_addr == b->dl_addr && a->dl_mask == b->dl_mask &&
	       a->dl_gw == b->dl_gw && a->dl_ndns == b->dl_ndns &&
	       memcmp(a->dl_dns, b->dl_dns, sizeof(a->dl_dns)) == 0;
}

static uint64_t dhcp_at(uint64_t start, uint32_t secs)
{
	if (secs == DHCP_INFINITE)
		return UINT64_MAX;
	return dhcp_add_ns(start, (uint64_t)secs * NS_PER_S);
}

/* Takes lease l, which began when this exchange's first REQUEST went
 * out (RFC 2131 section 4.4.1). */
static void dhcp_bind(struct dhcp_engine *e, struct dhcp_lease *l)
{
	bool changed = !dhcp_has_lease(e) || !dhcp_lease_same(l, &e->de_lease);

	l->dl_start_ns = e->de_sent_ns;
	e->de_lease = *l;
	e->de_t1_ns = dhcp_at(l->dl_start_ns, l->dl_t1_s);
	e->de_t2_ns = dhcp_at(l->dl_start_ns, l->dl_t2_s);
	e->de_expire_ns = dhcp_at(l->dl_start_ns, l->dl_lease_s);
	e->de_state = DHCP_BOUND;
	e->de_tries = 0;
	e->de_naks = 0;
	e->de_failed = false;
	e->de_timeout_ns = UINT64_MAX;
	e->de_next_ns = e->de_t1_ns;
	if (changed)
		e->de_ops->deo_event(e->de_arg, DHCP_EV_BOUND);
}

/* A NAK while requesting: start over, at once the first time, then
 * backing off so that a server that refuses everything cannot make us
 * loop fast. */
static void dhcp_nak_restart(struct dhcp_engine *e, uint64_t now)
{
	unsigned int n = e->de_naks++;
	dhcp_restart(e, now, n == 0 ? 0 : dhcp_backoff_ns(n));
}

static int dhcp_on_selecting(struct dhcp_engine *e, const struct dhcp_reply *rp,
			     uint64_t now)
{
	struct dhcp_lease l;

	if (rp->dr_type != DHCP_OFFER)
		return -ESRCH;
	if (dhcp_lease_make(rp, false, &l))
		return -EIO;
	/* The first acceptable offer wins; the REQUEST keeps the xid. */
	e->de_offer = l;
	e->de_state = DHCP_REQUESTING;
	e->de_tries = 0;
	dhcp_send_request(e, now);
	return 0;
}

static int dhcp_on_requesting(struct dhcp_engine *e,
			      const struct dhcp_reply *rp, uint64_t now)
{
	struct dhcp_lease l;

	if (rp->dr_type != DHCP_ACK && rp->dr_type != DHCP_NAK)
		return -ESRCH;
	if (!(rp->dr_seen & DHCP_SEEN_SERVER))
		return -EIO;
	/* Another server answering a REQUEST it was not named in. */
	if (rp->dr_server != e->de_offer.dl_server)
		return -ESRCH;
	if (rp->dr_type == DHCP_NAK) {
		dhcp_nak_restart(e, now);
		return 0;
	}
	if (dhcp_lease_make(rp, true, &l) || l.dl_addr != e->de_offer.dl_addr)
		return -EIO;
	dhcp_bind(e, &l);
	return 0;
}

/* RENEWING (our server only) and REBINDING (any server). */
static int dhcp_on_extending(struct dhcp_engine *e, const struct dhcp_reply *rp,
			     uint64_t now)
{
	struct dhcp_lease l;

	if (rp->dr_type != DHCP_ACK && rp->dr_type != DHCP_NAK)
		return -ESRCH;
	if (!(rp->dr_seen & DHCP_SEEN_SERVER))
		return -EIO;
	if (e->de_state == DHCP_RENEWING &&
	    rp->dr_server != e->de_lease.dl_server)
		return -ESRCH;
	if (rp->dr_type == DHCP_NAK) {
		dhcp_lose(e, now);
		return 0;
	}
	if (dhcp_lease_make(rp, true, &l) || l.dl_addr != e->de_lease.dl_addr)
		return -EIO;
	dhcp_bind(e, &l);
	return 0;
}

/* BOUND, RENEWING, REBINDING: the lease's own times. */
static void dhcp_lease_timer(struct dhcp_engine *e, uint64_t now)
{
	if (now >= e->de_expire_ns) {
		dhcp_lose(e, now);
		return;
	}
	if (now >= e->de_t2_ns) {
		if (e->de_state != DHCP_REBINDING) {
			e->de_state = DHCP_REBINDING;
			dhcp_new_xid(e);
		}
		dhcp_send_request(e, now);
		e->de_next_ns = dhcp_renew_next(now, e->de_expire_ns);
		return;
	}
	if (e->de_state == DHCP_BOUND) {
		e->de_state = DHCP_RENEWING;
		e->de_begin_ns = now; /* secs counts from the renewal */
		dhcp_new_xid(e);
	}
	dhcp_send_request(e, now);
	e->de_next_ns = dhcp_renew_next(now, e->de_t2_ns);
}

/* ---- The engine's calls. */

void dhcp_engine_init(struct dhcp_engine *e, const uint8_t mac[6],
		      const struct dhcp_engine_ops *ops, void *arg)
{
	memset(e, 0, sizeof(*e));
	e->de_ops = ops;
	e->de_arg = arg;
	memcpy(e->de_mac, mac, 6);
	e->de_next_ns = e->de_timeout_ns = UINT64_MAX;
	e->de_t1_ns = e->de_t2_ns = e->de_expire_ns = UINT64_MAX;
}

void dhcp_engine_start(struct dhcp_engine *e, uint64_t now)
{
	e->de_begin_ns = now;
	e->de_timeout_ns = dhcp_add_ns(now, DHCP_TIMEOUT_NS);
	e->de_failed = false;
	dhcp_restart(e, now, 0);
}

int dhcp_engine_input(struct dhcp_engine *e, const void *msg, size_t len,
		      uint64_t now)
{
	struct dhcp_reply rp;

	if (dhcp_parse(e, msg, len, &rp))
		return -EIO;
	switch (e->de_state) {
	case DHCP_SELECTING:
		return dhcp_on_selecting(e, &rp, now);
	case DHCP_REQUESTING:
		return dhcp_on_requesting(e, &rp, now);
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		return dhcp_on_extending(e, &rp, now);
	default: /* BOUND: nothing outstanding */
		return -ESRCH;
	}
}

void dhcp_engine_run(struct dhcp_engine *e, uint64_t now)
{
	if (now >= e->de_timeout_ns) {
		e->de_timeout_ns = UINT64_MAX;
		e->de_failed = true;
		e->de_ops->deo_event(e->de_arg, DHCP_EV_TIMEOUT);
	}
	if (now < e->de_next_ns)
		return;
	switch (e->de_state) {
	case DHCP_SELECTING:
		dhcp_send_discover(e, now);
		break;
	case DHCP_REQUESTING:
		if (e->de_tries >= DHCP_REQUEST_TRIES)
			dhcp_restart(e, now, 0);
		else
			dhcp_send_request(e, now);
		break;
	default:
		dhcp_lease_timer(e, now);
		break;
	}
}

uint64_t dhcp_engine_deadline(const struct dhcp_engine *e)
{
	return e->de_next_ns < e->de_timeout_ns ? e->de_next_ns
						: e->de_timeout_ns;
}

int dhcp_engine_lease(const struct dhcp_engine *e, struct dhcp_lease *out)
{
	if (!dhcp_has_lease(e))
		return e->de_failed ? -ETIMEDOUT : -EAGAIN;
	*out = e->de_lease;
	return 0;
}

/* ---- The binding: a UDP pcb on port 68, a timer, the interface. */

struct dhcp_client {
	struct dhcp_engine dc_eng;
	struct netstack *dc_ns;
	struct netif *dc_ni;
	struct udp_pcb *dc_pcb;
	struct net_timer dc_timer;
	void (*dc_on_change)(void *arg);
	void *dc_arg;
	uint8_t dc_buf[DHCP_MSG_MAX];
};

static void dhcp_client_send(void *arg, const uint8_t *msg, size_t len,
			     uint32_t dst)
{
	struct dhcp_client *dc = arg;

	/* Broadcasts leave through our interface (from 0.0.0.0 before we
	 * have an address); a renewal is routed like any datagram, as the
	 * server may sit behind the gateway. */
	udp_set_netif(dc->dc_pcb, dst == IP4_BROADCAST ? dc->dc_ni : NULL);
	/* A lost send is a lost packet: retransmission covers it. */
	(void)udp_sendto(dc->dc_pcb, msg, len, dst, DHCP_SERVER_PORT);
}

static void dhcp_client_event(void *arg, enum dhcp_event ev)
{
	struct dhcp_client *dc = arg;
	struct dhcp_lease l;

	if (ev == DHCP_EV_BOUND && dhcp_engine_lease(&dc->dc_eng, &l) == 0)
		netif_set_addr(dc->dc_ni, l.dl_addr, l.dl_mask, l.dl_gw);
	else if (ev == DHCP_EV_LOST)
		netif_set_addr(dc->dc_ni, 0, 0, 0);
	dc->dc_on_change(dc->dc_arg);
}

static const struct dhcp_engine_ops dhcp_client_ops = {
	.deo_send = dhcp_client_send,
	.deo_event = dhcp_client_event,
};

static void dhcp_client_rearm(struct dhcp_client *dc)
{
	uint64_t next = dhcp_engine_deadline(&dc->dc_eng);

	if (next == UINT64_MAX)
		net_timer_cancel(dc->dc_ns, &dc->dc_timer);
	else
		net_timer_arm(dc->dc_ns, &dc->dc_timer, next);
}

/* Feeds the engine every queued datagram. */
static void dhcp_client_drain(struct dhcp_client *dc, uint64_t now)
{
	for (;;) {
		uint32_t src;
		uint16_t port;
		bool trunc;
		ssize_t n =
			udp_recvfrom(dc->dc_pcb, dc->dc_buf, sizeof(dc->dc_buf),
				     0, &src, &port, &trunc);
		if (n < 0)
			return; /* -EAGAIN: drained */
		if (trunc || port != DHCP_SERVER_PORT ||
		    dhcp_engine_input(&dc->dc_eng, dc->dc_buf, (size_t)n,
				      now) == -EIO)
			net_count(dc->dc_ns, NC_dhcp_bad);
	}
}

static void dhcp_client_timer(struct net_timer *t)
{
	struct dhcp_client *dc = container_of(t, struct dhcp_client, dc_timer);
	uint64_t now = net_now_ns();

	dhcp_client_drain(dc, now);
	dhcp_engine_run(&dc->dc_eng, now);
	dhcp_client_rearm(dc);
}

/* The notify hook may not call into the stack: it makes the timer due
 * now, and the datagrams are read from the timer (netd runs timers right
 * after input). */
static void dhcp_client_notify(void *arg, unsigned int events)
{
	struct dhcp_client *dc = arg;

	if (events & NET_POLLIN)
		net_timer_arm(dc->dc_ns, &dc->dc_timer, 0);
}

int dhcp_start(struct netstack *ns, struct netif *ni,
	       void (*on_change)(void *arg), void *arg,
	       struct dhcp_client **out)
{
	struct dhcp_client *dc = net_alloc(ns, sizeof(*dc));
	int err;

	if (dc == NULL)
		return -ENOMEM;
	dc->dc_ns = ns;
	dc->dc_ni = ni;
	dc->dc_on_change = on_change;
	dc->dc_arg = arg;
	net_timer_init(&dc->dc_timer, dhcp_client_timer);
	err = udp_pcb_new(ns, &dc->dc_pcb);
	if (err)
		goto err_free;
	err = udp_setopt(dc->dc_pcb, NET_OPT_BROADCAST, 1);
	if (err)
		goto err_close;
	err = udp_bind(dc->dc_pcb, IP4_ANY, DHCP_CLIENT_PORT);
	if (err)
		goto err_close;
	udp_set_netif(dc->dc_pcb, ni);
	udp_set_notify(dc->dc_pcb, dhcp_client_notify, dc);
	dhcp_engine_init(&dc->dc_eng, ni->ni_mac, &dhcp_client_ops, dc);
	dhcp_engine_start(&dc->dc_eng, net_now_ns());
	dhcp_client_rearm(dc);
	*out = dc;
	return 0;
err_close:
	udp_close(dc->dc_pcb);
err_free:
	net_free(ns, dc, sizeof(*dc));
	return err;
}

void dhcp_stop(struct dhcp_client *dc)
{
	struct netstack *ns = dc->dc_ns;

	net_timer_cancel(ns, &dc->dc_timer);
	udp_close(dc->dc_pcb);
	net_free(ns, dc, sizeof(*dc));
}

int dhcp_get_lease(const struct dhcp_client *dc, struct dhcp_lease *out)
{
	return dhcp_engine_lease(&dc->dc_eng, out);
}

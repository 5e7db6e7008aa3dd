/* SPDX-License-Identifier: MIT */
/*
 * IPv4 fragmentation (RFC 791) and reassembly (RFC 815's hole idea over a
 * list sorted by offset).
 *
 * Reassembly is where small stacks have been broken most often, so every
 * fragment is checked on its own and against what is held: a fragment
 * that is not a multiple of 8 bytes (but the last), that ends beyond
 * 65535, or that disagrees with the known end drops its datagram, and so
 * does any overlap whose bytes differ from what is held (in the spirit of
 * RFC 5722: exact duplicates are harmless, anything else is an attack).
 * Memory is bounded per datagram (IP_REASM_DGRAM_MEM, IP_REASM_MAX_FRAGS)
 * and in all (IP_REASM_MEM: the oldest datagrams make room for a new
 * fragment), and a datagram not complete IP_REASM_TIMEOUT_NS after its
 * first fragment is dropped. Fragment data are copied out of the
 * received frames, so no driver buffer waits here.
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>

#include "ip_impl.h"

/* A held fragment is a netbuf with its payload; nb_priv[0] its offset. */
#define FRAG_OFF(nb) ((size_t)(nb)->nb_priv[0])
#define FRAG_END(nb) (FRAG_OFF(nb) + (nb)->nb_len)
#define FRAG_COST(len) ((uint32_t)(len) + (uint32_t)sizeof(struct netbuf))

struct ip_reasm {
	struct ip_reasm *r_next; /* ic_reasm, oldest first */
	uint32_t r_src, r_dst; /* the key, with r_id and r_proto */
	uint16_t r_id;
	uint8_t r_proto;
	bool r_bcast;
	bool r_have_last; /* r_total is known */
	uint8_t r_hlen; /* the first fragment's header length, 0: none */
	uint16_t r_nfrags;
	uint32_t r_total; /* payload length */
	uint32_t r_mem; /* bytes charged to ic_reasm_mem */
	uint64_t r_expire;
	struct netbuf *r_frags; /* sorted by offset */
	uint8_t r_hdr[60]; /* the first fragment's header */
};

static void reasm_timer_fn(struct net_timer *t);

void ip_frag_init(struct ip_ctx *ic)
{
	ic->ic_reasm = NULL;
	ic->ic_reasm_tail = &ic->ic_reasm;
	net_timer_init(&ic->ic_reasm_timer, reasm_timer_fn);
}

static void reasm_rearm(struct ip_ctx *ic)
{
	if (ic->ic_reasm != NULL)
		net_timer_arm(ic->ic_ns, &ic->ic_reasm_timer,
			      ic->ic_reasm->r_expire);
	else
		net_timer_cancel(ic->ic_ns, &ic->ic_reasm_timer);
}

/* Unlinks r, puts its fragments and frees it. */
static void reasm_free(struct ip_ctx *ic, struct ip_reasm *r)
{
	struct ip_reasm **pp = &ic->ic_reasm;

	while (*pp != r)
		pp = &(*pp)->r_next;
	*pp = r->r_next;
	if (ic->ic_reasm_tail == &r->r_next)
		ic->ic_reasm_tail = pp;
	while (r->r_frags != NULL) {
		struct netbuf *f = r->r_frags;
		r->r_frags = f->nb_next;
		f->nb_next = NULL;
		netbuf_put(f);
	}
	ic->ic_reasm_mem -= r->r_mem;
	ic->ic_reasm_count--;
	net_free(ic->ic_ns, r, sizeof(*r));
	reasm_rearm(ic);
}

void ip_frag_fini(struct ip_ctx *ic)
{
	while (ic->ic_reasm != NULL)
		reasm_free(ic, ic->ic_reasm);
	net_timer_cancel(ic->ic_ns, &ic->ic_reasm_timer);
}

/* RFC 792/1122: time exceeded, but only when fragment zero arrived. */
static void reasm_time_exceeded(struct ip_ctx *ic, const struct ip_reasm *r)
{
	if (r->r_hlen == 0 || r->r_frags == NULL || FRAG_OFF(r->r_frags) != 0)
		return;
	struct ip_rx rx = {
		.src = r->r_src,
		.dst = r->r_dst,
		.proto = r->r_proto,
		.bcast = r->r_bcast,
		.iph = r->r_hdr,
		.iph_len = r->r_hlen,
	};
	icmp_send_error(ic->ic_ns, &rx, r->r_frags, ICMP_TIME_EXCEEDED, 1);
}

static void reasm_timer_fn(struct net_timer *t)
{
	struct ip_ctx *ic = container_of(t, struct ip_ctx, ic_reasm_timer);
	uint64_t now = net_now_ns();

	while (ic->ic_reasm != NULL && ic->ic_reasm->r_expire <= now) {
		struct ip_reasm *r = ic->ic_reasm;
		net_count(ic->ic_ns, NC_ip_frag_timeout);
		reasm_time_exceeded(ic, r);
		reasm_free(ic, r);
	}
	reasm_rearm(ic);
}

static struct ip_reasm *reasm_find(struct ip_ctx *ic, const uint8_t *iph)
{
	uint32_t src, dst;

	memcpy(&src, iph + IPH_SRC, 4);
	memcpy(&dst, iph + IPH_DST, 4);
	for (struct ip_reasm *r = ic->ic_reasm; r != NULL; r = r->r_next)
		if (r->r_src == src && r->r_dst == dst &&
		    r->r_id == net_get16(iph + IPH_ID) &&
		    r->r_proto == iph[IPH_PROTO])
			return r;
	return NULL;
}

/* Makes room for `cost` more bytes by dropping the oldest datagrams other
 * than keep. False when even that is not enough. */
static bool reasm_make_room(struct ip_ctx *ic, uint32_t cost,
			    const struct ip_reasm *keep)
{
	while (ic->ic_reasm_mem + cost > IP_REASM_MEM) {
		struct ip_reasm *old = ic->ic_reasm;
		if (old == keep)
			old = old->r_next;
		if (old == NULL)
			return false;
		net_count(ic->ic_ns, NC_ip_frag_mem);
		reasm_free(ic, old);
	}
	return true;
}

static struct ip_reasm *reasm_new(struct ip_ctx *ic, const uint8_t *iph,
				  bool bcast)
{
	if (!reasm_make_room(ic, sizeof(struct ip_reasm), NULL))
		return NULL;
	struct ip_reasm *r = net_alloc(ic->ic_ns, sizeof(*r));
	if (r == NULL)
		return NULL;
	memcpy(&r->r_src, iph + IPH_SRC, 4);
	memcpy(&r->r_dst, iph + IPH_DST, 4);
	r->r_id = net_get16(iph + IPH_ID);
	r->r_proto = iph[IPH_PROTO];
	r->r_bcast = bcast;
	r->r_mem = sizeof(*r);
	r->r_expire = net_now_ns() + IP_REASM_TIMEOUT_NS;
	ic->ic_reasm_mem += r->r_mem;
	ic->ic_reasm_count++;
	*ic->ic_reasm_tail = r;
	ic->ic_reasm_tail = &r->r_next;
	reasm_rearm(ic);
	return r;
}

/* What a new fragment [off, end) with data p means for r. */
enum frag_verdict { FRAG_NEW, FRAG_DUP, FRAG_BAD };

static enum frag_verdict reasm_check(const struct ip_reasm *r, size_t off,
				     size_t end, bool last, const uint8_t *p)
{
	if (last && r->r_have_last && r->r_total != end)
		return FRAG_BAD;
	if (r->r_have_last && end > r->r_total)
		return FRAG_BAD;
	for (const struct netbuf *f = r->r_frags; f != NULL; f = f->nb_next) {
		if (last && FRAG_END(f) > end)
			return FRAG_BAD;
		size_t lo = off > FRAG_OFF(f) ? off : FRAG_OFF(f);
		size_t hi = end < FRAG_END(f) ? end : FRAG_END(f);
		if (lo >= hi)
			continue;
		if (memcmp(p + (lo - off), f->nb_data + (lo - FRAG_OFF(f)),
			   hi - lo) != 0)
			return FRAG_BAD;
		/* Held already, unless it is the first to say where the
		 * datagram ends. */
		if (lo == off && hi == end && (!last || r->r_have_last))
			return FRAG_DUP;
	}
	return FRAG_NEW;
}

/* Copies the fragment's payload into r's sorted list. */
static int reasm_insert(struct ip_reasm *r, size_t off, const uint8_t *p,
			size_t len)
{
	struct netbuf *f = netbuf_alloc(0, len);

	if (f == NULL)
		return -ENOMEM;
	memcpy(netbuf_append(f, len), p, len);
	f->nb_priv[0] = off;
	struct netbuf **pp = &r->r_frags;
	while (*pp != NULL && FRAG_OFF(*pp) <= off)
		pp = &(*pp)->nb_next;
	f->nb_next = *pp;
	*pp = f;
	r->r_nfrags++;
	r->r_mem += FRAG_COST(len);
	return 0;
}

static bool reasm_complete(const struct ip_reasm *r)
{
	size_t pos = 0;

	if (!r->r_have_last || r->r_hlen == 0)
		return false;
	for (const struct netbuf *f = r->r_frags; f != NULL; f = f->nb_next) {
		if (FRAG_OFF(f) > pos)
			return false;
		if (FRAG_END(f) > pos)
			pos = FRAG_END(f);
	}
	return pos >= r->r_total;
}

/* The whole datagram in one new netbuf; NULL when memory is short. */
static struct netbuf *reasm_build(const struct ip_reasm *r)
{
	size_t total = (size_t)r->r_hlen + r->r_total;
	struct netbuf *nb = netbuf_alloc(0, total);

	if (nb == NULL)
		return NULL;
	uint8_t *p = netbuf_append(nb, total);
	memcpy(p, r->r_hdr, r->r_hlen);
	ip_finish_header(p, r->r_hlen, total, 0);
	for (const struct netbuf *f = r->r_frags; f != NULL; f = f->nb_next)
		memcpy(p + r->r_hlen + FRAG_OFF(f), f->nb_data, f->nb_len);
	return nb;
}

/* Drops r as malformed (counted). */
static void reasm_bad(struct ip_ctx *ic, struct ip_reasm *r)
{
	net_count(ic->ic_ns, NC_ip_frag_bad);
	if (r != NULL)
		reasm_free(ic, r);
}

/* Adds the fragment to r; false when r was dropped for it. */
static bool reasm_add(struct ip_ctx *ic, struct ip_reasm *r,
		      const struct netbuf *nb, size_t hlen)
{
	const uint8_t *iph = nb->nb_data;
	uint16_t frag = net_get16(iph + IPH_FRAG);
	size_t off = (size_t)(frag & IP_OFF_MASK) * 8;
	size_t len = nb->nb_len - hlen;
	bool last = !(frag & IP_FLAG_MF);

	switch (reasm_check(r, off, off + len, last, iph + hlen)) {
	case FRAG_BAD:
		reasm_bad(ic, r);
		return false;
	case FRAG_DUP:
		return true;
	case FRAG_NEW:
		break;
	}
	uint32_t cost = FRAG_COST(len);
	if (r->r_nfrags >= IP_REASM_MAX_FRAGS ||
	    r->r_mem + cost > IP_REASM_DGRAM_MEM ||
	    !reasm_make_room(ic, cost, r) ||
	    (len > 0 && reasm_insert(r, off, iph + hlen, len) != 0)) {
		net_count(ic->ic_ns, NC_ip_frag_mem);
		reasm_free(ic, r);
		return false;
	}
	ic->ic_reasm_mem += len > 0 ? cost : 0;
	if (last) {
		r->r_have_last = true;
		r->r_total = (uint32_t)(off + len);
	}
	if (off == 0 && r->r_hlen == 0) {
		memcpy(r->r_hdr, iph, hlen);
		r->r_hlen = (uint8_t)hlen;
	}
	return true;
}

struct netbuf *ip_frag_input(struct netstack *ns, struct netbuf *nb,
			     size_t hlen, bool bcast)
{
	struct ip_ctx *ic = ns->ns_ip;
	const uint8_t *iph = nb->nb_data;
	uint16_t frag = net_get16(iph + IPH_FRAG);
	size_t off = (size_t)(frag & IP_OFF_MASK) * 8;
	size_t len = nb->nb_len - hlen;
	struct ip_reasm *r = reasm_find(ic, iph);
	struct netbuf *whole = NULL;

	/* All but the last carry a multiple of 8 bytes; none may end
	 * beyond the largest datagram (the "ping of death"). */
	if (((frag & IP_FLAG_MF) && (len == 0 || len % 8 != 0)) ||
	    hlen + off + len > IP_MAX_LEN) {
		reasm_bad(ic, r);
		goto out;
	}
	if (r == NULL)
		r = reasm_new(ic, iph, bcast);
	if (r == NULL) {
		net_count(ns, NC_ip_frag_mem);
		goto out;
	}
	if (!reasm_add(ic, r, nb, hlen) || !reasm_complete(r))
		goto out;
	if ((size_t)r->r_hlen + r->r_total > IP_MAX_LEN) {
		reasm_bad(ic, r);
		goto out;
	}
	whole = reasm_build(r);
	if (whole != NULL)
		net_count(ns, NC_ip_reasm_ok);
	else
		net_count(ns, NC_ip_frag_mem);
	reasm_free(ic, r);
out:
	netbuf_put(nb);
	return whole;
}

/* Fragment [off, off + n) of the IP packet nb (header at nb_data). */
static struct netbuf *frag_make(const struct netbuf *nb, size_t off, size_t n,
				bool more)
{
	struct netbuf *f = netbuf_alloc(NETBUF_HEADROOM, IP_HLEN + n);

	if (f == NULL)
		return NULL;
	uint8_t *p = netbuf_append(f, IP_HLEN + n);
	memcpy(p, nb->nb_data, IP_HLEN);
	if (netbuf_copy_out(nb, IP_HLEN + off, p + IP_HLEN, n) != 0) {
		netbuf_put(f);
		return NULL;
	}
	uint16_t fl = (uint16_t)(off / 8) | (more ? IP_FLAG_MF : 0);
	ip_finish_header(p, IP_HLEN, IP_HLEN + n, fl);
	return f;
}

int ip_frag_output(struct netif *ni, uint32_t nexthop, struct netbuf *nb,
		   uint16_t mtu)
{
	size_t payload = netbuf_frame_len(nb) - IP_HLEN;
	size_t chunk = (size_t)(mtu > IP_HLEN ? mtu - IP_HLEN : 0) & ~(size_t)7;
	int err = chunk != 0 ? 0 : -EMSGSIZE;

	for (size_t off = 0; off < payload && err == 0; off += chunk) {
		size_t n = payload - off < chunk ? payload - off : chunk;
		struct netbuf *f = frag_make(nb, off, n, off + n < payload);
		if (f == NULL) {
			err = -ENOMEM;
			break;
		}
		net_count(ni->ni_stack, NC_ip_frag_out);
		err = ip_send_packet(ni, nexthop, f);
	}
	netbuf_put(nb);
	return err;
}

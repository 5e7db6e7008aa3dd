/* SPDX-License-Identifier: MIT */
/*
 * ARP for IPv4 over Ethernet (RFC 826), one cache per interface.
 *
 * The cache is a fixed table of ARP_CACHE_SIZE entries: a new neighbour
 * takes a free entry or evicts the least recently used resolved one. An
 * entry is confirmed for ARP_REACHABLE_NS; used after that it is probed
 * (requests again) while the old address keeps working, and dropped if
 * nobody answers. A neighbour being resolved holds at most ARP_HOLD_MAX
 * packets (the oldest goes first) and is given up after ARP_MAX_TRIES
 * requests ARP_RETRY_NS apart.
 *
 * Cache hygiene: an entry is created only for a neighbour on our subnet
 * that sent a request or reply addressed to us (or that we asked for);
 * any other ARP packet may only refresh an entry that exists. Packets
 * claiming our own address or a broadcast/multicast sender are never
 * learnt. No proxy ARP, no RFC 5227 conflict defence beyond counting.
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>

#include "ip_impl.h"

#define ARP_CACHE_SIZE 64
#define ARP_HOLD_MAX 4
#define ARP_MAX_TRIES 3
#define ARP_RETRY_NS 1000000000ull
#define ARP_REACHABLE_NS (60ull * 1000000000)

#define ARP_HLEN 28 /* for Ethernet and IPv4 */
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ETH_MIN_FRAME 60 /* without the FCS */

enum arp_state {
	ARP_FREE,
	ARP_INCOMPLETE, /* asked, no answer yet: holds packets */
	ARP_REACHABLE, /* answered; valid until ae_expire */
	ARP_PROBE, /* expired and in use: asked again, old MAC still used */
};

struct arp_entry {
	uint32_t ae_addr;
	uint8_t ae_mac[6];
	uint8_t ae_state; /* enum arp_state */
	uint8_t ae_tries; /* requests sent (INCOMPLETE, PROBE) */
	uint64_t ae_expire; /* REACHABLE: until; else: next retry */
	uint64_t ae_used; /* for LRU eviction */
	struct netbuf *ae_hold; /* packets waiting, oldest first */
	unsigned int ae_nhold;
};

struct arp_cache {
	struct netif *ac_ni;
	struct net_timer ac_timer; /* the earliest retry */
	struct arp_entry ac_ent[ARP_CACHE_SIZE];
};

static struct netstack *arp_ns(const struct arp_cache *ac)
{
	return ac->ac_ni->ni_stack;
}

static void arp_timer_fn(struct net_timer *t);

int arp_init(struct netif *ni)
{
	struct arp_cache *ac = net_alloc(ni->ni_stack, sizeof(*ac));

	if (ac == NULL)
		return -ENOMEM;
	ac->ac_ni = ni;
	net_timer_init(&ac->ac_timer, arp_timer_fn);
	ni->ni_arp = ac;
	return 0;
}

static void arp_drop_held(struct arp_cache *ac, struct arp_entry *e)
{
	while (e->ae_hold != NULL) {
		struct netbuf *nb = e->ae_hold;
		e->ae_hold = nb->nb_next;
		nb->nb_next = NULL;
		netbuf_put(nb);
		net_count(arp_ns(ac), NC_arp_hold_drop);
	}
	e->ae_nhold = 0;
}

void arp_fini(struct netif *ni)
{
	struct arp_cache *ac = ni->ni_arp;

	if (ac == NULL)
		return;
	net_timer_cancel(ni->ni_stack, &ac->ac_timer);
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &ac->ac_ent[i];
		while (e->ae_hold != NULL) {
			struct netbuf *nb = e->ae_hold;
			e->ae_hold = nb->nb_next;
			netbuf_put(nb);
		}
	}
	net_free(ni->ni_stack, ac, sizeof(*ac));
	ni->ni_arp = NULL;
}

/* ---- Sending ARP packets. */

static void arp_send(struct netif *ni, uint16_t op, const uint8_t eth_dst[6],
		     const uint8_t tha[6], uint32_t tpa)
{
	static const uint8_t zero_mac[6];
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, ETH_MIN_FRAME);

	if (nb == NULL)
		return;
	/* Padded to the minimum frame here, not by every driver. */
	uint8_t *p = netbuf_append(nb, ETH_MIN_FRAME - ETH_HLEN);
	memset(p, 0, ETH_MIN_FRAME - ETH_HLEN);
	net_put16(p, ARP_HTYPE_ETHER);
	net_put16(p + 2, ETH_TYPE_IP);
	p[4] = 6;
	p[5] = 4;
	net_put16(p + 6, op);
	memcpy(p + 8, ni->ni_mac, 6);
	memcpy(p + 14, &ni->ni_addr, 4);
	memcpy(p + 18, tha != NULL ? tha : zero_mac, 6);
	memcpy(p + 24, &tpa, 4);
	net_count(ni->ni_stack,
		  op == ARP_OP_REPLY ? NC_arp_reply_out : NC_arp_request_out);
	(void)ether_send(ni, eth_dst, ETH_TYPE_ARP, nb);
}

static void arp_request(struct netif *ni, uint32_t addr)
{
	arp_send(ni, ARP_OP_REQUEST, ether_bcast_addr, NULL, addr);
}

void arp_announce(struct netif *ni)
{
	if (ni->ni_arp == NULL || ni->ni_addr == 0)
		return;
	/* RFC 5227 section 3: a request with our address as both sender
	 * and target, so every neighbour that has us cached updates. */
	arp_request(ni, ni->ni_addr);
}

/* ---- The cache. */

static struct arp_entry *arp_find(struct arp_cache *ac, uint32_t addr)
{
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &ac->ac_ent[i];
		if (e->ae_state != ARP_FREE && e->ae_addr == addr)
			return e;
	}
	return NULL;
}

static void arp_clear(struct arp_cache *ac, struct arp_entry *e)
{
	arp_drop_held(ac, e);
	memset(e, 0, sizeof(*e));
}

/* A free entry, or the least recently used resolved one emptied; NULL
 * when every entry is being resolved. */
static struct arp_entry *arp_alloc(struct arp_cache *ac)
{
	struct arp_entry *victim = NULL;

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &ac->ac_ent[i];
		if (e->ae_state == ARP_FREE)
			return e;
		if (e->ae_state == ARP_INCOMPLETE)
			continue;
		if (victim == NULL || e->ae_used < victim->ae_used)
			victim = e;
	}
	if (victim != NULL) {
		net_count(arp_ns(ac), NC_arp_evict);
		arp_clear(ac, victim);
	}
	return victim;
}

/* Re-arms the timer for the earliest retry, if any is due. */
static void arp_rearm(struct arp_cache *ac)
{
	uint64_t first = UINT64_MAX;

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		const struct arp_entry *e = &ac->ac_ent[i];
		if ((e->ae_state == ARP_INCOMPLETE ||
		     e->ae_state == ARP_PROBE) &&
		    e->ae_expire < first)
			first = e->ae_expire;
	}
	if (first == UINT64_MAX)
		net_timer_cancel(arp_ns(ac), &ac->ac_timer);
	else
		net_timer_arm(arp_ns(ac), &ac->ac_timer, first);
}

/* Sends a request for e now and schedules the next try. */
static void arp_ask(struct arp_cache *ac, struct arp_entry *e, uint64_t now)
{
	e->ae_tries++;
	e->ae_expire = now + ARP_RETRY_NS;
	arp_request(ac->ac_ni, e->ae_addr);
	arp_rearm(ac);
}

static void arp_timer_fn(struct net_timer *t)
{
	struct arp_cache *ac = container_of(t, struct arp_cache, ac_timer);
	uint64_t now = net_now_ns();

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &ac->ac_ent[i];
		if ((e->ae_state != ARP_INCOMPLETE &&
		     e->ae_state != ARP_PROBE) ||
		    e->ae_expire > now)
			continue;
		if (e->ae_tries < ARP_MAX_TRIES) {
			e->ae_tries++;
			e->ae_expire = now + ARP_RETRY_NS;
			arp_request(ac->ac_ni, e->ae_addr);
			continue;
		}
		net_count(arp_ns(ac), NC_arp_unresolved);
		arp_clear(ac, e);
	}
	arp_rearm(ac);
}

int arp_lookup(struct netif *ni, uint32_t addr, uint8_t mac[6])
{
	struct arp_cache *ac = ni->ni_arp;
	struct arp_entry *e = ac != NULL ? arp_find(ac, addr) : NULL;

	if (e == NULL || e->ae_state != ARP_REACHABLE ||
	    net_now_ns() >= e->ae_expire)
		return -ENOENT;
	memcpy(mac, e->ae_mac, 6);
	return 0;
}

unsigned int arp_held(const struct netif *ni)
{
	const struct arp_cache *ac = ni->ni_arp;
	unsigned int n = 0;

	if (ac == NULL)
		return 0;
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++)
		n += ac->ac_ent[i].ae_nhold;
	return n;
}

static void arp_hold(struct arp_cache *ac, struct arp_entry *e,
		     struct netbuf *nb)
{
	if (e->ae_nhold == ARP_HOLD_MAX) {
		struct netbuf *old = e->ae_hold;
		e->ae_hold = old->nb_next;
		old->nb_next = NULL;
		netbuf_put(old);
		e->ae_nhold--;
		net_count(arp_ns(ac), NC_arp_hold_drop);
	}
	struct netbuf **pp = &e->ae_hold;
	while (*pp != NULL)
		pp = &(*pp)->nb_next;
	nb->nb_next = NULL;
	*pp = nb;
	e->ae_nhold++;
}

int arp_output(struct netif *ni, uint32_t nexthop, struct netbuf *nb)
{
	struct arp_cache *ac = ni->ni_arp;
	uint64_t now = net_now_ns();
	struct arp_entry *e = arp_find(ac, nexthop);

	if (e == NULL) {
		e = arp_alloc(ac);
		if (e == NULL) {
			net_count(ni->ni_stack, NC_arp_hold_drop);
			netbuf_put(nb);
			return -ENOBUFS;
		}
		e->ae_addr = nexthop;
		e->ae_state = ARP_INCOMPLETE;
		e->ae_used = now;
		arp_hold(ac, e, nb);
		arp_ask(ac, e, now);
		return 0;
	}
	e->ae_used = now;
	if (e->ae_state == ARP_INCOMPLETE) {
		arp_hold(ac, e, nb);
		return 0;
	}
	if (e->ae_state == ARP_REACHABLE && now >= e->ae_expire) {
		/* Keep using the old address while asking again: a
		 * neighbour that moved answers, one that left is dropped. */
		e->ae_state = ARP_PROBE;
		e->ae_tries = 0;
		arp_ask(ac, e, now);
	}
	return ether_send(ni, e->ae_mac, ETH_TYPE_IP, nb);
}

/* ---- Receiving. */

/* e's neighbour answered from mac: send what waited for it. */
static void arp_resolved(struct arp_cache *ac, struct arp_entry *e,
			 const uint8_t mac[6], uint64_t now)
{
	memcpy(e->ae_mac, mac, 6);
	e->ae_state = ARP_REACHABLE;
	e->ae_tries = 0;
	e->ae_expire = now + ARP_REACHABLE_NS;
	struct netbuf *held = e->ae_hold;
	e->ae_hold = NULL;
	e->ae_nhold = 0;
	while (held != NULL) {
		struct netbuf *nb = held;
		held = nb->nb_next;
		nb->nb_next = NULL;
		(void)ether_send(ac->ac_ni, e->ae_mac, ETH_TYPE_IP, nb);
	}
}

static bool arp_header_ok(const uint8_t *p, size_t len)
{
	if (len < ARP_HLEN)
		return false;
	uint16_t op = net_get16(p + 6);
	return net_get16(p) == ARP_HTYPE_ETHER &&
	       net_get16(p + 2) == ETH_TYPE_IP && p[4] == 6 && p[5] == 4 &&
	       (op == ARP_OP_REQUEST || op == ARP_OP_REPLY);
}

/* Whether (spa, sha) can be a neighbour on ni at all: no group MAC, no
 * broadcast, multicast or loopback address (0.0.0.0 is a probe). */
static bool arp_sender_valid(const struct netif *ni, uint32_t spa,
			     const uint8_t *sha)
{
	if ((sha[0] & 1) || spa == IP4_BROADCAST || net_ip4_is_multicast(spa) ||
	    net_ip4_is_loopback(spa))
		return false;
	return ni->ni_addr == 0 || ni->ni_mask == IP4_BROADCAST ||
	       spa != (ni->ni_addr | ~ni->ni_mask);
}

/* (spa, sha) spoke: refresh its entry, or make one if it spoke to us
 * from our subnet. */
static void arp_learn(struct netif *ni, uint32_t spa, const uint8_t *sha,
		      bool for_us)
{
	uint64_t now = net_now_ns();
	struct arp_entry *e = arp_find(ni->ni_arp, spa);

	if (e == NULL) {
		if (!for_us ||
		    (spa & ni->ni_mask) != (ni->ni_addr & ni->ni_mask))
			return;
		e = arp_alloc(ni->ni_arp);
		if (e == NULL)
			return;
		e->ae_addr = spa;
		e->ae_used = now;
	}
	arp_resolved(ni->ni_arp, e, sha, now);
	arp_rearm(ni->ni_arp);
}

void arp_input(struct netif *ni, struct netbuf *nb)
{
	struct netstack *ns = ni->ni_stack;
	const uint8_t *p = nb->nb_data;
	uint32_t spa, tpa;

	net_count(ns, NC_arp_in);
	if (ni->ni_arp == NULL || !arp_header_ok(p, nb->nb_len)) {
		net_count(ns, NC_arp_bad);
		goto out;
	}
	memcpy(&spa, p + 14, 4);
	memcpy(&tpa, p + 24, 4);
	const uint8_t *sha = p + 8;
	if (!arp_sender_valid(ni, spa, sha)) {
		net_count(ns, NC_arp_bad);
		goto out;
	}
	if (memcmp(sha, ni->ni_mac, 6) == 0)
		goto out; /* our own, looped back by a switch */
	bool for_us = ni->ni_addr != 0 && tpa == ni->ni_addr;
	if (ni->ni_addr != 0 && spa == ni->ni_addr) {
		net_count(ns, NC_arp_conflict);
		goto out;
	}
	if (spa != IP4_ANY)
		arp_learn(ni, spa, sha, for_us);
	if (for_us && net_get16(p + 6) == ARP_OP_REQUEST) {
		uint8_t to[6];
		memcpy(to, sha, 6);
		arp_send(ni, ARP_OP_REPLY, to, to, spa);
	}
out:
	netbuf_put(nb);
}

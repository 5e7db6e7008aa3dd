/* SPDX-License-Identifier: MIT */
/*
 * The test double under TCP (tcp_fake_ip.h). The IP layer here has no
 * header of its own: ip_output() receives the TCP segment, checks what
 * the real one relies on (first piece exclusively owned with headroom,
 * checksum left partial at offset 0/16 with the pseudo-header sum),
 * completes the checksum in software, and queues a linear copy or gives
 * it to a forwarder (the two-stack tests' lossy link).
 */
#include "tcp_fake_ip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <net/tcp.h>
#include <net/udp.h>

/* ---- Environment. */

static uint64_t now_ns = 1000000000ull;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

void fake_env_reset(uint64_t seed)
{
	now_ns = 1000000000ull;
	rng = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (rng == 0)
		rng = 1;
}

uint32_t fake_local_ip(void)
{
	return net_ip4(10, 0, 0, 1);
}

uint32_t fake_peer_ip(void)
{
	return net_ip4(10, 0, 0, 2);
}

uint64_t fake_netbufs_live(void)
{
	struct netbuf_stats st;

	netbuf_get_stats(&st);
	return st.ns_live;
}

uint64_t fake_now(void)
{
	return now_ns;
}

void fake_set_now(uint64_t ns)
{
	now_ns = ns;
}

uint64_t fake_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

uint64_t net_now_ns(void)
{
	return now_ns;
}

void net_random(void *buf, size_t len)
{
	uint8_t *b = buf;

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(fake_rand() >> 32);
}

void fake_run_until(struct netstack **stacks, int n, uint64_t until)
{
	for (;;) {
		uint64_t next = UINT64_MAX;
		for (int i = 0; i < n; i++) {
			uint64_t d = netstack_next_deadline(stacks[i]);
			if (d < next)
				next = d;
		}
		if (next > until)
			break;
		if (next > now_ns)
			now_ns = next;
		for (int i = 0; i < n; i++)
			netstack_run_timers(stacks[i], now_ns);
	}
	if (until > now_ns)
		now_ns = until;
}

/* ---- The kernel heap, for netbuf.c. */

void *heap_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

void heap_free(void *p)
{
	free(p);
}

void heap_violation(const char *what, const void *ptr)
{
	fprintf(stderr, "heap violation: %s %p\n", what, ptr);
	abort();
}

/* ---- IP. */

struct ip_ctx {
	uint32_t addr;
	uint16_t mtu;
	bool noroute;
	uint32_t tso_max;
	unsigned int tso_frags;
	int fail_next;
	fake_forward_fn fwd;
	void *fwd_arg;
	struct fake_seg *head, **tail;
	unsigned int pending;
	struct fake_ip_stats st;
};

int ip_init(struct netstack *ns)
{
	struct ip_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->addr = net_ip4(10, 0, 0, 1);
	c->mtu = 1500;
	c->tail = &c->head;
	ns->ns_ip = c;
	return 0;
}

void ip_fini(struct netstack *ns)
{
	fake_ip_drain(ns);
	free(ns->ns_ip);
	ns->ns_ip = NULL;
}

void ip_input(struct netif *ni, struct netbuf *nb)
{
	(void)ni;
	netbuf_put(nb);
}

struct netif *ip_route(struct netstack *ns, uint32_t dst, uint32_t *nexthop)
{
	(void)ns, (void)dst, (void)nexthop;
	return NULL;
}

uint32_t ip_source_for(struct netstack *ns, uint32_t dst)
{
	if (dst == 0 || ns->ns_ip->noroute)
		return 0;
	if (net_ip4_is_loopback(dst))
		return net_ip4(127, 0, 0, 1);
	return ns->ns_ip->addr;
}

uint16_t ip_mtu_for(struct netstack *ns, uint32_t dst)
{
	(void)dst;
	return ns->ns_ip->mtu;
}

uint32_t ip_tso_for(struct netstack *ns, uint32_t dst, unsigned int *frags)
{
	(void)dst;
	*frags = ns->ns_ip->tso_frags;
	return ns->ns_ip->tso_max;
}

bool ip_is_local(struct netstack *ns, uint32_t addr)
{
	return addr == ns->ns_ip->addr || net_ip4_is_loopback(addr);
}

bool ip_is_broadcast(struct netstack *ns, uint32_t addr)
{
	uint32_t mask = net_ip4(255, 255, 255, 0);

	return addr == IP4_BROADCAST ||
	       addr == ((ns->ns_ip->addr & mask) | ~mask);
}

void icmp_send_error(struct netstack *ns, const struct ip_rx *rx,
		     const struct netbuf *nb, uint8_t type, uint8_t code)
{
	(void)rx, (void)nb, (void)type, (void)code;
	ns->ns_ip->st.icmp_errors++;
}

int udp_init(struct netstack *ns)
{
	(void)ns;
	return 0;
}

void udp_fini(struct netstack *ns)
{
	(void)ns;
}

int arp_init(struct netif *ni)
{
	(void)ni;
	return 0;
}

void arp_fini(struct netif *ni)
{
	(void)ni;
}

void arp_announce(struct netif *ni)
{
	(void)ni;
}

static unsigned int frame_pieces(const struct netbuf *nb)
{
	unsigned int n = 0;

	for (; nb != NULL; nb = nb->nb_frag)
		n++;
	return n;
}

/* Whether a super-segment (or not) keeps within the route's offload. */
static bool gso_ok(const struct ip_ctx *c, const struct netbuf *nb)
{
	size_t len = netbuf_frame_len(nb);

	if (!(nb->nb_flags & NB_GSO_TCPV4))
		return len + IP_HLEN <= c->mtu &&
		       (c->tso_frags == 0 || frame_pieces(nb) <= c->tso_frags);
	return c->tso_max != 0 && len + IP_HLEN <= c->tso_max &&
	       nb->nb_gso_size != 0 && len > nb->nb_gso_size &&
	       (c->tso_frags == 0 || frame_pieces(nb) <= c->tso_frags);
}

/* Whether nb keeps the rules ip_output() relies on. */
static bool contract_ok(const struct ip_ctx *c, const struct ip_tx *tx,
			const struct netbuf *nb)
{
	if (nb->nb_refs != 1 || netbuf_headroom(nb) < IP_HLEN + ETH_HLEN + 12)
		return false;
	if (!gso_ok(c, nb))
		return false;
	if (!(nb->nb_flags & NB_CSUM_PARTIAL) || nb->nb_csum_start != 0 ||
	    nb->nb_csum_off != 16)
		return false;
	return tx->proto == IP_PROTO_TCP && tx->src != 0 && tx->dst != 0;
}

int ip_output(struct netstack *ns, const struct ip_tx *tx, struct netbuf *nb)
{
	struct ip_ctx *c = ns->ns_ip;
	size_t len = netbuf_frame_len(nb);
	struct fake_seg *fs = malloc(sizeof(*fs) + len);

	c->st.out++;
	if (!contract_ok(c, tx, nb)) {
		fprintf(stderr,
			"ip_output: contract broken (refs %u headroom %zu flags %#x csum %u/%u src %#x dst %#x)\n",
			nb->nb_refs, netbuf_headroom(nb), nb->nb_flags,
			nb->nb_csum_start, nb->nb_csum_off, tx->src, tx->dst);
		c->st.violations++;
	}
	if (fs == NULL || netbuf_copy_out(nb, 0, fs->data, len) != 0) {
		free(fs);
		netbuf_put(nb);
		return -ENOMEM;
	}
	fs->gso_size = (nb->nb_flags & NB_GSO_TCPV4) ? nb->nb_gso_size : 0;
	fs->pieces = frame_pieces(nb);
	netbuf_put(nb);
	/* Complete the checksum as software ip_output does, then check
	 * the whole segment against the pseudo-header. */
	uint16_t sum = net_csum_fold(net_csum_add(0, fs->data, len));
	net_put16(fs->data + 16, sum);
	uint32_t check =
		net_csum_pseudo(tx->src, tx->dst, IP_PROTO_TCP, (uint16_t)len);
	if (net_csum_fold(net_csum_add(check, fs->data, len)) != 0) {
		fprintf(stderr, "ip_output: bad checksum\n");
		c->st.violations++;
	}
	fs->next = NULL;
	fs->tx = *tx;
	fs->len = len;
	int err = c->fail_next;
	c->fail_next = 0;
	if (err != 0) {
		free(fs);
		return err;
	}
	if (c->fwd != NULL) {
		c->fwd(ns, fs, c->fwd_arg);
		return 0;
	}
	*c->tail = fs;
	c->tail = &fs->next;
	c->pending++;
	return 0;
}

void fake_ip_config(struct netstack *ns, uint32_t addr, uint16_t mtu)
{
	ns->ns_ip->addr = addr;
	ns->ns_ip->mtu = mtu;
}

void fake_ip_set_tso(struct netstack *ns, uint32_t max, unsigned int frags)
{
	ns->ns_ip->tso_max = max;
	ns->ns_ip->tso_frags = frags;
}

void fake_ip_set_noroute(struct netstack *ns, bool noroute)
{
	ns->ns_ip->noroute = noroute;
}

void fake_ip_fail_next(struct netstack *ns, int err)
{
	ns->ns_ip->fail_next = err;
}

void fake_ip_forward(struct netstack *ns, fake_forward_fn fn, void *arg)
{
	ns->ns_ip->fwd = fn;
	ns->ns_ip->fwd_arg = arg;
}

const struct fake_ip_stats *fake_ip_stats(struct netstack *ns)
{
	return &ns->ns_ip->st;
}

struct fake_seg *fake_ip_take(struct netstack *ns)
{
	struct ip_ctx *c = ns->ns_ip;
	struct fake_seg *fs = c->head;

	if (fs == NULL)
		return NULL;
	c->head = fs->next;
	if (c->head == NULL)
		c->tail = &c->head;
	c->pending--;
	fs->next = NULL;
	return fs;
}

unsigned int fake_ip_pending(struct netstack *ns)
{
	return ns->ns_ip->pending;
}

void fake_ip_drain(struct netstack *ns)
{
	struct fake_seg *fs;

	while ((fs = fake_ip_take(ns)) != NULL)
		free(fs);
}

/* Delivered segments come from a "driver pool" when set: a malloc'd
 * area with a release hook that counts the buffer coming back. */
static unsigned int *driver_released;

void fake_ip_driver_buffers(unsigned int *released)
{
	driver_released = released;
}

static void driver_release(struct netbuf *nb)
{
	unsigned int *released = nb->nb_owner;

	(*released)++;
	free(nb->nb_base);
	free(nb);
}

static struct netbuf *driver_netbuf(size_t len)
{
	struct netbuf *nb = malloc(sizeof(*nb));
	void *area = malloc(2048);

	if (nb == NULL || area == NULL || len > 2048 - 64)
		abort();
	netbuf_init(nb, area, 2048, 64, driver_release, driver_released);
	return nb;
}

void fake_ip_deliver(struct netstack *ns, uint32_t src, uint32_t dst,
		     const void *seg, size_t len)
{
	struct netbuf *nb = driver_released != NULL ? driver_netbuf(len)
						    : netbuf_alloc(64, len);
	struct ip_rx rx = {
		.ni = netstack_loopback(ns),
		.src = src,
		.dst = dst,
		.proto = IP_PROTO_TCP,
		.ttl = 64,
	};

	if (nb == NULL)
		abort();
	memcpy(netbuf_append(nb, len), seg, len);
	tcp_input(ns, &rx, nb);
}

/* ---- Segments. */

size_t fake_tcp_build(uint8_t *out, uint32_t src, uint32_t dst,
		      const struct tseg *s)
{
	size_t hlen = 20 + s->optlen;
	size_t len = hlen + s->len;
	int doff = s->doff < 0 ? 0 : s->doff ? s->doff : (int)(hlen / 4);

	memset(out, 0, hlen);
	net_put16(out, s->sport);
	net_put16(out + 2, s->dport);
	net_put32(out + 4, s->seq);
	net_put32(out + 8, s->ack);
	out[12] = (uint8_t)(doff << 4);
	out[13] = s->flags;
	net_put16(out + 14, s->wnd);
	net_put16(out + 18, s->urp);
	if (s->optlen)
		memcpy(out + 20, s->opts, s->optlen);
	if (s->len)
		memcpy(out + hlen, s->data, s->len);
	uint32_t sum = net_csum_pseudo(src, dst, IP_PROTO_TCP, (uint16_t)len);
	uint16_t c = net_csum_fold(net_csum_add(sum, out, len));
	net_put16(out + 16, s->bad_csum ? (uint16_t)(c ^ 0x0101) : c);
	return len;
}

void fake_tcp_inject(struct netstack *ns, uint32_t src, uint32_t dst,
		     const struct tseg *s)
{
	uint8_t *buf = malloc(60 + s->len + s->optlen);

	if (buf == NULL)
		abort();
	size_t len = fake_tcp_build(buf, src, dst, s);
	fake_ip_deliver(ns, src, dst, buf, len);
	free(buf);
}

bool fake_tcp_parse(const struct fake_seg *fs, struct pseg *p)
{
	const uint8_t *h = fs->data;

	memset(p, 0, sizeof(*p));
	if (fs->len < 20)
		return false;
	p->src = fs->tx.src;
	p->dst = fs->tx.dst;
	p->sport = net_get16(h);
	p->dport = net_get16(h + 2);
	p->seq = net_get32(h + 4);
	p->ack = net_get32(h + 8);
	p->hlen = (size_t)(h[12] >> 4) * 4;
	p->flags = h[13];
	p->wnd = net_get16(h + 14);
	p->mss = -1;
	p->ws = -1;
	if (p->hlen < 20 || p->hlen > fs->len)
		return false;
	for (size_t i = 20; i < p->hlen;) {
		uint8_t k = h[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= p->hlen || h[i + 1] < 2 || i + h[i + 1] > p->hlen)
			return false;
		if (k == 2 && h[i + 1] == 4)
			p->mss = net_get16(h + i + 2);
		if (k == 3 && h[i + 1] == 3)
			p->ws = h[i + 2];
		if (k == 8 && h[i + 1] == 10) {
			p->ts = true;
			p->tsval = net_get32(h + i + 2);
			p->tsecr = net_get32(h + i + 6);
		}
		i += h[i + 1];
	}
	p->data = h + p->hlen;
	p->len = fs->len - p->hlen;
	return true;
}

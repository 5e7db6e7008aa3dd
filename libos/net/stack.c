/* SPDX-License-Identifier: MIT */
/*
 * The stack's core (<net/net.h>): the instance, its interfaces and
 * loopback, timers, memory accounting, counters and checksums.
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>
#include <net/net.h>
#include <net/tcp.h>
#include <net/udp.h>
#include <stdlib.h>

static const char *const ctr_names[NC__COUNT] = {
#define NET_CTR_NAME(n) #n,
	NET_COUNTERS(NET_CTR_NAME)
#undef NET_CTR_NAME
};

const char *net_counter_name(enum net_ctr c)
{
	return (unsigned int)c < NC__COUNT ? ctr_names[c] : "?";
}

/* ---- Memory. */

void *net_alloc(struct netstack *ns, size_t size)
{
	if (ns->ns_mem_limit != 0 && ns->ns_mem_bytes + size > ns->ns_mem_limit)
		return NULL;
	void *p = calloc(1, size);
	if (p != NULL)
		ns->ns_mem_bytes += size;
	return p;
}

void net_free(struct netstack *ns, void *p, size_t size)
{
	if (p == NULL)
		return;
	ns->ns_mem_bytes -= size;
	free(p);
}

/* ---- Timers. */

void net_timer_init(struct net_timer *t, void (*fn)(struct net_timer *t))
{
	memset(t, 0, sizeof(*t));
	t->nt_fn = fn;
}

void net_timer_arm(struct netstack *ns, struct net_timer *t, uint64_t deadline)
{
	timerq_insert(&ns->ns_timers, &t->nt_node, deadline);
}

void net_timer_cancel(struct netstack *ns, struct net_timer *t)
{
	timerq_remove(&ns->ns_timers, &t->nt_node);
}

void netstack_run_timers(struct netstack *ns, uint64_t now)
{
	struct timer_node *n;

	while ((n = timerq_pop_expired(&ns->ns_timers, now)) != NULL) {
		struct net_timer *t =
			container_of(n, struct net_timer, nt_node);
		t->nt_fn(t);
	}
}

uint64_t netstack_next_deadline(const struct netstack *ns)
{
	const struct timer_node *n = timerq_first(&ns->ns_timers);
	return n != NULL ? n->tn_deadline : UINT64_MAX;
}

/* ---- Loopback: packets go round through a queue, so that a protocol
 * sending to itself is never re-entered from its own output path. */

static int lo_xmit(struct netif *ni, struct netbuf *nb)
{
	struct netstack *ns = ni->ni_stack;

	/* Input changes the netbuf (and checks lengths on one piece): give
	 * it a private, linear copy unless it already is one. */
	if (nb->nb_frag != NULL || nb->nb_refs != 1) {
		struct netbuf *copy = netbuf_linearize(nb, 0);
		netbuf_put(nb);
		if (copy == NULL)
			return -ENOMEM;
		nb = copy;
	}
	nb->nb_next = NULL;
	*ns->ns_deferred_tail = nb;
	ns->ns_deferred_tail = &nb->nb_next;
	return 0;
}

void netstack_process(struct netstack *ns)
{
	struct netbuf *nb;

	while ((nb = ns->ns_deferred) != NULL) {
		ns->ns_deferred = nb->nb_next;
		if (ns->ns_deferred == NULL)
			ns->ns_deferred_tail = &ns->ns_deferred;
		nb->nb_next = NULL;
		ip_input(&ns->ns_lo, nb);
	}
}

/* ---- Interfaces. */

int netif_add(struct netstack *ns, struct netif *ni)
{
	ni->ni_stack = ns;
	ni->ni_arp = NULL;
	if (!(ni->ni_flags & NETIF_LOOPBACK)) {
		int err = arp_init(ni);
		if (err != 0)
			return err;
	}
	struct netif **pp = &ns->ns_ifs;
	while (*pp != NULL)
		pp = &(*pp)->ni_next;
	ni->ni_next = NULL;
	*pp = ni;
	if (ni->ni_addr != 0)
		ni->ni_flags |= NETIF_CONFIGURED;
	return 0;
}

void netif_remove(struct netif *ni)
{
	struct netstack *ns = ni->ni_stack;

	for (struct netif **pp = &ns->ns_ifs; *pp != NULL;
	     pp = &(*pp)->ni_next) {
		if (*pp == ni) {
			*pp = ni->ni_next;
			break;
		}
	}
	if (!(ni->ni_flags & NETIF_LOOPBACK))
		arp_fini(ni);
	ni->ni_next = NULL;
}

void netif_set_addr(struct netif *ni, uint32_t addr, uint32_t mask, uint32_t gw)
{
	ni->ni_addr = addr;
	ni->ni_mask = mask;
	ni->ni_gw = gw;
	if (addr == 0) {
		ni->ni_flags &= ~NETIF_CONFIGURED;
		return;
	}
	ni->ni_flags |= NETIF_CONFIGURED;
	if (!(ni->ni_flags & NETIF_LOOPBACK) && (ni->ni_flags & NETIF_UP))
		arp_announce(ni);
}

void netif_set_up(struct netif *ni, bool up)
{
	bool was = (ni->ni_flags & NETIF_UP) != 0;

	if (up)
		ni->ni_flags |= NETIF_UP;
	else
		ni->ni_flags &= ~NETIF_UP;
	if (up && !was && (ni->ni_flags & NETIF_CONFIGURED) &&
	    !(ni->ni_flags & NETIF_LOOPBACK))
		arp_announce(ni);
}

struct netif *netstack_loopback(struct netstack *ns)
{
	return &ns->ns_lo;
}

struct netif *netstack_first_netif(struct netstack *ns)
{
	for (struct netif *ni = ns->ns_ifs; ni != NULL; ni = ni->ni_next)
		if (!(ni->ni_flags & NETIF_LOOPBACK))
			return ni;
	return NULL;
}

/* ---- The instance. */

int netstack_init(struct netstack *ns)
{
	int err;

	memset(ns, 0, sizeof(*ns));
	ns->ns_deferred_tail = &ns->ns_deferred;
	timerq_init(&ns->ns_timers);

	struct netif *lo = &ns->ns_lo;
	memcpy(lo->ni_name, "lo", 3);
	lo->ni_mtu = 65535 - 15; /* leaves an IP total length that fits */
	lo->ni_flags = NETIF_UP | NETIF_LOOPBACK;
	lo->ni_xmit = lo_xmit;
	lo->ni_addr = net_ip4(127, 0, 0, 1);
	lo->ni_mask = net_ip4(255, 0, 0, 0);
	err = netif_add(ns, lo);
	if (err != 0)
		return err;

	err = ip_init(ns);
	if (err != 0)
		return err;
	err = udp_init(ns);
	if (err != 0)
		goto fail_ip;
	err = tcp_init(ns);
	if (err != 0)
		goto fail_udp;
	return 0;
fail_udp:
	udp_fini(ns);
fail_ip:
	ip_fini(ns);
	return err;
}

void netstack_destroy(struct netstack *ns)
{
	tcp_fini(ns);
	udp_fini(ns);
	ip_fini(ns);
	while (ns->ns_deferred != NULL) {
		struct netbuf *nb = ns->ns_deferred;
		ns->ns_deferred = nb->nb_next;
		netbuf_put(nb);
	}
	ns->ns_deferred_tail = &ns->ns_deferred;
	while (ns->ns_ifs != NULL)
		netif_remove(ns->ns_ifs);
}

/* ---- Checksums. */

/*
 * The one's-complement sum does not depend on byte order (RFC 1071 §2):
 * sum native 64-bit words with end-around carry, fold to 16 bits and
 * swap the bytes once at the end. Four words per round with adc: under
 * emulation every instruction counts, and hostfwd (no checksum offload)
 * sums every segment sent and received.
 */
uint32_t net_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t acc = 0, w;

	while (len >= 32) {
		__asm__("addq 0(%[b]), %[acc]\n\t"
			"adcq 8(%[b]), %[acc]\n\t"
			"adcq 16(%[b]), %[acc]\n\t"
			"adcq 24(%[b]), %[acc]\n\t"
			"adcq $0, %[acc]"
			: [acc] "+r"(acc)
			: [b] "r"(b), "m"(*(const uint8_t(*)[32])b)
			: "cc");
		b += 32;
		len -= 32;
	}
	while (len >= 8) {
		__builtin_memcpy(&w, b, 8);
		acc += w;
		acc += acc < w;
		b += 8;
		len -= 8;
	}
	/* The last bytes, zero-padded on the right (no memcpy() call: this
	 * runs for every segment). */
	w = 0;
	for (size_t i = 0; i < len; i++)
		w |= (uint64_t)b[i] << (8 * i);
	acc += w;
	acc += acc < w;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	/* Native order to network order, then the caller's running sum;
	 * folded to 16 bits and a carry so that callers can keep adding. */
	acc = (uint64_t)__builtin_bswap16((uint16_t)acc) + sum;
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t net_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t net_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto,
			 uint16_t len)
{
	/* The addresses are in network order: their 16-bit halves, as
	 * network-order numbers, without two calls for eight bytes. */
	uint32_t s = __builtin_bswap32(src), d = __builtin_bswap32(dst);

	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto +
	       len;
}

uint32_t net_csum_netbuf(const struct netbuf *nb, size_t off, uint32_t sum)
{
	/* Odd-length pieces shift the byte order of what follows: track
	 * the parity of the bytes summed so far. */
	bool odd = false;

	for (; nb != NULL; nb = nb->nb_frag) {
		if (off >= nb->nb_len) {
			off -= nb->nb_len;
			continue;
		}
		const uint8_t *p = nb->nb_data + off;
		size_t n = nb->nb_len - off;
		off = 0;
		uint32_t s = net_csum_add(0, p, n);
		if (odd)
			s = ((s & 0xff) << 8) | ((s >> 8) & 0xff);
		sum += s;
		sum = (sum & 0xffff) + (sum >> 16);
		if (n & 1)
			odd = !odd;
	}
	return sum;
}

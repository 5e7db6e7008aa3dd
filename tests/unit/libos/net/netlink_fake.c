/* SPDX-License-Identifier: MIT */
/* Capture ports and a lossy in-memory wire between two stacks
 * (netlink_fake.h). */
#include "netlink_fake.h"

#include <kernel/errno.h>
#include <net/ip.h>
#include <stddef.h>
#include <string.h>

static struct fake_port *port_of(struct netif *ni)
{
	return container_of(ni, struct fake_port, fp_ni);
}

static void q_add(struct fake_port *p, struct netbuf *nb)
{
	nb->nb_next = NULL;
	*p->fp_qtail = nb;
	p->fp_qtail = &nb->nb_next;
	p->fp_qlen++;
}

struct netbuf *fake_port_take(struct fake_port *p)
{
	struct netbuf *nb = p->fp_q;

	if (nb == NULL)
		return NULL;
	p->fp_q = nb->nb_next;
	if (p->fp_q == NULL)
		p->fp_qtail = &p->fp_q;
	p->fp_qlen--;
	nb->nb_next = NULL;
	return nb;
}

void fake_port_flush(struct fake_port *p)
{
	struct netbuf *nb;

	while ((nb = fake_port_take(p)) != NULL)
		netbuf_put(nb);
}

/* What a device with checksum offload does with NB_CSUM_PARTIAL. */
static void complete_csum(struct netbuf *nb)
{
	size_t start = nb->nb_csum_start;
	size_t field = start + nb->nb_csum_off;

	if (field + 2 > nb->nb_len)
		return;
	uint16_t c = net_csum_fold(net_csum_netbuf(nb, start, 0));
	net_put16(nb->nb_data + field, c);
}

static uint64_t link_rand(struct fake_link *l)
{
	uint64_t z = (l->fl_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool chance(struct fake_link *l, unsigned int pm)
{
	return pm != 0 && link_rand(l) % 1000 < pm;
}

static struct fake_port *peer_of(struct fake_link *l, struct fake_port *p)
{
	return p == &l->fl_a ? &l->fl_b : &l->fl_a;
}

/* Swaps the last two frames queued on p. */
static void swap_last(struct fake_port *p)
{
	struct netbuf **pp = &p->fp_q;

	while (*pp != NULL && (*pp)->nb_next != NULL &&
	       (*pp)->nb_next->nb_next != NULL)
		pp = &(*pp)->nb_next;
	struct netbuf *first = *pp;
	struct netbuf *second = first->nb_next;
	first->nb_next = NULL;
	second->nb_next = first;
	*pp = second;
	p->fp_qtail = &first->nb_next;
}

static void link_send(struct fake_link *l, struct fake_port *from,
		      struct netbuf *nb)
{
	struct fake_port *to = peer_of(l, from);

	if (chance(l, l->fl_loss_pm)) {
		l->fl_lost++;
		netbuf_put(nb);
		return;
	}
	if (nb->nb_len > ETH_HLEN && chance(l, l->fl_corrupt_pm)) {
		uint64_t r = link_rand(l);
		size_t at = ETH_HLEN + (r >> 3) % (nb->nb_len - ETH_HLEN);
		nb->nb_data[at] ^= (uint8_t)(1u << (r & 7));
		l->fl_corrupted++;
	}
	struct netbuf *dup = NULL;
	if (chance(l, l->fl_dup_pm)) {
		dup = netbuf_linearize(nb, 0);
		if (dup != NULL)
			l->fl_duped++;
	}
	q_add(to, nb);
	if (to->fp_qlen >= 2 && chance(l, l->fl_reorder_pm)) {
		swap_last(to);
		l->fl_reordered++;
	}
	if (dup != NULL)
		q_add(to, dup);
}

static int port_xmit(struct netif *ni, struct netbuf *nb)
{
	struct fake_port *p = port_of(ni);

	if (p->fp_xmit_fail) {
		netbuf_put(nb);
		return -ENOBUFS;
	}
	/* A device that segments takes super-frames up to its limit (a
	 * capture port keeps them whole, nb_gso_size kept on the copy). */
	size_t max =
		(nb->nb_flags & NB_GSO_TCPV4) && (ni->ni_flags & NETIF_TSO4)
			? ni->ni_tso_max
			: ni->ni_mtu;
	if (netbuf_frame_len(nb) > max + ETH_HLEN) {
		p->fp_tx_oversize++;
		netbuf_put(nb);
		return -EMSGSIZE;
	}
	/* A device reads the frame out; what it hands the wire is a copy
	 * in one piece, with receive-side flags only. */
	struct netbuf *copy = netbuf_linearize(nb, 0);
	netbuf_put(nb);
	if (copy == NULL)
		return -ENOMEM;
	if ((copy->nb_flags & NB_CSUM_PARTIAL) &&
	    (ni->ni_flags & NETIF_TX_CSUM))
		complete_csum(copy);
	copy->nb_flags = 0;
	copy->nb_csum_start = 0;
	copy->nb_csum_off = 0;
	p->fp_tx_frames++;
	if (p->fp_link != NULL)
		link_send(p->fp_link, p, copy);
	else
		q_add(p, copy);
	return 0;
}

void fake_port_init(struct fake_port *p, const char *name, const uint8_t mac[6],
		    uint16_t mtu)
{
	memset(p, 0, sizeof(*p));
	strncpy(p->fp_ni.ni_name, name, NETIF_NAME_MAX - 1);
	memcpy(p->fp_ni.ni_mac, mac, 6);
	p->fp_ni.ni_mtu = mtu;
	p->fp_ni.ni_flags = NETIF_UP;
	p->fp_ni.ni_xmit = port_xmit;
	p->fp_qtail = &p->fp_q;
}

void fake_link_init(struct fake_link *l, uint64_t seed)
{
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
	static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

	memset(l, 0, sizeof(*l));
	fake_port_init(&l->fl_a, "a0", mac_a, 1500);
	fake_port_init(&l->fl_b, "b0", mac_b, 1500);
	l->fl_a.fp_link = l;
	l->fl_b.fp_link = l;
	l->fl_rng = seed;
}

unsigned int fake_link_inflight(const struct fake_link *l)
{
	return l->fl_a.fp_qlen + l->fl_b.fp_qlen;
}

unsigned int fake_link_deliver(struct fake_link *l)
{
	unsigned int na = l->fl_a.fp_qlen, nb_ = l->fl_b.fp_qlen;
	unsigned int done = 0;

	while (na > 0 || nb_ > 0) {
		if (na > 0) {
			na--;
			ether_input(&l->fl_a.fp_ni, fake_port_take(&l->fl_a));
			done++;
		}
		if (nb_ > 0) {
			nb_--;
			ether_input(&l->fl_b.fp_ni, fake_port_take(&l->fl_b));
			done++;
		}
	}
	l->fl_delivered += done;
	if (l->fl_a.fp_ni.ni_stack != NULL)
		netstack_process(l->fl_a.fp_ni.ni_stack);
	if (l->fl_b.fp_ni.ni_stack != NULL)
		netstack_process(l->fl_b.fp_ni.ni_stack);
	return done;
}

unsigned int fake_link_run(struct fake_link *l, unsigned int max_rounds)
{
	unsigned int total = 0;

	while (max_rounds-- > 0 && fake_link_inflight(l) > 0)
		total += fake_link_deliver(l);
	return total;
}

void fake_link_fini(struct fake_link *l)
{
	fake_port_flush(&l->fl_a);
	fake_port_flush(&l->fl_b);
}

/* SPDX-License-Identifier: MIT */
/*
 * Ethernet II framing (IEEE 802.3 with the DIX type field): checks each
 * received frame's header and hands ARP and IPv4 up; puts the header in
 * front of what goes out. No VLANs, no 802.2 LLC, no multicast
 * membership (multicast frames are not ours).
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>

#include "ip_impl.h"

const uint8_t ether_bcast_addr[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void ether_input(struct netif *ni, struct netbuf *nb)
{
	struct netstack *ns = ni->ni_stack;

	net_count(ns, NC_eth_in);
	/* A received frame is one piece (<kernel/netbuf.h>); a chain is a
	 * driver's mistake and as unusable as a runt. */
	if (nb->nb_len < ETH_HLEN || nb->nb_frag != NULL) {
		net_count(ns, NC_eth_runt);
		netbuf_put(nb);
		return;
	}
	const uint8_t *eh = nb->nb_data;
	/* The driver's flags say nothing we have not checked ourselves,
	 * except a verified checksum from a device that offers it. */
	nb->nb_flags &= (ni->ni_flags & NETIF_RX_CSUM) ? NB_CSUM_VALID : 0;
	if (memcmp(eh, ether_bcast_addr, 6) == 0) {
		nb->nb_flags |= NB_BCAST;
	} else if (memcmp(eh, ni->ni_mac, 6) != 0) {
		net_count(ns, NC_eth_not_ours);
		netbuf_put(nb);
		return;
	}
	uint16_t type = net_get16(eh + 12);
	netbuf_pull(nb, ETH_HLEN);
	switch (type) {
	case ETH_TYPE_IP:
		ip_input(ni, nb);
		break;
	case ETH_TYPE_ARP:
		arp_input(ni, nb);
		break;
	default:
		net_count(ns, NC_eth_bad_type);
		netbuf_put(nb);
		break;
	}
}

/* Gives nb a private first piece with room for the link's headers. */
static struct netbuf *ether_make_room(struct netif *ni, struct netbuf *nb)
{
	size_t need = ETH_HLEN + ni->ni_headroom;

	if (nb->nb_refs == 1 && netbuf_headroom(nb) >= need)
		return nb;
	struct netbuf *copy = netbuf_linearize(nb, need);
	netbuf_put(nb);
	return copy;
}

int ether_send(struct netif *ni, const uint8_t dst[6], uint16_t type,
	       struct netbuf *nb)
{
	struct netstack *ns = ni->ni_stack;

	if (!(ni->ni_flags & NETIF_UP)) {
		net_count(ns, NC_eth_xmit_fail);
		netbuf_put(nb);
		return -ENETDOWN;
	}
	nb = ether_make_room(ni, nb);
	if (nb == NULL) {
		net_count(ns, NC_eth_xmit_fail);
		return -ENOMEM;
	}
	uint8_t *eh = netbuf_push(nb, ETH_HLEN);
	memcpy(eh, dst, 6);
	memcpy(eh + 6, ni->ni_mac, 6);
	net_put16(eh + 12, type);
	if (nb->nb_flags & NB_CSUM_PARTIAL)
		nb->nb_csum_start += ETH_HLEN;
	int err = ni->ni_xmit(ni, nb);
	net_count(ns, err == 0 ? NC_eth_out : NC_eth_xmit_fail);
	return err;
}

/* Whether addr is a broadcast address on ni's subnet (or the limited
 * broadcast). */
static bool ether_is_bcast(const struct netif *ni, uint32_t addr)
{
	if (addr == IP4_BROADCAST)
		return true;
	return (ni->ni_flags & NETIF_CONFIGURED) &&
	       ni->ni_mask != IP4_BROADCAST &&
	       addr == (ni->ni_addr | ~ni->ni_mask);
}

int ether_output_ip(struct netif *ni, uint32_t nexthop, struct netbuf *nb)
{
	if (ether_is_bcast(ni, nexthop))
		return ether_send(ni, ether_bcast_addr, ETH_TYPE_IP, nb);
	if (net_ip4_is_multicast(nexthop)) {
		/* RFC 1112 section 6.4: the group's low 23 bits. */
		const uint8_t *a = (const uint8_t *)&nexthop;
		uint8_t mac[6] = { 0x01, 0x00, 0x5e, a[1] & 0x7f, a[2], a[3] };
		return ether_send(ni, mac, ETH_TYPE_IP, nb);
	}
	return arp_output(ni, nexthop, nb);
}

/* SPDX-License-Identifier: MIT */
/*
 * IPv4 for a host, not a router (RFC 791, RFC 1122 section 3): checks
 * every received header before use, delivers what is addressed to us to
 * the transports, routes what we send (loopback, the local subnets, a
 * default gateway) and fragments it to the MTU.
 *
 * Options are checked for structure and otherwise ignored, except that
 * source routes are refused (they let a sender steer our replies). Never
 * forwards; sends no options.
 */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/udp.h>

#include "ip_impl.h"

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_LSRR 0x83
#define IPOPT_SSRR 0x89

int ip_init(struct netstack *ns)
{
	struct ip_ctx *ic = net_alloc(ns, sizeof(*ic));

	if (ic == NULL)
		return -ENOMEM;
	ic->ic_ns = ns;
	net_random(&ic->ic_next_id, sizeof(ic->ic_next_id));
	ip_frag_init(ic);
	ic->ic_icmp_tokens_ns =
		ICMP_RATE_BURST * (1000000000ull / ICMP_RATE_PER_S);
	ic->ic_icmp_last_ns = net_now_ns();
	ns->ns_ip = ic;
	return 0;
}

void ip_fini(struct netstack *ns)
{
	struct ip_ctx *ic = ns->ns_ip;

	if (ic == NULL)
		return;
	ip_frag_fini(ic);
	net_free(ns, ic, sizeof(*ic));
	ns->ns_ip = NULL;
}

/* ---- Addresses and routes. */

static bool ip_if_usable(const struct netif *ni)
{
	return (ni->ni_flags & (NETIF_UP | NETIF_CONFIGURED)) ==
	       (NETIF_UP | NETIF_CONFIGURED);
}

bool ip_is_local(struct netstack *ns, uint32_t addr)
{
	if (net_ip4_is_loopback(addr))
		return true;
	for (const struct netif *ni = ns->ns_ifs; ni != NULL; ni = ni->ni_next)
		if ((ni->ni_flags & NETIF_CONFIGURED) && ni->ni_addr == addr)
			return true;
	return false;
}

/* Whether addr is the broadcast address of ni's subnet. */
static bool ip_is_subnet_bcast(const struct netif *ni, uint32_t addr)
{
	return (ni->ni_flags & NETIF_CONFIGURED) &&
	       !(ni->ni_flags & NETIF_LOOPBACK) &&
	       ni->ni_mask != IP4_BROADCAST &&
	       addr == (ni->ni_addr | ~ni->ni_mask);
}

bool ip_is_broadcast(struct netstack *ns, uint32_t addr)
{
	if (addr == IP4_BROADCAST)
		return true;
	for (const struct netif *ni = ns->ns_ifs; ni != NULL; ni = ni->ni_next)
		if (ip_is_subnet_bcast(ni, addr))
			return true;
	return false;
}

struct netif *ip_route(struct netstack *ns, uint32_t dst, uint32_t *nexthop)
{
	struct netif *ni;

	*nexthop = dst;
	if (dst == IP4_ANY)
		return NULL;
	if (ip_is_local(ns, dst))
		return netstack_loopback(ns);
	if (net_ip4_is_loopback(dst))
		return NULL;
	for (ni = ns->ns_ifs; ni != NULL; ni = ni->ni_next) {
		if ((ni->ni_flags & NETIF_LOOPBACK) || !ip_if_usable(ni))
			continue;
		if (dst == IP4_BROADCAST || net_ip4_is_multicast(dst) ||
		    (dst & ni->ni_mask) == (ni->ni_addr & ni->ni_mask))
			return ni;
	}
	for (ni = ns->ns_ifs; ni != NULL; ni = ni->ni_next) {
		if (!(ni->ni_flags & NETIF_LOOPBACK) && ip_if_usable(ni) &&
		    ni->ni_gw != 0) {
			*nexthop = ni->ni_gw;
			return ni;
		}
	}
	return NULL;
}

/* The source for a packet to dst leaving through ni. */
static uint32_t ip_source_via(const struct netif *ni, uint32_t dst)
{
	if (!(ni->ni_flags & NETIF_LOOPBACK))
		return ni->ni_addr;
	/* Inside the appliance: a 127/8 peer sees 127.0.0.1, one of our
	 * own addresses sees itself. */
	return net_ip4_is_loopback(dst) ? ni->ni_addr : dst;
}

uint32_t ip_source_for(struct netstack *ns, uint32_t dst)
{
	uint32_t nexthop;
	const struct netif *ni = ip_route(ns, dst, &nexthop);

	return ni != NULL ? ip_source_via(ni, dst) : 0;
}

uint16_t ip_mtu_for(struct netstack *ns, uint32_t dst)
{
	uint32_t nexthop;
	const struct netif *ni = ip_route(ns, dst, &nexthop);

	/* With no route, the size every host must accept (RFC 791). */
	return ni != NULL ? ni->ni_mtu : 576;
}

uint32_t ip_tso_for(struct netstack *ns, uint32_t dst, unsigned int *frags)
{
	uint32_t nexthop;
	const struct netif *ni = ip_route(ns, dst, &nexthop);

	*frags = ni != NULL ? ni->ni_tx_frags : 0;
	if (ni == NULL || !(ni->ni_flags & NETIF_TSO4) ||
	    !(ni->ni_flags & NETIF_TX_CSUM))
		return 0;
	return ni->ni_tso_max;
}

/* ---- Receiving. */

/* Whether the options at opt (len bytes) are well formed and harmless. */
static bool ip_options_ok(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t type = opt[i];
		if (type == IPOPT_EOL)
			return true;
		if (type == IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;
		uint8_t olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return false;
		if (type == IPOPT_LSRR || type == IPOPT_SSRR)
			return false;
		i += olen;
	}
	return true;
}

/* Whether src may be the source of a packet that came in on ni. */
static bool ip_src_ok(struct netstack *ns, const struct netif *ni, uint32_t src)
{
	if (src == IP4_ANY || net_ip4_is_multicast(src) ||
	    ip_is_broadcast(ns, src))
		return false;
	if (ni->ni_flags & NETIF_LOOPBACK)
		return true;
	/* From outside, nobody may claim to be us. */
	return !ip_is_local(ns, src);
}

/* Whether a packet to dst that came in on ni is for us; *bcast says
 * whether dst is a broadcast or multicast address. */
static bool ip_dst_ok(struct netstack *ns, const struct netif *ni, uint32_t dst,
		      uint8_t proto, const struct netbuf *nb, bool *bcast)
{
	*bcast = false;
	if (ni->ni_flags & NETIF_LOOPBACK)
		return ip_is_local(ns, dst);
	if (dst == IP4_BROADCAST || ip_is_subnet_bcast(ni, dst)) {
		*bcast = true;
		return true;
	}
	/* RFC 1122 3.3.6: unicast in a link-layer broadcast is not ours. */
	if (nb->nb_flags & NB_BCAST)
		return false;
	if (!(ni->ni_flags & NETIF_CONFIGURED))
		return proto == IP_PROTO_UDP; /* a DHCP server's offer */
	return dst == ni->ni_addr;
}

static void ip_dispatch(struct netstack *ns, const struct ip_rx *rx,
			struct netbuf *nb)
{
	switch (rx->proto) {
	case IP_PROTO_ICMP:
		icmp_input(ns, rx, nb);
		break;
	case IP_PROTO_UDP:
		udp_input(ns, rx, nb);
		break;
	case IP_PROTO_TCP:
		tcp_input(ns, rx, nb);
		break;
	default:
		net_count(ns, NC_ip_bad_proto);
		icmp_send_error(ns, rx, nb, ICMP_DEST_UNREACH,
				ICMP_UNREACH_PROTO);
		netbuf_put(nb);
		break;
	}
}

/* A whole datagram (nb_data at its checked header of hlen bytes). */
static void ip_deliver(struct netif *ni, struct netbuf *nb, size_t hlen,
		       bool bcast)
{
	const uint8_t *iph = nb->nb_data;
	struct ip_rx rx = {
		.ni = ni,
		.proto = iph[IPH_PROTO],
		.ttl = iph[IPH_TTL],
		.tos = iph[IPH_TOS],
		.bcast = bcast,
		.iph = iph,
		.iph_len = (uint16_t)hlen,
	};

	memcpy(&rx.src, iph + IPH_SRC, 4);
	memcpy(&rx.dst, iph + IPH_DST, 4);
	netbuf_pull(nb, hlen);
	ip_dispatch(ni->ni_stack, &rx, nb);
}

/* Checks the header at nb_data; its length, or 0 (counted) if bad. */
static size_t ip_check_header(struct netstack *ns, struct netbuf *nb)
{
	const uint8_t *iph = nb->nb_data;

	if (nb->nb_len < IP_HLEN || nb->nb_frag != NULL) {
		net_count(ns, NC_ip_runt);
		return 0;
	}
	if (iph[IPH_VHL] >> 4 != 4) {
		net_count(ns, NC_ip_bad_version);
		return 0;
	}
	size_t hlen = (size_t)(iph[IPH_VHL] & 0x0f) * 4;
	if (hlen < IP_HLEN || hlen > nb->nb_len) {
		net_count(ns, NC_ip_bad_hlen);
		return 0;
	}
	size_t total = net_get16(iph + IPH_LEN);
	if (total < hlen || total > nb->nb_len) {
		net_count(ns, NC_ip_bad_len);
		return 0;
	}
	if (net_csum_fold(net_csum_add(0, iph, hlen)) != 0) {
		net_count(ns, NC_ip_bad_csum);
		return 0;
	}
	if (!ip_options_ok(iph + IP_HLEN, hlen - IP_HLEN)) {
		net_count(ns, NC_ip_bad_opt);
		return 0;
	}
	/* Link-layer padding is not part of the datagram. */
	netbuf_trim(nb, total);
	return hlen;
}

void ip_input(struct netif *ni, struct netbuf *nb)
{
	struct netstack *ns = ni->ni_stack;
	uint32_t src, dst;
	bool bcast;

	net_count(ns, NC_ip_in);
	size_t hlen = ip_check_header(ns, nb);
	if (hlen == 0)
		goto drop;
	const uint8_t *iph = nb->nb_data;
	memcpy(&src, iph + IPH_SRC, 4);
	memcpy(&dst, iph + IPH_DST, 4);
	if (!ip_src_ok(ns, ni, src)) {
		net_count(ns, NC_ip_bad_src);
		goto drop;
	}
	if (!ip_dst_ok(ns, ni, dst, iph[IPH_PROTO], nb, &bcast)) {
		net_count(ns, NC_ip_not_ours);
		goto drop;
	}
	if (net_get16(iph + IPH_FRAG) & (IP_FLAG_MF | IP_OFF_MASK)) {
		net_count(ns, NC_ip_frag_in);
		nb = ip_frag_input(ns, nb, hlen, bcast);
		if (nb == NULL)
			return;
		hlen = (size_t)(nb->nb_data[IPH_VHL] & 0x0f) * 4;
	}
	ip_deliver(ni, nb, hlen, bcast);
	return;
drop:
	netbuf_put(nb);
}

/* ---- Sending. */

void ip_finish_header(uint8_t *iph, size_t hlen, size_t total, uint16_t frag)
{
	net_put16(iph + IPH_LEN, (uint16_t)total);
	net_put16(iph + IPH_FRAG, frag);
	net_put16(iph + IPH_CSUM, 0);
	net_put16(iph + IPH_CSUM, net_csum_fold(net_csum_add(0, iph, hlen)));
}

int ip_send_packet(struct netif *ni, uint32_t nexthop, struct netbuf *nb)
{
	net_count(ni->ni_stack, NC_ip_out);
	if (ni->ni_flags & NETIF_LOOPBACK)
		return ni->ni_xmit(ni, nb);
	return ether_output_ip(ni, nexthop, nb);
}

/*
 * Completes the transport checksum the caller left partial (the field
 * holds the pseudo-header sum), in software. Gives the packet a private
 * linear copy when the field lies beyond the first piece.
 */
static struct netbuf *ip_complete_csum(struct netbuf *nb, uint8_t proto)
{
	size_t field = (size_t)nb->nb_csum_start + nb->nb_csum_off;

	if (field + 2 > nb->nb_len) {
		struct netbuf *copy = netbuf_linearize(nb, NETBUF_HEADROOM);
		netbuf_put(nb);
		if (copy == NULL || field + 2 > copy->nb_len) {
			netbuf_put(copy);
			return NULL;
		}
		nb = copy;
	}
	uint16_t c = net_csum_fold(net_csum_netbuf(nb, nb->nb_csum_start, 0));
	/* RFC 768: a computed zero is sent as all ones (zero means none). */
	if (c == 0 && proto == IP_PROTO_UDP)
		c = 0xffff;
	net_put16(nb->nb_data + field, c);
	nb->nb_flags &= (uint16_t)~NB_CSUM_PARTIAL;
	return nb;
}

/* Resolves route and source for tx; 0 or a negative errno. */
static int ip_output_route(struct netstack *ns, const struct ip_tx *tx,
			   struct netif **ni, uint32_t *nexthop, uint32_t *src)
{
	if (tx->ni != NULL) {
		*ni = tx->ni;
		*nexthop = tx->dst;
		*src = tx->src != 0 ? tx->src : tx->ni->ni_addr;
		return 0;
	}
	*ni = ip_route(ns, tx->dst, nexthop);
	if (*ni == NULL) {
		net_count(ns, NC_ip_no_route);
		return -ENETUNREACH;
	}
	*src = tx->src != 0 ? tx->src : ip_source_via(*ni, tx->dst);
	return *src != 0 ? 0 : -EADDRNOTAVAIL;
}

/* Makes the transport checksum ready for ni: done by the device, not
 * needed inside the appliance, or computed now. NULL on failure. */
static struct netbuf *ip_output_csum(const struct netif *ni, struct netbuf *nb,
				     uint8_t proto, bool fragmenting)
{
	if (!(nb->nb_flags & NB_CSUM_PARTIAL))
		return nb;
	/* Fragments are checked only once reassembled, where no flag of
	 * ours survives: those need the real sum. */
	if (fragmenting)
		return ip_complete_csum(nb, proto);
	if (ni->ni_flags & NETIF_LOOPBACK) {
		nb->nb_flags &= (uint16_t)~NB_CSUM_PARTIAL;
		nb->nb_flags |= NB_CSUM_VALID;
		return nb;
	}
	if (ni->ni_flags & NETIF_TX_CSUM)
		return nb;
	return ip_complete_csum(nb, proto);
}

/* A private first piece with room for the IP header and what is below. */
static struct netbuf *ip_make_room(const struct netif *ni, struct netbuf *nb)
{
	size_t need = IP_HLEN + ETH_HLEN + ni->ni_headroom;

	if (nb->nb_refs == 1 && netbuf_headroom(nb) >= need)
		return nb;
	struct netbuf *copy = netbuf_linearize(nb, need);
	netbuf_put(nb);
	return copy;
}

int ip_output(struct netstack *ns, const struct ip_tx *tx, struct netbuf *nb)
{
	struct netif *ni;
	uint32_t nexthop, src;
	int err = ip_output_route(ns, tx, &ni, &nexthop, &src);
	if (err != 0)
		goto drop;
	size_t total = IP_HLEN + netbuf_frame_len(nb);
	bool frag = total > ni->ni_mtu;
	if (nb->nb_flags & NB_GSO_TCPV4) {
		/* The device cuts it into packets within the MTU. */
		frag = false;
		if (!(ni->ni_flags & NETIF_TSO4) ||
		    !(ni->ni_flags & NETIF_TX_CSUM) || total > ni->ni_tso_max) {
			err = -EMSGSIZE;
			goto drop;
		}
	}
	if (total > IP_MAX_LEN || (frag && tx->df)) {
		err = -EMSGSIZE;
		goto drop;
	}
	nb = ip_output_csum(ni, nb, tx->proto, frag);
	if (nb != NULL)
		nb = ip_make_room(ni, nb);
	if (nb == NULL)
		return -ENOMEM;

	uint8_t *iph = netbuf_push(nb, IP_HLEN);
	iph[IPH_VHL] = 0x45;
	iph[IPH_TOS] = tx->tos;
	net_put16(iph + IPH_ID, ns->ns_ip->ic_next_id++);
	iph[IPH_TTL] = tx->ttl != 0 ? tx->ttl : IP_DEFAULT_TTL;
	iph[IPH_PROTO] = tx->proto;
	memcpy(iph + IPH_SRC, &src, 4);
	memcpy(iph + IPH_DST, &tx->dst, 4);
	if (frag)
		return ip_frag_output(ni, nexthop, nb, ni->ni_mtu);
	ip_finish_header(iph, IP_HLEN, total, tx->df ? IP_FLAG_DF : 0);
	if (nb->nb_flags & NB_CSUM_PARTIAL)
		nb->nb_csum_start += IP_HLEN;
	return ip_send_packet(ni, nexthop, nb);
drop:
	netbuf_put(nb);
	return err;
}

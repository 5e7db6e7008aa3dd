/* SPDX-License-Identifier: MIT */
/*
 * Ethernet, ARP, IPv4 and ICMP: the layers between interfaces and the
 * transports (libos/net/ether.c, arp.c, ip.c, ip_frag.c, icmp.c).
 *
 * Receive: ether_input() checks the frame and hands ARP to arp_input()
 * and IPv4 to ip_input(), which checks the header (version, IHL, total
 * length against the frame, checksum, options), trims link padding,
 * reassembles fragments (bounded: IP_REASM_MEM bytes in all, each
 * datagram given up after IP_REASM_TIMEOUT_NS), and calls the transport's
 * input with nb_data at the transport header and a struct ip_rx.
 * Transports verify their own checksum unless NB_CSUM_VALID is set.
 *
 * Send: a transport builds its header and payload in a netbuf with
 * NETBUF_HEADROOM of headroom (payload may follow in nb_frag pieces) and
 * calls ip_output(). Transports always leave their checksum partial
 * (NB_CSUM_PARTIAL, pseudo-header sum in the field): ip_output()
 * completes it in software unless the interface offloads it (or the
 * packet stays in the appliance, which marks it NB_CSUM_VALID instead).
 * nb_csum_start counts from the start of the data handed down: the
 * transport sets it to 0 (its own header) and nb_csum_off to the
 * checksum field's offset; each layer that pushes a header adds that
 * header's length, so at the driver it counts from the Ethernet header.
 * ip_output() routes (loopback for 127/8 and our own addresses; the
 * interface whose subnet holds the destination; else the gateway),
 * fragments datagrams larger than the MTU unless DF is set, and passes
 * the packet to ARP, which holds a few packets per unresolved neighbour.
 * A TCP super-frame (NB_GSO_TCPV4, see ip_tso_for()) is exempt from the
 * MTU: it goes whole, with its checksum partial, to an interface that
 * segments (NETIF_TSO4), and fails with -EMSGSIZE anywhere else; the
 * device gives each segment its own IP ID (the super-frame's plus its
 * index), so the IDs a super-frame uses are not reserved here.
 */
#ifndef NET_IP_H
#define NET_IP_H

#include <net/net.h>

#define ETH_HLEN 14
#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

#define IP_HLEN 20 /* without options */
#define IP_DEFAULT_TTL 64
#define IP_REASM_MEM (256u * 1024) /* bytes held for reassembly, in all */
#define IP_REASM_TIMEOUT_NS (30ull * 1000000000)

#define IP4_ANY 0u
#define IP4_BROADCAST 0xffffffffu

/* a.b.c.d as a network-order address. */
static inline uint32_t net_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint32_t v;
	uint8_t bytes[4] = { a, b, c, d };
	__builtin_memcpy(&v, bytes, 4);
	return v;
}
/* 127.0.0.0/8 */
static inline bool net_ip4_is_loopback(uint32_t a)
{
	return ((const uint8_t *)&a)[0] == 127;
}
/* 224.0.0.0/4 */
static inline bool net_ip4_is_multicast(uint32_t a)
{
	return (((const uint8_t *)&a)[0] & 0xf0) == 0xe0;
}

/* What a transport learns about a received datagram. */
struct ip_rx {
	struct netif *ni; /* the interface it came in on */
	uint32_t src, dst; /* network order */
	uint8_t proto, ttl, tos;
	bool bcast; /* to a broadcast or multicast address */
	const uint8_t *iph; /* the IP header (valid while nb is held) */
	uint16_t iph_len; /* its length with options */
};

/* What a transport asks of ip_output(). */
struct ip_tx {
	uint32_t src; /* 0: the route's interface address */
	uint32_t dst;
	uint8_t proto;
	uint8_t ttl; /* 0: IP_DEFAULT_TTL */
	uint8_t tos;
	bool df; /* don't fragment: -EMSGSIZE beyond the MTU */
	struct netif *ni; /* send through this interface (DHCP: with src 0
			   * and a broadcast dst), or NULL to route */
};

/* A frame from ni (takes nb). */
void ether_input(struct netif *ni, struct netbuf *nb);
/*
 * Sends an IPv4 packet nb (nb_data at the IP header) to the neighbour
 * `nexthop` on Ethernet interface ni, resolving it with ARP. Takes nb.
 * Returns 0 (sent or held for resolution) or a negative errno.
 */
int ether_output_ip(struct netif *ni, uint32_t nexthop, struct netbuf *nb);

/* ARP (arp.c). */
int __must_check arp_init(struct netif *ni);
void arp_fini(struct netif *ni);
void arp_input(struct netif *ni, struct netbuf *nb);
/* Sends a gratuitous ARP for ni's address. */
void arp_announce(struct netif *ni);
/* The MAC for addr if cached; 0 or -ENOENT. */
int arp_lookup(struct netif *ni, uint32_t addr, uint8_t mac[6]);
/* Packets ni holds until their next hop answers (each is sent or dropped
 * within ARP_MAX_TRIES seconds). */
unsigned int arp_held(const struct netif *ni);

/* IPv4 (ip.c). */
int __must_check ip_init(struct netstack *ns);
void ip_fini(struct netstack *ns);
void ip_input(struct netif *ni, struct netbuf *nb);
/*
 * Sends nb (transport header and payload at nb_data, NETBUF_HEADROOM of
 * headroom in the first piece). Takes nb whatever the result: 0, or
 * -ENETUNREACH (no route), -EMSGSIZE (df and over the MTU), -ENOBUFS,
 * -ENOMEM, -EADDRNOTAVAIL (no source address).
 */
int ip_output(struct netstack *ns, const struct ip_tx *tx, struct netbuf *nb);
/* The interface and next hop for dst, or NULL (no route). */
struct netif *ip_route(struct netstack *ns, uint32_t dst, uint32_t *nexthop);
/* The source address for dst (0 when there is none), and the path MTU. */
uint32_t ip_source_for(struct netstack *ns, uint32_t dst);
uint16_t ip_mtu_for(struct netstack *ns, uint32_t dst);
/*
 * Segmentation offload on the route to dst: the largest IP packet of an
 * NB_GSO_TCPV4 super-frame (<kernel/netbuf.h>) that ip_output() takes,
 * or 0 when the route's interface does not segment (or there is none).
 * *frags gets the most netbufs one frame may have (0: no limit).
 */
uint32_t ip_tso_for(struct netstack *ns, uint32_t dst, unsigned int *frags);
/* Whether addr is one of ours (any interface, or loopback). */
bool ip_is_local(struct netstack *ns, uint32_t addr);
/* Whether addr is a broadcast address on some interface (or
 * 255.255.255.255). */
bool ip_is_broadcast(struct netstack *ns, uint32_t addr);

/* ICMP (icmp.c). */
void icmp_input(struct netstack *ns, const struct ip_rx *rx, struct netbuf *nb);
/*
 * Sends an ICMP error (type, code) about the datagram whose IP header is
 * rx->iph and whose transport data start at nb_data, following RFC 1122
 * 3.2.2 (never about an ICMP error, a broadcast, a fragment other than
 * the first, or a bad source), rate-limited. Does not take nb.
 */
void icmp_send_error(struct netstack *ns, const struct ip_rx *rx,
		     const struct netbuf *nb, uint8_t type, uint8_t code);

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTO 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4

#endif /* NET_IP_H */

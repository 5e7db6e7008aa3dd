/* SPDX-License-Identifier: MIT */
/*
 * What ether.c, arp.c, ip.c, ip_frag.c and icmp.c share and nobody else
 * sees: the IP layer's per-instance state and the calls between those
 * files. Everything here runs with the instance serialised (<net/net.h>).
 */
#ifndef NET_IP_IMPL_H
#define NET_IP_IMPL_H

#include <net/ip.h>

/* IPv4 header fields (offsets, RFC 791 section 3.1). */
#define IPH_VHL 0
#define IPH_TOS 1
#define IPH_LEN 2
#define IPH_ID 4
#define IPH_FRAG 6
#define IPH_TTL 8
#define IPH_PROTO 9
#define IPH_CSUM 10
#define IPH_SRC 12
#define IPH_DST 16
#define IP_FLAG_DF 0x4000u
#define IP_FLAG_MF 0x2000u
#define IP_OFF_MASK 0x1fffu
#define IP_MAX_LEN 65535u

/* Reassembly limits beyond <net/ip.h>'s IP_REASM_MEM in all. */
#define IP_REASM_DGRAM_MEM (96u * 1024) /* bytes held for one datagram */
#define IP_REASM_MAX_FRAGS 128u /* fragments held for one datagram */

/* ICMP errors: a token bucket, ICMP_RATE_PER_S a second, bursts of
 * ICMP_RATE_BURST. */
#define ICMP_RATE_PER_S 100u
#define ICMP_RATE_BURST 10u

struct ip_reasm;

struct ip_ctx {
	struct netstack *ic_ns;
	uint16_t ic_next_id; /* the next datagram's identification */
	/* Reassembly (ip_frag.c): datagrams oldest first. */
	struct ip_reasm *ic_reasm;
	struct ip_reasm **ic_reasm_tail;
	uint32_t ic_reasm_mem; /* bytes held, <= IP_REASM_MEM */
	unsigned int ic_reasm_count;
	struct net_timer ic_reasm_timer; /* the oldest one's deadline */
	/* ICMP error rate (icmp.c): the bucket holds time; it fills at one
	 * ns a ns up to ICMP_RATE_BURST errors' worth, and each error
	 * takes 1/ICMP_RATE_PER_S s of it. */
	uint64_t ic_icmp_tokens_ns;
	uint64_t ic_icmp_last_ns;
};

/* ether.c: pushes an Ethernet header (to dst, of type) on nb and hands it
 * to ni's driver. Takes nb. 0 or a negative errno. */
int ether_send(struct netif *ni, const uint8_t dst[6], uint16_t type,
	       struct netbuf *nb);
extern const uint8_t ether_bcast_addr[6];

/* arp.c: sends nb (an IP packet) to nexthop on Ethernet interface ni,
 * resolving it or holding nb meanwhile. Takes nb. */
int arp_output(struct netif *ni, uint32_t nexthop, struct netbuf *nb);

/* ip_frag.c. */
void ip_frag_init(struct ip_ctx *ic);
void ip_frag_fini(struct ip_ctx *ic);
/*
 * Takes a fragment nb (nb_data at its IP header of hlen bytes, already
 * checked by ip_input and trimmed to its total length). Returns the whole
 * datagram as a new netbuf (nb_data at its IP header, which has the first
 * fragment's fields, the full length and no fragment bits) when nb
 * completed it, else NULL.
 */
struct netbuf *ip_frag_input(struct netstack *ns, struct netbuf *nb,
			     size_t hlen, bool bcast);
/* Sends the IP packet nb (header filled but for the fragment fields, the
 * length and the checksum), of which no piece is over mtu, as fragments
 * through ni. Takes nb. */
int ip_frag_output(struct netif *ni, uint32_t nexthop, struct netbuf *nb,
		   uint16_t mtu);
/* ip.c: sends one finished IP packet through ni (loopback or Ethernet). */
int ip_send_packet(struct netif *ni, uint32_t nexthop, struct netbuf *nb);
/* ip.c: fills header fields len, frag and checksum of the packet at iph. */
void ip_finish_header(uint8_t *iph, size_t hlen, size_t total, uint16_t frag);

#endif /* NET_IP_IMPL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The malformed-input suite: one case per class of bad input the
 * embedded-stack disclosures (AMNESIA:33, Ripple20) exploited below TCP
 * -- runt frames, ARP with wrong lengths, IP header and total lengths
 * disagreeing with the frame, bad IP options, overlapping and oversized
 * fragments, bad transport lengths -- and a few more of the same kind.
 *
 * Each case starts from a stack that knows its neighbours, feeds the bad
 * input through ether_input() and checks that exactly the expected
 * counters went up by one and nothing else happened (no delivery, no
 * frame sent, no state or memory kept), that the stack still answers a
 * ping, and that once destroyed its memory and netbufs are back to the
 * baseline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <kernel/errno.h>
#include <net/udp.h>

#include "fake_netenv.h"
#include "ip_impl.h"
#include "net_test_util.h"
#include "tcp_none.h"

#define PORT 7000
#define MAX_FRAME 2048

/* A case: optional valid frames first (setup), then the bad one. */
struct mcase {
	const char *name;
	void (*setup)(struct t_env *e);
	/* Writes the bad frame at f; returns its length. */
	size_t (*build)(uint8_t *f);
	enum net_ctr want[6]; /* ends with NC__COUNT */
};

#define WANT(...)                                                              \
	{                                                                      \
		__VA_ARGS__, NC__COUNT                                         \
	}

static const uint8_t zero_mac[6];
static const uint8_t payload[16] = "0123456789abcdef";

/* ---- Frame builders. */

/* A valid UDP datagram from the peer to us, with IP options. */
static size_t udp_frame_opt(uint8_t *f, const void *opt, size_t optlen)
{
	uint8_t l4[64];
	size_t n = t_udp(l4, T_PEER_IP, T_US_IP, 1234, PORT, payload,
			 sizeof(payload), true);
	size_t fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);

	fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_UDP, 1, 0, opt, optlen,
		   n);
	memcpy(f + fl, l4, n);
	return fl + n;
}

static size_t udp_frame(uint8_t *f)
{
	return udp_frame_opt(f, NULL, 0);
}

/* Recomputes the IP header checksum after a mutation. */
static void ip_fix(uint8_t *f)
{
	uint8_t *ip = f + ETH_HLEN;
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

	net_put16(ip + 10, 0);
	net_put16(ip + 10, net_csum_fold(net_csum_add(0, ip, hlen)));
}

/* UDP from src (and so the checksums) to dst. */
static size_t udp_from_to(uint8_t *f, const uint8_t mac[6], uint32_t src,
			  uint32_t dst)
{
	uint8_t l4[64];
	size_t n =
		t_udp(l4, src, dst, 1234, PORT, payload, sizeof(payload), true);
	size_t fl = t_eth(f, mac, t_peer_mac, ETH_TYPE_IP);

	fl += t_ip(f + fl, src, dst, IP_PROTO_UDP, 1, 0, NULL, 0, n);
	memcpy(f + fl, l4, n);
	return fl + n;
}

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t sha[6],
			uint32_t spa)
{
	size_t n = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_ARP);

	return n + t_arp(f + n, op, sha, spa, zero_mac, T_US_IP);
}

/* One fragment of the datagram `id` (to us, UDP): [off, off + len) of a
 * pattern, MF as given. */
static size_t frag_frame(uint8_t *f, uint16_t id, size_t off, size_t len,
			 bool more, uint8_t fill)
{
	size_t fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);

	fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_UDP, id,
		   (uint16_t)(off / 8 | (more ? 0x2000 : 0)), NULL, 0, len);
	memset(f + fl, fill, len);
	return fl + len;
}

static void feed(struct t_env *e, size_t (*build)(uint8_t *f))
{
	static uint8_t f[MAX_FRAME];

	t_rx(e, f, build(f));
}

/* ---- Ethernet. */

static size_t eth_runt(uint8_t *f)
{
	t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);
	return 13;
}

static size_t eth_empty(uint8_t *f)
{
	(void)f;
	return 0;
}

static size_t eth_vlan(uint8_t *f)
{
	size_t n = udp_frame(f);
	net_put16(f + 12, 0x8100);
	return n;
}

static size_t eth_llc(uint8_t *f)
{
	size_t n = udp_frame(f);
	net_put16(f + 12, 0x0040); /* an 802.3 length, not a type */
	return n;
}

/* ---- ARP. */

static size_t arp_short(uint8_t *f)
{
	return arp_frame(f, 1, t_peer_mac, T_PEER_IP) - 1;
}

static size_t arp_hlen(uint8_t *f)
{
	size_t n = arp_frame(f, 1, t_peer_mac, T_PEER_IP);
	f[ETH_HLEN + 4] = 16; /* claims 16-byte hardware addresses */
	memset(f + n, 0, 32);
	return n + 32;
}

static size_t arp_plen(uint8_t *f)
{
	size_t n = arp_frame(f, 1, t_peer_mac, T_PEER_IP);
	f[ETH_HLEN + 5] = 16;
	memset(f + n, 0, 32);
	return n + 32;
}

static size_t arp_htype(uint8_t *f)
{
	size_t n = arp_frame(f, 1, t_peer_mac, T_PEER_IP);
	net_put16(f + ETH_HLEN, 6);
	return n;
}

static size_t arp_ptype(uint8_t *f)
{
	size_t n = arp_frame(f, 1, t_peer_mac, T_PEER_IP);
	net_put16(f + ETH_HLEN + 2, 0x86dd);
	return n;
}

static size_t arp_op(uint8_t *f)
{
	size_t n = arp_frame(f, 1, t_peer_mac, T_PEER_IP);
	net_put16(f + ETH_HLEN + 6, 3);
	return n;
}

static size_t arp_group_sender(uint8_t *f)
{
	return arp_frame(f, 1, t_bcast_mac, net_ip4(10, 0, 0, 50));
}

static size_t arp_bcast_spa(uint8_t *f)
{
	return arp_frame(f, 2, t_peer_mac, T_BCAST_IP);
}

/* ---- IPv4 header. */

static size_t ip_runt(uint8_t *f)
{
	udp_frame(f);
	return ETH_HLEN + 19;
}

static size_t ip_version(uint8_t *f)
{
	size_t n = udp_frame(f);
	f[ETH_HLEN] = 0x65;
	ip_fix(f);
	return n;
}

static size_t ip_ihl_small(uint8_t *f)
{
	size_t n = udp_frame(f);
	f[ETH_HLEN] = 0x44;
	return n;
}

static size_t ip_ihl_beyond(uint8_t *f)
{
	udp_frame(f);
	f[ETH_HLEN] = 0x4f; /* 60 bytes of header in a 40-byte packet */
	return ETH_HLEN + 40;
}

static size_t ip_len_beyond(uint8_t *f)
{
	size_t n = udp_frame(f);
	net_put16(f + ETH_HLEN + 2, 1000);
	ip_fix(f);
	return n;
}

static size_t ip_len_below_ihl(uint8_t *f)
{
	size_t n = udp_frame(f);
	net_put16(f + ETH_HLEN + 2, 12);
	ip_fix(f);
	return n;
}

static size_t ip_csum(uint8_t *f)
{
	size_t n = udp_frame(f);
	f[ETH_HLEN + 10] ^= 0x01;
	return n;
}

static size_t opt_len0(uint8_t *f)
{
	static const uint8_t o[4] = { 7, 0, 0, 0 };
	return udp_frame_opt(f, o, 4);
}

static size_t opt_len1(uint8_t *f)
{
	static const uint8_t o[4] = { 1, 7, 1, 0 };
	return udp_frame_opt(f, o, 4);
}

static size_t opt_overrun(uint8_t *f)
{
	static const uint8_t o[8] = { 1, 0x44, 40, 5, 0, 0, 0, 0 };
	return udp_frame_opt(f, o, 8);
}

static size_t opt_no_len(uint8_t *f)
{
	static const uint8_t o[4] = { 1, 1, 1, 0x44 };
	return udp_frame_opt(f, o, 4);
}

static size_t opt_lsrr(uint8_t *f)
{
	static const uint8_t o[8] = { 0x83, 7, 4, 10, 0, 0, 9, 0 };
	return udp_frame_opt(f, o, 8);
}

static size_t opt_ssrr(uint8_t *f)
{
	static const uint8_t o[8] = { 1, 0x89, 7, 4, 10, 0, 0, 9 };
	return udp_frame_opt(f, o, 8);
}

/* ---- Addresses. */

static size_t src_bcast(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, IP4_BROADCAST, T_US_IP);
}

static size_t src_subnet_bcast(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, T_BCAST_IP, T_US_IP);
}

static size_t src_mcast(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, net_ip4(224, 0, 0, 1), T_US_IP);
}

static size_t src_zero(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, 0, T_US_IP);
}

static size_t src_loopback(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, net_ip4(127, 0, 0, 1), T_US_IP);
}

static size_t src_ours(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, T_US_IP, T_US_IP);
}

static size_t dst_other(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, T_PEER_IP, net_ip4(10, 0, 0, 9));
}

static size_t dst_loopback(uint8_t *f)
{
	return udp_from_to(f, t_us_mac, T_PEER_IP, net_ip4(127, 0, 0, 1));
}

static size_t dst_unicast_in_bcast(uint8_t *f)
{
	return udp_from_to(f, t_bcast_mac, T_PEER_IP, T_US_IP);
}

/* ---- Fragments. */

static void frag_first_800(struct t_env *e)
{
	static uint8_t f[MAX_FRAME];

	t_rx(e, f, frag_frame(f, 9, 0, 800, true, 0xaa));
}

static size_t frag_overlap_differs(uint8_t *f)
{
	return frag_frame(f, 9, 400, 800, true, 0xbb);
}

static void frag_last_at_900(struct t_env *e)
{
	static uint8_t f[MAX_FRAME];

	t_rx(e, f, frag_frame(f, 9, 800, 100, false, 0xaa));
}

static size_t frag_end_conflict(uint8_t *f)
{
	return frag_frame(f, 9, 1600, 100, false, 0xaa);
}

static size_t frag_beyond_end(uint8_t *f)
{
	return frag_frame(f, 9, 1600, 800, true, 0xaa);
}

static size_t frag_oversized(uint8_t *f)
{
	/* Offset 65512 + 100 bytes: past 65535 (the ping of death). */
	return frag_frame(f, 9, 8189 * 8, 100, false, 0xaa);
}

static size_t frag_odd_size(uint8_t *f)
{
	return frag_frame(f, 9, 0, 801, true, 0xaa);
}

static size_t frag_empty(uint8_t *f)
{
	return frag_frame(f, 9, 800, 0, true, 0xaa);
}

/* A first fragment with 40 bytes of options, then everything up to
 * 65535 - 20: whole, the datagram would be 65555 bytes long. */
static void frag_big_header_body(struct t_env *e)
{
	static uint8_t f[MAX_FRAME];
	uint8_t nops[40];

	memset(nops, 1, sizeof(nops));
	size_t fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_UDP, 9, 0x2000, nops,
		   40, 1480);
	memset(f + fl, 0xaa, 1480);
	t_rx(e, f, fl + 1480);
	for (size_t off = 1480; off + 1480 < 65515; off += 1480)
		t_rx(e, f, frag_frame(f, 9, off, 1480, true, 0xaa));
}

static size_t frag_big_header_last(uint8_t *f)
{
	size_t off = 1480 * (65515 / 1480);

	return frag_frame(f, 9, off, 65515 - off, false, 0xaa);
}

/* 128 separate 8-byte fragments of one datagram: its bound. */
static void frag_many_tiny(struct t_env *e)
{
	static uint8_t f[MAX_FRAME];

	for (size_t i = 0; i < IP_REASM_MAX_FRAGS; i++)
		t_rx(e, f, frag_frame(f, 9, i * 16, 8, true, 0xaa));
}

static size_t frag_one_more_tiny(uint8_t *f)
{
	return frag_frame(f, 9, IP_REASM_MAX_FRAGS * 16, 8, true, 0xaa);
}

/* ---- UDP and ICMP. */

static size_t l4_frame(uint8_t *f, uint8_t proto, const uint8_t *l4, size_t len)
{
	return t_ip_frame(f, T_PEER_IP, T_US_IP, proto, 1, 0, l4, len);
}

static size_t udp_runt(uint8_t *f)
{
	return l4_frame(f, IP_PROTO_UDP, payload, 4);
}

static size_t udp_len_beyond(uint8_t *f)
{
	uint8_t l4[64];
	size_t n =
		t_udp(l4, T_PEER_IP, T_US_IP, 1234, PORT, payload, 12, false);
	net_put16(l4 + 4, 100);
	return l4_frame(f, IP_PROTO_UDP, l4, n);
}

static size_t udp_len_below_hdr(uint8_t *f)
{
	uint8_t l4[64];
	size_t n =
		t_udp(l4, T_PEER_IP, T_US_IP, 1234, PORT, payload, 12, false);
	net_put16(l4 + 4, 7);
	return l4_frame(f, IP_PROTO_UDP, l4, n);
}

static size_t udp_csum(uint8_t *f)
{
	uint8_t l4[64];
	size_t n = t_udp(l4, T_PEER_IP, T_US_IP, 1234, PORT, payload, 16, true);
	l4[n - 1] ^= 0x80;
	return l4_frame(f, IP_PROTO_UDP, l4, n);
}

static size_t icmp_short(uint8_t *f)
{
	static const uint8_t l4[4] = { ICMP_ECHO, 0, 0xf7, 0xff };
	return l4_frame(f, IP_PROTO_ICMP, l4, 4);
}

static size_t icmp_csum(uint8_t *f)
{
	uint8_t l4[64];
	size_t n = t_icmp(l4, ICMP_ECHO, 0, 1, payload, 16);
	l4[3] ^= 0x04;
	return l4_frame(f, IP_PROTO_ICMP, l4, n);
}

static size_t icmp_err_truncated(uint8_t *f)
{
	uint8_t inner[28], l4[64];

	t_ip(inner, T_US_IP, T_PEER_IP, IP_PROTO_UDP, 1, 0, NULL, 0, 8);
	size_t n = t_icmp(l4, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, inner,
			  24); /* the header and half the UDP one */
	return l4_frame(f, IP_PROTO_ICMP, l4, n);
}

static size_t icmp_err_inner_ihl(uint8_t *f)
{
	uint8_t inner[28], l4[64];

	t_ip(inner, T_US_IP, T_PEER_IP, IP_PROTO_UDP, 1, 0, NULL, 0, 8);
	inner[0] = 0x4f; /* 60-byte header in a 28-byte quote */
	size_t n =
		t_icmp(l4, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, inner, 28);
	return l4_frame(f, IP_PROTO_ICMP, l4, n);
}

static size_t icmp_err_forged(uint8_t *f)
{
	uint8_t inner[28], l4[64];

	/* About a datagram somebody else sent. */
	t_ip(inner, net_ip4(10, 0, 0, 9), T_PEER_IP, IP_PROTO_UDP, 1, 0, NULL,
	     0, 8);
	memset(inner + 20, 0, 8);
	size_t n =
		t_icmp(l4, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, inner, 28);
	return l4_frame(f, IP_PROTO_ICMP, l4, n);
}

/* ---- The cases. */

#define ETH NC_eth_in
#define IPIN NC_eth_in, NC_ip_in
#define FRAG NC_eth_in, NC_ip_in, NC_ip_frag_in
#define UDP NC_eth_in, NC_ip_in, NC_udp_in
#define ICMP NC_eth_in, NC_ip_in, NC_icmp_in

static const struct mcase cases[] = {
	{ "eth_runt", NULL, eth_runt, WANT(ETH, NC_eth_runt) },
	{ "eth_empty", NULL, eth_empty, WANT(ETH, NC_eth_runt) },
	{ "eth_vlan", NULL, eth_vlan, WANT(ETH, NC_eth_bad_type) },
	{ "eth_llc", NULL, eth_llc, WANT(ETH, NC_eth_bad_type) },
	{ "arp_short", NULL, arp_short, WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_hlen", NULL, arp_hlen, WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_plen", NULL, arp_plen, WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_htype", NULL, arp_htype, WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_ptype", NULL, arp_ptype, WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_op", NULL, arp_op, WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_group_sender", NULL, arp_group_sender,
	  WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "arp_bcast_spa", NULL, arp_bcast_spa,
	  WANT(ETH, NC_arp_in, NC_arp_bad) },
	{ "ip_runt", NULL, ip_runt, WANT(IPIN, NC_ip_runt) },
	{ "ip_version", NULL, ip_version, WANT(IPIN, NC_ip_bad_version) },
	{ "ip_ihl_small", NULL, ip_ihl_small, WANT(IPIN, NC_ip_bad_hlen) },
	{ "ip_ihl_beyond", NULL, ip_ihl_beyond, WANT(IPIN, NC_ip_bad_hlen) },
	{ "ip_len_beyond", NULL, ip_len_beyond, WANT(IPIN, NC_ip_bad_len) },
	{ "ip_len_below_ihl", NULL, ip_len_below_ihl,
	  WANT(IPIN, NC_ip_bad_len) },
	{ "ip_csum", NULL, ip_csum, WANT(IPIN, NC_ip_bad_csum) },
	{ "ip_opt_len0", NULL, opt_len0, WANT(IPIN, NC_ip_bad_opt) },
	{ "ip_opt_len1", NULL, opt_len1, WANT(IPIN, NC_ip_bad_opt) },
	{ "ip_opt_overrun", NULL, opt_overrun, WANT(IPIN, NC_ip_bad_opt) },
	{ "ip_opt_no_len", NULL, opt_no_len, WANT(IPIN, NC_ip_bad_opt) },
	{ "ip_opt_lsrr", NULL, opt_lsrr, WANT(IPIN, NC_ip_bad_opt) },
	{ "ip_opt_ssrr", NULL, opt_ssrr, WANT(IPIN, NC_ip_bad_opt) },
	{ "ip_src_bcast", NULL, src_bcast, WANT(IPIN, NC_ip_bad_src) },
	{ "ip_src_subnet_bcast", NULL, src_subnet_bcast,
	  WANT(IPIN, NC_ip_bad_src) },
	{ "ip_src_mcast", NULL, src_mcast, WANT(IPIN, NC_ip_bad_src) },
	{ "ip_src_zero", NULL, src_zero, WANT(IPIN, NC_ip_bad_src) },
	{ "ip_src_loopback", NULL, src_loopback, WANT(IPIN, NC_ip_bad_src) },
	{ "ip_src_ours", NULL, src_ours, WANT(IPIN, NC_ip_bad_src) },
	{ "ip_dst_other", NULL, dst_other, WANT(IPIN, NC_ip_not_ours) },
	{ "ip_dst_loopback", NULL, dst_loopback, WANT(IPIN, NC_ip_not_ours) },
	{ "ip_dst_unicast_in_bcast", NULL, dst_unicast_in_bcast,
	  WANT(IPIN, NC_ip_not_ours) },
	{ "frag_overlap_differs", frag_first_800, frag_overlap_differs,
	  WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_end_conflict", frag_last_at_900, frag_end_conflict,
	  WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_beyond_end", frag_last_at_900, frag_beyond_end,
	  WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_oversized", frag_first_800, frag_oversized,
	  WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_odd_size", NULL, frag_odd_size, WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_empty", frag_first_800, frag_empty,
	  WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_whole_over_65535", frag_big_header_body, frag_big_header_last,
	  WANT(FRAG, NC_ip_frag_bad) },
	{ "frag_too_many", frag_many_tiny, frag_one_more_tiny,
	  WANT(FRAG, NC_ip_frag_mem) },
	{ "udp_runt", NULL, udp_runt, WANT(UDP, NC_udp_bad_len) },
	{ "udp_len_beyond", NULL, udp_len_beyond, WANT(UDP, NC_udp_bad_len) },
	{ "udp_len_below_hdr", NULL, udp_len_below_hdr,
	  WANT(UDP, NC_udp_bad_len) },
	{ "udp_csum", NULL, udp_csum, WANT(UDP, NC_udp_bad_csum) },
	{ "icmp_short", NULL, icmp_short, WANT(ICMP, NC_icmp_bad) },
	{ "icmp_csum", NULL, icmp_csum, WANT(ICMP, NC_icmp_bad) },
	{ "icmp_err_truncated", NULL, icmp_err_truncated,
	  WANT(ICMP, NC_icmp_error_in, NC_icmp_bad) },
	{ "icmp_err_inner_ihl", NULL, icmp_err_inner_ihl,
	  WANT(ICMP, NC_icmp_error_in, NC_icmp_bad) },
	{ "icmp_err_forged", NULL, icmp_err_forged,
	  WANT(ICMP, NC_icmp_error_in, NC_icmp_bad) },
};

/* The stack still answers: a ping gets its reply. */
static void expect_alive(struct t_env *e)
{
	uint8_t l4[32], f[128];
	size_t n = t_icmp(l4, ICMP_ECHO, 0, 0x00010002, "alive", 5);

	t_rx(e, f,
	     t_ip_frame(f, T_PEER_IP, T_US_IP, IP_PROTO_ICMP, 2, 0, l4, n));
	struct netbuf *nb = fake_port_take(&e->port);
	assert_non_null(nb);
	assert_int_equal(nb->nb_len, ETH_HLEN + 20 + n);
	assert_memory_equal(nb->nb_data, t_peer_mac, 6);
	assert_int_equal(nb->nb_data[ETH_HLEN + 20], ICMP_ECHO_REPLY);
	assert_memory_equal(nb->nb_data + ETH_HLEN + 28, "alive", 5);
	netbuf_put(nb);
}

static void run_case(void **state)
{
	const struct mcase *c = *state;
	struct t_env e;
	struct udp_pcb *pcb;
	uint64_t snap[NC__COUNT];
	struct netbuf_stats st;
	uint8_t buf[64];

	tcp_none_reset();
	t_env_up(&e);
	t_env_learn(&e);
	assert_int_equal(udp_pcb_new(&e.ns, &pcb), 0);
	assert_int_equal(udp_bind(pcb, 0, PORT), 0);
	uint64_t mem0 = e.ns.ns_mem_bytes;
	netbuf_get_stats(&st);
	uint64_t live0 = st.ns_live;

	if (c->setup != NULL)
		c->setup(&e);
	t_ctr_snap(&e, snap);
	feed(&e, c->build);
	t_ctr_only(&e, snap, c->want);

	/* Nothing delivered, sent or kept. */
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	assert_int_equal(tcp_none.tn_inputs + tcp_none.tn_icmp_errors, 0);
	assert_int_equal(e.port.fp_qlen, 0);
	assert_int_equal(e.ns.ns_ip->ic_reasm_count, 0);
	assert_int_equal(e.ns.ns_mem_bytes, mem0);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_live, live0);

	expect_alive(&e);
	udp_close(pcb);
	t_env_down(&e);
}

/* ---- Beyond the list: valid frames damaged at random. */

/* Seeds: a frame of each kind the stack parses deepest. */
static size_t seed_frame(uint8_t *f, unsigned int kind)
{
	uint8_t l4[64];
	size_t n;

	switch (kind) {
	case 0:
		return udp_frame(f);
	case 1: {
		static const uint8_t o[8] = { 1, 7, 7, 4, 0, 0, 0, 0 };
		return udp_frame_opt(f, o, 8);
	}
	case 2:
		n = t_icmp(l4, ICMP_ECHO, 0, 7, payload, 16);
		return l4_frame(f, IP_PROTO_ICMP, l4, n);
	case 3:
		return icmp_err_truncated(f);
	case 4:
		return arp_frame(f, 1, t_peer_mac, T_PEER_IP);
	default:
		return frag_frame(f, (uint16_t)(kind & 3), (kind & 7) * 8, 24,
				  kind & 8, 0xaa);
	}
}

/* Damages the frame: bit flips, a length field rewritten, truncation. */
static size_t mutate(uint8_t *f, size_t n)
{
	uint64_t r = fake_net_rand64();

	switch (r % 4) {
	case 0:
		for (unsigned int i = 0; i < 1 + (r >> 8) % 4; i++) {
			uint64_t b = fake_net_rand64();
			f[b % n] ^= (uint8_t)(1u << (b >> 32) % 8);
		}
		break;
	case 1: /* IP total length, or UDP length, anything */
		net_put16(f + ETH_HLEN + ((r >> 8) & 1 ? 2 : 24),
			  (uint16_t)(r >> 16));
		ip_fix(f);
		break;
	case 2: /* IHL, fragment field */
		f[ETH_HLEN] = (uint8_t)(0x40 | ((r >> 8) & 0x0f));
		net_put16(f + ETH_HLEN + 6, (uint16_t)(r >> 16));
		if (n >= ETH_HLEN + 60)
			ip_fix(f);
		break;
	default:
		n = (r >> 8) % n;
		break;
	}
	return n;
}

static void test_random_damage(void **state)
{
	(void)state;
	struct t_env e;
	static uint8_t f[MAX_FRAME];
	struct udp_pcb *pcb;

	t_env_up(&e);
	t_env_learn(&e);
	assert_int_equal(udp_pcb_new(&e.ns, &pcb), 0);
	assert_int_equal(udp_bind(pcb, 0, PORT), 0);
	fake_net_seed(12345);
	uint64_t in0 = t_ctr(&e, NC_eth_in);
	for (unsigned int i = 0; i < 20000; i++) {
		size_t n = seed_frame(f, i % 21);
		n = mutate(f, n);
		t_rx(&e, f, n);
		fake_port_flush(&e.port);
		if (i % 1000 == 999) {
			fake_net_advance(IP_REASM_TIMEOUT_NS);
			netstack_run_timers(&e.ns, net_now_ns());
			fake_port_flush(&e.port);
		}
	}
	/* Held fragments expire; then nothing is held. */
	fake_net_advance(IP_REASM_TIMEOUT_NS);
	netstack_run_timers(&e.ns, net_now_ns());
	fake_port_flush(&e.port);
	assert_int_equal(e.ns.ns_ip->ic_reasm_count, 0);
	assert_int_equal(e.ns.ns_ip->ic_reasm_mem, 0);
	assert_int_equal(t_ctr(&e, NC_eth_in) - in0, 20000);
	t_env_learn(&e);
	expect_alive(&e);
	udp_close(pcb);
	t_env_down(&e);
}

int main(void)
{
	enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[NCASES + 1];

	for (size_t i = 0; i < NCASES; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memset(&tests[NCASES], 0, sizeof(tests[NCASES]));
	tests[NCASES].name = "random_damage";
	tests[NCASES].test_func = test_random_damage;
	return _cmocka_run_group_tests("malformed", tests, NCASES + 1, NULL,
				       NULL);
}

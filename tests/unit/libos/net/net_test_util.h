/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the stack's host tests (net_test_util.c): a stack
 * with one captured Ethernet interface, and builders for the frames the
 * tests feed it (every header written here byte by byte, checksums
 * included, so the tests never trust the code under test to make them).
 */
#ifndef NET_TEST_UTIL_H
#define NET_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <net/ip.h>

#include "netlink_fake.h"

/* The test network: us 10.0.0.2/24 behind gateway 10.0.0.1; "peer" is
 * another host on the subnet. */
#define T_US_IP net_ip4(10, 0, 0, 2)
#define T_GW_IP net_ip4(10, 0, 0, 1)
#define T_PEER_IP net_ip4(10, 0, 0, 3)
#define T_MASK net_ip4(255, 255, 255, 0)
#define T_BCAST_IP net_ip4(10, 0, 0, 255)
extern const uint8_t t_us_mac[6], t_peer_mac[6], t_gw_mac[6], t_bcast_mac[6];

struct t_env {
	struct netstack ns;
	struct fake_port port; /* "eth0", captures what we send */
	uint64_t live0; /* netbufs live before the stack existed */
};

/* Starts a stack with eth0 up and configured (the gratuitous ARP is
 * flushed), the clock at 1 s and the generator seeded. */
void t_env_up(struct t_env *e);
/* Destroys the stack and checks that every byte and netbuf came back. */
void t_env_down(struct t_env *e);
/* Teaches the stack the peer's and the gateway's MACs (through ARP
 * requests addressed to us) and flushes the replies. */
void t_env_learn(struct t_env *e);
/* Feeds a frame (copied into a fresh netbuf) to eth0. */
void t_rx(struct t_env *e, const void *frame, size_t len);
/* The counter's value. */
uint64_t t_ctr(const struct t_env *e, enum net_ctr c);
/* Every counter, to compare after a step (t_ctr_diff). */
void t_ctr_snap(const struct t_env *e, uint64_t snap[NC__COUNT]);
/* Asserts that since snap exactly the counters in `want` (terminated by
 * NC__COUNT) went up, each by one, and nothing else changed. */
void t_ctr_only(const struct t_env *e, const uint64_t snap[NC__COUNT],
		const enum net_ctr *want);

/* ---- Builders; each writes at p and returns the bytes written. */

/* Ethernet header. */
size_t t_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
	     uint16_t type);
/* ARP for Ethernet/IPv4. */
size_t t_arp(uint8_t *p, uint16_t op, const uint8_t sha[6], uint32_t spa,
	     const uint8_t tha[6], uint32_t tpa);
/* IPv4 header with options (optlen a multiple of 4) and a correct
 * checksum; total = header + payload_len. frag: flags and offset field. */
size_t t_ip(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
	    uint16_t frag, const void *opt, size_t optlen, size_t payload_len);
/* UDP header and payload with a correct checksum (csum false: 0). */
size_t t_udp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
	     uint16_t dport, const void *data, size_t len, bool csum);
/* ICMP header (type, code, 4 bytes rest) and payload, checksummed. */
size_t t_icmp(uint8_t *p, uint8_t type, uint8_t code, uint32_t rest,
	      const void *data, size_t len);

/* A whole frame from the peer to us: Ethernet + IPv4 (no options, DF
 * clear) + payload already built at `l4`. Returns the frame length. */
size_t t_ip_frame(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
		  uint16_t id, uint16_t frag, const void *l4, size_t len);

/* Whether the RFC 1071 sum over len bytes at p checks (folds to 0). */
bool t_csum_ok(const void *p, size_t len, uint32_t pseudo);

#endif /* NET_TEST_UTIL_H */

/* SPDX-License-Identifier: MIT */
/*
 * A test double of everything under TCP (tcp_fake_ip.c): the IP layer
 * (ip_output captures or forwards segments, after checking the netbuf
 * contract and completing the partial checksum as a real ip_output
 * would), ICMP/UDP/ARP stubs for stack.c, the environment (a fake clock
 * and a seeded random generator behind net_now_ns/net_random), the
 * kernel heap behind netbuf.c, and helpers to build and parse segments.
 */
#ifndef TESTS_TCP_FAKE_IP_H
#define TESTS_TCP_FAKE_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/ip.h>

/* ---- Environment. */

void fake_env_reset(uint64_t seed); /* clock to 1 s, PRNG seeded */
uint64_t fake_now(void);
void fake_set_now(uint64_t ns);
/* Advances the clock to `until`, running each stack's timers at every
 * deadline on the way (in order). */
void fake_run_until(struct netstack **stacks, int n, uint64_t until);
uint64_t fake_rand(void); /* the same generator net_random draws */
/* The tests' two ends: the stack under test is 10.0.0.1, its peer
 * 10.0.0.2. */
uint32_t fake_local_ip(void);
uint32_t fake_peer_ip(void);
/* Netbufs alive now, to prove a test leaves none behind. */
uint64_t fake_netbufs_live(void);

/* ---- The IP layer. */

/* A segment ip_output() took: the TCP segment, linear, checksum done. */
struct fake_seg {
	struct fake_seg *next;
	struct ip_tx tx;
	uint16_t gso_size; /* NB_GSO_TCPV4: the segment size, else 0 */
	unsigned int pieces; /* netbufs in the frame */
	size_t len;
	uint8_t data[];
};

typedef void (*fake_forward_fn)(struct netstack *ns, struct fake_seg *seg,
				void *arg);

struct fake_ip_stats {
	unsigned int out; /* ip_output calls */
	unsigned int violations; /* netbuf or checksum contract broken */
	unsigned int icmp_errors;
};

/* Sets the stack's address (a /24), MTU and the route's presence. */
void fake_ip_config(struct netstack *ns, uint32_t addr, uint16_t mtu);
void fake_ip_set_noroute(struct netstack *ns, bool noroute);
/* Segmentation offload on the route: ip_tso_for() returns max (0: none)
 * and frags; ip_output() then takes super-segments within them (and
 * counts a violation for any other). */
void fake_ip_set_tso(struct netstack *ns, uint32_t max, unsigned int frags);
/* The next ip_output() returns err (still taking the netbuf). */
void fake_ip_fail_next(struct netstack *ns, int err);
/* Segments go to fn instead of the capture queue (fn owns them). */
void fake_ip_forward(struct netstack *ns, fake_forward_fn fn, void *arg);
const struct fake_ip_stats *fake_ip_stats(struct netstack *ns);
/* The oldest captured segment (free() it), or NULL. */
struct fake_seg *fake_ip_take(struct netstack *ns);
unsigned int fake_ip_pending(struct netstack *ns);
void fake_ip_drain(struct netstack *ns);

/* Hands a TCP segment (bytes copied) to ns's tcp_input as received from
 * src to dst. */
/* From now on, delivered segments are in driver-owned netbufs (a release
 * hook that counts into *released, which must outlive them); NULL goes
 * back to heap netbufs. */
void fake_ip_driver_buffers(unsigned int *released);
void fake_ip_deliver(struct netstack *ns, uint32_t src, uint32_t dst,
		     const void *seg, size_t len);

/* ---- Segments. */

struct tseg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd, urp;
	const uint8_t *opts; /* raw option bytes */
	size_t optlen; /* a multiple of 4 unless doff is given */
	const void *data;
	size_t len;
	int doff; /* data offset field: 0 computed, -1 a zero field */
	bool bad_csum;
};

/* Writes the segment to out (room for 60 + len) with a valid checksum
 * (unless bad_csum); returns its length. */
size_t fake_tcp_build(uint8_t *out, uint32_t src, uint32_t dst,
		      const struct tseg *s);
void fake_tcp_inject(struct netstack *ns, uint32_t src, uint32_t dst,
		     const struct tseg *s);

/* A parsed captured segment. */
struct pseg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	size_t hlen;
	int mss, ws; /* -1: absent */
	bool ts;
	uint32_t tsval, tsecr;
	const uint8_t *data;
	size_t len;
};

/* Parses fs (false when malformed). */
bool fake_tcp_parse(const struct fake_seg *fs, struct pseg *p);

#endif /* TESTS_TCP_FAKE_IP_H */

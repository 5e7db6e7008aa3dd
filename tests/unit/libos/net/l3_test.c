/* SPDX-License-Identifier: MIT */
/*
 * Ethernet, ARP, IPv4, ICMP and UDP (libos/net) on the host: one stack
 * with a captured interface (and the loopback), TCP stubbed out
 * (tcp_none.c), the clock and randomness from fake_netenv. Every test
 * ends by destroying the stack and checking that its memory and every
 * netbuf came back.
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

#define SEC 1000000000ull

static const uint8_t zero_mac[6];

/* ---- Looking at what the stack sent. */

static struct netbuf *take(struct t_env *e)
{
	struct netbuf *nb = fake_port_take(&e->port);

	assert_non_null(nb);
	return nb;
}

static void expect_none(struct t_env *e)
{
	assert_int_equal(e->port.fp_qlen, 0);
}

/* Checks the Ethernet header of a captured frame; returns what follows. */
static const uint8_t *eth_of(const struct netbuf *nb, const uint8_t dst[6],
			     uint16_t type)
{
	assert_true(nb->nb_len >= ETH_HLEN);
	assert_memory_equal(nb->nb_data, dst, 6);
	assert_memory_equal(nb->nb_data + 6, t_us_mac, 6);
	assert_int_equal(net_get16(nb->nb_data + 12), type);
	return nb->nb_data + ETH_HLEN;
}

/* Checks the IPv4 header of a captured frame (to dst MAC); returns the
 * transport's bytes and their length. */
static const uint8_t *ip_of(const struct netbuf *nb, const uint8_t mac[6],
			    uint32_t src, uint32_t dst, uint8_t proto,
			    size_t *len)
{
	const uint8_t *ip = eth_of(nb, mac, ETH_TYPE_IP);
	uint32_t a;

	assert_int_equal(ip[0], 0x45);
	assert_true(t_csum_ok(ip, 20, 0));
	assert_int_equal(net_get16(ip + 2), nb->nb_len - ETH_HLEN);
	assert_int_equal(ip[9], proto);
	memcpy(&a, ip + 12, 4);
	assert_int_equal(a, src);
	memcpy(&a, ip + 16, 4);
	assert_int_equal(a, dst);
	*len = nb->nb_len - ETH_HLEN - 20;
	return ip + 20;
}

static uint32_t udp_pseudo(uint32_t src, uint32_t dst, size_t len)
{
	uint32_t sum = 0;
	const uint8_t *s = (const uint8_t *)&src, *d = (const uint8_t *)&dst;

	sum += (uint32_t)(s[0] << 8 | s[1]) + (uint32_t)(s[2] << 8 | s[3]);
	sum += (uint32_t)(d[0] << 8 | d[1]) + (uint32_t)(d[2] << 8 | d[3]);
	return sum + 17 + (uint32_t)len;
}

static struct udp_pcb *udp_open(struct t_env *e, uint32_t addr, uint16_t port)
{
	struct udp_pcb *pcb;

	assert_int_equal(udp_pcb_new(&e->ns, &pcb), 0);
	if (port != 0 || addr != 0)
		assert_int_equal(udp_bind(pcb, addr, port), 0);
	return pcb;
}

/* A UDP datagram from the peer (port 1234) to us. */
static void rx_udp(struct t_env *e, uint32_t dst, uint16_t dport,
		   const void *data, size_t len)
{
	uint8_t l4[2048], f[2100];

	size_t n = t_udp(l4, T_PEER_IP, dst, 1234, dport, data, len, true);
	t_rx(e, f, t_ip_frame(f, T_PEER_IP, dst, IP_PROTO_UDP, 1, 0, l4, n));
}

/* ---- Ethernet. */

static void test_eth_filters(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t f[64] = { 0 };
	static const uint8_t other[6] = { 0x02, 9, 9, 9, 9, 9 };
	static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };

	t_env_up(&e);
	t_eth(f, other, t_peer_mac, ETH_TYPE_IP);
	t_rx(&e, f, 60);
	assert_int_equal(t_ctr(&e, NC_eth_not_ours), 1);
	t_eth(f, mcast, t_peer_mac, ETH_TYPE_IP);
	t_rx(&e, f, 60);
	assert_int_equal(t_ctr(&e, NC_eth_not_ours), 2);
	t_eth(f, t_us_mac, t_peer_mac, 0x86dd);
	t_rx(&e, f, 60);
	assert_int_equal(t_ctr(&e, NC_eth_bad_type), 1);
	assert_int_equal(t_ctr(&e, NC_eth_in), 3);
	assert_int_equal(t_ctr(&e, NC_ip_in), 0);
	expect_none(&e);
	t_env_down(&e);
}

/* ---- ARP. */

static void expect_arp(struct t_env *e, const uint8_t eth_dst[6], uint16_t op,
		       uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	struct netbuf *nb = take(e);
	uint8_t want[28];

	const uint8_t *a = eth_of(nb, eth_dst, ETH_TYPE_ARP);
	assert_int_equal(nb->nb_len, 60); /* padded to the minimum */
	t_arp(want, op, t_us_mac, spa, tha, tpa);
	assert_memory_equal(a, want, 28);
	for (size_t i = ETH_HLEN + 28; i < 60; i++)
		assert_int_equal(nb->nb_data[i], 0);
	netbuf_put(nb);
}

static void rx_arp(struct t_env *e, const uint8_t eth_dst[6], uint16_t op,
		   const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
		   uint32_t tpa)
{
	uint8_t f[64];
	size_t n = t_eth(f, eth_dst, sha, ETH_TYPE_ARP);

	n += t_arp(f + n, op, sha, spa, tha, tpa);
	t_rx(e, f, n);
}

static void test_arp_reply_to_request(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t mac[6];

	t_env_up(&e);
	rx_arp(&e, t_bcast_mac, 1, t_peer_mac, T_PEER_IP, zero_mac, T_US_IP);
	expect_arp(&e, t_peer_mac, 2, T_US_IP, t_peer_mac, T_PEER_IP);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_arp_reply_out), 1);
	/* RFC 826: the asker is learnt. */
	assert_int_equal(arp_lookup(&e.port.fp_ni, T_PEER_IP, mac), 0);
	assert_memory_equal(mac, t_peer_mac, 6);
	t_env_down(&e);
}

static void test_arp_no_learning_from_strangers(void **state)
{
	(void)state;
	struct t_env e;
	static const uint8_t new_mac[6] = { 0x02, 0, 0, 0, 0, 0x33 };
	uint8_t mac[6];

	t_env_up(&e);
	/* A request for someone else: no reply, nothing learnt. */
	rx_arp(&e, t_bcast_mac, 1, t_peer_mac, T_PEER_IP, zero_mac,
	       net_ip4(10, 0, 0, 9));
	/* An unsolicited reply to someone else, and a gratuitous ARP. */
	rx_arp(&e, t_us_mac, 2, t_peer_mac, T_PEER_IP, zero_mac,
	       net_ip4(10, 0, 0, 9));
	rx_arp(&e, t_bcast_mac, 1, t_peer_mac, T_PEER_IP, zero_mac, T_PEER_IP);
	expect_none(&e);
	assert_int_equal(arp_lookup(&e.port.fp_ni, T_PEER_IP, mac), -ENOENT);
	/* Off our subnet: answered, but not learnt. */
	rx_arp(&e, t_bcast_mac, 1, t_peer_mac, net_ip4(192, 168, 1, 1),
	       zero_mac, T_US_IP);
	expect_arp(&e, t_peer_mac, 2, T_US_IP, t_peer_mac,
		   net_ip4(192, 168, 1, 1));
	assert_int_equal(
		arp_lookup(&e.port.fp_ni, net_ip4(192, 168, 1, 1), mac),
		-ENOENT);
	/* Once known, a gratuitous ARP does update the entry. */
	t_env_learn(&e);
	rx_arp(&e, t_bcast_mac, 1, new_mac, T_PEER_IP, zero_mac, T_PEER_IP);
	assert_int_equal(arp_lookup(&e.port.fp_ni, T_PEER_IP, mac), 0);
	assert_memory_equal(mac, new_mac, 6);
	expect_none(&e);
	t_env_down(&e);
}

static void test_arp_conflict(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t mac[6];

	t_env_up(&e);
	rx_arp(&e, t_bcast_mac, 1, t_peer_mac, T_US_IP, zero_mac, T_US_IP);
	assert_int_equal(t_ctr(&e, NC_arp_conflict), 1);
	assert_int_equal(arp_lookup(&e.port.fp_ni, T_US_IP, mac), -ENOENT);
	expect_none(&e);
	/* Our own announcement coming back is no conflict. */
	rx_arp(&e, t_bcast_mac, 1, t_us_mac, T_US_IP, zero_mac, T_US_IP);
	assert_int_equal(t_ctr(&e, NC_arp_conflict), 1);
	t_env_down(&e);
}

static void test_arp_gratuitous(void **state)
{
	(void)state;
	struct t_env e;

	t_env_up(&e);
	/* netif_set_addr on an interface that is up announces. */
	netif_set_addr(&e.port.fp_ni, net_ip4(10, 0, 0, 7), T_MASK, T_GW_IP);
	expect_arp(&e, t_bcast_mac, 1, net_ip4(10, 0, 0, 7), zero_mac,
		   net_ip4(10, 0, 0, 7));
	expect_none(&e);
	/* Down: silent; up again: announced. */
	netif_set_up(&e.port.fp_ni, false);
	netif_set_addr(&e.port.fp_ni, T_US_IP, T_MASK, T_GW_IP);
	expect_none(&e);
	netif_set_up(&e.port.fp_ni, true);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_US_IP);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_arp_request_out),
			 3); /* with t_env_up's */
	t_env_down(&e);
}

/* Sends a 4-byte UDP datagram to addr:9 from pcb and returns its result. */
static ssize_t send4(struct udp_pcb *pcb, uint32_t addr, uint8_t tag)
{
	uint8_t d[4] = { tag, tag, tag, tag };

	return udp_sendto(pcb, d, sizeof(d), addr, 9);
}

static void test_arp_resolve_holds_bounded(void **state)
{
	(void)state;
	struct t_env e;
	size_t len;

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	for (uint8_t i = 0; i < 6; i++)
		assert_int_equal(send4(pcb, T_PEER_IP, i), 4);
	/* One request, not one per packet; two of six packets dropped. */
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_arp_hold_drop), 2);
	rx_arp(&e, t_us_mac, 2, t_peer_mac, T_PEER_IP, t_us_mac, T_US_IP);
	for (uint8_t i = 2; i < 6; i++) {
		struct netbuf *nb = take(&e);
		const uint8_t *u = ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP,
					 IP_PROTO_UDP, &len);
		assert_int_equal(len, 12);
		assert_int_equal(u[8], i); /* the newest four, in order */
		netbuf_put(nb);
	}
	expect_none(&e);
	/* Resolved: the next one goes straight out. */
	assert_int_equal(send4(pcb, T_PEER_IP, 9), 4);
	netbuf_put(take(&e));
	assert_int_equal(netstack_next_deadline(&e.ns), UINT64_MAX);
	udp_close(pcb);
	t_env_down(&e);
}

static void run_timers_at(struct t_env *e, uint64_t t)
{
	fake_net_set_time(t);
	netstack_run_timers(&e->ns, t);
	netstack_process(&e->ns);
}

static void test_arp_retries_then_gives_up(void **state)
{
	(void)state;
	struct t_env e;

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	assert_int_equal(send4(pcb, T_PEER_IP, 1), 4);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	assert_int_equal(netstack_next_deadline(&e.ns), 2 * SEC);
	run_timers_at(&e, 2 * SEC - 1);
	expect_none(&e);
	run_timers_at(&e, 2 * SEC);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	run_timers_at(&e, 3 * SEC);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	assert_int_equal(t_ctr(&e, NC_arp_unresolved), 0);
	run_timers_at(&e, 4 * SEC);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_arp_unresolved), 1);
	assert_int_equal(t_ctr(&e, NC_arp_hold_drop), 1);
	assert_int_equal(netstack_next_deadline(&e.ns), UINT64_MAX);
	/* A later packet starts over. */
	assert_int_equal(send4(pcb, T_PEER_IP, 2), 4);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_arp_entry_expires_and_reprobes(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t mac[6];
	size_t len;

	t_env_up(&e);
	t_env_learn(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	fake_net_set_time(61 * SEC);
	assert_int_equal(arp_lookup(&e.port.fp_ni, T_PEER_IP, mac), -ENOENT);
	/* Used after expiry: goes out to the old MAC, and we ask again. */
	assert_int_equal(send4(pcb, T_PEER_IP, 1), 4);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	struct netbuf *nb = take(&e);
	ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_UDP, &len);
	netbuf_put(nb);
	/* Answered: reachable for another minute. */
	rx_arp(&e, t_us_mac, 2, t_peer_mac, T_PEER_IP, t_us_mac, T_US_IP);
	assert_int_equal(arp_lookup(&e.port.fp_ni, T_PEER_IP, mac), 0);
	assert_int_equal(netstack_next_deadline(&e.ns), UINT64_MAX);
	/* Expired again and nobody answers: dropped after the retries. */
	fake_net_set_time(122 * SEC);
	assert_int_equal(send4(pcb, T_PEER_IP, 2), 4);
	fake_port_flush(&e.port);
	for (uint64_t t = 123; t <= 125; t++)
		run_timers_at(&e, t * SEC);
	assert_int_equal(t_ctr(&e, NC_arp_unresolved), 1);
	fake_port_flush(&e.port);
	assert_int_equal(send4(pcb, T_PEER_IP, 3), 4);
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	expect_none(&e); /* held, no longer sent blind */
	udp_close(pcb);
	t_env_down(&e);
}

static void test_arp_cache_bound_lru(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t mac[6], m[6] = { 0x02, 1, 0, 0, 0, 0 };

	t_env_up(&e);
	/* 64 neighbours ask for us, one a second, and are learnt. */
	for (uint8_t i = 0; i < 64; i++) {
		m[5] = i;
		fake_net_set_time((2 + i) * SEC);
		rx_arp(&e, t_bcast_mac, 1, m, net_ip4(10, 0, 0, 10 + i),
		       zero_mac, T_US_IP);
	}
	fake_port_flush(&e.port);
	assert_int_equal(t_ctr(&e, NC_arp_evict), 0);
	/* Sending refreshes .10, so .11 is now the least recently used. */
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	fake_net_set_time(40 * SEC);
	assert_int_equal(send4(pcb, net_ip4(10, 0, 0, 10), 1), 4);
	m[5] = 64;
	rx_arp(&e, t_bcast_mac, 1, m, net_ip4(10, 0, 0, 200), zero_mac,
	       T_US_IP);
	fake_port_flush(&e.port);
	assert_int_equal(t_ctr(&e, NC_arp_evict), 1);
	assert_int_equal(arp_lookup(&e.port.fp_ni, net_ip4(10, 0, 0, 11), mac),
			 -ENOENT);
	assert_int_equal(arp_lookup(&e.port.fp_ni, net_ip4(10, 0, 0, 10), mac),
			 0);
	assert_int_equal(arp_lookup(&e.port.fp_ni, net_ip4(10, 0, 0, 200), mac),
			 0);
	assert_memory_equal(mac, m, 6);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_arp_all_pending_refuses(void **state)
{
	(void)state;
	struct t_env e;

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(send4(pcb, net_ip4(10, 0, 0, 10 + i), 1), 4);
	assert_int_equal(e.port.fp_qlen, 64);
	fake_port_flush(&e.port);
	/* Every entry is being resolved: nothing may be evicted. */
	assert_int_equal(send4(pcb, net_ip4(10, 0, 0, 100), 1), -ENOBUFS);
	assert_int_equal(t_ctr(&e, NC_arp_hold_drop), 1);
	assert_int_equal(t_ctr(&e, NC_arp_evict), 0);
	expect_none(&e);
	udp_close(pcb);
	t_env_down(&e);
}

/* ---- Checksums. */

/* RFC 1071 the slow way: big-endian 16-bit words, the last byte padded. */
static uint16_t ref_csum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;

	for (size_t i = 0; i < len; i += 2)
		acc += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* net_csum_add() sums word-wise in native order: every length, every
 * alignment, carries in and out (bytes near 0xff), a running sum in;
 * what it returns still takes further additions. */
static void test_csum_add_matches_rfc1071(void **state)
{
	static const uint32_t sums[] = { 0, 1, 0xffff, 0x1fffe, 0xfffe0001 };
	uint8_t buf[300];
	uint32_t seed = 12345;

	(void)state;
	for (int fill = 0; fill < 3; fill++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = fill == 0   ? (uint8_t)(seed >> 16)
				 : fill == 1 ? 0xff
					     : (uint8_t)(0xf0 | (seed >> 20));
		}
		for (size_t off = 0; off < 8; off++) {
			for (size_t len = 0; len + off <= 264; len++) {
				for (size_t k = 0; k < 5; k++) {
					uint32_t r = net_csum_add(
						sums[k], buf + off, len);

					assert_true(r <= 0x1ffff);
					assert_int_equal(net_csum_fold(r),
							 ref_csum(sums[k],
								  buf + off,
								  len));
					assert_int_equal(
						net_csum_fold(r + 0xfffe),
						ref_csum(sums[k] + 0xfffe,
							 buf + off, len));
				}
			}
		}
	}
}

/* ---- IP: routes and addresses. */

static void test_ip_routes(void **state)
{
	(void)state;
	struct t_env e;
	uint32_t nh;
	struct netif *lo;

	t_env_up(&e);
	lo = netstack_loopback(&e.ns);
	assert_ptr_equal(ip_route(&e.ns, T_PEER_IP, &nh), &e.port.fp_ni);
	assert_int_equal(nh, T_PEER_IP);
	assert_ptr_equal(ip_route(&e.ns, net_ip4(8, 8, 8, 8), &nh),
			 &e.port.fp_ni);
	assert_int_equal(nh, T_GW_IP);
	assert_ptr_equal(ip_route(&e.ns, net_ip4(127, 0, 0, 5), &nh), lo);
	assert_ptr_equal(ip_route(&e.ns, T_US_IP, &nh), lo);
	assert_ptr_equal(ip_route(&e.ns, IP4_BROADCAST, &nh), &e.port.fp_ni);
	assert_null(ip_route(&e.ns, 0, &nh));
	assert_int_equal(ip_source_for(&e.ns, net_ip4(8, 8, 8, 8)), T_US_IP);
	assert_int_equal(ip_source_for(&e.ns, net_ip4(127, 0, 0, 5)),
			 net_ip4(127, 0, 0, 1));
	assert_int_equal(ip_source_for(&e.ns, T_US_IP), T_US_IP);
	assert_int_equal(ip_mtu_for(&e.ns, T_PEER_IP), 1500);
	assert_true(ip_is_local(&e.ns, T_US_IP));
	assert_true(ip_is_local(&e.ns, net_ip4(127, 1, 2, 3)));
	assert_false(ip_is_local(&e.ns, T_PEER_IP));
	assert_true(ip_is_broadcast(&e.ns, T_BCAST_IP));
	assert_true(ip_is_broadcast(&e.ns, IP4_BROADCAST));
	assert_false(ip_is_broadcast(&e.ns, T_PEER_IP));
	/* No gateway: off-link is unreachable; link down: all of it. */
	netif_set_addr(&e.port.fp_ni, T_US_IP, T_MASK, 0);
	assert_null(ip_route(&e.ns, net_ip4(8, 8, 8, 8), &nh));
	netif_set_up(&e.port.fp_ni, false);
	assert_null(ip_route(&e.ns, T_PEER_IP, &nh));
	assert_int_equal(ip_source_for(&e.ns, T_PEER_IP), 0);
	assert_int_equal(ip_mtu_for(&e.ns, T_PEER_IP), 576);
	fake_port_flush(&e.port);
	t_env_down(&e);
}

static void test_loopback_delivery(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t buf[32];
	uint32_t addr;
	uint16_t port;
	bool trunc;

	t_env_up(&e);
	uint64_t eth_out0 = t_ctr(&e, NC_eth_out);
	struct udp_pcb *srv = udp_open(&e, net_ip4(127, 0, 0, 1), 5000);
	struct udp_pcb *any = udp_open(&e, 0, 5001);
	struct udp_pcb *cli = udp_open(&e, 0, 0);
	assert_int_equal(
		udp_sendto(cli, "hello", 5, net_ip4(127, 0, 0, 1), 5000), 5);
	/* Nothing arrives until the stack processes its loopback queue. */
	assert_int_equal(
		udp_recvfrom(srv, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	netstack_process(&e.ns);
	assert_int_equal(
		udp_recvfrom(srv, buf, sizeof(buf), 0, &addr, &port, &trunc),
		5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(addr, net_ip4(127, 0, 0, 1));
	uint32_t la;
	uint16_t lp;
	udp_local(cli, &la, &lp);
	assert_int_equal(port, lp);
	assert_false(trunc);
	/* To our own interface address: stays inside too. */
	assert_int_equal(udp_sendto(cli, "self", 4, T_US_IP, 5001), 4);
	netstack_process(&e.ns);
	assert_int_equal(
		udp_recvfrom(any, buf, sizeof(buf), 0, &addr, NULL, NULL), 4);
	assert_int_equal(addr, T_US_IP);
	/* A ping of 127.0.0.1 is answered inside (the reply is dropped:
	 * there are no ping sockets). */
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, 64);
	uint8_t *p = netbuf_append(nb, 36);
	t_ip(p, net_ip4(127, 0, 0, 1), net_ip4(127, 0, 0, 1), IP_PROTO_ICMP, 9,
	     0, NULL, 0, 16);
	t_icmp(p + 20, ICMP_ECHO, 0, 0x12340001, "abcdefgh", 8);
	ip_input(netstack_loopback(&e.ns), nb);
	netstack_process(&e.ns);
	assert_int_equal(t_ctr(&e, NC_icmp_echo_reply_out), 1);
	assert_int_equal(t_ctr(&e, NC_icmp_in), 2);
	assert_int_equal(t_ctr(&e, NC_icmp_bad), 0);
	/* A closed port inside: the connected sender hears of it. */
	assert_int_equal(udp_connect(cli, net_ip4(127, 0, 0, 1), 5999), 0);
	assert_int_equal(udp_sendto(cli, "x", 1, 0, 0), 1);
	netstack_process(&e.ns);
	assert_int_equal(udp_poll(cli), NET_POLLOUT | NET_POLLIN | NET_POLLERR);
	assert_int_equal(
		udp_recvfrom(cli, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-ECONNREFUSED);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_eth_out), eth_out0);
	assert_int_equal(t_ctr(&e, NC_udp_in), 3);
	udp_close(srv);
	udp_close(any);
	udp_close(cli);
	t_env_down(&e);
}

/* ---- IP: fragmentation and reassembly. */

static void test_ip_fragments_output(void **state)
{
	(void)state;
	struct t_env e;
	static uint8_t data[3000], whole[3008];
	size_t len;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	t_env_up(&e);
	t_env_learn(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	assert_int_equal(udp_sendto(pcb, data, sizeof(data), T_PEER_IP, 53),
			 3000);
	static const size_t offs[3] = { 0, 1480, 2960 };
	uint16_t id = 0;
	for (int i = 0; i < 3; i++) {
		struct netbuf *nb = take(&e);
		const uint8_t *p = ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP,
					 IP_PROTO_UDP, &len);
		const uint8_t *iph = p - 20;
		uint16_t frag = net_get16(iph + 6);
		assert_int_equal((frag & 0x1fff) * 8, offs[i]);
		assert_int_equal(!!(frag & 0x2000), i < 2);
		assert_int_equal(len, i < 2 ? 1480 : 3008 - 2960);
		if (i == 0)
			id = net_get16(iph + 4);
		assert_int_equal(net_get16(iph + 4), id);
		memcpy(whole + offs[i], p, len);
		netbuf_put(nb);
	}
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_ip_frag_out), 3);
	/* The checksum was completed before fragmenting. */
	assert_true(
		t_csum_ok(whole, 3008, udp_pseudo(T_US_IP, T_PEER_IP, 3008)));
	assert_memory_equal(whole + 8, data, sizeof(data));
	/* With DF, too big is an error, not fragments. */
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, 1500);
	memset(netbuf_append(nb, 1481), 0, 1481);
	struct ip_tx tx = { .dst = T_PEER_IP, .proto = 99, .df = true };
	assert_int_equal(ip_output(&e.ns, &tx, nb), -EMSGSIZE);
	expect_none(&e);
	udp_close(pcb);
	t_env_down(&e);
}

/* A TCP super-frame (NB_GSO_TCPV4) bigger than the MTU goes whole, its
 * checksum left partial, to an interface that segments (ip_tso_for()
 * says so); to one that does not, it is refused, never fragmented. */
static void test_ip_tso_super_frame(void **state)
{
	(void)state;
	struct t_env e;
	unsigned int frags;
	size_t len;

	t_env_up(&e);
	t_env_learn(&e);
	assert_int_equal(ip_tso_for(&e.ns, T_PEER_IP, &frags), 0);
	struct ip_tx tx = { .dst = T_PEER_IP,
			    .proto = IP_PROTO_TCP,
			    .df = true };
	for (int tso = 0; tso < 2; tso++) {
		struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, 20000);
		uint8_t *p = netbuf_append(nb, 20000);
		for (size_t i = 0; i < 20000; i++)
			p[i] = (uint8_t)(i * 3);
		nb->nb_flags = NB_CSUM_PARTIAL | NB_GSO_TCPV4;
		nb->nb_csum_off = 16;
		nb->nb_gso_size = 1448;
		if (!tso) {
			assert_int_equal(ip_output(&e.ns, &tx, nb), -EMSGSIZE);
			expect_none(&e);
			e.port.fp_ni.ni_flags |= NETIF_TSO4 | NETIF_TX_CSUM;
			e.port.fp_ni.ni_tso_max = 65535;
			e.port.fp_ni.ni_tx_frags = 24;
			continue;
		}
		assert_int_equal(ip_tso_for(&e.ns, T_PEER_IP, &frags), 65535);
		assert_int_equal(frags, 24);
		assert_int_equal(ip_output(&e.ns, &tx, nb), 0);
		nb = take(&e);
		const uint8_t *l4 = ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP,
					  IP_PROTO_TCP, &len);
		assert_int_equal(len, 20000);
		assert_int_equal(net_get16(l4 - 20 + 6), 0x4000); /* DF */
		/* The port's copy keeps the segment size. */
		assert_int_equal(nb->nb_gso_size, 1448);
		for (size_t i = 18; i < len; i++)
			assert_int_equal(l4[i], (uint8_t)(i * 3));
		assert_int_equal(t_ctr(&e, NC_ip_frag_out), 0);
		netbuf_put(nb);
	}
	/* Beyond what the device takes: refused. */
	e.port.fp_ni.ni_tso_max = 10000;
	struct netbuf *nb = netbuf_alloc(NETBUF_HEADROOM, 10000);
	netbuf_append(nb, 9981);
	nb->nb_flags = NB_CSUM_PARTIAL | NB_GSO_TCPV4;
	nb->nb_csum_off = 16;
	nb->nb_gso_size = 1448;
	assert_int_equal(ip_output(&e.ns, &tx, nb), -EMSGSIZE);
	expect_none(&e);
	t_env_down(&e);
}

/* Builds a UDP datagram (to us, port 7000, `len` bytes of pattern) and
 * feeds its fragments of `size` payload bytes in the order given by
 * `order` (indices, may repeat). */
static void rx_fragments(struct t_env *e, uint16_t id, size_t len, size_t size,
			 const int *order, size_t norder)
{
	static uint8_t data[8192], l4[8200];
	uint8_t f[2048];

	assert_true(len <= sizeof(data));
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	size_t total =
		t_udp(l4, T_PEER_IP, T_US_IP, 1234, 7000, data, len, true);
	for (size_t k = 0; k < norder; k++) {
		size_t off = (size_t)order[k] * size;
		size_t n = total - off < size ? total - off : size;
		bool more = off + n < total;
		size_t fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);
		fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_UDP, id,
			   (uint16_t)(off / 8 | (more ? 0x2000 : 0)), NULL, 0,
			   n);
		memcpy(f + fl, l4 + off, n);
		t_rx(e, f, fl + n);
	}
}

static void expect_pattern(struct udp_pcb *pcb, size_t len)
{
	static uint8_t buf[8192];

	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, NULL),
		(ssize_t)len);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(i ^ (i >> 8)))
			fail_msg("byte %zu differs", i);
}

static void test_ip_reassembly_any_order(void **state)
{
	(void)state;
	struct t_env e;
	static const int in_order[] = { 0, 1, 2, 3, 4, 5 };
	static const int reverse[] = { 5, 4, 3, 2, 1, 0 };
	static const int shuffled_dups[] = { 3, 0, 3, 5, 1, 0, 4, 2 };

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	assert_int_equal(udp_setopt(pcb, NET_OPT_RCVBUF, 65536), 0);
	/* 4000 + 8 bytes in fragments of 800: six of them. */
	rx_fragments(&e, 1, 4000, 800, in_order, 6);
	expect_pattern(pcb, 4000);
	rx_fragments(&e, 2, 4000, 800, reverse, 6);
	expect_pattern(pcb, 4000);
	rx_fragments(&e, 3, 4000, 800, shuffled_dups, 8);
	expect_pattern(pcb, 4000);
	/* A duplicate costs nothing. */
	static const int one[] = { 2 };
	rx_fragments(&e, 4, 4000, 800, one, 1);
	uint32_t held = e.ns.ns_ip->ic_reasm_mem;
	rx_fragments(&e, 4, 4000, 800, one, 1);
	assert_int_equal(e.ns.ns_ip->ic_reasm_mem, held);
	static const int rest[] = { 0, 1, 3, 4, 5 };
	rx_fragments(&e, 4, 4000, 800, rest, 5);
	expect_pattern(pcb, 4000);
	assert_int_equal(t_ctr(&e, NC_ip_reasm_ok), 4);
	assert_int_equal(t_ctr(&e, NC_ip_frag_in), 27);
	assert_int_equal(t_ctr(&e, NC_ip_frag_bad), 0);
	/* Nothing held once done. */
	assert_int_equal(e.ns.ns_ip->ic_reasm_count, 0);
	assert_int_equal(e.ns.ns_ip->ic_reasm_mem, 0);
	expect_none(&e);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_ip_reassembly_timeout(void **state)
{
	(void)state;
	struct t_env e;
	static const int first_two[] = { 0, 1 };
	static const int later_two[] = { 1, 2 };
	size_t len;

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	uint64_t mem0 = e.ns.ns_mem_bytes;
	rx_fragments(&e, 1, 4000, 800, first_two, 2);
	rx_fragments(&e, 2, 4000, 800, later_two, 2);
	assert_int_equal(e.ns.ns_ip->ic_reasm_count, 2);
	assert_true(e.ns.ns_mem_bytes > mem0);
	assert_int_equal(netstack_next_deadline(&e.ns),
			 SEC + IP_REASM_TIMEOUT_NS);
	run_timers_at(&e, SEC + IP_REASM_TIMEOUT_NS - 1);
	assert_int_equal(t_ctr(&e, NC_ip_frag_timeout), 0);
	run_timers_at(&e, SEC + IP_REASM_TIMEOUT_NS);
	assert_int_equal(t_ctr(&e, NC_ip_frag_timeout), 2);
	assert_int_equal(e.ns.ns_ip->ic_reasm_count, 0);
	assert_int_equal(e.ns.ns_ip->ic_reasm_mem, 0);
	assert_int_equal(e.ns.ns_mem_bytes, mem0);
	/* Time exceeded (code 1) for the one whose first fragment came,
	 * none for the other (RFC 792). That needs the peer's MAC. */
	expect_arp(&e, t_bcast_mac, 1, T_US_IP, zero_mac, T_PEER_IP);
	expect_none(&e);
	rx_arp(&e, t_us_mac, 2, t_peer_mac, T_PEER_IP, t_us_mac, T_US_IP);
	struct netbuf *nb = take(&e);
	const uint8_t *ic =
		ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_ICMP, &len);
	assert_int_equal(ic[0], ICMP_TIME_EXCEEDED);
	assert_int_equal(ic[1], 1);
	assert_int_equal(len, 8 + 20 + 8);
	assert_int_equal(net_get16(ic + 8 + 4), 1); /* the datagram's id */
	assert_true(t_csum_ok(ic, len, 0));
	netbuf_put(nb);
	expect_none(&e);
	assert_int_equal(udp_recvfrom(pcb, NULL, 0, 0, NULL, NULL, NULL),
			 -EAGAIN);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_ip_reassembly_memory_bound(void **state)
{
	(void)state;
	struct t_env e;
	static const int first[] = { 0 };
	static const int all[] = { 0, 1, 2 };

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	/* Incomplete datagrams of 1480-byte fragments, far past the bound. */
	for (uint16_t id = 1; id <= 400; id++) {
		rx_fragments(&e, id, 4000, 1480, first, 1);
		assert_true(e.ns.ns_ip->ic_reasm_mem <= IP_REASM_MEM);
	}
	assert_true(t_ctr(&e, NC_ip_frag_mem) > 0);
	assert_int_equal(t_ctr(&e, NC_ip_frag_mem),
			 400 - e.ns.ns_ip->ic_reasm_count);
	/* The oldest made room; a new datagram still gets through. */
	rx_fragments(&e, 1000, 4000, 1480, all, 3);
	expect_pattern(pcb, 4000);
	expect_none(&e);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_ip_reassembly_datagram_bound(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t f[1600];

	t_env_up(&e);
	/* Identical overlapping fragments are not an attack on the data,
	 * but each costs memory: one datagram may only hold so much. */
	unsigned int k;
	for (k = 0; k < IP_REASM_MAX_FRAGS; k++) {
		size_t fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);
		fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_UDP, 5,
			   (uint16_t)(k | 0x2000), NULL, 0, 1480);
		memset(f + fl, 0x5a, 1480);
		t_rx(&e, f, fl + 1480);
		assert_true(e.ns.ns_ip->ic_reasm_mem <= IP_REASM_DGRAM_MEM);
		if (t_ctr(&e, NC_ip_frag_mem) != 0)
			break;
	}
	assert_int_equal(t_ctr(&e, NC_ip_frag_mem), 1);
	assert_true(k > 40 && k < IP_REASM_MAX_FRAGS - 1);
	assert_int_equal(e.ns.ns_ip->ic_reasm_count, 0);
	assert_int_equal(e.ns.ns_ip->ic_reasm_mem, 0);
	assert_int_equal(t_ctr(&e, NC_ip_frag_bad), 0);
	t_env_down(&e);
}

/* ---- ICMP. */

static void test_icmp_echo_reply_exact(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t l4[128], f[200], payload[56];
	size_t len;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0xa0 + i);
	t_env_up(&e);
	t_env_learn(&e);
	size_t n =
		t_icmp(l4, ICMP_ECHO, 0, 0xbeef0007, payload, sizeof(payload));
	t_rx(&e, f,
	     t_ip_frame(f, T_PEER_IP, T_US_IP, IP_PROTO_ICMP, 5, 0, l4, n));
	struct netbuf *nb = take(&e);
	const uint8_t *ic =
		ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_ICMP, &len);
	/* The request with type 0 and the checksum adjusted, nothing else. */
	uint8_t want[128];
	t_icmp(want, ICMP_ECHO_REPLY, 0, 0xbeef0007, payload, sizeof(payload));
	assert_int_equal(len, n);
	assert_memory_equal(ic, want, n);
	netbuf_put(nb);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_icmp_echo_reply_out), 1);
	/* To a broadcast address: no answer. */
	n = t_icmp(l4, ICMP_ECHO, 0, 1, payload, 8);
	size_t fl = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_BCAST_IP, IP_PROTO_ICMP, 6, 0, NULL, 0,
		   n);
	memcpy(f + fl, l4, n);
	t_rx(&e, f, fl + n);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_icmp_in), 2);
	assert_int_equal(t_ctr(&e, NC_icmp_echo_reply_out), 1);
	t_env_down(&e);
}

/* Checks a captured destination unreachable quoting the frame f (whose
 * IP header starts at f + 14). */
static void expect_unreach(struct t_env *e, uint8_t code, const uint8_t *f)
{
	size_t len;
	struct netbuf *nb = take(e);
	const uint8_t *ic =
		ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_ICMP, &len);

	assert_int_equal(ic[0], ICMP_DEST_UNREACH);
	assert_int_equal(ic[1], code);
	assert_int_equal(net_get32(ic + 4), 0);
	assert_int_equal(len, 8 + 20 + 8);
	assert_memory_equal(ic + 8, f + ETH_HLEN, 28);
	assert_true(t_csum_ok(ic, len, 0));
	netbuf_put(nb);
}

static void test_icmp_port_unreachable(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t l4[64], f[128];

	t_env_up(&e);
	t_env_learn(&e);
	size_t n = t_udp(l4, T_PEER_IP, T_US_IP, 1234, 9999, "0123456789", 10,
			 true);
	size_t fl =
		t_ip_frame(f, T_PEER_IP, T_US_IP, IP_PROTO_UDP, 77, 0, l4, n);
	t_rx(&e, f, fl);
	expect_unreach(&e, ICMP_UNREACH_PORT, f);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_udp_no_port), 1);
	assert_int_equal(t_ctr(&e, NC_icmp_error_out), 1);
	/* To the broadcast address: counted, but never answered. */
	n = t_udp(l4, T_PEER_IP, T_BCAST_IP, 1234, 9999, "x", 1, true);
	fl = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_BCAST_IP, IP_PROTO_UDP, 78, 0, NULL, 0,
		   n);
	memcpy(f + fl, l4, n);
	t_rx(&e, f, fl + n);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_udp_no_port), 2);
	assert_int_equal(t_ctr(&e, NC_icmp_error_out), 1);
	/* An unknown protocol: protocol unreachable. */
	fl = t_ip_frame(f, T_PEER_IP, T_US_IP, 99, 79, 0, "abcdefghij", 10);
	t_rx(&e, f, fl);
	expect_unreach(&e, ICMP_UNREACH_PROTO, f);
	assert_int_equal(t_ctr(&e, NC_ip_bad_proto), 1);
	/* ...but not when it was broadcast. */
	fl = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_BCAST_IP, 99, 81, 0, NULL, 0, 10);
	memcpy(f + fl, "abcdefghij", 10);
	t_rx(&e, f, fl + 10);
	expect_none(&e);
	assert_int_equal(t_ctr(&e, NC_ip_bad_proto), 2);
	assert_int_equal(t_ctr(&e, NC_icmp_error_out), 2);
	/* TCP goes to TCP. */
	tcp_none_reset();
	fl = t_ip_frame(f, T_PEER_IP, T_US_IP, IP_PROTO_TCP, 80, 0,
			"01234567890123456789", 20);
	t_rx(&e, f, fl);
	assert_int_equal(tcp_none.tn_inputs, 1);
	expect_none(&e);
	t_env_down(&e);
}

static void test_icmp_never_about_errors(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t l4[64], inner[28], f[128];

	t_env_up(&e);
	t_env_learn(&e);
	/* An ICMP error to an unknown port of ours is no reason for one. */
	t_ip(inner, T_US_IP, T_PEER_IP, IP_PROTO_ICMP, 1, 0, NULL, 0, 8);
	t_icmp(inner + 20, ICMP_ECHO, 0, 0, NULL, 0);
	assert_int_equal(
		t_icmp(l4, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, inner, 28),
		36);
	/* ...in a first fragment whose reassembly times out. */
	size_t fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_ICMP, 5, 0x2000, NULL,
		   0, 32);
	memcpy(f + fl, l4, 32);
	t_rx(&e, f, fl + 32);
	run_timers_at(&e, SEC + IP_REASM_TIMEOUT_NS);
	assert_int_equal(t_ctr(&e, NC_ip_frag_timeout), 1);
	expect_none(&e);
	t_env_learn(&e); /* the peer's entry is about to expire */
	/* A query in the same situation does get its time exceeded. */
	t_icmp(l4, ICMP_ECHO, 0, 0, "0123456789abcdefghijklmnopqrstuv", 32);
	fl = t_eth(f, t_us_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_US_IP, IP_PROTO_ICMP, 6, 0x2000, NULL,
		   0, 32);
	memcpy(f + fl, l4, 32);
	t_rx(&e, f, fl + 32);
	run_timers_at(&e, SEC + 2 * IP_REASM_TIMEOUT_NS);
	struct netbuf *nb = take(&e);
	size_t len;
	const uint8_t *ic =
		ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_ICMP, &len);
	assert_int_equal(ic[0], ICMP_TIME_EXCEEDED);
	assert_memory_equal(ic + 28, l4, 8);
	netbuf_put(nb);
	expect_none(&e);
	t_env_down(&e);
}

static void test_icmp_rate_limited(void **state)
{
	(void)state;
	struct t_env e;

	t_env_up(&e);
	t_env_learn(&e);
	for (int i = 0; i < 15; i++)
		rx_udp(&e, T_US_IP, 9999, "x", 1);
	assert_int_equal(e.port.fp_qlen, ICMP_RATE_BURST);
	assert_int_equal(t_ctr(&e, NC_icmp_ratelimited), 15 - ICMP_RATE_BURST);
	fake_port_flush(&e.port);
	/* Tokens come back with time: one per 1/ICMP_RATE_PER_S s. */
	fake_net_advance(SEC / ICMP_RATE_PER_S);
	rx_udp(&e, T_US_IP, 9999, "x", 1);
	rx_udp(&e, T_US_IP, 9999, "x", 1);
	assert_int_equal(e.port.fp_qlen, 1);
	fake_net_advance(10 * SEC);
	for (int i = 0; i < 15; i++)
		rx_udp(&e, T_US_IP, 9999, "x", 1);
	assert_int_equal(e.port.fp_qlen, 1 + ICMP_RATE_BURST);
	fake_port_flush(&e.port);
	t_env_down(&e);
}

/* An ICMP error from the gateway about a datagram we sent from sport to
 * the peer's dport (proto UDP or TCP), quoting `from` as its source. */
static void rx_icmp_error(struct t_env *e, uint8_t proto, uint32_t from,
			  uint16_t sport, uint16_t dport, uint8_t code)
{
	uint8_t inner[28], l4[64], f[128];

	t_ip(inner, from, T_PEER_IP, proto, 1, 0, NULL, 0, 8);
	net_put16(inner + 20, sport);
	net_put16(inner + 22, dport);
	net_put32(inner + 24, 0);
	size_t n = t_icmp(l4, ICMP_DEST_UNREACH, code, 0, inner, 28);
	t_rx(e, f, t_ip_frame(f, T_GW_IP, T_US_IP, IP_PROTO_ICMP, 3, 0, l4, n));
}

static void test_icmp_errors_reach_transports(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t buf[8];

	t_env_up(&e);
	t_env_learn(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 4000);
	assert_int_equal(udp_connect(pcb, T_PEER_IP, 53), 0);
	/* Forged: the quoted datagram is not from us. */
	rx_icmp_error(&e, IP_PROTO_UDP, T_PEER_IP, 4000, 53, ICMP_UNREACH_PORT);
	assert_int_equal(t_ctr(&e, NC_icmp_bad), 1);
	assert_int_equal(udp_poll(pcb), NET_POLLOUT);
	/* About another peer port: not this pcb's. */
	rx_icmp_error(&e, IP_PROTO_UDP, T_US_IP, 4000, 54, ICMP_UNREACH_PORT);
	assert_int_equal(udp_poll(pcb), NET_POLLOUT);
	rx_icmp_error(&e, IP_PROTO_UDP, T_US_IP, 4000, 53, ICMP_UNREACH_PORT);
	assert_int_equal(t_ctr(&e, NC_icmp_error_in), 3);
	assert_int_equal(udp_poll(pcb), NET_POLLOUT | NET_POLLIN | NET_POLLERR);
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-ECONNREFUSED);
	assert_int_equal(udp_take_error(pcb), 0);
	assert_int_equal(udp_poll(pcb), NET_POLLOUT);
	/* TCP's go to TCP. */
	tcp_none_reset();
	rx_icmp_error(&e, IP_PROTO_TCP, T_US_IP, 40000, 80,
		      ICMP_UNREACH_NEEDFRAG);
	assert_int_equal(tcp_none.tn_icmp_errors, 1);
	assert_int_equal(tcp_none.tn_last_type, ICMP_DEST_UNREACH);
	assert_int_equal(tcp_none.tn_last_code, ICMP_UNREACH_NEEDFRAG);
	assert_int_equal(tcp_none.tn_last_sport, 40000);
	expect_none(&e);
	udp_close(pcb);
	t_env_down(&e);
}

/* ---- UDP. */

static void test_udp_bind_rules(void **state)
{
	(void)state;
	struct t_env e;
	struct udp_pcb *a, *b, *c;
	uint32_t addr;
	uint16_t port;

	t_env_up(&e);
	assert_int_equal(udp_pcb_new(&e.ns, &a), 0);
	assert_int_equal(udp_pcb_new(&e.ns, &b), 0);
	assert_int_equal(udp_pcb_new(&e.ns, &c), 0);
	assert_int_equal(udp_bind(a, T_PEER_IP, 100), -EADDRNOTAVAIL);
	assert_int_equal(udp_bind(a, 0, 100), 0);
	assert_int_equal(udp_bind(a, 0, 101), -EINVAL);
	/* Any address overlaps every address. */
	assert_int_equal(udp_bind(b, 0, 100), -EADDRINUSE);
	assert_int_equal(udp_bind(b, T_US_IP, 100), -EADDRINUSE);
	assert_int_equal(udp_bind(b, T_US_IP, 200), 0);
	assert_int_equal(udp_bind(c, net_ip4(127, 0, 0, 1), 200), 0);
	udp_close(a);
	udp_close(b);
	udp_close(c);
	/* REUSEADDR: both must ask. */
	assert_int_equal(udp_pcb_new(&e.ns, &a), 0);
	assert_int_equal(udp_pcb_new(&e.ns, &b), 0);
	assert_int_equal(udp_setopt(a, NET_OPT_REUSEADDR, 1), 0);
	assert_int_equal(udp_bind(a, 0, 300), 0);
	assert_int_equal(udp_bind(b, 0, 300), -EADDRINUSE);
	assert_int_equal(udp_setopt(b, NET_OPT_REUSEADDR, 1), 0);
	int v;
	assert_int_equal(udp_getopt(b, NET_OPT_REUSEADDR, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(udp_bind(b, 0, 300), 0);
	udp_close(a);
	udp_close(b);
	/* Ephemeral ports: in range, and never one already taken. */
	struct udp_pcb *p[64];
	for (int i = 0; i < 64; i++) {
		assert_int_equal(udp_pcb_new(&e.ns, &p[i]), 0);
		assert_int_equal(udp_bind(p[i], 0, 0), 0);
		udp_local(p[i], &addr, &port);
		assert_int_equal(addr, 0);
		assert_true(port >= 49152);
		for (int j = 0; j < i; j++) {
			uint16_t other;
			udp_local(p[j], &addr, &other);
			assert_int_not_equal(port, other);
		}
	}
	for (int i = 0; i < 64; i++)
		udp_close(p[i]);
	t_env_down(&e);
}

static void test_udp_connect_filters(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t buf[16];
	uint32_t addr;
	uint16_t port;

	t_env_up(&e);
	struct udp_pcb *any = udp_open(&e, 0, 6000);
	struct udp_pcb *con;
	assert_int_equal(udp_pcb_new(&e.ns, &con), 0);
	assert_int_equal(udp_setopt(con, NET_OPT_REUSEADDR, 1), 0);
	assert_int_equal(udp_setopt(any, NET_OPT_REUSEADDR, 1), 0);
	assert_int_equal(udp_bind(con, 0, 6000), 0);
	assert_int_equal(udp_remote(con, &addr, &port), -ENOTCONN);
	assert_int_equal(udp_connect(con, T_PEER_IP, 1234), 0);
	assert_int_equal(udp_remote(con, &addr, &port), 0);
	assert_int_equal(addr, T_PEER_IP);
	assert_int_equal(port, 1234);
	udp_local(con, &addr, &port);
	assert_int_equal(addr, T_US_IP); /* the source it will use */
	assert_int_equal(port, 6000);
	/* From the connected peer: the connected pcb, the more specific. */
	rx_udp(&e, T_US_IP, 6000, "peer", 4);
	assert_int_equal(
		udp_recvfrom(con, buf, sizeof(buf), 0, NULL, NULL, NULL), 4);
	assert_int_equal(
		udp_recvfrom(any, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	/* From another source: only the unconnected one. */
	uint8_t l4[64], f[128];
	size_t n = t_udp(l4, T_GW_IP, T_US_IP, 1234, 6000, "gw", 2, true);
	t_rx(&e, f, t_ip_frame(f, T_GW_IP, T_US_IP, IP_PROTO_UDP, 2, 0, l4, n));
	assert_int_equal(
		udp_recvfrom(con, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	assert_int_equal(
		udp_recvfrom(any, buf, sizeof(buf), 0, &addr, &port, NULL), 2);
	assert_int_equal(addr, T_GW_IP);
	/* Sends with no address go to the peer. */
	t_env_learn(&e);
	assert_int_equal(udp_sendto(con, "q", 1, 0, 0), 1);
	size_t len;
	struct netbuf *nb = take(&e);
	const uint8_t *u =
		ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_UDP, &len);
	assert_int_equal(net_get16(u), 6000);
	assert_int_equal(net_get16(u + 2), 1234);
	netbuf_put(nb);
	/* Dissolved: unconnected again, and sendto needs an address. */
	assert_int_equal(udp_connect(con, 0, 0), 0);
	assert_int_equal(udp_remote(con, &addr, &port), -ENOTCONN);
	udp_local(con, &addr, &port);
	assert_int_equal(addr, 0);
	assert_int_equal(udp_sendto(con, "q", 1, 0, 0), -EDESTADDRREQ);
	expect_none(&e);
	udp_close(any);
	udp_close(con);
	t_env_down(&e);
}

static void test_udp_recv_trunc_peek(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t data[100], buf[100];
	bool trunc;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	rx_udp(&e, T_US_IP, 7000, data, 100);
	rx_udp(&e, T_US_IP, 7000, data, 0);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(
		udp_recvfrom(pcb, buf, 10, NET_MSG_PEEK, NULL, NULL, &trunc),
		10);
	assert_true(trunc);
	assert_memory_equal(buf, data, 10);
	assert_int_equal(buf[10], 0xee);
	/* Still there: now taken, its full length told. */
	assert_int_equal(
		udp_recvfrom(pcb, buf, 20, NET_MSG_TRUNC, NULL, NULL, &trunc),
		100);
	assert_true(trunc);
	assert_memory_equal(buf, data, 20);
	/* The empty datagram, then nothing. */
	assert_int_equal(udp_poll(pcb), NET_POLLOUT | NET_POLLIN);
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, &trunc), 0);
	assert_false(trunc);
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, &trunc),
		-EAGAIN);
	assert_int_equal(udp_poll(pcb), NET_POLLOUT);
	udp_close(pcb);
	t_env_down(&e);
}

static unsigned int notified;

static void count_notify(void *arg, unsigned int events)
{
	assert_ptr_equal(arg, &notified);
	if (events & NET_POLLIN)
		notified++;
}

static void test_udp_rcvbuf_bound(void **state)
{
	(void)state;
	struct t_env e;
	static uint8_t data[400];
	int v;

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	notified = 0;
	udp_set_notify(pcb, count_notify, &notified);
	assert_int_equal(udp_setopt(pcb, NET_OPT_RCVBUF, 1000), 0);
	assert_int_equal(udp_getopt(pcb, NET_OPT_RCVBUF, &v), 0);
	assert_int_equal(v, 1000);
	for (int i = 0; i < 3; i++)
		rx_udp(&e, T_US_IP, 7000, data, sizeof(data));
	assert_int_equal(t_ctr(&e, NC_udp_rcvbuf_full), 1);
	assert_int_equal(notified, 2);
	/* Room again after a read. */
	assert_int_equal(udp_recvfrom(pcb, NULL, 0, 0, NULL, NULL, NULL), 0);
	rx_udp(&e, T_US_IP, 7000, data, sizeof(data));
	assert_int_equal(t_ctr(&e, NC_udp_rcvbuf_full), 1);
	/* Empty datagrams are bounded by count. */
	for (int i = 0; i < 300; i++)
		rx_udp(&e, T_US_IP, 7000, data, 0);
	assert_int_equal(t_ctr(&e, NC_udp_rcvbuf_full), 1 + 300 - (256 - 2));
	assert_int_equal(udp_setopt(pcb, NET_OPT_RCVBUF, -1), -EINVAL);
	assert_int_equal(udp_setopt(pcb, NET_OPT_KEEPALIVE, 1), -ENOPROTOOPT);
	expect_none(&e);
	udp_close(pcb); /* frees what is queued */
	t_env_down(&e);
}

static void test_udp_checksums(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t l4[64], f[128], buf[16];

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	/* No checksum (0): accepted. */
	size_t n = t_udp(l4, T_PEER_IP, T_US_IP, 1, 7000, "nocsum", 6, false);
	t_rx(&e, f,
	     t_ip_frame(f, T_PEER_IP, T_US_IP, IP_PROTO_UDP, 1, 0, l4, n));
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, NULL), 6);
	/* One bit off: dropped and counted. */
	n = t_udp(l4, T_PEER_IP, T_US_IP, 1, 7000, "badsum", 6, true);
	l4[9] ^= 0x10;
	t_rx(&e, f,
	     t_ip_frame(f, T_PEER_IP, T_US_IP, IP_PROTO_UDP, 2, 0, l4, n));
	assert_int_equal(t_ctr(&e, NC_udp_bad_csum), 1);
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	/* What we send checks, done in software and by "the device". */
	t_env_learn(&e);
	for (int offload = 0; offload < 2; offload++) {
		if (offload)
			e.port.fp_ni.ni_flags |= NETIF_TX_CSUM;
		assert_int_equal(udp_sendto(pcb, "sum me", 6, T_PEER_IP, 5), 6);
		size_t len;
		struct netbuf *nb = take(&e);
		const uint8_t *u = ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP,
					 IP_PROTO_UDP, &len);
		assert_int_equal(len, 14);
		assert_true(net_get16(u + 6) != 0);
		assert_true(
			t_csum_ok(u, len, udp_pseudo(T_US_IP, T_PEER_IP, 14)));
		netbuf_put(nb);
	}
	/* A datagram whose sum comes out as zero is sent as 0xffff (RFC
	 * 768): the last two payload bytes make it so. */
	e.port.fp_ni.ni_flags &= ~NETIF_TX_CSUM;
	uint8_t d[4] = { 'z', 'z', 0, 0 };
	uint32_t sum = udp_pseudo(T_US_IP, T_PEER_IP, 12);
	sum += 7000 + 5 + 12 + ('z' << 8 | 'z');
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	net_put16(d + 2, (uint16_t)~sum);
	assert_int_equal(udp_sendto(pcb, d, 4, T_PEER_IP, 5), 4);
	size_t len;
	struct netbuf *nb = take(&e);
	const uint8_t *u =
		ip_of(nb, t_peer_mac, T_US_IP, T_PEER_IP, IP_PROTO_UDP, &len);
	assert_int_equal(net_get16(u + 6), 0xffff);
	assert_true(t_csum_ok(u, len, udp_pseudo(T_US_IP, T_PEER_IP, 12)));
	netbuf_put(nb);
	expect_none(&e);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_udp_broadcast_needs_option(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t buf[8];
	size_t len;

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 7000);
	struct udp_pcb *bound = udp_open(&e, T_US_IP, 7001);
	assert_int_equal(udp_sendto(pcb, "b", 1, IP4_BROADCAST, 7), -EACCES);
	assert_int_equal(udp_sendto(pcb, "b", 1, T_BCAST_IP, 7), -EACCES);
	assert_int_equal(udp_connect(pcb, T_BCAST_IP, 7), -EACCES);
	expect_none(&e);
	assert_int_equal(udp_setopt(pcb, NET_OPT_BROADCAST, 1), 0);
	assert_int_equal(udp_sendto(pcb, "b", 1, IP4_BROADCAST, 7), 1);
	assert_int_equal(udp_sendto(pcb, "c", 1, T_BCAST_IP, 7), 1);
	struct netbuf *nb = take(&e);
	ip_of(nb, t_bcast_mac, T_US_IP, IP4_BROADCAST, IP_PROTO_UDP, &len);
	netbuf_put(nb);
	nb = take(&e);
	ip_of(nb, t_bcast_mac, T_US_IP, T_BCAST_IP, IP_PROTO_UDP, &len);
	netbuf_put(nb);
	/* Received broadcasts go to wildcard-bound pcbs only. */
	uint8_t l4[32], f[100];
	size_t n = t_udp(l4, T_PEER_IP, T_BCAST_IP, 1, 7000, "all", 3, true);
	size_t fl = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_BCAST_IP, IP_PROTO_UDP, 1, 0, NULL, 0,
		   n);
	memcpy(f + fl, l4, n);
	t_rx(&e, f, fl + n);
	assert_int_equal(
		udp_recvfrom(pcb, buf, sizeof(buf), 0, NULL, NULL, NULL), 3);
	n = t_udp(l4, T_PEER_IP, T_BCAST_IP, 1, 7001, "all", 3, true);
	fl = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_IP);
	fl += t_ip(f + fl, T_PEER_IP, T_BCAST_IP, IP_PROTO_UDP, 1, 0, NULL, 0,
		   n);
	memcpy(f + fl, l4, n);
	t_rx(&e, f, fl + n);
	assert_int_equal(
		udp_recvfrom(bound, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	assert_int_equal(t_ctr(&e, NC_udp_no_port), 1);
	expect_none(&e);
	udp_close(pcb);
	udp_close(bound);
	t_env_down(&e);
}

static void test_udp_dhcp_style(void **state)
{
	(void)state;
	struct t_env e;
	uint8_t l4[64], f[128], buf[16];
	size_t len;
	uint32_t a;

	t_env_up(&e);
	netif_set_addr(&e.port.fp_ni, 0, 0, 0);
	struct udp_pcb *pcb = udp_open(&e, 0, 68);
	assert_int_equal(udp_setopt(pcb, NET_OPT_BROADCAST, 1), 0);
	/* Unconfigured, no route: only through the interface. */
	assert_int_equal(udp_sendto(pcb, "disc", 4, IP4_BROADCAST, 67),
			 -ENETUNREACH);
	udp_set_netif(pcb, &e.port.fp_ni);
	assert_int_equal(udp_sendto(pcb, "disc", 4, IP4_BROADCAST, 67), 4);
	struct netbuf *nb = take(&e);
	const uint8_t *u =
		ip_of(nb, t_bcast_mac, 0, IP4_BROADCAST, IP_PROTO_UDP, &len);
	assert_int_equal(net_get16(u), 68);
	assert_int_equal(net_get16(u + 2), 67);
	assert_true(t_csum_ok(u, len, udp_pseudo(0, IP4_BROADCAST, len)));
	netbuf_put(nb);
	/* The offer, unicast to the address we do not have yet. */
	uint32_t offered = net_ip4(10, 0, 0, 77);
	size_t n = t_udp(l4, T_GW_IP, offered, 67, 68, "offer", 5, true);
	t_rx(&e, f, t_ip_frame(f, T_GW_IP, offered, IP_PROTO_UDP, 1, 0, l4, n));
	assert_int_equal(udp_recvfrom(pcb, buf, sizeof(buf), 0, &a, NULL, NULL),
			 5);
	assert_int_equal(a, T_GW_IP);
	/* Configured, unicast to another address is not ours any more. */
	netif_set_addr(&e.port.fp_ni, offered, T_MASK, T_GW_IP);
	fake_port_flush(&e.port);
	n = t_udp(l4, T_GW_IP, net_ip4(10, 0, 0, 78), 67, 68, "offer", 5, true);
	t_rx(&e, f,
	     t_ip_frame(f, T_GW_IP, net_ip4(10, 0, 0, 78), IP_PROTO_UDP, 2, 0,
			l4, n));
	assert_int_equal(t_ctr(&e, NC_ip_not_ours), 1);
	udp_set_netif(pcb, NULL);
	udp_close(pcb);
	t_env_down(&e);
}

static void test_udp_send_errors(void **state)
{
	(void)state;
	struct t_env e;
	static uint8_t big[65508];

	t_env_up(&e);
	struct udp_pcb *pcb = udp_open(&e, 0, 0);
	assert_int_equal(udp_sendto(pcb, big, sizeof(big), T_PEER_IP, 9),
			 -EMSGSIZE);
	assert_int_equal(udp_sendto(pcb, big, 1, T_PEER_IP, 0), -EINVAL);
	assert_int_equal(udp_connect(pcb, T_PEER_IP, 0), -EINVAL);
	netif_set_addr(&e.port.fp_ni, T_US_IP, T_MASK, 0);
	fake_port_flush(&e.port);
	assert_int_equal(udp_sendto(pcb, big, 1, net_ip4(8, 8, 8, 8), 53),
			 -ENETUNREACH);
	assert_int_equal(udp_connect(pcb, net_ip4(8, 8, 8, 8), 53),
			 -ENETUNREACH);
	/* Over loopback a maximum datagram goes whole. */
	struct udp_pcb *srv = udp_open(&e, 0, 9);
	assert_int_equal(udp_setopt(srv, NET_OPT_RCVBUF, 70000), 0);
	big[0] = 1;
	big[65506] = 2;
	assert_int_equal(udp_sendto(pcb, big, 65507, net_ip4(127, 0, 0, 1), 9),
			 65507);
	netstack_process(&e.ns);
	static uint8_t back[65507];
	assert_int_equal(
		udp_recvfrom(srv, back, sizeof(back), 0, NULL, NULL, NULL),
		65507);
	assert_memory_equal(back, big, 65507);
	int ttl;
	assert_int_equal(udp_getopt(pcb, NET_OPT_TTL, &ttl), 0);
	assert_int_equal(ttl, 64);
	assert_int_equal(udp_setopt(pcb, NET_OPT_TTL, 0), -EINVAL);
	assert_int_equal(udp_setopt(pcb, NET_OPT_TTL, 5), 0);
	assert_int_equal(udp_getopt(pcb, NET_OPT_TTL, &ttl), 0);
	assert_int_equal(ttl, 5);
	expect_none(&e);
	udp_close(pcb);
	udp_close(srv);
	t_env_down(&e);
}

/* ---- Two stacks over the fake link (the helper the TCP tests use). */

static void test_two_stacks_over_link(void **state)
{
	(void)state;
	struct netstack a, b;
	struct fake_link l;
	struct udp_pcb *pa, *pb;
	uint8_t buf[64];
	uint32_t from;
	struct netbuf_stats st;

	fake_net_set_time(SEC);
	netbuf_get_stats(&st);
	uint64_t live0 = st.ns_live;
	assert_int_equal(netstack_init(&a), 0);
	assert_int_equal(netstack_init(&b), 0);
	fake_link_init(&l, 1);
	assert_int_equal(netif_add(&a, &l.fl_a.fp_ni), 0);
	assert_int_equal(netif_add(&b, &l.fl_b.fp_ni), 0);
	netif_set_addr(&l.fl_a.fp_ni, net_ip4(192, 168, 0, 1),
		       net_ip4(255, 255, 255, 0), 0);
	netif_set_addr(&l.fl_b.fp_ni, net_ip4(192, 168, 0, 2),
		       net_ip4(255, 255, 255, 0), 0);
	assert_int_equal(udp_pcb_new(&a, &pa), 0);
	assert_int_equal(udp_pcb_new(&b, &pb), 0);
	assert_int_equal(udp_bind(pb, 0, 53), 0);
	/* ARP, then the datagram (and, with some frames duplicated and
	 * reordered, still exactly one copy of each datagram: UDP does
	 * not hide duplicates, so the knobs stay off for the count). */
	assert_int_equal(
		udp_sendto(pa, "query", 5, net_ip4(192, 168, 0, 2), 53), 5);
	fake_link_run(&l, 10);
	assert_int_equal(
		udp_recvfrom(pb, buf, sizeof(buf), 0, &from, NULL, NULL), 5);
	assert_memory_equal(buf, "query", 5);
	assert_int_equal(from, net_ip4(192, 168, 0, 1));
	/* Corruption is caught by the checksums. */
	l.fl_corrupt_pm = 1000;
	for (int i = 0; i < 20; i++)
		assert_int_equal(
			udp_sendto(pa, "query", 5, net_ip4(192, 168, 0, 2), 53),
			5);
	fake_link_run(&l, 10);
	assert_int_equal(l.fl_corrupted, 20);
	assert_int_equal(
		udp_recvfrom(pb, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	/* Loss. */
	l.fl_corrupt_pm = 0;
	l.fl_loss_pm = 500;
	for (int i = 0; i < 100; i++)
		assert_int_equal(
			udp_sendto(pa, "query", 5, net_ip4(192, 168, 0, 2), 53),
			5);
	fake_link_run(&l, 10);
	int got = 0;
	while (udp_recvfrom(pb, buf, sizeof(buf), 0, NULL, NULL, NULL) == 5)
		got++;
	assert_int_equal((uint64_t)got + l.fl_lost, 100);
	assert_true(got > 20 && got < 80);
	/* Every frame duplicated: UDP hands both copies up. */
	l.fl_loss_pm = 0;
	l.fl_dup_pm = 1000;
	assert_int_equal(
		udp_sendto(pa, "twice", 5, net_ip4(192, 168, 0, 2), 53), 5);
	fake_link_run(&l, 10);
	assert_int_equal(l.fl_duped, 1);
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			udp_recvfrom(pb, buf, sizeof(buf), 0, NULL, NULL, NULL),
			5);
	assert_int_equal(
		udp_recvfrom(pb, buf, sizeof(buf), 0, NULL, NULL, NULL),
		-EAGAIN);
	/* Reordered: all arrive, not all in order. */
	l.fl_dup_pm = 0;
	l.fl_reorder_pm = 500;
	for (uint8_t i = 0; i < 50; i++)
		assert_int_equal(
			udp_sendto(pa, &i, 1, net_ip4(192, 168, 0, 2), 53), 1);
	fake_link_run(&l, 10);
	assert_true(l.fl_reordered > 0);
	unsigned int seen = 0, out_of_order = 0;
	uint64_t mask = 0;
	while (udp_recvfrom(pb, buf, sizeof(buf), 0, NULL, NULL, NULL) == 1) {
		if (buf[0] != seen)
			out_of_order++;
		mask |= 1ull << buf[0];
		seen++;
	}
	assert_int_equal(seen, 50);
	assert_int_equal(mask, (1ull << 50) - 1);
	assert_true(out_of_order > 0);
	udp_close(pa);
	udp_close(pb);
	netstack_destroy(&a);
	netstack_destroy(&b);
	fake_link_fini(&l);
	assert_int_equal(a.ns_mem_bytes, 0);
	assert_int_equal(b.ns_mem_bytes, 0);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_live, live0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_filters),
		cmocka_unit_test(test_arp_reply_to_request),
		cmocka_unit_test(test_arp_no_learning_from_strangers),
		cmocka_unit_test(test_arp_conflict),
		cmocka_unit_test(test_arp_gratuitous),
		cmocka_unit_test(test_arp_resolve_holds_bounded),
		cmocka_unit_test(test_arp_retries_then_gives_up),
		cmocka_unit_test(test_arp_entry_expires_and_reprobes),
		cmocka_unit_test(test_arp_cache_bound_lru),
		cmocka_unit_test(test_arp_all_pending_refuses),
		cmocka_unit_test(test_csum_add_matches_rfc1071),
		cmocka_unit_test(test_ip_routes),
		cmocka_unit_test(test_loopback_delivery),
		cmocka_unit_test(test_ip_fragments_output),
		cmocka_unit_test(test_ip_tso_super_frame),
		cmocka_unit_test(test_ip_reassembly_any_order),
		cmocka_unit_test(test_ip_reassembly_timeout),
		cmocka_unit_test(test_ip_reassembly_memory_bound),
		cmocka_unit_test(test_ip_reassembly_datagram_bound),
		cmocka_unit_test(test_icmp_echo_reply_exact),
		cmocka_unit_test(test_icmp_port_unreachable),
		cmocka_unit_test(test_icmp_never_about_errors),
		cmocka_unit_test(test_icmp_rate_limited),
		cmocka_unit_test(test_icmp_errors_reach_transports),
		cmocka_unit_test(test_udp_bind_rules),
		cmocka_unit_test(test_udp_connect_filters),
		cmocka_unit_test(test_udp_recv_trunc_peek),
		cmocka_unit_test(test_udp_rcvbuf_bound),
		cmocka_unit_test(test_udp_checksums),
		cmocka_unit_test(test_udp_broadcast_needs_option),
		cmocka_unit_test(test_udp_dhcp_style),
		cmocka_unit_test(test_udp_send_errors),
		cmocka_unit_test(test_two_stacks_over_link),
	};

	return cmocka_run_group_tests_name("l3", tests, NULL, NULL);
}

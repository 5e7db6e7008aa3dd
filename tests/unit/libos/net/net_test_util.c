/* SPDX-License-Identifier: MIT */
/* Fixtures and frame builders for the stack's host tests
 * (net_test_util.h). */
#include "net_test_util.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "fake_netenv.h"

const uint8_t t_us_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t t_peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x03 };
const uint8_t t_gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
const uint8_t t_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* RFC 1071, written plainly and independently of the stack's. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint32_t sum = sum16(0, (const uint8_t *)&src, 4);
	sum = sum16(sum, (const uint8_t *)&dst, 4);
	return sum + proto + (uint32_t)len;
}

bool t_csum_ok(const void *p, size_t len, uint32_t ps)
{
	return fold(sum16(ps, p, len)) == 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t t_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
	     uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
	return 14;
}

size_t t_arp(uint8_t *p, uint16_t op, const uint8_t sha[6], uint32_t spa,
	     const uint8_t tha[6], uint32_t tpa)
{
	put16(p, 1);
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, &spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, &tpa, 4);
	return 28;
}

size_t t_ip(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
	    uint16_t frag, const void *opt, size_t optlen, size_t payload_len)
{
	size_t hlen = 20 + optlen;

	memset(p, 0, 20);
	p[0] = (uint8_t)(0x40 | hlen / 4);
	put16(p + 2, (uint16_t)(hlen + payload_len));
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	if (optlen > 0)
		memcpy(p + 20, opt, optlen);
	put16(p + 10, fold(sum16(0, p, hlen)));
	return hlen;
}

size_t t_udp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
	     uint16_t dport, const void *data, size_t len, bool csum)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + len));
	put16(p + 6, 0);
	if (len > 0)
		memcpy(p + 8, data, len);
	if (csum) {
		uint16_t c =
			fold(sum16(pseudo(src, dst, 17, 8 + len), p, 8 + len));
		put16(p + 6, c == 0 ? 0xffff : c);
	}
	return 8 + len;
}

size_t t_icmp(uint8_t *p, uint8_t type, uint8_t code, uint32_t rest,
	      const void *data, size_t len)
{
	p[0] = type;
	p[1] = code;
	put16(p + 2, 0);
	put16(p + 4, (uint16_t)(rest >> 16));
	put16(p + 6, (uint16_t)rest);
	if (len > 0)
		memcpy(p + 8, data, len);
	put16(p + 2, fold(sum16(0, p, 8 + len)));
	return 8 + len;
}

size_t t_ip_frame(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
		  uint16_t id, uint16_t frag, const void *l4, size_t len)
{
	size_t n = t_eth(p, t_us_mac, t_peer_mac, ETH_TYPE_IP);
	n += t_ip(p + n, src, dst, proto, id, frag, NULL, 0, len);
	memcpy(p + n, l4, len);
	return n + len;
}

void t_rx(struct t_env *e, const void *frame, size_t len)
{
	/* Like a driver's buffer: some headroom, the frame, some slack. */
	struct netbuf *nb = netbuf_alloc(64, len + 64);

	assert_non_null(nb);
	memcpy(netbuf_append(nb, len), frame, len);
	ether_input(&e->port.fp_ni, nb);
	netstack_process(&e->ns);
}

uint64_t t_ctr(const struct t_env *e, enum net_ctr c)
{
	return e->ns.ns_ctr[c];
}

void t_ctr_snap(const struct t_env *e, uint64_t snap[NC__COUNT])
{
	memcpy(snap, e->ns.ns_ctr, sizeof(e->ns.ns_ctr));
}

void t_ctr_only(const struct t_env *e, const uint64_t snap[NC__COUNT],
		const enum net_ctr *want)
{
	for (unsigned int c = 0; c < NC__COUNT; c++) {
		uint64_t expect = snap[c];
		for (const enum net_ctr *w = want; *w != NC__COUNT; w++)
			if (*w == c)
				expect++;
		if (e->ns.ns_ctr[c] != expect)
			fail_msg("counter %s: %llu, expected %llu",
				 net_counter_name((enum net_ctr)c),
				 (unsigned long long)e->ns.ns_ctr[c],
				 (unsigned long long)expect);
	}
}

void t_env_up(struct t_env *e)
{
	struct netbuf_stats st;

	memset(e, 0, sizeof(*e));
	fake_net_set_time(1000000000ull);
	fake_net_seed(7);
	netbuf_get_stats(&st);
	e->live0 = st.ns_live;
	assert_int_equal(netstack_init(&e->ns), 0);
	fake_port_init(&e->port, "eth0", t_us_mac, 1500);
	assert_int_equal(netif_add(&e->ns, &e->port.fp_ni), 0);
	netif_set_addr(&e->port.fp_ni, T_US_IP, T_MASK, T_GW_IP);
	fake_port_flush(&e->port);
}

void t_env_down(struct t_env *e)
{
	struct netbuf_stats st;

	netstack_destroy(&e->ns);
	fake_port_flush(&e->port);
	assert_int_equal(e->ns.ns_mem_bytes, 0);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_live, e->live0);
}

void t_env_learn(struct t_env *e)
{
	static const uint8_t zero[6];
	uint8_t f[64];
	size_t n;

	n = t_eth(f, t_bcast_mac, t_peer_mac, ETH_TYPE_ARP);
	n += t_arp(f + n, 1, t_peer_mac, T_PEER_IP, zero, T_US_IP);
	t_rx(e, f, n);
	n = t_eth(f, t_bcast_mac, t_gw_mac, ETH_TYPE_ARP);
	n += t_arp(f + n, 1, t_gw_mac, T_GW_IP, zero, T_US_IP);
	t_rx(e, f, n);
	fake_port_flush(&e->port);
}

/* SPDX-License-Identifier: MIT */
/*
 * libos/net/dhcp.c over the real stack (Ethernet, ARP, IPv4, UDP) on a
 * captured interface: the DISCOVER leaves as an Ethernet and IP
 * broadcast from 0.0.0.0:68 to 255.255.255.255:67 with a correct UDP
 * checksum; broadcast OFFER and ACK frames (built here byte by byte)
 * reach the client through the pcb's notify hook and the timer; the ACK
 * configures the interface (gratuitous ARP); at T1 the renewal is routed
 * as unicast from our address, ARP first; a datagram to port 68 from
 * another port is counted in NC_dhcp_bad; every byte and netbuf comes
 * back after dhcp_stop().
 */
#include <net/dhcp.h>

#include <kernel/errno.h>
#include <net/ip.h>

#include "fake_netenv.h"
#include "net_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define S 1000000000ull
#define LEASE 600u
#define DNS_IP net_ip4(10, 0, 0, 53)

static unsigned int changes;

static void on_change(void *arg)
{
	assert_ptr_equal(arg, &changes);
	changes++;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t raw32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Takes the next frame sent: checks it is IPv4/UDP from port 68 to 67
 * with good checksums, and returns its DHCP payload (copied to out). */
static size_t take_dhcp(struct t_env *e, uint32_t src, uint32_t dst,
			const uint8_t dst_mac[6], uint8_t *out)
{
	struct netbuf *nb = fake_port_take(&e->port);

	assert_non_null(nb);
	const uint8_t *f = nb->nb_data;
	size_t len = nb->nb_len;
	assert_true(len >= 14 + 20 + 8 + 240);
	assert_memory_equal(f, dst_mac, 6);
	assert_memory_equal(f + 6, t_us_mac, 6);
	assert_int_equal(get16(f + 12), ETH_TYPE_IP);
	const uint8_t *ip = f + 14;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[9], IP_PROTO_UDP);
	assert_int_equal(raw32(ip + 12), src);
	assert_int_equal(raw32(ip + 16), dst);
	assert_true(t_csum_ok(ip, 20, 0));
	const uint8_t *udp = ip + 20;
	size_t ulen = get16(udp + 4);
	assert_int_equal(get16(ip + 2), 20 + ulen);
	assert_int_equal(get16(udp), 68);
	assert_int_equal(get16(udp + 2), 67);
	/* The pseudo-header sum, written out: addresses, protocol, length. */
	uint32_t ps = (uint32_t)get16(ip + 12) + get16(ip + 14) +
		      get16(ip + 16) + get16(ip + 18) + 17 + (uint32_t)ulen;
	assert_true(t_csum_ok(udp, ulen, ps));
	memcpy(out, udp + 8, ulen - 8);
	netbuf_put(nb);
	return ulen - 8;
}

static uint32_t xid_of(const uint8_t *m)
{
	return (uint32_t)m[4] << 24 | (uint32_t)m[5] << 16 |
	       (uint32_t)m[6] << 8 | m[7];
}

static size_t opt(uint8_t *p, uint8_t code, const void *v, uint8_t len)
{
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, v, len);
	return 2u + len;
}

/* A server reply of `type` for xid, as a whole frame from the gateway
 * (the server) to broadcast, from UDP port sport. */
static size_t reply_frame(uint8_t *frame, uint32_t xid, uint8_t type,
			  uint16_t sport)
{
	uint8_t m[300] = { 0 }, udp[400];
	uint32_t yi = T_US_IP, srv = T_GW_IP, mask = T_MASK, gw = T_GW_IP;
	uint32_t dns = DNS_IP;
	uint8_t lease[4] = { 0, 0, LEASE >> 8, LEASE & 0xff };
	size_t n = 240;

	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	m[4] = (uint8_t)(xid >> 24);
	m[5] = (uint8_t)(xid >> 16);
	m[6] = (uint8_t)(xid >> 8);
	m[7] = (uint8_t)xid;
	memcpy(m + 16, &yi, 4);
	memcpy(m + 28, t_us_mac, 6);
	m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
	n += opt(m + n, 53, &type, 1);
	n += opt(m + n, 54, &srv, 4);
	n += opt(m + n, 1, &mask, 4);
	n += opt(m + n, 3, &gw, 4);
	n += opt(m + n, 6, &dns, 4);
	n += opt(m + n, 51, lease, 4);
	m[n] = 255;

	size_t ulen =
		t_udp(udp, srv, IP4_BROADCAST, sport, 68, m, sizeof(m), true);
	size_t f = t_eth(frame, t_bcast_mac, t_gw_mac, ETH_TYPE_IP);
	f += t_ip(frame + f, srv, IP4_BROADCAST, IP_PROTO_UDP, 1, 0, NULL, 0,
		  ulen);
	memcpy(frame + f, udp, ulen);
	return f + ulen;
}

/* What netd does after input: the timers that are due. */
static void run_timers(struct t_env *e)
{
	netstack_run_timers(&e->ns, net_now_ns());
	netstack_process(&e->ns);
}

static void test_dhcp_over_stack(void **state)
{
	struct t_env e;
	struct dhcp_client *dc;
	struct dhcp_lease l;
	uint8_t m[600], frame[700];
	(void)state;

	t_env_up(&e);
	netif_set_addr(&e.port.fp_ni, 0, 0, 0);
	fake_port_flush(&e.port);
	changes = 0;

	assert_int_equal(
		dhcp_start(&e.ns, &e.port.fp_ni, on_change, &changes, &dc), 0);
	netstack_process(&e.ns);
	size_t len = take_dhcp(&e, 0, IP4_BROADCAST, t_bcast_mac, m);
	assert_int_equal(len, 300);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[242], 1); /* DISCOVER */
	assert_null(fake_port_take(&e.port));
	uint32_t xid = xid_of(m);

	/* From the wrong port: dropped and counted. */
	t_rx(&e, frame, reply_frame(frame, xid, 2, 6767));
	run_timers(&e);
	assert_int_equal(t_ctr(&e, NC_dhcp_bad), 1);
	assert_null(fake_port_take(&e.port));

	/* OFFER: a broadcast REQUEST. */
	t_rx(&e, frame, reply_frame(frame, xid, 2, 67));
	run_timers(&e);
	len = take_dhcp(&e, 0, IP4_BROADCAST, t_bcast_mac, m);
	assert_int_equal(m[242], 3);
	assert_int_equal(xid_of(m), xid);

	/* ACK: configured, announced. */
	t_rx(&e, frame, reply_frame(frame, xid, 5, 67));
	run_timers(&e);
	assert_int_equal(changes, 1);
	assert_int_equal(e.port.fp_ni.ni_addr, T_US_IP);
	assert_int_equal(e.port.fp_ni.ni_mask, T_MASK);
	assert_int_equal(e.port.fp_ni.ni_gw, T_GW_IP);
	assert_true(e.port.fp_ni.ni_flags & NETIF_CONFIGURED);
	assert_int_equal(dhcp_get_lease(dc, &l), 0);
	assert_int_equal(l.dl_dns[0], DNS_IP);
	struct netbuf *nb = fake_port_take(&e.port);
	assert_non_null(nb);
	assert_int_equal(get16(nb->nb_data + 12), ETH_TYPE_ARP);
	netbuf_put(nb);
	assert_null(fake_port_take(&e.port));
	assert_int_equal(t_ctr(&e, NC_dhcp_bad), 1);

	/* T1: the renewal is routed to the server, which we ARP for
	 * first. */
	fake_net_advance(LEASE / 2 * S);
	run_timers(&e);
	nb = fake_port_take(&e.port);
	assert_non_null(nb);
	assert_int_equal(get16(nb->nb_data + 12), ETH_TYPE_ARP);
	assert_int_equal(raw32(nb->nb_data + 14 + 24), T_GW_IP);
	netbuf_put(nb);
	size_t n = t_eth(frame, t_us_mac, t_gw_mac, ETH_TYPE_ARP);
	n += t_arp(frame + n, 2, t_gw_mac, T_GW_IP, t_us_mac, T_US_IP);
	t_rx(&e, frame, n);
	len = take_dhcp(&e, T_US_IP, T_GW_IP, t_gw_mac, m);
	assert_int_equal(m[242], 3);
	assert_int_equal(raw32(m + 12), T_US_IP); /* ciaddr */

	dhcp_stop(dc);
	t_env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_over_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

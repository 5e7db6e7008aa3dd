/* SPDX-License-Identifier: MIT */
/*
 * TCP over the whole real stack: two instances with Ethernet, ARP, IPv4
 * and ICMP (libos/net), joined by tests/unit/libos/net/netlink_fake.c's
 * wire, which loses, duplicates, reorders and corrupts frames. One end
 * offloads its transmit checksums to the "device" and the other computes
 * them in software, so the partial-checksum contract between TCP and
 * ip_output() is exercised both ways. MiBs cross in each direction and
 * are checked byte by byte; then both sides close and both stacks must
 * return every byte and netbuf. Also one transfer over the loopback
 * interface within one stack. Clock, randomness and heap are
 * tests/unit/fakes/fake_netenv.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernel/errno.h>
#include <net/tcp.h>

#include "fake_netenv.h"
#include "netlink_fake.h"
#include "tcp_impl.h"

struct end {
	struct tcp_pcb *pcb;
	size_t sent, received;
	uint8_t pattern;
};

static size_t total;

static uint8_t pattern(const struct end *e, size_t off)
{
	uint64_t x = (off + 7) * 0xd6e8feb86659fd93ull;

	return (uint8_t)(x >> 56) ^ e->pattern ^ (uint8_t)(off >> 3);
}

/* Writes what fits, reads and checks what arrived. */
static void pump(struct end *e, const struct end *peer)
{
	static uint8_t buf[32768];
	ssize_t r;

	while (e->sent < total) {
		size_t n = total - e->sent < sizeof(buf) ? total - e->sent
							 : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(e, e->sent + i);
		r = tcp_send(e->pcb, buf, n, 0);
		if (r == -EAGAIN)
			break;
		assert_true(r > 0);
		e->sent += (size_t)r;
	}
	while ((r = tcp_recv(e->pcb, buf, sizeof(buf), 0)) > 0) {
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(peer, e->received + (size_t)i))
				fail_msg("byte %zu differs",
					 e->received + (size_t)i);
		e->received += (size_t)r;
	}
}

/* Runs the stacks' timers at the earliest deadline. False when none. */
static bool tick(struct netstack *a, struct netstack *b)
{
	uint64_t d = netstack_next_deadline(a);

	if (netstack_next_deadline(b) < d)
		d = netstack_next_deadline(b);
	if (d == UINT64_MAX)
		return false;
	if (d > net_now_ns())
		fake_net_set_time(d);
	netstack_run_timers(a, net_now_ns());
	netstack_run_timers(b, net_now_ns());
	netstack_process(a);
	netstack_process(b);
	return true;
}

static void wire(struct fake_link *l, struct netstack *a, struct netstack *b)
{
	if (fake_link_run(l, 64) == 0)
		assert_true(tick(a, b));
}

static void run_pair(uint64_t seed, unsigned int loss, unsigned int dup,
		     unsigned int reorder, unsigned int corrupt, size_t bytes)
{
	struct netstack a, b;
	struct fake_link l;
	struct end ea = { .pattern = 0x11 }, eb = { .pattern = 0x77 };
	struct tcp_pcb *lsn;
	struct netbuf_stats st;

	fake_net_set_time(1000000000ull);
	fake_net_seed(seed);
	netbuf_get_stats(&st);
	uint64_t live0 = st.ns_live;
	total = bytes;
	assert_int_equal(netstack_init(&a), 0);
	assert_int_equal(netstack_init(&b), 0);
	fake_link_init(&l, seed);
	l.fl_a.fp_ni.ni_flags |= NETIF_TX_CSUM; /* a offloads, b does not */
	assert_int_equal(netif_add(&a, &l.fl_a.fp_ni), 0);
	assert_int_equal(netif_add(&b, &l.fl_b.fp_ni), 0);
	uint32_t mask = net_ip4(255, 255, 255, 0);
	netif_set_addr(&l.fl_a.fp_ni, net_ip4(10, 0, 0, 1), mask, 0);
	netif_set_addr(&l.fl_b.fp_ni, net_ip4(10, 0, 0, 2), mask, 0);
	fake_link_run(&l, 8);
	uint64_t mem_a = a.ns_mem_bytes, mem_b = b.ns_mem_bytes;
	l.fl_loss_pm = loss;
	l.fl_dup_pm = dup;
	l.fl_reorder_pm = reorder;
	l.fl_corrupt_pm = corrupt;

	assert_int_equal(tcp_pcb_new(&b, &lsn), 0);
	assert_int_equal(tcp_bind(lsn, 0, 7), 0);
	assert_int_equal(tcp_listen(lsn, 1), 0);
	assert_int_equal(tcp_pcb_new(&a, &ea.pcb), 0);
	assert_int_equal(tcp_connect(ea.pcb, net_ip4(10, 0, 0, 2), 7),
			 -EINPROGRESS);
	uint64_t limit = net_now_ns() + 3600000000000ull;
	while (ea.received < total || eb.received < total) {
		if (eb.pcb == NULL && tcp_accept(lsn, &eb.pcb) == 0)
			tcp_close(lsn);
		if (tcp_state(ea.pcb) == TCP_ESTABLISHED)
			pump(&ea, &eb);
		if (eb.pcb != NULL)
			pump(&eb, &ea);
		netstack_process(&a);
		netstack_process(&b);
		wire(&l, &a, &b);
		assert_true(net_now_ns() < limit);
		assert_int_not_equal(tcp_state(ea.pcb), TCP_CLOSED);
	}
	print_message("link: %llu lost %llu duped %llu reordered %llu "
		      "corrupted; a: %llu retransmits; b: %llu\n",
		      (unsigned long long)l.fl_lost,
		      (unsigned long long)l.fl_duped,
		      (unsigned long long)l.fl_reordered,
		      (unsigned long long)l.fl_corrupted,
		      (unsigned long long)a.ns_ctr[NC_tcp_retransmit],
		      (unsigned long long)b.ns_ctr[NC_tcp_retransmit]);
	if (loss != 0)
		assert_true(a.ns_ctr[NC_tcp_retransmit] +
				    b.ns_ctr[NC_tcp_retransmit] >
			    0);
	/* Damage the wire did was caught by a checksum, IP's or TCP's. */
	if (corrupt != 0)
		assert_true(a.ns_ctr[NC_tcp_bad_csum] +
				    b.ns_ctr[NC_tcp_bad_csum] +
				    a.ns_ctr[NC_ip_bad_csum] +
				    b.ns_ctr[NC_ip_bad_csum] >
			    0);
	tcp_close(ea.pcb);
	while (tcp_state(eb.pcb) != TCP_CLOSE_WAIT) {
		wire(&l, &a, &b);
		assert_true(net_now_ns() < limit);
	}
	tcp_close(eb.pcb);
	while (tcp_pcb_count(&a) + tcp_pcb_count(&b) != 0 ||
	       tcp_ctx(&a)->c_tws + tcp_ctx(&b)->c_tws != 0 ||
	       fake_link_inflight(&l) != 0) {
		wire(&l, &a, &b);
		assert_true(net_now_ns() < limit);
	}
	assert_int_equal(a.ns_ctr[NC_tcp_rst_in] + b.ns_ctr[NC_tcp_rst_in], 0);
	/* The ARP caches may hold what they learned; TCP holds nothing. */
	assert_int_equal(a.ns_mem_bytes, mem_a);
	assert_int_equal(b.ns_mem_bytes, mem_b);
	netstack_destroy(&a);
	netstack_destroy(&b);
	fake_link_fini(&l);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_live, live0);
}

static void test_real_stack_clean(void **state)
{
	(void)state;
	run_pair(5, 0, 0, 0, 0, 2u << 20);
}

static void test_real_stack_lossy(void **state)
{
	(void)state;
	run_pair(6, 20, 10, 30, 10, 2u << 20);
}

static void test_real_stack_lossy2(void **state)
{
	(void)state;
	run_pair(7, 50, 20, 50, 20, 1u << 20);
}

/* Both ends in one stack, over 127.0.0.1 (the loopback's deferred
 * queue, linear copies, NB_CSUM_VALID). */
static void test_loopback(void **state)
{
	struct netstack ns;
	struct tcp_pcb *lsn;
	struct end c = { .pattern = 1 }, s = { .pattern = 2 };
	struct netbuf_stats st;

	(void)state;
	fake_net_set_time(1000000000ull);
	fake_net_seed(9);
	netbuf_get_stats(&st);
	uint64_t live0 = st.ns_live;
	total = 1u << 20;
	assert_int_equal(netstack_init(&ns), 0);
	uint64_t mem0 = ns.ns_mem_bytes;
	assert_int_equal(tcp_pcb_new(&ns, &lsn), 0);
	assert_int_equal(tcp_bind(lsn, net_ip4(127, 0, 0, 1), 80), 0);
	assert_int_equal(tcp_listen(lsn, 1), 0);
	assert_int_equal(tcp_pcb_new(&ns, &c.pcb), 0);
	assert_int_equal(tcp_connect(c.pcb, net_ip4(127, 0, 0, 1), 80),
			 -EINPROGRESS);
	netstack_process(&ns);
	assert_int_equal(tcp_state(c.pcb), TCP_ESTABLISHED);
	assert_int_equal(tcp_accept(lsn, &s.pcb), 0);
	tcp_close(lsn);
	int v;
	assert_int_equal(tcp_getopt(c.pcb, NET_OPT_MAXSEG, &v), 0);
	assert_true(v > 60000); /* the loopback's MTU */
	for (int i = 0;
	     i < 100000 && (c.received < total || s.received < total); i++) {
		pump(&c, &s);
		pump(&s, &c);
		netstack_process(&ns);
		if (ns.ns_deferred == NULL && i % 16 == 15) {
			/* Delayed ACKs: let their timers run. */
			fake_net_advance(40000000ull);
			netstack_run_timers(&ns, net_now_ns());
			netstack_process(&ns);
		}
	}
	assert_int_equal(c.received, total);
	assert_int_equal(s.received, total);
	assert_int_equal(ns.ns_ctr[NC_tcp_bad_csum], 0);
	assert_int_equal(ns.ns_ctr[NC_tcp_retransmit], 0);
	tcp_close(c.pcb);
	netstack_process(&ns);
	tcp_close(s.pcb);
	netstack_process(&ns);
	assert_int_equal(tcp_pcb_count(&ns), 0);
	fake_net_advance(61000000000ull);
	netstack_run_timers(&ns, net_now_ns());
	assert_int_equal(tcp_ctx(&ns)->c_tws, 0);
	assert_int_equal(ns.ns_mem_bytes, mem0);
	netstack_destroy(&ns);
	netbuf_get_stats(&st);
	assert_int_equal(st.ns_live, live0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_stack_clean),
		cmocka_unit_test(test_real_stack_lossy),
		cmocka_unit_test(test_real_stack_lossy2),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

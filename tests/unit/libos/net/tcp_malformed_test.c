/* SPDX-License-Identifier: MIT */
/*
 * TCP against malformed input, the classes the embedded-stack
 * disclosures (AMNESIA:33, Ripple20) named: runt segments, a data offset
 * below 5 or beyond the segment, zero-length, truncated and over-long
 * options, known options with the wrong length, an urgent pointer past
 * the payload, bad checksums, broadcast and multicast endpoints. Each is
 * sent both to a listener and into an established connection, and must
 * be dropped without a reply, counted under its own counter, and leave
 * the connection as it was. Then a seeded random fuzz of headers and
 * options; after all of it, the stack still opens a connection and
 * returns to its memory baseline.
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

#include "tcp_fake_ip.h"
#include "tcp_impl.h"

static struct netstack ns;
static uint64_t mem0, live0;
static struct tcp_pcb *lsn, *conn;
static uint16_t conn_lport;
static uint32_t conn_snd, conn_rcv; /* the peer's view */

/* A listener on 80 and a connection to the peer's port 80 from it. */
static int setup(void **state)
{
	(void)state;
	fake_env_reset(3);
	live0 = fake_netbufs_live();
	assert_int_equal(netstack_init(&ns), 0);
	fake_ip_config(&ns, fake_local_ip(), 1500);
	mem0 = ns.ns_mem_bytes;
	assert_int_equal(tcp_pcb_new(&ns, &lsn), 0);
	assert_int_equal(tcp_bind(lsn, 0, 80), 0);
	assert_int_equal(tcp_listen(lsn, 8), 0);
	assert_int_equal(tcp_pcb_new(&ns, &conn), 0);
	assert_int_equal(tcp_connect(conn, fake_peer_ip(), 80), -EINPROGRESS);
	struct fake_seg *fs = fake_ip_take(&ns);
	struct pseg p;
	assert_true(fake_tcp_parse(fs, &p));
	conn_lport = p.sport;
	conn_snd = p.seq + 1;
	conn_rcv = 1000;
	free(fs);
	struct tseg s = { .sport = 80,
			  .dport = conn_lport,
			  .seq = 999,
			  .ack = conn_snd,
			  .flags = TCP_SYN | TCP_ACK,
			  .wnd = 8192 };
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	assert_int_equal(tcp_state(conn), TCP_ESTABLISHED);
	fake_ip_drain(&ns);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tcp_abort(conn);
	tcp_close(lsn);
	fake_ip_drain(&ns);
	assert_int_equal(tcp_pcb_count(&ns), 0);
	assert_int_equal(ns.ns_mem_bytes, mem0);
	assert_int_equal(fake_ip_stats(&ns)->violations, 0);
	netstack_destroy(&ns);
	assert_int_equal(fake_netbufs_live(), live0);
	return 0;
}

/* Raw bytes from the peer. */
static void send_raw(const uint8_t *b, size_t len)
{
	fake_ip_deliver(&ns, fake_peer_ip(), fake_local_ip(), b, len);
}

/* A header to the listener (SYN) or into the connection (ACK + data),
 * with the given options and data offset, and a valid checksum. */
static size_t build(uint8_t *b, bool to_conn, const uint8_t *opts,
		    size_t optlen, int doff, const void *data, size_t len)
{
	struct tseg s = {
		.sport = to_conn ? 80 : 41000,
		.dport = to_conn ? conn_lport : 80,
		.seq = to_conn ? conn_rcv : 5,
		.ack = to_conn ? conn_snd : 0,
		.flags = to_conn ? TCP_ACK : TCP_SYN,
		.wnd = 4096,
		.opts = opts,
		.optlen = optlen,
		.doff = doff,
		.data = data,
		.len = len,
	};

	return fake_tcp_build(b, fake_peer_ip(), fake_local_ip(), &s);
}

/*
 * Sends a malformed segment both ways and checks: counter c went up by
 * one each time, nothing was sent, nothing changed.
 */
static void expect_drop(enum net_ctr c, const uint8_t *opts, size_t optlen,
			int doff, const void *data, size_t len)
{
	uint8_t b[200];

	for (int to_conn = 0; to_conn < 2; to_conn++) {
		uint64_t before = ns.ns_ctr[c];
		size_t n = build(b, to_conn, opts, optlen, doff, data, len);
		send_raw(b, n);
		assert_int_equal(ns.ns_ctr[c], before + 1);
		assert_int_equal(fake_ip_pending(&ns), 0);
		assert_int_equal(tcp_pcb_count(&ns), 2);
		assert_int_equal(tcp_state(conn), TCP_ESTABLISHED);
		assert_int_equal(conn->t_rq_len, 0);
	}
}

static void test_runt(void **state)
{
	uint8_t b[64];

	(void)state;
	size_t n = build(b, true, NULL, 0, 0, NULL, 0);
	for (size_t len = 0; len < 20; len++)
		send_raw(b, len);
	(void)n;
	assert_int_equal(ns.ns_ctr[NC_tcp_bad_len], 20);
	assert_int_equal(fake_ip_pending(&ns), 0);
}

static void test_data_offset(void **state)
{
	static const uint8_t nops[4] = { 1, 1, 1, 1 };

	(void)state;
	expect_drop(NC_tcp_bad_off, NULL, 0, -1, NULL, 0); /* zero */
	for (int doff = 1; doff < 5; doff++)
		expect_drop(NC_tcp_bad_off, NULL, 0, doff, NULL, 0);
	/* Beyond the segment: 24 bytes claimed, 20 there; 60 claimed. */
	expect_drop(NC_tcp_bad_off, NULL, 0, 6, NULL, 0);
	expect_drop(NC_tcp_bad_off, NULL, 0, 15, NULL, 0);
	expect_drop(NC_tcp_bad_off, nops, 4, 15, "abc", 3);
	/* One word past a 24-byte segment. */
	expect_drop(NC_tcp_bad_off, nops, 4, 7, NULL, 0);
}

static void test_options(void **state)
{
	/* Each array is a whole option area (a multiple of 4). */
	static const uint8_t zero_len[4] = { 2, 0, 1, 1 };
	static const uint8_t one_len[4] = { 30, 1, 0, 0 };
	static const uint8_t over_long[4] = { 8, 10, 0, 0 };
	static const uint8_t over_long2[8] = { 1, 1, 1, 1, 1, 1, 99, 200 };
	static const uint8_t no_len[4] = { 1, 1, 1, 2 };
	static const uint8_t mss3[4] = { 2, 3, 5, 1 };
	static const uint8_t mss5[8] = { 2, 5, 5, 0, 0, 1, 1, 1 };
	static const uint8_t ws4[4] = { 3, 4, 5, 0 };
	static const uint8_t ts9[12] = { 1, 1, 1, 8, 9, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t sack3[4] = { 4, 3, 0, 1 };

	(void)state;
	expect_drop(NC_tcp_bad_opt, zero_len, 4, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, one_len, 4, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, over_long, 4, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, over_long2, 8, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, no_len, 4, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, mss3, 4, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, mss5, 8, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, ws4, 4, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, ts9, 12, 0, NULL, 0);
	expect_drop(NC_tcp_bad_opt, sack3, 4, 0, NULL, 0);
	/* Data after a bad option is not delivered either. */
	expect_drop(NC_tcp_bad_opt, zero_len, 4, 0, "payload", 7);
}

static void test_option_values(void **state)
{
	/* Unknown options are skipped; EOL ends the list. */
	static const uint8_t unknown[8] = { 99, 4, 0, 0, 0, 7, 7, 7 };
	/* Window scale 200 means 14 (RFC 7323 2.3); MSS 0 is floored. */
	static const uint8_t big_ws[8] = { 2, 4, 0, 0, 1, 3, 3, 200 };
	uint8_t b[200];

	(void)state;
	size_t n = build(b, false, big_ws, 8, 0, NULL, 0);
	send_raw(b, n);
	struct fake_seg *fs = fake_ip_take(&ns);
	assert_non_null(fs);
	struct pseg p;
	assert_true(fake_tcp_parse(fs, &p));
	free(fs);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	struct tseg ack = { .sport = 41000,
			    .dport = 80,
			    .seq = 6,
			    .ack = p.seq + 1,
			    .flags = TCP_ACK,
			    .wnd = 1,
			    .opts = unknown,
			    .optlen = 8 };
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &ack);
	struct tcp_pcb *child;
	assert_int_equal(tcp_accept(lsn, &child), 0);
	assert_int_equal(child->t_snd_ws, 14);
	assert_int_equal(child->t_snd_wnd, 1u << 14);
	assert_int_equal(child->t_peer_mss, TCP_MSS_MIN);
	assert_true(child->t_mss >= TCP_MSS_MIN - TCP_TSOPT_LEN);
	tcp_abort(child);
	fake_ip_drain(&ns);
}

static void test_urgent(void **state)
{
	uint8_t b[200];

	(void)state;
	for (int to_conn = 0; to_conn < 2; to_conn++) {
		size_t n = build(b, to_conn, NULL, 0, 0, "urgent", 6);
		b[13] |= TCP_URG;
		net_put16(b + 18, 7); /* one past the payload's end */
		net_put16(b + 16, 0);
		uint32_t sum = net_csum_pseudo(fake_peer_ip(), fake_local_ip(),
					       IP_PROTO_TCP, (uint16_t)n);
		net_put16(b + 16, net_csum_fold(net_csum_add(sum, b, n)));
		send_raw(b, n);
		assert_int_equal(ns.ns_ctr[NC_tcp_bad_urg], to_conn + 1);
		assert_int_equal(fake_ip_pending(&ns), 0);
	}
	/* Pointing at the end: accepted, the data delivered inline. */
	size_t n = build(b, true, NULL, 0, 0, "urgent", 6);
	b[13] |= TCP_URG;
	net_put16(b + 18, 6);
	net_put16(b + 16, 0);
	uint32_t sum = net_csum_pseudo(fake_peer_ip(), fake_local_ip(),
				       IP_PROTO_TCP, (uint16_t)n);
	net_put16(b + 16, net_csum_fold(net_csum_add(sum, b, n)));
	send_raw(b, n);
	char in[8];
	assert_int_equal(tcp_recv(conn, in, sizeof(in), 0), 6);
	assert_memory_equal(in, "urgent", 6);
	conn_rcv += 6;
	fake_ip_drain(&ns);
}

static void deliver_rx(const uint8_t *b, size_t len, uint32_t src, uint32_t dst,
		       bool bcast, uint16_t nbflags)
{
	struct netbuf *nb = netbuf_alloc(64, len);
	struct ip_rx rx = { .ni = netstack_loopback(&ns),
			    .src = src,
			    .dst = dst,
			    .proto = IP_PROTO_TCP,
			    .ttl = 64,
			    .bcast = bcast };

	assert_non_null(nb);
	memcpy(netbuf_append(nb, len), b, len);
	nb->nb_flags = nbflags;
	tcp_input(&ns, &rx, nb);
}

static void test_checksum_and_addresses(void **state)
{
	uint8_t b[200];
	struct tseg s = { .sport = 41000,
			  .dport = 80,
			  .seq = 1,
			  .flags = TCP_SYN,
			  .wnd = 100,
			  .bad_csum = true };

	(void)state;
	size_t n = fake_tcp_build(b, fake_peer_ip(), fake_local_ip(), &s);
	send_raw(b, n);
	assert_int_equal(ns.ns_ctr[NC_tcp_bad_csum], 1);
	assert_int_equal(fake_ip_pending(&ns), 0);
	/* The device vouched for it: not checked again. */
	deliver_rx(b, n, fake_peer_ip(), fake_local_ip(), false, NB_CSUM_VALID);
	assert_int_equal(ns.ns_ctr[NC_tcp_bad_csum], 1);
	assert_int_equal(fake_ip_pending(&ns), 1);
	fake_ip_drain(&ns);

	/* Never answer (or accept) broadcast or multicast endpoints. */
	const uint32_t bad_src[] = { IP4_BROADCAST, net_ip4(10, 0, 0, 255),
				     net_ip4(224, 0, 0, 1), 0 };
	s.bad_csum = false;
	s.sport = 41001;
	for (size_t i = 0; i < 4; i++) {
		n = fake_tcp_build(b, bad_src[i], fake_local_ip(), &s);
		deliver_rx(b, n, bad_src[i], fake_local_ip(), false, 0);
	}
	n = fake_tcp_build(b, fake_peer_ip(), net_ip4(239, 1, 1, 1), &s);
	deliver_rx(b, n, fake_peer_ip(), net_ip4(239, 1, 1, 1), false, 0);
	n = fake_tcp_build(b, fake_peer_ip(), fake_local_ip(), &s);
	deliver_rx(b, n, fake_peer_ip(), fake_local_ip(), true, 0);
	s.sport = 0;
	n = fake_tcp_build(b, fake_peer_ip(), fake_local_ip(), &s);
	deliver_rx(b, n, fake_peer_ip(), fake_local_ip(), false, 0);
	assert_int_equal(ns.ns_ctr[NC_tcp_bad_addr], 7);
	assert_int_equal(fake_ip_pending(&ns), 0);
	assert_int_equal(tcp_pcb_count(&ns), 3); /* the NB_CSUM_VALID SYN's */
}

static void test_fragmented_netbuf(void **state)
{
	uint8_t b[200];
	struct tseg s = { .sport = 80,
			  .seq = 0,
			  .flags = TCP_ACK,
			  .wnd = 4096,
			  .data = "pieces",
			  .len = 6 };

	(void)state;
	s.dport = conn_lport;
	s.seq = conn_rcv;
	s.ack = conn_snd;
	size_t n = fake_tcp_build(b, fake_peer_ip(), fake_local_ip(), &s);
	/* A frame in two pieces (the loopback may hand one over). */
	struct netbuf *head = netbuf_alloc(64, 10);
	struct netbuf *tail = netbuf_alloc(0, n - 10);
	memcpy(netbuf_append(head, 10), b, 10);
	memcpy(netbuf_append(tail, n - 10), b + 10, n - 10);
	head->nb_frag = tail;
	struct ip_rx rx = { .ni = netstack_loopback(&ns),
			    .src = fake_peer_ip(),
			    .dst = fake_local_ip(),
			    .proto = IP_PROTO_TCP };
	tcp_input(&ns, &rx, head);
	char in[8];
	assert_int_equal(tcp_recv(conn, in, sizeof(in), 0), 6);
	assert_memory_equal(in, "pieces", 6);
	conn_rcv += 6;
	fake_ip_drain(&ns);
}

/* Random headers, options and lengths; half with a valid checksum so
 * they get past it. Whatever happens, nothing breaks. */
static void test_fuzz(void **state)
{
	uint8_t b[120];

	(void)state;
	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)(fake_rand() % sizeof(b));
		for (size_t j = 0; j < len; j++)
			b[j] = (uint8_t)fake_rand();
		if (len >= 20) {
			uint64_t r = fake_rand();
			/* Aim at the open ports half of the time. */
			if (r & 1) {
				net_put16(b, 80);
				net_put16(b + 2, conn_lport);
			} else if (r & 2) {
				net_put16(b + 2, 80);
			}
			if (r & 4) /* a plausible data offset */
				b[12] = (uint8_t)((5 + (r >> 8) % 11) << 4);
			if (r & 8) {
				net_put16(b + 16, 0);
				uint32_t sum = net_csum_pseudo(
					fake_peer_ip(), fake_local_ip(),
					IP_PROTO_TCP, (uint16_t)len);
				net_put16(b + 16, net_csum_fold(net_csum_add(
							  sum, b, len)));
			}
		}
		send_raw(b, len);
		fake_ip_drain(&ns);
		if (i % 1000 == 0)
			fake_run_until(&(struct netstack *){ &ns }, 1,
				       fake_now() + 100000000ull);
	}
	for (int c = NC_tcp_in; c <= NC_tcp_seg_out; c++)
		if (ns.ns_ctr[c] != 0)
			print_message("%s %llu\n", net_counter_name(c),
				      (unsigned long long)ns.ns_ctr[c]);
	/* Whatever the fuzz did to the connection, the stack is alive: a
	 * new connection opens and carries data. */
	tcp_abort(conn);
	fake_ip_drain(&ns);
	assert_int_equal(tcp_pcb_new(&ns, &conn), 0);
	assert_int_equal(tcp_connect(conn, fake_peer_ip(), 8080), -EINPROGRESS);
	struct fake_seg *fs = fake_ip_take(&ns);
	struct pseg p;
	assert_true(fake_tcp_parse(fs, &p));
	free(fs);
	struct tseg s = { .sport = 8080,
			  .dport = p.sport,
			  .seq = 1,
			  .ack = p.seq + 1,
			  .flags = TCP_SYN | TCP_ACK,
			  .wnd = 1000 };
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	assert_int_equal(tcp_state(conn), TCP_ESTABLISHED);
	s.flags = TCP_ACK;
	s.seq = 2;
	s.data = "alive";
	s.len = 5;
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	char in[8];
	assert_int_equal(tcp_recv(conn, in, sizeof(in), 0), 5);
	assert_memory_equal(in, "alive", 5);
	fake_ip_drain(&ns);
	/* Children the fuzz opened: time them out. */
	fake_run_until(&(struct netstack *){ &ns }, 1,
		       fake_now() + 300000000000ull);
	fake_ip_drain(&ns);
}

/* ---- State-aware fuzzing with invariant checks. */

static bool data_state(const struct tcp_pcb *pcb)
{
	return pcb->t_state >= TCP_ESTABLISHED && pcb->t_state <= TCP_LAST_ACK;
}

/* What must hold for any pcb between calls into the stack. */
static void check_pcb(const struct tcp_pcb *pcb)
{
	uint64_t n = 0;

	for (const struct netbuf *nb = pcb->t_sb_head; nb; nb = nb->nb_next)
		n += nb->nb_len;
	assert_true(n == (uint64_t)pcb->t_sb_len + pcb->t_sb_off);
	n = 0;
	for (const struct netbuf *nb = pcb->t_rq_head; nb; nb = nb->nb_next)
		n += nb->nb_len;
	assert_true(n == pcb->t_rq_len);
	assert_true(pcb->t_rq_len <= pcb->t_rcvbuf + (1u << pcb->t_rcv_ws));
	unsigned int k = 0;
	uint32_t prev_end = pcb->t_rcv_nxt;
	for (const struct netbuf *nb = pcb->t_ooo; nb; nb = nb->nb_next) {
		uint32_t seq = (uint32_t)nb->nb_priv[0];
		assert_true(nb->nb_len > 0);
		assert_true(seq_geq(seq, prev_end)); /* sorted, disjoint */
		assert_true(seq_leq(seq + nb->nb_len, pcb->t_rcv_adv));
		prev_end = seq + nb->nb_len;
		k++;
	}
	assert_int_equal(k, pcb->t_ooo_n);
	if (!data_state(pcb))
		return;
	assert_true(seq_leq(pcb->t_snd_una, pcb->t_snd_nxt));
	assert_true(seq_leq(pcb->t_snd_nxt, pcb->t_snd_max));
	assert_true(pcb->t_snd_max - pcb->t_snd_una <= pcb->t_sb_len + 1);
	assert_true(pcb->t_cwnd >= 1);
	/* RFC 6298 5.1: data in flight means a running timer. */
	if (pcb->t_snd_max != pcb->t_snd_una)
		assert_true(pcb->t_tmr[TCP_T_REXMT] != 0);
	/* The one net_timer is armed for the earliest deadline. */
	uint64_t first = 0;
	for (int i = 0; i < TCP_T_COUNT; i++)
		if (pcb->t_tmr[i] && (!first || pcb->t_tmr[i] < first))
			first = pcb->t_tmr[i];
	assert_true(first == 0 ? !net_timer_armed(&pcb->t_timer)
			       : pcb->t_timer.nt_node.tn_deadline == first);
}

static void check_all(void)
{
	struct tcp_ctx *c = tcp_ctx(&ns);
	unsigned int n = 0;

	for (int i = 0; i < TCP_BIND_BUCKETS; i++)
		for (struct tcp_pcb *q = c->c_bind[i]; q; q = q->t_bnext) {
			check_pcb(q);
			n++;
		}
	assert_int_equal(n, tcp_pcb_count(&ns));
}

static size_t random_opts(uint8_t *o, bool syn)
{
	size_t n = 0;
	uint64_t r = fake_rand();

	if ((r & 1) && syn) {
		o[n++] = 2, o[n++] = 4;
		net_put16(o + n, (uint16_t)(fake_rand() % 3000));
		n += 2;
	}
	if ((r & 2) && syn) {
		o[n++] = 1, o[n++] = 3, o[n++] = 3;
		o[n++] = (uint8_t)(fake_rand() % 20);
	}
	if (r & 4) {
		o[n++] = 1, o[n++] = 1, o[n++] = 8, o[n++] = 10;
		net_put32(o + n, (uint32_t)(fake_rand() % 5000));
		net_put32(o + n + 4, (uint32_t)fake_rand());
		n += 8;
	}
	if (r & 8)
		o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
	return n;
}

static uint32_t near(uint32_t x)
{
	switch (fake_rand() % 5) {
	case 0:
		return x;
	case 1:
		return x + (uint32_t)(fake_rand() % 3000);
	case 2:
		return x - (uint32_t)(fake_rand() % 3000);
	case 3:
		return x + (uint32_t)(fake_rand() % 140000) - 70000;
	default:
		return (uint32_t)fake_rand();
	}
}

/* A plausible segment into conn (or a SYN/ACK at the listener). */
static void fuzz_segment(void)
{
	static uint8_t data[1500];
	uint8_t o[40];
	bool to_conn = conn != NULL && (fake_rand() % 4) != 0;
	uint8_t flags = (uint8_t)(fake_rand() & 0x3f);

	if (fake_rand() % 4 != 0)
		flags = (flags | TCP_ACK) & ~(TCP_SYN | TCP_RST);
	struct tseg s = {
		.sport = to_conn ? 80 : (uint16_t)(41000 + fake_rand() % 4),
		.dport = to_conn ? conn_lport : 80,
		.flags = flags,
		.wnd = (uint16_t)fake_rand(),
		.data = data,
		.len = (fake_rand() & 1) ? (size_t)(fake_rand() % 1500) : 0,
	};
	s.opts = o;
	s.optlen = random_opts(o, flags & TCP_SYN);
	while (s.optlen % 4)
		o[s.optlen++] = 1;
	if (to_conn) {
		s.seq = near(conn->t_rcv_nxt);
		s.ack = near(conn->t_snd_una);
	} else {
		s.seq = (uint32_t)fake_rand();
		s.ack = (uint32_t)fake_rand();
	}
	if (flags & TCP_URG)
		s.urp = (uint16_t)(fake_rand() % (s.len + 1));
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
}

/* A fresh connection for conn when the old one is gone. */
static void fuzz_reconnect(void)
{
	tcp_close(conn);
	conn = NULL;
	fake_ip_drain(&ns);
	if (tcp_pcb_new(&ns, &conn) != 0)
		fail();
	assert_int_equal(tcp_connect(conn, fake_peer_ip(), 80), -EINPROGRESS);
	struct fake_seg *fs = fake_ip_take(&ns);
	struct pseg p;
	assert_true(fake_tcp_parse(fs, &p));
	free(fs);
	conn_lport = p.sport;
	struct tseg s = { .sport = 80,
			  .dport = conn_lport,
			  .seq = (uint32_t)fake_rand(),
			  .ack = p.seq + 1,
			  .flags = TCP_SYN | TCP_ACK,
			  .wnd = 65535 };
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	fake_ip_drain(&ns);
}

static void fuzz_app(void)
{
	static uint8_t buf[4000];
	struct tcp_pcb *child;

	switch (fake_rand() % 6) {
	case 0:
		(void)tcp_send(conn, buf, (size_t)(fake_rand() % sizeof(buf)),
			       0);
		break;
	case 1:
		(void)tcp_recv(conn, buf, (size_t)(fake_rand() % sizeof(buf)),
			       0);
		break;
	case 2:
		fake_run_until(&(struct netstack *){ &ns }, 1,
			       fake_now() + fake_rand() % 3000000000ull);
		break;
	case 3:
		if (tcp_accept(lsn, &child) == 0) {
			if (fake_rand() & 1)
				tcp_close(child);
			else
				tcp_abort(child);
		}
		break;
	case 4:
		if (fake_rand() % 50 == 0)
			(void)tcp_shutdown(conn, 1);
		break;
	default:
		assert_int_equal(tcp_setopt(conn, NET_OPT_NODELAY,
					    (int)(fake_rand() & 1)),
				 0);
		break;
	}
}

static void test_fuzz_stateful(void **state)
{
	(void)state;
	for (int i = 0; i < 100000; i++) {
		if (fake_rand() % 10 < 7)
			fuzz_segment();
		else
			fuzz_app();
		fake_ip_drain(&ns);
		check_all();
		if (tcp_state(conn) == TCP_CLOSED ||
		    tcp_state(conn) == TCP_TIME_WAIT || fake_rand() % 500 == 0)
			fuzz_reconnect();
	}
	for (int c = NC_tcp_in; c <= NC_tcp_seg_out; c++)
		if (ns.ns_ctr[c] != 0)
			print_message("%s %llu\n", net_counter_name(c),
				      (unsigned long long)ns.ns_ctr[c]);
	assert_true(ns.ns_ctr[NC_tcp_seg_in] > 50000);
	tcp_abort(conn);
	struct tcp_pcb *child;
	while (tcp_accept(lsn, &child) == 0)
		tcp_abort(child);
	/* Orphans finish, TIME_WAIT expires: back to the baseline. */
	fake_run_until(&(struct netstack *){ &ns }, 1,
		       fake_now() + 600000000000ull);
	fake_ip_drain(&ns);
	assert_int_equal(tcp_ctx(&ns)->c_tws, 0);
	assert_int_equal(tcp_pcb_count(&ns), 1); /* the listener */
	assert_int_equal(tcp_pcb_new(&ns, &conn), 0); /* for teardown */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_runt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_offset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_option_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_urgent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checksum_and_addresses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragmented_netbuf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_stateful, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

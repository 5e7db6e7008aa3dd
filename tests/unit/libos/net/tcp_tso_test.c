/* SPDX-License-Identifier: MIT */
/*
 * TCP segmentation offload: the sender's decisions when the route's
 * device cuts super-segments (tcp_tso_len(), tcp_output()). The test
 * plays the peer of one connection over tests/unit/libos/net/
 * tcp_fake_ip.c, which records each segment's GSO size and piece count
 * and counts a violation for a super-segment outside the route's limits.
 * Checked: super-segments of whole MSS bounded by cwnd, the device's
 * largest packet and its piece count; Nagle on the short tail; PSH and
 * FIN on the last; the payload bytes; retransmissions and routes without
 * offload one MSS at a time; congestion control counting bytes.
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

#define MS 1000000ull
#define MSS 1460u
#define TSO_MAX 65535u
#define BIG (256u * 1024)

static struct netstack ns;
static uint64_t live0;
static struct fake_seg *cur;
static struct pseg seg;
static uint8_t data[BIG];

/* The connection as the peer sees it. */
static struct tcp_pcb *pcb;
static uint32_t iss; /* the stack's first data byte is iss */
static uint32_t peer_seq;
static uint16_t lport;

static int setup(void **state)
{
	(void)state;
	fake_env_reset(11);
	live0 = fake_netbufs_live();
	assert_int_equal(netstack_init(&ns), 0);
	fake_ip_config(&ns, fake_local_ip(), 1500);
	fake_ip_set_tso(&ns, TSO_MAX, 24);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(cur);
	cur = NULL;
	assert_int_equal(fake_ip_stats(&ns)->violations, 0);
	netstack_destroy(&ns);
	assert_int_equal(ns.ns_mem_bytes, 0);
	assert_int_equal(fake_netbufs_live(), live0);
	return 0;
}

static const struct pseg *out_at(int line)
{
	free(cur);
	cur = fake_ip_take(&ns);
	if (cur == NULL)
		fail_msg("line %d: no segment sent", line);
	assert_true(fake_tcp_parse(cur, &seg));
	return &seg;
}
#define out() out_at(__LINE__)

static void no_out_at(int line)
{
	if (fake_ip_pending(&ns) != 0)
		fail_msg("line %d: %u unexpected segments", line,
			 fake_ip_pending(&ns));
}
#define no_out() no_out_at(__LINE__)

/* The peer's segment: ACK of `ack`, window field wnd (scale 7). */
static void peer_ack(uint32_t ack, uint16_t wnd, uint8_t flags)
{
	struct tseg s = {
		.sport = 80,
		.dport = lport,
		.seq = peer_seq,
		.ack = ack,
		.flags = flags,
		.wnd = wnd,
	};

	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	if (flags & TCP_FIN)
		peer_seq++;
}

/* Connects to the peer, which offers MSS 1460, window scale 7 and a
 * window of 4 MiB, no timestamps. */
static void connect_peer(void)
{
	uint8_t o[8] = { 2, 4, MSS >> 8, MSS & 0xff, 1, 3, 3, 7 };

	assert_int_equal(tcp_pcb_new(&ns, &pcb), 0);
	assert_int_equal(tcp_connect(pcb, fake_peer_ip(), 80), -EINPROGRESS);
	const struct pseg *p = out();
	assert_int_equal(p->flags, TCP_SYN);
	lport = p->sport;
	iss = p->seq + 1;
	peer_seq = 9000;
	struct tseg s = {
		.sport = 80,
		.dport = lport,
		.seq = peer_seq++,
		.ack = iss,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = 65535,
		.opts = o,
		.optlen = sizeof(o),
	};
	fake_tcp_inject(&ns, fake_peer_ip(), fake_local_ip(), &s);
	assert_int_equal(tcp_state(pcb), TCP_ESTABLISHED);
	assert_int_equal(out()->flags, TCP_ACK);
	peer_ack(iss, 32768, TCP_ACK); /* 32768 << 7: 4 MiB */
	assert_int_equal(pcb->t_mss, MSS);
}

/* The next segment: checks its sequence number, length, GSO size and
 * payload (data[] from iss on); returns it. */
static const struct pseg *expect_data_at(uint32_t seq, size_t len, uint16_t gso,
					 int line)
{
	const struct pseg *p = out_at(line);

	if (p->seq != seq || p->len != len || cur->gso_size != gso)
		fail_msg("line %d: want seq +%u len %zu gso %u, got seq +%u "
			 "len %zu gso %u",
			 line, seq - iss, len, gso, p->seq - iss, p->len,
			 cur->gso_size);
	assert_memory_equal(p->data, data + (seq - iss), len);
	return p;
}
#define expect_data(seq, len, gso) expect_data_at(seq, len, gso, __LINE__)

static void queue(size_t off, size_t len)
{
	assert_int_equal(tcp_send(pcb, data + off, len, 0), (ssize_t)len);
}

/* The initial window (3 MSS) goes as one super-segment; each ACK grows
 * cwnd by one MSS in slow start (bytes acknowledged, not segments), and
 * the next super-segment takes what cwnd allows, in whole segments. */
static void test_slow_start_super_segments(void **state)
{
	(void)state;
	connect_peer();
	assert_int_equal(tcp_setopt(pcb, NET_OPT_SNDBUF, BIG), 0);
	queue(0, 200000);
	expect_data(iss, 3 * MSS, MSS);
	assert_int_equal(seg.flags, TCP_ACK); /* no PSH: more data follow */
	no_out();
	assert_int_equal(pcb->t_cwnd, 3 * MSS);
	peer_ack(iss + 3 * MSS, 32768, TCP_ACK);
	assert_int_equal(pcb->t_cwnd, 4 * MSS);
	expect_data(iss + 3 * MSS, 4 * MSS, MSS);
	no_out();
	/* An ACK of two of the four segments: cwnd 5 MSS, 2 in flight,
	 * room for 3; then the next two: cwnd 6, 3 in flight, 3 more. */
	peer_ack(iss + 5 * MSS, 32768, TCP_ACK);
	expect_data(iss + 7 * MSS, 3 * MSS, MSS);
	no_out();
	peer_ack(iss + 7 * MSS, 32768, TCP_ACK);
	expect_data(iss + 10 * MSS, 3 * MSS, MSS);
	no_out();
	assert_int_equal(pcb->t_cwnd, 6 * MSS);
	assert_int_equal(pcb->t_snd_nxt, iss + 13 * MSS);
	tcp_abort(pcb);
}

/* A large cwnd: super-segments as large as the device takes (whole MSS
 * within 65535 bytes of IP packet), the last one with the short tail
 * and PSH since the socket has nothing more (shut down: FIN too). */
static void test_largest_and_fin(void **state)
{
	uint32_t per = (TSO_MAX - 40) / MSS * MSS;

	(void)state;
	connect_peer();
	assert_int_equal(tcp_setopt(pcb, NET_OPT_SNDBUF, BIG), 0);
	pcb->t_cwnd = 1u << 20;
	queue(0, 2 * per + 1000);
	expect_data(iss, per, MSS);
	expect_data(iss + per, per, MSS);
	/* 1000 bytes left, less than an MSS: Nagle holds them. */
	no_out();
	assert_int_equal(tcp_shutdown(pcb, 1), 0);
	const struct pseg *p = expect_data(iss + 2 * per, 1000, 0);
	assert_int_equal(p->flags, TCP_ACK | TCP_PSH | TCP_FIN);
	tcp_abort(pcb);
}

/* Nagle: the short tail waits while the whole segments go; it goes
 * with the FIN once the socket is shut down. */
static void test_nagle_tail(void **state)
{
	(void)state;
	connect_peer();
	pcb->t_cwnd = 1u << 20;
	assert_int_equal(tcp_setopt(pcb, NET_OPT_NODELAY, 0), 0);
	queue(0, 5 * MSS + 77);
	/* Nagle: the tail waits while whole segments go. */
	expect_data(iss, 5 * MSS, MSS);
	no_out();
	assert_int_equal(tcp_shutdown(pcb, 1), 0);
	const struct pseg *p = expect_data(iss + 5 * MSS, 77, 0);
	assert_int_equal(p->flags, TCP_ACK | TCP_PSH | TCP_FIN);
	tcp_abort(pcb);
}

/* With TCP_NODELAY the short tail rides on the super-segment, with PSH. */
static void test_nodelay_tail(void **state)
{
	(void)state;
	connect_peer();
	pcb->t_cwnd = 1u << 20;
	assert_int_equal(tcp_setopt(pcb, NET_OPT_NODELAY, 1), 0);
	queue(0, 5 * MSS + 77);
	const struct pseg *p = expect_data(iss, 5 * MSS + 77, MSS);
	assert_int_equal(p->flags, TCP_ACK | TCP_PSH);
	no_out();
	/* Queued and shut down while cwnd is used up: when the ACK opens
	 * it, one super-segment carries the rest, PSH and the FIN (which
	 * the device keeps for its last segment). */
	pcb->t_cwnd = 5 * MSS + 77;
	queue(0, 3 * MSS + 5);
	assert_int_equal(tcp_shutdown(pcb, 1), 0);
	no_out();
	peer_ack(iss + 5 * MSS + 77, 32768, TCP_ACK);
	p = out();
	assert_int_equal(p->seq, iss + 5 * MSS + 77);
	assert_int_equal(p->len, 3 * MSS + 5);
	assert_int_equal(p->flags, TCP_ACK | TCP_PSH | TCP_FIN);
	assert_int_equal(cur->gso_size, MSS);
	assert_memory_equal(p->data, data, p->len);
	no_out();
	tcp_abort(pcb);
}

/* The device's piece limit: a super-segment is the header and at most
 * frags - 1 slices of the send buffer (16 KiB chunks here). */
static void test_piece_limit(void **state)
{
	(void)state;
	fake_ip_set_tso(&ns, TSO_MAX, 3);
	connect_peer();
	assert_int_equal(tcp_setopt(pcb, NET_OPT_SNDBUF, BIG), 0);
	pcb->t_cwnd = 1u << 20;
	queue(0, 100000);
	/* Two chunks of 16384: 32768 bytes, cut to whole segments. */
	expect_data(iss, 32768 / MSS * MSS, MSS);
	assert_true(cur->pieces <= 3);
	uint32_t next = iss + 32768 / MSS * MSS;
	/* From inside the second chunk: its rest and the third. */
	uint32_t span = 3 * 16384 - (next - iss);
	expect_data(next, span / MSS * MSS, MSS);
	assert_true(cur->pieces <= 3);
	tcp_abort(pcb);
}

/* The device's largest packet below 65535: super-segments within it. */
static void test_small_device_limit(void **state)
{
	(void)state;
	fake_ip_set_tso(&ns, 10000, 24);
	connect_peer();
	pcb->t_cwnd = 1u << 20;
	queue(0, 30000);
	expect_data(iss, (10000 - 40) / MSS * MSS, MSS);
	/* Too small for two segments: one MSS at a time. */
	fake_ip_set_tso(&ns, 2 * MSS + 39, 24);
	tcp_abort(pcb);
	fake_ip_drain(&ns);
	connect_peer();
	pcb->t_cwnd = 1u << 20;
	queue(0, 3 * MSS);
	expect_data(iss, MSS, 0);
	expect_data(iss + MSS, MSS, 0);
	expect_data(iss + 2 * MSS, MSS, 0);
	tcp_abort(pcb);
}

/* A route without offload: one MSS per segment, as before. */
static void test_no_offload(void **state)
{
	(void)state;
	fake_ip_set_tso(&ns, 0, 0);
	connect_peer();
	pcb->t_cwnd = 1u << 20;
	queue(0, 4 * MSS);
	for (uint32_t i = 0; i < 4; i++)
		expect_data(iss + i * MSS, MSS, 0);
	no_out();
	tcp_abort(pcb);
}

/* Retransmissions stay one MSS: after a timeout (go-back-N) the lost
 * bytes go again segment by segment up to what was sent, and only new
 * data form super-segments again. Fast retransmit: one MSS too. */
static void test_retransmit_mss(void **state)
{
	(void)state;
	connect_peer();
	queue(0, 3 * MSS);
	expect_data(iss, 3 * MSS, MSS);
	no_out();
	struct netstack *stacks[] = { &ns };
	for (int i = 0; i < 3000 && fake_ip_pending(&ns) == 0; i++)
		fake_run_until(stacks, 1, fake_now() + MS);
	expect_data(iss, MSS, 0);
	no_out(); /* cwnd is one MSS after the timeout */
	peer_ack(iss + MSS, 32768, TCP_ACK);
	expect_data(iss + MSS, MSS, 0);
	expect_data(iss + 2 * MSS, MSS, 0);
	no_out();
	/* New data after the ack of everything: a super-segment again. */
	peer_ack(iss + 3 * MSS, 32768, TCP_ACK);
	pcb->t_cwnd = 1u << 20;
	queue(3 * MSS, 8 * MSS);
	expect_data(iss + 3 * MSS, 8 * MSS, MSS);
	/* One segment acknowledged (past the timeout's recovery point),
	 * then three duplicate ACKs: the next MSS alone goes again. */
	peer_ack(iss + 4 * MSS, 32768, TCP_ACK);
	no_out();
	for (int i = 0; i < 3; i++)
		peer_ack(iss + 4 * MSS, 32768, TCP_ACK);
	expect_data(iss + 4 * MSS, MSS, 0);
	no_out();
	assert_int_equal(ns.ns_ctr[NC_tcp_fast_retransmit], 1);
	tcp_abort(pcb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slow_start_super_segments,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_largest_and_fin, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nagle_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nodelay_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_piece_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_small_device_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_offload, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retransmit_mss, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Integration test: channels (<mosaic/chan.h>) between microapps on every
 * CPU. Each subcommand prints "TEST PASS" or "TEST FAIL: why".
 *   pingpong N   two microapps pinned to the first and last CPU bounce a
 *                counter N times over a buffered and a rendezvous channel
 *   mpmc         4 senders and 4 receivers on channels of capacity 8, 1
 *                and 0: every message arrives once, each sender's in
 *                order, and receivers end with CHAN_EPIPE after close
 *   close        close wakes blocked receivers and senders with
 *                CHAN_EPIPE, queued messages still drain, destroy refuses
 *                a channel with blocked microapps; try and timed forms
 *   select       selects over several channels: the ready op, fairness,
 *                wake-up by any channel, timeouts, all closed, and
 *                exactly-once delivery with selecting senders and
 *                receivers on every CPU
 *   deadline     senders and receivers on every CPU whose timed sends and
 *                receives keep running out (deadlines of tens of us), on
 *                a rendezvous and a buffered channel: a message sent is
 *                received exactly once even when it meets a deadline
 *                passing on the other side
 */
#include <mosaic/chan.h>
#include <mosaic/mapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <itest.h>

static long parse(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static struct chan *make(size_t elem, size_t cap)
{
	struct chan *c = NULL;
	int rc = chan_create(elem, cap, &c);

	if (rc != 0) {
		printf("TEST FAIL: chan_create(%lu, %lu): %d\n",
		       (unsigned long)elem, (unsigned long)cap, rc);
		exit(1);
	}
	return c;
}

static int spawn_on(mapp_t *t, const char *name, int (*fn)(void *), void *arg,
		    unsigned int cpu)
{
	struct mapp_opts o = { .cpu_mask = 1ull << cpu };

	return mapp_spawn(t, name, fn, arg, &o);
}

static int joined_ok(mapp_t t)
{
	struct mapp_exit ex;

	return mapp_join(t, &ex) == 0 && !ex.faulted && ex.status == 0;
}

/* --- pingpong ------------------------------------------------------------ */

static struct chan *ping, *pong;
static long rounds;
static unsigned int cpu_seen[2];

static int pinger(void *arg)
{
	uint64_t v = 0;

	(void)arg;
	cpu_seen[0] = mapp_cpu();
	for (long i = 0; i < rounds; i++) {
		uint64_t sent = v;

		if (chan_send(ping, &v) != 0 || chan_recv(pong, &v) != 0)
			return 1;
		if (v != sent + 1)
			return 2;
	}
	return chan_close(ping) == 0 ? 0 : 3;
}

static int ponger(void *arg)
{
	uint64_t v;
	int rc;

	(void)arg;
	cpu_seen[1] = mapp_cpu();
	while ((rc = chan_recv(ping, &v)) == 0) {
		v++;
		if (chan_send(pong, &v) != 0)
			return 1;
	}
	return rc == CHAN_EPIPE ? 0 : 2;
}

static int test_pingpong(long n)
{
	unsigned int last = mapp_ncpus() - 1;
	uint64_t t0 = now_ns();
	mapp_t a, b;

	rounds = n;
	ping = make(sizeof(uint64_t), 1);
	pong = make(sizeof(uint64_t), 0);
	CHECK(spawn_on(&b, "ponger", ponger, NULL, last) == 0, "spawn");
	CHECK(spawn_on(&a, "pinger", pinger, NULL, 0) == 0, "spawn");
	CHECK(joined_ok(a), "pinger failed");
	CHECK(joined_ok(b), "ponger failed");
	CHECK(cpu_seen[0] == 0 && cpu_seen[1] == last, "ran on CPUs %u and %u",
	      cpu_seen[0], cpu_seen[1]);
	CHECK(chan_destroy(ping) == 0 && chan_destroy(pong) == 0, "destroy");
	printf("pingpong: %ld round trips between CPU %u and CPU %u in %llu "
	       "ms\n",
	       n, cpu_seen[0], cpu_seen[1],
	       (unsigned long long)((now_ns() - t0) / 1000000));
	return failures != 0;
}

/* --- mpmc ---------------------------------------------------------------- */

#define NSEND 4
#define NRECV 4
#define PER_SENDER 3000

struct peer {
	struct chan *c;
	unsigned int id;
	uint64_t sum, count;
	uint32_t last[NSEND];
};

static int mpmc_sender(void *arg)
{
	struct peer *p = arg;

	for (uint32_t i = 1; i <= PER_SENDER; i++) {
		uint64_t v = ((uint64_t)p->id << 32) | i;

		if (chan_send(p->c, &v) != 0)
			return 1;
	}
	return 0;
}

static int mpmc_receiver(void *arg)
{
	struct peer *p = arg;
	uint64_t v;
	int rc;

	while ((rc = chan_recv(p->c, &v)) == 0) {
		uint32_t from = (uint32_t)(v >> 32), seq = (uint32_t)v;

		if (from >= NSEND || seq <= p->last[from])
			return 2; /* a sender's messages out of order */
		p->last[from] = seq;
		p->sum += seq;
		p->count++;
	}
	return rc == CHAN_EPIPE ? 0 : 3;
}

static void run_mpmc(size_t cap)
{
	static struct peer s[NSEND], r[NRECV];
	mapp_t ts[NSEND], tr[NRECV];
	struct chan *c = make(sizeof(uint64_t), cap);
	unsigned int n = mapp_ncpus();
	uint64_t sum = 0, count = 0;
	unsigned int i;

	memset(s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	for (i = 0; i < NRECV; i++) {
		r[i].c = c;
		CHECK(spawn_on(&tr[i], "receiver", mpmc_receiver, &r[i],
			       i % n) == 0,
		      "spawn");
	}
	for (i = 0; i < NSEND; i++) {
		s[i].c = c;
		s[i].id = i;
		CHECK(spawn_on(&ts[i], "sender", mpmc_sender, &s[i],
			       (i + 1) % n) == 0,
		      "spawn");
	}
	for (i = 0; i < NSEND; i++)
		CHECK(joined_ok(ts[i]), "sender %u failed", i);
	CHECK(chan_close(c) == 0, "close");
	for (i = 0; i < NRECV; i++) {
		CHECK(joined_ok(tr[i]), "receiver %u failed", i);
		sum += r[i].sum;
		count += r[i].count;
	}
	CHECK(count == NSEND * PER_SENDER, "capacity %lu: %llu messages",
	      (unsigned long)cap, (unsigned long long)count);
	CHECK(sum == (uint64_t)NSEND * PER_SENDER * (PER_SENDER + 1) / 2,
	      "capacity %lu: sum %llu", (unsigned long)cap,
	      (unsigned long long)sum);
	CHECK(chan_destroy(c) == 0, "destroy");
	printf("mpmc: capacity %lu: %llu messages, sum %llu\n",
	       (unsigned long)cap, (unsigned long long)count,
	       (unsigned long long)sum);
}

static int test_mpmc(void)
{
	run_mpmc(8);
	run_mpmc(1);
	run_mpmc(0);
	return failures != 0;
}

/* --- close --------------------------------------------------------------- */

static int recv_expect_pipe(void *arg)
{
	uint64_t v;

	return chan_recv(arg, &v) == CHAN_EPIPE ? 0 : 1;
}

static int send_expect_pipe(void *arg)
{
	uint64_t v = 1;

	return chan_send(arg, &v) == CHAN_EPIPE ? 0 : 1;
}

static void test_try_timed(void)
{
	struct chan *c = make(sizeof(uint16_t), 2), *z = make(1, 0);
	uint16_t v = 1;
	uint64_t deadline;
	char b = 0;

	CHECK(chan_tryrecv(c, &v) == CHAN_EAGAIN, "tryrecv empty");
	CHECK(chan_trysend(c, &v) == 0, "trysend");
	CHECK(chan_trysend(c, &v) == 0, "trysend");
	CHECK(chan_trysend(c, &v) == CHAN_EAGAIN, "trysend full");
	deadline = now_ns() + 3000000;
	CHECK(chan_timedsend(c, &v, deadline) == CHAN_ETIMEDOUT,
	      "timedsend full");
	CHECK(now_ns() >= deadline, "timedsend returned early");
	CHECK(chan_trysend(z, &b) == CHAN_EAGAIN, "rendezvous trysend");
	deadline = now_ns() + 3000000;
	CHECK(chan_timedrecv(z, &b, deadline) == CHAN_ETIMEDOUT,
	      "timedrecv empty");
	CHECK(now_ns() >= deadline, "timedrecv returned early");
	CHECK(chan_timedrecv(z, &b, 1) == CHAN_ETIMEDOUT, "poll");
	CHECK(chan_create(0, 1, &z) == CHAN_EINVAL, "size 0");
	CHECK(chan_create(CHAN_MSG_MAX + 1, 1, &z) == CHAN_EINVAL, "too big");
	CHECK(chan_destroy(c) == 0 && chan_destroy(z) == 0, "destroy");
}

static int test_close(void)
{
	struct chan *empty = make(8, 4), *full = make(8, 1);
	unsigned int n = mapp_ncpus();
	uint64_t v = 5;
	mapp_t t[6];
	int i;

	CHECK(chan_trysend(full, &v) == 0, "trysend");
	for (i = 0; i < 3; i++) {
		CHECK(spawn_on(&t[i], "recv", recv_expect_pipe, empty,
			       (unsigned int)i % n) == 0,
		      "spawn");
		CHECK(spawn_on(&t[3 + i], "send", send_expect_pipe, full,
			       (unsigned int)(i + 1) % n) == 0,
		      "spawn");
	}
	mapp_sleep_ns(5000000); /* all six block */
	CHECK(chan_destroy(empty) == CHAN_EBUSY, "destroy while blocked");
	CHECK(chan_close(empty) == 0, "close");
	CHECK(chan_close(full) == 0, "close");
	CHECK(chan_close(full) == CHAN_EPIPE, "close twice");
	for (i = 0; i < 6; i++)
		CHECK(joined_ok(t[i]), "microapp %d did not get CHAN_EPIPE", i);
	v = 0;
	CHECK(chan_recv(full, &v) == 0 && v == 5, "queued message lost");
	CHECK(chan_recv(full, &v) == CHAN_EPIPE, "recv after drain");
	CHECK(chan_trysend(full, &v) == CHAN_EPIPE, "trysend after close");
	CHECK(chan_destroy(empty) == 0 && chan_destroy(full) == 0, "destroy");
	test_try_timed();
	printf("close: 3 receivers and 3 senders woken with CHAN_EPIPE\n");
	return failures != 0;
}

/* --- select -------------------------------------------------------------- */

#define NSEL 4
#define SEL_MSGS 2000
static struct chan *sa, *sb;

static int sel_receiver(void *arg)
{
	uint64_t *sum = arg, got;
	struct chan_sel ops[2] = { { sa, CHAN_OP_RECV, &got },
				   { sb, CHAN_OP_RECV, &got } };
	int rc;

	while ((rc = chan_select(ops, 2, 0)) >= 0)
		*sum += got;
	return rc == CHAN_EPIPE ? 0 : 1;
}

static int sel_sender(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg, v;
	struct chan_sel ops[2] = { { sa, CHAN_OP_SEND, &v },
				   { sb, CHAN_OP_SEND, &v } };

	for (uint64_t i = 1; i <= SEL_MSGS; i++) {
		v = base + i;
		if (chan_select(ops, 2, 0) < 0)
			return 1;
	}
	return 0;
}

static int plain_sender(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg, v;

	for (uint64_t i = 1; i <= SEL_MSGS; i++) {
		v = base + i;
		if (chan_send(i % 2 ? sa : sb, &v) != 0)
			return 1;
	}
	return 0;
}

static void select_exactly_once(void)
{
	static uint64_t sums[NSEL];
	mapp_t recv[NSEL], send[NSEL];
	unsigned int n = mapp_ncpus(), i;
	uint64_t total = 0, want = 0;

	sa = make(sizeof(uint64_t), 2);
	sb = make(sizeof(uint64_t), 0);
	for (i = 0; i < NSEL; i++)
		CHECK(spawn_on(&recv[i], "selrecv", sel_receiver, &sums[i],
			       i % n) == 0,
		      "spawn");
	for (i = 0; i < NSEL; i++) {
		uintptr_t base = (uintptr_t)i << 20;

		CHECK(spawn_on(&send[i], "selsend",
			       i % 2 ? plain_sender : sel_sender, (void *)base,
			       (i + 1) % n) == 0,
		      "spawn");
		want += (uint64_t)base * SEL_MSGS +
			(uint64_t)SEL_MSGS * (SEL_MSGS + 1) / 2;
	}
	for (i = 0; i < NSEL; i++)
		CHECK(joined_ok(send[i]), "sender %u failed", i);
	CHECK(chan_close(sa) == 0 && chan_close(sb) == 0, "close");
	for (i = 0; i < NSEL; i++) {
		CHECK(joined_ok(recv[i]), "receiver %u failed", i);
		total += sums[i];
	}
	CHECK(total == want, "select total %llu, want %llu",
	      (unsigned long long)total, (unsigned long long)want);
	CHECK(chan_destroy(sa) == 0 && chan_destroy(sb) == 0, "destroy");
	printf("select: %d x %d messages through selects, each exactly "
	       "once\n",
	       NSEL, SEL_MSGS);
}

static struct chan *three[3];
static uint32_t three_got;
static int three_rc;

static int select_three(void *arg)
{
	struct chan_sel ops[3];

	(void)arg;
	for (int i = 0; i < 3; i++)
		ops[i] =
			(struct chan_sel){ three[i], CHAN_OP_RECV, &three_got };
	three_rc = chan_select(ops, 3, 0);
	return 0;
}

static void select_basics(void)
{
	struct chan *a = make(4, 1), *b = make(4, 1);
	uint32_t ra = 0, rb = 0, one = 1;
	struct chan_sel ops[2] = { { a, CHAN_OP_RECV, &ra },
				   { b, CHAN_OP_RECV, &rb } };
	unsigned int last = mapp_ncpus() - 1;
	int hits[2] = { 0, 0 }, rc, which;
	uint64_t deadline;
	mapp_t t;

	CHECK(chan_trysend(b, &one) == 0, "trysend");
	CHECK(chan_select(ops, 2, 0) == 1 && rb == 1, "the ready op");
	for (int i = 0; i < 200; i++) {
		(void)chan_trysend(a, &one);
		(void)chan_trysend(b, &one);
		rc = chan_select(ops, 2, 0);
		if (rc == 0 || rc == 1)
			hits[rc]++;
	}
	CHECK(hits[0] >= 50 && hits[1] >= 50, "unfair: %d / %d", hits[0],
	      hits[1]);
	(void)chan_tryrecv(a, &ra);
	(void)chan_tryrecv(b, &rb);
	deadline = now_ns() + 3000000;
	CHECK(chan_select(ops, 2, deadline) == CHAN_ETIMEDOUT, "timeout");
	CHECK(now_ns() >= deadline, "select returned early");
	CHECK(chan_select(ops, 0, 0) == CHAN_EINVAL, "n = 0");

	for (which = 0; which < 3; which++) {
		for (int i = 0; i < 3; i++)
			three[i] = make(4, (size_t)i);
		CHECK(spawn_on(&t, "select3", select_three, NULL, last) == 0,
		      "spawn");
		mapp_sleep_ns(2000000);
		one = 100 + (uint32_t)which;
		CHECK(chan_send(three[which], &one) == 0, "send");
		CHECK(joined_ok(t), "select3");
		CHECK(three_rc == which && three_got == one,
		      "select woke with %d / %u", three_rc, three_got);
		for (int i = 0; i < 3; i++)
			CHECK(chan_destroy(three[i]) == 0,
			      "waiter left queued");
	}

	/* Closing one channel leaves it waiting; closing all ends it. */
	three[0] = three[1] = a;
	three[2] = b;
	CHECK(spawn_on(&t, "select3", select_three, NULL, last) == 0, "spawn");
	mapp_sleep_ns(2000000);
	CHECK(chan_close(a) == 0, "close");
	mapp_sleep_ns(2000000);
	CHECK(chan_close(b) == 0, "close");
	CHECK(joined_ok(t), "select3");
	CHECK(three_rc == CHAN_EPIPE, "all closed: %d", three_rc);
	CHECK(chan_destroy(a) == 0 && chan_destroy(b) == 0, "destroy");
}

static int test_select(void)
{
	select_basics();
	select_exactly_once();
	return failures != 0;
}

/* --- deadline ------------------------------------------------------------ */

#define DL_SENDERS 3
#define DL_RECEIVERS 3
#define DL_MSGS 600 /* per sender */
static struct chan *dl_chan;
static unsigned char dl_seen[DL_SENDERS][DL_MSGS];

struct dl_task {
	unsigned int id;
	unsigned long timeouts;
	int rc; /* written before the microapp returns */
};

/* Tens of microseconds, varied, so that deadlines pass at every point of
 * the other side's operation. */
static uint64_t dl_deadline(unsigned long k)
{
	return now_ns() + 10000 + (k % 7) * 15000;
}

static int dl_send(void *arg)
{
	struct dl_task *t = arg;
	unsigned long k;
	int rc;

	for (k = 0; k < DL_MSGS; k++) {
		uint64_t v = (uint64_t)t->id << 32 | k;

		while ((rc = chan_timedsend(dl_chan, &v, dl_deadline(k))) ==
		       CHAN_ETIMEDOUT)
			t->timeouts++;
		if (rc)
			return 1;
	}
	return 0;
}

static int dl_recv(void *arg)
{
	struct dl_task *t = arg;
	unsigned long k = 0;
	uint64_t v;
	int rc;

	for (;; k++) {
		rc = chan_timedrecv(dl_chan, &v, dl_deadline(k));
		if (rc == CHAN_ETIMEDOUT) {
			t->timeouts++;
			continue;
		}
		if (rc == CHAN_EPIPE)
			return 0;
		if (rc || (v >> 32) >= DL_SENDERS ||
		    (v & 0xffffffffu) >= DL_MSGS)
			return 1;
		__atomic_fetch_add(&dl_seen[v >> 32][v & 0xffffffffu], 1,
				   __ATOMIC_RELAXED);
	}
}

static void deadline_round(size_t capacity)
{
	struct dl_task ts[DL_SENDERS + DL_RECEIVERS];
	unsigned int n = mapp_ncpus(), i, k, lost = 0, twice = 0;
	unsigned long timeouts = 0;
	mapp_t t[DL_SENDERS + DL_RECEIVERS];

	memset(dl_seen, 0, sizeof(dl_seen));
	dl_chan = make(sizeof(uint64_t), capacity);
	for (i = 0; i < DL_SENDERS + DL_RECEIVERS; i++) {
		ts[i] = (struct dl_task){ .id = i };
		CHECK(spawn_on(&t[i], i < DL_SENDERS ? "dlsend" : "dlrecv",
			       i < DL_SENDERS ? dl_send : dl_recv, &ts[i],
			       i % n) == 0,
		      "spawn");
	}
	for (i = 0; i < DL_SENDERS; i++)
		CHECK(joined_ok(t[i]), "sender %u failed", i);
	CHECK(chan_close(dl_chan) == 0, "close");
	for (i = DL_SENDERS; i < DL_SENDERS + DL_RECEIVERS; i++)
		CHECK(joined_ok(t[i]), "receiver %u failed", i);
	for (i = 0; i < DL_SENDERS + DL_RECEIVERS; i++)
		timeouts += ts[i].timeouts;
	for (i = 0; i < DL_SENDERS; i++) {
		for (k = 0; k < DL_MSGS; k++) {
			lost += dl_seen[i][k] == 0;
			twice += dl_seen[i][k] > 1;
		}
	}
	CHECK(lost == 0 && twice == 0,
	      "capacity %lu: %u messages lost, %u received twice",
	      (unsigned long)capacity, lost, twice);
	CHECK(chan_destroy(dl_chan) == 0, "destroy");
	/* How often the deadlines ran out depends on the machine: shown,
	 * not checked. */
	printf("deadline: capacity %lu: %u messages, %u lost, %u received "
	       "twice (%lu deadlines passed)\n",
	       (unsigned long)capacity, DL_SENDERS * DL_MSGS, lost, twice,
	       timeouts);
}

static int test_deadline(void)
{
	deadline_round(0);
	deadline_round(1);
	return failures != 0;
}

int main(int argc, char **argv)
{
	int rc = 1;

	if (argc < 2) {
		printf("TEST FAIL: no subcommand\n");
		return 1;
	}
	if (!strcmp(argv[1], "pingpong") && argc == 3)
		rc = test_pingpong(parse(argv[2]));
	else if (!strcmp(argv[1], "mpmc"))
		rc = test_mpmc();
	else if (!strcmp(argv[1], "close"))
		rc = test_close();
	else if (!strcmp(argv[1], "select"))
		rc = test_select();
	else if (!strcmp(argv[1], "deadline"))
		rc = test_deadline();
	else
		printf("TEST FAIL: unknown subcommand %s\n", argv[1]);
	if (rc == 0 && failures == 0)
		printf("TEST PASS\n");
	return rc || failures;
}

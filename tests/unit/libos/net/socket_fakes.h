/* SPDX-License-Identifier: MIT */
/*
 * What the socket layer's host test (socket_test.c) puts under it:
 *
 *  - socket_netd_fake.c: <net/netd.h> over one real struct netstack (the
 *    real layers up to UDP, with its loopback) and a real kernel mutex
 *    (kernel/sched/sync.c over the fake scheduler); net_kick() processes
 *    the deferred loopback packets, as netd.c's does. Also the
 *    environment the stack asks for (net_now_ns, net_random) and the heap
 *    calls netbuf.c needs beyond fake_sched.c's.
 *
 *  - socket_tcp_fake.c (socket_test.c only; socket_tcp_test.c links the
 *    real TCP): <net/tcp.h> as an in-memory TCP inside that
 *    instance: a connect reaches a listener on its port at once (or when
 *    the test says, see fake_tcp_hold_connects), bytes sent land in the
 *    peer's receive buffer (NET_OPT_RCVBUF bytes, 65536 by default) and
 *    count as unacknowledged until the peer reads them. Every call checks
 *    that the caller holds the stack mutex (a panic otherwise), and the
 *    notify hook is called with it held, as the real TCP does.
 */
#ifndef SOCKET_FAKES_H
#define SOCKET_FAKES_H

#include <stdbool.h>
#include <stdint.h>

/* Destroys the instance (net_start() makes a new one) and clears the
 * injected start error and the kick count. */
void fake_netd_reset(void);
/* net_start() fails with err from now on (0: succeeds again). */
void fake_netd_fail_start(int err);
/* Starts the stack (if needed) and a task that runs its timers, as
 * netd does (the real TCP needs them); fake_netd_reset() ends it. It
 * counts among fake_sleepers() while it waits. */
void fake_netd_run_timers(void);
/* net_kick() calls so far. */
unsigned int fake_netd_kicks(void);
/* The instance's ns_mem_bytes (its pcbs and state). */
uint64_t fake_netd_mem(void);

/* TCP pcbs alive. */
unsigned int fake_tcp_live(void);
/* Connections reset (by close with unread data, SO_LINGER 0, abort). */
unsigned int fake_tcp_resets(void);
/* While hold is set, connects stay in SYN_SENT until
 * fake_tcp_finish_connects(). */
void fake_tcp_hold_connects(bool hold);
/* Ends every held handshake: err 0 completes it (or refuses it when
 * nobody listens), else fails it with err. Takes the stack mutex. */
void fake_tcp_finish_connects(int err);

#endif /* SOCKET_FAKES_H */

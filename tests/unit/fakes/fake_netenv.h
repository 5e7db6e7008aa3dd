/* SPDX-License-Identifier: MIT */
/*
 * What the network stack and kernel/dev/netbuf.c call outside themselves,
 * for host tests (fake_netenv.c):
 *  - net_now_ns() (<net/net.h>): a clock that moves only when the test
 *    says so; starts at 0;
 *  - net_random() (<net/net.h>): a seeded, repeatable generator (not
 *    cryptographic: tests want the same bytes on every run); starts
 *    seeded with 1;
 *  - heap_alloc(), heap_calloc(), heap_free() and heap_violation()
 *    (<kernel/heap.h>, which netbuf.c uses) over malloc, with
 *    fault injection; a violation aborts the test.
 * All of it is process-global: a test that cares sets it at its start.
 * Do not link it together with another fake that defines the heap calls
 * (fake_dma.c, fake_sched.c).
 */
#ifndef FAKE_NETENV_H
#define FAKE_NETENV_H

#include <stddef.h>
#include <stdint.h>

/* Sets the clock net_now_ns() returns. */
void fake_net_set_time(uint64_t ns);
/* Moves the clock forward by ns. */
void fake_net_advance(uint64_t ns);
/* Restarts the generator behind net_random() from seed. */
void fake_net_seed(uint64_t seed);
/* The next 64 bits of that generator (for a test's own choices). */
uint64_t fake_net_rand64(void);

/* Makes the nth heap allocation from now fail (1: the next one), and
 * only that one; 0 turns injection off. */
void fake_net_heap_fail_at(unsigned int nth);
/* Heap allocations made and not yet freed. */
size_t fake_net_heap_live(void);

/* The environment functions, as declared in <net/net.h>. */
uint64_t net_now_ns(void);
void net_random(void *buf, size_t len);

#endif /* FAKE_NETENV_H */

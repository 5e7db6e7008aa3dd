/* SPDX-License-Identifier: MIT */
/*
 * The appliance's network stack instance and the task that drives it
 * (libos/net/netd.c).
 *
 * There is one struct netstack. Every call into it is made with the
 * stack mutex held (net_lock/net_unlock): socket calls take it for the
 * length of one stack call and sleep without it. The "netd" microapp
 * takes frames from the devices when their interrupts say so, runs the
 * stack's timers, and sleeps in between (no polling, no fixed tick).
 *
 * Configuration comes from the command line, `mosaic.net=`:
 *   dhcp (the default when a device is present), none, or
 *   static:IP/NN[,GATEWAY[,DNS]].
 * The address in use is printed once it is known ("net: eth0 10.0.2.15/24
 * gw 10.0.2.2 dns 10.0.2.3 (dhcp)").
 */
#ifndef NET_NETD_H
#define NET_NETD_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/sync.h>
#include <net/net.h>

/* Starts the stack once (later calls return the first result): 0 or a
 * negative errno. socket() calls it, so the loopback works in an
 * appliance without a network device. An image that links it also
 * starts the stack before main() when a device exists (netd.c's "app"
 * initcall), so DHCP runs and the address is printed at boot; one that
 * does not (no sockets, no resolver) has no network stack at all. */
int net_start(void);

/* The instance; NULL before net_start() or when it failed. */
struct netstack *net_stack(void);

/* The stack mutex. Sleeping lock; never held across a sleep for an
 * event (waiters drop it: see net_mutex). */
void net_lock(void);
void net_unlock(void);

/*
 * After a call that may have sent or changed timers: processes deferred
 * (loopback) packets and tells netd about a new earliest deadline.
 * Caller holds the lock.
 */
void net_kick(void);

/* The stack mutex itself, for cond_wait()/cond_timedwait()
 * (<kernel/sync.h>) by callers that sleep until a notify hook wakes
 * them. */
struct mutex *net_mutex(void);

/* The DNS servers configured (static or DHCP), network order; returns
 * how many were stored (at most max). Takes the lock itself. */
int net_dns_servers(uint32_t *servers, int max);

/* Blocks until an interface has an address or deadline_ns passes
 * (0: the DHCP timeout). Returns 0, -ETIMEDOUT, -ENETDOWN (no device or
 * mosaic.net=none). Takes the lock itself. */
int net_wait_configured(uint64_t deadline_ns);

#endif /* NET_NETD_H */

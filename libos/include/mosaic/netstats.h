/* SPDX-License-Identifier: MIT */
/*
 * The network stack's counters, by name, for tests and debugging: the
 * drop and event counters of libos/net/include/net/counters.h
 * ("ip_bad_csum", "tcp_retransmit", "tcp_lent_bytes", ...), and the
 * network devices' transmit counters summed over devices: "dev_tx_packets"
 * (frames posted), "dev_tx_errors" (frames refused), "dev_tx_tso" (TCP
 * super-frames the devices segment, NB_GSO_TCPV4).
 */
#ifndef MOSAIC_NETSTATS_H
#define MOSAIC_NETSTATS_H

/*
 * Stores counter `name`'s value in *value (0 before the stack started).
 * Returns 0, or -1 with errno ENOENT for a name that is no counter,
 * EFAULT for a NULL argument. Takes the stack mutex (may yield).
 */
int mosaic_netstat(const char *name, unsigned long long *value);

#endif /* MOSAIC_NETSTATS_H */

/* SPDX-License-Identifier: MIT */
/*
 * <netinet/tcp.h>: TCP socket options (Linux values). TCP_NODELAY,
 * TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_MAXSEG work; the others
 * fail with ENOPROTOOPT.
 */
#ifndef MOSAIC_NETINET_TCP_H
#define MOSAIC_NETINET_TCP_H

#define SOL_TCP 6 /* the level of these options, as IPPROTO_TCP */

#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_DEFER_ACCEPT 9
#define TCP_QUICKACK 12
#define TCP_USER_TIMEOUT 18
#define TCP_FASTOPEN 23

#endif /* MOSAIC_NETINET_TCP_H */

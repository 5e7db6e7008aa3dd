/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/libc/inet.c: unit.mk force-includes this file in
 * inet.c so that its names become mosaic_* and link next to glibc's, the
 * oracle. inet_test.c declares the mosaic_* functions itself.
 */
#define htons mosaic_htons
#define htonl mosaic_htonl
#define ntohs mosaic_ntohs
#define ntohl mosaic_ntohl
#define inet_pton mosaic_inet_pton
#define inet_ntop mosaic_inet_ntop
#define inet_aton mosaic_inet_aton
#define inet_addr mosaic_inet_addr
#define inet_ntoa mosaic_inet_ntoa
#define in6addr_any mosaic_in6addr_any
#define in6addr_loopback mosaic_in6addr_loopback

/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/net/resolv.c: unit.mk force-includes this file in
 * resolv.c (compiled against Mosaic's headers) so that its names become
 * mosaic_* and link next to glibc's; everything it calls (socket, poll,
 * inet_aton...) is glibc's, over the host's loopback.
 */
#define getaddrinfo mosaic_getaddrinfo
#define freeaddrinfo mosaic_freeaddrinfo
#define gai_strerror mosaic_gai_strerror
#define gethostbyname mosaic_gethostbyname
#define h_errno mosaic_h_errno

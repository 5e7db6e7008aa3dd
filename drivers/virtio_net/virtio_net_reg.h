/* SPDX-License-Identifier: MIT */
/* The virtio network device (virtio 1.2 §5.1): features, configuration
 * layout and the header in front of every frame. Little-endian, native
 * on x86-64 (legacy devices use the guest's order, the same here). */
#ifndef VIRTIO_NET_REG_H
#define VIRTIO_NET_REG_H

#include <stdint.h>

#include <kernel/compiler.h>

/* Feature bits (§5.1.3). Only those the driver looks at. */
#define VIRTIO_NET_F_CSUM 0 /* device completes partial checksums */
#define VIRTIO_NET_F_GUEST_CSUM 1 /* driver handles partial checksums */
#define VIRTIO_NET_F_MTU 3 /* config mtu is valid */
#define VIRTIO_NET_F_MAC 5 /* config mac is valid */
#define VIRTIO_NET_F_GUEST_TSO4 7 /* never taken: no GSO */
#define VIRTIO_NET_F_HOST_TSO4 11 /* device segments TCP/IPv4 (needs CSUM) */
#define VIRTIO_NET_F_MRG_RXBUF 15 /* a frame may span receive buffers */
#define VIRTIO_NET_F_STATUS 16 /* config status is valid */
/* Legacy only (§6.3): header and data need not be separate buffers. */
#define VIRTIO_F_ANY_LAYOUT 27

/* struct virtio_net_config offsets (§5.1.4). */
#define VNET_CFG_MAC 0 /* u8[6] */
#define VNET_CFG_STATUS 6 /* le16 */
#define VNET_CFG_MTU 10 /* le16 */

#define VIRTIO_NET_S_LINK_UP 1

/* Queues of the first pair (§5.1.2). */
#define VNET_RXQ 0
#define VNET_TXQ 1

/* virtio_net_hdr.flags */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
/* virtio_net_hdr.gso_type */
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1

/*
 * The header in front of every frame (§5.1.6). num_buffers is present
 * with VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MRG_RXBUF; otherwise the header
 * is the first 10 bytes only (legacy).
 */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __packed;

#define VNET_HDR_LEGACY_BYTES 10

BUILD_ASSERT(sizeof(struct virtio_net_hdr) == 12);

#endif /* VIRTIO_NET_REG_H */

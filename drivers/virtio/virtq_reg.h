/* SPDX-License-Identifier: MIT */
/*
 * The split virtqueue as the device sees it (virtio 1.2 §2.7): descriptor
 * table, available (driver) ring and used (device) ring. Little-endian,
 * which is native on x86-64. Private to drivers/virtio.
 */
#ifndef VIRTQ_REG_H
#define VIRTQ_REG_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

/* virtq_desc.flags (§2.7.5). */
#define VIRTQ_DESC_F_NEXT 1 /* the chain continues at .next */
#define VIRTQ_DESC_F_WRITE 2 /* device-writable buffer */
#define VIRTQ_DESC_F_INDIRECT 4 /* .addr/.len name a table of descriptors */

/* virtq_avail.flags without VIRTIO_F_EVENT_IDX (§2.7.7). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
/* virtq_used.flags without VIRTIO_F_EVENT_IDX (§2.7.10). */
#define VIRTQ_USED_F_NO_NOTIFY 1

/* Alignments of the three areas (§2.7, table "Virtqueue Part Alignment"). */
#define VIRTQ_DESC_ALIGN 16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN 4
/* Legacy interfaces: the used ring starts on the next such boundary. */
#define VIRTQ_LEGACY_ALIGN 4096

/* Largest queue size a split ring may have (§2.7). */
#define VIRTQ_SIZE_MAX 32768

struct virtq_desc {
	uint64_t addr; /* physical */
	uint32_t len;
	uint16_t flags; /* VIRTQ_DESC_F_* */
	uint16_t next; /* with VIRTQ_DESC_F_NEXT */
} __packed;

/* Followed by le16 used_event (at ring[size]) with VIRTIO_F_EVENT_IDX. */
struct virtq_avail {
	uint16_t flags; /* VIRTQ_AVAIL_F_* */
	uint16_t idx; /* where the driver puts the next entry, mod 2^16 */
	uint16_t ring[]; /* [size]: chain heads */
} __packed;

struct virtq_used_elem {
	uint32_t id; /* head of the chain the device used */
	uint32_t len; /* bytes written to its device-writable buffers */
} __packed;

/* Followed by le16 avail_event (after ring[size]) with VIRTIO_F_EVENT_IDX. */
struct virtq_used {
	uint16_t flags; /* VIRTQ_USED_F_* */
	uint16_t idx; /* where the device puts the next entry, mod 2^16 */
	struct virtq_used_elem ring[]; /* [size] */
} __packed;

BUILD_ASSERT(sizeof(struct virtq_desc) == 16);
BUILD_ASSERT(sizeof(struct virtq_avail) == 4);
BUILD_ASSERT(sizeof(struct virtq_used_elem) == 8);
BUILD_ASSERT(sizeof(struct virtq_used) == 4);

/* Bytes of each area for a queue of `size` entries, event fields included. */
#define VIRTQ_DESC_BYTES(size) (sizeof(struct virtq_desc) * (size_t)(size))
#define VIRTQ_AVAIL_BYTES(size)                                                \
	(sizeof(struct virtq_avail) + sizeof(uint16_t) * ((size_t)(size) + 1))
#define VIRTQ_USED_BYTES(size)                                                 \
	(sizeof(struct virtq_used) +                                           \
	 sizeof(struct virtq_used_elem) * (size_t)(size) + sizeof(uint16_t))

#endif /* VIRTQ_REG_H */

/* SPDX-License-Identifier: MIT */
/* The virtio block device (virtio 1.2 §5.2): features, configuration
 * layout and request format. */
#ifndef VIRTIO_BLK_REG_H
#define VIRTIO_BLK_REG_H

#include <stdint.h>

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9 /* VIRTIO_BLK_F_WCE in legacy devices */

/* struct virtio_blk_config offsets. */
#define VBLK_CFG_CAPACITY 0 /* le64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 8 /* le32 */
#define VBLK_CFG_SEG_MAX 12 /* le32 */
#define VBLK_CFG_BLK_SIZE 20 /* le32 */

#define VIRTIO_BLK_SECTOR 512

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20

struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
} __attribute__((packed));

_Static_assert(sizeof(struct virtio_blk_outhdr) == 16, "virtio-blk header");

#endif /* VIRTIO_BLK_REG_H */

/* SPDX-License-Identifier: MIT */
/*
 * virtio 1.x (OASIS virtio v1.2): the split virtqueue, the transports
 * (modern PCI, legacy 0.9.5 PCI for transitional devices, virtio-mmio
 * versions 1 and 2) and the registration of virtio device drivers. The
 * only header a virtio device driver (virtio_blk, virtio_rng, later
 * virtio_net) includes besides <kernel/...>.
 *
 * The device is untrusted. Every used-ring entry is checked against a
 * private record of what was posted: the id must name a chain head that
 * is outstanding, the length must not exceed the device-writable bytes
 * posted, and the used index must not move past the entries outstanding.
 * A queue that sees a violation is broken for good: its outstanding
 * requests come back through virtq_drain() to be failed with -EIO, new
 * ones are refused with -EIO, and the kernel keeps running.
 */
#ifndef VIRTIO_VIRTIO_H
#define VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/dev.h>
#include <kernel/page.h>

/* Device types (virtio 1.2 §5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4

/* Transport-independent feature bits (§6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_BIT(f) (1ull << (f))

/* ---------------------------------------------------------------------
 * Split virtqueues (§2.7). Not locked: the driver serialises every call
 * on one queue (its own spinlock, taken in the interrupt handler too).
 */

struct virtq;

/* One buffer of a chain: physically contiguous memory. */
struct virtq_seg {
	uint64_t vs_addr; /* physical address */
	uint32_t vs_len; /* bytes, > 0 */
	bool vs_write; /* the device writes it (else reads it) */
};

/* How the rings are laid out in memory: one block for the legacy
 * transports (used ring on the next 4 KiB boundary, §2.7.2), three
 * separately aligned areas otherwise. */
enum virtq_layout {
	VIRTQ_LAYOUT_MODERN,
	VIRTQ_LAYOUT_LEGACY,
};

struct virtq_config {
	uint16_t vc_size; /* entries: a power of two, 1 to 32768 */
	uint16_t vc_index; /* the queue's number on its device */
	enum virtq_layout vc_layout;
	bool vc_event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	uint16_t vc_indirect_max; /* > 1: use indirect tables of up to this
				   * many segments, capped at vc_size
				   * (INDIRECT_DESC negotiated); 0 or 1:
				   * direct chains only */
};

/*
 * Allocates a queue and its rings (zeroed, in DMA memory).
 * Returns 0 and *out; -EINVAL for a size that is 0, not a power of two
 * or above 32768, or an indirect_max above 1024; -ENOMEM.
 */
int __must_check virtq_create(const struct virtq_config *cfg,
			      struct virtq **out);

/* Frees the queue. The device must no longer use it (reset first). */
void virtq_destroy(struct virtq *q);

/* Physical addresses of the descriptor table, available (driver) ring
 * and used (device) ring, for the transport to program. */
uint64_t virtq_desc_addr(const struct virtq *q);
uint64_t virtq_avail_addr(const struct virtq *q);
uint64_t virtq_used_addr(const struct virtq *q);
uint16_t virtq_size(const struct virtq *q);
uint16_t virtq_index(const struct virtq *q);

/*
 * Posts a chain: n_out device-readable segments, then n_in device-
 * writable ones (segs[0 .. n_out + n_in)). cookie (non-NULL) comes back
 * from virtq_get() or virtq_drain(). The chain is made visible to the
 * device but the device is not notified: call virtq_kick_prepare().
 * Returns 0; -ENOSPC when there are not enough free descriptors (retry
 * after completions); -EINVAL for no segments, a zero length, a NULL
 * cookie, a vs_write that does not match the segment's place, more
 * segments than the queue size (§2.7.5.3.1, indirect or not) or more
 * than 4 GiB in all (§2.7.5); -EIO when the queue is broken.
 */
int __must_check virtq_add(struct virtq *q, const struct virtq_seg *segs,
			   unsigned int n_out, unsigned int n_in, void *cookie);

/* True when the device wants a notification for the chains added since
 * the last call (event index or the used ring's NO_NOTIFY flag). */
bool virtq_kick_prepare(struct virtq *q);

/*
 * Takes the next completed chain: returns 1 with its cookie and the
 * bytes the device says it wrote (never more than were posted writable);
 * 0 when none is ready; -EIO when the device broke the rules (the queue
 * is then broken: see virtq_drain()).
 */
int virtq_get(struct virtq *q, void **cookie, uint32_t *written);

/*
 * Interrupt suppression. virtq_disable_cb() asks the device not to
 * interrupt; virtq_enable_cb() asks again and returns false when chains
 * completed meanwhile (the caller should poll again before sleeping) or
 * the queue is broken.
 */
void virtq_disable_cb(struct virtq *q);
bool __must_check virtq_enable_cb(struct virtq *q);

/*
 * Repair of notifications lost where the handshake's fence may not hold
 * (<kernel/io.h>: io_fences_lossy()). A queue that starts to rely on the
 * device for its next step -- an interrupt once virtq_enable_cb() found
 * nothing or virtq_get() asked for the next completion, or the device's
 * own look at the avail ring after virtq_kick_prepare() said no doorbell
 * -- sets one flag for all queues. virtq_take_unconfirmed() returns it and
 * clears it. After io_fence_host(), virtq_owed() says what q may be owed:
 * VIRTQ_OWED_INTR (completions wait while interrupts are on: run the
 * queue's handler) and VIRTQ_OWED_KICK (the device asked for a doorbell
 * within the chains published since the last one: ring it). It reads the
 * driver's fields without the driver's lock; a stale value costs one
 * needless handler run or doorbell (both harmless), or leaves the repair
 * to the next check, which the driver's next step flags again.
 */
#define VIRTQ_OWED_INTR 0x1
#define VIRTQ_OWED_KICK 0x2
bool virtq_take_unconfirmed(void);
unsigned int virtq_owed(const struct virtq *q);

/* Marks the queue broken (also done by virtq_get() on a violation). */
void virtq_break(struct virtq *q);
bool virtq_is_broken(const struct virtq *q);

/*
 * After the queue broke, or after the device was reset: returns one
 * outstanding chain's cookie and frees its descriptors, or NULL when
 * none is left. The device must not use the queue any more; the queue is
 * broken from the first call on.
 */
void *virtq_drain(struct virtq *q);

/* Chains posted and not yet returned. */
unsigned int virtq_outstanding(const struct virtq *q);

/* Counters, for tests and the note. */
struct virtq_stats {
	uint64_t vqs_added, vqs_completed, vqs_kicks, vqs_violations;
};
void virtq_get_stats(const struct virtq *q, struct virtq_stats *st);

/*
 * DMA memory for rings and driver headers: physically contiguous, zeroed,
 * page aligned, identity mapped (the address is its physical address).
 * Returns NULL when out of memory. virtio_dma_free() takes the same len.
 */
void *virtio_dma_alloc(size_t len);
void virtio_dma_free(void *p, size_t len);

/*
 * Bytes of memory free now, for drivers that size their pools by the RAM
 * there is (a hint: any allocation may still fail).
 */
size_t virtio_dma_avail(void);

/*
 * Splits [va, va + len) of mapped memory into physically contiguous
 * segments, appending to segs (at most max entries) with vs_write set to
 * `write`. Returns the number of segments, -EFAULT when part of the
 * range is unmapped or, for `write` (the device writes), not writable,
 * -E2BIG when more than max would be needed.
 */
int __must_check virtio_sg_map(const void *va, size_t len, bool write,
			       struct virtq_seg *segs, unsigned int max);

/* ---------------------------------------------------------------------
 * Devices and drivers.
 */

struct virtio_dev;

/* An interrupt for one queue: runs in interrupt context, must not
 * sleep; may be called when nothing completed (shared lines). */
typedef void (*virtq_handler_t)(struct virtq *q, void *arg);

/*
 * A virtio device driver, registered from a "device" initcall with
 * virtio_driver_register(). probe sets the device up (negotiate, queues,
 * virtio_ready()) and returns 0, or returns a negative errno after
 * virtio_stop() and freeing its own state; the core then resets the
 * device, frees the queues and marks the device FAILED.
 */
struct virtio_driver {
	const char *vd_name;
	uint16_t vd_type; /* VIRTIO_ID_* */
	int (*vd_probe)(struct virtio_dev *vdev);
	struct driver vd_drv; /* the core's */
};

/* Registers drv with the device registry. Returns 0 or -EINVAL. */
int virtio_driver_register(struct virtio_driver *drv);

/* Names the device for messages: "virtio-blk pci 0000:00:04.0 (modern)". */
const char *virtio_name(const struct virtio_dev *vdev);

/* The device's features as offered (64 bits; bits 32+ are 0 on a legacy
 * transport). */
uint64_t virtio_device_features(const struct virtio_dev *vdev);

/*
 * Accepts `wanted` & offered features (VIRTIO_F_VERSION_1 is added on the
 * modern transports, which require it; ACCESS_PLATFORM is never taken)
 * and completes negotiation (FEATURES_OK, re-read). Returns 0 with the
 * result in *got; -ENODEV when the device refuses.
 */
int __must_check virtio_negotiate(struct virtio_dev *vdev, uint64_t wanted,
				  uint64_t *got);

/* True when feature bit f (VIRTIO_F_* or a device's) was negotiated. */
bool virtio_has_feature(const struct virtio_dev *vdev, unsigned int f);

/*
 * Reads len bytes of device-specific configuration at off into buf,
 * retrying until the configuration generation is stable. Returns 0, or
 * -EINVAL when [off, off + len) lies outside what the transport exposes.
 * Values are little-endian on modern devices and native (also little-
 * endian on x86) on legacy ones.
 */
int __must_check virtio_config_read(struct virtio_dev *vdev, unsigned int off,
				    void *buf, size_t len);

/*
 * Sets up queue `index`: reads the device's maximum size (refusing 0,
 * above 32768, or, for split rings, not a power of two, with -EIO),
 * uses min(max, want) entries rounded down to a power of two, creates
 * the virtq, gives the queue its interrupt (an MSI-X vector of its own
 * when the device has MSI-X, else the device's shared line) calling
 * fn(q, arg), and enables it. Returns 0 and *out, or a negative errno.
 * Before virtio_ready().
 */
int __must_check virtio_queue_setup(struct virtio_dev *vdev, uint16_t index,
				    uint16_t want, uint16_t indirect_max,
				    virtq_handler_t fn, void *arg,
				    struct virtq **out);

/* A configuration change (§2.5.2): interrupt context, must not sleep;
 * may be called when nothing changed. */
typedef void (*virtio_config_handler_t)(struct virtio_dev *vdev, void *arg);

/*
 * Asks for configuration-change interrupts, calling fn(vdev, arg) on
 * each: a vector of its own on MSI-X (the table entry after the queues'),
 * else from the shared handler when the ISR says the configuration
 * changed. After every queue is set up, before virtio_ready(). Returns 0;
 * -EINVAL (fn NULL, already set, or no queue set up yet); -ENOSPC when
 * the MSI-X table has no entry left; -EIO when the device refuses the
 * vector; or an error of the IRQ API.
 */
int __must_check virtio_config_irq(struct virtio_dev *vdev,
				   virtio_config_handler_t fn, void *arg);

/* Notifies the device of new chains on q. Any context. */
void virtio_notify(struct virtio_dev *vdev, struct virtq *q);

/* Sets DRIVER_OK: the device is live. Returns 0 or -EIO when the device
 * reports DEVICE_NEEDS_RESET or FAILED instead. */
int __must_check virtio_ready(struct virtio_dev *vdev);

/*
 * Gives up on the device: stops its DMA and interrupts (bus mastering
 * off and INTx disabled on PCI, which also silences MSI-X; a masked line
 * and a reset on MMIO) and sets status FAILED. Returns 0: the device can
 * no longer touch guest memory, so the driver may fail its outstanding
 * requests (virtq_drain()) and let callers reuse their buffers; or -EIO
 * when an MMIO device did not complete its reset: it may still write
 * into posted buffers, which must then stay outstanding. Any context,
 * the device's own interrupt handler included.
 */
int virtio_fail(struct virtio_dev *vdev);

/*
 * virtio_fail(), then releases the device's interrupts and waits until no
 * CPU runs one of its handlers. A driver whose probe fails after
 * virtio_queue_setup() calls it before freeing what its handlers use;
 * the core frees the queues after the probe returned. Idempotent. Thread
 * context, never from the device's handler.
 */
void virtio_stop(struct virtio_dev *vdev);

/* How the device interrupts, for messages: "MSI-X", "INTx" or "line"
 * (virtio-mmio); "none" before the first queue is set up. */
const char *virtio_irq_kind(const struct virtio_dev *vdev);

/* The driver's own pointer, kept for it. */
void virtio_set_drvdata(struct virtio_dev *vdev, void *p);
void *virtio_drvdata(const struct virtio_dev *vdev);

#endif /* VIRTIO_VIRTIO_H */

/* SPDX-License-Identifier: MIT */
/*
 * Packet buffers, shared by network drivers and the stack.
 *
 * A netbuf is a contiguous area [nb_base, nb_base + nb_cap) holding the
 * bytes [nb_data, nb_data + nb_len): room before nb_data (headroom) is
 * where lower layers push their headers, so a packet built by TCP goes
 * down to the device without being copied. A frame may continue in more
 * netbufs linked through nb_frag: that is only done on transmit, where a
 * header netbuf is followed by payload kept elsewhere (a TCP send buffer,
 * file data wrapped with netbuf_ext()) -- the zero-copy path. Received
 * frames are always one netbuf.
 *
 * Ownership: a netbuf has a reference count (netbuf_ref/netbuf_put); the
 * holder of a reference may read it, and the only holder (nb_refs == 1)
 * may change it -- its data or its fields: pushing a header moves
 * nb_data, so a frame's first piece must be the sender's alone, while
 * the pieces after it are only read and may be shared (netbuf_slice). A netbuf
 * holds one reference to its nb_frag, dropped when it is freed. The last put
 * frees the area -- or, for a driver's or an external area, calls the owner's
 * release hook, which is how a driver recycles its receive buffers without
 * allocating.
 *
 * Checksums: on transmit, NB_CSUM_PARTIAL asks the device to compute the
 * 16-bit ones' complement sum from nb_csum_start (bytes from the start of
 * the frame) to the end of the frame and store it at nb_csum_start +
 * nb_csum_off; the stack sets it only for a device that offers
 * NETDEV_F_TX_CSUM and has put the pseudo-header sum in that field. On
 * receive, NB_CSUM_VALID says the device verified the transport checksum.
 *
 * Segmentation offload (transmit only, for a device with NETDEV_F_TSO4):
 * NB_GSO_TCPV4 marks a super-frame -- Ethernet, IPv4 and TCP headers, all
 * in the first piece, followed by more payload than one segment carries
 * -- that the device cuts into segments of nb_gso_size payload bytes
 * (the MSS), each with a copy of the headers: sequence numbers advanced,
 * IP total length and checksums recomputed, the IP ID incremented per
 * segment, FIN and PSH kept on the last segment only, the TCP options
 * (timestamps) repeated unchanged. It always comes with NB_CSUM_PARTIAL
 * over the TCP header. The IP total length field is the super-frame's
 * and may exceed the MTU, never 65535 (<kernel/netdev.h> ni_tso_max).
 *
 * Every call is safe in any context (interrupt handlers included) and
 * never sleeps; allocation uses the kernel heap.
 */
#ifndef KERNEL_NETBUF_H
#define KERNEL_NETBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/heap.h>

#define NB_CSUM_PARTIAL 0x0001u /* TX: device completes the checksum */
#define NB_CSUM_VALID 0x0002u /* RX: device checked the checksum */
#define NB_BCAST 0x0004u /* RX: link-layer broadcast */
#define NB_MCAST 0x0008u /* RX: link-layer multicast */
#define NB_GSO_TCPV4 0x0010u /* TX: TCP/IPv4 super-frame, device segments */

/*
 * Headroom that leaves space for every header the stack and a driver
 * push in front of a TCP payload: driver header (12, virtio-net), Ethernet
 * (14), IPv4 with options (60), TCP with options (60), rounded up.
 */
#define NETBUF_HEADROOM 160u

/*
 * The most a struct netbuf may take, and the largest area netbuf_alloc()
 * gives within one small heap block (HEAP_SMALL_MAX, <kernel/heap.h>):
 * a larger one takes whole pages, which cost more to allocate and free.
 */
#define NETBUF_STRUCT_MAX 96u
#define NETBUF_SMALL_AREA (HEAP_SMALL_MAX - NETBUF_STRUCT_MAX)

struct netdev;

struct netbuf {
	struct netbuf *nb_next; /* queue link for the current holder */
	struct netbuf *nb_frag; /* the frame's next piece (TX), referenced */
	uint8_t *nb_data; /* first byte of the packet */
	uint32_t nb_len; /* bytes at nb_data */
	uint32_t nb_refs; /* atomic */
	uint8_t *nb_base; /* the area */
	uint32_t nb_cap; /* its size */
	uint16_t nb_flags; /* NB_* */
	uint16_t nb_csum_start; /* NB_CSUM_PARTIAL: from the frame start */
	uint16_t nb_csum_off; /* NB_CSUM_PARTIAL: from nb_csum_start */
	uint16_t nb_queue; /* RX: the queue it arrived on */
	uint16_t nb_gso_size; /* NB_GSO_TCPV4: payload bytes per segment */
	struct netdev *nb_dev; /* RX: the device it arrived on */
	/*
	 * Called by the last netbuf_put() instead of freeing, for areas the
	 * allocator does not own (set by drivers and netbuf_ext()); it owns
	 * nb and its area from then on. nb_frag has already been put and
	 * cleared.
	 */
	void (*nb_release)(struct netbuf *nb);
	void *nb_owner; /* the release hook's */
	uintptr_t nb_priv[2]; /* the current holder's scratch space */
};

/*
 * A netbuf with `headroom` bytes before nb_data and room for `len` bytes
 * after it (nb_len is 0: append what is written). NULL when memory is
 * short or the sizes overflow.
 */
struct netbuf *netbuf_alloc(size_t headroom, size_t len);

/*
 * A netbuf whose data are len bytes at data, not copied. When the last
 * reference goes, release(arg) is called (any context, must not sleep):
 * the caller keeps data valid and unchanged until then. No headroom.
 * NULL when memory is short.
 */
struct netbuf *netbuf_ext(const void *data, size_t len,
			  void (*release)(void *arg), void *arg);

/*
 * A netbuf over bytes [off, off + len) of nb's first piece, not copied,
 * holding a reference to nb until it goes. This is how a holder shares
 * data it keeps (a TCP send buffer) with a frame in flight: a piece may
 * sit in one frame only (its nb_frag is the frame's link), so each frame
 * gets its own slice. NULL when memory is short or the range is outside
 * nb's data.
 */
struct netbuf *netbuf_slice(struct netbuf *nb, size_t off, size_t len);

/*
 * Initialises a netbuf over a caller-owned area (drivers' receive
 * buffers): one reference, nb_data at base + headroom, nb_len 0, the
 * release hook and owner set, every other field cleared.
 */
void netbuf_init(struct netbuf *nb, void *base, size_t cap, size_t headroom,
		 void (*release)(struct netbuf *nb), void *owner);

void netbuf_ref(struct netbuf *nb);
/* Drops a reference; the last one frees (see above). NULL is ignored. */
void netbuf_put(struct netbuf *nb);

static inline size_t netbuf_headroom(const struct netbuf *nb)
{
	return (size_t)(nb->nb_data - nb->nb_base);
}

static inline size_t netbuf_tailroom(const struct netbuf *nb)
{
	return nb->nb_cap - netbuf_headroom(nb) - nb->nb_len;
}

/* Extends the packet n bytes to the front; the new start, or NULL (and
 * nothing changes) when the headroom is short. */
void *netbuf_push(struct netbuf *nb, size_t n);

/* Removes n bytes from the front; the old start, or NULL (nothing
 * changes) when the packet is shorter than n. */
void *netbuf_pull(struct netbuf *nb, size_t n);

/* Extends the packet n bytes at the end; where they start, or NULL when
 * the tailroom is short. */
void *netbuf_append(struct netbuf *nb, size_t n);

/* Cuts the packet to len bytes (no change when it is not longer). */
void netbuf_trim(struct netbuf *nb, size_t len);

/* The frame's length: nb_len summed over the nb_frag chain. */
size_t netbuf_frame_len(const struct netbuf *nb);

/*
 * Copies len bytes from offset off of the frame (across pieces) to buf.
 * Returns 0, or -EINVAL (nothing copied) when the frame is shorter than
 * off + len.
 */
int __must_check netbuf_copy_out(const struct netbuf *nb, size_t off, void *buf,
				 size_t len);

/*
 * A new single-piece netbuf holding the whole frame with `headroom`
 * bytes before it (for a holder that needs to change a shared or
 * fragmented frame). NULL when memory is short.
 */
struct netbuf *netbuf_linearize(const struct netbuf *nb, size_t headroom);

/* Counters (atomic, monotonic except the "now" values). */
struct netbuf_stats {
	uint64_t ns_allocs; /* netbuf_alloc and netbuf_ext successes */
	uint64_t ns_alloc_fail;
	uint64_t ns_live; /* allocated and not yet freed, now */
	uint64_t ns_live_bytes; /* their areas' bytes, now */
};
void netbuf_get_stats(struct netbuf_stats *st);

#endif /* KERNEL_NETBUF_H */

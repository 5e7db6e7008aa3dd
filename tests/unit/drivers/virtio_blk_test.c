// SPDX-License-Identifier: MIT
/*
 * Host tests of the virtio core, the virtio-mmio transport and the
 * virtio-blk driver together, against a device emulated here: its MMIO
 * registers are plain memory the driver reads and writes, and the test
 * plays the device by walking the rings the driver programmed into them.
 * Covers the probe refusing bad configuration (queue size 0 or not a
 * power of two, absurd capacity or block size), the request path
 * (read, write, flush, get-id, status mapping), requests beyond the
 * queue waiting and starting as room frees, and a device that breaks
 * the queue rules failing every request with -EIO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The driver under test, whole: its statics (the driver, the init). */
#include "../../../drivers/virtio_blk/virtio_blk.c"

#include <kernel/dev.h>
#include <kernel/irq.h>
#include <kernel/mm.h>
#include <kernel/pci.h>
#include <kernel/sched.h>
#include <kernel/time.h>

#include "fake_dma.h"
#include "virtio_impl.h"
#include "virtio_mmio_reg.h"
#include "virtq_reg.h"

/* Fakes of what the code under test calls -------------------------------- */

static struct driver *registered;

int driver_register(struct driver *drv)
{
	registered = drv;
	return 0;
}

static irq_handler_t irq_fn;
static void *irq_arg;
static int vectors_live;

int irq_alloc_vector(irq_handler_t fn, void *arg)
{
	irq_fn = fn;
	irq_arg = arg;
	vectors_live++;
	return 0x40;
}

void irq_raise_self(int vector)
{
	(void)vector;
}

void sched_set_idle_hook(void (*fn)(void))
{
	(void)fn;
}

void irq_free_vector(int vector)
{
	(void)vector;
	vectors_live--;
}

int irq_route_gsi(uint32_t gsi, uint32_t flags, int vector, unsigned int cpu)
{
	(void)gsi, (void)flags, (void)vector, (void)cpu;
	return 0;
}

int irq_mask_gsi(uint32_t gsi)
{
	(void)gsi;
	return 0;
}

int irq_unmask_gsi(uint32_t gsi)
{
	(void)gsi;
	return 0;
}

int mm_map_mmio(paddr_t pa, size_t len)
{
	(void)pa, (void)len;
	return 0;
}

void pci_msix_disable(struct pci_dev *pd)
{
	(void)pd;
}

void pci_intx_detach(struct pci_dev *pd, irq_handler_t fn, void *arg)
{
	(void)pd, (void)fn, (void)arg;
}

void virtio_pci_quiesce(struct virtio_dev *vd)
{
	(void)vd;
}

uint16_t virtio_pci_type(const struct device *dev)
{
	(void)dev;
	return 0;
}

int virtio_pci_probe(struct device *dev, struct virtio_dev *vd)
{
	(void)dev, (void)vd;
	return -ENODEV;
}

int virtio_pci_irq_queue(struct virtio_dev *vd, struct vq_slot *s,
			 unsigned int index)
{
	(void)vd, (void)s, (void)index;
	return -ENODEV;
}

/* Only the synchronous helpers sleep; these tests use blkdev_submit(). */
int waitq_wait(struct waitq *q, struct spinlock *lock, uint64_t deadline_ns,
	       struct waiter *w)
{
	(void)q, (void)lock, (void)deadline_ns, (void)w;
	fail_msg("waitq_wait called");
	return 0;
}

uint64_t time_ns(void)
{
	return 0;
}

bool waitq_wake_one(struct waitq *q, uintptr_t data)
{
	(void)q, (void)data;
	return false;
}

/* The emulated device ------------------------------------------------------ */

#define DISK_BYTES (1u << 20)

struct fakedev {
	uint8_t regs[4096] __attribute__((aligned(4096)));
	uint8_t disk[DISK_BYTES];
	struct device dev;
	uint16_t last_avail;
	unsigned int flushes;
};

static struct fakedev *fd;

static volatile uint32_t *reg(unsigned int off)
{
	return (volatile uint32_t *)(fd->regs + off);
}

static void cfg64(unsigned int off, uint64_t v)
{
	memcpy(fd->regs + VMMIO_CONFIG + off, &v, 8);
}

static void cfg32(unsigned int off, uint32_t v)
{
	memcpy(fd->regs + VMMIO_CONFIG + off, &v, 4);
}

/* A version 2 virtio-blk transport offering `features` (the low and high
 * words read the same register here, so bit 0 doubles as VERSION_1). */
static void device_new(uint32_t features, uint32_t qmax, uint64_t sectors)
{
	fd = aligned_alloc(4096, sizeof(*fd));
	assert_non_null(fd);
	memset(fd, 0, sizeof(*fd));
	*reg(VMMIO_MAGIC) = VMMIO_MAGIC_VALUE;
	*reg(VMMIO_VERSION) = 2;
	*reg(VMMIO_DEVICE_ID) = VIRTIO_ID_BLOCK;
	*reg(VMMIO_DEVICE_FEATURES) = features | 1;
	*reg(VMMIO_QUEUE_NUM_MAX) = qmax;
	cfg64(VBLK_CFG_CAPACITY, sectors);
	cfg32(VBLK_CFG_SEG_MAX, 126);
	cfg32(VBLK_CFG_BLK_SIZE, 512);
	fd->dev.d_bus = DEV_BUS_MMIO;
	fd->dev.d_mmio.dm_base = (paddr_t)(uintptr_t)fd->regs;
	fd->dev.d_mmio.dm_size = 0x200;
	fd->dev.d_mmio.dm_gsi = 5;
	strcpy(fd->dev.d_name, "mmio test");
}

static uint64_t reg64(unsigned int lo)
{
	return *reg(lo) | (uint64_t)*reg(lo + 4) << 32;
}

static int probe(void)
{
	registered = NULL;
	assert_int_equal(vblk_init(), 0);
	assert_non_null(registered);
	assert_true(registered->drv_match(registered, &fd->dev));
	return registered->drv_probe(registered, &fd->dev);
}

static uint16_t qsize(void)
{
	return (uint16_t)*reg(VMMIO_QUEUE_NUM);
}

/* Collects the chain at `head` (following an indirect table) into segs. */
static unsigned int chain(uint16_t head, struct virtq_desc *segs)
{
	struct virtq_desc *tab = (void *)(uintptr_t)reg64(VMMIO_QUEUE_DESC_LOW);
	unsigned int n = 0, limit = qsize();
	uint16_t i = head;

	if (tab[head].flags & VIRTQ_DESC_F_INDIRECT) {
		limit = tab[head].len / sizeof(struct virtq_desc);
		tab = (void *)(uintptr_t)tab[head].addr;
		i = 0;
	}
	for (;;) {
		assert_true(n < limit);
		segs[n++] = tab[i];
		if (!(tab[i].flags & VIRTQ_DESC_F_NEXT))
			return n;
		i = tab[i].next;
	}
}

enum misbehave { GOOD, BAD_ID, LONG_LEN, REPEAT, NO_IRQ };

/*
 * Serves every chain the driver made available, writing `status` and
 * completing them (in reverse order when `reverse`), then interrupts.
 * Returns the number served.
 */
static unsigned int device_run(uint8_t status, bool reverse, enum misbehave how)
{
	struct virtq_avail *av =
		(void *)(uintptr_t)reg64(VMMIO_QUEUE_DRIVER_LOW);
	struct virtq_used *used =
		(void *)(uintptr_t)reg64(VMMIO_QUEUE_DEVICE_LOW);
	uint16_t size = qsize(), heads[256];
	uint32_t lens[256];
	unsigned int n = 0, k;

	while (fd->last_avail != av->idx) {
		struct virtq_desc segs[80];
		uint16_t head = av->ring[fd->last_avail++ % size];
		unsigned int ns = chain(head, segs), j;
		struct virtio_blk_outhdr *h = (void *)(uintptr_t)segs[0].addr;
		uint64_t off = h->sector * 512;
		uint32_t written = 1;

		assert_int_equal(segs[0].len, sizeof(*h));
		assert_true(segs[ns - 1].len == 1 &&
			    (segs[ns - 1].flags & VIRTQ_DESC_F_WRITE));
		for (j = 1; j + 1 < ns; j++) {
			void *p = (void *)(uintptr_t)segs[j].addr;

			assert_true(off + segs[j].len <= DISK_BYTES);
			if (h->type == VIRTIO_BLK_T_IN) {
				memcpy(p, fd->disk + off, segs[j].len);
				written += segs[j].len;
			} else if (h->type == VIRTIO_BLK_T_OUT) {
				memcpy(fd->disk + off, p, segs[j].len);
			} else if (h->type == VIRTIO_BLK_T_GET_ID) {
				memcpy(p, "fake-serial-0001", 16);
				written += segs[j].len;
			}
			off += segs[j].len;
		}
		if (h->type == VIRTIO_BLK_T_FLUSH) {
			assert_int_equal(h->sector, 0); /* §5.2.6.2 */
			fd->flushes++;
		}
		*(uint8_t *)(uintptr_t)segs[ns - 1].addr = status;
		heads[n] = head;
		lens[n] = written;
		n++;
	}
	for (k = 0; k < n; k++) {
		unsigned int i = reverse ? n - 1 - k : k;
		struct virtq_used_elem *e = &used->ring[used->idx % size];

		e->id = heads[i];
		e->len = lens[i];
		if (how == BAD_ID)
			e->id = size + 3;
		if (how == LONG_LEN)
			e->len = lens[i] + 1;
		__atomic_store_n(&used->idx, (uint16_t)(used->idx + 1),
				 __ATOMIC_RELEASE);
		if (how == REPEAT) {
			e = &used->ring[used->idx % size];
			e->id = heads[i];
			e->len = lens[i];
			__atomic_store_n(&used->idx, (uint16_t)(used->idx + 1),
					 __ATOMIC_RELEASE);
		}
	}
	if (how == NO_IRQ) /* the interrupt is lost */
		return n;
	*reg(VMMIO_INTERRUPT_STATUS) = 1;
	irq_fn(irq_arg);
	return n;
}

/* Requests ---------------------------------------------------------------- */

static unsigned int done_calls;

static void on_done(struct blk_req *r)
{
	done_calls++;
	*(int *)r->br_arg = r->br_status;
}

static void req_init(struct blk_req *r, enum blk_op op, uint64_t off, void *buf,
		     size_t len, int *status)
{
	memset(r, 0, sizeof(*r));
	r->br_op = op;
	r->br_off = off;
	r->br_buf = buf;
	r->br_len = len;
	r->br_done = on_done;
	*status = 1; /* not yet */
	r->br_arg = status;
}

static struct blkdev *the_bd(void)
{
	return blkdev_get(blkdev_count() - 1);
}

#define FEAT_ALL                                                               \
	(VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | \
	 VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |   \
	 VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE))

static void good_device(uint32_t features)
{
	device_new(features, 16, DISK_BYTES / 512);
	assert_int_equal(probe(), 0);
	assert_int_equal(*reg(VMMIO_STATUS) & 0x0f, 0x0f); /* DRIVER_OK etc. */
}

/* Tests -------------------------------------------------------------------- */

static void test_refuses_queue_size_zero(void **state)
{
	(void)state;
	device_new(FEAT_ALL, 0, 2048);
	assert_int_equal(probe(), -EIO);
	assert_int_equal(*reg(VMMIO_QUEUE_READY), 0);
	assert_true(*reg(VMMIO_STATUS) & VIRTIO_STATUS_FAILED);
	assert_int_equal(vectors_live, 0);
	assert_int_equal(fake_dma_live(), 0);
	free(fd);
}

static void test_refuses_queue_size_not_power_of_two(void **state)
{
	static const uint32_t bad[] = { 3, 100, 40000, 65535 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		device_new(FEAT_ALL, bad[i], 2048);
		assert_int_equal(probe(), -EIO);
		assert_true(*reg(VMMIO_STATUS) & VIRTIO_STATUS_FAILED);
		assert_int_equal(fake_dma_live(), 0);
		free(fd);
	}
}

static void test_refuses_absurd_capacity(void **state)
{
	(void)state;
	device_new(FEAT_ALL, 16, UINT64_MAX);
	assert_int_equal(probe(), -EIO);
	free(fd);
	device_new(FEAT_ALL, 16, (1ull << 47) / 512 + 1);
	assert_int_equal(probe(), -EIO);
	free(fd);
	assert_int_equal(fake_heap_live(), 0);
	/* The largest capacity accepted. */
	device_new(FEAT_ALL, 16, (1ull << 47) / 512);
	assert_int_equal(probe(), 0);
	assert_int_equal(blkdev_info(the_bd())->bi_size, 1ull << 47);
}

static void test_refuses_bad_block_size_and_seg_max(void **state)
{
	static const uint32_t bad[] = { 0, 256, 1000, 131072 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		device_new(FEAT_ALL, 16, 2048);
		cfg32(VBLK_CFG_SEG_MAX, 8);
		cfg32(VBLK_CFG_BLK_SIZE, bad[i]);
		assert_int_equal(probe(), -EIO);
		free(fd);
	}
	device_new(FEAT_ALL, 16, 2048);
	cfg32(VBLK_CFG_SEG_MAX, 0);
	assert_int_equal(probe(), -EIO);
	free(fd);
}

static void test_refuses_when_features_not_accepted(void **state)
{
	(void)state;
	/* A modern transport that does not offer VERSION_1. */
	device_new(0, 16, 2048);
	*reg(VMMIO_DEVICE_FEATURES) = 0;
	assert_int_equal(probe(), -ENODEV);
	free(fd);
}

static void test_geometry_from_config(void **state)
{
	const struct blkdev_info *bi;

	(void)state;
	device_new(FEAT_ALL | VIRTIO_BIT(VIRTIO_BLK_F_RO), 16, 2049);
	cfg32(VBLK_CFG_SEG_MAX, 126);
	cfg32(VBLK_CFG_BLK_SIZE, 4096);
	assert_int_equal(probe(), 0);
	bi = blkdev_info(the_bd());
	assert_int_equal(bi->bi_block_size, 4096);
	assert_int_equal(bi->bi_size, 2048 * 512); /* rounded down */
	assert_true(bi->bi_read_only);
	assert_true(bi->bi_flush);
	/* A queue of 16 caps a chain at 16 descriptors: 14 data segments. */
	assert_int_equal(bi->bi_max_transfer, 13 * 4096);
}

static void test_read_write_flush_get_id(void **state)
{
	struct blk_req r;
	uint8_t *buf = aligned_alloc(4096, 16384);
	char id[BLKDEV_ID_MAX + 1];
	int st;

	(void)state;
	good_device(FEAT_ALL);
	memset(buf, 0xa5, 16384);
	/* An unaligned buffer spans pages: several segments. */
	req_init(&r, BLK_WRITE, 8192, buf + 512, 8192, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	assert_int_equal(device_run(VIRTIO_BLK_S_OK, false, GOOD), 1);
	assert_int_equal(st, 0);
	assert_int_equal(fd->disk[8192], 0xa5);
	assert_int_equal(fd->disk[8192 + 8191], 0xa5);
	assert_int_equal(fd->disk[8191], 0);

	memset(buf, 0, 16384);
	req_init(&r, BLK_READ, 8192, buf, 8192, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(VIRTIO_BLK_S_OK, false, GOOD);
	assert_int_equal(st, 0);
	assert_int_equal(buf[0], 0xa5);

	req_init(&r, BLK_FLUSH, 4096, NULL, 0, &st); /* off is ignored */
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(VIRTIO_BLK_S_OK, false, GOOD);
	assert_int_equal(st, 0);
	assert_int_equal(fd->flushes, 1);

	memset(id, 0, sizeof(id));
	req_init(&r, BLK_GET_ID, 0, id, BLKDEV_ID_MAX, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(VIRTIO_BLK_S_OK, false, GOOD);
	assert_int_equal(st, 0);
	assert_memory_equal(id, "fake-serial-0001", 16);
	free(buf);
}

/*
 * A gathered request: its pieces, each mapped to its own segments, go
 * to the device as one chain; written and read back, every byte lands
 * where it belongs. The layer refuses pieces that do not add up, are
 * not whole blocks, or touch more pages than bi_max_pages.
 */
static void test_gathered_write_and_read(void **state)
{
	uint8_t *a = aligned_alloc(4096, 16384),
		*b = aligned_alloc(4096, 16384);
	const struct blkdev_info *bi;
	struct blk_seg segs[3];
	struct blk_req r;
	int st;

	(void)state;
	good_device(FEAT_ALL);
	bi = blkdev_info(the_bd());
	/* A queue of 16: 14 data segments, one per page a piece touches. */
	assert_int_equal(bi->bi_max_pages, 14);
	for (int i = 0; i < 16384; i++)
		a[i] = (uint8_t)(i * 7 + 1);
	/* 512 bytes, 1 KiB straddling a page boundary, 512 bytes. */
	segs[0] = (struct blk_seg){ a + 8192, 512 };
	segs[1] = (struct blk_seg){ a + 4096 - 512, 1024 };
	segs[2] = (struct blk_seg){ a + 100 * 512 % 4096, 512 };
	req_init(&r, BLK_WRITE, 3 * 512, NULL, 2048, &st);
	r.br_segs = segs;
	r.br_nsegs = 3;
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	assert_int_equal(device_run(VIRTIO_BLK_S_OK, false, GOOD), 1);
	assert_int_equal(st, 0);
	assert_memory_equal(fd->disk + 3 * 512, a + 8192, 512);
	assert_memory_equal(fd->disk + 4 * 512, a + 4096 - 512, 1024);
	assert_memory_equal(fd->disk + 6 * 512, a + 100 * 512 % 4096, 512);
	assert_int_equal(fd->disk[3 * 512 - 1], 0);
	assert_int_equal(fd->disk[7 * 512], 0);

	memset(b, 0, 16384);
	segs[0] = (struct blk_seg){ b + 2048, 1024 };
	segs[1] = (struct blk_seg){ b, 1024 };
	req_init(&r, BLK_READ, 3 * 512, NULL, 2048, &st);
	r.br_segs = segs;
	r.br_nsegs = 2;
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	assert_int_equal(device_run(VIRTIO_BLK_S_OK, false, GOOD), 1);
	assert_int_equal(st, 0);
	assert_memory_equal(b + 2048, fd->disk + 3 * 512, 1024);
	assert_memory_equal(b, fd->disk + 5 * 512, 1024);

	/* Refused before the driver sees them. */
	r.br_len = 1536; /* the pieces add up to 2048 */
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	segs[1].bs_len = 1000;
	r.br_len = 2024;
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	segs[1].bs_len = 1024;
	r.br_len = 2048;
	r.br_op = BLK_FLUSH;
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	r.br_op = BLK_READ;
	segs[0] = (struct blk_seg){ b + 512, 7 * 4096 };
	segs[1] = (struct blk_seg){ b + 512, 7 * 4096 }; /* 16 pages */
	r.br_len = 14 * 4096;
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	assert_int_equal(device_run(VIRTIO_BLK_S_OK, false, GOOD), 0);
	free(a);
	free(b);
}

static void test_device_errors_are_mapped(void **state)
{
	struct blk_req r;
	uint8_t buf[512];
	int st;

	(void)state;
	good_device(FEAT_ALL);
	req_init(&r, BLK_READ, 0, buf, 512, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(VIRTIO_BLK_S_IOERR, false, GOOD);
	assert_int_equal(st, -EIO);
	req_init(&r, BLK_READ, 0, buf, 512, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(VIRTIO_BLK_S_UNSUPP, false, GOOD);
	assert_int_equal(st, -EOPNOTSUPP);
	req_init(&r, BLK_READ, 0, buf, 512, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(77, false, GOOD);
	assert_int_equal(st, -EIO);
	/* The device still works afterwards. */
	req_init(&r, BLK_READ, 0, buf, 512, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	device_run(VIRTIO_BLK_S_OK, false, GOOD);
	assert_int_equal(st, 0);
}

static void test_layer_checks_requests(void **state)
{
	struct blk_req r;
	uint8_t buf[1024];
	int st;

	(void)state;
	good_device(FEAT_ALL);
	req_init(&r, BLK_READ, 1, buf, 512, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	req_init(&r, BLK_READ, DISK_BYTES - 512, buf, 1024, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	req_init(&r, BLK_READ, 0, buf, 0, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	req_init(&r, 42, 0, buf, 512, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), -EINVAL);
	assert_int_equal(
		*(volatile uint16_t
			  *)(uintptr_t)(reg64(VMMIO_QUEUE_DRIVER_LOW) + 2),
		0); /* nothing reached the ring */
}

/* A synchronous transfer is checked whole before any piece starts. */
static void test_sync_request_checked_whole(void **state)
{
	static uint8_t buf[3 * 4096];

	(void)state;
	good_device(FEAT_ALL);
	/* Past the end: nothing is written, not even the first pieces. */
	assert_int_equal(
		blkdev_write(the_bd(), DISK_BYTES - 4096, buf, sizeof(buf)),
		-EINVAL);
	assert_int_equal(blkdev_read(the_bd(), 512, buf, 1000), -EINVAL);
	assert_int_equal(
		*(volatile uint16_t
			  *)(uintptr_t)(reg64(VMMIO_QUEUE_DRIVER_LOW) + 2),
		0);
}

static void test_more_requests_than_queue_wait_then_complete(void **state)
{
	enum { N = 40 };
	struct blk_req r[N];
	int st[N], i, served = 0;
	uint8_t *buf = aligned_alloc(4096, N * 512);

	(void)state;
	good_device(FEAT_ALL);
	for (i = 0; i < N; i++) {
		memset(buf + i * 512, i, 512);
		req_init(&r[i], BLK_WRITE, (uint64_t)i * 512, buf + i * 512,
			 512, &st[i]);
		assert_int_equal(blkdev_submit(the_bd(), &r[i]), 0);
	}
	/* 16 entries: the rest wait in the driver and start as room frees;
	 * completions come back in reverse order. */
	while (served < N) {
		unsigned int n = device_run(VIRTIO_BLK_S_OK, true, GOOD);

		assert_true(n > 0 && n <= 16);
		served += (int)n;
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(st[i], 0);
		assert_int_equal(fd->disk[i * 512 + 100], i);
	}
	free(buf);
}

static void hostile(enum misbehave how)
{
	enum { N = 6 };
	struct blk_req r[N];
	uint8_t buf[N][512];
	int st[N], i;

	good_device(FEAT_ALL);
	for (i = 0; i < N; i++) {
		req_init(&r[i], BLK_READ, 0, buf[i], 512, &st[i]);
		assert_int_equal(blkdev_submit(the_bd(), &r[i]), 0);
	}
	device_run(VIRTIO_BLK_S_OK, false, how);
	/* Every request ends exactly once, with -EIO for those the broken
	 * queue still held; the device is marked FAILED. */
	for (i = 0; i < N; i++)
		assert_true(st[i] == 0 || st[i] == -EIO);
	assert_int_equal(st[N - 1], -EIO);
	assert_true(*reg(VMMIO_STATUS) & VIRTIO_STATUS_FAILED);
	req_init(&r[0], BLK_READ, 0, buf[0], 512, &st[0]);
	assert_int_equal(blkdev_submit(the_bd(), &r[0]), -EIO);
}

static void test_hostile_out_of_range_id(void **state)
{
	unsigned int before = done_calls;

	(void)state;
	hostile(BAD_ID);
	assert_int_equal(done_calls - before, 6);
}

static void test_hostile_length_beyond_buffer(void **state)
{
	unsigned int before = done_calls;

	(void)state;
	hostile(LONG_LEN);
	assert_int_equal(done_calls - before, 6);
}

static void test_hostile_repeated_completion(void **state)
{
	unsigned int before = done_calls;

	(void)state;
	hostile(REPEAT);
	assert_int_equal(done_calls - before, 6);
}

static void test_short_read_is_an_error(void **state)
{
	struct virtq_used *used;
	struct blk_req r;
	uint8_t buf[1024];
	int st;

	(void)state;
	good_device(FEAT_ALL);
	req_init(&r, BLK_READ, 0, buf, 1024, &st);
	assert_int_equal(blkdev_submit(the_bd(), &r), 0);
	/* The device claims to have written only the status byte. */
	used = (void *)(uintptr_t)reg64(VMMIO_QUEUE_DEVICE_LOW);
	used->ring[0].id =
		((struct virtq_avail *)(uintptr_t)reg64(VMMIO_QUEUE_DRIVER_LOW))
			->ring[0];
	used->ring[0].len = 1;
	used->idx = 1;
	*reg(VMMIO_INTERRUPT_STATUS) = 1;
	irq_fn(irq_arg);
	assert_int_equal(st, -EIO);
}

/* Completions whose interrupt never came: a stalled waiter's nudge
 * (ops->stalled) takes them and starts the requests waiting behind. */
static void test_stall_recovers_lost_interrupts(void **state)
{
	enum { N = 40 };
	struct blk_req r[N];
	int st[N], i, served = 0, rounds = 0;
	uint8_t *buf = aligned_alloc(4096, N * 512);
	struct blkdev *bd;

	unsigned int base = done_calls;

	(void)state;
	good_device(FEAT_ALL);
	bd = the_bd();
	for (i = 0; i < N; i++) {
		memset(buf + i * 512, i + 1, 512);
		req_init(&r[i], BLK_WRITE, (uint64_t)i * 512, buf + i * 512,
			 512, &st[i]);
		assert_int_equal(blkdev_submit(bd, &r[i]), 0);
	}
	while (served < N) {
		unsigned int n = device_run(VIRTIO_BLK_S_OK, false, NO_IRQ);

		assert_true(n > 0 && n <= 16);
		assert_int_equal(done_calls - base, (unsigned int)served);
		bd->bd_ops->stalled(bd);
		served += (int)n;
		assert_int_equal(done_calls - base, (unsigned int)served);
		rounds++;
	}
	assert_int_equal(rounds, 3);
	for (i = 0; i < N; i++) {
		assert_int_equal(st[i], 0);
		assert_int_equal(fd->disk[i * 512 + 100], i + 1);
	}
	/* Nothing outstanding: a nudge does nothing. */
	bd->bd_ops->stalled(bd);
	assert_int_equal(done_calls - base, (unsigned int)N);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_queue_size_zero),
		cmocka_unit_test(test_refuses_queue_size_not_power_of_two),
		cmocka_unit_test(test_refuses_absurd_capacity),
		cmocka_unit_test(test_refuses_bad_block_size_and_seg_max),
		cmocka_unit_test(test_refuses_when_features_not_accepted),
		cmocka_unit_test(test_geometry_from_config),
		cmocka_unit_test(test_read_write_flush_get_id),
		cmocka_unit_test(test_gathered_write_and_read),
		cmocka_unit_test(test_device_errors_are_mapped),
		cmocka_unit_test(test_layer_checks_requests),
		cmocka_unit_test(test_sync_request_checked_whole),
		cmocka_unit_test(
			test_more_requests_than_queue_wait_then_complete),
		cmocka_unit_test(test_hostile_out_of_range_id),
		cmocka_unit_test(test_hostile_length_beyond_buffer),
		cmocka_unit_test(test_hostile_repeated_completion),
		cmocka_unit_test(test_short_read_is_an_error),
		cmocka_unit_test(test_stall_recovers_lost_interrupts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * virtio-rng (virtio 1.2 §5.4): one queue of device-writable buffers the
 * device fills with random bytes. At probe the driver posts a buffer;
 * each completion is mixed into the kernel generator (<kernel/random.h>,
 * which never lets an input lower its unpredictability, so a hostile
 * device can at worst add nothing) and the buffer is posted again until
 * RNG_SAMPLES samples arrived. The probe waits (polling, at most
 * RNG_FIRST_WAIT_NS) for the first sample, so the application's first
 * random bytes already depend on it. Further draws are not needed: the
 * kernel generator erases its key as it goes.
 */
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/random.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <virtio/virtio.h>

#define RNG_BYTES 64
#define RNG_SAMPLES 4
/* A bound for a device that never answers: a healthy one answers within
 * microseconds under KVM, but QEMU answers from its main loop, which an
 * overloaded host (the test suite on two busy cores) held up beyond 50 ms. */
#define RNG_FIRST_WAIT_NS 500000000ull /* 500 ms */

struct vrng {
	struct virtio_dev *vr_vd;
	struct virtq *vr_q;
	struct spinlock vr_lock;
	uint8_t *vr_buf; /* DMA, RNG_BYTES */
	unsigned int vr_samples;
	uint64_t vr_bytes;
};

/* Posts the buffer; caller holds vr_lock. Returns true to notify. */
static bool post(struct vrng *vr)
{
	struct virtq_seg seg = {
		.vs_addr = (uintptr_t)vr->vr_buf,
		.vs_len = RNG_BYTES,
		.vs_write = true,
	};

	if (virtq_add(vr->vr_q, &seg, 0, 1, vr))
		return false;
	return virtq_kick_prepare(vr->vr_q);
}

static void vrng_irq(struct virtq *q, void *arg)
{
	struct vrng *vr = arg;
	bool kick = false;
	uint32_t written;
	void *cookie;
	int rc;

	spin_lock(&vr->vr_lock);
	if (virtq_is_broken(q)) {
		spin_unlock(&vr->vr_lock);
		return;
	}
	while ((rc = virtq_get(q, &cookie, &written)) == 1) {
		/* Cannot fail: the buffer is not NULL. */
		if (written && random_add_entropy(vr->vr_buf, written))
			break;
		vr->vr_samples++;
		vr->vr_bytes += written;
		if (vr->vr_samples < RNG_SAMPLES)
			kick = post(vr);
	}
	if (rc < 0) {
		log_err("%s: device broke the virtio rules; not used\n",
			virtio_name(vr->vr_vd));
		/* The one buffer is the driver's own: drained only once the
		 * device has stopped, or never reused. */
		if (virtio_fail(vr->vr_vd) == 0)
			(void)virtq_drain(q);
	}
	spin_unlock(&vr->vr_lock);
	if (kick)
		virtio_notify(vr->vr_vd, q);
}

static int vrng_probe(struct virtio_dev *vd)
{
	struct vrng *vr;
	uint64_t deadline;
	bool kick;
	int rc;

	rc = virtio_negotiate(vd, 0, NULL);
	if (rc)
		return rc;
	vr = heap_calloc(1, sizeof(*vr));
	if (!vr)
		return -ENOMEM;
	spin_init(&vr->vr_lock, "virtio-rng");
	vr->vr_vd = vd;
	vr->vr_buf = virtio_dma_alloc(RNG_BYTES);
	if (!vr->vr_buf) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = virtio_queue_setup(vd, 0, 4, 0, vrng_irq, vr, &vr->vr_q);
	if (rc)
		goto fail;
	virtio_set_drvdata(vd, vr);
	rc = virtio_ready(vd);
	if (rc)
		goto fail;
	spin_lock(&vr->vr_lock);
	kick = post(vr);
	spin_unlock(&vr->vr_lock);
	if (kick)
		virtio_notify(vd, vr->vr_q);
	/* The interrupt may not be taken yet at this point of boot: poll. */
	deadline = time_ns() + RNG_FIRST_WAIT_NS;
	while (!__atomic_load_n(&vr->vr_samples, __ATOMIC_RELAXED) &&
	       !virtq_is_broken(vr->vr_q) && time_ns() < deadline)
		vrng_irq(vr->vr_q, vr);
	if (vr->vr_samples)
		log_info("%s: %lu bytes mixed into the kernel generator\n",
			 virtio_name(vd), (unsigned long)vr->vr_bytes);
	else if (!virtq_is_broken(vr->vr_q))
		log_warn("%s: no random bytes within %llu ms; going on "
			 "without them\n",
			 virtio_name(vd), RNG_FIRST_WAIT_NS / 1000000);
	return 0;
fail:
	/* Its interrupt handler uses vr: stop the device first. */
	if (vr->vr_q)
		virtio_stop(vd);
	virtio_dma_free(vr->vr_buf, RNG_BYTES);
	heap_free(vr);
	return rc;
}

static struct virtio_driver vrng_driver = {
	.vd_name = "virtio-rng",
	.vd_type = VIRTIO_ID_RNG,
	.vd_probe = vrng_probe,
};

static int vrng_init(void)
{
	return virtio_driver_register(&vrng_driver);
}
INITCALL_ON_USE(device, vrng_init);

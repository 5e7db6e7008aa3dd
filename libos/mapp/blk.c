/* SPDX-License-Identifier: MIT */
/* <mosaic/blk.h> over the kernel's block layer (<kernel/blkdev.h>). */
#include <mosaic/blk.h>

#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/string.h>

_Static_assert(sizeof(struct blk_wait) <= sizeof(struct mosaic_blk_req),
	       "mosaic_blk_req too small for the kernel's request");
_Static_assert(_Alignof(struct blk_wait) <= _Alignof(struct mosaic_blk_req),
	       "mosaic_blk_req under-aligned");

static struct blk_wait *to_wait(struct mosaic_blk_req *req)
{
	return (struct blk_wait *)req->opaque;
}

unsigned int mosaic_blk_count(void)
{
	return blkdev_count();
}

int mosaic_blk_open(const char *name, mosaic_blk_t *out)
{
	struct blkdev *bd = name ? blkdev_find(name) : blkdev_get(0);

	if (!bd || !out)
		return -ENODEV;
	*out = bd;
	return 0;
}

int mosaic_blk_info(mosaic_blk_t bd, struct mosaic_blk_info *info)
{
	const struct blkdev_info *bi;

	if (!bd || !info)
		return -EINVAL;
	bi = blkdev_info(bd);
	memset(info, 0, sizeof(*info));
	kstrlcpy(info->name, bi->bi_name, sizeof(info->name));
	info->size = bi->bi_size;
	info->block_size = bi->bi_block_size;
	info->max_transfer = bi->bi_max_transfer;
	info->read_only = bi->bi_read_only;
	info->has_flush = bi->bi_flush;
	return 0;
}

int mosaic_blk_read(mosaic_blk_t bd, uint64_t off, void *buf, size_t len)
{
	return bd ? blkdev_read(bd, off, buf, len) : -EINVAL;
}

int mosaic_blk_write(mosaic_blk_t bd, uint64_t off, const void *buf, size_t len)
{
	return bd ? blkdev_write(bd, off, buf, len) : -EINVAL;
}

int mosaic_blk_flush(mosaic_blk_t bd)
{
	return bd ? blkdev_flush(bd) : -EINVAL;
}

int mosaic_blk_get_id(mosaic_blk_t bd, char *buf)
{
	return bd && buf ? blkdev_get_id(bd, buf) : -EINVAL;
}

int mosaic_blk_submit(mosaic_blk_t bd, struct mosaic_blk_req *req,
		      enum mosaic_blk_op op, uint64_t off, void *buf,
		      size_t len)
{
	enum blk_op kop;

	if (!bd || !req)
		return -EINVAL;
	switch (op) {
	case MOSAIC_BLK_READ:
		kop = BLK_READ;
		break;
	case MOSAIC_BLK_WRITE:
		kop = BLK_WRITE;
		break;
	case MOSAIC_BLK_FLUSH:
		kop = BLK_FLUSH;
		break;
	default:
		return -EINVAL;
	}
	return blkdev_start(bd, to_wait(req), kop, off, buf, len);
}

int mosaic_blk_wait(struct mosaic_blk_req *req)
{
	return req ? blkdev_wait(to_wait(req)) : -EINVAL;
}

int mosaic_blk_done(const struct mosaic_blk_req *req)
{
	return req && blkdev_done((const struct blk_wait *)req->opaque);
}

int mosaic_blk_stats(mosaic_blk_t bd, struct mosaic_blk_stats *st)
{
	struct blkdev_stats ks;

	if (!bd || !st)
		return -EINVAL;
	blkdev_get_stats(bd, &ks);
	st->reads = ks.bs_reads;
	st->writes = ks.bs_writes;
	st->flushes = ks.bs_flushes;
	st->read_bytes = ks.bs_read_bytes;
	st->write_bytes = ks.bs_write_bytes;
	st->errors = ks.bs_errors;
	return 0;
}

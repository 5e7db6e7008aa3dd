/* SPDX-License-Identifier: MIT */
/*
 * A block device over a host image file; see fake_fileblk.h.
 */
#include "fake_fileblk.h"

#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/heap.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct blkdev {
	struct blkdev_info fb_info;
	int fb_fd;
	unsigned int fb_bad, fb_writes, fb_flushes;
	bool fb_journal_on;
	struct fake_fileblk_op *fb_journal;
	unsigned int fb_njournal, fb_journal_cap;
};

static void journal_add(struct blkdev *bd, uint64_t off, const void *buf,
			uint32_t len)
{
	struct fake_fileblk_op *op;

	if (!bd->fb_journal_on)
		return;
	if (bd->fb_njournal == bd->fb_journal_cap) {
		bd->fb_journal_cap =
			bd->fb_journal_cap ? 2 * bd->fb_journal_cap : 1024;
		bd->fb_journal = realloc(bd->fb_journal,
					 bd->fb_journal_cap * sizeof(*op));
		if (!bd->fb_journal)
			abort();
	}
	op = &bd->fb_journal[bd->fb_njournal++];
	op->fo_off = off;
	op->fo_len = len;
	op->fo_data = NULL;
	if (buf) {
		op->fo_data = malloc(len);
		if (!op->fo_data)
			abort();
		memcpy(op->fo_data, buf, len);
	}
}

void fake_fileblk_journal_start(struct blkdev *bd)
{
	bd->fb_journal_on = true;
}

unsigned int fake_fileblk_journal(const struct blkdev *bd,
				  const struct fake_fileblk_op **ops)
{
	*ops = bd->fb_journal;
	return bd->fb_njournal;
}

struct blkdev *fake_fileblk_open(const char *path, uint32_t block_size,
				 bool read_only)
{
	struct blkdev *bd = calloc(1, sizeof(*bd));
	struct stat st;

	if (!bd)
		return NULL;
	bd->fb_fd = open(path, read_only ? O_RDONLY : O_RDWR);
	if (bd->fb_fd < 0 || fstat(bd->fb_fd, &st)) {
		free(bd);
		return NULL;
	}
	strcpy(bd->fb_info.bi_name, "vdz");
	bd->fb_info.bi_block_size = block_size;
	bd->fb_info.bi_size = (uint64_t)st.st_size / block_size * block_size;
	bd->fb_info.bi_max_transfer = 128 * 1024;
	bd->fb_info.bi_max_pages = 32;
	bd->fb_info.bi_read_only = read_only;
	bd->fb_info.bi_flush = true;
	return bd;
}

void fake_fileblk_close(struct blkdev *bd)
{
	for (unsigned int i = 0; i < bd->fb_njournal; i++)
		free(bd->fb_journal[i].fo_data);
	free(bd->fb_journal);
	close(bd->fb_fd);
	free(bd);
}

unsigned int fake_fileblk_bad(const struct blkdev *bd)
{
	return bd->fb_bad;
}

unsigned int fake_fileblk_writes(const struct blkdev *bd)
{
	return bd->fb_writes;
}

unsigned int fake_fileblk_flushes(const struct blkdev *bd)
{
	return bd->fb_flushes;
}

const struct blkdev_info *blkdev_info(const struct blkdev *bd)
{
	return &bd->fb_info;
}

static int file_io(struct blkdev *bd, enum blk_op op, uint64_t off, void *buf,
		   size_t len)
{
	const struct blkdev_info *bi = &bd->fb_info;
	ssize_t n;

	if (!len || off % bi->bi_block_size || len % bi->bi_block_size ||
	    off > bi->bi_size || len > bi->bi_size - off) {
		bd->fb_bad++;
		return -EINVAL;
	}
	if (op == BLK_WRITE) {
		if (bi->bi_read_only)
			return -EROFS;
		bd->fb_writes++;
		journal_add(bd, off, buf, (uint32_t)len);
		n = pwrite(bd->fb_fd, buf, len, (off_t)off);
	} else {
		n = pread(bd->fb_fd, buf, len, (off_t)off);
	}
	return n == (ssize_t)len ? 0 : -EIO;
}

int blkdev_submit(struct blkdev *bd, struct blk_req *r)
{
	if (!r->br_done || (r->br_op != BLK_READ && r->br_op != BLK_WRITE)) {
		bd->fb_bad++;
		return -EINVAL;
	}
	r->br_status = file_io(bd, r->br_op, r->br_off, r->br_buf, r->br_len);
	r->br_done(r);
	return 0;
}

int blkdev_read(struct blkdev *bd, uint64_t off, void *buf, size_t len)
{
	return file_io(bd, BLK_READ, off, buf, len);
}

int blkdev_write(struct blkdev *bd, uint64_t off, const void *buf, size_t len)
{
	return file_io(bd, BLK_WRITE, off, (void *)buf, len);
}

/* Started requests are done at once (the journal sees them in order). */
int blkdev_start(struct blkdev *bd, struct blk_wait *w, enum blk_op op,
		 uint64_t off, void *buf, size_t len)
{
	memset(w, 0, sizeof(*w));
	if (op != BLK_READ && op != BLK_WRITE) {
		bd->fb_bad++;
		return -EINVAL;
	}
	w->bw_req.br_status = file_io(bd, op, off, buf, len);
	w->bw_done = true;
	return 0;
}

/* A gathered write: each piece is its own write (and journal entry), as
 * a crash may leave any of them out. */
int blkdev_start_segs(struct blkdev *bd, struct blk_wait *w, enum blk_op op,
		      uint64_t off, const struct blk_seg *segs,
		      unsigned int nsegs)
{
	size_t total = 0;
	int rc = 0;

	memset(w, 0, sizeof(*w));
	if ((op != BLK_READ && op != BLK_WRITE) || !nsegs ||
	    nsegs > bd->fb_info.bi_max_pages) {
		bd->fb_bad++;
		return -EINVAL;
	}
	for (unsigned int i = 0; i < nsegs; i++)
		total += segs[i].bs_len;
	if (total > bd->fb_info.bi_max_transfer) {
		bd->fb_bad++;
		return -EINVAL;
	}
	for (unsigned int i = 0; i < nsegs && !rc; i++) {
		rc = file_io(bd, op, off, segs[i].bs_buf, segs[i].bs_len);
		off += segs[i].bs_len;
	}
	w->bw_req.br_status = rc;
	w->bw_done = true;
	return 0;
}

int blkdev_wait(struct blk_wait *w)
{
	return w->bw_req.br_status;
}

/* Requests complete at once here: nothing is ever stalled. */
void blkdev_stalled(struct blkdev *bd)
{
	(void)bd;
}

int blkdev_flush(struct blkdev *bd)
{
	journal_add(bd, 0, NULL, 0);
	bd->fb_flushes++;
	return 0; /* the image file needs no durability here */
}

void *heap_alloc_aligned(size_t align, size_t size)
{
	return aligned_alloc(align, (size + align - 1) / align * align);
}

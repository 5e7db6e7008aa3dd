/* SPDX-License-Identifier: MIT */
/*
 * A fake block device over a host image file (fake_fileblk.c): requests
 * are done at once with pread/pwrite, and any request outside the image
 * or misaligned is refused with -EINVAL and counted, so a test can assert
 * that nothing tried to touch bytes beyond the device. Also provides
 * heap_alloc_aligned() (aligned_alloc). No POSIX header here, so tests
 * may include it next to kernel headers.
 */
#ifndef FAKE_FILEBLK_H
#define FAKE_FILEBLK_H

#include <stdbool.h>
#include <stdint.h>

struct blkdev;

/* Opens path as a device of block_size-byte blocks (its size rounded
 * down); NULL when it cannot be opened. */
struct blkdev *fake_fileblk_open(const char *path, uint32_t block_size,
				 bool read_only);
void fake_fileblk_close(struct blkdev *bd);

/* Requests refused as out of range or misaligned since open. */
unsigned int fake_fileblk_bad(const struct blkdev *bd);
/* Writes and flushes done since open. */
unsigned int fake_fileblk_writes(const struct blkdev *bd);
unsigned int fake_fileblk_flushes(const struct blkdev *bd);

/*
 * A journal of what reached the device, for crash simulation: once
 * started, every write is recorded with a copy of its bytes, and every
 * flush as an entry with no data, in the order they happened.
 * fake_fileblk_journal() returns the entries so far (valid until the
 * next request or the close, which frees them).
 */
struct fake_fileblk_op {
	uint64_t fo_off;
	uint32_t fo_len;
	uint8_t *fo_data; /* NULL: a flush */
};
void fake_fileblk_journal_start(struct blkdev *bd);
unsigned int fake_fileblk_journal(const struct blkdev *bd,
				  const struct fake_fileblk_op **ops);

#endif /* FAKE_FILEBLK_H */

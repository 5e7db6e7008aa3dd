/* SPDX-License-Identifier: MIT */
/*
 * ext2 allocation: the superblock and group descriptors (written through
 * to the cache on every change), block and inode bitmaps. A block the
 * bitmap offers is refused (-EUCLEAN) when it is metadata, and freeing a
 * block or inode that is already free is -EUCLEAN, so a corrupt bitmap
 * or a block shared by two files never frees or hands out metadata.
 *
 * Also the tools of the write order (<fs/ext2.h>, "Write order"):
 * ext2_order() ends the cache's epoch; reservations take blocks from the
 * bitmaps an epoch before anything points to them, so one barrier covers
 * a whole chunk of a write; deferred frees clear bitmap bits an epoch
 * after the pointers to them were cleared, once per operation.
 */
#include <fs/ext2.h>

#include <kernel/bcache.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/log.h>
#include <kernel/string.h>

#include "ext2_impl.h"

/* --- superblock and group descriptors --- */

int ext2_sb_write(struct ext2_fs *fs)
{
	fs->fs_sb.s_wtime = ext2_now(fs);
	return bcache_write(fs->fs_bc, EXT2_SUPER_OFFSET, &fs->fs_sb,
			    sizeof(fs->fs_sb));
}

static int gd_write(struct ext2_fs *fs, uint32_t g)
{
	uint64_t off = (uint64_t)(fs->fs_first_data + 1) * fs->fs_bsize +
		       (uint64_t)g * sizeof(struct ext2_group_desc);

	return bcache_write(fs->fs_bc, off, &fs->fs_gd[g],
			    sizeof(struct ext2_group_desc));
}

uint32_t ext2_group_start(const struct ext2_fs *fs, uint32_t g)
{
	return fs->fs_first_data + g * fs->fs_bpg;
}

/* Blocks in group g (the last one may be short). */
uint32_t ext2_group_nblocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t left = fs->fs_blocks - ext2_group_start(fs, g);

	return left < fs->fs_bpg ? left : fs->fs_bpg;
}

/* True for a block that may hold file data or an indirect block: inside
 * the file system and past the primary superblock and descriptors. */
bool ext2_blk_ok(const struct ext2_fs *fs, uint32_t b)
{
	return b > fs->fs_first_data + fs->fs_gdt_blocks && b < fs->fs_blocks;
}

/* True for group g's bitmaps and inode table. */
static bool is_group_meta(const struct ext2_fs *fs, uint32_t g, uint32_t b)
{
	const struct ext2_group_desc *gd = &fs->fs_gd[g];

	return b == gd->bg_block_bitmap || b == gd->bg_inode_bitmap ||
	       (b >= gd->bg_inode_table && b < gd->bg_inode_table + fs->fs_itb);
}

int ext2_block_get(struct ext2_fs *fs, uint32_t blk, bool fresh,
		   struct bbuf **out)
{
	if (blk >= fs->fs_blocks)
		return -EUCLEAN;
	if (fresh)
		return bcache_get_new(fs->fs_bc, blk, out);
	return bcache_get(fs->fs_bc, blk, out);
}

/* --- bitmaps --- */

/* Finds a clear bit below nbits in bitmap block bm, sets it and returns
 * its index in *bit: 0; -ENOSPC when none. */
static int bitmap_take(struct ext2_fs *fs, uint32_t bm, uint32_t nbits,
		       uint32_t from, uint32_t *bit)
{
	struct bbuf *b;
	uint8_t *p;
	int rc = ext2_block_get(fs, bm, false, &b);

	if (rc)
		return rc;
	p = bbuf_data(b);
	rc = -ENOSPC;
	for (uint32_t n = 0; n < nbits; n++) {
		uint32_t i = (from + n) % nbits;

		if (p[i / 8] == 0xff && i % 8 == 0 && nbits - i >= 8) {
			n += 7;
			continue;
		}
		if (!(p[i / 8] & (1u << (i % 8)))) {
			bbuf_dirty(b);
			p[i / 8] |= (uint8_t)(1u << (i % 8));
			*bit = i;
			rc = 0;
			break;
		}
	}
	bcache_put(b);
	return rc;
}

/* Clears bit in bitmap block bm; -EUCLEAN when it was already clear. */
static int bitmap_clear(struct ext2_fs *fs, uint32_t bm, uint32_t bit)
{
	struct bbuf *b;
	uint8_t *p;
	int rc = ext2_block_get(fs, bm, false, &b);

	if (rc)
		return rc;
	p = bbuf_data(b);
	if (!(p[bit / 8] & (1u << (bit % 8)))) {
		rc = -EUCLEAN;
	} else {
		bbuf_dirty(b);
		p[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	}
	bcache_put(b);
	return rc;
}

static int block_alloc_in(struct ext2_fs *fs, uint32_t g, uint32_t from,
			  uint32_t *out)
{
	struct ext2_group_desc *gd = &fs->fs_gd[g];
	uint32_t bit, blk;
	int rc;

	if (!gd->bg_free_blocks_count)
		return -ENOSPC;
	rc = bitmap_take(fs, gd->bg_block_bitmap, ext2_group_nblocks(fs, g),
			 from, &bit);
	if (rc)
		return rc;
	blk = ext2_group_start(fs, g) + bit;
	if (!ext2_blk_ok(fs, blk) || is_group_meta(fs, g, blk)) {
		log_err("ext2: block bitmap of group %u marks metadata block "
			"%u free\n",
			g, blk);
		return -EUCLEAN;
	}
	gd->bg_free_blocks_count--;
	fs->fs_sb.s_free_blocks_count--;
	rc = gd_write(fs, g);
	if (!rc)
		rc = ext2_sb_write(fs);
	if (!rc)
		*out = blk;
	return rc;
}

/* Allocates a block, preferring goal's group and the blocks after goal. */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	uint32_t g0 = 0, from = 0;
	int rc = -ENOSPC;

	if (goal >= fs->fs_first_data && goal < fs->fs_blocks) {
		g0 = (goal - fs->fs_first_data) / fs->fs_bpg;
		from = (goal - fs->fs_first_data) % fs->fs_bpg;
	}
	for (uint32_t n = 0; n < fs->fs_ngroups; n++) {
		uint32_t g = (g0 + n) % fs->fs_ngroups;

		rc = block_alloc_in(fs, g, n ? 0 : from, out);
		if (rc != -ENOSPC)
			return rc;
	}
	/* The last blocks may be the spare and the prepared ones: their
	 * bits are set already. */
	if (fs->fs_spare) {
		*out = fs->fs_spare;
		fs->fs_spare = 0;
		rc = 0;
	} else if (fs->fs_nprep_blk) {
		*out = fs->fs_prep_blk[--fs->fs_nprep_blk];
		rc = 0;
	}
	return rc;
}

int ext2_block_free(struct ext2_fs *fs, uint32_t blk)
{
	uint32_t g, bit;
	int rc;

	if (!ext2_blk_ok(fs, blk))
		return -EUCLEAN;
	g = (blk - fs->fs_first_data) / fs->fs_bpg;
	bit = (blk - fs->fs_first_data) % fs->fs_bpg;
	if (is_group_meta(fs, g, blk))
		return -EUCLEAN;
	rc = bitmap_clear(fs, fs->fs_gd[g].bg_block_bitmap, bit);
	if (rc) {
		if (rc == -EUCLEAN)
			log_err("ext2: freeing free block %u\n", blk);
		return rc;
	}
	fs->fs_gd[g].bg_free_blocks_count++;
	fs->fs_sb.s_free_blocks_count++;
	rc = gd_write(fs, g);
	return rc ? rc : ext2_sb_write(fs);
}

int ext2_inode_alloc(struct ext2_fs *fs, uint32_t dir, bool is_dir,
		     uint32_t *ino)
{
	uint32_t g0 = (dir - 1) / fs->fs_ipg;

	for (uint32_t n = 0; n < fs->fs_ngroups; n++) {
		uint32_t g = (g0 + n) % fs->fs_ngroups, bit;
		struct ext2_group_desc *gd = &fs->fs_gd[g];
		int rc;

		if (!gd->bg_free_inodes_count)
			continue;
		rc = bitmap_take(fs, gd->bg_inode_bitmap, fs->fs_ipg, 0, &bit);
		if (rc == -ENOSPC)
			continue;
		if (rc)
			return rc;
		if (g * fs->fs_ipg + bit + 1 < fs->fs_first_ino) {
			log_err("ext2: reserved inode %u marked free\n",
				g * fs->fs_ipg + bit + 1);
			return -EUCLEAN;
		}
		gd->bg_free_inodes_count--;
		fs->fs_sb.s_free_inodes_count--;
		if (is_dir)
			gd->bg_used_dirs_count++;
		*ino = g * fs->fs_ipg + bit + 1;
		rc = gd_write(fs, g);
		return rc ? rc : ext2_sb_write(fs);
	}
	return -ENOSPC;
}

int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
	uint32_t g = (ino - 1) / fs->fs_ipg;
	struct ext2_group_desc *gd = &fs->fs_gd[g];
	int rc = bitmap_clear(fs, gd->bg_inode_bitmap, (ino - 1) % fs->fs_ipg);

	if (rc) {
		if (rc == -EUCLEAN)
			log_err("ext2: freeing free inode %u\n", ino);
		return rc;
	}
	gd->bg_free_inodes_count++;
	fs->fs_sb.s_free_inodes_count++;
	if (is_dir && gd->bg_used_dirs_count)
		gd->bg_used_dirs_count--;
	rc = gd_write(fs, g);
	return rc ? rc : ext2_sb_write(fs);
}

/* --- write order --- */

void ext2_order(struct ext2_fs *fs)
{
	bcache_barrier(fs->fs_bc);
}

/*
 * Takes ndata data blocks and nind indirect blocks from the bitmaps for
 * inode ino (from its group on), zeroing the indirect ones in the cache.
 * The caller ends the epoch (ext2_order()) before anything points to
 * one: their bits (and zeros) then reach the device first. ext2_bmap()
 * hands them out; ext2_unreserve() frees what is left. Returns 0, or an
 * error with nothing reserved (-ENOSPC when they are not all there,
 * -EINVAL beyond the arrays).
 */
int ext2_reserve(struct ext2_fs *fs, uint32_t ino, uint32_t ndata,
		 uint32_t nind)
{
	uint32_t goal = ext2_group_start(fs, (ino - 1) / fs->fs_ipg), blk;
	struct bbuf *b;
	int rc = 0;

	if (ndata > EXT2_RESV_DATA_MAX || nind > EXT2_RESV_IND_MAX ||
	    fs->fs_nresv_data || fs->fs_nresv_ind)
		return -EINVAL;
	while (!rc && fs->fs_nresv_data < ndata) {
		rc = ext2_block_alloc(fs, goal, &blk);
		if (!rc) {
			fs->fs_resv_data[fs->fs_nresv_data++] = blk;
			goal = blk + 1;
		}
	}
	while (!rc && fs->fs_nresv_ind < nind) {
		rc = ext2_block_alloc(fs, goal, &blk);
		if (rc)
			break;
		fs->fs_resv_ind[fs->fs_nresv_ind++] = blk;
		goal = blk + 1;
		rc = ext2_block_get(fs, blk, true, &b);
		if (!rc)
			bcache_put(b);
	}
	if (rc)
		(void)ext2_unreserve(fs);
	return rc;
}

/* Frees the reserved blocks not handed out: nothing points to them, so
 * at once. Returns 0 or the first error. */
int ext2_unreserve(struct ext2_fs *fs)
{
	int rc = 0, err;

	while (fs->fs_next_data < fs->fs_nresv_data) {
		err = ext2_block_free(fs, fs->fs_resv_data[fs->fs_next_data++]);
		rc = rc ? rc : err;
	}
	while (fs->fs_next_ind < fs->fs_nresv_ind) {
		err = ext2_block_free(fs, fs->fs_resv_ind[fs->fs_next_ind++]);
		rc = rc ? rc : err;
	}
	fs->fs_nresv_data = fs->fs_next_data = 0;
	fs->fs_nresv_ind = fs->fs_next_ind = 0;
	return rc;
}

/*
 * The spare block. Creating a small file takes an epoch for the inode's
 * bit, one for the inode, one for its name, and its first write one for
 * the data block's bit before the pointer: each costs a device flush at
 * write-back. A block taken with the inode's bit (before the epoch that
 * follows it ends) is ready for a pointer at once, which saves the last.
 * Unused, it waits for the next file; statfs counts it as free, a sync
 * or unmount frees it, and a crash merely leaks it (a bit set for
 * nothing, which e2fsck repairs).
 */

/* Takes a spare block near inode ino if there is none (and room). The
 * caller ends the epoch before it is used. */
void ext2_spare_fill(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t goal = ext2_group_start(fs, (ino - 1) / fs->fs_ipg), blk;

	if (!fs->fs_spare && !ext2_block_alloc(fs, goal, &blk))
		fs->fs_spare = blk;
}

/* Reserves the spare block as a write's one data block (no indirect
 * block needed), when there is one: true then, and no epoch need end
 * before it is mapped. The caller holds no other reservation. */
bool ext2_spare_reserve(struct ext2_fs *fs)
{
	if (!fs->fs_spare || fs->fs_nresv_data || fs->fs_nresv_ind)
		return false;
	fs->fs_resv_data[0] = fs->fs_spare;
	fs->fs_nresv_data = 1;
	fs->fs_next_data = 0;
	fs->fs_spare = 0;
	return true;
}

/* Frees the spare block (nothing points to it). Returns 0 or the error
 * of ext2_block_free(). */
int ext2_spare_release(struct ext2_fs *fs)
{
	uint32_t blk = fs->fs_spare;

	fs->fs_spare = 0;
	return blk ? ext2_block_free(fs, blk) : 0;
}

/*
 * Prepared inodes. Even with the spare block, a new file takes an epoch
 * for its inode's bit, one for the inode and one for its name: three
 * device flushes at its fsync, where Linux's ext2 issues one (and orders
 * nothing). So inodes are prepared in batches: their bits (and as many
 * spare blocks) in one epoch, each inode an empty regular file with one
 * link and no permissions in the next. A new regular file takes one and
 * writes its real inode in the epoch of its name: a crash leaves the
 * name with either inode (an empty file, never synced), or the inode
 * with no name, empty, which e2fsck clears ("Unattached zero-length
 * inode"), and bits set for blocks nothing uses: both among what a
 * crash may leave (<fs/ext2.h>). fsync keeps them; ext2_sync() and
 * unmount release them, so a synced or unmounted file system has no
 * such leftovers. statfs counts them as free, a block allocation that
 * finds nothing else takes the prepared blocks, and a batch is taken
 * only with PREP_ROOM free of each, so they never keep the last ones.
 */
#define PREP_ROOM (8u * EXT2_PREP_MAX)

/* Frees prepared inodes [from, fs_nprep_ino) that were never written. */
static void prep_unwind(struct ext2_fs *fs, uint32_t from)
{
	for (uint32_t i = from; i < fs->fs_nprep_ino; i++)
		(void)ext2_inode_free(fs, fs->fs_prep_ino[i], false);
	fs->fs_nprep_ino = from;
}

/* Prepares a batch of inodes near dir (and tops up the blocks). Returns
 * 0 when at least one is ready, or an error with none prepared. */
static int prep_fill(struct ext2_fs *fs, uint32_t dir)
{
	struct ext2_inode in;
	uint32_t n = 0, i, goal;
	int rc = 0;

	if (fs->fs_rdonly || fs->fs_sb.s_free_inodes_count < PREP_ROOM ||
	    fs->fs_sb.s_free_blocks_count < PREP_ROOM)
		return -ENOSPC;
	fs->fs_nprep_ino = fs->fs_next_prep = 0;
	while (n < EXT2_PREP_MAX &&
	       !(rc = ext2_inode_alloc(fs, dir, false, &fs->fs_prep_ino[n])))
		n++;
	fs->fs_nprep_ino = n;
	if (!n)
		return rc;
	goal = ext2_group_start(fs, (fs->fs_prep_ino[0] - 1) / fs->fs_ipg);
	while (fs->fs_nprep_blk < EXT2_PREP_MAX &&
	       !ext2_block_alloc(fs, goal, &fs->fs_prep_blk[fs->fs_nprep_blk]))
		fs->fs_nprep_blk++;
	ext2_order(fs);
	for (i = 0; i < n; i++) {
		rc = ext2_inode_init(fs, fs->fs_prep_ino[i], EXT2_S_IFREG, &in);
		if (rc)
			break;
	}
	if (i < n)
		prep_unwind(fs, i);
	/* The empty inodes before any name for them. */
	ext2_order(fs);
	return i ? 0 : rc;
}

/* Takes a prepared inode for a new regular file in dir, preparing a
 * batch when none is left, and makes a prepared block the spare if
 * there is none. False when there is none to take (the caller makes the
 * inode the slow way). */
bool ext2_prep_take(struct ext2_fs *fs, uint32_t dir, uint32_t *ino)
{
	if (fs->fs_next_prep == fs->fs_nprep_ino && prep_fill(fs, dir))
		return false;
	*ino = fs->fs_prep_ino[fs->fs_next_prep++];
	if (!fs->fs_spare && fs->fs_nprep_blk)
		fs->fs_spare = fs->fs_prep_blk[--fs->fs_nprep_blk];
	return true;
}

/* Frees the prepared inodes and blocks left: each inode is cleared now
 * and its bit freed at the caller's ext2_frees_commit(). Returns 0 or
 * the first error. */
int ext2_prep_release(struct ext2_fs *fs)
{
	struct ext2_inode in;
	int rc = 0, err;

	while (fs->fs_next_prep < fs->fs_nprep_ino) {
		uint32_t ino = fs->fs_prep_ino[fs->fs_next_prep++];

		err = ext2_inode_get(fs, ino, &in);
		if (!err)
			err = ext2_inode_discard(fs, ino, &in);
		rc = rc ? rc : err;
	}
	fs->fs_nprep_ino = fs->fs_next_prep = 0;
	while (fs->fs_nprep_blk) {
		err = ext2_block_free(fs, fs->fs_prep_blk[--fs->fs_nprep_blk]);
		rc = rc ? rc : err;
	}
	return rc;
}

/* What statfs counts as free besides the bitmaps' free bits. */
uint32_t ext2_prep_free_blocks(const struct ext2_fs *fs)
{
	return fs->fs_nprep_blk + !!fs->fs_spare;
}

uint32_t ext2_prep_free_inodes(const struct ext2_fs *fs)
{
	return fs->fs_nprep_ino - fs->fs_next_prep;
}

/* The data block ext2_resv_take() will hand out next, or 0. */
uint32_t ext2_resv_peek_data(const struct ext2_fs *fs)
{
	return fs->fs_next_data < fs->fs_nresv_data
		       ? fs->fs_resv_data[fs->fs_next_data]
		       : 0;
}

bool ext2_resv_take(struct ext2_fs *fs, bool data, uint32_t *blk)
{
	if (data && fs->fs_next_data < fs->fs_nresv_data) {
		*blk = fs->fs_resv_data[fs->fs_next_data++];
		return true;
	}
	if (!data && fs->fs_next_ind < fs->fs_nresv_ind) {
		*blk = fs->fs_resv_ind[fs->fs_next_ind++];
		return true;
	}
	return false;
}

static int free_now(struct ext2_fs *fs, uint32_t no, int kind)
{
	if (kind == EXT2_PF_BLOCK)
		return ext2_block_free(fs, no);
	return ext2_inode_free(fs, no, kind == EXT2_PF_DIR_INODE);
}

/*
 * Frees block or inode `no` (kind EXT2_PF_*) at the end of the caller's
 * operation (ext2_frees_commit()), an epoch after the pointers to it,
 * which the caller has already cleared. Without memory to remember it,
 * ends the epoch and frees it (and those waiting) at once. Returns 0 or
 * the error of an immediate free.
 */
int ext2_free_later(struct ext2_fs *fs, uint32_t no, int kind)
{
	struct ext2_pending_free *p;
	uint32_t cap;
	int rc, rc2;

	if (fs->fs_npend == fs->fs_pend_cap) {
		cap = fs->fs_pend_cap ? 2 * fs->fs_pend_cap : 64;
		p = cap > fs->fs_pend_cap ? heap_alloc(cap * sizeof(*p)) : NULL;
		if (!p) {
			rc = ext2_frees_commit(fs);
			rc2 = free_now(fs, no, kind);
			return rc ? rc : rc2;
		}
		if (fs->fs_npend)
			memcpy(p, fs->fs_pend, fs->fs_npend * sizeof(*p));
		heap_free(fs->fs_pend);
		fs->fs_pend = p;
		fs->fs_pend_cap = cap;
	}
	fs->fs_pend[fs->fs_npend++] =
		(struct ext2_pending_free){ .pf_no = no,
					    .pf_kind = (uint8_t)kind };
	return 0;
}

/* Ends the epoch, then frees what ext2_free_later() deferred. Returns 0
 * or the first error (-EUCLEAN for a block freed twice). */
int ext2_frees_commit(struct ext2_fs *fs)
{
	int rc = 0, err;

	if (!fs->fs_npend)
		return 0;
	ext2_order(fs);
	for (uint32_t i = 0; i < fs->fs_npend; i++) {
		err = free_now(fs, fs->fs_pend[i].pf_no,
			       fs->fs_pend[i].pf_kind);
		rc = rc ? rc : err;
	}
	fs->fs_npend = 0;
	return rc;
}

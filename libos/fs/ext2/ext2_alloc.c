/* SPDX-License-Identifier: MIT */
/*
 * ext2 allocation: the superblock and group descriptors (written through
 * to the cache on every change), block and inode bitmaps. A block the
 * bitmap offers is refused (-EUCLEAN) when it is metadata, and freeing a
 * block or inode that is already free is -EUCLEAN, so a corrupt bitmap
 * or a block shared by two files never frees or hands out metadata.
 */
#include <fs/ext2.h>

#include <kernel/bcache.h>
#include <kernel/errno.h>
#include <kernel/log.h>

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
			p[i / 8] |= (uint8_t)(1u << (i % 8));
			bbuf_dirty(b);
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
		p[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
		bbuf_dirty(b);
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

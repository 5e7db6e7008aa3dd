/* SPDX-License-Identifier: MIT */
/*
 * ext2 file data: the block map (direct, indirect, double and triple
 * indirect blocks), freeing blocks (pointers are cleared, and the blocks
 * they named freed an epoch later; a loop or shared block shows up as a
 * double free: -EUCLEAN), and the file calls of <fs/ext2.h>. A write
 * reserves the blocks a chunk needs, ends the epoch, then maps and
 * fills them: the bitmap bits reach the device before the pointers.
 */
#include <fs/ext2.h>

#include <kernel/bcache.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/netbuf.h>
#include <kernel/string.h>

#include "ext2_impl.h"

/* --- block mapping --- */

/* The path to logical block lblk: indexes per level below the inode's
 * slot; returns the depth (0 direct) or -EFBIG. */
static int bmap_path(const struct ext2_fs *fs, uint64_t lblk, uint32_t *slot,
		     uint32_t idx[3])
{
	uint64_t apb = fs->fs_apb;

	if (lblk < EXT2_NDIR_BLOCKS) {
		*slot = (uint32_t)lblk;
		return 0;
	}
	lblk -= EXT2_NDIR_BLOCKS;
	if (lblk < apb) {
		*slot = EXT2_IND_BLOCK;
		idx[0] = (uint32_t)lblk;
		return 1;
	}
	lblk -= apb;
	if (lblk < apb * apb) {
		*slot = EXT2_DIND_BLOCK;
		idx[0] = (uint32_t)(lblk / apb);
		idx[1] = (uint32_t)(lblk % apb);
		return 2;
	}
	lblk -= apb * apb;
	if (lblk < apb * apb * apb) {
		*slot = EXT2_TIND_BLOCK;
		idx[0] = (uint32_t)(lblk / (apb * apb));
		idx[1] = (uint32_t)(lblk / apb % apb);
		idx[2] = (uint32_t)(lblk % apb);
		return 3;
	}
	return -EFBIG;
}

/* A block for inode `in` (counted in i_blocks) that the caller will
 * point to: a reserved one, or one taken now, whose bitmap bit (and, for
 * an indirect block (!data), zeroed contents) then get an epoch of their
 * own before the pointer. */
static int map_alloc(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		     bool data, uint32_t *out)
{
	uint32_t goal = ext2_group_start(fs, (ino - 1) / fs->fs_ipg);
	struct bbuf *b;
	int rc;

	if (ext2_resv_take(fs, data, out)) {
		in->i_blocks += fs->fs_bsize / 512;
		return 0;
	}
	rc = ext2_block_alloc(fs, goal, out);
	if (rc)
		return rc;
	in->i_blocks += fs->fs_bsize / 512;
	if (!data) {
		rc = ext2_block_get(fs, *out, true, &b);
		if (rc)
			return rc;
		bcache_put(b);
	}
	ext2_order(fs);
	return 0;
}

/* Reads entry i of indirect block blk, or (with set) writes v there. */
static int ind_entry(struct ext2_fs *fs, uint32_t blk, uint32_t i, bool set,
		     uint32_t *v)
{
	struct bbuf *b;
	int rc = ext2_block_get(fs, blk, false, &b);

	if (rc)
		return rc;
	if (set) {
		bbuf_dirty(b);
		((uint32_t *)bbuf_data(b))[i] = *v;
	} else {
		*v = ((uint32_t *)bbuf_data(b))[i];
	}
	bcache_put(b);
	return 0;
}

/*
 * Maps logical block lblk of inode ino (whose copy `in` the caller writes
 * back afterwards) to *pblk, 0 for a hole. With alloc, a hole is filled
 * (and any indirect block missing on the way); *fresh then says the data
 * block is new (its old contents are garbage).
 */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
	      uint64_t lblk, bool alloc, uint32_t *pblk, bool *fresh)
{
	uint32_t idx[3], slot, cur;
	int depth = bmap_path(fs, lblk, &slot, idx), rc;

	*fresh = false;
	if (depth < 0)
		return depth;
	cur = in->i_block[slot];
	if (!cur && alloc) {
		rc = map_alloc(fs, ino, in, depth == 0, &cur);
		if (rc)
			return rc;
		in->i_block[slot] = cur;
		*fresh = depth == 0;
	}
	for (int l = 0; l < depth && cur; l++) {
		uint32_t next;

		if (!ext2_blk_ok(fs, cur))
			return -EUCLEAN;
		rc = ind_entry(fs, cur, idx[l], false, &next);
		if (!rc && !next && alloc) {
			rc = map_alloc(fs, ino, in, l == depth - 1, &next);
			if (!rc)
				rc = ind_entry(fs, cur, idx[l], true, &next);
			*fresh = l == depth - 1;
		}
		if (rc)
			return rc;
		cur = next;
	}
	if (cur && !ext2_blk_ok(fs, cur))
		return -EUCLEAN;
	*pblk = cur;
	return 0;
}

/* Sets *miss to the first node missing on the path to a logical block:
 * 0 is the inode's slot, depth the data block, depth + 1 none. */
static int first_missing(struct ext2_fs *fs, const struct ext2_inode *in,
			 uint32_t slot, const uint32_t idx[3], int depth,
			 int *miss)
{
	uint32_t cur = in->i_block[slot];
	int rc;

	for (int j = 0; j < depth && cur; j++) {
		if (!ext2_blk_ok(fs, cur))
			return -EUCLEAN;
		rc = ind_entry(fs, cur, idx[j], false, &cur);
		if (rc)
			return rc;
		if (!cur) {
			*miss = j + 1;
			return 0;
		}
	}
	*miss = cur ? depth + 1 : 0;
	return 0;
}

/*
 * Counts what mapping logical blocks [first, first + n) would allocate:
 * a data block per hole and each indirect block missing on the way
 * (once, though consecutive blocks share it). Allocates nothing.
 */
int ext2_bmap_missing(struct ext2_fs *fs, struct ext2_inode *in, uint64_t first,
		      uint32_t n, uint32_t *ndata, uint32_t *nind)
{
	uint32_t idx[3] = { 0 }, pidx[3] = { 0 }, slot, pslot = 0;
	int depth, pdepth = -1, miss, rc;

	*ndata = *nind = 0;
	for (uint32_t k = 0; k < n; k++) {
		depth = bmap_path(fs, first + k, &slot, idx);
		if (depth < 0)
			return depth;
		rc = first_missing(fs, in, slot, idx, depth, &miss);
		if (rc)
			return rc;
		if (miss <= depth)
			++*ndata;
		/* Node j is the one the previous block met when the slot
		 * and the first j indexes agree: counted already. */
		for (int j = miss; j < depth; j++)
			if (depth != pdepth || slot != pslot ||
			    memcmp(idx, pidx, (size_t)j * sizeof(idx[0])))
				++*nind;
		pdepth = depth;
		pslot = slot;
		memcpy(pidx, idx, sizeof(idx));
	}
	return 0;
}

/* --- freeing blocks --- */

static uint64_t span_of(const struct ext2_fs *fs, int depth)
{
	uint64_t s = 1;

	while (depth-- > 0)
		s *= fs->fs_apb;
	return s;
}

static int tree_free(struct ext2_fs *fs, struct ext2_inode *in, uint32_t blk,
		     int depth, uint64_t from);

/* Frees block c (a subtree of the given depth below it when depth > 0),
 * which nothing points to any more, at the end of the operation. */
static int subtree_free(struct ext2_fs *fs, struct ext2_inode *in, uint32_t c,
			int depth)
{
	int rc = 0, rc2;

	if (!ext2_blk_ok(fs, c))
		return -EUCLEAN;
	if (depth > 0)
		rc = tree_free(fs, in, c, depth, 0);
	rc2 = ext2_free_later(fs, c, EXT2_PF_BLOCK);
	if (!rc2 && in->i_blocks >= fs->fs_bsize / 512)
		in->i_blocks -= fs->fs_bsize / 512;
	return rc ? rc : rc2;
}

/*
 * Frees the blocks mapped by indirect block blk (depth levels below it,
 * 1: its entries are data blocks) from its relative logical block `from`
 * on. Entries are cleared in blk before what they pointed to is freed.
 * A loop or a shared block shows up as a block freed twice: -EUCLEAN.
 */
static int tree_free(struct ext2_fs *fs, struct ext2_inode *in, uint32_t blk,
		     int depth, uint64_t from)
{
	uint64_t per = span_of(fs, depth - 1);
	uint32_t first = (uint32_t)(from / per), clr, *copy;
	uint64_t part = from % per;
	struct bbuf *b;
	int rc, err = 0;

	copy = heap_alloc(fs->fs_bsize);
	if (!copy)
		return -ENOMEM;
	rc = ext2_block_get(fs, blk, false, &b);
	if (rc)
		goto out_free;
	clr = part ? first + 1 : first;
	memcpy(copy, bbuf_data(b), fs->fs_bsize);
	if (clr < fs->fs_apb) {
		bbuf_dirty(b);
		memset((uint32_t *)bbuf_data(b) + clr, 0,
		       (fs->fs_apb - clr) * sizeof(uint32_t));
	}
	bcache_put(b);
	if (part && copy[first] && first < fs->fs_apb)
		err = ext2_blk_ok(fs, copy[first])
			      ? tree_free(fs, in, copy[first], depth - 1, part)
			      : -EUCLEAN;
	for (uint32_t i = clr; i < fs->fs_apb; i++) {
		if (copy[i])
			rc = subtree_free(fs, in, copy[i], depth - 1);
		if (rc && !err)
			err = rc;
		rc = 0;
	}
	rc = err;
out_free:
	heap_free(copy);
	return rc;
}

/* Frees inode-rooted slot s (depth levels of indirection) when the whole
 * subtree lies at or past block nb, else trims inside it. */
static int slot_trim(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		     uint32_t s, int depth, uint64_t base, uint64_t nb)
{
	uint32_t c = in->i_block[s];
	int rc;

	if (!c || nb >= base + span_of(fs, depth))
		return 0;
	if (nb > base)
		return ext2_blk_ok(fs, c)
			       ? tree_free(fs, in, c, depth, nb - base)
			       : -EUCLEAN;
	in->i_block[s] = 0;
	rc = ext2_inode_put(fs, ino, in);
	if (rc)
		return rc;
	return subtree_free(fs, in, c, depth);
}

/* Frees every block at or past logical block nb. */
static int blocks_trim(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		       uint64_t nb)
{
	uint64_t base = EXT2_NDIR_BLOCKS;
	int rc = 0, err = 0;

	for (uint32_t s = 0; s < EXT2_NDIR_BLOCKS; s++) {
		rc = slot_trim(fs, ino, in, s, 0, s, nb);
		if (rc && !err)
			err = rc;
	}
	for (int d = 1; d <= 3; d++) {
		rc = slot_trim(fs, ino, in, EXT2_IND_BLOCK + d - 1, d, base,
			       nb);
		if (rc && !err)
			err = rc;
		base += span_of(fs, d);
	}
	return err;
}

/* Drops one reference to the inode's extended-attribute block. */
static int xattr_release(struct ext2_fs *fs, struct ext2_inode *in)
{
	uint32_t blk = in->i_file_acl, refs;
	struct ext2_xattr_header h;
	uint64_t off = (uint64_t)blk * fs->fs_bsize;
	int rc;

	if (!blk)
		return 0;
	in->i_file_acl = 0;
	if (!ext2_blk_ok(fs, blk))
		return -EUCLEAN;
	rc = bcache_read(fs->fs_bc, off, &h, sizeof(h));
	if (rc)
		return rc;
	if (h.h_magic != EXT2_XATTR_MAGIC || h.h_refcount == 0)
		return -EUCLEAN;
	if (in->i_blocks >= fs->fs_bsize / 512)
		in->i_blocks -= fs->fs_bsize / 512;
	refs = h.h_refcount - 1;
	if (refs)
		return bcache_write(fs->fs_bc, off + 4, &refs, sizeof(refs));
	return ext2_free_later(fs, blk, EXT2_PF_BLOCK);
}

/* Frees inode ino (whose copy is *in), which nothing names: clears it and
 * its pointers, then (at the caller's ext2_frees_commit()) its blocks
 * and its bit. */
int ext2_inode_discard(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	bool dir = ext2_is_dir(in);
	int rc = 0, rc2;

	if (!ext2_is_fast_symlink(fs, in))
		rc = blocks_trim(fs, ino, in, 0);
	memset(in->i_block, 0, sizeof(in->i_block));
	rc2 = xattr_release(fs, in);
	in->i_dtime = ext2_now(fs);
	ext2_set_isize(in, 0);
	in->i_mode = 0; /* free: what ext2_inode_user() checks */
	in->i_links_count = 0;
	rc2 = rc2 ? rc2 : ext2_inode_put(fs, ino, in);
	if (!rc2)
		rc2 = ext2_free_later(fs, ino,
				      dir ? EXT2_PF_DIR_INODE : EXT2_PF_INODE);
	return rc ? rc : rc2;
}

/*
 * Frees an inode with no links left, taking it off the orphan list
 * first: e2fsck follows that list and would free the inode's blocks
 * again, so it must not name the inode once they may be reused. The
 * caller commits the frees.
 */
int ext2_inode_free_all(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;
	int rc = ext2_inode_get(fs, ino, &in);

	if (rc || in.i_links_count)
		return rc;
	rc = ext2_orphan_del(fs, ino, in.i_dtime);
	if (rc)
		return rc;
	ext2_order(fs);
	return ext2_inode_discard(fs, ino, &in);
}

/* --- files --- */

/* Reads a caller-named inode: -EINVAL when out of range or free. */
int ext2_inode_user(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int rc;

	if (ino == 0 || ino > fs->fs_inodes)
		return -EINVAL;
	rc = bcache_read(fs->fs_bc, ext2_inode_off(fs, ino), in, sizeof(*in));
	if (rc)
		return rc;
	if (in->i_mode == 0)
		return -EINVAL; /* free */
	return ext2_inode_get(fs, ino, in);
}

static int reg_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int rc = ext2_inode_user(fs, ino, in);

	if (rc)
		return rc;
	if (ext2_is_dir(in))
		return -EISDIR;
	return ext2_is_reg(in) ? 0 : -EINVAL;
}

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
	struct ext2_inode in;
	int rc;

	mutex_lock(&fs->fs_lock);
	rc = ext2_inode_user(fs, ino, &in);
	mutex_unlock(&fs->fs_lock);
	if (rc)
		return rc;
	st->st_ino = ino;
	st->st_mode = in.i_mode;
	st->st_nlink = in.i_links_count;
	st->st_uid = in.i_uid | (uint32_t)in.i_uid_high << 16;
	st->st_gid = in.i_gid | (uint32_t)in.i_gid_high << 16;
	st->st_size = ext2_isize(&in);
	st->st_blocks = in.i_blocks;
	st->st_atime_ns = in.i_atime * NS_PER_S;
	st->st_mtime_ns = in.i_mtime * NS_PER_S;
	st->st_ctime_ns = in.i_ctime * NS_PER_S;
	return 0;
}

/* Reads of whole blocks gather at most this many into one device read. */
#define READ_RUN_MAX 1024u

/*
 * How many logical blocks from lblk on (at most max) lie on the disk one
 * after the other from pb, lblk's own block, counting only those whose
 * pointers sit in the same map node as lblk's (the inode's direct slots
 * or one indirect block): the node is read once, not once per block.
 * 0 when the node cannot be read. Caller holds fs_lock.
 */
static uint32_t node_run(struct ext2_fs *fs, struct ext2_inode *in,
			 uint64_t lblk, uint32_t pb, uint32_t max)
{
	uint32_t idx[3], slot, cur, n = 0, i;
	int depth = bmap_path(fs, lblk, &slot, idx);
	const uint32_t *e;
	struct bbuf *b;

	if (depth < 0)
		return 0;
	if (depth == 0) {
		while (n < max && slot + n < EXT2_NDIR_BLOCKS &&
		       pb + n < fs->fs_blocks &&
		       in->i_block[slot + n] == pb + n)
			n++;
		return n;
	}
	cur = in->i_block[slot];
	for (int l = 0; l < depth - 1 && cur; l++)
		if (!ext2_blk_ok(fs, cur) ||
		    ind_entry(fs, cur, idx[l], false, &cur))
			return 0;
	if (!cur || !ext2_blk_ok(fs, cur) || ext2_block_get(fs, cur, false, &b))
		return 0;
	e = bbuf_data(b);
	i = idx[depth - 1];
	while (n < max && i + n < fs->fs_apb && pb + n < fs->fs_blocks &&
	       e[i + n] == pb + n)
		n++;
	bcache_put(b);
	return n;
}

/*
 * How many whole blocks from byte off (block-aligned, mapped to pb) lie
 * one after the other on the disk, within len bytes: at least 1. Stops
 * at a hole, a bad mapping or READ_RUN_MAX. Caller holds fs_lock.
 */
static uint32_t run_length(struct ext2_fs *fs, struct ext2_inode *in,
			   uint64_t off, uint32_t pb, size_t len)
{
	uint64_t lblk = off / fs->fs_bsize;
	size_t whole = len / fs->fs_bsize;
	uint32_t max = whole < READ_RUN_MAX ? (uint32_t)whole : READ_RUN_MAX;
	uint32_t n = 0, k;

	do {
		k = node_run(fs, in, lblk + n, pb + n, max - n);
		n += k;
	} while (k && n < max);
	return n ? n : 1;
}

static ssize_t read_locked(struct ext2_fs *fs, uint32_t ino, uint64_t off,
			   uint8_t *buf, size_t len)
{
	struct ext2_inode in;
	uint64_t size;
	size_t done = 0;
	int rc = reg_get(fs, ino, &in);

	if (rc)
		return rc;
	size = ext2_isize(&in);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	while (done < len) {
		uint32_t boff = (uint32_t)((off + done) % fs->fs_bsize), pb;
		size_t n = fs->fs_bsize - boff;
		struct bbuf *b;
		bool fresh;

		n = n < len - done ? n : len - done;
		rc = ext2_bmap(fs, ino, &in, (off + done) / fs->fs_bsize, false,
			       &pb, &fresh);
		if (!rc && pb >= fs->fs_blocks)
			rc = -EUCLEAN;
		if (!rc && pb && n == fs->fs_bsize) {
			/* Whole blocks: gather the run that follows on the
			 * disk and read it in one go (bcache_read_blocks()
			 * takes what the cache holds from it). */
			uint32_t run =
				run_length(fs, &in, off + done, pb, len - done);

			rc = bcache_read_blocks(fs->fs_bc, pb, run, buf + done);
			n = (size_t)run * fs->fs_bsize;
		} else if (!rc && pb) {
			rc = bcache_get_ro(fs->fs_bc, pb, &b);
			if (!rc) {
				memcpy(buf + done,
				       (uint8_t *)bbuf_data(b) + boff, n);
				bcache_put(b);
			}
		} else if (!rc) {
			memset(buf + done, 0, n);
		}
		if (rc)
			return done ? (ssize_t)done : rc;
		done += n;
	}
	return (ssize_t)done;
}

ssize_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf,
		  size_t len)
{
	ssize_t rc;

	mutex_lock(&fs->fs_lock);
	rc = read_locked(fs, ino, off, buf, len);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

/* Lent runs the cache does not hold: at most this many bytes in one. */
#define LEND_RUN_BYTES (128u * 1024)

/*
 * Lends n whole blocks from pb, read from the device into memory of
 * their own (the device's DMA and the NIC's, no copy by the CPU), not
 * cached: a large file sent once would only push out what is worth
 * keeping. Caller holds fs_lock.
 */
static int lend_run(struct ext2_fs *fs, uint32_t pb, uint32_t n,
		    struct netbuf **out)
{
	size_t bytes = (size_t)n * fs->fs_bsize;
	void *buf = heap_alloc(bytes);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = bcache_read_blocks(fs->fs_bc, pb, n, buf);
	if (!rc) {
		*out = netbuf_ext(buf, bytes, heap_free, buf);
		rc = *out ? 0 : -ENOMEM;
	}
	if (rc)
		heap_free(buf);
	return rc;
}

ssize_t ext2_lend(struct ext2_fs *fs, uint32_t ino, uint64_t off, size_t len,
		  struct netbuf **out)
{
	uint32_t boff = (uint32_t)(off % fs->fs_bsize), pb, run = 0;
	struct ext2_inode in;
	uint64_t size = 0;
	bool fresh;
	int rc;

	mutex_lock(&fs->fs_lock);
	rc = reg_get(fs, ino, &in);
	if (rc)
		goto out;
	size = ext2_isize(&in);
	if (off >= size || len == 0)
		goto out; /* rc 0: the end */
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > LEND_RUN_BYTES)
		len = LEND_RUN_BYTES;
	rc = ext2_bmap(fs, ino, &in, off / fs->fs_bsize, false, &pb, &fresh);
	if (!rc && pb >= fs->fs_blocks)
		rc = -EUCLEAN;
	else if (!rc && !pb)
		rc = -EOPNOTSUPP; /* a hole: no block to lend */
	if (rc)
		goto out;
	/* Whole blocks the cache does not hold go out in runs; a cached
	 * block is lent from its buffer. */
	if (boff == 0 && len >= 2u * fs->fs_bsize &&
	    !bcache_cached(fs->fs_bc, pb))
		run = run_length(fs, &in, off, pb, len);
	if (run > 1) {
		len = (size_t)run * fs->fs_bsize;
		rc = lend_run(fs, pb, run, out);
	} else {
		if (len > fs->fs_bsize - boff)
			len = fs->fs_bsize - boff;
		rc = bcache_lend(fs->fs_bc, pb, boff, (uint32_t)len, out);
	}
out:
	mutex_unlock(&fs->fs_lock);
	return rc ? rc : (ssize_t)(off < size ? len : 0);
}

/* Copies n bytes into logical block lblk at boff, allocating it. */
static int write_block(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		       uint64_t lblk, uint32_t boff, const uint8_t *src,
		       size_t n)
{
	uint32_t pb;
	struct bbuf *b;
	bool fresh;
	int rc = ext2_bmap(fs, ino, in, lblk, true, &pb, &fresh);

	if (rc)
		return rc;
	rc = ext2_block_get(fs, pb, fresh || n == fs->fs_bsize, &b);
	if (rc)
		return rc;
	bbuf_dirty(b);
	memcpy((uint8_t *)bbuf_data(b) + boff, src, n);
	bcache_put(b);
	return 0;
}

static int large_file_note(struct ext2_fs *fs, uint64_t size)
{
	if (size < (1ull << 31) ||
	    (fs->fs_sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
		return 0;
	fs->fs_sb.s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	return ext2_sb_write(fs);
}

/*
 * Writes len bytes at off, within EXT2_RESV_DATA_MAX blocks: the blocks
 * its holes need are reserved in one epoch, then mapped and filled in
 * the next. Without room for them all, each block is taken as it comes
 * (map_alloc()), so the write stops where space does. Adds the bytes
 * written to *done.
 */
static int write_chunk(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		       uint64_t off, const uint8_t *buf, size_t len,
		       size_t *done)
{
	uint64_t first = off / fs->fs_bsize;
	uint32_t nblk = (uint32_t)((off + len - 1) / fs->fs_bsize - first + 1);
	uint32_t ndata, nind;
	size_t pos = 0;
	bool spare;
	int rc = ext2_bmap_missing(fs, in, first, nblk, &ndata, &nind), rc2;

	if (rc)
		return rc;
	/* The spare block's bit is in an ended epoch already. */
	spare = ndata == 1 && !nind && ext2_spare_reserve(fs);
	if (ndata && !spare && !ext2_reserve(fs, ino, ndata, nind))
		ext2_order(fs);
	while (pos < len) {
		uint32_t boff = (uint32_t)((off + pos) % fs->fs_bsize);
		size_t n = fs->fs_bsize - boff;

		n = n < len - pos ? n : len - pos;
		rc = write_block(fs, ino, in, (off + pos) / fs->fs_bsize, boff,
				 buf + pos, n);
		if (rc)
			break;
		pos += n;
	}
	*done += pos;
	rc2 = ext2_unreserve(fs);
	return rc ? rc : rc2;
}

static ssize_t write_locked(struct ext2_fs *fs, uint32_t ino, uint64_t off,
			    const uint8_t *buf, size_t len)
{
	struct ext2_inode in;
	uint64_t chunk = (uint64_t)EXT2_RESV_DATA_MAX * fs->fs_bsize;
	size_t done = 0;
	int rc = fs->fs_rdonly ? -EROFS : reg_get(fs, ino, &in), rc2;

	if (rc)
		return rc;
	if (off > fs->fs_max_size || len > fs->fs_max_size - off)
		return -EFBIG;
	while (done < len && !rc) {
		uint64_t pos = off + done;
		size_t n = (size_t)(chunk - pos % chunk);

		n = n < len - done ? n : len - done;
		rc = write_chunk(fs, ino, &in, pos, buf + done, n, &done);
	}
	if (done && off + done > ext2_isize(&in)) {
		ext2_set_isize(&in, off + done);
		rc2 = large_file_note(fs, off + done);
		rc = rc ? rc : rc2;
	}
	if (done)
		in.i_mtime = in.i_ctime = ext2_now(fs);
	rc2 = ext2_inode_put(fs, ino, &in);
	if (done)
		return rc2 ? rc2 : (ssize_t)done;
	return rc ? rc : rc2;
}

ssize_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off,
		   const void *buf, size_t len)
{
	ssize_t rc;

	mutex_lock(&fs->fs_lock);
	rc = write_locked(fs, ino, off, buf, len);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

/* Zeroes the bytes of the block holding `size` past it, so that a later
 * extension reads zeros there. */
static int tail_zero(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		     uint64_t size)
{
	uint32_t boff = (uint32_t)(size % fs->fs_bsize), pb;
	struct bbuf *b;
	bool fresh;
	int rc;

	if (!boff)
		return 0;
	rc = ext2_bmap(fs, ino, in, size / fs->fs_bsize, false, &pb, &fresh);
	if (rc || !pb)
		return rc;
	rc = ext2_block_get(fs, pb, false, &b);
	if (rc)
		return rc;
	bbuf_dirty(b);
	memset((uint8_t *)bbuf_data(b) + boff, 0, fs->fs_bsize - boff);
	bcache_put(b);
	return 0;
}

static int truncate_locked(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct ext2_inode in;
	int rc = fs->fs_rdonly ? -EROFS : reg_get(fs, ino, &in), rc2;

	if (rc)
		return rc;
	if (size > fs->fs_max_size)
		return -EFBIG;
	if (size < ext2_isize(&in)) {
		rc = tail_zero(fs, ino, &in, size);
		ext2_set_isize(&in, size);
		rc2 = ext2_inode_put(fs, ino, &in);
		rc = rc ? rc : rc2;
		if (!rc)
			rc = blocks_trim(fs, ino, &in,
					 (size + fs->fs_bsize - 1) /
						 fs->fs_bsize);
	} else {
		ext2_set_isize(&in, size);
		rc = large_file_note(fs, size);
	}
	in.i_mtime = in.i_ctime = ext2_now(fs);
	rc2 = ext2_inode_put(fs, ino, &in);
	rc = rc ? rc : rc2;
	/* The pointers are cleared (in the cache): now the blocks. */
	rc2 = ext2_frees_commit(fs);
	return rc ? rc : rc2;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	int rc;

	mutex_lock(&fs->fs_lock);
	rc = truncate_locked(fs, ino, size);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

static int times_locked(struct ext2_fs *fs, uint32_t ino, uint64_t atime_ns,
			uint64_t mtime_ns, int mode)
{
	struct ext2_inode in;
	int rc = fs->fs_rdonly ? -EROFS : ext2_inode_user(fs, ino, &in);

	if (rc)
		return rc;
	if (atime_ns != UINT64_MAX)
		in.i_atime = (uint32_t)(atime_ns / NS_PER_S);
	if (mtime_ns != UINT64_MAX)
		in.i_mtime = (uint32_t)(mtime_ns / NS_PER_S);
	if (mode >= 0)
		in.i_mode =
			(uint16_t)((in.i_mode & EXT2_S_IFMT) | (mode & 07777));
	in.i_ctime = ext2_now(fs);
	return ext2_inode_put(fs, ino, &in);
}

int ext2_set_times(struct ext2_fs *fs, uint32_t ino, uint64_t atime_ns,
		   uint64_t mtime_ns)
{
	int rc;

	mutex_lock(&fs->fs_lock);
	rc = times_locked(fs, ino, atime_ns, mtime_ns, -1);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

int ext2_chmod(struct ext2_fs *fs, uint32_t ino, uint16_t mode)
{
	int rc;

	mutex_lock(&fs->fs_lock);
	rc = times_locked(fs, ino, UINT64_MAX, UINT64_MAX, mode);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

int ext2_release(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode in;
	int rc, rc2;

	mutex_lock(&fs->fs_lock);
	rc = fs->fs_rdonly ? -EROFS : ext2_inode_user(fs, ino, &in);
	if (!rc)
		rc = ext2_inode_free_all(fs, ino);
	rc2 = ext2_frees_commit(fs);
	mutex_unlock(&fs->fs_lock);
	return rc ? rc : rc2;
}

/* The file's metadata depends on earlier epochs (its blocks' bits, its
 * name's inode), which must reach the device first: every epoch up to
 * its last change goes out, which, the file being changed last, is all
 * of them. The spare and prepared inodes and blocks stay (what a crash
 * may leave of them is allowed), so the next files cost one epoch. */
int ext2_fsync(struct ext2_fs *fs, uint32_t ino)
{
	int rc;

	(void)ino;
	mutex_lock(&fs->fs_lock);
	rc = bcache_sync(fs->fs_bc);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

/* Releases the spare block and the prepared inodes and blocks, clearing
 * each inode an epoch before its bit. Caller holds fs_lock. */
int ext2_release_spares(struct ext2_fs *fs)
{
	int rc = ext2_spare_release(fs), rc2 = ext2_prep_release(fs);

	rc = rc ? rc : rc2;
	rc2 = ext2_frees_commit(fs);
	return rc ? rc : rc2;
}

int ext2_sync(struct ext2_fs *fs)
{
	int rc, rc2;

	mutex_lock(&fs->fs_lock);
	/* A synced file system has no bit set for nothing: the spare and
	 * the prepared inodes go (a new file takes others). */
	rc = fs->fs_rdonly ? 0 : ext2_release_spares(fs);
	rc2 = bcache_sync(fs->fs_bc);
	rc = rc ? rc : rc2;
	mutex_unlock(&fs->fs_lock);
	return rc;
}

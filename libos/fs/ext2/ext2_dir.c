/* SPDX-License-Identifier: MIT */
/*
 * ext2 directories and the name space (<fs/ext2.h>): linear directories
 * (a hashed-index directory is read as linear, and loses its index flag
 * when changed, as old Linux kernels do), lookup, readdir, create, mkdir,
 * symlinks, links, unlink, rmdir, rename.
 *
 * Every directory block is checked whole before any entry in it is used:
 * record lengths at least 8, 4-aligned and inside the block, names inside
 * their record, inode numbers in range. A bad block is -EUCLEAN.
 *
 * Write order (<fs/ext2.h>): a new inode's bit, then the inode, then its
 * name, each in an epoch of its own; a link count goes up an epoch
 * before the name it counts appears and down an epoch after it is gone;
 * a directory's new block is whole on the device before the directory
 * points to it.
 */
#include <fs/ext2.h>

#include <kernel/bcache.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/string.h>

#include "ext2_impl.h"

#define DE_HDR 8u
#define DE_LEN(n) ((DE_HDR + (n) + 3u) & ~3u)
#define LINKS_DROP (-65535)

/* A visit of a directory's entries; fn returns 1 to stop, 0 to go on. */
struct dwalk {
	int (*dw_fn)(struct dwalk *w, uint8_t *blk, uint32_t off, int32_t prev);
	struct ext2_fs *dw_fs;
	uint32_t dw_lblk; /* block being visited */
	struct bbuf *dw_buf; /* its buffer */
	bool dw_dirty; /* fn changed the block (dw_change()) */
	const char *dw_name;
	size_t dw_len;
	struct ext2_dloc *dw_loc;
	uint32_t dw_ino;
	uint8_t dw_type;
	uint32_t dw_off;
	struct ext2_dirent *dw_out;
};

static struct ext2_dir_entry *de_at(uint8_t *blk, uint32_t off)
{
	return (struct ext2_dir_entry *)(blk + off);
}

static int block_check(const struct ext2_fs *fs, uint8_t *blk)
{
	uint32_t off = 0;

	while (off < fs->fs_bsize) {
		struct ext2_dir_entry *de = de_at(blk, off);

		if (fs->fs_bsize - off < DE_HDR || de->rec_len < DE_HDR ||
		    de->rec_len % 4 || de->rec_len > fs->fs_bsize - off ||
		    de->name_len + DE_HDR > de->rec_len ||
		    de->inode > fs->fs_inodes)
			return -EUCLEAN;
		off += de->rec_len;
	}
	return 0;
}

/* Visits the entries of blocks [first, last) of directory dino. Returns
 * 1 when fn stopped, 0 at the end, or an error. */
static int dir_walk(struct ext2_fs *fs, uint32_t dino, struct ext2_inode *din,
		    uint32_t first, uint32_t last, struct dwalk *w)
{
	uint32_t nb = (uint32_t)(ext2_isize(din) / fs->fs_bsize);
	int rc = 0;

	w->dw_fs = fs;
	for (uint32_t l = first; l < nb && l < last && !rc; l++) {
		uint32_t pb, off = 0;
		int32_t prev = -1;
		struct bbuf *b;
		bool fresh;

		rc = ext2_bmap(fs, dino, din, l, false, &pb, &fresh);
		if (!rc && !pb)
			rc = -EUCLEAN;
		if (!rc)
			rc = ext2_block_get(fs, pb, false, &b);
		if (rc)
			break;
		rc = block_check(fs, bbuf_data(b));
		if (rc)
			log_err("ext2: directory %u block %u is corrupt\n",
				dino, l);
		w->dw_lblk = l;
		w->dw_buf = b;
		w->dw_dirty = false;
		while (!rc && off < fs->fs_bsize) {
			rc = w->dw_fn(w, bbuf_data(b), off, prev);
			prev = (int32_t)off;
			off += de_at(bbuf_data(b), off)->rec_len;
		}
		bcache_put(b);
	}
	return rc;
}

/* A walk function calls this before it changes the block. */
static void dw_change(struct dwalk *w)
{
	if (!w->dw_dirty)
		bbuf_dirty(w->dw_buf);
	w->dw_dirty = true;
}

static bool de_is(const uint8_t *blk, uint32_t off, const char *name,
		  size_t len)
{
	const struct ext2_dir_entry *de = (const void *)(blk + off);

	return de->inode && de->name_len == len &&
	       !memcmp(blk + off + DE_HDR, name, len);
}

static bool is_dots(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

static int name_check(const char *name, size_t len, bool dots_ok)
{
	if (len == 0)
		return -EINVAL;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\0')
			return -EINVAL;
	return !dots_ok && is_dots(name, len) ? -EINVAL : 0;
}

static uint8_t ft_of(uint16_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
		return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR:
		return EXT2_FT_DIR;
	case EXT2_S_IFLNK:
		return EXT2_FT_SYMLINK;
	case EXT2_S_IFCHR:
		return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK:
		return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO:
		return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK:
		return EXT2_FT_SOCK;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

static int dir_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int rc = ext2_inode_get(fs, ino, in);

	if (!rc && !ext2_is_dir(in))
		rc = -ENOTDIR;
	return rc;
}

/* --- finding, adding, changing and removing entries --- */

static int find_fn(struct dwalk *w, uint8_t *blk, uint32_t off, int32_t prev)
{
	struct ext2_dir_entry *de = de_at(blk, off);

	if (!de_is(blk, off, w->dw_name, w->dw_len))
		return 0;
	*w->dw_loc = (struct ext2_dloc){ .dl_lblk = w->dw_lblk,
					 .dl_off = off,
					 .dl_prev = prev,
					 .dl_ino = de->inode,
					 .dl_type = de->file_type };
	return de->inode ? 1 : -EUCLEAN;
}

/* Finds name in directory dino: 0 and *loc, or -ENOENT. */
static int dir_find(struct ext2_fs *fs, uint32_t dino, const char *name,
		    size_t len, struct ext2_dloc *loc)
{
	struct ext2_inode din;
	struct dwalk w = {
		.dw_fn = find_fn, .dw_name = name, .dw_len = len, .dw_loc = loc
	};
	int rc = dir_get(fs, dino, &din);

	if (rc)
		return rc;
	rc = dir_walk(fs, dino, &din, 0, UINT32_MAX, &w);
	if (rc == 0)
		return -ENOENT;
	if (rc == 1 && (loc->dl_ino < 1 || loc->dl_ino > fs->fs_inodes))
		return -EUCLEAN;
	return rc == 1 ? 0 : rc;
}

static void de_fill(struct ext2_fs *fs, uint8_t *blk, uint32_t off,
		    uint16_t rec_len, const struct dwalk *w)
{
	struct ext2_dir_entry *de = de_at(blk, off);

	de->inode = w->dw_ino;
	de->rec_len = rec_len;
	de->name_len = (uint8_t)w->dw_len;
	de->file_type = fs->fs_filetype ? w->dw_type : 0;
	memcpy(blk + off + DE_HDR, w->dw_name, w->dw_len);
}

static int add_fn(struct dwalk *w, uint8_t *blk, uint32_t off, int32_t prev)
{
	struct ext2_dir_entry *de = de_at(blk, off);
	uint32_t used = de->inode ? DE_LEN(de->name_len) : 0;
	uint16_t rest;

	(void)prev;
	if (de->rec_len - used < DE_LEN(w->dw_len))
		return 0;
	rest = (uint16_t)(de->rec_len - used);
	dw_change(w);
	if (used) {
		de->rec_len = (uint16_t)used;
		off += used;
	}
	de_fill(w->dw_fs, blk, off, rest, w);
	return 1;
}

static int dir_touch(struct ext2_fs *fs, uint32_t dino, struct ext2_inode *din)
{
	din->i_mtime = din->i_ctime = ext2_now(fs);
	din->i_flags &= ~EXT2_INDEX_FL;
	return ext2_inode_put(fs, dino, din);
}

/*
 * Appends a block holding only the entry of w to directory dino. The
 * block (and any indirect block on its way) is reserved and filled in
 * one epoch, pointed to in the next: a crash never leaves the directory
 * naming a block that is not a directory block.
 */
static int dir_grow(struct ext2_fs *fs, uint32_t dino, struct ext2_inode *din,
		    struct dwalk *w)
{
	uint64_t size = ext2_isize(din);
	uint32_t ndata, nind, pb, blk;
	struct bbuf *b;
	bool fresh;
	int rc = ext2_bmap_missing(fs, din, size / fs->fs_bsize, 1, &ndata,
				   &nind),
	    rc2;

	if (!rc && ndata != 1)
		rc = -EUCLEAN; /* a block past the directory's size */
	if (!rc)
		rc = ext2_reserve(fs, dino, 1, nind);
	if (rc)
		return rc;
	blk = ext2_resv_peek_data(fs);
	rc = ext2_block_get(fs, blk, true, &b);
	if (!rc) {
		de_fill(fs, bbuf_data(b), 0, (uint16_t)fs->fs_bsize, w);
		bcache_put(b);
		ext2_order(fs);
		rc = ext2_bmap(fs, dino, din, size / fs->fs_bsize, true, &pb,
			       &fresh);
	}
	if (!rc && pb != blk)
		rc = -EUCLEAN;
	if (!rc)
		din->i_size = (uint32_t)(size + fs->fs_bsize);
	rc2 = ext2_unreserve(fs);
	rc = rc ? rc : rc2;
	/* din may point to new blocks even on failure: write it. */
	rc2 = dir_touch(fs, dino, din);
	return rc ? rc : rc2;
}

/* Adds name -> ino (of file type type) to directory dino, which the
 * caller checked does not hold name. */
static int dir_add(struct ext2_fs *fs, uint32_t dino, const char *name,
		   size_t len, uint32_t ino, uint8_t type)
{
	struct ext2_inode din;
	struct dwalk w = { .dw_fn = add_fn,
			   .dw_name = name,
			   .dw_len = len,
			   .dw_ino = ino,
			   .dw_type = type };
	int rc = dir_get(fs, dino, &din);

	if (rc)
		return rc;
	rc = dir_walk(fs, dino, &din, 0, UINT32_MAX, &w);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return dir_touch(fs, dino, &din);
	return dir_grow(fs, dino, &din, &w);
}

static int remove_fn(struct dwalk *w, uint8_t *blk, uint32_t off, int32_t prev)
{
	struct ext2_dir_entry *de = de_at(blk, off);

	if (off != w->dw_loc->dl_off)
		return 0;
	if (!de_is(blk, off, w->dw_name, w->dw_len))
		return -EUCLEAN; /* the block changed under the caller */
	dw_change(w);
	if (w->dw_ino) { /* replace the target */
		de->inode = w->dw_ino;
		if (w->dw_fs->fs_filetype)
			de->file_type = w->dw_type;
	} else if (prev >= 0) {
		de_at(blk, (uint32_t)prev)->rec_len += de->rec_len;
	} else {
		de->inode = 0;
	}
	return 1;
}

/* Removes the entry at loc (named name) from dino or, when ino is not 0,
 * points it to ino (of type type) instead. */
static int dir_change(struct ext2_fs *fs, uint32_t dino, struct ext2_dloc *loc,
		      const char *name, size_t len, uint32_t ino, uint8_t type)
{
	struct ext2_inode din;
	struct dwalk w = { .dw_fn = remove_fn,
			   .dw_name = name,
			   .dw_len = len,
			   .dw_loc = loc,
			   .dw_ino = ino,
			   .dw_type = type };
	int rc = dir_get(fs, dino, &din);

	if (rc)
		return rc;
	rc = dir_walk(fs, dino, &din, loc->dl_lblk, loc->dl_lblk + 1, &w);
	if (rc == 0)
		rc = -EUCLEAN;
	if (rc < 0)
		return rc;
	return dir_touch(fs, dino, &din);
}

static int empty_fn(struct dwalk *w, uint8_t *blk, uint32_t off, int32_t prev)
{
	struct ext2_dir_entry *de = de_at(blk, off);

	(void)w;
	(void)prev;
	if (!de->inode)
		return 0;
	return is_dots((const char *)blk + off + DE_HDR, de->name_len) ? 0 : 1;
}

/* 0 when directory dino holds only "." and "..", else -ENOTEMPTY. */
static int dir_empty(struct ext2_fs *fs, uint32_t dino)
{
	struct ext2_inode din;
	struct dwalk w = { .dw_fn = empty_fn };
	int rc = dir_get(fs, dino, &din);

	if (rc)
		return rc;
	rc = dir_walk(fs, dino, &din, 0, UINT32_MAX, &w);
	return rc == 1 ? -ENOTEMPTY : rc;
}

/* --- lookup and readdir --- */

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		uint32_t *ino)
{
	struct ext2_dloc loc;
	int rc = name_check(name, len, true);

	if (rc)
		return rc;
	if (dir == 0 || dir > fs->fs_inodes)
		return -EINVAL;
	mutex_lock(&fs->fs_lock);
	rc = dir_find(fs, dir, name, len, &loc);
	mutex_unlock(&fs->fs_lock);
	if (!rc)
		*ino = loc.dl_ino;
	return rc;
}

static const uint8_t dt_of_ft[] = {
	[EXT2_FT_REG_FILE] = EXT2_DT_REG, [EXT2_FT_DIR] = EXT2_DT_DIR,
	[EXT2_FT_CHRDEV] = EXT2_DT_CHR,	  [EXT2_FT_BLKDEV] = EXT2_DT_BLK,
	[EXT2_FT_FIFO] = EXT2_DT_FIFO,	  [EXT2_FT_SOCK] = EXT2_DT_SOCK,
	[EXT2_FT_SYMLINK] = EXT2_DT_LNK,
};

static int readdir_fn(struct dwalk *w, uint8_t *blk, uint32_t off, int32_t prev)
{
	struct ext2_dir_entry *de = de_at(blk, off);
	struct ext2_dirent *out = w->dw_out;

	(void)prev;
	if (!de->inode ||
	    (w->dw_lblk == w->dw_loc->dl_lblk && off < w->dw_loc->dl_off))
		return 0;
	out->d_ino = de->inode;
	out->d_namlen = de->name_len;
	memcpy(out->d_name, blk + off + DE_HDR, de->name_len);
	out->d_name[de->name_len] = '\0';
	out->d_type = EXT2_DT_UNKNOWN;
	if (w->dw_fs->fs_filetype && de->file_type < sizeof(dt_of_ft))
		out->d_type = dt_of_ft[de->file_type];
	w->dw_off = w->dw_lblk * w->dw_fs->fs_bsize + off + de->rec_len;
	return 1;
}

static int readdir_locked(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie,
			  struct ext2_dirent *de)
{
	struct ext2_inode din;
	struct ext2_dloc from = { 0 };
	struct dwalk w = { .dw_fn = readdir_fn, .dw_out = de, .dw_loc = &from };
	int rc = dir_get(fs, dir, &din);

	if (rc)
		return rc;
	if (*cookie >= ext2_isize(&din))
		return 0;
	from.dl_lblk = (uint32_t)(*cookie / fs->fs_bsize);
	from.dl_off = (uint32_t)(*cookie % fs->fs_bsize);
	rc = dir_walk(fs, dir, &din, from.dl_lblk, UINT32_MAX, &w);
	if (rc == 1)
		*cookie = w.dw_off;
	else if (rc == 0)
		*cookie = ext2_isize(&din);
	return rc;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie,
		 struct ext2_dirent *de)
{
	int rc;

	if (dir == 0 || dir > fs->fs_inodes)
		return -EINVAL;
	mutex_lock(&fs->fs_lock);
	rc = readdir_locked(fs, dir, cookie, de);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

/* --- creating --- */

/* Checks that name can be added to dir; *din is dir's inode. */
static int create_check(struct ext2_fs *fs, uint32_t dir, const char *name,
			size_t len, struct ext2_inode *din)
{
	struct ext2_dloc loc;
	int rc;

	if (fs->fs_rdonly)
		return -EROFS;
	rc = name_check(name, len, false);
	if (rc)
		return rc;
	rc = ext2_inode_user(fs, dir, din);
	if (!rc && !ext2_is_dir(din))
		rc = -ENOTDIR;
	if (!rc && !din->i_links_count)
		rc = -ENOENT; /* removed, still open */
	if (rc)
		return rc;
	rc = dir_find(fs, dir, name, len, &loc);
	if (rc == 0)
		return -EEXIST;
	return rc == -ENOENT ? 0 : rc;
}

/* Writes the first block of new directory ino, whose parent is dir, or
 * the block of a slow symlink, into block blk (reserved, unnamed yet). */
static int first_block_fill(struct ext2_fs *fs, uint32_t blk, uint32_t ino,
			    uint32_t dir, const char *target, size_t tlen)
{
	struct ext2_dir_entry *de;
	struct bbuf *b;
	int rc = ext2_block_get(fs, blk, true, &b);

	if (rc)
		return rc;
	if (target) {
		memcpy(bbuf_data(b), target, tlen);
		bcache_put(b);
		return 0;
	}
	de = bbuf_data(b);
	*de = (struct ext2_dir_entry){ ino, 12, 1,
				       fs->fs_filetype ? EXT2_FT_DIR : 0 };
	memcpy(de + 1, ".", 1);
	de = de_at(bbuf_data(b), 12);
	*de = (struct ext2_dir_entry){ dir, (uint16_t)(fs->fs_bsize - 12), 2,
				       fs->fs_filetype ? EXT2_FT_DIR : 0 };
	memcpy(de + 1, "..", 2);
	bcache_put(b);
	return 0;
}

/* Fills the new inode `in`: its first block (reserved and written by
 * first_block_fill()) for a directory or slow symlink, a fast symlink's
 * target, sizes and links. */
static int inode_fill(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		      const char *target, size_t tlen)
{
	uint32_t pb;
	bool fresh;
	int rc = 0;

	if (target && tlen <= EXT2_FAST_SYMLINK_MAX) {
		memcpy(in->i_block, target, tlen);
		in->i_size = (uint32_t)tlen;
		return 0;
	}
	if (!target && !ext2_is_dir(in))
		return 0; /* a regular file starts empty */
	rc = ext2_bmap(fs, ino, in, 0, true, &pb, &fresh);
	if (rc)
		return rc;
	if (target) {
		in->i_size = (uint32_t)tlen;
	} else {
		in->i_size = fs->fs_bsize;
		in->i_links_count = 2;
	}
	return 0;
}

/* Undoes a new_inode() that failed at `stage` (1: only bits taken; 2:
 * the inode was written; its name was never added). */
static void new_undo(struct ext2_fs *fs, uint32_t dir, uint32_t ino,
		     struct ext2_inode *in, bool is_dir, int stage)
{
	(void)ext2_unreserve(fs);
	if (is_dir)
		(void)ext2_link_adjust(fs, dir, -1);
	if (stage == 1)
		(void)ext2_inode_free(fs, ino, is_dir);
	else
		(void)ext2_inode_discard(fs, ino, in);
}

/*
 * Makes a new inode of the given mode in dir under name; target is a
 * symlink's. Three epochs: the inode's bit, a first block's bit and
 * contents and the parent's extra link (nothing names them yet); the
 * inode; its name. A regular file takes a prepared inode instead
 * (ext2_prep_take()) when there is one: one epoch, the inode with its
 * name. On failure nothing is left allocated (but leaked blocks after a
 * device error).
 */
static int new_inode(struct ext2_fs *fs, uint32_t dir, const char *name,
		     size_t len, uint16_t mode, const char *target, size_t tlen,
		     uint32_t *ino)
{
	struct ext2_inode din, in;
	bool is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	bool block = is_dir || (target && tlen > EXT2_FAST_SYMLINK_MAX);
	int rc = create_check(fs, dir, name, len, &din), stage = 1;

	if (rc)
		return rc;
	if (is_dir && din.i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	if ((mode & EXT2_S_IFMT) == EXT2_S_IFREG &&
	    ext2_prep_take(fs, dir, ino)) {
		/* Its bit and an empty inode are in ended epochs: its real
		 * inode and its name share one. */
		rc = ext2_inode_init(fs, *ino, mode, &in);
		if (!rc)
			rc = dir_add(fs, dir, name, len, *ino, ft_of(mode));
		if (rc)
			new_undo(fs, dir, *ino, &in, false, 2);
		return rc;
	}
	rc = ext2_inode_alloc(fs, dir, is_dir, ino);
	if (rc == -ENOSPC && ext2_prep_free_inodes(fs)) {
		/* The prepared inodes are the last: give them back. */
		rc = ext2_prep_release(fs);
		rc = rc ? rc : ext2_frees_commit(fs);
		rc = rc ? rc : ext2_inode_alloc(fs, dir, is_dir, ino);
	}
	if (rc)
		return rc;
	if (block)
		rc = ext2_reserve(fs, *ino, 1, 0);
	if (!rc && block)
		rc = first_block_fill(fs, ext2_resv_peek_data(fs), *ino, dir,
				      target, tlen);
	if (!rc && is_dir)
		rc = ext2_link_adjust(fs, dir, 1);
	if (rc) {
		(void)ext2_unreserve(fs);
		(void)ext2_inode_free(fs, *ino, is_dir);
		return rc;
	}
	/* A regular file's first block, in the same epoch as its bit. */
	if ((mode & EXT2_S_IFMT) == EXT2_S_IFREG)
		ext2_spare_fill(fs, *ino);
	ext2_order(fs);
	rc = ext2_inode_init(fs, *ino, mode, &in);
	if (!rc) {
		stage = 2;
		rc = inode_fill(fs, *ino, &in, target, tlen);
	}
	if (!rc)
		rc = ext2_inode_put(fs, *ino, &in);
	if (!rc)
		rc = ext2_unreserve(fs);
	if (!rc) {
		ext2_order(fs);
		rc = dir_add(fs, dir, name, len, *ino, ft_of(mode));
	}
	if (rc)
		new_undo(fs, dir, *ino, &in, is_dir, stage);
	return rc;
}

static int new_locked(struct ext2_fs *fs, uint32_t dir, const char *name,
		      size_t len, uint16_t mode, const char *target,
		      size_t tlen, uint32_t *ino)
{
	int rc, rc2;

	mutex_lock(&fs->fs_lock);
	rc = new_inode(fs, dir, name, len, mode, target, tlen, ino);
	rc2 = ext2_frees_commit(fs);
	mutex_unlock(&fs->fs_lock);
	return rc ? rc : rc2;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		uint16_t mode, uint32_t *ino)
{
	return new_locked(fs, dir, name, len, EXT2_S_IFREG | (mode & 07777),
			  NULL, 0, ino);
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
	       uint16_t mode, uint32_t *ino)
{
	return new_locked(fs, dir, name, len, EXT2_S_IFDIR | (mode & 07777),
			  NULL, 0, ino);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 const char *target, size_t target_len, uint32_t *ino)
{
	if (target_len == 0)
		return -EINVAL;
	if (target_len >= fs->fs_bsize)
		return -ENAMETOOLONG;
	return new_locked(fs, dir, name, len, EXT2_S_IFLNK | 0777, target,
			  target_len, ino);
}

static ssize_t readlink_locked(struct ext2_fs *fs, uint32_t ino, char *buf,
			       size_t size)
{
	struct ext2_inode in;
	uint32_t pb;
	struct bbuf *b;
	bool fresh;
	int rc = ext2_inode_user(fs, ino, &in);
	size_t n;

	if (rc)
		return rc;
	if (!ext2_is_lnk(&in))
		return -EINVAL;
	n = in.i_size < size ? in.i_size : size;
	if (ext2_is_fast_symlink(fs, &in)) {
		if (in.i_size > EXT2_FAST_SYMLINK_MAX)
			return -EUCLEAN;
		memcpy(buf, in.i_block, n);
		return (ssize_t)n;
	}
	rc = ext2_bmap(fs, ino, &in, 0, false, &pb, &fresh);
	if (!rc && !pb)
		rc = -EUCLEAN;
	if (!rc)
		rc = ext2_block_get(fs, pb, false, &b);
	if (rc)
		return rc;
	memcpy(buf, bbuf_data(b), n);
	bcache_put(b);
	return (ssize_t)n;
}

ssize_t ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t size)
{
	ssize_t rc;

	mutex_lock(&fs->fs_lock);
	rc = readlink_locked(fs, ino, buf, size);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

static int link_locked(struct ext2_fs *fs, uint32_t ino, uint32_t dir,
		       const char *name, size_t len)
{
	struct ext2_inode in, din;
	int rc = create_check(fs, dir, name, len, &din);

	if (!rc)
		rc = ext2_inode_user(fs, ino, &in);
	if (rc)
		return rc;
	if (ext2_is_dir(&in))
		return -EPERM;
	if (!in.i_links_count)
		return -ENOENT; /* unlinked, still open */
	if (in.i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	rc = ext2_link_adjust(fs, ino, 1);
	if (rc)
		return rc;
	ext2_order(fs);
	rc = dir_add(fs, dir, name, len, ino, ft_of(in.i_mode));
	if (rc)
		(void)ext2_link_adjust(fs, ino, -1);
	return rc;
}

int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name,
	      size_t len)
{
	int rc;

	mutex_lock(&fs->fs_lock);
	rc = link_locked(fs, ino, dir, name, len);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

/* --- removing and renaming --- */

/* Finds name in dir for removal: its location and inode. */
static int remove_check(struct ext2_fs *fs, uint32_t dir, const char *name,
			size_t len, struct ext2_dloc *loc,
			struct ext2_inode *in)
{
	struct ext2_inode din;
	int rc;

	if (fs->fs_rdonly)
		return -EROFS;
	rc = name_check(name, len, false);
	if (!rc)
		rc = ext2_inode_user(fs, dir, &din);
	if (!rc && !ext2_is_dir(&din))
		rc = -ENOTDIR;
	if (!rc)
		rc = dir_find(fs, dir, name, len, loc);
	return rc ? rc : ext2_inode_get(fs, loc->dl_ino, in);
}

static int unlink_locked(struct ext2_fs *fs, uint32_t dir, const char *name,
			 size_t len, bool is_rmdir, uint32_t *ino)
{
	struct ext2_dloc loc;
	struct ext2_inode in;
	int rc = remove_check(fs, dir, name, len, &loc, &in);

	if (rc)
		return rc;
	if (!is_rmdir && ext2_is_dir(&in))
		return -EISDIR;
	if (is_rmdir && !ext2_is_dir(&in))
		return -ENOTDIR;
	if (is_rmdir) {
		rc = dir_empty(fs, loc.dl_ino);
		if (rc)
			return rc;
	}
	rc = dir_change(fs, dir, &loc, name, len, 0, 0);
	if (!rc) {
		ext2_order(fs);
		rc = ext2_link_adjust(fs, loc.dl_ino,
				      is_rmdir ? LINKS_DROP : -1);
	}
	if (!rc && is_rmdir)
		rc = ext2_link_adjust(fs, dir, -1);
	*ino = loc.dl_ino;
	return rc;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		uint32_t *ino)
{
	int rc;

	*ino = 0;
	mutex_lock(&fs->fs_lock);
	rc = unlink_locked(fs, dir, name, len, false, ino);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
	       uint32_t *ino)
{
	int rc;

	*ino = 0;
	mutex_lock(&fs->fs_lock);
	rc = unlink_locked(fs, dir, name, len, true, ino);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

/* -EINVAL when directory d is a or lies below it. */
static int below_check(struct ext2_fs *fs, uint32_t a, uint32_t d)
{
	struct ext2_dloc loc;

	for (uint32_t n = 0; n < fs->fs_inodes; n++) {
		int rc;

		if (d == a)
			return -EINVAL;
		if (d == EXT2_ROOT_INO)
			return 0;
		rc = dir_find(fs, d, "..", 2, &loc);
		if (rc)
			return rc == -ENOENT ? -EUCLEAN : rc;
		if (loc.dl_ino == d)
			return 0;
		d = loc.dl_ino;
	}
	return -EUCLEAN; /* a loop of ".." entries */
}

struct rename_args {
	uint32_t sdir, ddir;
	const char *sname, *dname;
	size_t slen, dlen;
};

/* May the source (inode s) replace the target (inode d, 0 if none)? */
static int rename_check(struct ext2_fs *fs, const struct rename_args *a,
			uint32_t s, const struct ext2_inode *sin, uint32_t d,
			const struct ext2_inode *din)
{
	struct ext2_inode ddin;
	int rc;

	if (d && ext2_is_dir(sin) && !ext2_is_dir(din))
		return -ENOTDIR;
	if (d && !ext2_is_dir(sin) && ext2_is_dir(din))
		return -EISDIR;
	if (d && ext2_is_dir(din)) {
		rc = dir_empty(fs, d);
		if (rc)
			return rc;
	}
	if (!ext2_is_dir(sin) || a->sdir == a->ddir)
		return 0;
	rc = dir_get(fs, a->ddir, &ddin);
	if (!rc && !d && ddin.i_links_count >= EXT2_LINK_MAX)
		rc = -EMLINK;
	return rc ? rc : below_check(fs, s, a->ddir);
}

/* Points the target name to s: replaces its entry (at dloc) or adds it. */
static int dst_set(struct ext2_fs *fs, const struct rename_args *a, uint32_t s,
		   uint8_t ft, struct ext2_dloc *dloc)
{
	if (dloc->dl_ino)
		return dir_change(fs, a->ddir, dloc, a->dname, a->dlen, s, ft);
	return dir_add(fs, a->ddir, a->dname, a->dlen, s, ft);
}

/* Removes the source name (found again: a change may have moved it). */
static int src_remove(struct ext2_fs *fs, const struct rename_args *a)
{
	struct ext2_dloc loc;
	int rc = dir_find(fs, a->sdir, a->sname, a->slen, &loc);

	return rc ? rc : dir_change(fs, a->sdir, &loc, a->sname, a->slen, 0, 0);
}

/* Points directory d's ".." to parent. */
static int dotdot_set(struct ext2_fs *fs, uint32_t d, uint32_t parent)
{
	struct ext2_dloc loc;
	int rc = dir_find(fs, d, "..", 2, &loc);

	return rc ? rc : dir_change(fs, d, &loc, "..", 2, parent, EXT2_FT_DIR);
}

/*
 * Renames a non-directory s: one more link first, then the new name,
 * then the old name goes, then the extra link and a replaced file's
 * link: a crash leaves both names or one, never a count below the names
 * on the device.
 */
static int rename_file(struct ext2_fs *fs, const struct rename_args *a,
		       uint32_t s, const struct ext2_inode *sin,
		       struct ext2_dloc *dloc)
{
	bool extra = sin->i_links_count < EXT2_LINK_MAX;
	int rc = extra ? ext2_link_adjust(fs, s, 1) : 0;

	if (rc)
		return rc;
	ext2_order(fs);
	rc = dst_set(fs, a, s, ft_of(sin->i_mode), dloc);
	if (rc) {
		if (extra)
			(void)ext2_link_adjust(fs, s, -1);
		return rc;
	}
	ext2_order(fs);
	rc = src_remove(fs, a);
	if (rc)
		return rc; /* two names, two links: consistent */
	ext2_order(fs);
	rc = ext2_link_adjust(fs, s, extra ? -1 : 0);
	if (!rc && dloc->dl_ino)
		rc = ext2_link_adjust(fs, dloc->dl_ino, -1);
	return rc;
}

/*
 * Renames directory s: the new parent's link for its ".." first; the old
 * name goes; ".." is pointed to the new parent; the new name appears;
 * then the old parent's link and a replaced directory go. A crash in
 * between leaves s without a name (e2fsck moves it to lost+found) or
 * counts too high, never two names for it. A failure after the old
 * name went puts it back.
 */
static int rename_dir(struct ext2_fs *fs, const struct rename_args *a,
		      uint32_t s, struct ext2_dloc *dloc, bool dir_replaced)
{
	bool cross = a->sdir != a->ddir;
	int rc = cross ? ext2_link_adjust(fs, a->ddir, 1) : 0;

	if (rc)
		return rc;
	ext2_order(fs);
	rc = src_remove(fs, a);
	if (rc)
		goto err_link;
	ext2_order(fs);
	if (cross) {
		rc = dotdot_set(fs, s, a->ddir);
		if (rc)
			goto err_name;
		ext2_order(fs);
	}
	rc = dst_set(fs, a, s, EXT2_FT_DIR, dloc);
	if (rc)
		goto err_dotdot;
	ext2_order(fs);
	if (cross)
		rc = ext2_link_adjust(fs, a->sdir, -1);
	if (!rc && dir_replaced)
		rc = ext2_link_adjust(fs, dloc->dl_ino, LINKS_DROP);
	if (!rc && dir_replaced)
		rc = ext2_link_adjust(fs, a->ddir, -1);
	return rc ? rc : ext2_link_adjust(fs, s, 0);

err_dotdot:
	if (cross)
		(void)dotdot_set(fs, s, a->sdir);
err_name:
	(void)dir_add(fs, a->sdir, a->sname, a->slen, s, EXT2_FT_DIR);
err_link:
	if (cross)
		(void)ext2_link_adjust(fs, a->ddir, -1);
	return rc;
}

static int rename_locked(struct ext2_fs *fs, const struct rename_args *a,
			 uint32_t *replaced)
{
	struct ext2_dloc sloc, dloc = { 0 };
	struct ext2_inode sin, din = { 0 };
	int rc = remove_check(fs, a->sdir, a->sname, a->slen, &sloc, &sin);

	if (rc)
		return rc;
	rc = name_check(a->dname, a->dlen, false);
	if (!rc)
		rc = dir_find(fs, a->ddir, a->dname, a->dlen, &dloc);
	if (rc == -ENOENT)
		dloc.dl_ino = 0;
	else if (rc)
		return rc;
	if (dloc.dl_ino == sloc.dl_ino)
		return 0;
	if (dloc.dl_ino) {
		rc = ext2_inode_get(fs, dloc.dl_ino, &din);
		if (rc)
			return rc;
	}
	rc = rename_check(fs, a, sloc.dl_ino, &sin, dloc.dl_ino, &din);
	if (rc)
		return rc;
	*replaced = dloc.dl_ino;
	if (ext2_is_dir(&sin))
		return rename_dir(fs, a, sloc.dl_ino, &dloc,
				  dloc.dl_ino && ext2_is_dir(&din));
	return rename_file(fs, a, sloc.dl_ino, &sin, &dloc);
}

int ext2_rename(struct ext2_fs *fs, uint32_t sdir, const char *sname,
		size_t slen, uint32_t ddir, const char *dname, size_t dlen,
		uint32_t *replaced)
{
	struct rename_args a = { sdir, ddir, sname, dname, slen, dlen };
	int rc;

	*replaced = 0;
	if (ddir == 0 || ddir > fs->fs_inodes)
		return -EINVAL;
	mutex_lock(&fs->fs_lock);
	rc = rename_locked(fs, &a, replaced);
	mutex_unlock(&fs->fs_lock);
	return rc;
}

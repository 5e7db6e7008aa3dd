/* SPDX-License-Identifier: MIT */
/*
 * Private to libos/fs/ext2: the mounted file system and the helpers the
 * files share (ext2.c mount and inodes, ext2_alloc.c allocation,
 * reservations and deferred frees, ext2_file.c file data, ext2_dir.c
 * directories and the name space). All helpers: caller holds fs_lock;
 * may sleep. A helper holds at most one cache buffer at a time, and
 * never across ext2_order(), so a corrupt pointer to a block already in
 * use cannot deadlock and every change is whole before its epoch ends.
 */
#ifndef FS_EXT2_IMPL_H
#define FS_EXT2_IMPL_H

#include <fs/ext2.h>

#include <kernel/sync.h>

#include "ext2_reg.h"

struct bbuf;

/* Reserved blocks (ext2_reserve()) for one chunk of a write: data blocks
 * and indirect blocks, at most these many. Each chunk costs an epoch
 * (a device flush at write-back), so a chunk is as large as a 1 MiB
 * write of 1 KiB blocks. As an indirect block maps 256 or more blocks, a
 * run of RESV_DATA_MAX touches at most 5 new single, 2 double and 1
 * triple indirect blocks (a bigger count falls back to taking blocks one
 * by one). */
#define EXT2_RESV_DATA_MAX 1024u
#define EXT2_RESV_IND_MAX 8u

/* Prepared regular-file inodes (ext2_prep_*()), taken this many at a
 * time: each batch costs two epochs, a file made from it none. */
#define EXT2_PREP_MAX 32u

/* A block or inode to free once the pointers to it are cleared on the
 * device (ext2_free_later(), ext2_frees_commit()). */
struct ext2_pending_free {
	uint32_t pf_no;
	uint8_t pf_kind; /* EXT2_PF_* */
};

enum { EXT2_PF_BLOCK, EXT2_PF_INODE, EXT2_PF_DIR_INODE };

/* Locking: [I] immutable after mount  [L] fs_lock */
struct ext2_fs {
	struct mutex fs_lock;
	struct blkdev *fs_bd; /* [I] */
	struct bcache *fs_bc; /* [I] */
	uint64_t (*fs_now_ns)(void); /* [I] */
	bool fs_rdonly; /* [I] */
	uint32_t fs_bsize; /* [I] bytes per block */
	uint32_t fs_apb; /* [I] block addresses per block */
	uint32_t fs_blocks, fs_inodes; /* [I] totals */
	uint32_t fs_first_data; /* [I] block of the superblock */
	uint32_t fs_bpg, fs_ipg; /* [I] per group */
	uint32_t fs_ngroups; /* [I] */
	uint32_t fs_isize; /* [I] bytes per on-disk inode */
	uint32_t fs_first_ino; /* [I] first non-reserved inode */
	uint32_t fs_itb; /* [I] inode table blocks per group */
	uint32_t fs_gdt_blocks; /* [I] after the primary superblock */
	uint64_t fs_max_size; /* [I] largest regular file, bytes */
	bool fs_filetype; /* [I] INCOMPAT_FILETYPE */
	struct ext2_super fs_sb; /* [L] written through on change */
	struct ext2_group_desc *fs_gd; /* [L] same */
	/* [L] reserved blocks, handed out from index 0 */
	uint32_t fs_resv_data[EXT2_RESV_DATA_MAX];
	uint32_t fs_resv_ind[EXT2_RESV_IND_MAX];
	uint32_t fs_nresv_data, fs_next_data;
	uint32_t fs_nresv_ind, fs_next_ind;
	/* [L] a free-for-use data block whose bit an ended epoch set (so
	 * a pointer to it needs no epoch of its own), or 0: taken with a new
	 * regular file's inode, for its first block (ext2_spare_*()) */
	uint32_t fs_spare;
	/* [L] prepared inodes, handed out from fs_next_prep: each's bit and
	 * its contents (an empty regular file, no permissions, one link,
	 * no name) are in ended epochs, so a new file's inode and name can
	 * share one; and as many blocks whose bits ended epochs set, each
	 * a spare block in turn */
	uint32_t fs_prep_ino[EXT2_PREP_MAX];
	uint32_t fs_prep_blk[EXT2_PREP_MAX];
	uint32_t fs_nprep_ino, fs_next_prep, fs_nprep_blk;
	/* [L] frees waiting for the end of the operation */
	struct ext2_pending_free *fs_pend;
	uint32_t fs_npend, fs_pend_cap;
};

/* Where a directory entry is: block, offset, previous entry's offset
 * (-1 for the first in its block), and what it holds. */
struct ext2_dloc {
	uint32_t dl_lblk;
	uint32_t dl_off;
	int32_t dl_prev;
	uint32_t dl_ino;
	uint8_t dl_type;
};

#define EXT2_LINK_MAX 32000

static inline bool ext2_is_dir(const struct ext2_inode *in)
{
	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

static inline bool ext2_is_reg(const struct ext2_inode *in)
{
	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG;
}

static inline bool ext2_is_lnk(const struct ext2_inode *in)
{
	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFLNK;
}

#define NS_PER_S 1000000000ull

/* ext2.c: inodes */
uint32_t ext2_now(struct ext2_fs *fs);
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_inode *in, uint64_t size);
uint64_t ext2_inode_off(const struct ext2_fs *fs, uint32_t ino);
int ext2_orphan_del(struct ext2_fs *fs, uint32_t ino, uint32_t next);
int ext2_inode_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_inode_user(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_inode_init(struct ext2_fs *fs, uint32_t ino, uint16_t mode,
		    struct ext2_inode *in);
int ext2_inode_put(struct ext2_fs *fs, uint32_t ino,
		   const struct ext2_inode *in);
bool ext2_is_fast_symlink(const struct ext2_fs *fs,
			  const struct ext2_inode *in);
int ext2_link_adjust(struct ext2_fs *fs, uint32_t ino, int delta);

/* ext2_alloc.c: superblock, descriptors, bitmaps, write order */
void ext2_order(struct ext2_fs *fs);
int ext2_reserve(struct ext2_fs *fs, uint32_t ino, uint32_t ndata,
		 uint32_t nind);
int ext2_unreserve(struct ext2_fs *fs);
uint32_t ext2_resv_peek_data(const struct ext2_fs *fs);
bool ext2_resv_take(struct ext2_fs *fs, bool data, uint32_t *blk);
void ext2_spare_fill(struct ext2_fs *fs, uint32_t ino);
bool ext2_spare_reserve(struct ext2_fs *fs);
int ext2_spare_release(struct ext2_fs *fs);
bool ext2_prep_take(struct ext2_fs *fs, uint32_t dir, uint32_t *ino);
int ext2_prep_release(struct ext2_fs *fs);
uint32_t ext2_prep_free_blocks(const struct ext2_fs *fs);
uint32_t ext2_prep_free_inodes(const struct ext2_fs *fs);
int ext2_free_later(struct ext2_fs *fs, uint32_t no, int kind);
int ext2_frees_commit(struct ext2_fs *fs);
int ext2_sb_write(struct ext2_fs *fs);
uint32_t ext2_group_start(const struct ext2_fs *fs, uint32_t g);
uint32_t ext2_group_nblocks(const struct ext2_fs *fs, uint32_t g);
bool ext2_blk_ok(const struct ext2_fs *fs, uint32_t b);
int ext2_block_get(struct ext2_fs *fs, uint32_t blk, bool fresh,
		   struct bbuf **out);
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_block_free(struct ext2_fs *fs, uint32_t blk);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t dir, bool is_dir,
		     uint32_t *ino);
int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool is_dir);

/* ext2_file.c: block map and freeing */
int ext2_inode_free_all(struct ext2_fs *fs, uint32_t ino);
int ext2_release_spares(struct ext2_fs *fs);
int ext2_inode_discard(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
	      uint64_t lblk, bool alloc, uint32_t *pblk, bool *fresh);
int ext2_bmap_missing(struct ext2_fs *fs, struct ext2_inode *in, uint64_t first,
		      uint32_t n, uint32_t *ndata, uint32_t *nind);

#endif /* FS_EXT2_IMPL_H */

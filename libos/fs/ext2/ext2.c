/* SPDX-License-Identifier: MIT */
/*
 * ext2 (<fs/ext2.h>): mount and inodes. Allocation is in ext2_alloc.c,
 * file data (block mapping through direct, indirect, double and triple
 * indirect blocks; read, write, truncate, release) in ext2_file.c,
 * directories and the name space in ext2_dir.c.
 *
 * The superblock and group descriptors are kept in memory and written
 * through to the cache whenever they change. Every block number read
 * from the disk is checked against the file system before it is used;
 * every count against its bound.
 */
#include <fs/ext2.h>

#include <kernel/bcache.h>
#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/log.h>
#include <kernel/string.h>
#include <kernel/time.h>

#include "ext2_impl.h"

#define DEFAULT_CACHE_BYTES (1024 * 1024)

uint32_t ext2_now(struct ext2_fs *fs)
{
	return (uint32_t)(fs->fs_now_ns() / NS_PER_S);
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
	uint64_t size = in->i_size;

	if (ext2_is_reg(in))
		size |= (uint64_t)in->i_size_high << 32;
	return size;
}

void ext2_set_isize(struct ext2_inode *in, uint64_t size)
{
	in->i_size = (uint32_t)size;
	if (ext2_is_reg(in))
		in->i_size_high = (uint32_t)(size >> 32);
}

/* --- inodes --- */

uint64_t ext2_inode_off(const struct ext2_fs *fs, uint32_t ino)
{
	uint32_t g = (ino - 1) / fs->fs_ipg, i = (ino - 1) % fs->fs_ipg;

	return (uint64_t)fs->fs_gd[g].bg_inode_table * fs->fs_bsize +
	       (uint64_t)i * fs->fs_isize;
}

/* Checks what the rest of the code relies on. */
static int inode_check(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	uint64_t size = ext2_isize(in);

	if (ext2_is_reg(in) && size > fs->fs_max_size)
		return -EUCLEAN;
	if (ext2_is_dir(in) &&
	    (size % fs->fs_bsize || size > (1u << 30) || size == 0))
		return -EUCLEAN;
	if (ext2_is_lnk(in) && (size == 0 || size >= fs->fs_bsize))
		return -EUCLEAN;
	return 0;
}

/* Reads inode ino, which must be in use (a non-zero mode). */
int ext2_inode_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int rc;

	if (ino == 0 || ino > fs->fs_inodes)
		return -EUCLEAN;
	rc = bcache_read(fs->fs_bc, ext2_inode_off(fs, ino), in, sizeof(*in));
	if (rc)
		return rc;
	if (in->i_mode == 0)
		return -EUCLEAN;
	rc = inode_check(fs, in);
	if (rc)
		log_err("ext2: inode %u is corrupt (mode %o size %llu)\n", ino,
			in->i_mode, (unsigned long long)ext2_isize(in));
	return rc;
}

int ext2_inode_put(struct ext2_fs *fs, uint32_t ino,
		   const struct ext2_inode *in)
{
	return bcache_write(fs->fs_bc, ext2_inode_off(fs, ino), in,
			    sizeof(*in));
}

/* Changes ino's link count by delta (down to 0 at most). An inode whose
 * count drops to 0 goes on the orphan list (its i_dtime links to the
 * next, the superblock holds the first): the inode is written an epoch
 * before the superblock points to it. */
int ext2_link_adjust(struct ext2_fs *fs, uint32_t ino, int delta)
{
	struct ext2_inode in;
	bool was_linked;
	int rc = ext2_inode_get(fs, ino, &in);

	if (rc)
		return rc;
	was_linked = in.i_links_count != 0;
	if (delta < 0 && in.i_links_count < (unsigned int)-delta)
		in.i_links_count = 0;
	else
		in.i_links_count = (uint16_t)(in.i_links_count + delta);
	in.i_ctime = ext2_now(fs);
	if (was_linked && !in.i_links_count)
		in.i_dtime = fs->fs_sb.s_last_orphan;
	rc = ext2_inode_put(fs, ino, &in);
	if (rc || !was_linked || in.i_links_count)
		return rc;
	/* A crash before the superblock names it leaves a leaked inode;
	 * after, a whole list. */
	ext2_order(fs);
	fs->fs_sb.s_last_orphan = ino;
	return ext2_sb_write(fs);
}

/* Takes ino (whose next orphan is `next`) off the orphan list. */
int ext2_orphan_del(struct ext2_fs *fs, uint32_t ino, uint32_t next)
{
	uint32_t prev = 0, cur = fs->fs_sb.s_last_orphan;
	struct ext2_inode in;
	int rc;

	for (uint32_t n = 0; cur && n < fs->fs_inodes; n++) {
		if (cur == ino)
			break;
		rc = ext2_inode_get(fs, cur, &in);
		if (rc)
			return rc;
		prev = cur;
		cur = in.i_dtime;
	}
	if (cur != ino)
		return 0; /* not on the list (a list cut by a crash) */
	if (!prev) {
		fs->fs_sb.s_last_orphan = next;
		return ext2_sb_write(fs);
	}
	rc = ext2_inode_get(fs, prev, &in);
	if (rc)
		return rc;
	in.i_dtime = next;
	return ext2_inode_put(fs, prev, &in);
}

bool ext2_is_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	uint32_t ea = in->i_file_acl ? fs->fs_bsize / 512 : 0;

	return ext2_is_lnk(in) && in->i_blocks == ea;
}

/* Writes a new inode: zeroed, with mode, one link and times now. */
int ext2_inode_init(struct ext2_fs *fs, uint32_t ino, uint16_t mode,
		    struct ext2_inode *in)
{
	uint8_t *raw = heap_alloc(fs->fs_isize);
	uint16_t extra = EXT2_EXTRA_ISIZE;
	int rc;

	memset(in, 0, sizeof(*in));
	if (!raw)
		return -ENOMEM;
	memset(raw, 0, fs->fs_isize);
	if (fs->fs_isize >= EXT2_GOOD_OLD_INODE_SIZE + EXT2_EXTRA_ISIZE)
		memcpy(raw + EXT2_EXTRA_ISIZE_OFF, &extra, sizeof(extra));
	in->i_mode = mode;
	in->i_links_count = 1;
	in->i_atime = in->i_ctime = in->i_mtime = ext2_now(fs);
	memcpy(raw, in, sizeof(*in));
	rc = bcache_write(fs->fs_bc, ext2_inode_off(fs, ino), raw,
			  fs->fs_isize);
	heap_free(raw);
	return rc;
}

/* --- mount --- */

static uint64_t default_now_ns(void)
{
	return time_wall_ns();
}

static const struct {
	uint32_t bit;
	const char *name;
} incompat_names[] = {
	{ 0x0001, "compression" },
	{ 0x0004, "needs_recovery" },
	{ 0x0008, "journal_dev" },
	{ 0x0010, "meta_bg" },
	{ 0x0040, "extent" },
	{ 0x0080, "64bit" },
	{ 0x0100, "mmp" },
	{ 0x0200, "flex_bg" },
	{ 0x0400, "ea_inode" },
	{ 0x1000, "dirdata" },
	{ 0x2000, "metadata_csum_seed" },
	{ 0x4000, "large_dir" },
	{ 0x8000, "inline_data" },
	{ 0x10000, "encrypt" },
	{ 0x20000, "casefold" },
};

/* Appends " s" to the NUL-terminated buf of size bytes, truncating. */
static void append(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	while (buf[n])
		n++;
	if (n + 1 < size)
		buf[n++] = ' ';
	while (*s && n + 1 < size)
		buf[n++] = *s++;
	buf[n] = '\0';
}

static int check_features(struct ext2_fs *fs, const struct ext2_super *sb)
{
	uint32_t bad = sb->s_feature_incompat & ~EXT2_FEATURE_INCOMPAT_SUPP;
	char names[160] = "";

	if (bad) {
		for (size_t i = 0; i < ARRAY_SIZE(incompat_names); i++) {
			if (!(bad & incompat_names[i].bit))
				continue;
			append(names, sizeof(names), incompat_names[i].name);
		}
		log_err("ext2: %s: unsupported incompatible features 0x%x "
			"(%s), not mounting\n",
			blkdev_info(fs->fs_bd)->bi_name, bad,
			names[0] ? names + 1 : "unknown");
		return -EOPNOTSUPP;
	}
	bad = sb->s_feature_ro_compat & ~EXT2_FEATURE_RO_COMPAT_SUPP;
	if (bad && !fs->fs_rdonly) {
		log_warn("ext2: %s: unsupported read-only-compatible features "
			 "0x%x, mounting read-only\n",
			 blkdev_info(fs->fs_bd)->bi_name, bad);
		fs->fs_rdonly = true;
	}
	fs->fs_filetype =
		sb->s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE;
	return 0;
}

static uint64_t max_file_size(uint32_t bsize)
{
	uint64_t apb = bsize / 4;
	uint64_t nb = EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
	uint64_t limit = (1ull << 41) - bsize; /* i_blocks is 32-bit */

	return nb * bsize < limit ? nb * bsize : limit;
}

/* The superblock's own numbers, against each other and the device. */
static const char *sb_check(struct ext2_fs *fs, const struct ext2_super *sb,
			    uint64_t dev_size)
{
	uint32_t bs;

	if (sb->s_magic != EXT2_MAGIC)
		return "bad magic";
	if (sb->s_rev_level > EXT2_DYNAMIC_REV)
		return "unknown revision";
	if (sb->s_log_block_size > 6)
		return "bad block size";
	bs = 1024u << sb->s_log_block_size;
	if (sb->s_first_data_block != (bs == 1024 ? 1u : 0u))
		return "bad first data block";
	if (sb->s_inode_size < EXT2_GOOD_OLD_INODE_SIZE ||
	    sb->s_inode_size > bs ||
	    (sb->s_inode_size & (sb->s_inode_size - 1)))
		return "bad inode size";
	if (!sb->s_blocks_per_group || sb->s_blocks_per_group > 8 * bs ||
	    !sb->s_inodes_per_group || sb->s_inodes_per_group > 8 * bs)
		return "bad group geometry";
	if (sb->s_blocks_count <= sb->s_first_data_block + 2 ||
	    (uint64_t)sb->s_blocks_count * bs > dev_size)
		return "block count beyond the device";
	fs->fs_bsize = bs;
	fs->fs_ngroups = (sb->s_blocks_count - sb->s_first_data_block +
			  sb->s_blocks_per_group - 1) /
			 sb->s_blocks_per_group;
	if ((uint64_t)fs->fs_ngroups * sb->s_inodes_per_group !=
	    sb->s_inodes_count)
		return "inode count does not match the groups";
	if (sb->s_first_ino < 11 || sb->s_first_ino >= sb->s_inodes_count)
		return "bad first inode";
	if (sb->s_free_blocks_count > sb->s_blocks_count ||
	    sb->s_free_inodes_count > sb->s_inodes_count)
		return "free counts above totals";
	fs->fs_gdt_blocks = (uint32_t)(((uint64_t)fs->fs_ngroups *
						sizeof(struct ext2_group_desc) +
					bs - 1) /
				       bs);
	if ((uint64_t)sb->s_first_data_block + 1 + fs->fs_gdt_blocks >=
	    sb->s_blocks_count)
		return "group descriptors beyond the file system";
	return NULL;
}

static void geometry_set(struct ext2_fs *fs, const struct ext2_super *sb)
{
	fs->fs_apb = fs->fs_bsize / 4;
	fs->fs_blocks = sb->s_blocks_count;
	fs->fs_inodes = sb->s_inodes_count;
	fs->fs_first_data = sb->s_first_data_block;
	fs->fs_bpg = sb->s_blocks_per_group;
	fs->fs_ipg = sb->s_inodes_per_group;
	fs->fs_isize = sb->s_inode_size;
	fs->fs_first_ino = sb->s_first_ino;
	fs->fs_itb = (uint32_t)(((uint64_t)fs->fs_ipg * fs->fs_isize +
				 fs->fs_bsize - 1) /
				fs->fs_bsize);
	fs->fs_max_size = max_file_size(fs->fs_bsize);
}

/* Every descriptor: bitmaps and inode table inside their group, counts
 * within bounds; the superblock's free counts are recomputed from them. */
static int gd_check(struct ext2_fs *fs)
{
	uint64_t fb = 0, fi = 0;

	for (uint32_t g = 0; g < fs->fs_ngroups; g++) {
		const struct ext2_group_desc *gd = &fs->fs_gd[g];
		uint64_t lo = ext2_group_start(fs, g);
		uint64_t hi = lo + ext2_group_nblocks(fs, g);

		if (gd->bg_block_bitmap < lo || gd->bg_block_bitmap >= hi ||
		    gd->bg_inode_bitmap < lo || gd->bg_inode_bitmap >= hi ||
		    gd->bg_inode_table < lo ||
		    (uint64_t)gd->bg_inode_table + fs->fs_itb > hi ||
		    !ext2_blk_ok(fs, gd->bg_block_bitmap) ||
		    !ext2_blk_ok(fs, gd->bg_inode_bitmap) ||
		    !ext2_blk_ok(fs, gd->bg_inode_table) ||
		    gd->bg_free_blocks_count > ext2_group_nblocks(fs, g) ||
		    gd->bg_free_inodes_count > fs->fs_ipg ||
		    gd->bg_used_dirs_count > fs->fs_ipg) {
			log_err("ext2: group descriptor %u is corrupt\n", g);
			return -EUCLEAN;
		}
		fb += gd->bg_free_blocks_count;
		fi += gd->bg_free_inodes_count;
	}
	fs->fs_sb.s_free_blocks_count = (uint32_t)fb;
	fs->fs_sb.s_free_inodes_count = (uint32_t)fi;
	return 0;
}

/* Reads the superblock with the device's own block size. */
static int sb_read(struct blkdev *bd, struct ext2_super *sb)
{
	const struct blkdev_info *bi = blkdev_info(bd);
	size_t len = bi->bi_block_size < 2048 ? 2048 : bi->bi_block_size;
	uint8_t *buf;
	int rc;

	if (bi->bi_size < len)
		return -EUCLEAN;
	buf = heap_alloc(len);
	if (!buf)
		return -ENOMEM;
	rc = blkdev_read(bd, 0, buf, len);
	if (!rc)
		memcpy(sb, buf + EXT2_SUPER_OFFSET, sizeof(*sb));
	heap_free(buf);
	return rc;
}

static int cache_open(struct ext2_fs *fs, const struct ext2_mount_opts *o)
{
	struct bcache_config cfg = {
		.bc_block_size = fs->fs_bsize,
		.bc_mem_limit = o->mo_cache_bytes ? o->mo_cache_bytes
						  : DEFAULT_CACHE_BYTES,
		.bc_readahead = o->mo_readahead,
	};

	if (cfg.bc_mem_limit < 32 * (size_t)fs->fs_bsize)
		cfg.bc_mem_limit = 32 * (size_t)fs->fs_bsize;
	if (fs->fs_bsize < blkdev_info(fs->fs_bd)->bi_block_size) {
		log_err("ext2: block size %u below the device's\n",
			fs->fs_bsize);
		return -EINVAL;
	}
	return bcache_create(fs->fs_bd, &cfg, &fs->fs_bc);
}

static int gd_load(struct ext2_fs *fs)
{
	size_t len = (size_t)fs->fs_ngroups * sizeof(struct ext2_group_desc);
	int rc;

	fs->fs_gd = heap_alloc(len);
	if (!fs->fs_gd)
		return -ENOMEM;
	rc = bcache_read(fs->fs_bc,
			 (uint64_t)(fs->fs_first_data + 1) * fs->fs_bsize,
			 fs->fs_gd, len);
	return rc ? rc : gd_check(fs);
}

static int root_check(struct ext2_fs *fs)
{
	struct ext2_inode in;
	int rc = ext2_inode_get(fs, EXT2_ROOT_INO, &in);

	if (!rc && !ext2_is_dir(&in))
		rc = -EUCLEAN;
	if (rc)
		log_err("ext2: bad root inode\n");
	return rc;
}

/* A read-write mount marks the file system not clean on the device at
 * once (e2fsck then checks it after a crash); unmount marks it clean. */
static int mount_mark(struct ext2_fs *fs)
{
	struct ext2_super *sb = &fs->fs_sb;
	int rc;

	if (!(sb->s_state & EXT2_VALID_FS))
		log_warn("ext2: %s was not cleanly unmounted, check it with "
			 "e2fsck\n",
			 blkdev_info(fs->fs_bd)->bi_name);
	sb->s_mnt_count++;
	sb->s_mtime = ext2_now(fs);
	sb->s_state &= (uint16_t)~EXT2_VALID_FS;
	rc = ext2_sb_write(fs);
	return rc ? rc : bcache_sync(fs->fs_bc);
}

/* Frees the inodes left on the orphan list by a crash (unlinked while
 * open). A bad list is cut, leaving e2fsck the rest. */
static int orphans_free(struct ext2_fs *fs)
{
	for (uint32_t n = 0; fs->fs_sb.s_last_orphan && n < fs->fs_inodes;
	     n++) {
		uint32_t ino = fs->fs_sb.s_last_orphan;
		struct ext2_inode in;
		int rc = ino >= fs->fs_first_ino && ino <= fs->fs_inodes
				 ? ext2_inode_get(fs, ino, &in)
				 : -EUCLEAN;

		if (!rc && in.i_links_count) {
			fs->fs_sb.s_last_orphan = in.i_dtime;
			in.i_dtime = 0;
			rc = ext2_inode_put(fs, ino, &in);
		} else if (!rc) {
			rc = ext2_inode_free_all(fs, ino);
		}
		if (rc == -EUCLEAN) {
			log_err("ext2: bad orphan list at inode %u, cut\n",
				ino);
			fs->fs_sb.s_last_orphan = 0;
			return ext2_sb_write(fs);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int mount_load(struct ext2_fs *fs, const struct ext2_mount_opts *o)
{
	const char *why;
	int rc = sb_read(fs->fs_bd, &fs->fs_sb);

	if (rc)
		return rc;
	why = sb_check(fs, &fs->fs_sb, blkdev_info(fs->fs_bd)->bi_size);
	if (why) {
		log_err("ext2: %s: %s (%s)\n", blkdev_info(fs->fs_bd)->bi_name,
			fs->fs_sb.s_magic == EXT2_MAGIC
				? "corrupt superblock"
				: "no ext2 file system (make one with mke2fs -t "
				  "ext2)",
			why);
		return -EUCLEAN;
	}
	if (fs->fs_sb.s_rev_level != EXT2_DYNAMIC_REV ||
	    fs->fs_sb.s_log_block_size > 2) {
		log_err("ext2: %s: revision %u, block size %u: only revision 1 "
			"with 1-4 KiB blocks is supported\n",
			blkdev_info(fs->fs_bd)->bi_name, fs->fs_sb.s_rev_level,
			1024u << fs->fs_sb.s_log_block_size);
		return -EOPNOTSUPP;
	}
	rc = check_features(fs, &fs->fs_sb);
	if (rc)
		return rc;
	geometry_set(fs, &fs->fs_sb);
	rc = cache_open(fs, o);
	if (rc)
		return rc;
	rc = gd_load(fs);
	if (!rc)
		rc = root_check(fs);
	if (!rc && !fs->fs_rdonly)
		rc = mount_mark(fs);
	if (!rc && !fs->fs_rdonly)
		rc = orphans_free(fs);
	if (!rc)
		rc = ext2_frees_commit(fs);
	return rc;
}

int ext2_mount(struct blkdev *bd, const struct ext2_mount_opts *opts,
	       struct ext2_fs **out)
{
	static const struct ext2_mount_opts defaults;
	const struct ext2_mount_opts *o = opts ? opts : &defaults;
	struct ext2_fs *fs = heap_alloc(sizeof(*fs));
	int rc;

	if (!fs)
		return -ENOMEM;
	memset(fs, 0, sizeof(*fs));
	mutex_init(&fs->fs_lock, "ext2");
	fs->fs_bd = bd;
	fs->fs_now_ns = o->mo_now_ns ? o->mo_now_ns : default_now_ns;
	fs->fs_rdonly = (o->mo_flags & EXT2_MOUNT_RDONLY) ||
			blkdev_info(bd)->bi_read_only;
	rc = mount_load(fs, o);
	if (rc) {
		if (fs->fs_bc)
			(void)bcache_destroy(fs->fs_bc);
		heap_free(fs->fs_pend);
		heap_free(fs->fs_gd);
		heap_free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

int ext2_unmount(struct ext2_fs *fs)
{
	int rc = 0, rc2;

	if (!fs->fs_rdonly) {
		/* the data first, then the superblock that says clean */
		rc = ext2_release_spares(fs);
		rc2 = bcache_sync(fs->fs_bc);
		rc = rc ? rc : rc2;
		fs->fs_sb.s_state |= EXT2_VALID_FS;
		if (!rc)
			rc = ext2_sb_write(fs);
	}
	rc2 = bcache_destroy(fs->fs_bc);
	rc = rc ? rc : rc2;

	heap_free(fs->fs_pend);
	heap_free(fs->fs_gd);
	heap_free(fs);
	return rc;
}

bool ext2_is_rdonly(const struct ext2_fs *fs)
{
	return fs->fs_rdonly;
}

uint32_t ext2_root_ino(const struct ext2_fs *fs)
{
	(void)fs;
	return EXT2_ROOT_INO;
}

void ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st)
{
	mutex_lock(&fs->fs_lock);
	st->sf_block_size = fs->fs_bsize;
	st->sf_blocks = fs->fs_blocks;
	st->sf_free_blocks =
		fs->fs_sb.s_free_blocks_count + ext2_prep_free_blocks(fs);
	st->sf_inodes = fs->fs_inodes;
	st->sf_free_inodes =
		fs->fs_sb.s_free_inodes_count + ext2_prep_free_inodes(fs);
	mutex_unlock(&fs->fs_lock);
}

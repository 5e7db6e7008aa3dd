/* SPDX-License-Identifier: MIT */
/*
 * ext2 (revision 1, 1-4 KiB blocks): a file system library over a block
 * device, for the VFS. The file system owns a block cache
 * (<kernel/bcache.h>) whose block size is the file system's, created at
 * mount over the device given (the block size is only known once the
 * superblock has been read, so the caller cannot create the cache).
 *
 * Inodes are named by number; the VFS keeps its own vnodes. Names are
 * byte strings with a length (1 to 255 bytes, no '/' and no NUL; "." and
 * ".." only where a call says so). Every on-disk value is untrusted: a
 * corrupt superblock or group descriptor refuses the mount, a corrupt
 * inode, block pointer, bitmap or directory block makes the operation
 * return -EUCLEAN (-EIO is a device error), and nothing is ever written
 * outside the file system's blocks.
 *
 * Deferred deletion: unlink, rmdir and rename drop links but never free
 * an inode; when the link count of the inode they report reaches 0 the
 * caller calls ext2_release() once nobody has that inode open (at once if
 * it is not open). Until then the inode is an orphan that still reads
 * and writes normally. Orphans are chained from the superblock (the
 * ext3 orphan list, i_dtime linking them): the next read-write mount
 * after a crash or an unmount with orphans left frees them.
 *
 * Write order, for crash safety without a journal. The block cache
 * writes its epochs in order (<kernel/bcache.h>: after a crash the device
 * holds every epoch up to some k, and any part of epoch k + 1); ext2
 * ends an epoch (ext2_order()) wherever one update must reach the device
 * before another:
 *  - allocating: a block's or inode's bitmap bit (and the counts) and a
 *    new indirect or directory block's contents, then the pointer to it.
 *    A write reserves the blocks of a chunk (up to 256) first, so one
 *    barrier covers the chunk;
 *  - freeing: the pointer or entry cleared, then the bit (frees wait for
 *    the end of the operation, one barrier for them all);
 *  - a new inode: its bit, then the inode, then its name;
 *  - link counts: raised before a new name appears, lowered after a name
 *    went. A file's rename raises its count, adds the new name, removes
 *    the old one, lowers the count; a directory's removes the old name
 *    first and points its ".." to the new parent before the new name;
 *  - orphans: the inode (no links, the next orphan) before the superblock
 *    names it; off the list before its blocks are freed (e2fsck frees
 *    what the list names).
 * So a crash leaves at worst (what e2fsck -fy repairs; every file keeps
 * what its last fsync wrote): bitmap bits set for nothing
 * (leaked blocks and inodes), free and directory counts, link counts
 * above the names, an inode or directory with no name (moved to
 * lost+found), orphan list remains, and a file's size and block count
 * behind pointers an indirect block got (recomputed, the size upwards).
 * Never a pointer to a free or garbage block, a name for a free inode,
 * nor a count below the names. Superblock and descriptor counts need no
 * order. Data blocks are not ordered against the pointers to them: after
 * a crash a file that was not fsynced may show stale bytes in blocks it
 * got. ext2_fsync() and ext2_sync() write every epoch out and flush.
 * New regular files take inodes prepared in batches (bits and empty
 * inodes in two epochs), so a file's inode and name share one epoch
 * (its fsync costs one flush): a crash may leave the prepared ones as
 * empty unnamed inodes (e2fsck -p clears them) and their spare blocks'
 * bits set; ext2_sync() and unmount release them.
 * A read-write mount clears the superblock's clean flag on the device
 * at once and a successful unmount sets it again. Access times are not
 * updated by reads (as noatime).
 *
 * Context: every call sleeps (device I/O) and takes the file system's
 * mutex; calls from several tasks are serialized. Errors are negative
 * errno values: -EROFS on a read-only mount for anything that writes.
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kernel/compiler.h>

struct blkdev;
struct ext2_fs;

#define EXT2_MOUNT_RDONLY 0x1

struct ext2_mount_opts {
	unsigned int mo_flags; /* EXT2_MOUNT_* */
	size_t mo_cache_bytes; /* block cache limit; 0: 1 MiB */
	unsigned int mo_readahead; /* cache read-ahead blocks */
	/* Wall-clock time in ns since the epoch; NULL: time_wall_ns(). */
	uint64_t (*mo_now_ns)(void);
};

/*
 * Mounts the ext2 file system on bd (opts may be NULL). Checks the
 * superblock (magic, revision 1, block size 1-4 KiB and a multiple of the
 * device's, counts consistent with each other and the device size) and
 * every group descriptor (bitmaps and inode table inside the group's
 * file system). Returns 0 and the file system in *out; -EUCLEAN for a
 * corrupt superblock or descriptor (one log line says what);
 * -EOPNOTSUPP for incompatible features (one log line names them), a
 * revision 0 file system or blocks above 4 KiB;
 * -EINVAL for a block size this device cannot hold; -EIO; -ENOMEM.
 * Unsupported read-only-compatible features, EXT2_MOUNT_RDONLY and a
 * read-only device mount read-only.
 */
int __must_check ext2_mount(struct blkdev *bd,
			    const struct ext2_mount_opts *opts,
			    struct ext2_fs **out);

/* Writes everything back and frees fs; returns 0 or the write error (fs
 * is freed either way). */
int ext2_unmount(struct ext2_fs *fs);

/* True when mounted read-only. */
bool ext2_is_rdonly(const struct ext2_fs *fs);

/* The root directory's inode number (2). */
uint32_t ext2_root_ino(const struct ext2_fs *fs);

/* Block size in bytes; block and inode totals and free counts. */
struct ext2_statfs {
	uint32_t sf_block_size;
	uint64_t sf_blocks, sf_free_blocks;
	uint64_t sf_inodes, sf_free_inodes;
};
void ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st);

/* Times are ns since the epoch (ext2 keeps seconds). */
struct ext2_stat {
	uint32_t st_ino;
	uint16_t st_mode; /* type and permission bits, as POSIX */
	uint16_t st_nlink;
	uint32_t st_uid, st_gid;
	uint64_t st_size;
	uint64_t st_blocks; /* 512-byte units */
	uint64_t st_atime_ns, st_mtime_ns, st_ctime_ns;
};

/*
 * Looks up name in directory dir ("." and ".." work). Returns 0 and the
 * inode in *ino; -ENOENT; -ENOTDIR; -ENAMETOOLONG; -EINVAL for an empty
 * name or one holding '/' or NUL; -EUCLEAN; -EIO.
 */
int __must_check ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name,
			     size_t len, uint32_t *ino);

/* Fills *st. Returns 0; -EINVAL for an inode number out of range or an
 * unused (free) inode; -EUCLEAN; -EIO. */
int __must_check ext2_stat(struct ext2_fs *fs, uint32_t ino,
			   struct ext2_stat *st);

/*
 * Reads up to len bytes at off from a regular file (holes read as
 * zeros). Returns the bytes read (0 at or past the end); -EISDIR;
 * -EINVAL (not a regular file); -EUCLEAN; -EIO.
 */
ssize_t __must_check ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off,
			       void *buf, size_t len);

/*
 * Lends bytes of a regular file for sending without a copy (the
 * vnode's getbuf op, <fs/vfs.h>): *out is a netbuf over at most len
 * bytes at off, never past the end of the file: the block cache's own
 * buffer holding the byte at off (bcache_lend(); up to the end of that
 * block) when the cache holds it, else a run of whole blocks that lie
 * one after the other on the disk (up to 128 KiB), read by the device
 * into memory of the netbuf's own and not cached. Returns its length,
 * 0 at or past the end (no netbuf); -EOPNOTSUPP in a hole (read it
 * instead); the errors of ext2_read().
 */
struct netbuf;
ssize_t __must_check ext2_lend(struct ext2_fs *fs, uint32_t ino, uint64_t off,
			       size_t len, struct netbuf **out);

/*
 * Writes len bytes at off in a regular file, allocating blocks (and
 * indirect blocks) as needed and extending the size; blocks not written
 * stay holes. Returns the bytes written, fewer than len only when space
 * ran out after some were written; -ENOSPC; -EFBIG past the largest size
 * ext2 can map; -EISDIR; -EINVAL; -EROFS; -EUCLEAN; -EIO.
 */
ssize_t __must_check ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off,
				const void *buf, size_t len);

/* Sets a regular file's size: shrinking frees the blocks (and indirect
 * blocks) past it, growing leaves a hole. Errors as ext2_write(). */
int __must_check ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/* d_type values (as <dirent.h> DT_*). */
enum {
	EXT2_DT_UNKNOWN = 0,
	EXT2_DT_FIFO = 1,
	EXT2_DT_CHR = 2,
	EXT2_DT_DIR = 4,
	EXT2_DT_BLK = 6,
	EXT2_DT_REG = 8,
	EXT2_DT_LNK = 10,
	EXT2_DT_SOCK = 12,
};

struct ext2_dirent {
	uint32_t d_ino;
	uint8_t d_type; /* EXT2_DT_* */
	uint8_t d_namlen;
	char d_name[256]; /* NUL-terminated */
};

/*
 * Returns the entry of directory dir at or after *cookie (0 to start;
 * "." and ".." included) in *de and advances *cookie past it: 1; 0 at
 * the end; -ENOTDIR; -EUCLEAN; -EIO. Cookies are byte offsets and stay
 * valid across changes to the directory.
 */
int __must_check ext2_readdir(struct ext2_fs *fs, uint32_t dir,
			      uint64_t *cookie, struct ext2_dirent *de);

/*
 * Create name in dir: a regular file (mode's type bits are ignored), a
 * directory (with '.' and '..'; dir gains a link) or a symbolic link to
 * target (1 to block size - 1 bytes; below 60 bytes it is kept in the
 * inode). The new inode is owned by uid 0, gid 0. Return 0 and the new
 * inode in *ino; -EEXIST; -ENOTDIR; -ENOSPC; -EMLINK (dir has too many
 * links); -ENAMETOOLONG; -EINVAL; -EROFS; -EUCLEAN; -EIO.
 */
int __must_check ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name,
			     size_t len, uint16_t mode, uint32_t *ino);
int __must_check ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name,
			    size_t len, uint16_t mode, uint32_t *ino);
int __must_check ext2_symlink(struct ext2_fs *fs, uint32_t dir,
			      const char *name, size_t len, const char *target,
			      size_t target_len, uint32_t *ino);

/* Copies a symlink's target (not NUL-terminated) to buf, at most size
 * bytes. Returns its length; -EINVAL (not a symlink); -EUCLEAN; -EIO. */
ssize_t __must_check ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf,
				   size_t size);

/* Adds name in dir for the existing non-directory ino. Returns 0;
 * -EPERM for a directory; -EMLINK; and the errors of ext2_create(). */
int __must_check ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir,
			   const char *name, size_t len);

/*
 * Removes name (not a directory: -EISDIR) from dir and drops a link of
 * its inode, returned in *ino (see deferred deletion above). Returns 0;
 * -ENOENT; -ENOTDIR; -EINVAL for "." or ".."; -EROFS; -EUCLEAN; -EIO.
 */
int __must_check ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name,
			     size_t len, uint32_t *ino);

/* Removes the empty directory name from dir: its link count drops to 0
 * (release it as above), dir loses a link. Returns 0; -ENOTEMPTY;
 * -ENOTDIR; -EINVAL for "." or ".."; and the errors of ext2_unlink(). */
int __must_check ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name,
			    size_t len, uint32_t *ino);

/*
 * Renames sname in sdir to dname in ddir, replacing dname if it exists
 * (a file by a file, an empty directory by a directory); a moved
 * directory's ".." is updated. When a replaced inode lost a link, it is
 * returned in *replaced (else 0; see deferred deletion). Renaming a file
 * onto another link of itself does nothing. Returns 0; -ENOENT; -EISDIR;
 * -ENOTDIR; -ENOTEMPTY; -EINVAL (a directory into itself or below, or
 * "." / ".."); -EMLINK; -ENOSPC; -EROFS; -EUCLEAN; -EIO.
 */
int __must_check ext2_rename(struct ext2_fs *fs, uint32_t sdir,
			     const char *sname, size_t slen, uint32_t ddir,
			     const char *dname, size_t dlen,
			     uint32_t *replaced);

/*
 * Frees ino (its blocks and the inode) when its link count is 0; does
 * nothing otherwise. The VFS calls it when the last open reference to an
 * inode goes. Returns 0; -EINVAL for an inode out of range or already
 * free; -EROFS; -EUCLEAN; -EIO.
 */
int ext2_release(struct ext2_fs *fs, uint32_t ino);

/* Sets access and modification times (ns since the epoch; UINT64_MAX
 * leaves one unchanged) and the change time to now. Returns 0; -EROFS;
 * -EINVAL; -EUCLEAN; -EIO. */
int __must_check ext2_set_times(struct ext2_fs *fs, uint32_t ino,
				uint64_t atime_ns, uint64_t mtime_ns);

/* Sets the permission bits (07777) of ino. Errors as ext2_set_times(). */
int __must_check ext2_chmod(struct ext2_fs *fs, uint32_t ino, uint16_t mode);

/*
 * ext2_fsync writes ino's data and metadata and flushes the device;
 * ext2_sync writes everything and flushes. The file's metadata depends
 * on earlier epochs (its blocks' bits, its name's inode), so ext2_fsync
 * writes every epoch up to the file's last change, which in practice is
 * all of them. ext2_sync also releases the spare block and the prepared
 * inodes and blocks (ext2_fsync keeps them), so that the device holds a
 * clean file system. Return 0 or the first write or flush error (what
 * failed stays dirty and is retried).
 */
int __must_check ext2_fsync(struct ext2_fs *fs, uint32_t ino);
int __must_check ext2_sync(struct ext2_fs *fs);

#endif /* FS_EXT2_H */

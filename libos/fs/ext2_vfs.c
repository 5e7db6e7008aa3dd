/* SPDX-License-Identifier: MIT */
/*
 * ext2 under the VFS (<fs/ext2_vfs.h>): vnode ops that map each VFS call
 * to one call of the ext2 library (<fs/ext2.h>), one vnode per inode in
 * use, and the list of ext2 mounts. The ext2 library does the checking
 * (names, types, corrupt metadata) and the write order; this file keeps
 * vnodes and frees unlinked inodes at their last reference.
 */
#include <fs/ext2_vfs.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fs/ext2.h>
#include <fs/vfs.h>
#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page.h>
#include <kernel/pmm.h>

#define EM_HASH 64u
/* The block cache's default: a quarter of RAM, so a working set of that
 * size is read from the disk once; within these bounds. */
#define DEFAULT_CACHE_MIN_BYTES ((size_t)1 << 20)
#define DEFAULT_CACHE_MAX_BYTES ((size_t)1 << 30)
#define NS_PER_S 1000000000ll

struct ext2_vnode;

/* Locking: [I] immutable after mount  [G] the VFS lock */
struct ext2_mnt {
	struct vfs_super em_sb;
	struct ext2_fs *em_fs; /* [G] NULL once shut down */
	struct blkdev *em_bd; /* [I] */
	bool em_rdonly; /* [I] */
	uint32_t em_bsize; /* [I] */
	struct ext2_vnode *em_hash[EM_HASH]; /* [G] vnodes in use, by inode */
	struct ext2_mnt *em_next; /* [G] on mounts */
};

struct ext2_vnode {
	struct vnode ev_vn;
	struct ext2_mnt *ev_mnt; /* [I] */
	uint32_t ev_ino; /* [I] */
	struct ext2_vnode *ev_hnext; /* [G] */
};

static struct ext2_mnt *mounts; /* [G] */

static const struct vnode_ops ext2_vops;

static struct ext2_vnode *evn(struct vnode *vn)
{
	return container_of(vn, struct ext2_vnode, ev_vn);
}

/* The file system of vn, or NULL once it was shut down. */
static struct ext2_fs *fs_of(struct vnode *vn)
{
	return evn(vn)->ev_mnt->em_fs;
}

static struct ext2_vnode **hash_slot(struct ext2_mnt *m, uint32_t ino)
{
	return &m->em_hash[ino % EM_HASH];
}

static struct ext2_vnode *hash_find(struct ext2_mnt *m, uint32_t ino)
{
	struct ext2_vnode *ev;

	for (ev = *hash_slot(m, ino); ev; ev = ev->ev_hnext)
		if (ev->ev_ino == ino)
			return ev;
	return NULL;
}

/* The vnode of inode ino, referenced: the one in use, or a new one.
 * Caller holds the VFS lock. */
static int vn_get(struct ext2_mnt *m, uint32_t ino, struct vnode **out)
{
	struct ext2_vnode *ev = hash_find(m, ino);
	struct ext2_stat st;
	int rc;

	if (!ev) {
		rc = ext2_stat(m->em_fs, ino, &st);
		if (rc)
			return rc == -EINVAL ? -EUCLEAN : rc;
		ev = calloc(1, sizeof(*ev));
		if (!ev)
			return -ENOMEM;
		vnode_init(&ev->ev_vn, &ext2_vops, &m->em_sb,
			   st.st_mode & VFS_IFMT);
		ev->ev_mnt = m;
		ev->ev_ino = ino;
		ev->ev_hnext = *hash_slot(m, ino);
		*hash_slot(m, ino) = ev;
	}
	vnode_ref(&ev->ev_vn);
	*out = &ev->ev_vn;
	return 0;
}

/* Frees inode ino if its last name went and no vnode holds it (a vnode
 * that does frees it at its last reference, ext2_release_op()). */
static void release_unused(struct ext2_mnt *m, uint32_t ino)
{
	if (ino && !hash_find(m, ino))
		(void)ext2_release(m->em_fs, ino);
}

/* --- vnode ops; the caller holds the VFS lock --- */

static int ext2_lookup_op(struct vnode *dir, const char *name, size_t len,
			  struct vnode **out)
{
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;
	int rc;

	if (!fs)
		return -EIO;
	rc = ext2_lookup(fs, evn(dir)->ev_ino, name, len, &ino);
	return rc ? rc : vn_get(evn(dir)->ev_mnt, ino, out);
}

static int ext2_create_op(struct vnode *dir, const char *name, size_t len,
			  uint32_t mode, struct vnode **out)
{
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;
	int rc;

	if (!fs)
		return -EIO;
	rc = ext2_create(fs, evn(dir)->ev_ino, name, len,
			 (uint16_t)(mode & 07777), &ino);
	return rc ? rc : vn_get(evn(dir)->ev_mnt, ino, out);
}

static int ext2_mkdir_op(struct vnode *dir, const char *name, size_t len,
			 uint32_t mode)
{
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;

	if (!fs)
		return -EIO;
	return ext2_mkdir(fs, evn(dir)->ev_ino, name, len,
			  (uint16_t)(mode & 07777), &ino);
}

static int ext2_unlink_op(struct vnode *dir, const char *name, size_t len)
{
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;
	int rc;

	if (!fs)
		return -EIO;
	rc = ext2_unlink(fs, evn(dir)->ev_ino, name, len, &ino);
	if (!rc)
		release_unused(evn(dir)->ev_mnt, ino);
	return rc;
}

static int ext2_rmdir_op(struct vnode *dir, const char *name, size_t len)
{
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;
	int rc;

	if (!fs)
		return -EIO;
	rc = ext2_rmdir(fs, evn(dir)->ev_ino, name, len, &ino);
	if (!rc)
		release_unused(evn(dir)->ev_mnt, ino);
	return rc;
}

static int ext2_rename_op(struct vnode *odir, const char *oname, size_t olen,
			  struct vnode *ndir, const char *nname, size_t nlen)
{
	struct ext2_fs *fs = fs_of(odir);
	uint32_t replaced;
	int rc;

	if (!fs)
		return -EIO;
	rc = ext2_rename(fs, evn(odir)->ev_ino, oname, olen, evn(ndir)->ev_ino,
			 nname, nlen, &replaced);
	if (!rc)
		release_unused(evn(odir)->ev_mnt, replaced);
	return rc;
}

static int ext2_link_op(struct vnode *dir, const char *name, size_t len,
			struct vnode *target)
{
	struct ext2_fs *fs = fs_of(dir);

	if (!fs)
		return -EIO;
	return ext2_link(fs, evn(target)->ev_ino, evn(dir)->ev_ino, name, len);
}

static int ext2_symlink_op(struct vnode *dir, const char *name, size_t len,
			   const char *target)
{
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;

	if (!fs)
		return -EIO;
	return ext2_symlink(fs, evn(dir)->ev_ino, name, len, target,
			    strlen(target), &ino);
}

static ssize_t ext2_readlink_op(struct vnode *vn, char *buf, size_t size)
{
	struct ext2_fs *fs = fs_of(vn);

	return fs ? ext2_readlink(fs, evn(vn)->ev_ino, buf, size) : -EIO;
}

static ssize_t ext2_read_op(struct vnode *vn, void *buf, size_t len,
			    int64_t off)
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_read(fs, evn(vn)->ev_ino, (uint64_t)off, buf, len);
}

static ssize_t ext2_getbuf_op(struct vnode *vn, int64_t off, size_t len,
			      struct netbuf **out)
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_lend(fs, evn(vn)->ev_ino, (uint64_t)off, len, out);
}

static ssize_t ext2_write_op(struct vnode *vn, const void *buf, size_t len,
			     int64_t off)
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_write(fs, evn(vn)->ev_ino, (uint64_t)off, buf, len);
}

static int ext2_truncate_op(struct vnode *vn, int64_t size)
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_truncate(fs, evn(vn)->ev_ino, (uint64_t)size);
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NS_PER_S),
				  .tv_nsec = (long)(ns % NS_PER_S) };
}

static int ext2_getattr_op(struct vnode *vn, struct vattr *va)
{
	struct ext2_mnt *m = evn(vn)->ev_mnt;
	struct ext2_stat st;
	int rc;

	if (!m->em_fs)
		return -EIO;
	rc = ext2_stat(m->em_fs, evn(vn)->ev_ino, &st);
	if (rc)
		return rc == -EINVAL ? -EUCLEAN : rc;
	memset(va, 0, sizeof(*va));
	va->va_mode = st.st_mode;
	va->va_nlink = st.st_nlink;
	va->va_ino = st.st_ino;
	va->va_dev = m->em_sb.sb_dev;
	va->va_size = (int64_t)st.st_size;
	va->va_blocks = (int64_t)st.st_blocks;
	va->va_blksize = m->em_bsize;
	va->va_atime = ts_of(st.st_atime_ns);
	va->va_mtime = ts_of(st.st_mtime_ns);
	va->va_ctime = ts_of(st.st_ctime_ns);
	return 0;
}

/* ext2 keeps seconds from 1970 in 32 bits: earlier times become 0. */
static uint64_t ns_of(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	return (uint64_t)ts->tv_sec * NS_PER_S + (uint64_t)ts->tv_nsec;
}

static int ext2_settimes_op(struct vnode *vn, const struct timespec ts[2])
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_set_times(fs, evn(vn)->ev_ino, ns_of(&ts[0]),
			      ns_of(&ts[1]));
}

static int ext2_chmod_op(struct vnode *vn, uint32_t mode)
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_chmod(fs, evn(vn)->ev_ino, (uint16_t)(mode & 07777));
}

BUILD_ASSERT(EXT2_DT_DIR == VFS_DT_DIR && EXT2_DT_REG == VFS_DT_REG &&
	     EXT2_DT_LNK == VFS_DT_LNK && EXT2_DT_UNKNOWN == VFS_DT_UNKNOWN);

static int ext2_readdir_op(struct vnode *dir, uint64_t *cookie,
			   struct vfs_dirent *de)
{
	struct ext2_fs *fs = fs_of(dir);
	struct ext2_dirent *e;
	int rc;

	if (!fs)
		return -EIO;
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	rc = ext2_readdir(fs, evn(dir)->ev_ino, cookie, e);
	if (rc == 1) {
		de->d_ino = e->d_ino;
		de->d_type = e->d_type;
		memcpy(de->d_name, e->d_name, (size_t)e->d_namlen + 1);
	}
	free(e);
	return rc;
}

static int ext2_fsync_op(struct vnode *vn)
{
	struct ext2_fs *fs = fs_of(vn);

	if (!fs)
		return -EIO;
	return ext2_is_rdonly(fs) ? 0 : ext2_fsync(fs, evn(vn)->ev_ino);
}

/* The last reference: the vnode goes, and the inode too when it has no
 * name left (unlinked while open). */
static void ext2_release_op(struct vnode *vn)
{
	struct ext2_vnode *ev = evn(vn), **pp;
	struct ext2_mnt *m = ev->ev_mnt;

	for (pp = hash_slot(m, ev->ev_ino); *pp != ev; pp = &(*pp)->ev_hnext)
		;
	*pp = ev->ev_hnext;
	if (m->em_fs && !m->em_rdonly)
		(void)ext2_release(m->em_fs, ev->ev_ino);
	free(ev);
}

static const struct vnode_ops ext2_vops = {
	.lookup = ext2_lookup_op,
	.create = ext2_create_op,
	.mkdir = ext2_mkdir_op,
	.unlink = ext2_unlink_op,
	.rmdir = ext2_rmdir_op,
	.rename = ext2_rename_op,
	.link = ext2_link_op,
	.symlink = ext2_symlink_op,
	.readlink = ext2_readlink_op,
	.read = ext2_read_op,
	.getbuf = ext2_getbuf_op,
	.write = ext2_write_op,
	.truncate = ext2_truncate_op,
	.getattr = ext2_getattr_op,
	.settimes = ext2_settimes_op,
	.readdir = ext2_readdir_op,
	.chmod = ext2_chmod_op,
	.fsync = ext2_fsync_op,
	.release = ext2_release_op,
};

/* --- mounts --- */

/* The live mount of bd, if any (one shut down no longer counts). */
static struct ext2_mnt *mnt_by_dev(struct blkdev *bd)
{
	struct ext2_mnt *m;

	for (m = mounts; m && (m->em_bd != bd || !m->em_fs); m = m->em_next)
		;
	return m;
}

static bool mnt_unused(const struct ext2_mnt *m)
{
	for (unsigned int i = 0; i < EM_HASH; i++)
		if (m->em_hash[i])
			return false;
	return true;
}

static size_t default_cache_bytes(void)
{
	struct pmm_stats ps;
	size_t b;

	pmm_get_stats(&ps);
	b = ps.total_pages / 4 * PAGE_SIZE;
	if (b < DEFAULT_CACHE_MIN_BYTES)
		return DEFAULT_CACHE_MIN_BYTES;
	return b > DEFAULT_CACHE_MAX_BYTES ? DEFAULT_CACHE_MAX_BYTES : b;
}

static int mnt_open(struct blkdev *bd, unsigned int flags, size_t cache_bytes,
		    struct ext2_mnt **out)
{
	struct ext2_mount_opts o = {
		.mo_flags = flags & EXT2_VFS_RDONLY ? EXT2_MOUNT_RDONLY : 0,
		.mo_cache_bytes =
			cache_bytes ? cache_bytes : default_cache_bytes(),
		.mo_readahead = 16,
	};
	struct ext2_statfs sf;
	struct ext2_mnt *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	rc = ext2_mount(bd, &o, &m->em_fs);
	if (rc) {
		free(m);
		return rc;
	}
	vfs_super_init(&m->em_sb, "ext2");
	m->em_bd = bd;
	m->em_rdonly = ext2_is_rdonly(m->em_fs);
	ext2_statfs(m->em_fs, &sf);
	m->em_bsize = sf.sf_block_size;
	*out = m;
	return 0;
}

int ext2_vfs_mount(struct blkdev *bd, const char *path, unsigned int flags,
		   size_t cache_bytes)
{
	struct ext2_mnt *m = NULL;
	struct vnode *root;
	int rc;

	vfs_lock();
	rc = mnt_by_dev(bd) ? -EBUSY : mnt_open(bd, flags, cache_bytes, &m);
	if (!rc)
		rc = vn_get(m, ext2_root_ino(m->em_fs), &root);
	vfs_unlock();
	if (rc)
		goto err_unmount;
	rc = vfs_mount(path, root, "ext2", m->em_rdonly ? VFS_MNT_RDONLY : 0);
	if (rc) {
		vnode_put(root); /* the last reference: out of the table */
		goto err_unmount;
	}
	vfs_lock();
	m->em_next = mounts;
	mounts = m;
	vnode_put(root); /* the mount keeps its own */
	vfs_unlock();
	return 0;

err_unmount:
	if (m) {
		(void)ext2_unmount(m->em_fs);
		free(m);
	}
	return rc;
}

/* Called by vfs_umount() under the VFS lock, with its walk's reference
 * to root: busy unless the mount's and the walk's are the only ones. */
static int mnt_check(struct vnode *root)
{
	struct ext2_mnt *m;
	struct ext2_vnode *ev;

	if (root->v_ops != &ext2_vops)
		return -EINVAL;
	m = evn(root)->ev_mnt;
	for (unsigned int i = 0; i < EM_HASH; i++)
		for (ev = m->em_hash[i]; ev; ev = ev->ev_hnext)
			if (&ev->ev_vn != root ||
			    __atomic_load_n(&root->v_refs, __ATOMIC_ACQUIRE) >
				    2)
				return -EBUSY;
	return 0;
}

int ext2_vfs_unmount(const char *path)
{
	struct ext2_mnt *m, **pp;
	struct vnode *root;
	struct ext2_fs *fs;
	int rc;

	rc = vfs_umount(path, mnt_check, &root);
	if (rc)
		return rc;
	vfs_lock();
	m = evn(root)->ev_mnt;
	for (pp = &mounts; *pp != m; pp = &(*pp)->em_next)
		;
	*pp = m->em_next;
	vnode_put(root); /* the table is empty now */
	fs = m->em_fs;
	m->em_fs = NULL;
	vfs_unlock();
	rc = fs ? ext2_unmount(fs) : 0;
	free(m);
	return rc;
}

int ext2_vfs_shutdown(void)
{
	struct ext2_mnt *m, **pp = &mounts;
	struct ext2_vnode *ev;
	int rc = 0, err;

	vfs_lock();
	while ((m = *pp)) {
		/* A mount the VFS dropped (vfs_reset()): no vnode left. */
		if (mnt_unused(m)) {
			if (m->em_fs)
				rc = rc ? rc : ext2_unmount(m->em_fs);
			*pp = m->em_next;
			free(m);
			continue;
		}
		pp = &m->em_next;
		if (!m->em_fs)
			continue; /* shut down before */
		/* Open files unlinked: nobody can use them after this. */
		for (unsigned int i = 0; i < EM_HASH && !m->em_rdonly; i++)
			for (ev = m->em_hash[i]; ev; ev = ev->ev_hnext)
				(void)ext2_release(m->em_fs, ev->ev_ino);
		err = ext2_unmount(m->em_fs);
		if (err)
			log_err("ext2: %s: write-back failed at exit (%d)\n",
				blkdev_info(m->em_bd)->bi_name, err);
		rc = rc ? rc : err;
		m->em_fs = NULL;
	}
	vfs_unlock();
	return rc;
}

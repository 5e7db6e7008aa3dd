/* SPDX-License-Identifier: MIT */
/*
 * Host tests for libos/fs/ext2_vfs.c: ext2 images made by mke2fs -d
 * (tests/unit/fakes/fake_fileblk.c is the disk) mounted under a tmpfs
 * root through the real VFS, block cache and ext2 library; every call is
 * a VFS call, and e2fsck -fn checks the image afterwards.
 */
#include <fs/ext2_vfs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fs/ext2.h>
#include <fs/tmpfs.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/netbuf.h>
#include <kernel/pmm.h>
#include <kernel/time.h>

#include "fake_fileblk.h"

/* --- stubs --- */

static unsigned int log_lines;

void log_printf(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
	log_lines++;
}

uint64_t time_wall_ns(void)
{
	return 1700000000ull * 1000000000ull;
}

/* A 64 MiB machine: mounts without cache= get a 16 MiB block cache. */
void pmm_get_stats(struct pmm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->total_pages = 16384;
	st->free_pages = 16384;
}

/* --- fixture: a tmpfs root with /mnt, and an image --- */

static char tmpdir[64], img[128];
static struct tmpfs *rootfs;
static struct blkdev *bd;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* e2fsck -fn finds nothing; its output goes to stderr otherwise. */
static bool fsck_clean(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "out=$(/usr/sbin/e2fsck -fn %s 2>&1) || { echo \"$out\" >&2; "
		 "exit 1; }",
		 img);
	return system(cmd) == 0;
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/ext2_vfs_test.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(img, sizeof(img), "%s/disk.img", tmpdir);
	sh("mkdir -p %s/src/dir && printf 'seeded\\n' >%s/src/dir/seed && "
	   "/usr/sbin/mke2fs -q -F -t ext2 -b 1024 -d %s/src %s 8M >/dev/null",
	   tmpdir, tmpdir, tmpdir, img);
	assert_int_equal(tmpfs_create(1 << 20, &rootfs), 0);
	assert_int_equal(vfs_set_root(tmpfs_root(rootfs), "tmpfs", 0), 0);
	assert_int_equal(vfs_mkdir(NULL, "/mnt", 0755), 0);
	bd = fake_fileblk_open(img, 512, false);
	assert_non_null(bd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vfs_reset();
	tmpfs_destroy(rootfs);
	assert_int_equal(fake_fileblk_bad(bd), 0);
	fake_fileblk_close(bd);
	sh("rm -rf %s", tmpdir);
	return 0;
}

static struct vnode *open_file(const char *path, bool create)
{
	struct vnode *vn = NULL;
	bool created;

	assert_int_equal(vfs_open_create(NULL, path, VFS_FOLLOW, create, false,
					 0644, &vn, &created),
			 0);
	return vn;
}

static void put_file(const char *path, const char *text)
{
	struct vnode *vn = open_file(path, true);
	int64_t off = 0;

	assert_int_equal(vfs_write(vn, text, strlen(text), &off, false),
			 (ssize_t)strlen(text));
	vnode_put(vn);
}

static void expect_file(const char *path, const char *text)
{
	struct vnode *vn = open_file(path, false);
	char buf[256];
	ssize_t n = vfs_read(vn, buf, sizeof(buf), 0);

	vnode_put(vn);
	assert_int_equal(n, (ssize_t)strlen(text));
	assert_memory_equal(buf, text, strlen(text));
}

static struct ext2_statfs counts(void)
{
	struct ext2_fs *fs = NULL;
	struct ext2_statfs st;
	struct blkdev *b2 = fake_fileblk_open(img, 512, true);

	assert_non_null(b2);
	assert_int_equal(ext2_mount(b2, NULL, &fs), 0);
	ext2_statfs(fs, &st);
	assert_int_equal(ext2_unmount(fs), 0);
	fake_fileblk_close(b2);
	return st;
}

/* --- tests --- */

/* One vnode per inode; attributes; every name operation. */
static void test_ops(void **state)
{
	struct vnode *a, *b;
	struct vattr va;
	struct vfs_dirent de;
	uint64_t cookie = 0;
	char buf[64];
	int n = 0;

	(void)state;
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), 0);
	expect_file("/mnt/dir/seed", "seeded\n");
	a = open_file("/mnt/dir/seed", false);
	assert_int_equal(vfs_lookup(NULL, "/mnt/dir/../dir/./seed", 0, &b), 0);
	assert_ptr_equal(a, b);
	vnode_put(b);
	assert_int_equal(vfs_getattr(a, &va), 0);
	assert_int_equal(va.va_mode, VFS_IFREG | 0644);
	assert_int_equal(va.va_size, 7);
	assert_int_equal(va.va_nlink, 1);
	assert_int_equal(va.va_blksize, 1024);
	assert_int_equal(va.va_blocks, 2);
	vnode_put(a);
	put_file("/mnt/f", "one\n");
	assert_int_equal(vfs_mkdir(NULL, "/mnt/d", 0700), 0);
	assert_int_equal(vfs_rename(NULL, "/mnt/f", NULL, "/mnt/d/g"), 0);
	assert_int_equal(vfs_link(NULL, "/mnt/d/g", NULL, "/mnt/h", 0), 0);
	assert_int_equal(vfs_stat(NULL, "/mnt/h", 0, &va), 0);
	assert_int_equal(va.va_nlink, 2);
	assert_int_equal(vfs_symlink("d/g", NULL, "/mnt/s"), 0);
	assert_int_equal(vfs_readlink(NULL, "/mnt/s", buf, sizeof(buf)), 3);
	expect_file("/mnt/s", "one\n");
	assert_int_equal(vfs_truncate(NULL, "/mnt/h", 2), 0);
	expect_file("/mnt/d/g", "on");
	assert_int_equal(vfs_chmod(NULL, "/mnt/h", VFS_FOLLOW, 0600), 0);
	assert_int_equal(vfs_utimes(NULL, "/mnt/h", 0,
				    (struct timespec[2]){ { 5, 0 }, { 6, 0 } }),
			 0);
	assert_int_equal(vfs_stat(NULL, "/mnt/d/g", 0, &va), 0);
	assert_int_equal(va.va_mode, VFS_IFREG | 0600);
	assert_int_equal(va.va_mtime.tv_sec, 6);
	assert_int_equal(vfs_rmdir(NULL, "/mnt/d"), -ENOTEMPTY);
	assert_int_equal(vfs_unlink(NULL, "/mnt/d/g"), 0);
	assert_int_equal(vfs_rmdir(NULL, "/mnt/d"), 0);
	assert_int_equal(vfs_lookup(NULL, "/mnt/d", 0, &a), -ENOENT);
	assert_int_equal(vfs_lookup(NULL, "/mnt/..", 0, &a), 0);
	assert_ptr_equal(a, tmpfs_root(rootfs));
	vnode_put(a);
	a = open_file("/mnt", false);
	while (vfs_readdir(a, &cookie, &de) == 1) {
		if (!strcmp(de.d_name, "h"))
			assert_int_equal(de.d_type, VFS_DT_REG);
		if (!strcmp(de.d_name, "s"))
			assert_int_equal(de.d_type, VFS_DT_LNK);
		n++;
	}
	vnode_put(a);
	assert_int_equal(n, 6); /* . .. lost+found dir h s */
	assert_int_equal(ext2_vfs_unmount("/mnt"), 0);
	assert_true(fsck_clean());
}

/* An unlinked file stays readable while referenced; its inode and
 * blocks go with the last reference. */
static void test_unlink_open(void **state)
{
	struct ext2_statfs before, after;
	struct vnode *vn;
	struct vattr va;
	char buf[8];
	int64_t off = 0;

	(void)state;
	before = counts();
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), 0);
	vn = open_file("/mnt/tmp", true);
	assert_int_equal(vfs_write(vn, "payload", 7, &off, false), 7);
	assert_int_equal(vfs_unlink(NULL, "/mnt/tmp"), 0);
	assert_int_equal(vfs_getattr(vn, &va), 0);
	assert_int_equal(va.va_nlink, 0);
	assert_int_equal(vfs_read(vn, buf, sizeof(buf), 0), 7);
	assert_int_equal(vfs_fsync(vn), 0);
	assert_int_equal(ext2_vfs_unmount("/mnt"), -EBUSY);
	vnode_put(vn);
	assert_int_equal(ext2_vfs_unmount("/mnt"), 0);
	after = counts();
	assert_int_equal(after.sf_free_inodes, before.sf_free_inodes);
	assert_int_equal(after.sf_free_blocks, before.sf_free_blocks);
	assert_true(fsck_clean());
}

/* What unmounting refuses, and mounting twice. */
static void test_busy(void **state)
{
	struct tmpfs *t;
	struct vnode *vn;

	(void)state;
	assert_int_equal(ext2_vfs_mount(bd, "/nope", 0, 0), -ENOENT);
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), 0);
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), -EBUSY);
	assert_int_equal(vfs_mkdir(NULL, "/mnt/sub", 0755), 0);
	assert_int_equal(vfs_chdir(NULL, "/mnt/sub"), 0);
	assert_int_equal(ext2_vfs_unmount("/mnt"), -EBUSY);
	assert_int_equal(vfs_chdir(NULL, "/"), 0);
	vn = open_file("/mnt", false); /* the root itself open */
	assert_int_equal(ext2_vfs_unmount("/mnt"), -EBUSY);
	vnode_put(vn);
	/* a tmpfs mounted inside */
	assert_int_equal(tmpfs_create(4096, &t), 0);
	assert_int_equal(vfs_mount("/mnt/sub", tmpfs_root(t), "tmpfs", 0), 0);
	assert_int_equal(ext2_vfs_unmount("/mnt"), -EBUSY);
	assert_int_equal(ext2_vfs_unmount("/mnt/sub"), -EINVAL); /* not ext2 */
	assert_int_equal(ext2_vfs_unmount("/"), -EINVAL);
	assert_int_equal(ext2_vfs_unmount("/mnt/lost+found"), -EINVAL);
	vfs_reset(); /* drops the mounts; the ext2 one is left to shutdown */
	tmpfs_destroy(t);
	assert_int_equal(vfs_set_root(tmpfs_root(rootfs), "tmpfs", 0), 0);
	assert_int_equal(ext2_vfs_shutdown(), 0);
	assert_true(fsck_clean());
}

/* Read-only: refused writes, nothing written to the image. */
static void test_rdonly(void **state)
{
	struct vnode *vn;
	int64_t off = 0;
	unsigned int writes;

	(void)state;
	writes = fake_fileblk_writes(bd);
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", EXT2_VFS_RDONLY, 256 << 10),
			 0);
	vn = open_file("/mnt/dir/seed", false);
	assert_int_equal(vfs_write(vn, "x", 1, &off, false), -EROFS);
	assert_int_equal(vfs_fsync(vn), 0);
	vnode_put(vn);
	assert_int_equal(vfs_mkdir(NULL, "/mnt/x", 0755), -EROFS);
	assert_int_equal(vfs_unlink(NULL, "/mnt/dir/seed"), -EROFS);
	expect_file("/mnt/dir/seed", "seeded\n");
	assert_int_equal(ext2_vfs_unmount("/mnt"), 0);
	assert_int_equal(fake_fileblk_writes(bd), writes);
}

/* The end of the appliance: open unlinked files are freed, everything
 * is written back and marked clean; the files left open then fail. */
static void test_shutdown(void **state)
{
	struct ext2_statfs before, after;
	struct vnode *vn, *gone;
	char buf[8];
	int64_t off = 0;

	(void)state;
	before = counts();
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), 0);
	put_file("/mnt/kept", "kept\n");
	gone = open_file("/mnt/gone", true);
	assert_int_equal(vfs_write(gone, "xxxx", 4, &off, false), 4);
	assert_int_equal(vfs_unlink(NULL, "/mnt/gone"), 0);
	vn = open_file("/mnt/kept", false);
	assert_int_equal(ext2_vfs_shutdown(), 0);
	assert_true(fsck_clean());
	after = counts();
	assert_int_equal(after.sf_free_inodes + 1, before.sf_free_inodes);
	assert_int_equal(vfs_read(vn, buf, sizeof(buf), 0), -EIO);
	vnode_put(vn);
	vnode_put(gone);
	assert_int_equal(ext2_vfs_unmount("/mnt"), 0);
	assert_true(fsck_clean());
}

/* sendfile's path: bytes lent from the block cache stay as they were
 * while the file changes, is removed and the file system unmounted. */
static ssize_t getbuf(struct vnode *vn, int64_t off, size_t len,
		      struct netbuf **nb)
{
	ssize_t n;

	vfs_lock();
	n = vop_getbuf(vn, off, len, nb);
	vfs_unlock();
	return n;
}

static void test_lend(void **state)
{
	char data[3000], other[3000], got[3000];
	struct netbuf *nb = NULL, *nb2 = NULL;
	struct vnode *vn;
	int64_t off = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (char)('a' + i % 26);
		other[i] = (char)('0' + i % 10);
	}
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), 0);
	vn = open_file("/mnt/f", true);
	assert_int_equal(vfs_write(vn, data, sizeof(data), &off, false),
			 (ssize_t)sizeof(data));
	/* At most the rest of the 1 KiB block; never past the end. */
	assert_int_equal(getbuf(vn, 1500, 4000, &nb), 1024 - 476);
	assert_memory_equal(nb->nb_data, data + 1500, 1024 - 476);
	assert_int_equal(getbuf(vn, 2900, 4000, &nb2), 100);
	assert_memory_equal(nb2->nb_data, data + 2900, 100);
	assert_int_equal(getbuf(vn, 3000, 10, NULL), 0);
	/* Overwritten: the lent bytes stay, reads see the new ones. */
	off = 0;
	assert_int_equal(vfs_write(vn, other, sizeof(other), &off, false),
			 (ssize_t)sizeof(other));
	assert_memory_equal(nb->nb_data, data + 1500, 1024 - 476);
	assert_int_equal(vfs_read(vn, got, sizeof(got), 0),
			 (ssize_t)sizeof(got));
	assert_memory_equal(got, other, sizeof(got));
	/* Not cached (after a remount): whole blocks go as one run. */
	vnode_put(vn);
	assert_int_equal(ext2_vfs_unmount("/mnt"), 0);
	assert_int_equal(ext2_vfs_mount(bd, "/mnt", 0, 0), 0);
	vn = open_file("/mnt/f", false);
	struct netbuf *run = NULL;
	assert_int_equal(getbuf(vn, 0, 3000, &run), 2048);
	assert_memory_equal(run->nb_data, other, 2048);
	netbuf_put(run);
	/* A hole has no block to lend. */
	assert_int_equal(vfs_truncate(NULL, "/mnt/f", 100000), 0);
	assert_int_equal(getbuf(vn, 50000, 10, NULL), -EOPNOTSUPP);
	vnode_put(vn);
	assert_int_equal(vfs_unlink(NULL, "/mnt/f"), 0);
	assert_int_equal(ext2_vfs_unmount("/mnt"), 0);
	assert_memory_equal(nb->nb_data, data + 1500, 1024 - 476);
	assert_memory_equal(nb2->nb_data, data + 2900, 100);
	netbuf_put(nb);
	netbuf_put(nb2);
	assert_true(fsck_clean());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

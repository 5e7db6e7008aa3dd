/* SPDX-License-Identifier: MIT */
/*
 * Host tests for libos/fs/ext2 over image files made by the host's
 * mke2fs -d (tests/unit/fakes/fake_fileblk.c is the block device, the
 * real kernel/dev/bcache.c the cache) and checked by e2fsck -fn: reading
 * what mke2fs wrote, every operation, a randomized sequence against an
 * in-memory model, corrupted images and feature flags, and crashes: the
 * disk rebuilt from the device's journal at every flush of a workload,
 * with all or part of the writes after it (test_crash_*).
 */
#include <fs/ext2.h>

#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "ext2_impl.h" /* EXT2_PREP_MAX */
#include "ext2_reg.h"
#include "fake_fileblk.h"

/* --- stubs for what the library and the cache link against --- */

static bool quiet_log;

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (quiet_log)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

uint64_t time_wall_ns(void)
{
	return 1700000000ull * 1000000000ull;
}

#define FIXED_NOW_NS (1750000000ull * 1000000000ull)

static uint64_t fixed_now(void)
{
	return FIXED_NOW_NS;
}

/* --- helpers --- */

#define IGNORE(call)                                                           \
	do {                                                                   \
		if (call) {                                                    \
		}                                                              \
	} while (0)

static char tmpdir[64];

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

static bool fsck_clean(const char *img)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "/usr/sbin/e2fsck -fn %s >%s/fsck.out 2>&1",
		 img, tmpdir);
	if (system(cmd) == 0)
		return true;
	snprintf(cmd, sizeof(cmd), "cat %s/fsck.out >&2", tmpdir);
	if (system(cmd) != 0)
		return false;
	return false;
}

static void mkimage(const char *img, uint32_t bs, const char *src,
		    const char *size)
{
	sh("rm -f %s && /usr/sbin/mke2fs -q -F -t ext2 -b %u %s%s %s %s "
	   ">/dev/null",
	   img, bs, src ? "-d " : "", src ? src : "", img, size);
}

struct mnt {
	struct blkdev *bd;
	struct ext2_fs *fs;
};

static int try_mount(struct mnt *m, const char *img, unsigned int flags)
{
	struct ext2_mount_opts o = { .mo_flags = flags,
				     .mo_cache_bytes = 256 * 1024,
				     .mo_readahead = 4,
				     .mo_now_ns = fixed_now };
	int rc;

	m->bd = fake_fileblk_open(img, 512, false);
	assert_non_null(m->bd);
	rc = ext2_mount(m->bd, &o, &m->fs);
	if (rc) {
		assert_int_equal(fake_fileblk_bad(m->bd), 0);
		fake_fileblk_close(m->bd);
	}
	return rc;
}

static void do_mount(struct mnt *m, const char *img)
{
	assert_int_equal(try_mount(m, img, 0), 0);
}

static void do_unmount(struct mnt *m)
{
	assert_int_equal(ext2_unmount(m->fs), 0);
	assert_int_equal(fake_fileblk_bad(m->bd), 0);
	fake_fileblk_close(m->bd);
}

/* Walks a '/'-separated path from the root. */
static int walk(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
	uint32_t cur = ext2_root_ino(fs);

	while (*path) {
		const char *e = strchr(path, '/');
		size_t n = e ? (size_t)(e - path) : strlen(path);
		int rc = ext2_lookup(fs, cur, path, n, &cur);

		if (rc)
			return rc;
		path += n + (e ? 1 : 0);
	}
	*ino = cur;
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void check_file(struct ext2_fs *fs, const char *path, const char *host)
{
	size_t len;
	uint8_t *want = slurp(host, &len), *got = malloc(len + 16);
	struct ext2_stat st;
	uint32_t ino;

	assert_non_null(got);
	assert_int_equal(walk(fs, path, &ino), 0);
	assert_int_equal(ext2_stat(fs, ino, &st), 0);
	assert_int_equal(st.st_size, len);
	assert_int_equal(ext2_read(fs, ino, 0, got, len + 16), (ssize_t)len);
	assert_memory_equal(got, want, len);
	free(want);
	free(got);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/ext2_test.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", tmpdir);
	return 0;
}

/* --- reading what mke2fs -d wrote --- */

static void make_source(void)
{
	uint8_t *big = malloc(5u << 20);
	char path[128];
	FILE *f;

	assert_non_null(big);
	fill(big, 5u << 20, 7);
	sh("rm -rf %s/src && mkdir -p %s/src/a/b/c", tmpdir, tmpdir);
	sh("printf 'hello, ext2\\n' > %s/src/small", tmpdir);
	snprintf(path, sizeof(path), "%s/src/big", tmpdir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 5u << 20, f), 5u << 20);
	fclose(f);
	snprintf(path, sizeof(path), "%s/src/a/b/c/deep", tmpdir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 3000, f), 3000);
	fclose(f);
	sh("truncate -s 20M %s/src/sparse && printf 'middle' | dd of=%s/src/"
	   "sparse bs=1 seek=10000000 conv=notrunc status=none",
	   tmpdir, tmpdir);
	sh("ln -s small %s/src/fastlink", tmpdir);
	sh("ln -s a/b/c/%0100d %s/src/slowlink", 0, tmpdir);
	free(big);
}

static void read_image(uint32_t bs)
{
	char img[128], host[128], buf[256];
	struct ext2_dirent de;
	struct ext2_stat st;
	uint64_t cookie = 0;
	uint32_t seen = 0;
	struct mnt m;
	uint32_t ino;

	make_source();
	snprintf(img, sizeof(img), "%s/ro.img", tmpdir);
	snprintf(host, sizeof(host), "%s/src", tmpdir);
	mkimage(img, bs, host, "64M");
	do_mount(&m, img);
	assert_false(ext2_is_rdonly(m.fs));
	for (const char *const *p =
		     (const char *const[]){ "small", "big", "a/b/c/deep",
					    "sparse", NULL };
	     *p; p++) {
		snprintf(host, sizeof(host), "%s/src/%s", tmpdir, *p);
		check_file(m.fs, *p, host);
	}
	assert_int_equal(walk(m.fs, "sparse", &ino), 0);
	assert_int_equal(ext2_stat(m.fs, ino, &st), 0);
	assert_true(st.st_blocks < 64); /* holes stayed holes */
	assert_int_equal(walk(m.fs, "fastlink", &ino), 0);
	assert_int_equal(ext2_readlink(m.fs, ino, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "small", 5);
	assert_int_equal(walk(m.fs, "slowlink", &ino), 0);
	assert_int_equal(ext2_readlink(m.fs, ino, buf, sizeof(buf)), 106);
	assert_memory_equal(buf, "a/b/c/0000", 10);
	assert_int_equal(walk(m.fs, "a/b/..", &ino), 0);
	assert_int_equal(walk(m.fs, "a", &seen), 0);
	assert_int_equal(ino, seen);
	seen = 0;
	assert_int_equal(walk(m.fs, "nope", &ino), -ENOENT);
	assert_int_equal(walk(m.fs, "small/x", &ino), -ENOTDIR);
	cookie = 0;
	while (ext2_readdir(m.fs, ext2_root_ino(m.fs), &cookie, &de) == 1) {
		if (!strcmp(de.d_name, "a"))
			assert_int_equal(de.d_type, EXT2_DT_DIR);
		if (!strcmp(de.d_name, "fastlink"))
			assert_int_equal(de.d_type, EXT2_DT_LNK);
		seen++;
	}
	/* . .. lost+found small big a sparse fastlink slowlink */
	assert_int_equal(seen, 9);
	do_unmount(&m);
	assert_true(fsck_clean(img));
}

static void test_read_1k(void **state)
{
	(void)state;
	read_image(1024);
}

static void test_read_4k(void **state)
{
	(void)state;
	read_image(4096);
}

/* --- every operation, directed --- */

static void ops_files(struct ext2_fs *fs, uint32_t bs)
{
	uint32_t root = ext2_root_ino(fs), f, ino;
	size_t big = 300 * 1024;
	uint8_t *w = malloc(big), *r = malloc(big);
	uint64_t far = bs == 1024 ? 80ull << 20 : 5ull << 30;
	struct ext2_stat st;

	assert_non_null(w);
	assert_non_null(r);
	fill(w, big, 3);
	assert_int_equal(ext2_create(fs, root, "f", 1, 0644, &f), 0);
	assert_int_equal(ext2_create(fs, root, "f", 1, 0644, &ino), -EEXIST);
	assert_int_equal(ext2_write(fs, f, 0, w, big), (ssize_t)big);
	assert_int_equal(ext2_read(fs, f, 0, r, big), (ssize_t)big);
	assert_memory_equal(r, w, big);
	/* a hole, then a block through the triple indirect block */
	assert_int_equal(ext2_write(fs, f, far, "tail", 4), 4);
	assert_int_equal(ext2_stat(fs, f, &st), 0);
	assert_int_equal(st.st_size, far + 4);
	assert_int_equal(ext2_read(fs, f, far - 2, r, 10), 6);
	assert_memory_equal(r, "\0\0tail", 6);
	assert_int_equal(ext2_read(fs, f, big + 5, r, 4), 4);
	assert_memory_equal(r, "\0\0\0\0", 4);
	/* shrink into a block: the tail is zero when extended again */
	assert_int_equal(ext2_truncate(fs, f, 1000), 0);
	assert_int_equal(ext2_truncate(fs, f, 5000), 0);
	assert_int_equal(ext2_read(fs, f, 0, r, 5000), 5000);
	assert_memory_equal(r, w, 1000);
	for (int i = 1000; i < 5000; i++)
		assert_int_equal(r[i], 0);
	assert_int_equal(ext2_stat(fs, f, &st), 0);
	assert_int_equal(st.st_blocks, bs / 512);
	assert_int_equal(ext2_truncate(fs, f, 0), 0);
	assert_int_equal(ext2_stat(fs, f, &st), 0);
	assert_int_equal(st.st_blocks, 0);
	assert_int_equal(st.st_mtime_ns, FIXED_NOW_NS);
	assert_int_equal(ext2_write(fs, f, 0, w, 100), 100);
	assert_int_equal(ext2_set_times(fs, f, 5000000000ull, UINT64_MAX), 0);
	assert_int_equal(ext2_stat(fs, f, &st), 0);
	assert_int_equal(st.st_atime_ns, 5000000000ull);
	assert_int_equal(ext2_write(fs, root, 0, w, 1), -EISDIR);
	assert_int_equal(ext2_read(fs, 0, 0, r, 1), -EINVAL);
	assert_int_equal(ext2_read(fs, 1u << 31, 0, r, 1), -EINVAL);
	assert_int_equal(ext2_write(fs, f, 1ull << 60, w, 1), -EFBIG);
	free(w);
	free(r);
}

static void ops_names(struct ext2_fs *fs)
{
	uint32_t root = ext2_root_ino(fs), d, e, f, g, l, x, rep;
	char buf[200], tgt[150];
	struct ext2_stat st;

	assert_int_equal(ext2_mkdir(fs, root, "d", 1, 0755, &d), 0);
	assert_int_equal(ext2_mkdir(fs, d, "e", 1, 0755, &e), 0);
	assert_int_equal(ext2_stat(fs, d, &st), 0);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(ext2_create(fs, e, "g", 1, 0644, &g), 0);
	assert_int_equal(ext2_rmdir(fs, d, "e", 1, &x), -ENOTEMPTY);
	assert_int_equal(ext2_rmdir(fs, e, "g", 1, &x), -ENOTDIR);
	assert_int_equal(ext2_unlink(fs, d, "e", 1, &x), -EISDIR);
	assert_int_equal(ext2_unlink(fs, d, "..", 2, &x), -EINVAL);
	assert_int_equal(ext2_create(fs, root, "a/b", 3, 0644, &x), -EINVAL);
	/* hard links */
	assert_int_equal(ext2_link(fs, g, root, "g2", 2), 0);
	assert_int_equal(ext2_link(fs, d, root, "d2", 2), -EPERM);
	assert_int_equal(ext2_stat(fs, g, &st), 0);
	assert_int_equal(st.st_nlink, 2);
	/* symlinks */
	assert_int_equal(ext2_symlink(fs, root, "s", 1, "d/e/g", 5, &l), 0);
	assert_int_equal(ext2_readlink(fs, l, buf, sizeof(buf)), 5);
	memset(tgt, 'x', sizeof(tgt));
	assert_int_equal(ext2_symlink(fs, d, "s", 1, tgt, 150, &l), 0);
	assert_int_equal(ext2_readlink(fs, l, buf, sizeof(buf)), 150);
	assert_memory_equal(buf, tgt, 150);
	/* rename: a directory into itself, across directories, replacing */
	assert_int_equal(ext2_rename(fs, root, "d", 1, e, "z", 1, &rep),
			 -EINVAL);
	assert_int_equal(ext2_rename(fs, d, "e", 1, root, "e", 1, &rep), 0);
	assert_int_equal(rep, 0);
	assert_int_equal(walk(fs, "e/..", &x), 0);
	assert_int_equal(x, root);
	assert_int_equal(ext2_stat(fs, d, &st), 0);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(ext2_create(fs, d, "f", 1, 0644, &f), 0);
	assert_int_equal(ext2_rename(fs, d, "f", 1, root, "g2", 2, &rep), 0);
	assert_int_equal(rep, g);
	assert_int_equal(ext2_stat(fs, g, &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(ext2_rename(fs, root, "g2", 2, root, "e", 1, &rep),
			 -EISDIR);
	assert_int_equal(ext2_rename(fs, root, "e", 1, root, "g2", 2, &rep),
			 -ENOTDIR);
	assert_int_equal(ext2_rename(fs, root, "e", 1, d, "s", 1, &rep),
			 -ENOTDIR);
	assert_int_equal(ext2_mkdir(fs, d, "empty", 5, 0755, &x), 0);
	assert_int_equal(ext2_rename(fs, root, "e", 1, d, "empty", 5, &rep), 0);
	assert_int_equal(rep, x);
	assert_int_equal(ext2_release(fs, rep), 0);
	assert_int_equal(ext2_release(fs, rep), -EINVAL);
	assert_int_equal(ext2_stat(fs, x, &st), -EINVAL);
	assert_int_equal(ext2_stat(fs, d, &st), 0);
	assert_int_equal(st.st_nlink, 3);
	/* unlink of an open file: still readable until released */
	assert_int_equal(ext2_write(fs, f, 0, "data", 4), 4);
	assert_int_equal(ext2_unlink(fs, root, "g2", 2, &x), 0);
	assert_int_equal(x, f);
	assert_int_equal(ext2_read(fs, f, 0, buf, 4), 4);
	assert_int_equal(ext2_release(fs, f), 0);
	assert_int_equal(ext2_rmdir(fs, d, "empty", 5, &x), -ENOTEMPTY);
	assert_int_equal(ext2_unlink(fs, e, "g", 1, &x), 0);
	assert_int_equal(ext2_release(fs, x), 0);
	assert_int_equal(ext2_rmdir(fs, d, "empty", 5, &x), 0);
	assert_int_equal(ext2_release(fs, x), 0);
	assert_int_equal(ext2_stat(fs, d, &st), 0);
	assert_int_equal(st.st_nlink, 2);
}

/* Fills a directory until it takes several blocks, then empties it. */
static void ops_bigdir(struct ext2_fs *fs)
{
	uint32_t root = ext2_root_ino(fs), d, x;
	char name[64];

	assert_int_equal(ext2_mkdir(fs, root, "big", 3, 0755, &d), 0);
	for (int i = 0; i < 300; i++) {
		int n = snprintf(name, sizeof(name), "entry-with-long-name-%d",
				 i);

		assert_int_equal(ext2_create(fs, d, name, (size_t)n, 0600, &x),
				 0);
	}
	for (int i = 0; i < 300; i += 2) {
		int n = snprintf(name, sizeof(name), "entry-with-long-name-%d",
				 i);

		assert_int_equal(ext2_unlink(fs, d, name, (size_t)n, &x), 0);
		assert_int_equal(ext2_release(fs, x), 0);
	}
	assert_int_equal(ext2_lookup(fs, d, "entry-with-long-name-299", 24, &x),
			 0);
}

static void ops_image(uint32_t bs)
{
	char img[128];
	struct mnt m;
	uint32_t ino;
	char buf[8];

	snprintf(img, sizeof(img), "%s/ops.img", tmpdir);
	mkimage(img, bs, NULL, "32M");
	do_mount(&m, img);
	ops_files(m.fs, bs);
	ops_names(m.fs);
	ops_bigdir(m.fs);
	assert_int_equal(ext2_sync(m.fs), 0);
	assert_true(fake_fileblk_flushes(m.bd) > 0);
	assert_true(fsck_clean(img));
	do_unmount(&m);
	assert_true(fsck_clean(img));
	do_mount(&m, img);
	assert_int_equal(walk(m.fs, "f", &ino), 0);
	assert_int_equal(ext2_read(m.fs, ino, 0, buf, 8), 8);
	assert_int_equal(walk(m.fs, "d/s", &ino), 0);
	do_unmount(&m);
}

static void test_ops_1k(void **state)
{
	(void)state;
	ops_image(1024);
}

static void test_ops_4k(void **state)
{
	(void)state;
	ops_image(4096);
}

/* --- randomized, against a model --- */

#define M_OBJS 256
#define M_ENTS 512
#define M_NAMES 12

enum { K_FREE, K_FILE, K_DIR, K_LNK };

struct mobj {
	int kind;
	uint32_t ino;
	int nlink; /* names (files); subdirectories (dirs) */
	uint8_t *data;
	size_t size;
	int parent; /* dirs */
	size_t cap; /* bytes at data */
};

struct ment {
	bool used;
	int dir, obj;
	char name[8];
};

struct model {
	struct mobj o[M_OBJS];
	struct ment e[M_ENTS];
	struct ext2_fs *fs;
	uint32_t seed;
	size_t max_size; /* reaches the double indirect blocks */
	unsigned int done, failed; /* operations that succeeded, failed */
};

static uint32_t rnd(struct model *m, uint32_t n)
{
	m->seed = m->seed * 1664525u + 1013904223u;
	return (m->seed >> 8) % n;
}

static int ent_find(struct model *m, int dir, const char *name)
{
	for (int i = 0; i < M_ENTS; i++)
		if (m->e[i].used && m->e[i].dir == dir &&
		    !strcmp(m->e[i].name, name))
			return i;
	return -1;
}

static int slot(struct model *m, bool obj)
{
	for (int i = 0; i < (obj ? M_OBJS : M_ENTS); i++)
		if (obj ? m->o[i].kind == K_FREE : !m->e[i].used)
			return i;
	return -1;
}

static int pick_dir(struct model *m)
{
	for (;;) {
		int i = (int)rnd(m, M_OBJS);

		if (m->o[i].kind == K_DIR)
			return i;
	}
}

/* A random used entry, or -1. */
static int pick_ent(struct model *m)
{
	for (int n = 0; n < 64; n++) {
		int i = (int)rnd(m, M_ENTS);

		if (m->e[i].used)
			return i;
	}
	return -1;
}

static void rname(struct model *m, char *name)
{
	snprintf(name, 8, "n%u", rnd(m, M_NAMES));
}

static void ent_add(struct model *m, int dir, const char *name, int obj)
{
	int i = slot(m, false);

	assert_true(i >= 0);
	m->e[i] = (struct ment){ true, dir, obj, "" };
	strcpy(m->e[i].name, name);
}

static void obj_drop(struct model *m, int obj)
{
	assert_int_equal(ext2_release(m->fs, m->o[obj].ino), 0);
	free(m->o[obj].data);
	m->o[obj] = (struct mobj){ 0 };
}

static bool dir_has(struct model *m, int dir)
{
	for (int i = 0; i < M_ENTS; i++)
		if (m->e[i].used && m->e[i].dir == dir)
			return true;
	return false;
}

static void op_new(struct model *m, int kind)
{
	int dir = pick_dir(m), obj = slot(m, true), rc;
	char name[8], tgt[200];
	size_t tl = 1 + rnd(m, 150);
	uint32_t ino = 0;

	rname(m, name);
	if (obj < 0 || slot(m, false) < 0)
		return;
	memset(tgt, 'a' + (int)rnd(m, 26), tl);
	if (kind == K_FILE)
		rc = ext2_create(m->fs, m->o[dir].ino, name, strlen(name), 0644,
				 &ino);
	else if (kind == K_DIR)
		rc = ext2_mkdir(m->fs, m->o[dir].ino, name, strlen(name), 0755,
				&ino);
	else
		rc = ext2_symlink(m->fs, m->o[dir].ino, name, strlen(name), tgt,
				  tl, &ino);
	if (ent_find(m, dir, name) >= 0) {
		assert_int_equal(rc, -EEXIST);
		m->failed++;
		return;
	}
	assert_int_equal(rc, 0);
	m->o[obj] = (struct mobj){ kind, ino, 1, NULL, 0, dir, 0 };
	if (kind == K_LNK) {
		m->o[obj].data = malloc(tl);
		memcpy(m->o[obj].data, tgt, tl);
		m->o[obj].size = m->o[obj].cap = tl;
	}
	if (kind == K_DIR)
		m->o[obj].nlink = 0, m->o[dir].nlink++;
	ent_add(m, dir, name, obj);
	m->done++;
}

static void op_write(struct model *m, bool trunc)
{
	int e = pick_ent(m), obj;
	size_t off = rnd(m, (uint32_t)m->max_size), len = 1 + rnd(m, 3 * 4096);
	struct mobj *o;
	uint8_t *buf = NULL;

	if (e < 0 || m->o[m->e[e].obj].kind != K_FILE)
		return;
	obj = m->e[e].obj;
	o = &m->o[obj];
	if (trunc) {
		assert_int_equal(ext2_truncate(m->fs, o->ino, off), 0);
		len = 0;
	} else {
		buf = malloc(len);
		fill(buf, len, m->seed);
		assert_int_equal(ext2_write(m->fs, o->ino, off, buf, len),
				 (ssize_t)len);
	}
	if (off + len > o->cap) { /* grow by doubling: ASan's realloc copies */
		o->cap = off + len > 2 * o->cap ? off + len : 2 * o->cap;
		o->data = realloc(o->data, o->cap);
		assert_non_null(o->data);
	}
	if (off + len > o->size || trunc) {
		if (off + len > o->size)
			memset(o->data + o->size, 0, off + len - o->size);
		o->size = off + len;
	}
	if (!trunc) {
		memcpy(o->data + off, buf, len);
		free(buf);
	}
	m->done++;
}

static void op_remove(struct model *m, bool rmdir)
{
	int e = pick_ent(m), obj, rc;
	uint32_t ino;

	if (e < 0)
		return;
	obj = m->e[e].obj;
	if (rnd(m, 4)) /* mostly the right call for the kind */
		rmdir = m->o[obj].kind == K_DIR;
	if (rmdir)
		rc = ext2_rmdir(m->fs, m->o[m->e[e].dir].ino, m->e[e].name,
				strlen(m->e[e].name), &ino);
	else
		rc = ext2_unlink(m->fs, m->o[m->e[e].dir].ino, m->e[e].name,
				 strlen(m->e[e].name), &ino);
	if (!rmdir && m->o[obj].kind == K_DIR) {
		assert_int_equal(rc, -EISDIR);
		m->failed++;
		return;
	}
	if (rmdir && m->o[obj].kind != K_DIR) {
		assert_int_equal(rc, -ENOTDIR);
		m->failed++;
		return;
	}
	if (rmdir && dir_has(m, obj)) {
		assert_int_equal(rc, -ENOTEMPTY);
		m->failed++;
		return;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(ino, m->o[obj].ino);
	m->e[e].used = false;
	if (rmdir)
		m->o[m->e[e].dir].nlink--;
	if (rmdir || --m->o[obj].nlink == 0)
		obj_drop(m, obj);
	m->done++;
}

static void op_link(struct model *m)
{
	int e = pick_ent(m), dir = pick_dir(m), obj, rc;
	char name[8];

	rname(m, name);
	if (e < 0 || slot(m, false) < 0)
		return;
	obj = m->e[e].obj;
	rc = ext2_link(m->fs, m->o[obj].ino, m->o[dir].ino, name, strlen(name));
	if (ent_find(m, dir, name) >= 0) {
		assert_int_equal(rc, -EEXIST);
		m->failed++;
		return;
	}
	if (m->o[obj].kind == K_DIR) {
		assert_int_equal(rc, -EPERM);
		m->failed++;
		return;
	}
	assert_int_equal(rc, 0);
	m->o[obj].nlink++;
	ent_add(m, dir, name, obj);
	m->done++;
}

static bool is_below(struct model *m, int a, int d)
{
	for (int n = 0; n < M_OBJS; n++) {
		if (d == a)
			return true;
		if (d == 0)
			return false;
		d = m->o[d].parent;
	}
	fail_msg("model loop");
	return false;
}

/* The error rename should give, or 0; follows ext2_rename's order. */
static int rename_expect(struct model *m, int se, int dir, int de)
{
	int s = m->e[se].obj, d = de >= 0 ? m->e[de].obj : -1;
	bool sdir = m->o[s].kind == K_DIR;

	if (d == s)
		return 1; /* nothing to do */
	if (d >= 0 && sdir && m->o[d].kind != K_DIR)
		return -ENOTDIR;
	if (d >= 0 && !sdir && m->o[d].kind == K_DIR)
		return -EISDIR;
	if (d >= 0 && m->o[d].kind == K_DIR && dir_has(m, d))
		return -ENOTEMPTY;
	if (sdir && m->e[se].dir != dir && is_below(m, s, dir))
		return -EINVAL;
	return 0;
}

static void op_rename(struct model *m)
{
	int se = pick_ent(m), dir = pick_dir(m), de, want, rc, s;
	char name[8];
	uint32_t rep;

	rname(m, name);
	if (se < 0)
		return;
	de = ent_find(m, dir, name);
	want = rename_expect(m, se, dir, de);
	rc = ext2_rename(m->fs, m->o[m->e[se].dir].ino, m->e[se].name,
			 strlen(m->e[se].name), m->o[dir].ino, name,
			 strlen(name), &rep);
	assert_int_equal(rc, want > 0 ? 0 : want);
	if (want) {
		m->failed += want < 0;
		return;
	}
	m->done++;
	s = m->e[se].obj;
	if (de >= 0) {
		int d = m->e[de].obj;

		assert_int_equal(rep, m->o[d].ino);
		m->e[de].used = false;
		if (m->o[d].kind == K_DIR) {
			m->o[dir].nlink--;
			obj_drop(m, d);
		} else if (--m->o[d].nlink == 0) {
			obj_drop(m, d);
		}
	}
	if (m->o[s].kind == K_DIR) {
		m->o[m->e[se].dir].nlink--;
		m->o[dir].nlink++;
		m->o[s].parent = dir;
	}
	m->e[se].dir = dir;
	strcpy(m->e[se].name, name);
}

static void check_obj(struct model *m, int i)
{
	struct mobj *o = &m->o[i];
	struct ext2_stat st;
	uint8_t *buf;

	assert_int_equal(ext2_stat(m->fs, o->ino, &st), 0);
	if (o->kind == K_DIR) {
		assert_int_equal(st.st_nlink, 2 + o->nlink);
		return;
	}
	assert_int_equal(st.st_nlink, o->nlink);
	assert_int_equal(st.st_size, o->size);
	buf = malloc(o->size + 1);
	if (o->kind == K_LNK)
		assert_int_equal(
			ext2_readlink(m->fs, o->ino, (char *)buf, o->size + 1),
			(ssize_t)o->size);
	else
		assert_int_equal(ext2_read(m->fs, o->ino, 0, buf, o->size + 1),
				 (ssize_t)o->size);
	if (o->size)
		assert_memory_equal(buf, o->data, o->size);
	free(buf);
}

static void check_model(struct model *m)
{
	for (int i = 0; i < M_OBJS; i++)
		if (m->o[i].kind != K_FREE)
			check_obj(m, i);
	for (int i = 0; i < M_ENTS; i++) {
		uint32_t ino;

		if (!m->e[i].used)
			continue;
		assert_int_equal(ext2_lookup(m->fs, m->o[m->e[i].dir].ino,
					     m->e[i].name, strlen(m->e[i].name),
					     &ino),
				 0);
		assert_int_equal(ino, m->o[m->e[i].obj].ino);
	}
}

static unsigned int count_live(struct model *m)
{
	unsigned int n = 0;

	for (int i = 0; i < M_OBJS; i++)
		n += m->o[i].kind != K_FREE;
	return n;
}

/*
 * nops random operations on a fresh image, files up to max_size bytes;
 * the model is checked after every `every` operations (each such run a
 * sequence of its own), e2fsck every 2000 and at the end.
 */
static void random_image(uint32_t bs, uint32_t seed, int nops, int every,
			 size_t max_size)
{
	static struct model model;
	struct model *m = &model;
	char img[128];
	struct mnt mt;

	snprintf(img, sizeof(img), "%s/rnd.img", tmpdir);
	mkimage(img, bs, NULL, "64M");
	do_mount(&mt, img);
	memset(m, 0, sizeof(*m));
	m->fs = mt.fs;
	m->seed = seed;
	m->max_size = max_size;
	m->o[0] =
		(struct mobj){ K_DIR, ext2_root_ino(mt.fs), 1, NULL, 0, 0, 0 };
	for (int n = 0; n < nops; n++) {
		uint32_t op = rnd(m, 100);

		if (op < 10)
			op_new(m, K_FILE);
		else if (op < 16)
			op_new(m, K_DIR);
		else if (op < 20)
			op_new(m, K_LNK);
		else if (op < 42)
			op_write(m, false);
		else if (op < 50)
			op_write(m, true);
		else if (op < 66)
			op_remove(m, false);
		else if (op < 76)
			op_remove(m, true);
		else if (op < 90)
			op_rename(m);
		else
			op_link(m);
		if (n % every == every - 1)
			check_model(m);
		if (n % 2000 == 1999) { /* consistent while mounted too */
			assert_int_equal(ext2_sync(mt.fs), 0);
			assert_true(fsck_clean(img));
		}
	}
	print_message("random %u: %u operations done, %u refused as "
		      "expected, %u objects at the end\n",
		      bs, m->done, m->failed, count_live(m));
	check_model(m);
	assert_int_equal(ext2_sync(mt.fs), 0);
	assert_true(fsck_clean(img));
	do_unmount(&mt);
	assert_true(fsck_clean(img));
	do_mount(&mt, img);
	m->fs = mt.fs;
	check_model(m);
	do_unmount(&mt);
	for (int i = 0; i < M_OBJS; i++)
		free(m->o[i].data);
}

/* Long runs: files up to the double-indirect blocks. */
static void test_random_1k(void **state)
{
	(void)state;
	random_image(1024, 12345, 5000, 1000, 1024 * (12 + 256 + 64));
}

static void test_random_4k(void **state)
{
	(void)state;
	random_image(4096, 777, 5000, 1000, 4096 * (12 + 1024 + 64));
}

/* Thousands of short sequences: small files (direct and first indirect
 * blocks), the model checked after every 4 operations. */
static void test_random_short(void **state)
{
	(void)state;
	random_image(1024, 4242, 8000, 4, 1024 * 16);
}

/* --- features and corruption --- */

static void patch32(const char *img, uint64_t off, uint32_t set)
{
	FILE *f = fopen(img, "r+b");
	uint32_t v;

	assert_non_null(f);
	fseek(f, (long)off, SEEK_SET);
	assert_int_equal(fread(&v, 4, 1, f), 1);
	v |= set;
	fseek(f, (long)off, SEEK_SET);
	assert_int_equal(fwrite(&v, 4, 1, f), 1);
	fclose(f);
}

static void test_features(void **state)
{
	char img[128], buf[4];
	struct mnt m;
	uint32_t ino;

	(void)state;
	snprintf(img, sizeof(img), "%s/feat.img", tmpdir);
	make_source();
	snprintf(buf, sizeof(buf), "%s", "");
	mkimage(img, 1024, NULL, "8M");
	patch32(img, 1024 + offsetof(struct ext2_super, s_feature_incompat),
		0x40);
	quiet_log = true;
	assert_int_equal(try_mount(&m, img, 0), -EOPNOTSUPP);
	quiet_log = false;
	mkimage(img, 1024, NULL, "8M");
	do_mount(&m, img);
	assert_int_equal(ext2_create(m.fs, 2, "f", 1, 0644, &ino), 0);
	assert_int_equal(ext2_write(m.fs, ino, 0, "abcd", 4), 4);
	do_unmount(&m);
	patch32(img, 1024 + offsetof(struct ext2_super, s_feature_ro_compat),
		0x8000);
	quiet_log = true;
	do_mount(&m, img);
	quiet_log = false;
	assert_true(ext2_is_rdonly(m.fs));
	assert_int_equal(ext2_lookup(m.fs, 2, "f", 1, &ino), 0);
	assert_int_equal(ext2_read(m.fs, ino, 0, buf, 4), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(ext2_write(m.fs, ino, 0, "x", 1), -EROFS);
	assert_int_equal(ext2_truncate(m.fs, ino, 0), -EROFS);
	assert_int_equal(ext2_create(m.fs, 2, "g", 1, 0644, &ino), -EROFS);
	assert_int_equal(ext2_unlink(m.fs, 2, "f", 1, &ino), -EROFS);
	assert_int_equal(fake_fileblk_writes(m.bd), 0);
	do_unmount(&m);
	assert_int_equal(try_mount(&m, img, EXT2_MOUNT_RDONLY), 0);
	do_unmount(&m);
	/* 1 KiB blocks on a device of 4 KiB sectors */
	m.bd = fake_fileblk_open(img, 4096, false);
	assert_non_null(m.bd);
	quiet_log = true;
	assert_int_equal(ext2_mount(m.bd, NULL, &m.fs), -EINVAL);
	quiet_log = false;
	fake_fileblk_close(m.bd);
	/* revision 0 */
	mkimage(img, 1024, NULL, "8M");
	{
		FILE *f = fopen(img, "r+b");
		uint32_t zero = 0;

		assert_non_null(f);
		fseek(f, 1024 + offsetof(struct ext2_super, s_rev_level),
		      SEEK_SET);
		fwrite(&zero, 4, 1, f);
		fclose(f);
	}
	quiet_log = true;
	assert_int_equal(try_mount(&m, img, 0), -EOPNOTSUPP);
	quiet_log = false;
}

/* Reads everything below dir, ignoring errors (depth-bounded). */
static void tree_walk(struct ext2_fs *fs, uint32_t dir, int depth)
{
	static uint8_t buf[64 * 1024];
	struct ext2_dirent de;
	uint64_t cookie = 0;
	int n = 0;

	while (depth < 4 && n++ < 400 &&
	       ext2_readdir(fs, dir, &cookie, &de) == 1) {
		struct ext2_stat st;
		uint32_t ino;

		if (!strcmp(de.d_name, ".") || !strcmp(de.d_name, ".."))
			continue;
		if (ext2_lookup(fs, dir, de.d_name, de.d_namlen, &ino) ||
		    ext2_stat(fs, ino, &st))
			continue;
		IGNORE(ext2_read(fs, ino, 0, buf, sizeof(buf)));
		IGNORE(ext2_readlink(fs, ino, (char *)buf, sizeof(buf)));
		tree_walk(fs, ino, depth + 1);
	}
}

/* Does some of everything on a possibly corrupt file system. */
static void abuse(struct ext2_fs *fs)
{
	uint32_t root = ext2_root_ino(fs), ino, x;
	static uint8_t buf[20000];

	tree_walk(fs, root, 0);
	if (!ext2_create(fs, root, "new", 3, 0644, &ino)) {
		IGNORE(ext2_write(fs, ino, 0, buf, sizeof(buf)));
		IGNORE(ext2_write(fs, ino, 1 << 20, buf, 100));
		IGNORE(ext2_truncate(fs, ino, 10));
	}
	IGNORE(ext2_mkdir(fs, root, "nd", 2, 0755, &ino));
	IGNORE(ext2_rename(fs, root, "a", 1, root, "nd", 2, &x));
	if (!ext2_lookup(fs, root, "big", 3, &ino)) {
		IGNORE(ext2_write(fs, ino, 12345, buf, sizeof(buf)));
		IGNORE(ext2_truncate(fs, ino, 100));
	}
	if (!ext2_unlink(fs, root, "small", 5, &x))
		IGNORE(ext2_release(fs, x));
	if (!ext2_rmdir(fs, root, "nd", 2, &x))
		IGNORE(ext2_release(fs, x));
	IGNORE(ext2_sync(fs));
}

static void flip_bits(const char *img, uint64_t off, uint32_t len,
		      uint32_t *seed, int nbits)
{
	FILE *f = fopen(img, "r+b");

	assert_non_null(f);
	for (int i = 0; i < nbits; i++) {
		uint64_t pos;
		int c;

		*seed = *seed * 1664525u + 1013904223u;
		pos = off + (*seed >> 8) % len;
		fseek(f, (long)pos, SEEK_SET);
		c = fgetc(f);
		fseek(f, (long)pos, SEEK_SET);
		fputc(c ^ (1 << ((*seed >> 3) % 8)), f);
	}
	fclose(f);
}

static void read_at(const char *img, uint64_t off, void *buf, size_t len)
{
	FILE *f = fopen(img, "rb");

	assert_non_null(f);
	fseek(f, (long)off, SEEK_SET);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
}

/* The regions to damage: superblock, descriptors, the inode table block
 * of the root inode, the root directory's first block. */
static void regions(const char *img, uint64_t off[4], uint32_t len[4])
{
	struct ext2_super sb;
	struct ext2_group_desc gd;
	struct ext2_inode root;
	uint32_t bs;

	read_at(img, 1024, &sb, sizeof(sb));
	bs = 1024u << sb.s_log_block_size;
	read_at(img, (uint64_t)(sb.s_first_data_block + 1) * bs, &gd,
		sizeof(gd));
	read_at(img, (uint64_t)gd.bg_inode_table * bs + sb.s_inode_size, &root,
		sizeof(root));
	off[0] = 1024, len[0] = 1024;
	off[1] = (uint64_t)(sb.s_first_data_block + 1) * bs, len[1] = 64;
	off[2] = (uint64_t)gd.bg_inode_table * bs, len[2] = bs;
	off[3] = (uint64_t)root.i_block[0] * bs, len[3] = bs;
}

static void corrupt_image(uint32_t bs, int *mounted, int *refused)
{
	char img[128], pristine[128], src[128];
	uint64_t off[4];
	uint32_t len[4], seed = bs;

	make_source();
	snprintf(pristine, sizeof(pristine), "%s/pristine.img", tmpdir);
	snprintf(img, sizeof(img), "%s/bad.img", tmpdir);
	snprintf(src, sizeof(src), "%s/src", tmpdir);
	mkimage(pristine, bs, src, "16M");
	regions(pristine, off, len);
	quiet_log = true;
	for (int r = 0; r < 4; r++) {
		for (int t = 0; t < 12; t++) {
			struct mnt m;

			sh("cp %s %s", pristine, img);
			flip_bits(img, off[r], len[r], &seed, 1 + t % 6);
			if (try_mount(&m, img, 0)) {
				++*refused;
				continue;
			}
			++*mounted;
			abuse(m.fs);
			(void)ext2_unmount(m.fs);
			assert_int_equal(fake_fileblk_bad(m.bd), 0);
			fake_fileblk_close(m.bd);
		}
	}
	/* a bad magic is always refused */
	sh("cp %s %s", pristine, img);
	patch32(img, 1024 + offsetof(struct ext2_super, s_magic), 0x4);
	assert_int_equal(try_mount(&(struct mnt){ 0 }, img, 0), -EUCLEAN);
	quiet_log = false;
}

static void test_corrupt(void **state)
{
	int mounted = 0, refused = 0;

	(void)state;
	corrupt_image(1024, &mounted, &refused);
	corrupt_image(4096, &mounted, &refused);
	print_message("corrupt images: %d mounted and used, %d refused\n",
		      mounted, refused);
	assert_true(mounted > 0 && refused > 0);
}

/* Directory blocks with each kind of bad entry: -EUCLEAN, no crash. */
static void test_bad_dirent(void **state)
{
	static const struct {
		uint32_t off;
		uint16_t val;
	} bad[] = {
		{ 4, 3 }, /* rec_len < 8 */
		{ 4, 14 }, /* not 4-aligned */
		{ 4, 4096 }, /* past the block */
		{ 6, 200 }, /* name_len > rec_len - 8 (with rec_len 12) */
		{ 0, 0xffff }, /* inode out of range (low half) */
	};
	char img[128];
	uint64_t off[4];
	uint32_t len[4], ino;

	(void)state;
	snprintf(img, sizeof(img), "%s/dirent.img", tmpdir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mnt m;
		FILE *f;

		mkimage(img, 1024, NULL, "4M");
		regions(img, off, len);
		f = fopen(img, "r+b");
		assert_non_null(f);
		fseek(f, (long)(off[3] + bad[i].off), SEEK_SET);
		if (bad[i].off == 0) /* inode: make it huge */
			fwrite("\xff\xff\xff\x7f", 4, 1, f);
		else
			fwrite(&bad[i].val, 2, 1, f);
		fclose(f);
		quiet_log = true;
		if (try_mount(&m, img, 0) == 0) {
			assert_int_equal(ext2_lookup(m.fs, 2, "x", 1, &ino),
					 -EUCLEAN);
			assert_int_equal(
				ext2_create(m.fs, 2, "x", 1, 0644, &ino),
				-EUCLEAN);
			do_unmount(&m);
		}
		quiet_log = false;
	}
}

static uint16_t sb_state(const char *img)
{
	struct ext2_super sb;

	read_at(img, 1024, &sb, sizeof(sb));
	return sb.s_state;
}

/* A hashed-index directory (made by e2fsck -D) reads as linear and stays
 * consistent when changed; the clean flag is cleared while mounted. */
static void test_htree(void **state)
{
	char img[128], name[128];
	struct ext2_dirent de;
	uint64_t cookie = 0;
	unsigned int n = 0;
	struct mnt m;
	uint32_t d, x;

	(void)state;
	snprintf(img, sizeof(img), "%s/htree.img", tmpdir);
	sh("rm -rf %s/hd && mkdir -p %s/hd/d && cd %s/hd/d && for i in "
	   "$(seq 1 400); do echo $i > file-with-a-long-name-$i; done",
	   tmpdir, tmpdir, tmpdir);
	snprintf(name, sizeof(name), "%s/hd", tmpdir);
	mkimage(img, 1024, name, "8M");
	sh("/usr/sbin/e2fsck -fyD %s >/dev/null 2>&1; "
	   "/usr/sbin/debugfs -R 'stat /d' %s 2>/dev/null | "
	   "grep -q 'Flags: 0x1000'",
	   img, img);
	do_mount(&m, img);
	assert_int_equal(sb_state(img) & EXT2_VALID_FS, 0);
	assert_int_equal(walk(m.fs, "d", &d), 0);
	while (ext2_readdir(m.fs, d, &cookie, &de) == 1)
		n++;
	assert_int_equal(n, 402);
	assert_int_equal(walk(m.fs, "d/file-with-a-long-name-377", &x), 0);
	for (int i = 0; i < 50; i++) {
		int len = snprintf(name, sizeof(name), "added-%d", i);

		assert_int_equal(
			ext2_create(m.fs, d, name, (size_t)len, 0644, &x), 0);
		len = snprintf(name, sizeof(name), "file-with-a-long-name-%d",
			       i + 1);
		assert_int_equal(ext2_unlink(m.fs, d, name, (size_t)len, &x),
				 0);
		assert_int_equal(ext2_release(m.fs, x), 0);
	}
	do_unmount(&m);
	assert_int_equal(sb_state(img) & EXT2_VALID_FS, EXT2_VALID_FS);
	assert_true(fsck_clean(img));
}

/* An indirect block that points to itself, and a double indirect block
 * that is the same block: reads stay bounded, freeing reports -EUCLEAN,
 * nothing crashes. */
static void test_indirect_loop(void **state)
{
	char img[128];
	uint64_t off[4];
	uint32_t len[4], ino, ind, bs = 1024;
	struct ext2_inode in;
	static uint8_t buf[40 * 1024];
	struct ext2_super sb;
	struct ext2_group_desc gd;
	uint64_t ioff;
	struct mnt m;
	FILE *f;

	(void)state;
	snprintf(img, sizeof(img), "%s/loop.img", tmpdir);
	mkimage(img, bs, NULL, "4M");
	do_mount(&m, img);
	assert_int_equal(ext2_create(m.fs, 2, "f", 1, 0644, &ino), 0);
	assert_int_equal(ext2_write(m.fs, ino, 0, buf, 20 * bs), 20 * bs);
	do_unmount(&m);
	regions(img, off, len);
	read_at(img, 1024, &sb, sizeof(sb));
	read_at(img, off[1], &gd, sizeof(gd));
	ioff = (uint64_t)gd.bg_inode_table * bs +
	       (uint64_t)(ino - 1) * sb.s_inode_size;
	read_at(img, ioff, &in, sizeof(in));
	ind = in.i_block[EXT2_IND_BLOCK];
	in.i_block[EXT2_DIND_BLOCK] = ind;
	in.i_size = 300 * bs;
	f = fopen(img, "r+b");
	assert_non_null(f);
	fseek(f, (long)ioff, SEEK_SET);
	fwrite(&in, sizeof(in), 1, f);
	fseek(f, (long)((uint64_t)ind * bs), SEEK_SET);
	fwrite(&ind, 4, 1, f);
	fclose(f);
	quiet_log = true;
	do_mount(&m, img);
	assert_true(ext2_read(m.fs, ino, 0, buf, sizeof(buf)) > 0);
	IGNORE(ext2_write(m.fs, ino, 290 * bs, buf, 3 * bs));
	assert_int_equal(ext2_truncate(m.fs, ino, 0), -EUCLEAN);
	do_unmount(&m);
	quiet_log = false;
}

/* Files unlinked while open stay on the orphan list across an unmount
 * (as across a crash); the next mount frees them. */
static void test_orphans(void **state)
{
	static uint8_t buf[50000];
	struct ext2_statfs before, after;
	uint32_t f[3], x;
	char img[128], copy[160];
	struct ext2_super sb;
	struct mnt m;

	(void)state;
	snprintf(img, sizeof(img), "%s/orphan.img", tmpdir);
	mkimage(img, 1024, NULL, "8M");
	do_mount(&m, img);
	ext2_statfs(m.fs, &before);
	for (int i = 0; i < 3; i++) {
		char name[2] = { (char)('a' + i), 0 };

		assert_int_equal(ext2_create(m.fs, 2, name, 1, 0644, &f[i]), 0);
		assert_int_equal(ext2_write(m.fs, f[i], 0, buf, sizeof(buf)),
				 sizeof(buf));
		assert_int_equal(ext2_unlink(m.fs, 2, name, 1, &x), 0);
	}
	assert_int_equal(ext2_release(m.fs, f[1]), 0); /* mid-list */
	do_unmount(&m);
	read_at(img, 1024, &sb, sizeof(sb));
	assert_int_equal(sb.s_last_orphan, f[2]);
	/* what a crash leaves: e2fsck -fy releases the orphans, and then
	 * nothing else is wrong */
	snprintf(copy, sizeof(copy), "%s.y", img);
	sh("cp %s %s && /usr/sbin/e2fsck -fy %s >/dev/null 2>&1; true", img,
	   copy, copy);
	assert_true(fsck_clean(copy));
	do_mount(&m, img);
	ext2_statfs(m.fs, &after);
	assert_int_equal(after.sf_free_blocks, before.sf_free_blocks);
	assert_int_equal(after.sf_free_inodes, before.sf_free_inodes);
	assert_int_equal(ext2_stat(m.fs, f[0], &(struct ext2_stat){ 0 }),
			 -EINVAL);
	do_unmount(&m);
	read_at(img, 1024, &sb, sizeof(sb));
	assert_int_equal(sb.s_last_orphan, 0);
	assert_true(fsck_clean(img));
}

/*
 * What e2fsck -fn says of a file system whose prepared inodes and blocks
 * (ext2_prep_take()) are still taken: only that they are empty inodes
 * without a name (which e2fsck -p clears) and bits set for nothing (what fsync
 * leaves, and a crash may). Returns how many unattached inodes it reported, -1
 * for any other problem.
 */
static int fsck_prepared(const char *img)
{
	static const char *const ok[] = {
		"e2fsck ",
		"Pass ",
		"\n",
		"Clear? no",
		"Fix? no",
		"Connect to /lost+found? no",
		"Free blocks count wrong",
		"Free inodes count wrong",
	};
	char cmd[512], line[512];
	int n = 0, st;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "/usr/sbin/e2fsck -fn %s 2>&1", img);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		bool known = strstr(line, " files (") ||
			     strstr(line, "WARNING: Filesystem still has");
		const char *p = strstr(line, "bitmap differences:");

		for (size_t i = 0; i < ARRAY_SIZE(ok) && !known; i++)
			known = !strncmp(line, ok[i], strlen(ok[i]));
		/* Each is "zero-length" (-p clears it), then, as -n keeps
		 * it, unattached. */
		if (!strncmp(line, "Unattached zero-length inode ", 29))
			known = true;
		if (!strncmp(line, "Unattached inode ", 17)) {
			n++;
			known = true;
		}
		if (p && !strchr(p, '+'))
			known = true;
		if (!known) {
			fprintf(stderr, "e2fsck -fn: %s", line);
			n = -1000000;
		}
	}
	st = pclose(f);
	assert_true(WIFEXITED(st));
	return n < 0 ? -1 : n;
}

/*
 * A new regular file takes a prepared inode (ext2_prep_take()): its bit
 * and an empty inode were made in two epochs for a batch of files, so
 * its inode and name share one, and its first block is a prepared spare
 * whose bit is in an ended epoch too. Creating, writing one block and
 * fsyncing costs one flush but for the batch's first file (three).
 * fsync keeps the prepared inodes (e2fsck sees empty unnamed inodes and
 * bits set for nothing, what a crash may leave); statfs counts them as
 * free; a sync or an unmount frees them, and e2fsck then finds nothing.
 */
static void test_spare_block(void **state)
{
	struct ext2_statfs before, mid, after;
	char img[128], buf[100], back[100], name[16];
	unsigned int flushes;
	uint32_t a, b;
	struct mnt m;

	(void)state;
	snprintf(img, sizeof(img), "%s/spare.img", tmpdir);
	mkimage(img, 1024, NULL, "4M");
	do_mount(&m, img);
	assert_int_equal(ext2_sync(m.fs), 0);
	ext2_statfs(m.fs, &before);
	flushes = fake_fileblk_flushes(m.bd);
	assert_int_equal(ext2_create(m.fs, 2, "a", 1, 0644, &a), 0);
	ext2_statfs(m.fs, &mid);
	assert_int_equal(mid.sf_free_blocks, before.sf_free_blocks);
	assert_int_equal(mid.sf_free_inodes + 1, before.sf_free_inodes);
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(ext2_write(m.fs, a, 0, buf, sizeof(buf)), 100);
	assert_int_equal(ext2_fsync(m.fs, a), 0);
	assert_int_equal(fake_fileblk_flushes(m.bd) - flushes, 3);
	/* The batch's others: one flush each. */
	for (int i = 0; i < 5; i++) {
		int len = snprintf(name, sizeof(name), "n%d", i);

		flushes = fake_fileblk_flushes(m.bd);
		assert_int_equal(
			ext2_create(m.fs, 2, name, (size_t)len, 0600, &b), 0);
		assert_int_equal(b, a + 1 + (uint32_t)i);
		assert_int_equal(ext2_write(m.fs, b, 0, buf, sizeof(buf)), 100);
		assert_int_equal(ext2_fsync(m.fs, b), 0);
		assert_int_equal(fake_fileblk_flushes(m.bd) - flushes, 1);
	}
	assert_int_equal(fsck_prepared(img), (int)EXT2_PREP_MAX - 6);
	ext2_statfs(m.fs, &mid);
	assert_int_equal(mid.sf_free_blocks + 6, before.sf_free_blocks);
	assert_int_equal(mid.sf_free_inodes + 6, before.sf_free_inodes);
	/* Created, never written: the prepared ones go at the sync. */
	assert_int_equal(ext2_create(m.fs, 2, "b", 1, 0644, &b), 0);
	assert_int_equal(ext2_sync(m.fs), 0);
	assert_true(fsck_clean(img));
	ext2_statfs(m.fs, &after);
	assert_int_equal(after.sf_free_blocks, mid.sf_free_blocks);
	assert_int_equal(after.sf_free_inodes + 1, mid.sf_free_inodes);
	assert_int_equal(ext2_read(m.fs, a, 0, back, sizeof(back)), 100);
	assert_memory_equal(back, buf, sizeof(buf));
	/* And at unmount. */
	assert_int_equal(ext2_create(m.fs, 2, "c", 1, 0644, &b), 0);
	do_unmount(&m);
	assert_true(fsck_clean(img));
}

/* Prepared inodes and blocks never keep the last free ones: a nearly
 * full file system prepares none, and allocations take them back. */
static void test_prepared_when_full(void **state)
{
	static uint8_t buf[64 * 1024];
	struct ext2_statfs st;
	uint32_t f, x;
	char img[128];
	uint64_t off = 0;
	ssize_t w = 1;
	struct mnt m;

	(void)state;
	snprintf(img, sizeof(img), "%s/prepfull.img", tmpdir);
	mkimage(img, 1024, NULL, "4M");
	do_mount(&m, img);
	assert_int_equal(ext2_create(m.fs, 2, "a", 1, 0644, &x), 0);
	assert_int_equal(ext2_create(m.fs, 2, "fill", 4, 0644, &f), 0);
	while (w > 0) {
		w = ext2_write(m.fs, f, off, buf, sizeof(buf));
		off += w > 0 ? (uint64_t)w : 0;
	}
	assert_int_equal(w, -ENOSPC);
	/* Every prepared block went to the file. */
	ext2_statfs(m.fs, &st);
	assert_int_equal(st.sf_free_blocks, 0);
	assert_int_equal(ext2_fsync(m.fs, f), 0);
	do_unmount(&m);
	assert_true(fsck_clean(img));
}

/* Filling the file system: short writes then -ENOSPC, failed creates
 * leave nothing behind, and freeing everything restores the counts. */
static void test_enospc(void **state)
{
	static uint8_t buf[64 * 1024];
	struct ext2_statfs before, after;
	uint32_t f, x, n = 0;
	char img[128], name[32];
	ssize_t w = 1;
	uint64_t off = 0;
	struct mnt m;
	int rc = 0;

	(void)state;
	snprintf(img, sizeof(img), "%s/full.img", tmpdir);
	mkimage(img, 1024, NULL, "2M");
	do_mount(&m, img);
	ext2_statfs(m.fs, &before);
	assert_int_equal(ext2_create(m.fs, 2, "fill", 4, 0644, &f), 0);
	while (w > 0) {
		w = ext2_write(m.fs, f, off, buf, sizeof(buf));
		off += w > 0 ? (uint64_t)w : 0;
	}
	assert_int_equal(w, -ENOSPC);
	assert_true(off > 1000 * 1024);
	while (rc == 0) {
		int len = snprintf(name, sizeof(name), "entry-%u", n++);

		rc = ext2_mkdir(m.fs, 2, name, (size_t)len, 0755, &x);
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(ext2_sync(m.fs), 0);
	assert_true(fsck_clean(img));
	for (uint32_t i = 0; i + 1 < n; i++) {
		int len = snprintf(name, sizeof(name), "entry-%u", i);

		assert_int_equal(ext2_rmdir(m.fs, 2, name, (size_t)len, &x), 0);
		assert_int_equal(ext2_release(m.fs, x), 0);
	}
	assert_int_equal(ext2_unlink(m.fs, 2, "fill", 4, &x), 0);
	assert_int_equal(ext2_release(m.fs, x), 0);
	ext2_statfs(m.fs, &after);
	/* the root directory may have grown by a block or two */
	assert_true(before.sf_free_blocks - after.sf_free_blocks <= 4);
	assert_int_equal(after.sf_free_inodes, before.sf_free_inodes);
	do_unmount(&m);
	assert_true(fsck_clean(img));
}

/* --- crashes: the device cut after every flush and between --- */

/*
 * A workload of writes, fsyncs, renames, unlinks (some of open files),
 * links, symlinks, directories and truncations runs with every write and
 * flush journaled. Then the disk a crash could leave is rebuilt at every
 * flush: all writes up to one flush, plus all or a random part of the
 * writes that followed it (a device may keep any of the writes it got
 * since its last flush). On each, e2fsck -fn may report only what a
 * crash is allowed to leave (crash_line_ok()), e2fsck -fy must repair it
 * (status 0 or 1) to a clean file system, and every file whose fsync
 * returned before that flush must read back exactly.
 */
#define CR_ITERS 48
#define CR_FSYNCS CR_ITERS
#define CR_STATES_MAX 160

/* The repairs a crash may need, counted by class. */
enum {
	CL_BITS, /* bitmap bits set for nothing ("-", never "+") */
	CL_COUNTS, /* free and directory counts to recompute */
	CL_ORPHANS, /* orphan list remains */
	CL_UNNAMED, /* inodes or directories without a name: lost+found */
	CL_LINKS, /* a link count above the names */
	CL_SIZES, /* i_size (only upwards) and i_blocks to recompute */
	CL_NUM
};

struct cr_file {
	char cf_path[32];
	uint8_t *cf_data;
	size_t cf_len;
	unsigned int cf_pos; /* journal entries when its fsync returned */
};

struct crash {
	struct ext2_fs *fs;
	struct blkdev *bd;
	uint32_t seed;
	uint32_t root, w, t, d1;
	struct cr_file files[CR_FSYNCS];
	unsigned int nfiles;
	uint32_t orphans[4];
	unsigned int norphans;
	unsigned int states, fixed, lines[CL_NUM];
};

static uint32_t cr_rnd(struct crash *c, uint32_t n)
{
	c->seed = c->seed * 1664525u + 1013904223u;
	return (c->seed >> 8) % n;
}

static uint32_t cr_mkdir(struct crash *c, uint32_t dir, const char *name)
{
	uint32_t ino;

	assert_int_equal(ext2_mkdir(c->fs, dir, name, strlen(name), 0755, &ino),
			 0);
	return ino;
}

/* A file of len pseudo-random bytes, written in one to three parts. */
static uint32_t cr_file(struct crash *c, uint32_t dir, const char *name,
			uint8_t *data, size_t len)
{
	size_t cut1 = len ? cr_rnd(c, (uint32_t)len) : 0;
	size_t cut2 = cut1 + (len - cut1) / 2;
	uint32_t ino;

	fill(data, len, c->seed);
	assert_int_equal(
		ext2_create(c->fs, dir, name, strlen(name), 0644, &ino), 0);
	assert_int_equal(ext2_write(c->fs, ino, 0, data, cut1), (ssize_t)cut1);
	assert_int_equal(ext2_write(c->fs, ino, cut1, data + cut1, cut2 - cut1),
			 (ssize_t)(cut2 - cut1));
	assert_int_equal(ext2_write(c->fs, ino, cut2, data + cut2, len - cut2),
			 (ssize_t)(len - cut2));
	return ino;
}

static void cr_unlink(struct crash *c, uint32_t dir, const char *name,
		      bool keep_open)
{
	uint32_t ino;

	assert_int_equal(ext2_unlink(c->fs, dir, name, strlen(name), &ino), 0);
	if (keep_open && c->norphans < 4) {
		c->orphans[c->norphans++] = ino;
		return;
	}
	assert_int_equal(ext2_release(c->fs, ino), 0);
}

static void cr_release_orphans(struct crash *c)
{
	while (c->norphans)
		assert_int_equal(ext2_release(c->fs, c->orphans[--c->norphans]),
				 0);
}

static const size_t cr_sizes[] = { 0, 100, 1500, 5000, 13000, 70000, 300000 };

/* Written once, then fsynced (even i) and never touched again. */
static void cr_step_file(struct crash *c, int i)
{
	struct cr_file *f = &c->files[c->nfiles];
	size_t len = cr_sizes[cr_rnd(c, ARRAY_SIZE(cr_sizes))];
	const struct fake_fileblk_op *ops;
	char name[16];
	uint32_t ino;

	snprintf(name, sizeof(name), "f%d", i);
	f->cf_data = malloc(len + 1);
	assert_non_null(f->cf_data);
	ino = cr_file(c, c->w, name, f->cf_data, len);
	if (i % 2) {
		free(f->cf_data);
		return;
	}
	assert_int_equal(ext2_fsync(c->fs, ino), 0);
	snprintf(f->cf_path, sizeof(f->cf_path), "w/%s", name);
	f->cf_len = len;
	f->cf_pos = fake_fileblk_journal(c->bd, &ops);
	c->nfiles++;
}

static const char cr_long_target[] =
	"a/rather/long/symbolic/link/target/that/does/not/fit/in/the/inode/"
	"itself/and/so/takes/a/block/x";

static void cr_step_names(struct crash *c, int i)
{
	static uint8_t buf[300000];
	char name[24], old[24];
	uint32_t ino, d;

	if (i % 3 == 0) { /* write a new version, rename it over the old */
		snprintf(name, sizeof(name), "n%d", i);
		(void)cr_file(c, c->t, name, buf, 3000 + cr_rnd(c, 9000));
		assert_int_equal(ext2_rename(c->fs, c->t, name, strlen(name),
					     c->t, "cur", 3, &ino),
				 0);
		if (ino)
			assert_int_equal(ext2_release(c->fs, ino), 0);
	}
	if (i % 4 == 2) { /* an unfsynced file goes, sometimes while open */
		snprintf(name, sizeof(name), "f%d", i - 1);
		cr_unlink(c, c->w, name, i % 8 == 2);
	}
	if (i % 4 == 0)
		cr_release_orphans(c);
	if (i % 5 == 0) { /* a directory made, filled and moved */
		snprintf(name, sizeof(name), "m%d", i);
		d = cr_mkdir(c, c->root, name);
		(void)cr_file(c, d, "x", buf, 2000);
		assert_int_equal(ext2_rename(c->fs, c->root, name, strlen(name),
					     c->d1, name, strlen(name), &ino),
				 0);
	}
	if (i % 5 == 0 && i >= 10) { /* and an older one removed */
		snprintf(name, sizeof(name), "m%d", i - 10);
		if (ext2_lookup(c->fs, c->d1, name, strlen(name), &d) ==
		    -ENOENT)
			snprintf(name, sizeof(name), "mm%d", i - 10);
		assert_int_equal(
			ext2_lookup(c->fs, c->d1, name, strlen(name), &d), 0);
		cr_unlink(c, d, "x", false);
		assert_int_equal(
			ext2_rmdir(c->fs, c->d1, name, strlen(name), &ino), 0);
		assert_int_equal(ext2_release(c->fs, ino), 0);
	}
	if (i % 6 == 3) { /* links to this round's unfsynced file */
		snprintf(old, sizeof(old), "w/f%d", i);
		snprintf(name, sizeof(name), "l%d", i);
		assert_int_equal(walk(c->fs, old, &ino), 0);
		assert_int_equal(
			ext2_link(c->fs, ino, c->t, name, strlen(name)), 0);
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(
			ext2_symlink(c->fs, c->t, name, strlen(name),
				     i % 12 == 3 ? old : cr_long_target,
				     strlen(i % 12 == 3 ? old : cr_long_target),
				     &ino),
			0);
	}
	if (i % 7 == 5 && walk(c->fs, "t/cur", &ino) == 0) {
		assert_int_equal(ext2_truncate(c->fs, ino, 100), 0);
		assert_int_equal(ext2_truncate(c->fs, ino, 50000), 0);
	}
	if (i % 8 == 7 && walk(c->fs, "t/cur", &d) == 0) {
		assert_int_equal(ext2_rename(c->fs, c->t, "cur", 3, c->t,
					     "prev", 4, &ino),
				 0);
		if (ino)
			assert_int_equal(ext2_release(c->fs, ino), 0);
	}
	if (i % 10 == 9) { /* a directory renamed in place */
		snprintf(old, sizeof(old), "m%d", i - 9);
		snprintf(name, sizeof(name), "mm%d", i - 9);
		if (ext2_lookup(c->fs, c->d1, old, strlen(old), &d) == 0)
			assert_int_equal(ext2_rename(c->fs, c->d1, old,
						     strlen(old), c->d1, name,
						     strlen(name), &ino),
					 0);
	}
}

/* What e2fsck -fn may say about a disk a crash left: informational
 * lines, the answers "no", and the problems of the classes above. */
static bool crash_line_ok(struct crash *c, const char *line)
{
	static const char *const info[] = {
		"e2fsck ",  "Pass ",	 "\n",
		"Fix? no",  "Clear? no", "Connect to /lost+found? no",
		"IGNORED.",
	};
	static const struct {
		const char *text;
		int cls;
	} known[] = {
		{ "Free blocks count wrong", CL_COUNTS },
		{ "Free inodes count wrong", CL_COUNTS },
		{ "Directories count wrong for group", CL_COUNTS },
		{ "was part of the orphaned inode list", CL_ORPHANS },
		{ "were part of a corrupted orphan linked list", CL_ORPHANS },
		{ "has zero dtime", CL_ORPHANS },
		{ "Unattached inode ", CL_UNNAMED },
		{ "Unattached zero-length inode ", CL_UNNAMED },
		{ "Unconnected directory inode ", CL_UNNAMED },
	};
	unsigned int ino, have, want;
	const char *p;

	for (size_t i = 0; i < ARRAY_SIZE(info); i++)
		if (!strncmp(line, info[i], strlen(info[i])))
			return true;
	if (strstr(line, "********** WARNING: Filesystem still has errors") ||
	    strstr(line, " files ("))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		if (strstr(line, known[i].text)) {
			c->lines[known[i].cls]++;
			return true;
		}
	}
	/* An unconnected directory's ".." (after "Unconnected directory"). */
	if (!strncmp(line, "'..' in ", 8) &&
	    strstr(line, "should be <The NULL inode> (0)")) {
		c->lines[CL_UNNAMED]++;
		return true;
	}
	if (sscanf(line, "Inode %u ref count is %u, should be %u", &ino, &have,
		   &want) == 3) {
		c->lines[CL_LINKS]++;
		return have > want;
	}
	/* Pointers in an indirect block landed before the inode's new size
	 * or block count: both are recomputed, the size only upwards. */
	if (sscanf(line, "Inode %u, i_size is %u, should be %u", &ino, &have,
		   &want) == 3) {
		c->lines[CL_SIZES]++;
		return have < want;
	}
	if (sscanf(line, "Inode %u, i_blocks is %u, should be %u", &ino, &have,
		   &want) == 3) {
		c->lines[CL_SIZES]++;
		return true;
	}
	p = strstr(line, "bitmap differences:");
	if (!p)
		return false;
	c->lines[CL_BITS]++;
	return !strchr(p, '+');
}

static void crash_fsck_n(struct crash *c, const char *img)
{
	char cmd[256], line[512];
	bool dirty = false;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "/usr/sbin/e2fsck -fn %s 2>&1", img);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!crash_line_ok(c, line)) {
			fprintf(stderr, "crash state %u: e2fsck -fn: %s",
				c->states, line);
			sh("cp %s %s/bad-crash.img", img, tmpdir);
			fail();
		}
		dirty = dirty || !strncmp(line, "Fix? no", 7) ||
			strstr(line, "? no");
	}
	st = pclose(f);
	assert_true(WIFEXITED(st));
	assert_true(WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 4);
	c->fixed += dirty;
}

/* Repairs img, which must come out clean, then reads every file whose
 * fsync returned within the first `durable` journal entries. */
static void crash_check(struct crash *c, const char *img, unsigned int durable)
{
	struct ext2_stat st;
	struct mnt m;
	uint32_t ino;
	int rc;

	crash_fsck_n(c, img);
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "/usr/sbin/e2fsck -fy %s >/dev/null 2>&1", img);
		rc = system(cmd);
		assert_true(WIFEXITED(rc));
		assert_true(WEXITSTATUS(rc) <= 1);
	}
	assert_true(fsck_clean(img));
	assert_int_equal(try_mount(&m, img, EXT2_MOUNT_RDONLY), 0);
	for (unsigned int k = 0; k < c->nfiles; k++) {
		struct cr_file *f = &c->files[k];
		uint8_t *got;

		if (f->cf_pos > durable)
			continue;
		assert_int_equal(walk(m.fs, f->cf_path, &ino), 0);
		assert_int_equal(ext2_stat(m.fs, ino, &st), 0);
		assert_int_equal(st.st_size, f->cf_len);
		got = malloc(f->cf_len + 1);
		assert_non_null(got);
		assert_int_equal(ext2_read(m.fs, ino, 0, got, f->cf_len),
				 (ssize_t)f->cf_len);
		assert_memory_equal(got, f->cf_data, f->cf_len);
		free(got);
	}
	do_unmount(&m);
}

/* Builds the disk left by a crash after journal entry `flush` (a flush,
 * or -1 for none) with the writes of [flush + 1, end) that `pick` keeps,
 * and checks it. */
static void crash_state(struct crash *c, const uint8_t *base, size_t size,
			const struct fake_fileblk_op *ops, int flush,
			unsigned int end, int pick)
{
	uint8_t *disk = malloc(size);
	char img[128];
	FILE *f;

	assert_non_null(disk);
	memcpy(disk, base, size);
	for (unsigned int i = 0; i < end; i++) {
		if (!ops[i].fo_data)
			continue;
		if ((int)i > flush &&
		    (pick == 0 || (pick == 2 && cr_rnd(c, 2))))
			continue;
		memcpy(disk + ops[i].fo_off, ops[i].fo_data, ops[i].fo_len);
	}
	snprintf(img, sizeof(img), "%s/crash.img", tmpdir);
	f = fopen(img, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(disk, 1, size, f), size);
	fclose(f);
	free(disk);
	c->states++;
	crash_check(c, img, (unsigned int)(flush + 1));
}

static void crash_workload(struct crash *c)
{
	static uint8_t seedbuf[20000];

	c->root = ext2_root_ino(c->fs);
	c->w = cr_mkdir(c, c->root, "w");
	c->t = cr_mkdir(c, c->root, "t");
	c->d1 = cr_mkdir(c, c->root, "d1");
	(void)cr_file(c, c->t, "cur", seedbuf, sizeof(seedbuf));
	for (int i = 0; i < CR_ITERS; i++) {
		cr_step_file(c, i);
		cr_step_names(c, i);
	}
	cr_release_orphans(c);
}

static void crash_run(uint32_t bs)
{
	struct crash *c = calloc(1, sizeof(*c));
	const struct fake_fileblk_op *ops;
	unsigned int n, nflush = 0, step;
	char img[128], base_img[160];
	uint8_t *base;
	size_t size;
	int prev = -1;
	struct mnt m;

	assert_non_null(c);
	c->seed = bs;
	snprintf(img, sizeof(img), "%s/crashwork.img", tmpdir);
	snprintf(base_img, sizeof(base_img), "%s.base", img);
	make_source();
	sh("rm -f %s && /usr/sbin/mke2fs -q -F -t ext2 -b %u -g %u -N 512 "
	   "-d %s/src/a %s 6M >/dev/null && cp %s %s",
	   img, bs, bs == 1024 ? 2048u : 8192u, tmpdir, img, img, base_img);
	base = slurp(base_img, &size);
	m.bd = fake_fileblk_open(img, 512, false);
	assert_non_null(m.bd);
	fake_fileblk_journal_start(m.bd);
	{
		struct ext2_mount_opts o = { .mo_cache_bytes = 64 * 1024,
					     .mo_readahead = 4,
					     .mo_now_ns = fixed_now };

		assert_int_equal(ext2_mount(m.bd, &o, &m.fs), 0);
	}
	c->fs = m.fs;
	c->bd = m.bd;
	crash_workload(c);
	assert_int_equal(ext2_unmount(m.fs), 0);
	assert_true(fsck_clean(img));
	n = fake_fileblk_journal(m.bd, &ops);
	for (unsigned int i = 0; i < n; i++)
		nflush += !ops[i].fo_data;
	step = nflush > CR_STATES_MAX / 2 ? nflush / (CR_STATES_MAX / 2) : 1;
	quiet_log = true;
	for (unsigned int i = 0, k = 0; i < n; i++) {
		if (ops[i].fo_data)
			continue;
		if (k++ % step == 0) {
			/* all of the writes since the previous flush landed,
			 * or a random half of them */
			crash_state(c, base, size, ops, prev, i, 1);
			crash_state(c, base, size, ops, prev, i, 2);
		}
		prev = (int)i;
	}
	crash_state(c, base, size, ops, prev, n, 2);
	quiet_log = false;
	fprintf(stderr,
		"%u-byte blocks: %u writes, %u flushes, %u crash states, %u "
		"needing repairs (lines: %u leaked bits, %u counts, %u orphans, "
		"%u unnamed, %u link counts, %u sizes)\n",
		bs, n - nflush, nflush, c->states, c->fixed, c->lines[CL_BITS],
		c->lines[CL_COUNTS], c->lines[CL_ORPHANS], c->lines[CL_UNNAMED],
		c->lines[CL_LINKS], c->lines[CL_SIZES]);
	assert_true(c->states > 50 && c->nfiles == CR_FSYNCS / 2);
	assert_true(c->fixed > 0); /* the states are not all trivially clean */
	fake_fileblk_close(m.bd);
	for (unsigned int k = 0; k < c->nfiles; k++)
		free(c->files[k].cf_data);
	free(base);
	free(c);
}

static void test_crash_1k(void **state)
{
	(void)state;
	crash_run(1024);
}

static void test_crash_4k(void **state)
{
	(void)state;
	crash_run(4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_1k),
		cmocka_unit_test(test_read_4k),
		cmocka_unit_test(test_ops_1k),
		cmocka_unit_test(test_ops_4k),
		cmocka_unit_test(test_random_1k),
		cmocka_unit_test(test_random_4k),
		cmocka_unit_test(test_random_short),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_bad_dirent),
		cmocka_unit_test(test_htree),
		cmocka_unit_test(test_indirect_loop),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_spare_block),
		cmocka_unit_test(test_prepared_when_full),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_crash_1k),
		cmocka_unit_test(test_crash_4k),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

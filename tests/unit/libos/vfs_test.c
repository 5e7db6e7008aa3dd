/* SPDX-License-Identifier: MIT */
/* The VFS, tmpfs and the descriptor table on the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <fs/fd.h>
#include <fs/tmpfs.h>
#include <fs/vfs.h>
#include <kernel/errno.h>

static struct tmpfs *fs, *tmp;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(tmpfs_create(64 << 10, &fs), 0);
	assert_int_equal(vfs_set_root(tmpfs_root(fs), "tmpfs", 0), 0);
	assert_int_equal(vfs_mkdir(NULL, "/tmp", 0777), 0);
	assert_int_equal(tmpfs_create(64 << 10, &tmp), 0);
	assert_int_equal(vfs_mount("/tmp", tmpfs_root(tmp), "tmpfs", 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fd_reset();
	vfs_reset();
	tmpfs_destroy(tmp);
	tmpfs_destroy(fs);
	return 0;
}

static int create(const char *path)
{
	struct vnode *vn;
	bool created;
	int err = vfs_open_create(NULL, path, VFS_FOLLOW, true, true, 0644, &vn,
				  &created);

	if (!err)
		vnode_put(vn);
	return err;
}

static int lookup(const char *path, unsigned int flags)
{
	struct vnode *vn;
	int err = vfs_lookup(NULL, path, flags, &vn);

	if (!err)
		vnode_put(vn);
	return err;
}

static void test_lookup(void **state)
{
	char name[300];

	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/a", 0755), 0);
	assert_int_equal(create("/a/f"), 0);
	assert_int_equal(lookup("//a///f", 0), 0);
	assert_int_equal(lookup("/a/./../a/f", 0), 0);
	assert_int_equal(lookup("/../../a", 0), 0);
	assert_int_equal(lookup("/a/", 0), 0);
	assert_int_equal(lookup("/a/f/", 0), -ENOTDIR);
	assert_int_equal(lookup("/a/f/x", 0), -ENOTDIR);
	assert_int_equal(lookup("/a/g", 0), -ENOENT);
	assert_int_equal(lookup("", 0), -ENOENT);
	assert_int_equal(create("/a/f"), -EEXIST);
	assert_int_equal(vfs_mkdir(NULL, "/a", 0755), -EEXIST);
	assert_int_equal(vfs_unlink(NULL, "/a"), -EISDIR);
	assert_int_equal(vfs_rmdir(NULL, "/a/f"), -ENOTDIR);
	assert_int_equal(vfs_rmdir(NULL, "/a"), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir(NULL, "/tmp"), -EBUSY);
	memset(name, 'x', sizeof(name));
	name[0] = '/';
	name[299] = '\0';
	assert_int_equal(lookup(name, 0), -ENAMETOOLONG);
	/* Mount crossing both ways. */
	assert_int_equal(create("/tmp/t"), 0);
	assert_int_equal(lookup("/tmp/../a/f", 0), 0);
	assert_int_equal(lookup("/tmp/t/../../tmp/t", 0), -ENOTDIR);
}

static void test_symlinks(void **state)
{
	struct vattr va;
	char buf[16];

	(void)state;
	assert_int_equal(vfs_symlink("loop2", NULL, "/loop1"), 0);
	assert_int_equal(vfs_symlink("loop1", NULL, "/loop2"), 0);
	assert_int_equal(lookup("/loop1", VFS_FOLLOW), -ELOOP);
	assert_int_equal(lookup("/loop1", 0), 0);
	assert_int_equal(vfs_symlink("/tmp", NULL, "/t"), 0);
	assert_int_equal(create("/t/x"), 0);
	assert_int_equal(vfs_stat(NULL, "/t/x", VFS_FOLLOW, &va), 0);
	assert_true(VFS_IS_REG(va.va_mode));
	assert_int_equal(vfs_readlink(NULL, "/t", buf, sizeof(buf)), 4);
	assert_int_equal(vfs_readlink(NULL, "/t/x", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vfs_chdir(NULL, "/t"), 0);
	assert_int_equal(vfs_getcwd(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp");
	assert_int_equal(vfs_getcwd(buf, 3), -ERANGE);
}

static void test_rename_link(void **state)
{
	struct vattr va;

	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/d", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/d/e", 0755), 0);
	assert_int_equal(create("/f"), 0);
	assert_int_equal(vfs_rename(NULL, "/d", NULL, "/d/e/z"), -EINVAL);
	assert_int_equal(vfs_rename(NULL, "/f", NULL, "/d"), -EISDIR);
	assert_int_equal(vfs_rename(NULL, "/d", NULL, "/f"), -ENOTDIR);
	assert_int_equal(vfs_rename(NULL, "/f", NULL, "/tmp/f"), -EXDEV);
	assert_int_equal(vfs_rename(NULL, "/f", NULL, "/d/e/g"), 0);
	assert_int_equal(lookup("/f", 0), -ENOENT);
	assert_int_equal(vfs_link(NULL, "/d/e/g", NULL, "/h", 0), 0);
	assert_int_equal(vfs_stat(NULL, "/h", 0, &va), 0);
	assert_int_equal(va.va_nlink, 2);
	assert_int_equal(vfs_link(NULL, "/d", NULL, "/dd", 0), -EPERM);
	assert_int_equal(vfs_rename(NULL, "/d/e", NULL, "/e2"), 0);
	assert_int_equal(vfs_stat(NULL, "/d", 0, &va), 0);
	assert_int_equal(va.va_nlink, 2);
	assert_int_equal(vfs_unlink(NULL, "/e2/g"), 0);
	assert_int_equal(vfs_stat(NULL, "/h", 0, &va), 0);
	assert_int_equal(va.va_nlink, 1);
}

static int open_file(const char *path, unsigned int flags)
{
	struct vnode *vn;
	struct file *f;
	bool created;
	int fd;

	assert_int_equal(vfs_open_create(NULL, path, VFS_FOLLOW, true, false,
					 0644, &vn, &created),
			 0);
	assert_int_equal(file_open_vnode(vn, flags, &f), 0);
	vnode_put(vn);
	fd = fd_install(f, 0, false);
	assert_true(fd >= 0);
	return fd;
}

/* A removed working directory: its parent may be freed next; lookups in
 * it, ".." included, and new names in it give ENOENT (review finding:
 * ".." used the freed parent). */
static void test_removed_cwd(void **state)
{
	struct vattr va;
	char buf[64];

	(void)state;
	assert_int_equal(vfs_mkdir(NULL, "/a", 0755), 0);
	assert_int_equal(vfs_mkdir(NULL, "/a/b", 0755), 0);
	assert_int_equal(vfs_chdir(NULL, "/a/b"), 0);
	assert_int_equal(vfs_rmdir(NULL, "/a/b"), 0);
	assert_int_equal(vfs_rmdir(NULL, "/a"), 0);
	assert_int_equal(vfs_stat(NULL, "..", 0, &va), -ENOENT);
	assert_int_equal(vfs_chdir(NULL, ".."), -ENOENT);
	assert_int_equal(vfs_mkdir(NULL, "c", 0755), -ENOENT);
	assert_true(vfs_getcwd(buf, sizeof(buf)) < 0);
	assert_int_equal(vfs_chdir(NULL, "/"), 0);
	assert_int_equal(vfs_stat(NULL, "/a", 0, &va), -ENOENT);
}

static void test_fds(void **state)
{
	struct file *f, *g;
	char buf[8];
	int fd, fd2;

	(void)state;
	fd = open_file("/tmp/o", FILE_RDWR);
	assert_int_equal(fd, 0);
	fd2 = open_file("/tmp/o", FILE_RDONLY);
	assert_int_equal(fd2, 1);
	assert_int_equal(fd_get(fd, &f), 0);
	assert_int_equal(file_write(f, "abcdef", 6), 6);
	assert_int_equal(vfs_unlink(NULL, "/tmp/o"), 0);
	file_ref(f);
	assert_int_equal(fd_install(f, 0, false), 2);
	assert_int_equal(fd_get(2, &g), 0);
	assert_int_equal(file_seek(g, 1, 0), 1);
	assert_int_equal(file_read(f, buf, 2), 2);
	assert_memory_equal(buf, "bc", 2);
	assert_int_equal(file_seek(f, -10, 1), -EINVAL);
	assert_int_equal(file_write(f, "x", 1), 1);
	file_put(g);
	assert_int_equal(fd_get(fd2, &g), 0);
	assert_int_equal(file_write(g, "x", 1), -EBADF);
	assert_int_equal(file_read(g, buf, 8), 6);
	file_put(g);
	file_put(f);
	assert_int_equal(fd_close(1), 0);
	assert_int_equal(fd_close(1), -EBADF);
	assert_int_equal(fd_dup2(0, 5, false), 5);
	for (int i = 1; i < FD_MAX; i++)
		if (fd_get_cloexec(i) == -EBADF)
			assert_int_equal(fd_dup2(0, i, false), i);
	assert_int_equal(fd_get(0, &f), 0);
	assert_int_equal(fd_install(f, 0, false), -EMFILE);
	file_put(f);
	fd_reset();
	assert_int_equal(tmpfs_used_bytes(tmp), 0);
}

static void test_enospc(void **state)
{
	static char page[4096];
	struct vnode *vn;
	bool created;
	int64_t off = 0;
	ssize_t n;

	(void)state;
	assert_int_equal(vfs_open_create(NULL, "/tmp/big", VFS_FOLLOW, true,
					 false, 0644, &vn, &created),
			 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vfs_write(vn, page, sizeof(page), &off, false),
				 4096);
	n = vfs_write(vn, page, 1, &off, false);
	assert_int_equal(n, -EFBIG);
	assert_int_equal(vfs_ftruncate(vn, 4096), 0);
	off = 65536 - 4096;
	assert_int_equal(vfs_write(vn, page, 10, &off, false), 10);
	assert_int_equal(vfs_ftruncate(vn, 0), 0);
	assert_int_equal(tmpfs_used_bytes(tmp), 0);
	vnode_put(vn);
	assert_int_equal(create("/tmp/a"), 0);
	assert_int_equal(vfs_open_create(NULL, "/tmp/a", VFS_FOLLOW, false,
					 false, 0, &vn, &created),
			 0);
	for (int i = 0; i < 16; i++) {
		off = i * 4096;
		assert_int_equal(vfs_write(vn, page, 1, &off, false), 1);
	}
	vnode_put(vn);
	assert_int_equal(create("/tmp/b"), 0);
	assert_int_equal(vfs_open_create(NULL, "/tmp/b", VFS_FOLLOW, false,
					 false, 0, &vn, &created),
			 0);
	off = 0;
	assert_int_equal(vfs_write(vn, page, 1, &off, false), -ENOSPC);
	vnode_put(vn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_link, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_removed_cwd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for libos/fs/initrd.c: archives made by tools/mkinitrd (and
 * by the system's cpio when there is one) read back through the index;
 * hostile archives built here by an encoder of our own (truncated at every
 * byte, bad magic, huge sizes, bad padding, names with '..', duplicates,
 * missing parents or trailer, random byte flips) refused with -EINVAL and
 * never read outside the buffer: every archive under test sits in a heap
 * block of exactly its length, so ASan sees any overread.
 */

#include <fs/initrd.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef MKINITRD
#define MKINITRD "tools/mkinitrd"
#endif

/* --- an archive builder independent of the reader ------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void pad(struct buf *b)
{
	static const unsigned char zero[4];

	put(b, zero, (4 - b->len % 4) % 4);
}

/* One entry with explicit namesize/filesize fields (for lying ones). */
static void entry_raw(struct buf *b, const char *magic, uint32_t mode,
		      const char *name, uint32_t namesize, const void *data,
		      size_t datalen, uint32_t filesize, uint32_t check)
{
	char hdr[111];

	snprintf(hdr, sizeof(hdr),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 magic, 1u, mode, 0u, 0u, 1u, 1700000000u, filesize, 0u, 0u, 0u,
		 0u, namesize, check);
	put(b, hdr, 110);
	put(b, name, strlen(name) + 1);
	pad(b);
	put(b, data, datalen);
	pad(b);
}

static void entry(struct buf *b, uint32_t mode, const char *name,
		  const char *data)
{
	size_t n = data ? strlen(data) : 0;

	entry_raw(b, "070701", mode, name, (uint32_t)strlen(name) + 1, data, n,
		  (uint32_t)n, 0);
}

static void trailer(struct buf *b)
{
	entry(b, 0, "TRAILER!!!", NULL);
}

/* A copy of [p, p + len) in a block of exactly len bytes. */
static void *exact(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	assert_non_null(q);
	memcpy(q, p, len);
	return q;
}

/* Opens [p, p + len) from an exact copy; returns initrd_open's code and
 * closes the index. */
static int try_open(const void *p, size_t len, const char **reason)
{
	struct initrd_diag diag = { 0, NULL };
	struct initrd *rd = NULL;
	void *q = exact(p, len);
	int rc = initrd_open_diag(q, len, &rd, &diag);

	if (rc == 0)
		assert_non_null(rd);
	else
		assert_null(rd);
	if (rc == -EINVAL)
		assert_non_null(diag.reason);
	if (reason)
		*reason = diag.reason;
	initrd_close(rd);
	free(q);
	return rc;
}

static int open_buf(struct buf *b)
{
	return try_open(b->p, b->len, NULL);
}

/* A small valid archive: dirs a, a/b, file a/b/f, symlink l, file z. */
static struct buf sample(void)
{
	struct buf b = { 0 };

	entry(&b, 040755, "a", NULL);
	entry(&b, 040700, "a/b", NULL);
	entry(&b, 0100644, "a/b/f", "file data");
	entry(&b, 0120777, "l", "a/b/f");
	entry(&b, 0100600, "z", "");
	trailer(&b);
	return b;
}

/* --- tools/mkinitrd output ------------------------------------------ */

static char tmpdir[64];

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(n ? (size_t)n : 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int setup_tree(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/initrd_test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	sh("cd %s && mkdir -p root/etc/deep/er root/empty && "
	   "printf 'hello\\n' > root/hello.txt && : > root/etc/zero && "
	   "head -c 70000 /dev/urandom > root/etc/deep/er/big.bin && "
	   "ln -s ../hello.txt root/etc/link && chmod 0600 root/etc/zero && "
	   "chmod 0644 root/hello.txt && touch -d @1600000000 root/hello.txt",
	   tmpdir);
	sh("%s -o %s/a.cpio %s/root", MKINITRD, tmpdir, tmpdir);
	/* The same without big.bin, for the byte-by-byte tests. */
	sh("cd %s && cp -a root small && head -c 300 /dev/urandom > "
	   "small/etc/deep/er/big.bin && %s -o small.cpio small",
	   tmpdir, MKINITRD);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	sh("rm -rf %s", tmpdir);
	return 0;
}

static void check_tree(struct initrd *rd, const unsigned char *big,
		       size_t big_len)
{
	const struct initrd_node *n, *c;
	const char *t;
	size_t len;
	static const char *const root_kids[] = { "empty", "etc", "hello.txt" };
	static const char *const etc_kids[] = { "deep", "link", "zero" };
	int i;

	assert_int_equal(initrd_count(rd), 9);
	n = initrd_lookup(rd, "/hello.txt");
	assert_non_null(n);
	assert_int_equal(initrd_node_mode(n), 0100644);
	assert_int_equal(initrd_node_size(n), 6);
	assert_int_equal(initrd_node_mtime(n), 1600000000);
	assert_memory_equal(initrd_node_data(n), "hello\n", 6);
	assert_null(initrd_node_link(n, &len));
	assert_string_equal(initrd_node_name(n), "hello.txt");
	assert_ptr_equal(initrd_parent(rd, n), initrd_root(rd));

	n = initrd_lookup(rd, "etc/zero");
	assert_non_null(n);
	assert_int_equal(initrd_node_mode(n), 0100600);
	assert_int_equal(initrd_node_size(n), 0);

	n = initrd_lookup(rd, "etc//deep/./er/big.bin");
	assert_non_null(n);
	assert_string_equal(initrd_node_path(n), "etc/deep/er/big.bin");
	assert_int_equal(initrd_node_size(n), big_len);
	assert_memory_equal(initrd_node_data(n), big, big_len);
	assert_string_equal(initrd_node_path(initrd_parent(rd, n)),
			    "etc/deep/er");

	n = initrd_lookup(rd, "/etc/link");
	assert_non_null(n);
	assert_int_equal(initrd_node_mode(n) & INITRD_S_IFMT, INITRD_S_IFLNK);
	t = initrd_node_link(n, &len);
	assert_non_null(t);
	assert_int_equal(len, 12);
	assert_memory_equal(t, "../hello.txt", 12);
	assert_null(initrd_node_data(n));

	n = initrd_lookup(rd, "/empty");
	assert_non_null(n);
	assert_null(initrd_first_child(rd, n));
	assert_null(initrd_node_data(n));

	for (c = initrd_first_child(rd, initrd_root(rd)), i = 0; c;
	     c = initrd_next_sibling(rd, c), i++) {
		assert_true(i < 3);
		assert_string_equal(initrd_node_name(c), root_kids[i]);
	}
	assert_int_equal(i, 3);
	n = initrd_lookup(rd, "etc");
	for (c = initrd_first_child(rd, n), i = 0; c;
	     c = initrd_next_sibling(rd, c), i++) {
		assert_true(i < 3);
		assert_string_equal(initrd_node_name(c), etc_kids[i]);
		assert_ptr_equal(initrd_parent(rd, c), n);
	}
	assert_int_equal(i, 3);
	assert_ptr_equal(initrd_lookup(rd, "/"), initrd_root(rd));
	assert_ptr_equal(initrd_lookup(rd, ""), initrd_root(rd));
	assert_ptr_equal(initrd_lookup(rd, "//./"), initrd_root(rd));
	assert_null(initrd_lookup(rd, "etc/../hello.txt"));
	assert_null(initrd_lookup(rd, "hello"));
	assert_null(initrd_lookup(rd, "hello.txt/x"));
	assert_null(initrd_lookup(rd, "etc/deep/er/big.bin2"));
	assert_null(initrd_first_child(rd, initrd_lookup(rd, "hello.txt")));
	assert_null(initrd_next_sibling(rd, initrd_root(rd)));
}

static void test_mkinitrd_tree(void **state)
{
	char path[128];
	unsigned char *a, *big, *q;
	size_t len, big_len;
	struct initrd *rd;

	(void)state;
	snprintf(path, sizeof(path), "%s/a.cpio", tmpdir);
	a = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/root/etc/deep/er/big.bin", tmpdir);
	big = slurp(path, &big_len);
	q = exact(a, len);
	assert_int_equal(initrd_open(q, len, &rd), 0);
	check_tree(rd, big, big_len);
	initrd_close(rd);
	free(q);
	free(a);
	free(big);
}

/* Every proper prefix is refused, and never read past. */
static void test_mkinitrd_truncated(void **state)
{
	char path[128];
	unsigned char *a;
	size_t len, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/small.cpio", tmpdir);
	a = slurp(path, &len);
	for (i = 0; i < len; i++)
		assert_int_equal(try_open(a, i, NULL), -EINVAL);
	assert_int_equal(try_open(a, len, NULL), 0);
	free(a);
}

static void test_mkinitrd_empty(void **state)
{
	char path[128];
	unsigned char *a;
	size_t len;
	struct initrd *rd;

	(void)state;
	snprintf(path, sizeof(path), "%s/e.cpio", tmpdir);
	sh("%s --empty -o %s", MKINITRD, path);
	a = slurp(path, &len);
	assert_int_equal(initrd_open(a, len, &rd), 0);
	assert_int_equal(initrd_count(rd), 1);
	assert_null(initrd_first_child(rd, initrd_root(rd)));
	assert_int_equal(initrd_node_mode(initrd_root(rd)), 040755);
	initrd_close(rd);
	free(a);
}

/* GNU cpio's own newc output ("." and "./name", 512-byte blocks). */
static void test_system_cpio(void **state)
{
	char path[128];
	unsigned char *a, *big;
	size_t len, big_len;
	struct initrd *rd;

	(void)state;
	if (system("command -v cpio >/dev/null 2>&1") != 0)
		skip();
	sh("cd %s/root && find . | LC_ALL=C sort | cpio --quiet -o -H newc "
	   "> ../sys.cpio",
	   tmpdir);
	snprintf(path, sizeof(path), "%s/sys.cpio", tmpdir);
	a = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/root/etc/deep/er/big.bin", tmpdir);
	big = slurp(path, &big_len);
	assert_int_equal(len % 512, 0);
	assert_int_equal(initrd_open(a, len, &rd), 0);
	check_tree(rd, big, big_len);
	initrd_close(rd);
	free(a);
	free(big);
}

/* --- hand-made archives ---------------------------------------------- */

static void test_sample_and_order(void **state)
{
	struct buf b = { 0 };
	struct initrd *rd;
	const struct initrd_node *n;

	(void)state;
	/* Children before parents, "./" prefixes, a "." root entry. */
	entry(&b, 0100644, "./a/b/f", "x");
	entry(&b, 040700, "a/b", NULL);
	entry(&b, 040711, ".", NULL);
	entry(&b, 040755, "./a", NULL);
	entry(&b, 0100644, "a.c", "y");
	entry(&b, 0100644, "a\x01", "w");
	trailer(&b);
	assert_int_equal(initrd_open(b.p, b.len, &rd), 0);
	assert_int_equal(initrd_count(rd), 6);
	assert_int_equal(initrd_node_mode(initrd_root(rd)), 040711);
	n = initrd_lookup(rd, "a/b/f");
	assert_non_null(n);
	assert_memory_equal(initrd_node_data(n), "x", 1);
	n = initrd_first_child(rd, initrd_root(rd));
	assert_string_equal(initrd_node_path(n), "a");
	n = initrd_next_sibling(rd, n);
	assert_string_equal(initrd_node_path(n), "a\x01");
	n = initrd_next_sibling(rd, n);
	assert_string_equal(initrd_node_path(n), "a.c");
	assert_null(initrd_next_sibling(rd, n));
	assert_non_null(initrd_lookup(rd, "a\x01"));
	/* Queries are normalised on the fly. */
	n = initrd_lookup(rd, "a/b/f");
	assert_ptr_equal(initrd_lookup(rd, "./a/./b//f"), n);
	assert_ptr_equal(initrd_lookup(rd, "//a/b/f/"), n);
	assert_ptr_equal(initrd_lookup(rd, "a/b/f/."), n);
	assert_ptr_equal(initrd_lookup(rd, "a/b/"), initrd_parent(rd, n));
	assert_null(initrd_lookup(rd, "a/b/f/.."));
	assert_null(initrd_lookup(rd, "a/b/f/x"));
	assert_null(initrd_lookup(rd, "a/b/f..."));
	assert_null(initrd_lookup(rd, "a/b."));
	assert_null(initrd_lookup(rd, "a/.b"));
	assert_null(initrd_lookup(rd, "ab"));
	assert_null(initrd_lookup(rd, "a/b/f/f"));
	initrd_close(rd);
	free(b.p);
}

static void test_bad_magic(void **state)
{
	struct buf b = sample();
	const char *why;
	static const char *const bad[] = { "070707", "070700", "170701",
					   "07070a" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b.p, bad[i], 6);
		assert_int_equal(try_open(b.p, b.len, &why), -EINVAL);
		assert_string_equal(why, "bad magic (not cpio newc)");
	}
	free(b.p);
	assert_int_equal(try_open("", 0, &why), -EINVAL);
}

static void test_crc_format(void **state)
{
	struct buf b = { 0 };
	uint32_t sum = 'a' + 'b' + 'c';

	(void)state;
	entry_raw(&b, "070702", 0100644, "f", 2, "abc", 3, 3, sum);
	trailer(&b);
	assert_int_equal(open_buf(&b), 0);
	free(b.p);
	b = (struct buf){ 0 };
	entry_raw(&b, "070702", 0100644, "f", 2, "abc", 3, 3, sum + 1);
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	/* Only regular files are summed (GNU cpio writes 0 for others). */
	b = (struct buf){ 0 };
	entry_raw(&b, "070702", 0120777, "l", 2, "abc", 3, 3, 0);
	trailer(&b);
	assert_int_equal(open_buf(&b), 0);
	free(b.p);
}

static void test_bad_hex(void **state)
{
	struct buf b = sample();
	size_t f;

	(void)state;
	for (f = 6; f < 110; f += 8) {
		unsigned char save = b.p[f + 3];

		b.p[f + 3] = 'g';
		assert_int_equal(open_buf(&b), -EINVAL);
		b.p[f + 3] = ' ';
		assert_int_equal(open_buf(&b), -EINVAL);
		b.p[f + 3] = save;
	}
	assert_int_equal(open_buf(&b), 0);
	free(b.p);
}

static void test_huge_sizes(void **state)
{
	static const uint32_t sizes[] = { 0xFFFFFFFFu, 0x80000000u, 0x10000u,
					  1000 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct buf b = { 0 };

		entry_raw(&b, "070701", 0100644, "f", 2, "data", 4, sizes[i],
			  0);
		trailer(&b);
		assert_int_equal(open_buf(&b), -EINVAL);
		free(b.p);
		b = (struct buf){ 0 };
		entry_raw(&b, "070701", 0100644, "f", sizes[i], "data", 4, 4,
			  0);
		trailer(&b);
		assert_int_equal(open_buf(&b), -EINVAL);
		free(b.p);
	}
}

static void test_namesize_lies(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 3, 4 };
	size_t i;

	(void)state;
	/* "f\0" written; namesize claims otherwise: no NUL at the end, or
	 * a NUL inside, or too short to hold a name. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct buf b = { 0 };

		entry_raw(&b, "070701", 0100644, "f", sizes[i], "", 0, 0, 0);
		trailer(&b);
		assert_int_equal(open_buf(&b), -EINVAL);
		free(b.p);
	}
}

static void test_bad_padding(void **state)
{
	struct buf b = { 0 };
	const char *why;

	(void)state;
	/* header 110 + "ab\0" = 113: 3 bytes of name padding; data "x"
	 * then 3 bytes of data padding. */
	entry(&b, 0100644, "ab", "x");
	trailer(&b);
	assert_int_equal(open_buf(&b), 0);
	b.p[114] = 1;
	assert_int_equal(try_open(b.p, b.len, &why), -EINVAL);
	assert_string_equal(why, "non-zero name padding");
	b.p[114] = 0;
	b.p[118] = 'x';
	assert_int_equal(try_open(b.p, b.len, &why), -EINVAL);
	assert_string_equal(why, "non-zero data padding");
	free(b.p);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = { "..",   "../x",  "a/../b", "a/..",
					   "/abs", "/",	    "a//b",   "a/",
					   "a/.",  "a/./b", "./../x", ".//a",
					   "./.",  "x/" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf b = { 0 };
		const char *why = NULL;

		entry(&b, 040755, "a", NULL);
		entry(&b, 040755, "x", NULL);
		entry(&b, 0100644, bad[i], "z");
		trailer(&b);
		assert_int_equal(try_open(b.p, b.len, &why), -EINVAL);
		free(b.p);
	}
}

static void test_structure(void **state)
{
	struct buf b;
	const char *why;

	(void)state;
	/* The same name twice. */
	b = (struct buf){ 0 };
	entry(&b, 0100644, "f", "1");
	entry(&b, 0100644, "./f", "2");
	trailer(&b);
	assert_int_equal(try_open(b.p, b.len, &why), -EINVAL);
	assert_string_equal(why, "the same name twice");
	free(b.p);
	/* Two root entries. */
	b = (struct buf){ 0 };
	entry(&b, 040755, ".", NULL);
	entry(&b, 040755, "./", NULL);
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	/* A missing parent; a file as a parent. */
	b = (struct buf){ 0 };
	entry(&b, 0100644, "d/f", "1");
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry(&b, 0100644, "d", "1");
	entry(&b, 0100644, "d/f", "1");
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	/* Kinds: device, FIFO, socket; a directory with data; symlinks with
	 * no target or a NUL in it; a root that is a file. */
	b = (struct buf){ 0 };
	entry(&b, 020644, "tty", NULL);
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry(&b, 010644, "fifo", NULL);
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry(&b, 0140644, "sock", NULL);
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry(&b, 040755, "d", "data");
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry(&b, 0120777, "l", "");
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry_raw(&b, "070701", 0120777, "l", 2, "a\0b", 3, 3, 0);
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
	b = (struct buf){ 0 };
	entry(&b, 0100644, ".", "x");
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
}

static void test_trailer(void **state)
{
	struct buf b = sample();
	const char *why;
	size_t full = b.len;
	static const unsigned char zeros[512];

	(void)state;
	/* No trailer at all. */
	assert_int_equal(try_open(b.p, full - 124, &why), -EINVAL);
	/* Zero blocks after it are fine; anything else is not. */
	put(&b, zeros, sizeof(zeros));
	assert_int_equal(open_buf(&b), 0);
	b.p[full + 100] = 7;
	assert_int_equal(try_open(b.p, b.len, &why), -EINVAL);
	assert_string_equal(why, "data after the trailer");
	free(b.p);
	/* Only a trailer: an empty root. */
	b = (struct buf){ 0 };
	trailer(&b);
	assert_int_equal(open_buf(&b), 0);
	free(b.p);
}

static void test_long_names(void **state)
{
	char name[4100];
	struct buf b = { 0 };

	(void)state;
	memset(name, 'n', sizeof(name));
	name[4095] = '\0';
	entry(&b, 0100644, name, "x");
	trailer(&b);
	assert_int_equal(open_buf(&b), 0);
	free(b.p);
	b = (struct buf){ 0 };
	name[4095] = 'n';
	name[4096] = '\0';
	entry(&b, 0100644, name, "x");
	trailer(&b);
	assert_int_equal(open_buf(&b), -EINVAL);
	free(b.p);
}

/* Reads every byte a node exposes; returns the number of nodes below. */
static size_t walk(const struct initrd *rd, const struct initrd_node *dir,
		   unsigned int *sum)
{
	const struct initrd_node *c;
	size_t n = 1, i, len;

	for (c = initrd_first_child(rd, dir); c;
	     c = initrd_next_sibling(rd, c)) {
		const unsigned char *d = initrd_node_data(c);
		const char *t = initrd_node_link(c, &len);

		assert_ptr_equal(initrd_parent(rd, c), dir);
		assert_ptr_equal(initrd_lookup(rd, initrd_node_path(c)), c);
		for (i = 0; d && i < initrd_node_size(c); i++)
			*sum += d[i];
		for (i = 0; t && i < len; i++)
			*sum += (unsigned char)t[i];
		n += walk(rd, c, sum);
	}
	return n;
}

/* Random byte flips: open succeeds or fails cleanly, and whatever it
 * accepts can be walked and read whole. */
static void test_random_flips(void **state)
{
	char path[128];
	unsigned char *a, *q;
	size_t len;
	unsigned int seed = 12345, sum = 0;
	int round, accepted = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/small.cpio", tmpdir);
	a = slurp(path, &len);
	for (round = 0; round < 20000; round++) {
		struct initrd *rd;
		int flips = 1 + (int)(rand_r(&seed) % 4), i, rc;

		q = exact(a, len);
		for (i = 0; i < flips; i++) {
			size_t off = (size_t)rand_r(&seed) % len;

			q[off] ^= (unsigned char)(1 + rand_r(&seed) % 255);
		}
		rc = initrd_open(q, len, &rd);
		assert_true(rc == 0 || rc == -EINVAL);
		if (rc == 0) {
			accepted++;
			assert_int_equal(walk(rd, initrd_root(rd), &sum),
					 initrd_count(rd));
			initrd_close(rd);
		}
		free(q);
	}
	/* Flips in file data leave a valid archive. */
	assert_true(accepted > 0);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkinitrd_tree),
		cmocka_unit_test(test_mkinitrd_truncated),
		cmocka_unit_test(test_mkinitrd_empty),
		cmocka_unit_test(test_system_cpio),
		cmocka_unit_test(test_sample_and_order),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_crc_format),
		cmocka_unit_test(test_bad_hex),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_namesize_lies),
		cmocka_unit_test(test_bad_padding),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_random_flips),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}

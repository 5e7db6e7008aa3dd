/* SPDX-License-Identifier: MIT */
/*
 * The initrd reader (<fs/initrd.h>). initrd_open() makes two passes over
 * the archive: the first validates every header and counts the entries,
 * the second fills an array of nodes, which is then sorted by path with
 * '/' ordered below every other byte, so that a directory's whole subtree
 * follows it contiguously. One more pass over the sorted array checks
 * duplicates and parents with a stack of open directories and records
 * each node's subtree end and parent: children are then reached by
 * jumping from one subtree end to the next, and lookup is a binary search.
 */
#include <fs/initrd.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN 110
#define FIELD_LEN 8
#define NAME_MAX_LEN 4095 /* bytes, without the NUL */
#define LINK_MAX_LEN 4095
#define TRAILER "TRAILER!!!"

/* Header fields, in order after the 6-byte magic. */
enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_COUNT
};

struct initrd_node {
	const char *path; /* in the archive; "" for the root */
	const char *name; /* last component of path */
	const unsigned char *data;
	uint32_t size;
	uint32_t mode;
	uint32_t mtime;
	uint32_t end; /* index one past the last node of the subtree */
	uint32_t parent; /* index of the parent; the root's is 0 */
	uint32_t ino;
	size_t off; /* of its header, for diagnostics */
};

struct initrd {
	size_t count;
	struct initrd_node *nodes; /* nodes[0] is the root */
};

/* One parsed header: where its name and data lie. */
struct entry {
	uint32_t f[F_COUNT];
	const char *name; /* NUL-terminated inside the archive */
	size_t data_off;
	size_t next_off; /* of the next header */
};

static int fail(struct initrd_diag *diag, size_t off, const char *reason)
{
	if (diag) {
		diag->offset = off;
		diag->reason = reason;
	}
	return -EINVAL;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static bool parse_hex(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < FIELD_LEN; i++) {
		unsigned char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Strips "./" prefixes; "." alone becomes "". */
static const char *strip_dot(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (name[0] == '.' && name[1] == '\0')
		return name + 1;
	return name;
}

/* A normalised relative name: non-empty components, none "." or "..". */
static bool name_ok(const char *name)
{
	const char *c = name;

	if (*name == '\0')
		return true; /* the root */
	for (;;) {
		const char *e = c;

		while (*e && *e != '/')
			e++;
		if (e == c)
			return false; /* leading, trailing or doubled '/' */
		if (e - c == 1 && c[0] == '.')
			return false;
		if (e - c == 2 && c[0] == '.' && c[1] == '.')
			return false;
		if (*e == '\0')
			return true;
		c = e + 1;
	}
}

/* Parses and checks the header at off; *e describes it on success. */
static int parse_entry(const unsigned char *a, size_t len, size_t off,
		       struct entry *e, struct initrd_diag *diag)
{
	const unsigned char *h = a + off;
	size_t name_end, data_end;
	int i;

	if (len - off < HDR_LEN)
		return fail(diag, off, "truncated header (no trailer?)");
	if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
		return fail(diag, off, "bad magic (not cpio newc)");
	for (i = 0; i < F_COUNT; i++)
		if (!parse_hex(h + 6 + i * FIELD_LEN, &e->f[i]))
			return fail(diag, off + 6 + i * FIELD_LEN,
				    "bad hex digit in a header field");
	if (e->f[F_NAMESIZE] < 2 || e->f[F_NAMESIZE] > NAME_MAX_LEN + 1)
		return fail(diag, off, "name size out of range");
	if (e->f[F_NAMESIZE] > len - off - HDR_LEN)
		return fail(diag, off, "name runs past the end");
	e->name = (const char *)h + HDR_LEN;
	if (e->name[e->f[F_NAMESIZE] - 1] != '\0' ||
	    memchr(e->name, '\0', e->f[F_NAMESIZE] - 1))
		return fail(diag, off, "name not NUL-terminated or holds NUL");
	name_end = off + HDR_LEN + e->f[F_NAMESIZE];
	e->data_off = pad4(name_end);
	if (e->data_off > len)
		return fail(diag, off, "name padding runs past the end");
	if (!all_zero(a + name_end, e->data_off - name_end))
		return fail(diag, name_end, "non-zero name padding");
	if (e->f[F_FILESIZE] > len - e->data_off)
		return fail(diag, off, "file size runs past the end");
	data_end = e->data_off + e->f[F_FILESIZE];
	e->next_off = pad4(data_end);
	if (e->next_off > len)
		return fail(diag, data_end, "data padding runs past the end");
	if (!all_zero(a + data_end, e->next_off - data_end))
		return fail(diag, data_end, "non-zero data padding");
	/* 070702 sums regular files' bytes (others carry 0, as GNU cpio). */
	if (h[5] == '2' && (e->f[F_MODE] & INITRD_S_IFMT) == INITRD_S_IFREG) {
		uint32_t sum = 0;
		size_t j;

		for (j = 0; j < e->f[F_FILESIZE]; j++)
			sum += a[e->data_off + j];
		if (sum != e->f[F_CHECK])
			return fail(diag, off, "070702 checksum mismatch");
	}
	return 0;
}

/* Checks an entry's kind and name; fills *n (not end/parent/ino). */
static int make_node(const unsigned char *a, size_t off, const struct entry *e,
		     struct initrd_node *n, struct initrd_diag *diag)
{
	uint32_t type = e->f[F_MODE] & INITRD_S_IFMT;
	const char *slash;

	n->path = strip_dot(e->name);
	if (!name_ok(n->path))
		return fail(diag, off,
			    "name not normalised (empty, '.' or '..' "
			    "component, or absolute)");
	slash = strrchr(n->path, '/');
	n->name = slash ? slash + 1 : n->path;
	n->mode = e->f[F_MODE] & (INITRD_S_IFMT | 07777);
	n->mtime = e->f[F_MTIME];
	n->size = e->f[F_FILESIZE];
	n->data = a + e->data_off;
	switch (type) {
	case INITRD_S_IFREG:
		break;
	case INITRD_S_IFDIR:
		if (n->size)
			return fail(diag, off, "directory with data");
		break;
	case INITRD_S_IFLNK:
		if (n->size == 0 || n->size > LINK_MAX_LEN ||
		    memchr(n->data, '\0', n->size))
			return fail(diag, off, "bad symlink target");
		break;
	default:
		return fail(diag, off,
			    "not a regular file, directory or symlink");
	}
	if (n->path[0] == '\0' && type != INITRD_S_IFDIR)
		return fail(diag, off, "the root is not a directory");
	return 0;
}

/* A byte's rank: NUL, then '/', then every other byte in order. */
static unsigned int rank(char c)
{
	unsigned int u = (unsigned char)c;

	return u == '/' ? 1 : u ? u + 1 : 0;
}

/* Byte order with '/' below every other byte: a subtree is contiguous. */
static int path_cmp(const char *x, const char *y)
{
	for (;; x++, y++) {
		unsigned int cx = rank(*x), cy = rank(*y);

		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (cx == 0)
			return 0;
	}
}

static int node_cmp(const void *x, const void *y)
{
	const struct initrd_node *a = x, *b = y;

	return path_cmp(a->path, b->path);
}

/* True when path lies strictly under dir ("" is the root). */
static bool is_under(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (n == 0)
		return path[0] != '\0';
	return strncmp(dir, path, n) == 0 && path[n] == '/';
}

/* Links the sorted nodes: duplicates, parents, subtree ends. */
static int link_nodes(struct initrd *rd, uint32_t *stack,
		      struct initrd_diag *diag)
{
	size_t i, depth = 0;

	stack[depth++] = 0;
	for (i = 1; i < rd->count; i++) {
		struct initrd_node *n = &rd->nodes[i];
		struct initrd_node *top;

		if (path_cmp(n->path, rd->nodes[i - 1].path) == 0)
			return fail(diag, n->off, "the same name twice");
		while (!is_under(rd->nodes[stack[depth - 1]].path, n->path))
			rd->nodes[stack[--depth]].end = (uint32_t)i;
		top = &rd->nodes[stack[depth - 1]];
		/* The parent must be the deepest open directory itself. */
		if (n->name !=
		    n->path + (top->path[0] ? strlen(top->path) + 1 : 0))
			return fail(diag, n->off,
				    "parent directory missing or not a "
				    "directory");
		n->parent = stack[depth - 1];
		n->end = (uint32_t)i + 1;
		if ((n->mode & INITRD_S_IFMT) == INITRD_S_IFDIR)
			stack[depth++] = (uint32_t)i;
	}
	while (depth)
		rd->nodes[stack[--depth]].end = (uint32_t)rd->count;
	return 0;
}

int initrd_open_diag(const void *archive, size_t len, struct initrd **out,
		     struct initrd_diag *diag)
{
	const unsigned char *a = archive;
	struct initrd *rd;
	struct entry e;
	size_t off, n = 0, i;
	bool have_root = false;
	uint32_t *stack;
	int rc;

	*out = NULL;
	if (!a && len)
		return fail(diag, 0, "no archive");
	/* Pass 1: every header, up to the trailer. */
	for (off = 0;; off = e.next_off) {
		rc = parse_entry(a, len, off, &e, diag);
		if (rc)
			return rc;
		if (strcmp(e.name, TRAILER) == 0)
			break;
		if (++n >= UINT32_MAX)
			return fail(diag, off, "too many entries");
	}
	if (!all_zero(a + e.next_off, len - e.next_off))
		return fail(diag, e.next_off, "data after the trailer");

	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->nodes = calloc(n + 1, sizeof(*rd->nodes));
	stack = calloc(n + 1, sizeof(*stack));
	if (!rd->nodes || !stack) {
		rc = -ENOMEM;
		goto out_free;
	}
	rd->nodes[0] = (struct initrd_node){
		.path = "",
		.name = "",
		.mode = INITRD_S_IFDIR | 0755,
	};
	rd->count = 1;
	/* Pass 2: the nodes. */
	for (off = 0;; off = e.next_off) {
		struct initrd_node node;

		parse_entry(a, len, off, &e, NULL); /* checked in pass 1 */
		if (strcmp(e.name, TRAILER) == 0)
			break;
		rc = make_node(a, off, &e, &node, diag);
		if (rc)
			goto out_free;
		node.off = off;
		if (node.path[0] == '\0') {
			if (have_root) {
				rc = fail(diag, off, "the same name twice");
				goto out_free;
			}
			have_root = true;
			node.path = node.name = "";
			rd->nodes[0].mode = node.mode;
			rd->nodes[0].mtime = node.mtime;
			continue;
		}
		rd->nodes[rd->count++] = node;
	}
	qsort(rd->nodes + 1, rd->count - 1, sizeof(*rd->nodes), node_cmp);
	rc = link_nodes(rd, stack, diag);
	if (rc)
		goto out_free;
	for (i = 0; i < rd->count; i++)
		rd->nodes[i].ino = (uint32_t)i + 1;
	free(stack);
	*out = rd;
	return 0;

out_free:
	free(stack);
	free(rd->nodes);
	free(rd);
	return rc;
}

int initrd_open(const void *archive, size_t len, struct initrd **out)
{
	return initrd_open_diag(archive, len, out, NULL);
}

void initrd_close(struct initrd *rd)
{
	if (!rd)
		return;
	free(rd->nodes);
	free(rd);
}

size_t initrd_count(const struct initrd *rd)
{
	return rd->count;
}

const struct initrd_node *initrd_root(const struct initrd *rd)
{
	return &rd->nodes[0];
}

/* Skips '/' runs and "." components: to the next real component. */
static const char *skip_empty(const char *p)
{
	for (;;) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && (p[1] == '/' || p[1] == '\0')) {
			p++;
			continue;
		}
		return p;
	}
}

/* A query path read as its normalised form, one byte rank at a time
 * (no copy: lookups run on small task stacks). */
struct query {
	const char *p;
	bool at_start; /* p is at a component boundary */
	bool emitted; /* a component was produced already */
	bool sep_done; /* the '/' before the next component was produced */
};

static unsigned int query_next(struct query *q)
{
	char c;

	if (q->at_start) {
		q->p = skip_empty(q->p);
		if (*q->p == '\0')
			return 0;
		if (q->emitted && !q->sep_done) {
			q->sep_done = true;
			return rank('/');
		}
		q->at_start = false;
		q->sep_done = false;
		q->emitted = true;
	}
	c = *q->p++;
	if (*q->p == '/' || *q->p == '\0')
		q->at_start = true;
	return rank(c);
}

static int query_cmp(const char *query, const char *path)
{
	struct query q = { query, true, false, false };

	for (;; path++) {
		unsigned int cq = query_next(&q), cp = rank(*path);

		if (cq != cp)
			return cq < cp ? -1 : 1;
		if (cq == 0)
			return 0;
	}
}

/* True when a component of path is "..". */
static bool has_dotdot(const char *path)
{
	const char *c = path;

	while (*c) {
		const char *e = c;

		while (*e && *e != '/')
			e++;
		if (e - c == 2 && c[0] == '.' && c[1] == '.')
			return true;
		c = *e ? e + 1 : e;
	}
	return false;
}

const struct initrd_node *initrd_lookup(const struct initrd *rd,
					const char *path)
{
	size_t lo, hi;

	if (!rd || !path || has_dotdot(path))
		return NULL;
	if (*skip_empty(path) == '\0')
		return &rd->nodes[0];
	lo = 1;
	hi = rd->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = query_cmp(path, rd->nodes[mid].path);

		if (c == 0)
			return &rd->nodes[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static size_t index_of(const struct initrd *rd, const struct initrd_node *n)
{
	return (size_t)(n - rd->nodes);
}

const struct initrd_node *initrd_first_child(const struct initrd *rd,
					     const struct initrd_node *dir)
{
	size_t i = index_of(rd, dir);

	if ((dir->mode & INITRD_S_IFMT) != INITRD_S_IFDIR || dir->end <= i + 1)
		return NULL;
	return &rd->nodes[i + 1];
}

const struct initrd_node *initrd_next_sibling(const struct initrd *rd,
					      const struct initrd_node *node)
{
	size_t i = index_of(rd, node);

	if (i == 0 || node->end >= rd->nodes[node->parent].end)
		return NULL;
	return &rd->nodes[node->end];
}

const struct initrd_node *initrd_parent(const struct initrd *rd,
					const struct initrd_node *node)
{
	return &rd->nodes[node->parent];
}

const char *initrd_node_path(const struct initrd_node *node)
{
	return node->path;
}

const char *initrd_node_name(const struct initrd_node *node)
{
	return node->name;
}

uint32_t initrd_node_mode(const struct initrd_node *node)
{
	return node->mode;
}

uint64_t initrd_node_size(const struct initrd_node *node)
{
	return node->size;
}

int64_t initrd_node_mtime(const struct initrd_node *node)
{
	return node->mtime;
}

unsigned long initrd_node_ino(const struct initrd_node *node)
{
	return node->ino;
}

const void *initrd_node_data(const struct initrd_node *node)
{
	if ((node->mode & INITRD_S_IFMT) != INITRD_S_IFREG)
		return NULL;
	return node->data;
}

const char *initrd_node_link(const struct initrd_node *node, size_t *len)
{
	if ((node->mode & INITRD_S_IFMT) != INITRD_S_IFLNK)
		return NULL;
	if (len)
		*len = node->size;
	return (const char *)node->data;
}

/* SPDX-License-Identifier: MIT */
/* tmpfs (<fs/tmpfs.h>): the vnode ops of a filesystem in memory. */
#include <fs/tmpfs.h>

#include <stdlib.h>
#include <string.h>

#include <fs/vfs.h>
#include <kernel/errno.h>

#define TMPFS_PAGE 4096u

struct tmpfs_node;

/* Locking: [G] the VFS lock, for every field below. */
struct tmpfs_dirent {
	struct tmpfs_dirent *te_next; /* [G] in te_cookie order */
	struct tmpfs_node *te_node; /* [G] */
	uint64_t te_cookie; /* [G] readdir position, from 2 */
	size_t te_len; /* [G] */
	char te_name[]; /* [G] not NUL-terminated */
};

struct tmpfs_node {
	struct vnode tn_vn;
	struct tmpfs *tn_fs; /* [I] */
	uint64_t tn_ino; /* [I] */
	uint32_t tn_mode; /* [G] */
	uint32_t tn_nlink; /* [G] */
	int64_t tn_size; /* [G] */
	struct timespec tn_atime, tn_mtime, tn_ctime; /* [G] */
	/* directories */
	struct tmpfs_node *tn_parent; /* [G] */
	struct tmpfs_dirent *tn_entries; /* [G] */
	uint64_t tn_next_cookie; /* [G] */
	/* regular files: tn_pages[i] holds bytes [i * 4K, (i + 1) * 4K) */
	void **tn_pages; /* [G] NULL entries are holes */
	size_t tn_npages; /* [G] length of tn_pages */
	/* symlinks */
	char *tn_target; /* [G] NUL-terminated */
};

struct tmpfs {
	struct vfs_super tf_sb;
	uint64_t tf_max_bytes; /* [I] */
	uint64_t tf_used_bytes; /* [G] */
	uint64_t tf_next_ino; /* [G] */
	struct tmpfs_node *tf_root; /* [I] */
};

static const struct vnode_ops tmpfs_ops;

static struct tmpfs_node *tnode(struct vnode *vn)
{
	return container_of(vn, struct tmpfs_node, tn_vn);
}

static void touch(struct tmpfs_node *n, bool mtime)
{
	vfs_now(&n->tn_ctime);
	if (mtime)
		n->tn_mtime = n->tn_ctime;
}

/* Every allocation that grows with the content (nodes, names, page
 * indexes, pages, symlink targets) is charged before it is made, so the
 * size bound limits the memory a tmpfs holds, not only its data. */
static int charge(struct tmpfs *fs, uint64_t bytes)
{
	if (bytes > fs->tf_max_bytes - fs->tf_used_bytes)
		return -ENOSPC;
	fs->tf_used_bytes += bytes;
	return 0;
}

static void uncharge(struct tmpfs *fs, uint64_t bytes)
{
	fs->tf_used_bytes -= bytes;
}

static size_t dirent_bytes(size_t len)
{
	return sizeof(struct tmpfs_dirent) + len;
}

static struct tmpfs_node *node_new(struct tmpfs *fs, uint32_t mode)
{
	struct tmpfs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	vnode_init(&n->tn_vn, &tmpfs_ops, &fs->tf_sb, mode & VFS_IFMT);
	n->tn_fs = fs;
	n->tn_ino = fs->tf_next_ino++;
	n->tn_mode = mode;
	n->tn_nlink = 1;
	n->tn_next_cookie = 2;
	vfs_now(&n->tn_atime);
	n->tn_mtime = n->tn_ctime = n->tn_atime;
	return n;
}

static void free_pages_from(struct tmpfs_node *n, size_t first)
{
	for (size_t i = first; i < n->tn_npages; i++) {
		if (n->tn_pages[i]) {
			free(n->tn_pages[i]);
			n->tn_pages[i] = NULL;
			uncharge(n->tn_fs, TMPFS_PAGE);
		}
	}
}

/* Frees every page and the page index itself. */
static void free_index(struct tmpfs_node *n)
{
	free_pages_from(n, 0);
	free(n->tn_pages);
	uncharge(n->tn_fs, n->tn_npages * sizeof(*n->tn_pages));
	n->tn_pages = NULL;
	n->tn_npages = 0;
}

static void node_free(struct tmpfs_node *n)
{
	free_index(n);
	if (n->tn_target)
		uncharge(n->tn_fs, strlen(n->tn_target) + 1);
	free(n->tn_target);
	/* The root is the instance's fixed cost, never charged. */
	if (n != n->tn_fs->tf_root)
		uncharge(n->tn_fs, sizeof(*n));
	free(n);
}

/* Frees n if nothing names or references it any more. */
static void node_maybe_free(struct tmpfs_node *n)
{
	if (!n->tn_nlink &&
	    !__atomic_load_n(&n->tn_vn.v_refs, __ATOMIC_ACQUIRE))
		node_free(n);
}

static struct tmpfs_dirent **find(struct tmpfs_node *dir, const char *name,
				  size_t len)
{
	struct tmpfs_dirent **pp;

	for (pp = &dir->tn_entries; *pp; pp = &(*pp)->te_next)
		if ((*pp)->te_len == len && !memcmp((*pp)->te_name, name, len))
			return pp;
	return NULL;
}

static int add_entry(struct tmpfs_node *dir, const char *name, size_t len,
		     struct tmpfs_node *n)
{
	struct tmpfs_dirent *e, **pp;

	/* A removed directory takes no new names (its parent may be gone:
	 * review finding), as on Linux. */
	if (!dir->tn_nlink)
		return -ENOENT;
	if (charge(dir->tn_fs, dirent_bytes(len)))
		return -ENOSPC;
	e = malloc(dirent_bytes(len));
	if (!e) {
		uncharge(dir->tn_fs, dirent_bytes(len));
		return -ENOMEM;
	}
	e->te_node = n;
	e->te_len = len;
	memcpy(e->te_name, name, len);
	e->te_cookie = dir->tn_next_cookie++;
	e->te_next = NULL;
	for (pp = &dir->tn_entries; *pp; pp = &(*pp)->te_next)
		;
	*pp = e;
	touch(dir, true);
	return 0;
}

/* Removes *pp from dir and returns its node. */
static struct tmpfs_node *del_entry(struct tmpfs_node *dir,
				    struct tmpfs_dirent **pp)
{
	struct tmpfs_dirent *e = *pp;
	struct tmpfs_node *n = e->te_node;

	*pp = e->te_next;
	uncharge(dir->tn_fs, dirent_bytes(e->te_len));
	free(e);
	touch(dir, true);
	return n;
}

static int tmpfs_lookup(struct vnode *dvn, const char *name, size_t len,
			struct vnode **out)
{
	struct tmpfs_node *dir = tnode(dvn), *n;
	struct tmpfs_dirent **pp;

	if (!dir->tn_nlink)
		return -ENOENT; /* removed: not even ".." */
	if (len == 2 && !memcmp(name, "..", 2)) {
		n = dir->tn_parent ? dir->tn_parent : dir;
	} else {
		pp = find(dir, name, len);
		if (!pp)
			return -ENOENT;
		n = (*pp)->te_node;
	}
	vnode_ref(&n->tn_vn);
	*out = &n->tn_vn;
	return 0;
}

/* A new node of mode named (name, len) in dir. */
static int make(struct tmpfs_node *dir, const char *name, size_t len,
		uint32_t mode, struct tmpfs_node **out)
{
	struct tmpfs *fs = dir->tn_fs;
	struct tmpfs_node *n;
	int err;

	err = charge(fs, sizeof(*n));
	if (err)
		return err;
	n = node_new(fs, mode);
	if (!n) {
		err = -ENOMEM;
		goto err_uncharge;
	}
	err = add_entry(dir, name, len, n);
	if (err)
		goto err_free;
	*out = n;
	return 0;
err_free:
	free(n);
err_uncharge:
	uncharge(fs, sizeof(*n));
	return err;
}

static int tmpfs_create_op(struct vnode *dvn, const char *name, size_t len,
			   uint32_t mode, struct vnode **out)
{
	struct tmpfs_node *n;
	int err = make(tnode(dvn), name, len, mode, &n);

	if (err)
		return err;
	vnode_ref(&n->tn_vn);
	*out = &n->tn_vn;
	return 0;
}

static int tmpfs_mkdir(struct vnode *dvn, const char *name, size_t len,
		       uint32_t mode)
{
	struct tmpfs_node *dir = tnode(dvn), *n;
	int err = make(dir, name, len, mode, &n);

	if (err)
		return err;
	n->tn_nlink = 2;
	n->tn_parent = dir;
	dir->tn_nlink++;
	return 0;
}

/* Drops one name of n (found under dir). */
static void drop_name(struct tmpfs_node *dir, struct tmpfs_node *n)
{
	if (VFS_IS_DIR(n->tn_mode)) {
		dir->tn_nlink--;
		n->tn_nlink = 0;
		n->tn_parent = NULL; /* not counted: the parent may go next */
	} else {
		n->tn_nlink--;
	}
	touch(n, false);
	node_maybe_free(n);
}

static int tmpfs_unlink(struct vnode *dvn, const char *name, size_t len)
{
	struct tmpfs_node *dir = tnode(dvn);
	struct tmpfs_dirent **pp = find(dir, name, len);

	if (!pp)
		return -ENOENT;
	if (VFS_IS_DIR((*pp)->te_node->tn_mode))
		return -EISDIR;
	drop_name(dir, del_entry(dir, pp));
	return 0;
}

static int tmpfs_rmdir(struct vnode *dvn, const char *name, size_t len)
{
	struct tmpfs_node *dir = tnode(dvn);
	struct tmpfs_dirent **pp = find(dir, name, len);

	if (!pp)
		return -ENOENT;
	if (!VFS_IS_DIR((*pp)->te_node->tn_mode))
		return -ENOTDIR;
	if ((*pp)->te_node->tn_entries)
		return -ENOTEMPTY;
	drop_name(dir, del_entry(dir, pp));
	return 0;
}

static int tmpfs_rename(struct vnode *odvn, const char *oname, size_t olen,
			struct vnode *ndvn, const char *nname, size_t nlen)
{
	struct tmpfs_node *odir = tnode(odvn), *ndir = tnode(ndvn), *n;
	struct tmpfs_dirent **op = find(odir, oname, olen), **np;
	int err;

	if (!op)
		return -ENOENT;
	n = (*op)->te_node;
	np = find(ndir, nname, nlen);
	if (np && VFS_IS_DIR((*np)->te_node->tn_mode) &&
	    (*np)->te_node->tn_entries)
		return -ENOTEMPTY;
	/* The one fallible step first: the new name. */
	err = add_entry(ndir, nname, nlen, n);
	if (err)
		return err;
	if (np)
		drop_name(ndir, del_entry(ndir, find(ndir, nname, nlen)));
	op = find(odir, oname, olen);
	del_entry(odir, op);
	if (VFS_IS_DIR(n->tn_mode) && odir != ndir) {
		odir->tn_nlink--;
		ndir->tn_nlink++;
		n->tn_parent = ndir;
	}
	touch(n, false);
	return 0;
}

static int tmpfs_link(struct vnode *dvn, const char *name, size_t len,
		      struct vnode *target)
{
	struct tmpfs_node *n = tnode(target);
	int err;

	if (!n->tn_nlink)
		return -ENOENT;
	err = add_entry(tnode(dvn), name, len, n);
	if (err)
		return err;
	n->tn_nlink++;
	touch(n, false);
	return 0;
}

static int tmpfs_symlink(struct vnode *dvn, const char *name, size_t len,
			 const char *target)
{
	struct tmpfs_node *dir = tnode(dvn), *n;
	size_t tlen = strlen(target) + 1;
	char *copy;
	int err;

	err = charge(dir->tn_fs, tlen);
	if (err)
		return err;
	copy = malloc(tlen);
	if (!copy) {
		err = -ENOMEM;
		goto err_uncharge;
	}
	memcpy(copy, target, tlen);
	err = make(dir, name, len, VFS_IFLNK | 0777, &n);
	if (err)
		goto err_free;
	n->tn_target = copy;
	n->tn_size = (int64_t)tlen - 1;
	return 0;
err_free:
	free(copy);
err_uncharge:
	uncharge(dir->tn_fs, tlen);
	return err;
}

static ssize_t tmpfs_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct tmpfs_node *n = tnode(vn);
	size_t len = strlen(n->tn_target);

	if (len > size)
		len = size;
	memcpy(buf, n->tn_target, len);
	return (ssize_t)len;
}

static ssize_t tmpfs_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	struct tmpfs_node *n = tnode(vn);
	char *p = buf;
	size_t done = 0;

	if (off >= n->tn_size)
		return 0;
	if ((uint64_t)(n->tn_size - off) < len)
		len = (size_t)(n->tn_size - off);
	while (done < len) {
		uint64_t pos = (uint64_t)off + done;
		size_t idx = pos / TMPFS_PAGE, in = pos % TMPFS_PAGE;
		size_t k = TMPFS_PAGE - in;

		if (k > len - done)
			k = len - done;
		if (idx < n->tn_npages && n->tn_pages[idx])
			memcpy(p + done, (char *)n->tn_pages[idx] + in, k);
		else
			memset(p + done, 0, k);
		done += k;
	}
	vfs_now(&n->tn_atime);
	return (ssize_t)done;
}

/* Makes tn_pages long enough for page idx. */
static int grow_index(struct tmpfs_node *n, size_t idx)
{
	size_t cap = n->tn_npages ? n->tn_npages : 4;
	void **pages;

	if (idx < n->tn_npages)
		return 0;
	while (cap <= idx)
		cap *= 2;
	if (charge(n->tn_fs, (cap - n->tn_npages) * sizeof(*pages)))
		return -ENOSPC;
	pages = realloc(n->tn_pages, cap * sizeof(*pages));
	if (!pages) {
		uncharge(n->tn_fs, (cap - n->tn_npages) * sizeof(*pages));
		return -ENOMEM;
	}
	memset(pages + n->tn_npages, 0, (cap - n->tn_npages) * sizeof(*pages));
	n->tn_pages = pages;
	n->tn_npages = cap;
	return 0;
}

/* The page holding byte pos, allocated (zeroed) if it was a hole. */
static int page_at(struct tmpfs_node *n, uint64_t pos, char **out)
{
	size_t idx = pos / TMPFS_PAGE;
	int err = grow_index(n, idx);

	if (err)
		return err;
	if (!n->tn_pages[idx]) {
		err = charge(n->tn_fs, TMPFS_PAGE);
		if (err)
			return err;
		n->tn_pages[idx] = calloc(1, TMPFS_PAGE);
		if (!n->tn_pages[idx]) {
			uncharge(n->tn_fs, TMPFS_PAGE);
			return -ENOMEM;
		}
	}
	*out = n->tn_pages[idx];
	return 0;
}

static ssize_t tmpfs_write(struct vnode *vn, const void *buf, size_t len,
			   int64_t off)
{
	struct tmpfs_node *n = tnode(vn);
	const char *p = buf;
	size_t done = 0;
	char *page;
	int err = 0;

	if ((uint64_t)off + len > n->tn_fs->tf_max_bytes)
		return -EFBIG;
	while (done < len) {
		uint64_t pos = (uint64_t)off + done;
		size_t in = pos % TMPFS_PAGE, k = TMPFS_PAGE - in;

		if (k > len - done)
			k = len - done;
		err = page_at(n, pos, &page);
		if (err)
			break;
		memcpy(page + in, p + done, k);
		done += k;
	}
	if (done && off + (int64_t)done > n->tn_size)
		n->tn_size = off + (int64_t)done;
	if (done)
		touch(n, true);
	return done ? (ssize_t)done : err;
}

static int tmpfs_truncate(struct vnode *vn, int64_t size)
{
	struct tmpfs_node *n = tnode(vn);
	size_t keep = ((uint64_t)size + TMPFS_PAGE - 1) / TMPFS_PAGE;
	size_t tail = (uint64_t)size % TMPFS_PAGE;

	if ((uint64_t)size > n->tn_fs->tf_max_bytes)
		return -EFBIG;
	if (!size) {
		free_index(n); /* the index is charged too */
	} else if (size < n->tn_size) {
		free_pages_from(n, keep);
		if (tail && keep - 1 < n->tn_npages && n->tn_pages[keep - 1])
			memset((char *)n->tn_pages[keep - 1] + tail, 0,
			       TMPFS_PAGE - tail);
	}
	n->tn_size = size;
	touch(n, true);
	return 0;
}

static int tmpfs_getattr(struct vnode *vn, struct vattr *va)
{
	struct tmpfs_node *n = tnode(vn);
	uint64_t pages = 0;

	for (size_t i = 0; i < n->tn_npages; i++)
		pages += n->tn_pages[i] != NULL;
	memset(va, 0, sizeof(*va));
	va->va_mode = n->tn_mode;
	va->va_nlink = n->tn_nlink;
	va->va_ino = n->tn_ino;
	va->va_dev = n->tn_fs->tf_sb.sb_dev;
	va->va_size = VFS_IS_DIR(n->tn_mode) ? TMPFS_PAGE : n->tn_size;
	va->va_blocks = (int64_t)pages * (TMPFS_PAGE / 512);
	va->va_blksize = TMPFS_PAGE;
	va->va_atime = n->tn_atime;
	va->va_mtime = n->tn_mtime;
	va->va_ctime = n->tn_ctime;
	return 0;
}

static int tmpfs_settimes(struct vnode *vn, const struct timespec ts[2])
{
	struct tmpfs_node *n = tnode(vn);

	n->tn_atime = ts[0];
	n->tn_mtime = ts[1];
	touch(n, false);
	return 0;
}

static int tmpfs_chmod(struct vnode *vn, uint32_t mode)
{
	struct tmpfs_node *n = tnode(vn);

	n->tn_mode = (n->tn_mode & VFS_IFMT) | (mode & 07777);
	touch(n, false);
	return 0;
}

static uint8_t dtype(uint32_t mode)
{
	if (VFS_IS_DIR(mode))
		return VFS_DT_DIR;
	if (VFS_IS_LNK(mode))
		return VFS_DT_LNK;
	return VFS_IS_REG(mode) ? VFS_DT_REG : VFS_DT_UNKNOWN;
}

static int tmpfs_readdir(struct vnode *dvn, uint64_t *cookie,
			 struct vfs_dirent *de)
{
	struct tmpfs_node *dir = tnode(dvn), *n;
	struct tmpfs_dirent *e;

	if (*cookie < 2) {
		n = *cookie ? (dir->tn_parent ? dir->tn_parent : dir) : dir;
		de->d_ino = n->tn_ino;
		de->d_type = VFS_DT_DIR;
		strcpy(de->d_name, *cookie ? ".." : ".");
		(*cookie)++;
		return 1;
	}
	for (e = dir->tn_entries; e && e->te_cookie < *cookie; e = e->te_next)
		;
	if (!e)
		return 0;
	de->d_ino = e->te_node->tn_ino;
	de->d_type = dtype(e->te_node->tn_mode);
	memcpy(de->d_name, e->te_name, e->te_len);
	de->d_name[e->te_len] = '\0';
	*cookie = e->te_cookie + 1;
	return 1;
}

static void tmpfs_release(struct vnode *vn)
{
	node_maybe_free(tnode(vn));
}

static const struct vnode_ops tmpfs_ops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create_op,
	.mkdir = tmpfs_mkdir,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.link = tmpfs_link,
	.symlink = tmpfs_symlink,
	.readlink = tmpfs_readlink,
	.read = tmpfs_read,
	.write = tmpfs_write,
	.truncate = tmpfs_truncate,
	.getattr = tmpfs_getattr,
	.settimes = tmpfs_settimes,
	.chmod = tmpfs_chmod,
	.readdir = tmpfs_readdir,
	.release = tmpfs_release,
};

int tmpfs_create(uint64_t size_bytes, struct tmpfs **out)
{
	struct tmpfs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return -ENOMEM;
	vfs_super_init(&fs->tf_sb, "tmpfs");
	fs->tf_max_bytes = size_bytes ? size_bytes : TMPFS_SIZE_DEFAULT;
	fs->tf_next_ino = 1;
	fs->tf_root = node_new(fs, VFS_IFDIR | 01777);
	if (!fs->tf_root) {
		free(fs);
		return -ENOMEM;
	}
	fs->tf_root->tn_nlink = 2;
	*out = fs;
	return 0;
}

struct vnode *tmpfs_root(struct tmpfs *fs)
{
	return &fs->tf_root->tn_vn;
}

uint64_t tmpfs_used_bytes(struct tmpfs *fs)
{
	return fs->tf_used_bytes;
}

static void destroy_dir(struct tmpfs_node *dir)
{
	while (dir->tn_entries) {
		struct tmpfs_node *n = del_entry(dir, &dir->tn_entries);

		if (VFS_IS_DIR(n->tn_mode))
			destroy_dir(n);
		drop_name(dir, n);
	}
}

void tmpfs_destroy(struct tmpfs *fs)
{
	vfs_lock();
	destroy_dir(fs->tf_root);
	node_free(fs->tf_root);
	vfs_unlock();
	free(fs);
}

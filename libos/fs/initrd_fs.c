/* SPDX-License-Identifier: MIT */
/*
 * The initrd as a read-only VFS filesystem (<fs/initrd_fs.h>). A vnode is
 * made for an archive node the first time a lookup reaches it and kept
 * for the life of the appliance (the archive never changes), found again
 * through a small hash of node addresses. Runs under the VFS lock.
 */
#include <fs/initrd_fs.h>

#include <fs/initrd.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/log.h>
#include <kernel/netbuf.h>
#include <kernel/string.h>

struct irnode {
	struct vnode in_vn;
	const struct initrd_node *in_node;
	struct irnode *in_next; /* hash chain */
};

struct irfs {
	struct vfs_super fs_sb;
	struct initrd *fs_rd;
	size_t fs_nbuckets;
	struct irnode **fs_buckets;
};

static const struct vnode_ops initrd_vops;

static struct irnode *to_ir(struct vnode *vn)
{
	return container_of(vn, struct irnode, in_vn);
}

static struct irfs *to_fs(struct vnode *vn)
{
	return container_of(vn->v_sb, struct irfs, fs_sb);
}

static uint32_t vtype(uint32_t mode)
{
	switch (mode & INITRD_S_IFMT) {
	case INITRD_S_IFDIR:
		return VFS_IFDIR;
	case INITRD_S_IFLNK:
		return VFS_IFLNK;
	default:
		return VFS_IFREG;
	}
}

/* The vnode of node, made on first use; NULL without memory. */
static struct irnode *node_vnode(struct irfs *fs,
				 const struct initrd_node *node)
{
	size_t b = ((uintptr_t)node >> 4) % fs->fs_nbuckets;
	struct irnode *in;

	for (in = fs->fs_buckets[b]; in; in = in->in_next)
		if (in->in_node == node)
			return in;
	in = heap_calloc(1, sizeof(*in));
	if (!in)
		return NULL;
	vnode_init(&in->in_vn, &initrd_vops, &fs->fs_sb,
		   vtype(initrd_node_mode(node)));
	in->in_node = node;
	in->in_next = fs->fs_buckets[b];
	fs->fs_buckets[b] = in;
	return in;
}

static int ir_lookup(struct vnode *dir, const char *name, size_t len,
		     struct vnode **out)
{
	struct irfs *fs = to_fs(dir);
	const struct initrd_node *d = to_ir(dir)->in_node, *c;
	struct irnode *in;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		c = initrd_parent(fs->fs_rd, d);
	} else {
		for (c = initrd_first_child(fs->fs_rd, d); c;
		     c = initrd_next_sibling(fs->fs_rd, c)) {
			const char *n = initrd_node_name(c);

			if (kstrlen(n) == len && memcmp(n, name, len) == 0)
				break;
		}
		if (!c)
			return -ENOENT;
	}
	in = node_vnode(fs, c);
	if (!in)
		return -ENOMEM;
	vnode_ref(&in->in_vn);
	*out = &in->in_vn;
	return 0;
}

static ssize_t ir_readlink(struct vnode *vn, char *buf, size_t size)
{
	size_t len;
	const char *t = initrd_node_link(to_ir(vn)->in_node, &len);

	if (!t)
		return -EINVAL;
	if (len > size)
		len = size;
	memcpy(buf, t, len);
	return (ssize_t)len;
}

static ssize_t ir_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	const struct initrd_node *n = to_ir(vn)->in_node;
	const char *data = initrd_node_data(n);
	uint64_t size = initrd_node_size(n);

	if (!data)
		return -EISDIR;
	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= size)
		return 0;
	if (len > size - (uint64_t)off)
		len = (size_t)(size - (uint64_t)off);
	memcpy(buf, data + off, len);
	return (ssize_t)len;
}

/* The archive is part of the image and never changes or goes away, so
 * its bytes are lent as they are, with nothing to release. */
static ssize_t ir_getbuf(struct vnode *vn, int64_t off, size_t len,
			 struct netbuf **out)
{
	const struct initrd_node *n = to_ir(vn)->in_node;
	const char *data = initrd_node_data(n);
	uint64_t size = initrd_node_size(n);

	if (!data)
		return -EISDIR;
	if ((uint64_t)off >= size)
		return 0;
	if (len > size - (uint64_t)off)
		len = (size_t)(size - (uint64_t)off);
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	*out = netbuf_ext(data + off, len, NULL, NULL);
	return *out ? (ssize_t)len : -ENOMEM;
}

static int ir_getattr(struct vnode *vn, struct vattr *va)
{
	const struct initrd_node *n = to_ir(vn)->in_node;
	uint64_t size = initrd_node_size(n);

	memset(va, 0, sizeof(*va));
	va->va_mode = initrd_node_mode(n);
	va->va_nlink = VFS_IS_DIR(va->va_mode) ? 2 : 1;
	va->va_ino = initrd_node_ino(n);
	va->va_dev = vn->v_sb->sb_dev;
	va->va_size = (int64_t)size;
	va->va_blocks = (int64_t)((size + 511) / 512);
	va->va_blksize = 4096;
	va->va_mtime.tv_sec = initrd_node_mtime(n);
	va->va_atime = va->va_mtime;
	va->va_ctime = va->va_mtime;
	return 0;
}

/* The cookie counts the children already returned. */
static int ir_readdir(struct vnode *dir, uint64_t *cookie,
		      struct vfs_dirent *de)
{
	struct irfs *fs = to_fs(dir);
	const struct initrd_node *c;
	uint64_t i;

	c = initrd_first_child(fs->fs_rd, to_ir(dir)->in_node);
	for (i = 0; c && i < *cookie; i++)
		c = initrd_next_sibling(fs->fs_rd, c);
	if (!c)
		return 0;
	de->d_ino = initrd_node_ino(c);
	switch (vtype(initrd_node_mode(c))) {
	case VFS_IFDIR:
		de->d_type = VFS_DT_DIR;
		break;
	case VFS_IFLNK:
		de->d_type = VFS_DT_LNK;
		break;
	default:
		de->d_type = VFS_DT_REG;
		break;
	}
	kstrlcpy(de->d_name, initrd_node_name(c), sizeof(de->d_name));
	(*cookie)++;
	return 1;
}

static const struct vnode_ops initrd_vops = {
	.lookup = ir_lookup,
	.readlink = ir_readlink,
	.read = ir_read,
	.getbuf = ir_getbuf,
	.getattr = ir_getattr,
	.readdir = ir_readdir,
};

int initrd_fs_create(const void *archive, size_t len, struct vnode **root)
{
	struct initrd_diag diag;
	struct irnode *in;
	struct irfs *fs;
	int rc;

	fs = heap_calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	rc = initrd_open_diag(archive, len, &fs->fs_rd, &diag);
	if (rc) {
		log_err("initrd: malformed archive at byte %lu: %s; not "
			"mounted\n",
			(unsigned long)diag.offset,
			diag.reason ? diag.reason : "?");
		heap_free(fs);
		return rc;
	}
	fs->fs_nbuckets = initrd_count(fs->fs_rd) / 4 + 1;
	fs->fs_buckets = heap_calloc(fs->fs_nbuckets, sizeof(*fs->fs_buckets));
	if (!fs->fs_buckets) {
		initrd_close(fs->fs_rd);
		heap_free(fs);
		return -ENOMEM;
	}
	vfs_super_init(&fs->fs_sb, "initrd");
	in = node_vnode(fs, initrd_root(fs->fs_rd));
	if (!in) {
		heap_free(fs->fs_buckets);
		initrd_close(fs->fs_rd);
		heap_free(fs);
		return -ENOMEM;
	}
	vnode_ref(&in->in_vn);
	*root = &in->in_vn;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The VFS (<fs/vfs.h>): op wrappers, reference counts, mounts and path
 * lookup, all under one VFS lock.
 */
#include <fs/vfs.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <kernel/init.h>
#include <kernel/sync.h>

struct vfs_mount {
	struct vnode *m_covered; /* [G] the directory hidden, referenced */
	struct vnode *m_root; /* [G] the mounted root, referenced */
	const char *m_type; /* [G] */
};

/* Locking: [G] vfs_mutex. */
static struct mutex vfs_mutex = MUTEX_INIT("vfs");
static struct vnode *root_vn; /* [G] */
static struct vnode *cwd_vn; /* [G] */
static struct vfs_mount mounts[VFS_MOUNT_MAX]; /* [G] */
static unsigned int nmounts; /* [G] */
static uint32_t next_dev = 1; /* [a] */

/* --- vnodes and op wrappers --- */

void vnode_init(struct vnode *vn, const struct vnode_ops *ops,
		struct vfs_super *sb, uint32_t type)
{
	vn->v_ops = ops;
	vn->v_sb = sb;
	vn->v_type = type;
	vn->v_refs = 0;
}

void vfs_super_init(struct vfs_super *sb, const char *type)
{
	sb->sb_type = type;
	sb->sb_dev = __atomic_fetch_add(&next_dev, 1, __ATOMIC_RELAXED);
	sb->sb_flags = 0;
}

void vnode_ref(struct vnode *vn)
{
	__atomic_fetch_add(&vn->v_refs, 1, __ATOMIC_RELAXED);
}

void vnode_put(struct vnode *vn)
{
	unsigned int r;
	bool held;

	if (!vn)
		return;
	if (!vn->v_ops->release) {
		__atomic_sub_fetch(&vn->v_refs, 1, __ATOMIC_ACQ_REL);
		return;
	}
	/* Not the last reference: no lock needed. */
	r = __atomic_load_n(&vn->v_refs, __ATOMIC_RELAXED);
	while (r > 1)
		if (__atomic_compare_exchange_n(&vn->v_refs, &r, r - 1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return;
	/* Perhaps the last: decide under the VFS lock, which every lookup
	 * that could take a new reference holds. Dropping to 0 first and
	 * locking afterwards let another task look the node up, unlink and
	 * free it meanwhile (review finding). */
	held = vfs_lock_held();
	if (!held)
		vfs_lock();
	if (__atomic_sub_fetch(&vn->v_refs, 1, __ATOMIC_ACQ_REL) == 0)
		vn->v_ops->release(vn);
	if (!held)
		vfs_unlock();
}

int vop_lookup(struct vnode *dir, const char *name, size_t len,
	       struct vnode **out)
{
	assert(dir->v_ops->lookup && VFS_IS_DIR(dir->v_type));
	return dir->v_ops->lookup(dir, name, len, out);
}

int vop_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
	       struct vnode **out)
{
	if (!dir->v_ops->create)
		return -EROFS;
	return dir->v_ops->create(dir, name, len, mode, out);
}

int vop_mkdir(struct vnode *dir, const char *name, size_t len, uint32_t mode)
{
	if (!dir->v_ops->mkdir)
		return -EROFS;
	return dir->v_ops->mkdir(dir, name, len, mode);
}

int vop_unlink(struct vnode *dir, const char *name, size_t len)
{
	if (!dir->v_ops->unlink)
		return -EROFS;
	return dir->v_ops->unlink(dir, name, len);
}

int vop_rmdir(struct vnode *dir, const char *name, size_t len)
{
	if (!dir->v_ops->rmdir)
		return -EROFS;
	return dir->v_ops->rmdir(dir, name, len);
}

int vop_rename(struct vnode *odir, const char *oname, size_t olen,
	       struct vnode *ndir, const char *nname, size_t nlen)
{
	if (!odir->v_ops->rename)
		return -EROFS;
	return odir->v_ops->rename(odir, oname, olen, ndir, nname, nlen);
}

int vop_link(struct vnode *dir, const char *name, size_t len,
	     struct vnode *target)
{
	if (!dir->v_ops->link)
		return -EPERM;
	return dir->v_ops->link(dir, name, len, target);
}

int vop_symlink(struct vnode *dir, const char *name, size_t len,
		const char *target)
{
	if (!dir->v_ops->symlink)
		return -EROFS;
	return dir->v_ops->symlink(dir, name, len, target);
}

ssize_t vop_readlink(struct vnode *vn, char *buf, size_t size)
{
	assert(vn->v_ops->readlink && VFS_IS_LNK(vn->v_type));
	return vn->v_ops->readlink(vn, buf, size);
}

ssize_t vop_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	assert(vn->v_ops->read);
	return vn->v_ops->read(vn, buf, len, off);
}

ssize_t vop_write(struct vnode *vn, const void *buf, size_t len, int64_t off)
{
	if (!vn->v_ops->write)
		return -EROFS;
	return vn->v_ops->write(vn, buf, len, off);
}

int vop_truncate(struct vnode *vn, int64_t size)
{
	if (!vn->v_ops->truncate)
		return -EROFS;
	return vn->v_ops->truncate(vn, size);
}

int vop_getattr(struct vnode *vn, struct vattr *va)
{
	assert(vn->v_ops->getattr);
	return vn->v_ops->getattr(vn, va);
}

int vop_settimes(struct vnode *vn, const struct timespec ts[2])
{
	if (!vn->v_ops->settimes)
		return -EROFS;
	return vn->v_ops->settimes(vn, ts);
}

int vop_chmod(struct vnode *vn, uint32_t mode)
{
	if (!vn->v_ops->chmod)
		return -EPERM;
	return vn->v_ops->chmod(vn, mode);
}

ssize_t vop_getbuf(struct vnode *vn, int64_t off, size_t len,
		   struct netbuf **out)
{
	assert(VFS_IS_REG(vn->v_type) && off >= 0);
	if (!vn->v_ops->getbuf)
		return -EOPNOTSUPP;
	return vn->v_ops->getbuf(vn, off, len, out);
}

int vop_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
	assert(dir->v_ops->readdir && VFS_IS_DIR(dir->v_type));
	return dir->v_ops->readdir(dir, cookie, de);
}

int vop_fsync(struct vnode *vn)
{
	if (!vn->v_ops->fsync)
		return 0;
	return vn->v_ops->fsync(vn);
}

/* --- the lock --- */

void vfs_lock(void)
{
	mutex_lock(&vfs_mutex);
}

void vfs_unlock(void)
{
	mutex_unlock(&vfs_mutex);
}

bool vfs_lock_held(void)
{
	return mutex_is_owned(&vfs_mutex);
}

void vfs_now(struct timespec *ts)
{
	if (clock_gettime(CLOCK_REALTIME, ts)) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
	}
}

bool vfs_is_rdonly(struct vnode *vn)
{
	return vn->v_sb->sb_flags & VFS_MNT_RDONLY;
}

/* --- the name cache --- */

/*
 * (directory, name) -> child, as the lookup op last said, or "absent"
 * (ne_vn NULL). An entry holds a reference to its directory and to its
 * child: the directory's address is the key, and a filesystem may free
 * a vnode at its last reference (ext2) and reuse the memory. Every
 * name-changing call below drops the entries it affects; rmdir and a
 * rename over a directory purge the dead directory's entries, umount
 * purges its filesystem's, and a root change everything. "." and ".."
 * are never cached. Locking: [G] vfs_mutex, like everything else.
 */
#define NC_MAX 512
#define NC_BUCKETS 256

struct nc_entry {
	struct nc_entry *ne_hnext; /* [G] bucket chain */
	struct nc_entry *ne_older, *ne_newer; /* [G] LRU list */
	struct vnode *ne_dir; /* [G] referenced */
	struct vnode *ne_vn; /* [G] referenced; NULL: the name is absent */
	size_t ne_len;
	char ne_name[];
};

static struct nc_entry *nc_hash[NC_BUCKETS]; /* [G] */
static struct nc_entry *nc_newest, *nc_oldest; /* [G] */
static unsigned int nc_count; /* [G] */

static struct nc_entry **nc_bucket(const struct vnode *dir, const char *name,
				   size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ((uintptr_t)dir >> 4);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 29;
	return &nc_hash[h % NC_BUCKETS];
}

static struct nc_entry *nc_find(const struct vnode *dir, const char *name,
				size_t len)
{
	struct nc_entry *e;

	for (e = *nc_bucket(dir, name, len); e; e = e->ne_hnext)
		if (e->ne_dir == dir && e->ne_len == len &&
		    !memcmp(e->ne_name, name, len))
			return e;
	return NULL;
}

static void lru_unlink(struct nc_entry *e)
{
	if (e->ne_older)
		e->ne_older->ne_newer = e->ne_newer;
	else
		nc_oldest = e->ne_newer;
	if (e->ne_newer)
		e->ne_newer->ne_older = e->ne_older;
	else
		nc_newest = e->ne_older;
}

static void lru_push(struct nc_entry *e)
{
	e->ne_newer = NULL;
	e->ne_older = nc_newest;
	if (nc_newest)
		nc_newest->ne_newer = e;
	else
		nc_oldest = e;
	nc_newest = e;
}

/* Takes e out and drops its references (which may run release ops). */
static void nc_free(struct nc_entry *e)
{
	struct nc_entry **pp = nc_bucket(e->ne_dir, e->ne_name, e->ne_len);

	while (*pp != e)
		pp = &(*pp)->ne_hnext;
	*pp = e->ne_hnext;
	lru_unlink(e);
	nc_count--;
	vnode_put(e->ne_vn);
	vnode_put(e->ne_dir);
	free(e);
}

/* Remembers what the lookup op said; a failed allocation only costs the
 * next lookup. */
static void nc_add(struct vnode *dir, const char *name, size_t len,
		   struct vnode *vn)
{
	struct nc_entry *e, **b;

	if (nc_count >= NC_MAX)
		nc_free(nc_oldest);
	e = malloc(sizeof(*e) + len);
	if (!e)
		return;
	vnode_ref(dir);
	if (vn)
		vnode_ref(vn);
	e->ne_dir = dir;
	e->ne_vn = vn;
	e->ne_len = len;
	memcpy(e->ne_name, name, len);
	b = nc_bucket(dir, name, len);
	e->ne_hnext = *b;
	*b = e;
	lru_push(e);
	nc_count++;
}

/* Forgets (dir, name) after a call that may have changed it. */
static void nc_drop(struct vnode *dir, const char *name, size_t len)
{
	struct nc_entry *e = nc_find(dir, name, len);

	if (e)
		nc_free(e);
}

/* Forgets the entries that match: keyed by dir, or (dir NULL) by a
 * directory of sb, or (both NULL) all of them. */
static void nc_purge(const struct vnode *dir, const struct vfs_super *sb)
{
	struct nc_entry *e, *next;

	for (e = nc_oldest; e; e = next) {
		next = e->ne_newer;
		if ((!dir && !sb) || e->ne_dir == dir ||
		    (!dir && e->ne_dir->v_sb == sb))
			nc_free(e);
	}
}

/* vop_lookup() through the cache; name is neither "." nor "..". */
static int nc_lookup(struct vnode *dir, const char *name, size_t len,
		     struct vnode **out)
{
	struct nc_entry *e = nc_find(dir, name, len);
	int err;

	if (e) {
		lru_unlink(e);
		lru_push(e);
		if (!e->ne_vn)
			return -ENOENT;
		vnode_ref(e->ne_vn);
		*out = e->ne_vn;
		return 0;
	}
	err = vop_lookup(dir, name, len, out);
	if (!err)
		nc_add(dir, name, len, *out);
	else if (err == -ENOENT)
		nc_add(dir, name, len, NULL);
	return err;
}

/* --- mounts --- */

/* The root mounted on vn, or NULL. Caller holds the VFS lock. */
static struct vnode *mounted_on(struct vnode *vn)
{
	for (unsigned int i = 0; i < nmounts; i++)
		if (mounts[i].m_covered == vn)
			return mounts[i].m_root;
	return NULL;
}

/* The directory vn (a mounted root) covers, or NULL. */
static struct vnode *covered_by(struct vnode *vn)
{
	for (unsigned int i = 0; i < nmounts; i++)
		if (mounts[i].m_root == vn)
			return mounts[i].m_covered;
	return NULL;
}

static bool is_busy(struct vnode *vn)
{
	return vn == root_vn || mounted_on(vn) || covered_by(vn);
}

static void replace(struct vnode **slot, struct vnode *vn)
{
	struct vnode *old = *slot;

	if (vn)
		vnode_ref(vn);
	*slot = vn;
	vnode_put(old);
}

static void drop_mounts(void)
{
	while (nmounts) {
		nmounts--;
		vnode_put(mounts[nmounts].m_covered);
		vnode_put(mounts[nmounts].m_root);
	}
}

int vfs_set_root(struct vnode *root, const char *fstype, unsigned int flags)
{
	if (!VFS_IS_DIR(root->v_type))
		return -ENOTDIR;
	vfs_lock();
	root->v_sb->sb_flags = flags;
	(void)fstype;
	nc_purge(NULL, NULL);
	drop_mounts();
	replace(&root_vn, root);
	replace(&cwd_vn, root);
	vfs_unlock();
	return 0;
}

void vfs_reset(void)
{
	vfs_lock();
	nc_purge(NULL, NULL);
	drop_mounts();
	replace(&cwd_vn, NULL);
	replace(&root_vn, NULL);
	vfs_unlock();
}

/* --- path walk --- */

struct walk {
	int w_links; /* symlinks followed so far */
};

static int walk(struct walk *w, struct vnode *start, const char *path,
		unsigned int flags, struct vnode **out);

/* The parent of dir, crossing mounts upwards; ".." of the root is the
 * root. */
static int step_up(struct vnode *dir, struct vnode **out)
{
	struct vnode *up;

	while (dir != root_vn && (up = covered_by(dir)))
		dir = up;
	if (dir == root_vn) {
		vnode_ref(dir);
		*out = dir;
		return 0;
	}
	return vop_lookup(dir, "..", 2, out);
}

/* Replaces *vn, a symlink, with what it names (from dir). */
static int follow_link(struct walk *w, struct vnode *dir, struct vnode **vn)
{
	struct vnode *res;
	char *target;
	ssize_t n;
	int err;

	if (++w->w_links > VFS_SYMLOOP_MAX)
		return -ELOOP;
	target = malloc(VFS_PATH_MAX);
	if (!target)
		return -ENOMEM;
	n = vop_readlink(*vn, target, VFS_PATH_MAX - 1);
	if (n < 0) {
		err = (int)n;
		goto out_free;
	}
	target[n] = '\0';
	err = walk(w, dir, target, VFS_FOLLOW, &res);
	if (!err) {
		vnode_put(*vn);
		*vn = res;
	}
out_free:
	free(target);
	return err;
}

/* One component: the referenced child of dir, across mounts, following
 * a symlink if follow. */
static int step(struct walk *w, struct vnode *dir, const char *name, size_t len,
		bool follow, struct vnode **out)
{
	struct vnode *vn, *m;
	int err;

	if (len == 1 && name[0] == '.') {
		vnode_ref(dir);
		*out = dir;
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return step_up(dir, out);
	err = nc_lookup(dir, name, len, &vn);
	if (err)
		return err;
	while ((m = mounted_on(vn))) {
		vnode_ref(m);
		vnode_put(vn);
		vn = m;
	}
	if (follow && VFS_IS_LNK(vn->v_type)) {
		err = follow_link(w, dir, &vn);
		if (err) {
			vnode_put(vn);
			return err;
		}
	}
	*out = vn;
	return 0;
}

static bool only_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return !*p;
}

/* Caller holds the VFS lock. *out is referenced. */
static int walk(struct walk *w, struct vnode *start, const char *path,
		unsigned int flags, struct vnode **out)
{
	struct vnode *dir, *next;
	const char *p = path, *name;
	bool last, slash = false;
	int err = 0;

	/* An image that resolves paths mounts its file systems (boot.c). */
	INITCALL_USE(vfs_start);
	if (!*path)
		return -ENOENT;
	if (strnlen(path, VFS_PATH_MAX) >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	dir = *p == '/' ? root_vn : start ? start : cwd_vn;
	if (!dir)
		return -ENOENT;
	vnode_ref(dir);
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		name = p;
		while (*p && *p != '/')
			p++;
		if ((size_t)(p - name) > VFS_NAME_MAX) {
			err = -ENAMETOOLONG;
			goto out_put;
		}
		if (!VFS_IS_DIR(dir->v_type)) {
			err = -ENOTDIR;
			goto out_put;
		}
		last = only_slashes(p);
		slash = last && *p == '/';
		err = step(w, dir, name, (size_t)(p - name),
			   !last || slash || (flags & VFS_FOLLOW), &next);
		if (err)
			goto out_put;
		vnode_put(dir);
		dir = next;
	}
	if ((slash || (flags & VFS_DIRECTORY)) && !VFS_IS_DIR(dir->v_type)) {
		err = -ENOTDIR;
		goto out_put;
	}
	*out = dir;
	return 0;
out_put:
	vnode_put(dir);
	return err;
}

/* A path split into its directory (referenced) and last name. len is 0
 * when the path is all slashes (the root). */
struct parent {
	struct vnode *p_dir;
	const char *p_name;
	size_t p_len;
	bool p_slash; /* the name had a trailing slash */
};

static bool is_dots(const struct parent *pa)
{
	return (pa->p_len == 1 && pa->p_name[0] == '.') ||
	       (pa->p_len == 2 && !memcmp(pa->p_name, "..", 2));
}

/* Caller holds the VFS lock. Symlinks followed count in w. */
static int walk_parent(struct walk *w, struct vnode *at, const char *path,
		       struct parent *pa)
{
	size_t end, start;
	char *dirpath;
	int err;

	end = strnlen(path, VFS_PATH_MAX);
	if (end >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (!end)
		return -ENOENT;
	while (end > 1 && path[end - 1] == '/')
		end--;
	pa->p_slash = path[end] == '/';
	start = end;
	while (start && path[start - 1] != '/')
		start--;
	pa->p_name = path + start;
	pa->p_len = end - start;
	if (pa->p_len == 1 && path[start] == '/') {
		pa->p_len = 0; /* "/" or "///" */
		return walk(w, at, "/", 0, &pa->p_dir);
	}
	if (pa->p_len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (!start)
		return walk(w, at, ".", VFS_DIRECTORY, &pa->p_dir);
	dirpath = malloc(start + 1);
	if (!dirpath)
		return -ENOMEM;
	memcpy(dirpath, path, start);
	dirpath[start] = '\0';
	err = walk(w, at, dirpath, VFS_FOLLOW | VFS_DIRECTORY, &pa->p_dir);
	free(dirpath);
	return err;
}

/* Looks pa's name up in its directory, without crossing mounts or
 * following symlinks: -ENOENT if free. */
static int parent_child(const struct parent *pa, struct vnode **out)
{
	if (!pa->p_len || is_dots(pa))
		return -EEXIST;
	return nc_lookup(pa->p_dir, pa->p_name, pa->p_len, out);
}

/* --- path calls --- */

int vfs_lookup(struct vnode *at, const char *path, unsigned int flags,
	       struct vnode **out)
{
	struct walk w = { 0 };
	int err;

	vfs_lock();
	err = walk(&w, at, path, flags, out);
	vfs_unlock();
	return err;
}

/* What open(O_CREAT) asks of the last component. */
struct creat_req {
	unsigned int cr_flags; /* VFS_FOLLOW, VFS_DIRECTORY */
	bool cr_excl;
	uint32_t cr_mode;
	bool cr_created; /* set when the file was made */
};

static int open_create(struct walk *w, struct vnode *at, const char *path,
		       struct creat_req *cr, struct vnode **out);

/* A new regular file named by pa. */
static int create_new(struct parent *pa, struct creat_req *cr,
		      struct vnode **out)
{
	int err;

	if (vfs_is_rdonly(pa->p_dir))
		return -EROFS;
	err = vop_create(pa->p_dir, pa->p_name, pa->p_len,
			 VFS_IFREG | (cr->cr_mode & 07777), out);
	nc_drop(pa->p_dir, pa->p_name, pa->p_len);
	if (!err)
		cr->cr_created = true;
	return err;
}

/* Starts open_create() over at what link names, from its directory, so
 * that a dangling symlink creates its target (Linux). Drops link. */
static int create_via_link(struct walk *w, struct parent *pa,
			   struct vnode *link, struct creat_req *cr,
			   struct vnode **out)
{
	char *target = NULL;
	ssize_t n;
	int err = -ELOOP;

	if (++w->w_links > VFS_SYMLOOP_MAX)
		goto out_put;
	err = -ENOMEM;
	target = malloc(VFS_PATH_MAX);
	if (!target)
		goto out_put;
	n = vop_readlink(link, target, VFS_PATH_MAX - 1);
	err = (int)n;
	if (n >= 0) {
		target[n] = '\0';
		err = open_create(w, pa->p_dir, target, cr, out);
	}
out_put:
	free(target);
	vnode_put(link);
	return err;
}

/* The last component for open(O_CREAT): made when free, else what is
 * there (across mounts; a symlink is followed when asked, O_EXCL
 * excepted). As on Linux, a trailing slash, "." or ".." is -EISDIR. */
static int create_last(struct walk *w, struct parent *pa, struct creat_req *cr,
		       struct vnode **out)
{
	struct vnode *vn;
	int err;

	if (!pa->p_len || is_dots(pa) || pa->p_slash)
		return -EISDIR;
	err = step(w, pa->p_dir, pa->p_name, pa->p_len, false, &vn);
	if (err == -ENOENT)
		return create_new(pa, cr, out);
	if (err)
		return err;
	if (cr->cr_excl)
		err = -EEXIST;
	else if (VFS_IS_LNK(vn->v_type) && (cr->cr_flags & VFS_FOLLOW))
		return create_via_link(w, pa, vn, cr, out);
	else if ((cr->cr_flags & VFS_DIRECTORY) && !VFS_IS_DIR(vn->v_type))
		err = -ENOTDIR;
	if (err) {
		vnode_put(vn);
		return err;
	}
	*out = vn;
	return 0;
}

/* Caller holds the VFS lock. */
static int open_create(struct walk *w, struct vnode *at, const char *path,
		       struct creat_req *cr, struct vnode **out)
{
	struct parent pa;
	int err = walk_parent(w, at, path, &pa);

	if (err)
		return err;
	err = create_last(w, &pa, cr, out);
	vnode_put(pa.p_dir);
	return err;
}

int vfs_open_create(struct vnode *at, const char *path, unsigned int flags,
		    bool create, bool excl, uint32_t mode, struct vnode **out,
		    bool *created)
{
	struct creat_req cr = { flags, excl, mode, false };
	struct walk w = { 0 };
	int err;

	vfs_lock();
	if (create)
		err = open_create(&w, at, path, &cr, out);
	else
		err = walk(&w, at, path, flags, out);
	vfs_unlock();
	*created = cr.cr_created;
	return err;
}

/* Runs fn on the parent of path, under the VFS lock. */
static int with_parent(struct vnode *at, const char *path,
		       int (*fn)(struct parent *pa, const void *arg),
		       const void *arg)
{
	struct walk w = { 0 };
	struct parent pa;
	int err;

	vfs_lock();
	err = walk_parent(&w, at, path, &pa);
	if (!err) {
		err = fn(&pa, arg);
		vnode_put(pa.p_dir);
	}
	vfs_unlock();
	return err;
}

/* -EEXIST if pa names something, 0 if free. */
static int must_be_free(struct parent *pa)
{
	struct vnode *vn;
	int err = parent_child(pa, &vn);

	if (!err) {
		vnode_put(vn);
		return -EEXIST;
	}
	if (err != -ENOENT)
		return err;
	return vfs_is_rdonly(pa->p_dir) ? -EROFS : 0;
}

static int do_mkdir(struct parent *pa, const void *arg)
{
	int err = must_be_free(pa);

	if (err)
		return err;
	err = vop_mkdir(pa->p_dir, pa->p_name, pa->p_len,
			VFS_IFDIR | (*(const uint32_t *)arg & 07777));
	nc_drop(pa->p_dir, pa->p_name, pa->p_len);
	return err;
}

int vfs_mkdir(struct vnode *at, const char *path, uint32_t mode)
{
	return with_parent(at, path, do_mkdir, &mode);
}

static int do_rmdir(struct parent *pa, const void *arg)
{
	struct vnode *vn;
	int err;

	(void)arg;
	if (!pa->p_len)
		return -EBUSY;
	if (pa->p_len == 1 && pa->p_name[0] == '.')
		return -EINVAL;
	if (is_dots(pa))
		return -ENOTEMPTY;
	err = nc_lookup(pa->p_dir, pa->p_name, pa->p_len, &vn);
	if (err)
		return err;
	if (!VFS_IS_DIR(vn->v_type))
		err = -ENOTDIR;
	else if (is_busy(vn))
		err = -EBUSY;
	else if (vfs_is_rdonly(pa->p_dir))
		err = -EROFS;
	else {
		err = vop_rmdir(pa->p_dir, pa->p_name, pa->p_len);
		nc_drop(pa->p_dir, pa->p_name, pa->p_len);
		/* Negative entries may be keyed by the dead directory. */
		nc_purge(vn, NULL);
	}
	vnode_put(vn);
	return err;
}

int vfs_rmdir(struct vnode *at, const char *path)
{
	return with_parent(at, path, do_rmdir, NULL);
}

static int do_unlink(struct parent *pa, const void *arg)
{
	struct vnode *vn;
	int err;

	(void)arg;
	if (!pa->p_len || is_dots(pa))
		return -EISDIR;
	err = nc_lookup(pa->p_dir, pa->p_name, pa->p_len, &vn);
	if (err)
		return err;
	if (VFS_IS_DIR(vn->v_type))
		err = -EISDIR;
	else if (pa->p_slash)
		err = -ENOTDIR;
	else if (vfs_is_rdonly(pa->p_dir))
		err = -EROFS;
	else {
		err = vop_unlink(pa->p_dir, pa->p_name, pa->p_len);
		nc_drop(pa->p_dir, pa->p_name, pa->p_len);
	}
	vnode_put(vn);
	return err;
}

int vfs_unlink(struct vnode *at, const char *path)
{
	return with_parent(at, path, do_unlink, NULL);
}

/* True if dir is vn or below it (both in one filesystem). */
static bool is_below(struct vnode *dir, struct vnode *vn)
{
	struct vnode *cur = dir, *up;
	bool below = false;

	vnode_ref(cur);
	for (int i = 0; i < 4096; i++) {
		if (cur == vn) {
			below = true;
			break;
		}
		if (vop_lookup(cur, "..", 2, &up))
			break;
		if (up == cur) {
			vnode_put(up);
			break;
		}
		vnode_put(cur);
		cur = up;
	}
	vnode_put(cur);
	return below;
}

/* The checks POSIX asks of rename(from, to), then the op. */
static int rename_checked(struct parent *from, struct parent *to,
			  struct vnode *ovn, struct vnode *nvn)
{
	bool dir = VFS_IS_DIR(ovn->v_type);
	int err;

	if ((from->p_slash || to->p_slash) && !dir)
		return -ENOTDIR;
	if (is_busy(ovn) || (nvn && is_busy(nvn)))
		return -EBUSY;
	if (nvn == ovn)
		return 0;
	if (nvn && dir && !VFS_IS_DIR(nvn->v_type))
		return -ENOTDIR;
	if (nvn && !dir && VFS_IS_DIR(nvn->v_type))
		return -EISDIR;
	if (dir && is_below(to->p_dir, ovn))
		return -EINVAL;
	err = vop_rename(from->p_dir, from->p_name, from->p_len, to->p_dir,
			 to->p_name, to->p_len);
	nc_drop(from->p_dir, from->p_name, from->p_len);
	nc_drop(to->p_dir, to->p_name, to->p_len);
	if (nvn && VFS_IS_DIR(nvn->v_type))
		nc_purge(nvn, NULL); /* replaced, so removed */
	return err;
}

static int rename_parents(struct parent *from, struct parent *to)
{
	struct vnode *ovn, *nvn = NULL;
	int err;

	if (!from->p_len || !to->p_len)
		return -EBUSY;
	if (is_dots(from) || is_dots(to))
		return -EINVAL;
	if (from->p_dir->v_sb != to->p_dir->v_sb)
		return -EXDEV;
	if (vfs_is_rdonly(from->p_dir))
		return -EROFS;
	err = nc_lookup(from->p_dir, from->p_name, from->p_len, &ovn);
	if (err)
		return err;
	err = nc_lookup(to->p_dir, to->p_name, to->p_len, &nvn);
	if (err == -ENOENT)
		nvn = NULL;
	else if (err)
		goto out_put;
	err = rename_checked(from, to, ovn, nvn);
	vnode_put(nvn);
out_put:
	vnode_put(ovn);
	return err;
}

int vfs_rename(struct vnode *oat, const char *opath, struct vnode *nat,
	       const char *npath)
{
	struct walk wf = { 0 }, wt = { 0 };
	struct parent from, to;
	int err;

	vfs_lock();
	err = walk_parent(&wf, oat, opath, &from);
	if (err)
		goto out_unlock;
	err = walk_parent(&wt, nat, npath, &to);
	if (err)
		goto out_from;
	err = rename_parents(&from, &to);
	vnode_put(to.p_dir);
out_from:
	vnode_put(from.p_dir);
out_unlock:
	vfs_unlock();
	return err;
}

static int do_link(struct parent *pa, const void *arg)
{
	struct vnode *target = (struct vnode *)arg;
	int err;

	if (!pa->p_len || is_dots(pa))
		return -EEXIST;
	if (pa->p_slash)
		return -ENOENT;
	err = must_be_free(pa);
	if (err)
		return err;
	if (pa->p_dir->v_sb != target->v_sb)
		return -EXDEV;
	err = vop_link(pa->p_dir, pa->p_name, pa->p_len, target);
	nc_drop(pa->p_dir, pa->p_name, pa->p_len);
	return err;
}

int vfs_link(struct vnode *oat, const char *opath, struct vnode *nat,
	     const char *npath, unsigned int flags)
{
	struct walk w = { 0 };
	struct parent pa;
	struct vnode *target;
	int err;

	vfs_lock();
	err = walk(&w, oat, opath, flags & VFS_FOLLOW, &target);
	if (err)
		goto out_unlock;
	if (VFS_IS_DIR(target->v_type)) {
		err = -EPERM;
		goto out_put;
	}
	w = (struct walk){ 0 };
	err = walk_parent(&w, nat, npath, &pa);
	if (!err) {
		err = do_link(&pa, target);
		vnode_put(pa.p_dir);
	}
out_put:
	vnode_put(target);
out_unlock:
	vfs_unlock();
	return err;
}

static int do_symlink(struct parent *pa, const void *arg)
{
	int err;

	if (pa->p_slash && pa->p_len)
		return -ENOENT;
	err = must_be_free(pa);
	if (err)
		return err;
	err = vop_symlink(pa->p_dir, pa->p_name, pa->p_len, arg);
	nc_drop(pa->p_dir, pa->p_name, pa->p_len);
	return err;
}

int vfs_symlink(const char *target, struct vnode *at, const char *path)
{
	size_t n = strnlen(target, VFS_PATH_MAX);

	if (!n)
		return -ENOENT;
	if (n >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	return with_parent(at, path, do_symlink, target);
}

ssize_t vfs_readlink(struct vnode *at, const char *path, char *buf, size_t size)
{
	struct walk w = { 0 };
	struct vnode *vn;
	ssize_t n;

	vfs_lock();
	n = walk(&w, at, path, 0, &vn);
	if (!n) {
		n = VFS_IS_LNK(vn->v_type) ? vop_readlink(vn, buf, size)
					   : -EINVAL;
		vnode_put(vn);
	}
	vfs_unlock();
	return n;
}

int vfs_stat(struct vnode *at, const char *path, unsigned int flags,
	     struct vattr *va)
{
	struct walk w = { 0 };
	struct vnode *vn;
	int err;

	vfs_lock();
	err = walk(&w, at, path, flags, &vn);
	if (!err) {
		err = vop_getattr(vn, va);
		vnode_put(vn);
	}
	vfs_unlock();
	return err;
}

/* Caller holds the VFS lock. */
static int truncate_locked(struct vnode *vn, int64_t size)
{
	if (size < 0)
		return -EINVAL;
	if (VFS_IS_DIR(vn->v_type))
		return -EISDIR;
	if (!VFS_IS_REG(vn->v_type))
		return -EINVAL;
	if (vfs_is_rdonly(vn))
		return -EROFS;
	return vop_truncate(vn, size);
}

int vfs_truncate(struct vnode *at, const char *path, int64_t size)
{
	struct walk w = { 0 };
	struct vnode *vn;
	int err;

	vfs_lock();
	err = walk(&w, at, path, VFS_FOLLOW, &vn);
	if (!err) {
		err = truncate_locked(vn, size);
		vnode_put(vn);
	}
	vfs_unlock();
	return err;
}

/* Caller holds the VFS lock. */
static int settimes_locked(struct vnode *vn, const struct timespec ts[2])
{
	struct timespec now[2];

	if (vfs_is_rdonly(vn))
		return -EROFS;
	if (!ts) {
		vfs_now(&now[0]);
		now[1] = now[0];
		ts = now;
	}
	return vop_settimes(vn, ts);
}

int vfs_utimes(struct vnode *at, const char *path, unsigned int flags,
	       const struct timespec ts[2])
{
	struct walk w = { 0 };
	struct vnode *vn;
	int err;

	vfs_lock();
	err = walk(&w, at, path, flags, &vn);
	if (!err) {
		err = settimes_locked(vn, ts);
		vnode_put(vn);
	}
	vfs_unlock();
	return err;
}

/* Caller holds the VFS lock. */
static int chmod_locked(struct vnode *vn, uint32_t mode)
{
	if (VFS_IS_LNK(vn->v_type))
		return -EOPNOTSUPP; /* a symlink's bits mean nothing */
	if (vfs_is_rdonly(vn))
		return -EROFS;
	return vop_chmod(vn, mode & 07777);
}

int vfs_chmod(struct vnode *at, const char *path, unsigned int flags,
	      uint32_t mode)
{
	struct walk w = { 0 };
	struct vnode *vn;
	int err;

	vfs_lock();
	err = walk(&w, at, path, flags & VFS_FOLLOW, &vn);
	if (!err) {
		err = chmod_locked(vn, mode);
		vnode_put(vn);
	}
	vfs_unlock();
	return err;
}

int vfs_fchmod(struct vnode *vn, uint32_t mode)
{
	int err;

	vfs_lock();
	err = chmod_locked(vn, mode);
	vfs_unlock();
	return err;
}

/* Caller holds the VFS lock. Root's view: everything may be read and
 * written (but not on a read-only mount); executing needs an x bit. */
static int access_locked(struct vnode *vn, unsigned int mode)
{
	struct vattr va;
	int err;

	if ((mode & VFS_W_OK) && vfs_is_rdonly(vn))
		return -EROFS;
	if (!(mode & VFS_X_OK) || VFS_IS_DIR(vn->v_type))
		return 0;
	err = vop_getattr(vn, &va);
	if (!err && !(va.va_mode & 0111))
		err = -EACCES;
	return err;
}

int vfs_access(struct vnode *at, const char *path, unsigned int flags,
	       unsigned int mode)
{
	struct walk w = { 0 };
	struct vnode *vn;
	int err;

	if (mode & ~(VFS_R_OK | VFS_W_OK | VFS_X_OK))
		return -EINVAL;
	vfs_lock();
	err = walk(&w, at, path, flags & VFS_FOLLOW, &vn);
	if (!err) {
		err = access_locked(vn, mode);
		vnode_put(vn);
	}
	vfs_unlock();
	return err;
}

int vfs_chdir(struct vnode *at, const char *path)
{
	struct walk w = { 0 };
	struct vnode *vn;
	int err;

	vfs_lock();
	err = walk(&w, at, path, VFS_FOLLOW | VFS_DIRECTORY, &vn);
	if (!err) {
		replace(&cwd_vn, vn);
		vnode_put(vn);
	}
	vfs_unlock();
	return err;
}

int vfs_fchdir(struct vnode *dir)
{
	if (!VFS_IS_DIR(dir->v_type))
		return -ENOTDIR;
	vfs_lock();
	replace(&cwd_vn, dir);
	vfs_unlock();
	return 0;
}

/* Finds vn's name in parent into de. Caller holds the VFS lock. */
static int name_in(struct vnode *parent, struct vnode *vn,
		   struct vfs_dirent *de)
{
	struct vattr va;
	uint64_t cookie = 0;
	int rc;

	rc = vop_getattr(vn, &va);
	if (rc)
		return rc;
	while ((rc = vop_readdir(parent, &cookie, de)) == 1) {
		if (de->d_ino == va.va_ino && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			return 0;
	}
	return rc ? rc : -ENOENT;
}

/* Prepends "/name" to the path ending at buf + *pos. */
static int prepend(char *buf, size_t *pos, const char *name)
{
	size_t n = strlen(name);

	if (n + 1 > *pos)
		return -ENAMETOOLONG;
	*pos -= n + 1;
	buf[*pos] = '/';
	memcpy(buf + *pos + 1, name, n);
	return 0;
}

/* Builds the working directory's path at the end of tmp. */
static int cwd_path(char *tmp, size_t *pos, struct vfs_dirent *de)
{
	struct vnode *cur, *up;
	int err = 0;

	if (!cwd_vn)
		return -ENOENT;
	cur = cwd_vn;
	vnode_ref(cur);
	for (;;) {
		while (cur != root_vn && (up = covered_by(cur)))
			replace(&cur, up);
		if (cur == root_vn)
			break;
		err = vop_lookup(cur, "..", 2, &up);
		if (err)
			break;
		err = name_in(up, cur, de);
		if (!err)
			err = prepend(tmp, pos, de->d_name);
		vnode_put(cur);
		cur = up;
		if (err)
			break;
	}
	vnode_put(cur);
	return err;
}

int vfs_getcwd(char *buf, size_t size)
{
	INITCALL_USE(vfs_start);
	struct vfs_dirent *de;
	size_t pos = VFS_PATH_MAX;
	char *tmp;
	int err;

	tmp = malloc(VFS_PATH_MAX + sizeof(*de));
	if (!tmp)
		return -ENOMEM;
	de = (struct vfs_dirent *)(tmp + VFS_PATH_MAX);
	vfs_lock();
	err = cwd_path(tmp, &pos, de);
	vfs_unlock();
	if (!err && pos == VFS_PATH_MAX)
		tmp[--pos] = '/';
	if (!err && VFS_PATH_MAX - pos + 1 > size)
		err = -ERANGE;
	if (!err) {
		memcpy(buf, tmp + pos, VFS_PATH_MAX - pos);
		buf[VFS_PATH_MAX - pos] = '\0';
	}
	free(tmp);
	return err;
}

int vfs_mount(const char *path, struct vnode *root, const char *fstype,
	      unsigned int flags)
{
	struct walk w = { 0 };
	struct vnode *dir;
	int err;

	if (!VFS_IS_DIR(root->v_type))
		return -ENOTDIR;
	vfs_lock();
	err = walk(&w, NULL, path, VFS_FOLLOW | VFS_DIRECTORY, &dir);
	if (err)
		goto out_unlock;
	if (covered_by(dir) || dir == root_vn)
		err = -EBUSY;
	else if (nmounts == VFS_MOUNT_MAX)
		err = -ENOSPC;
	if (err) {
		vnode_put(dir);
		goto out_unlock;
	}
	root->v_sb->sb_flags = flags;
	vnode_ref(root);
	mounts[nmounts++] = (struct vfs_mount){ dir, root, fstype };
out_unlock:
	vfs_unlock();
	return err;
}

/* True when a mount covers a directory of sb's filesystem. */
static bool has_mounts_in(const struct vfs_super *sb)
{
	for (unsigned int i = 0; i < nmounts; i++)
		if (mounts[i].m_covered->v_sb == sb)
			return true;
	return false;
}

int vfs_umount(const char *path, int (*check)(struct vnode *root),
	       struct vnode **root)
{
	struct walk w = { 0 };
	struct vnode *vn;
	unsigned int i;
	int err;

	vfs_lock();
	err = walk(&w, NULL, path, VFS_FOLLOW | VFS_DIRECTORY, &vn);
	if (err)
		goto out_unlock;
	for (i = 0; i < nmounts && mounts[i].m_root != vn; i++)
		;
	/* The cache's references must not make the filesystem look busy
	 * (check() counts them), and must not outlive it. */
	if (i < nmounts)
		nc_purge(NULL, vn->v_sb);
	if (i == nmounts)
		err = -EINVAL;
	else if ((cwd_vn && cwd_vn->v_sb == vn->v_sb) ||
		 has_mounts_in(vn->v_sb))
		err = -EBUSY;
	else if (check)
		err = check(vn);
	if (!err) {
		*root = mounts[i].m_root;
		vnode_put(mounts[i].m_covered);
		nmounts--;
		memmove(&mounts[i], &mounts[i + 1],
			(nmounts - i) * sizeof(mounts[0]));
	}
	vnode_put(vn);
out_unlock:
	vfs_unlock();
	return err;
}

/* --- vnode calls for open files --- */

ssize_t vfs_read(struct vnode *vn, void *buf, size_t len, int64_t off)
{
	ssize_t n;

	if (VFS_IS_DIR(vn->v_type))
		return -EISDIR;
	if (off < 0)
		return -EINVAL;
	vfs_lock();
	n = vop_read(vn, buf, len, off);
	vfs_unlock();
	return n;
}

ssize_t vfs_write(struct vnode *vn, const void *buf, size_t len, int64_t *off,
		  bool append)
{
	struct vattr va;
	ssize_t n;

	if (VFS_IS_DIR(vn->v_type))
		return -EISDIR;
	vfs_lock();
	n = vfs_is_rdonly(vn) ? -EROFS : 0;
	if (!n && append) {
		n = vop_getattr(vn, &va);
		*off = va.va_size;
	}
	if (!n && (*off < 0 || (uint64_t)*off + len > INT64_MAX))
		n = *off < 0 ? -EINVAL : -EFBIG;
	if (!n && len)
		n = vop_write(vn, buf, len, *off);
	if (n > 0)
		*off += n;
	vfs_unlock();
	return n;
}

int vfs_ftruncate(struct vnode *vn, int64_t size)
{
	int err;

	vfs_lock();
	err = truncate_locked(vn, size);
	vfs_unlock();
	return err;
}

int vfs_getattr(struct vnode *vn, struct vattr *va)
{
	int err;

	vfs_lock();
	err = vop_getattr(vn, va);
	vfs_unlock();
	return err;
}

int vfs_fsync(struct vnode *vn)
{
	int err;

	vfs_lock();
	err = vop_fsync(vn);
	vfs_unlock();
	return err;
}

int vfs_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
	int rc;

	if (!VFS_IS_DIR(dir->v_type))
		return -ENOTDIR;
	vfs_lock();
	rc = vop_readdir(dir, cookie, de);
	vfs_unlock();
	return rc;
}

int vfs_settimes(struct vnode *vn, const struct timespec ts[2])
{
	int err;

	vfs_lock();
	err = settimes_locked(vn, ts);
	vfs_unlock();
	return err;
}

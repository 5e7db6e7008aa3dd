/* SPDX-License-Identifier: MIT */
/*
 * Packet buffers (<kernel/netbuf.h>). An allocated netbuf is one heap
 * block: the structure followed by its area, so a packet costs one
 * allocation and one free. External areas (netbuf_ext) get a structure
 * of their own and call the owner's hook when done.
 */
#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/netbuf.h>
#include <kernel/string.h>

static struct netbuf_stats stats;

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void stat_sub(uint64_t *c, uint64_t n)
{
	__atomic_fetch_sub(c, n, __ATOMIC_RELAXED);
}

/* Every frame in flight carries one: the offload fields live in what
 * was padding. */
BUILD_ASSERT(sizeof(struct netbuf) <= NETBUF_STRUCT_MAX);

void netbuf_init(struct netbuf *nb, void *base, size_t cap, size_t headroom,
		 void (*release)(struct netbuf *nb), void *owner)
{
	memset(nb, 0, sizeof(*nb));
	nb->nb_base = base;
	nb->nb_cap = (uint32_t)cap;
	nb->nb_data = nb->nb_base + (headroom < cap ? headroom : cap);
	nb->nb_refs = 1;
	nb->nb_release = release;
	nb->nb_owner = owner;
}

struct netbuf *netbuf_alloc(size_t headroom, size_t len)
{
	size_t cap = headroom + len;

	if (cap < headroom || cap > UINT32_MAX ||
	    cap > SIZE_MAX - sizeof(struct netbuf)) {
		stat_add(&stats.ns_alloc_fail, 1);
		return NULL;
	}
	struct netbuf *nb = heap_alloc(sizeof(*nb) + cap);
	if (nb == NULL) {
		stat_add(&stats.ns_alloc_fail, 1);
		return NULL;
	}
	netbuf_init(nb, nb + 1, cap, headroom, NULL, NULL);
	stat_add(&stats.ns_allocs, 1);
	stat_add(&stats.ns_live, 1);
	stat_add(&stats.ns_live_bytes, cap);
	return nb;
}

struct netbuf_extarea {
	struct netbuf ea_nb;
	void (*ea_release)(void *arg);
	void *ea_arg;
};

static void ext_release(struct netbuf *nb)
{
	struct netbuf_extarea *ea = (struct netbuf_extarea *)nb;
	void (*fn)(void *) = ea->ea_release;
	void *arg = ea->ea_arg;

	stat_sub(&stats.ns_live, 1);
	heap_free(ea);
	if (fn != NULL)
		fn(arg);
}

struct netbuf *netbuf_ext(const void *data, size_t len,
			  void (*release)(void *arg), void *arg)
{
	if (len > UINT32_MAX) {
		stat_add(&stats.ns_alloc_fail, 1);
		return NULL;
	}
	struct netbuf_extarea *ea = heap_alloc(sizeof(*ea));
	if (ea == NULL) {
		stat_add(&stats.ns_alloc_fail, 1);
		return NULL;
	}
	/* The area is the caller's and read-only to us: holders only read
	 * a shared netbuf, and nothing writes an external one. */
	netbuf_init(&ea->ea_nb, (void *)(uintptr_t)data, len, 0, ext_release,
		    NULL);
	ea->ea_nb.nb_len = (uint32_t)len;
	ea->ea_release = release;
	ea->ea_arg = arg;
	stat_add(&stats.ns_allocs, 1);
	stat_add(&stats.ns_live, 1);
	return &ea->ea_nb;
}

static void slice_release(void *arg)
{
	netbuf_put(arg);
}

struct netbuf *netbuf_slice(struct netbuf *nb, size_t off, size_t len)
{
	if (off > nb->nb_len || len > nb->nb_len - off)
		return NULL;
	struct netbuf *s =
		netbuf_ext(nb->nb_data + off, len, slice_release, nb);
	if (s != NULL)
		netbuf_ref(nb);
	return s;
}

void netbuf_ref(struct netbuf *nb)
{
	__atomic_fetch_add(&nb->nb_refs, 1, __ATOMIC_RELAXED);
}

void netbuf_put(struct netbuf *nb)
{
	/* Iterative over the fragment chain: each piece holds the next. */
	while (nb != NULL) {
		uint32_t old =
			__atomic_fetch_sub(&nb->nb_refs, 1, __ATOMIC_ACQ_REL);
		if (old == 0)
			heap_violation("netbuf put with no reference", nb);
		if (old != 1)
			return;
		struct netbuf *next = nb->nb_frag;
		nb->nb_frag = NULL;
		if (nb->nb_release != NULL) {
			nb->nb_release(nb);
		} else {
			stat_sub(&stats.ns_live, 1);
			stat_sub(&stats.ns_live_bytes, nb->nb_cap);
			heap_free(nb);
		}
		nb = next;
	}
}

void *netbuf_push(struct netbuf *nb, size_t n)
{
	if (n > netbuf_headroom(nb))
		return NULL;
	nb->nb_data -= n;
	nb->nb_len += (uint32_t)n;
	return nb->nb_data;
}

void *netbuf_pull(struct netbuf *nb, size_t n)
{
	if (n > nb->nb_len)
		return NULL;
	uint8_t *old = nb->nb_data;
	nb->nb_data += n;
	nb->nb_len -= (uint32_t)n;
	return old;
}

void *netbuf_append(struct netbuf *nb, size_t n)
{
	if (n > netbuf_tailroom(nb))
		return NULL;
	uint8_t *p = nb->nb_data + nb->nb_len;
	nb->nb_len += (uint32_t)n;
	return p;
}

void netbuf_trim(struct netbuf *nb, size_t len)
{
	if (len < nb->nb_len)
		nb->nb_len = (uint32_t)len;
}

size_t netbuf_frame_len(const struct netbuf *nb)
{
	size_t n = 0;

	for (; nb != NULL; nb = nb->nb_frag)
		n += nb->nb_len;
	return n;
}

int netbuf_copy_out(const struct netbuf *nb, size_t off, void *buf, size_t len)
{
	if (off + len < off || netbuf_frame_len(nb) < off + len)
		return -EINVAL;
	uint8_t *out = buf;
	for (; nb != NULL && len > 0; nb = nb->nb_frag) {
		if (off >= nb->nb_len) {
			off -= nb->nb_len;
			continue;
		}
		size_t n = nb->nb_len - off;
		if (n > len)
			n = len;
		memcpy(out, nb->nb_data + off, n);
		out += n;
		len -= n;
		off = 0;
	}
	return 0;
}

struct netbuf *netbuf_linearize(const struct netbuf *nb, size_t headroom)
{
	size_t len = netbuf_frame_len(nb);
	struct netbuf *copy = netbuf_alloc(headroom, len);

	if (copy == NULL)
		return NULL;
	void *p = netbuf_append(copy, len);
	if (netbuf_copy_out(nb, 0, p, len) != 0) {
		netbuf_put(copy);
		return NULL;
	}
	copy->nb_flags = nb->nb_flags;
	copy->nb_csum_start = nb->nb_csum_start;
	copy->nb_csum_off = nb->nb_csum_off;
	copy->nb_queue = nb->nb_queue;
	copy->nb_gso_size = nb->nb_gso_size;
	copy->nb_dev = nb->nb_dev;
	return copy;
}

void netbuf_get_stats(struct netbuf_stats *st)
{
	st->ns_allocs = __atomic_load_n(&stats.ns_allocs, __ATOMIC_RELAXED);
	st->ns_alloc_fail =
		__atomic_load_n(&stats.ns_alloc_fail, __ATOMIC_RELAXED);
	st->ns_live = __atomic_load_n(&stats.ns_live, __ATOMIC_RELAXED);
	st->ns_live_bytes =
		__atomic_load_n(&stats.ns_live_bytes, __ATOMIC_RELAXED);
}

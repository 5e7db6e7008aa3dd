/* SPDX-License-Identifier: MIT */
/*
 * Directory listings: a small HTML page with one link per entry, sorted
 * by name, directories marked with a trailing '/'. Names are untrusted
 * (an ext2 disk may hold anything but '/' and NUL): each is %-encoded in
 * its link and HTML-escaped in its text.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "httpd.h"
#include "url.h"

#define LIST_MAX_ENTRIES 4096
/* One entry's markup: the name %-encoded (3x) and escaped (6x), twice a
 * '/', and the tags around them. */
#define ENTRY_MAX_BYTES (255 * 9 + 64)

struct entry {
	char *name;
	bool dir;
};

struct page {
	char *p;
	size_t used, cap;
};

static int reserve(struct page *pg, size_t more)
{
	char *np;
	size_t cap = pg->cap ? pg->cap : 4096;

	if (pg->used + more + 1 <= pg->cap)
		return 0;
	while (pg->used + more + 1 > cap)
		cap *= 2;
	np = realloc(pg->p, cap);
	if (!np)
		return -1;
	pg->p = np;
	pg->cap = cap;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

static bool entry_is_dir(DIR *d, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return de->d_type == DT_DIR;
	return !fstatat(dirfd(d), de->d_name, &st, 0) && S_ISDIR(st.st_mode);
}

/* Reads the directory's entries; returns how many, or -1. *more counts
 * the ones past LIST_MAX_ENTRIES. */
static long read_entries(const char *path, struct entry **out, long *more)
{
	struct entry *v = calloc(LIST_MAX_ENTRIES, sizeof(*v));
	DIR *d = opendir(path);
	struct dirent *de;
	long n = 0;

	*more = 0;
	if (!v || !d)
		goto err;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == LIST_MAX_ENTRIES) {
			(*more)++;
			continue;
		}
		v[n].name = strdup(de->d_name);
		if (!v[n].name)
			goto err;
		v[n++].dir = entry_is_dir(d, de);
	}
	closedir(d);
	qsort(v, (size_t)n, sizeof(*v), cmp_entry);
	*out = v;
	return n;
err:
	while (v && n > 0)
		free(v[--n].name);
	free(v);
	if (d)
		closedir(d);
	return -1;
}

static int add_entry(struct page *pg, const struct entry *e)
{
	const char *slash = e->dir ? "/" : "";

	if (reserve(pg, ENTRY_MAX_BYTES))
		return -1;
	pg->used += (size_t)snprintf(pg->p + pg->used, pg->cap - pg->used,
				     "<li><a href=\"");
	if (url_encode_segment(pg->p, pg->cap, &pg->used, e->name))
		return -1;
	pg->used += (size_t)snprintf(pg->p + pg->used, pg->cap - pg->used,
				     "%s\">", slash);
	if (url_html_escape(pg->p, pg->cap, &pg->used, e->name))
		return -1;
	pg->used += (size_t)snprintf(pg->p + pg->used, pg->cap - pg->used,
				     "%s</a></li>\n", slash);
	return 0;
}

/* The page around the entries. url_path is decoded: escape it too. */
static int build_page(struct page *pg, const char *url_path,
		      const struct entry *v, long n, long more)
{
	static const char *const tail = "</ul>\n</body>\n</html>\n";
	size_t plen = strlen(url_path);

	if (reserve(pg, 6 * plen * 2 + 512))
		return -1;
	pg->used =
		(size_t)snprintf(pg->p, pg->cap,
				 "<!DOCTYPE html>\n<html>\n<head>\n"
				 "<meta charset=\"utf-8\">\n<title>Index of ");
	url_html_escape(pg->p, pg->cap, &pg->used, url_path);
	pg->used +=
		(size_t)snprintf(pg->p + pg->used, pg->cap - pg->used,
				 "</title>\n</head>\n<body>\n<h1>Index of ");
	url_html_escape(pg->p, pg->cap, &pg->used, url_path);
	pg->used += (size_t)snprintf(
		pg->p + pg->used, pg->cap - pg->used, "</h1>\n<ul>\n%s",
		strcmp(url_path, "/") ? "<li><a href=\"../\">../</a></li>\n"
				      : "");
	for (long i = 0; i < n; i++)
		if (add_entry(pg, &v[i]))
			return -1;
	if (reserve(pg, 64 + strlen(tail)))
		return -1;
	if (more)
		pg->used +=
			(size_t)snprintf(pg->p + pg->used, pg->cap - pg->used,
					 "<li>(%ld more)</li>\n", more);
	pg->used += (size_t)snprintf(pg->p + pg->used, pg->cap - pg->used, "%s",
				     tail);
	return 0;
}

int dir_list(struct conn *c, const char *url_path)
{
	struct response r = { .status = 200,
			      .content_type = "text/html; charset=utf-8" };
	struct page pg = { 0 };
	struct entry *v = NULL;
	long n, more;
	int rc;

	n = read_entries(c->path, &v, &more);
	if (n < 0)
		return resp_error(c, 500, NULL);
	rc = build_page(&pg, url_path, v, n, more);
	while (n > 0)
		free(v[--n].name);
	free(v);
	if (rc) {
		free(pg.p);
		return resp_error(c, 500, NULL);
	}
	r.content_length = (long long)pg.used;
	if (c->req.method == HTTP_METHOD_HEAD)
		rc = resp_send(c, &r, NULL, 0);
	else
		rc = resp_send(c, &r, pg.p, pg.used);
	free(pg.p);
	return rc;
}

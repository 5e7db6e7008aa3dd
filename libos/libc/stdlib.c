/* SPDX-License-Identifier: MIT */
/*
 * <stdlib.h> searching, sorting, environment and random numbers (C11
 * 7.22.4-7.22.6, POSIX.1-2008 setenv/unsetenv/putenv/random/rand_r).
 * qsort is an introsort: O(n log n) comparisons in the worst case and
 * O(log n) stack. rand/random and rand_r give glibc's sequences for the
 * same seeds, so seeded programs print what they print on Linux. None of
 * this is thread-safe (POSIX lets it not be): callers serialize.
 */
#include <stdlib.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Defined in start.c; POSIX declares it in <unistd.h>. */
extern char **environ;

/* A qsort call: the array's element size and the caller's comparison. */
struct sort {
	size_t s_size;
	int (*s_cmp)(const void *, const void *);
};

/* Ranges at most this long are finished by insertion sort. */
#define SORT_INSERTION_MAX 12
/* Ranges longer than this take their pivot as a median of three medians. */
#define SORT_NINTHER_MIN 64

static char *sort_at(const struct sort *s, char *base, size_t i)
{
	return base + i * s->s_size;
}

static int sort_cmp(const struct sort *s, char *base, size_t i, size_t j)
{
	return s->s_cmp(sort_at(s, base, i), sort_at(s, base, j));
}

static void sort_swap(const struct sort *s, char *base, size_t i, size_t j)
{
	unsigned char *a = (unsigned char *)sort_at(s, base, i);
	unsigned char *b = (unsigned char *)sort_at(s, base, j);

	if (a == b)
		return;
	for (size_t n = s->s_size; n; n--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

static void insertion_sort(const struct sort *s, char *base, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && sort_cmp(s, base, j - 1, j) > 0;
		     j--)
			sort_swap(s, base, j - 1, j);
	}
}

/* Restores the heap property below (root) in the max-heap base[0..n). */
static void sift_down(const struct sort *s, char *base, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && sort_cmp(s, base, child, child + 1) < 0)
			child++;
		if (sort_cmp(s, base, root, child) >= 0)
			return;
		sort_swap(s, base, root, child);
		root = child;
	}
}

static void heap_sort(const struct sort *s, char *base, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(s, base, i, n);
	for (size_t i = n; i-- > 1;) {
		sort_swap(s, base, 0, i);
		sift_down(s, base, 0, i);
	}
}

/* The index of the median of base[a], base[b] and base[c]. */
static size_t median3(const struct sort *s, char *base, size_t a, size_t b,
		      size_t c)
{
	if (sort_cmp(s, base, a, b) < 0) {
		if (sort_cmp(s, base, b, c) < 0)
			return b;
		return sort_cmp(s, base, a, c) < 0 ? c : a;
	}
	if (sort_cmp(s, base, b, c) > 0)
		return b;
	return sort_cmp(s, base, a, c) > 0 ? c : a;
}

static size_t choose_pivot(const struct sort *s, char *base, size_t n)
{
	size_t mid = n / 2, last = n - 1, step;

	if (n < SORT_NINTHER_MIN)
		return median3(s, base, 0, mid, last);
	step = n / 8;
	return median3(s, base, median3(s, base, 0, step, 2 * step),
		       median3(s, base, mid - step, mid, mid + step),
		       median3(s, base, last - 2 * step, last - step, last));
}

/*
 * Hoare partition around a pivot moved to base[0]; returns the pivot's
 * final index p, with base[0..p) <= pivot <= base(p..n). Both scans stop
 * on keys equal to the pivot, so runs of equal keys split evenly. The
 * index bounds hold even for a comparison that is not a consistent order.
 */
static size_t partition(const struct sort *s, char *base, size_t n)
{
	size_t i = 1, j = n - 1;

	sort_swap(s, base, 0, choose_pivot(s, base, n));
	for (;;) {
		while (i < n && sort_cmp(s, base, i, 0) < 0)
			i++;
		while (j > 0 && sort_cmp(s, base, j, 0) > 0)
			j--;
		if (i >= j)
			break;
		sort_swap(s, base, i++, j--);
	}
	sort_swap(s, base, 0, j);
	return j;
}

/*
 * Sorts base[0..n): quicksort that recurses into the smaller side only
 * (so O(log n) frames) and falls back to heapsort after (depth) levels.
 */
static void intro_sort(const struct sort *s, char *base, size_t n,
		       unsigned int depth)
{
	while (n > SORT_INSERTION_MAX) {
		size_t p, right;

		if (depth-- == 0) {
			heap_sort(s, base, n);
			return;
		}
		p = partition(s, base, n);
		right = n - p - 1;
		if (p < right) {
			intro_sort(s, base, p, depth);
			base = sort_at(s, base, p + 1);
			n = right;
		} else {
			intro_sort(s, sort_at(s, base, p + 1), right, depth);
			n = p;
		}
	}
	insertion_sort(s, base, n);
}

void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	struct sort s = { .s_size = size, .s_cmp = cmp };
	unsigned int depth = 0;

	if (n < 2 || size == 0)
		return;
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	intro_sort(&s, base, n, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const char *lo = base;

	while (n) {
		const char *mid = lo + n / 2 * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}

/*
 * The environment. environ starts as the kernel's envp; the first name
 * added moves it to an array on the heap (env_array), which later
 * additions grow. When the app points environ elsewhere, the next
 * addition copies that array and frees the old env_array (as musl does).
 * Strings that setenv built are listed in env_strings so that replacing
 * or removing one frees it; any other string (the kernel's, one given to
 * putenv) belongs to someone else and is never freed.
 */
static char **env_array; /* environ while it is ours, else stale */
static size_t env_array_cap; /* entries env_array has room for */
static char **env_strings; /* the strings setenv allocated */
static size_t env_strings_count;
static size_t env_strings_cap;

/* POSIX: a name is non-empty and has no '='. */
static bool env_name_ok(const char *name)
{
	return name && *name && !strchr(name, '=');
}

/* Whether (entry) is "NAME=..." for the (len) bytes of NAME at (name). */
static bool env_matches(const char *entry, const char *name, size_t len)
{
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

static char **env_find(const char *name, size_t len)
{
	for (char **p = environ; p && *p; p++) {
		if (env_matches(*p, name, len))
			return p;
	}
	return NULL;
}

static size_t env_count(void)
{
	size_t n = 0;

	while (environ && environ[n])
		n++;
	return n;
}

/* Makes environ our array, with room for one more entry than its (n). */
static int env_array_reserve(size_t n)
{
	size_t cap = 2 * (n + 2);
	char **array;

	if (environ == env_array && env_array && n + 2 <= env_array_cap)
		return 0;
	if (cap < 16)
		cap = 16;
	if (environ == env_array && env_array) {
		array = realloc(env_array, cap * sizeof(*array));
	} else {
		/* An array the app installed stays the app's: copy it. Ours,
		 * which the app replaced, is no longer anyone's. */
		array = malloc(cap * sizeof(*array));
		if (!array)
			return -ENOMEM;
		if (n)
			memcpy(array, environ, n * sizeof(*array));
		free(env_array);
	}
	if (!array)
		return -ENOMEM;
	array[n] = NULL;
	environ = env_array = array;
	env_array_cap = cap;
	return 0;
}

static int env_strings_reserve(void)
{
	size_t cap = env_strings_cap ? 2 * env_strings_cap : 16;
	char **list;

	if (env_strings_count < env_strings_cap)
		return 0;
	list = realloc(env_strings, cap * sizeof(*list));
	if (!list)
		return -ENOMEM;
	env_strings = list;
	env_strings_cap = cap;
	return 0;
}

/* Frees (str) when setenv allocated it. */
static void env_release(char *str)
{
	for (size_t i = 0; i < env_strings_count; i++) {
		if (env_strings[i] == str) {
			env_strings[i] = env_strings[--env_strings_count];
			free(str);
			return;
		}
	}
}

/*
 * Puts (str), "NAME=value" with a NAME of (len) bytes, in place of NAME's
 * entry or at the end. Fails only with -ENOMEM, before changing environ.
 */
static int env_put(char *str, size_t len)
{
	char **slot = env_find(str, len);
	size_t n;

	if (slot) {
		char *old = *slot;

		*slot = str;
		env_release(old);
		return 0;
	}
	n = env_count();
	if (env_array_reserve(n))
		return -ENOMEM;
	environ[n] = str;
	environ[n + 1] = NULL;
	return 0;
}

char *getenv(const char *name)
{
	size_t len = strlen(name);
	char **slot;

	if (!len)
		return NULL;
	slot = env_find(name, len);
	return slot ? *slot + len + 1 : NULL;
}

int setenv(const char *name, const char *value, int overwrite)
{
	size_t len, value_len;
	char *str;

	if (!env_name_ok(name) || !value) {
		errno = EINVAL;
		return -1;
	}
	len = strlen(name);
	if (!overwrite && env_find(name, len))
		return 0;
	value_len = strlen(value);
	str = malloc(len + value_len + 2);
	if (!str)
		goto err_nomem;
	memcpy(str, name, len);
	str[len] = '=';
	memcpy(str + len + 1, value, value_len + 1);
	if (env_strings_reserve() || env_put(str, len))
		goto err_free_str;
	env_strings[env_strings_count++] = str;
	return 0;

err_free_str:
	free(str);
err_nomem:
	errno = ENOMEM;
	return -1;
}

int unsetenv(const char *name)
{
	size_t len, kept = 0;

	if (!env_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	len = strlen(name);
	if (!env_find(name, len))
		return 0;
	for (size_t i = 0; environ[i]; i++) {
		if (env_matches(environ[i], name, len))
			env_release(environ[i]);
		else
			environ[kept++] = environ[i];
	}
	environ[kept] = NULL;
	return 0;
}

int putenv(char *string)
{
	const char *eq = strchr(string, '=');

	/* As glibc: a string without '=' removes the name. */
	if (!eq)
		return unsetenv(string);
	if (env_put(string, (size_t)(eq - string))) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/*
 * rand and random: glibc's default generator (random(3), TYPE_3), an
 * additive lagged Fibonacci generator r[i] = r[i-31] + r[i-3] (mod 2^32)
 * returning r[i] >> 1. Seeding fills r[0..30] with the Park-Miller
 * "minimal standard" generator (16807 * r mod 2^31 - 1, by Schrage's
 * method), then discards 310 outputs. rand_ring[i % 31] holds r[i - 31].
 */
#define RAND_LAG_LONG 31
#define RAND_LAG_SHORT 3
#define RAND_DISCARD (10 * RAND_LAG_LONG)

static uint32_t rand_ring[RAND_LAG_LONG];
static unsigned int rand_pos;
static bool rand_seeded;

static uint32_t rand_next(void)
{
	unsigned int short_pos =
		(rand_pos + RAND_LAG_LONG - RAND_LAG_SHORT) % RAND_LAG_LONG;
	uint32_t r = rand_ring[rand_pos] + rand_ring[short_pos];

	rand_ring[rand_pos] = r;
	rand_pos = (rand_pos + 1) % RAND_LAG_LONG;
	return r >> 1;
}

void srandom(unsigned int seed)
{
	/* glibc keeps the seed in an int32_t, so seeds > INT_MAX go negative.
	 */
	int64_t r = (int32_t)(seed ? seed : 1);

	rand_ring[0] = (uint32_t)r;
	for (unsigned int i = 1; i < RAND_LAG_LONG; i++) {
		r = 16807 * (r % 127773) - 2836 * (r / 127773);
		if (r < 0)
			r += 2147483647;
		rand_ring[i] = (uint32_t)r;
	}
	/* r[31..33] = r[0..2]: the ring already holds them; i = 34 is next. */
	rand_pos = (RAND_LAG_LONG + RAND_LAG_SHORT) % RAND_LAG_LONG;
	for (unsigned int i = 0; i < RAND_DISCARD; i++)
		rand_next();
	rand_seeded = true;
}

long random(void)
{
	if (!rand_seeded)
		srandom(1);
	return (long)rand_next();
}

void srand(unsigned int seed)
{
	srandom(seed);
}

int rand(void)
{
	return (int)random();
}

/* glibc's rand_r: three steps of the ANSI C example LCG, 11 + 10 + 10 bits
 * of their high halves. */
int rand_r(unsigned int *seed)
{
	static const unsigned int bits[] = { 11, 10, 10 };
	unsigned int next = *seed;
	unsigned int result = 0;

	for (unsigned int i = 0; i < 3; i++) {
		next = next * 1103515245 + 12345;
		result = result << bits[i] ^ (next / 65536) % (1U << bits[i]);
	}
	*seed = next;
	return (int)result;
}

div_t div(int num, int den)
{
	return (div_t){ .quot = num / den, .rem = num % den };
}

ldiv_t ldiv(long num, long den)
{
	return (ldiv_t){ .quot = num / den, .rem = num % den };
}

lldiv_t lldiv(long long num, long long den)
{
	return (lldiv_t){ .quot = num / den, .rem = num % den };
}

long long llabs(long long v)
{
	return v < 0 ? -v : v;
}

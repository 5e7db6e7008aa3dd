/* SPDX-License-Identifier: MIT */
/*
 * wordfreq: counts the words of its arguments (case-folded, punctuation
 * stripped) and prints them by falling count, then alphabetically, like
 * `tr -cs A-Za-z '\n' | sort | uniq -c | sort -rn`. A plain C program:
 * it knows nothing of Mosaic.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	char *text;
	int count;
};

static struct word *words;
static size_t nwords, cap;

static void add(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < nwords; i++) {
		if (strlen(words[i].text) == len &&
		    strncmp(words[i].text, w, len) == 0) {
			words[i].count++;
			return;
		}
	}
	if (nwords == cap) {
		cap = cap ? cap * 2 : 16;
		words = realloc(words, cap * sizeof(*words));
		if (!words) {
			perror("realloc");
			exit(1);
		}
	}
	words[nwords].text = strndup(w, len);
	words[nwords].count = 1;
	nwords++;
}

static int by_count(const void *a, const void *b)
{
	const struct word *x = a, *y = b;

	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(x->text, y->text);
}

int main(int argc, char **argv)
{
	char buf[256];
	size_t i, n;
	int a;

	for (a = 1; a < argc; a++) {
		const char *p = argv[a];

		while (*p) {
			n = 0;
			while (*p && !isalpha((unsigned char)*p))
				p++;
			while (*p && isalpha((unsigned char)*p) &&
			       n < sizeof(buf) - 1)
				buf[n++] = (char)tolower((unsigned char)*p++);
			if (n)
				add(buf, n);
		}
	}
	qsort(words, nwords, sizeof(*words), by_count);
	for (i = 0; i < nwords; i++)
		printf("%7d %s\n", words[i].count, words[i].text);
	return nwords ? 0 : 1;
}

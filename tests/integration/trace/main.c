/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the scheduler trace reaches the host. `on N [dump]`
 * puts marks 1001..1000+N on the timeline (asking for a dump half-way
 * with `dump`), then a last mark FINAL_MARK, and exits; check.py decodes
 * the COM2 file with tools/trace2json. `panic N` ends with abort() after
 * its marks instead, so the trace leaves through the panic path. `off`
 * and `nocom2` check that a dump on request is refused when tracing is
 * off or there is no COM2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosaic/trace.h>

#define FIRST_MARK 1001
#define FINAL_MARK 0x0123456789abcdefull

static int parse(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static int marks(int n, int dump_midway)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		mapp_trace_mark(FIRST_MARK + i);
		if (dump_midway && i == n / 2) {
			rc = mapp_trace_dump();
			if (rc != 0) {
				printf("TEST FAIL: dump on request: %d\n", rc);
				return 1;
			}
		}
	}
	mapp_trace_mark(FINAL_MARK);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? parse(argv[2]) : 0;

	if (strcmp(mode, "off") == 0 || strcmp(mode, "nocom2") == 0) {
		mapp_trace_mark(1);
		if (mapp_trace_dump() >= 0) {
			printf("TEST FAIL: dump succeeded in mode %s\n", mode);
			return 1;
		}
		printf("TEST PASS\n");
		return 0;
	}
	if (strcmp(mode, "on") != 0 && strcmp(mode, "panic") != 0) {
		printf("TEST FAIL: usage: trace on|panic N [dump] | off | "
		       "nocom2\n");
		return 1;
	}
	if (marks(n, argc > 3 && strcmp(argv[3], "dump") == 0))
		return 1;
	printf("TEST PASS\n");
	if (strcmp(mode, "panic") == 0)
		abort();
	return 0;
}

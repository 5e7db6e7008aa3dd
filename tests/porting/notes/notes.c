/* SPDX-License-Identifier: MIT */
/*
 * notes FILE WORD...: appends each WORD to FILE as a line, then prints the
 * whole file with line numbers. An ordinary POSIX program; under Mosaic
 * FILE lives on a disk that the command line mounts (mosaic.disk=), which
 * the program never mounts itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char line[256];
	unsigned int n = 0;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: notes FILE WORD...\n");
		return 2;
	}
	f = fopen(argv[1], "a");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	for (int i = 2; i < argc; i++)
		fprintf(f, "%s\n", argv[i]);
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		printf("%u %s", ++n, line);
	fclose(f);
	return 0;
}

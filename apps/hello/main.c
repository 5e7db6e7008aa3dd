/* SPDX-License-Identifier: MIT */
/* The smallest appliance: greets, shows its arguments, exits 0. */
#include <stdio.h>

int main(int argc, char **argv)
{
	int i;

	printf("Hello from Mosaic!\n");
	for (i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}

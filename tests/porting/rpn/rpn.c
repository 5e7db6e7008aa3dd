/* SPDX-License-Identifier: MIT */
/*
 * rpn: a reverse-Polish calculator over its arguments, like `dc` without
 * the registers: numbers are pushed, + - * / ^ sqrt neg dup swap pop
 * operate on the stack, and the stack is printed at the end with %.10g.
 * A plain C program using <math.h> and strtod().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double stack[64];
static int depth;

static void push(double v)
{
	if (depth == 64) {
		fprintf(stderr, "rpn: stack full\n");
		exit(1);
	}
	stack[depth++] = v;
}

static double pop(void)
{
	if (depth == 0) {
		fprintf(stderr, "rpn: stack empty\n");
		exit(1);
	}
	return stack[--depth];
}

int main(int argc, char **argv)
{
	double a, b;
	char *end;
	int i;

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		a = strtod(w, &end);
		if (end != w && *end == '\0') {
			push(a);
		} else if (!strcmp(w, "+") || !strcmp(w, "-") ||
			   !strcmp(w, "x") || !strcmp(w, "/") ||
			   !strcmp(w, "^")) {
			b = pop();
			a = pop();
			push(w[0] == '+'   ? a + b
			     : w[0] == '-' ? a - b
			     : w[0] == 'x' ? a * b
			     : w[0] == '/' ? a / b
					   : pow(a, b));
		} else if (!strcmp(w, "sqrt")) {
			push(sqrt(pop()));
		} else if (!strcmp(w, "neg")) {
			push(-pop());
		} else if (!strcmp(w, "dup")) {
			a = pop();
			push(a);
			push(a);
		} else if (!strcmp(w, "swap")) {
			b = pop();
			a = pop();
			push(b);
			push(a);
		} else if (!strcmp(w, "pop")) {
			pop();
		} else {
			fprintf(stderr, "rpn: what is '%s'?\n", w);
			return 1;
		}
	}
	for (i = 0; i < depth; i++)
		printf("%.10g\n", stack[i]);
	return 0;
}

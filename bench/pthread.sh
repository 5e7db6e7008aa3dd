#!/bin/sh
# SPDX-License-Identifier: MIT
# pthread_create+join and an uncontended mutex lock+unlock in
# instructions, side by side: Mosaic in the guest (QEMU -icount shift=0:
# the TSC counts guest instructions) and glibc on the host (valgrind
# callgrind over the same source, two lengths, so start-up cost cancels).
# Usage: bench/pthread.sh (from the repository root).
set -eu
build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s APP=bench/pthread BUILD="$build" >/dev/null
tools/run --tcg "$build/pthread.elf" -- -icount shift=0,sleep=off \
	-rtc base=2020-01-01T00:00:00,clock=vm 2>/dev/null | tr -d '\r' |
	sed 's/^/mosaic (guest, icount): /'
command -v valgrind >/dev/null 2>&1 || {
	echo "glibc: valgrind not installed (apt-get install valgrind)"
	exit 0
}
for n in 1000 2000; do
	cc -O2 -pthread -DROUNDS=$n -o "$tmp/p$n" bench/pthread/main.c
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg$n" \
		"$tmp/p$n" >/dev/null 2>&1
	eval "ir$n=\$(sed -n 's/^summary: //p' \"$tmp/cg$n\")"
done
# The two runs differ by 1000 create+join pairs and 50,000 lock pairs;
# separate the two with a third run that only locks.
cat > "$tmp/lock.c" <<'EOC'
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile long c;
int main(int argc, char **argv)
{
	long i, n = argc > 1 ? 100000 : 50000;
	(void)argv;
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&m);
		c++;
		pthread_mutex_unlock(&m);
	}
	return 0;
}
EOC
cc -O2 -pthread -o "$tmp/lock" "$tmp/lock.c"
valgrind --tool=callgrind --callgrind-out-file="$tmp/l1" "$tmp/lock" \
	>/dev/null 2>&1
valgrind --tool=callgrind --callgrind-out-file="$tmp/l2" "$tmp/lock" x \
	>/dev/null 2>&1
l1=$(sed -n 's/^summary: //p' "$tmp/l1")
l2=$(sed -n 's/^summary: //p' "$tmp/l2")
lock=$(((l2 - l1) / 50000))
echo "glibc (host, callgrind): pthread_create+join:" \
	"$(((ir2000 - ir1000 - 50000 * lock) / 1000)) instructions"
echo "glibc (host, callgrind): mutex lock+unlock: $lock instructions"

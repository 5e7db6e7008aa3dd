#!/bin/sh
# SPDX-License-Identifier: MIT
# malloc+free fast-path cost in instructions, side by side: Mosaic's heap in
# the guest (QEMU -icount shift=0: the TSC counts guest instructions) and
# glibc's on the host (valgrind callgrind over the same loop, two lengths,
# so start-up cost cancels). Both are deterministic.
# Usage: bench/malloc.sh (from the repository root).
set -eu
build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s APP=bench/malloc BUILD="$build" >/dev/null
guest=$(tools/run --tcg "$build/malloc.elf" -- -icount shift=0,sleep=off \
	-rtc base=2020-01-01T00:00:00,clock=vm 2>/dev/null |
	sed -n 's/.*: \([0-9]*\) instructions per pair.*/\1/p')
echo "mosaic heap (guest, icount): $guest instructions per malloc+free pair"
command -v valgrind >/dev/null 2>&1 || {
	echo "glibc: valgrind not installed (apt-get install valgrind)"
	exit 0
}
for n in 10000 20000; do
	cc -O2 -DROUNDS=$n -o "$tmp/m$n" bench/malloc/main.c
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg$n" \
		"$tmp/m$n" >/dev/null 2>&1
	eval "ir$n=\$(sed -n 's/^summary: //p' \"$tmp/cg$n\")"
done
echo "glibc malloc (host, callgrind): $(((ir20000 - ir10000) / 80000))" \
	"instructions per malloc+free pair"

#!/bin/sh
# SPDX-License-Identifier: MIT
# Scheduler figures (issue #4): guest instructions per cooperative switch,
# per spawn+join and per cross-CPU wake-up (QEMU -icount shift=0: the TSC
# counts guest instructions and repeats exactly); the speedup of a
# CPU-bound workload from -smp 1 to -smp 2 under multi-threaded TCG (a
# ratio of two runs side by side); and the memory of an idle microapp.
# Usage: bench/sched.sh (from the repository root).
set -eu
build=${BUILD:-build}
make -s APP=bench/sched BUILD="$build" >/dev/null
img=$build/sched.elf
icount="-icount shift=0,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm"
run() {
	# shellcheck disable=SC2086
	tools/run --tcg --timeout 300 "$@" 2>/dev/null | tr -d '\r'
}
run --append "switch 20000" "$img" -- $icount | grep '^switch'
run --append "spawn 5000" "$img" -- $icount | grep '^spawn'
run --smp 2 --append "wake 2000" "$img" -- $icount | grep '^wake'
# Alternating pairs, the median ratio: the host is shared and noisy.
ratios=
for _ in 1 2 3; do
	one=$(run --smp 1 --append "cpu 8" "$img" |
		sed -n 's/.*: \([0-9]*\) cycles/\1/p')
	two=$(run --smp 2 --append "cpu 8" "$img" |
		sed -n 's/.*: \([0-9]*\) cycles/\1/p')
	ratios="$ratios $(python3 -c "print(f'{$one / $two:.2f}')")"
done
echo "cpu-bound, 8 microapps, smp1/smp2 time ratios:$ratios;" \
	"median $(echo $ratios | tr ' ' '\n' | sort -n | sed -n 2p)x"
run --mem 256M --append "idle 40000" "$img" | grep '^idle'

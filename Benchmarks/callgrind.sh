#!/usr/bin/env bash
# Host instructions (callgrind "I refs") for the bench loop at 50 rounds, a figure that does not
# depend on the machine's load. Valgrind 3.19 cannot read Swift 6.3's DWARF, so it runs a copy of
# the release binary without debug info. Used for BENCHMARKS.md.
#   Benchmarks/callgrind.sh [smmu-emu binary, default .build/release/smmu-emu] [sample: bench (default)
#   or bench-mmu, the same loop with the stage-1 MMU on]
set -euo pipefail
cd "$(dirname "$0")/.."
emu=${1:-.build/release/smmu-emu}
sample=${2:-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make -s -C firmware-samples build/bench.elf >/dev/null  # the flags below are the Makefile's
aarch64-linux-gnu-gcc -ffreestanding -nostdlib -nostartfiles -mgeneral-regs-only -mstrict-align \
    -mno-outline-atomics -O2 -static -Ifirmware-samples/common -DBENCH_ROUNDS=50 \
    -T firmware-samples/common/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-n \
    -o "$work/bench50.elf" firmware-samples/common/start.S firmware-samples/common/uart.c firmware-samples/$sample/main.c
cp "$emu" "$work/emu"
strip --strip-debug "$work/emu"
"$work/emu" run "$work/bench50.elf" --stats 2>&1 | grep '^total:'
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/emu" run "$work/bench50.elf" 2>&1 | grep 'refs'

#!/usr/bin/env bash
# A/B on a shared machine: runs QEMU and each given smmu-emu binary in turn, ROUNDS times, on the
# same image, and prints wall, user and system seconds per run. Alternating keeps a change in the
# machine's load from favouring one side; CPU time (user + sys) moves much less with the load
# than wall time. Used for BENCHMARKS.md.
#   Benchmarks/ab.sh 3 firmware-samples/build/bench.elf /tmp/smmu-emu-old .build/release/smmu-emu
set -euo pipefail
rounds=$1 img=$2
shift 2
TIMEFORMAT='%R s wall, %U s user, %S s sys'
for _ in $(seq "$rounds"); do
    printf 'qemu: '
    { time qemu-system-aarch64 -M virt -cpu max -nographic -monitor none -serial stdio -kernel "$img" </dev/null >/dev/null; } 2>&1
    for emu in "$@"; do
        printf '%s: ' "$emu"
        { time "$emu" run "$img" >/dev/null 2>&1; } 2>&1
    done
done

#!/usr/bin/env bash
# A/B wall clock on a shared machine: runs QEMU and each given smmu-emu binary in turn, ROUNDS
# times, on the same image, and prints one line per run. Alternating keeps a change in the
# machine's load from favouring one side. Used for BENCHMARKS.md.
#   Benchmarks/ab.sh 3 firmware-samples/build/bench.elf /tmp/smmu-emu-old .build/release/smmu-emu
set -euo pipefail
rounds=$1 img=$2
shift 2
now() { date +%s.%N; }
for _ in $(seq "$rounds"); do
    t0=$(now)
    qemu-system-aarch64 -M virt -cpu max -nographic -monitor none -serial stdio -kernel "$img" </dev/null >/dev/null
    t1=$(now)
    python3 -c "import sys; print(f'qemu {float(sys.argv[2]) - float(sys.argv[1]):.3f} s')" "$t0" "$t1"
    for emu in "$@"; do
        t0=$(now)
        "$emu" run "$img" >/dev/null
        t1=$(now)
        python3 -c "import sys; print(f'{sys.argv[3]} {float(sys.argv[2]) - float(sys.argv[1]):.3f} s')" "$t0" "$t1" "$emu"
    done
done

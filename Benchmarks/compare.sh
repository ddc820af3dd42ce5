#!/usr/bin/env bash
# Runs the CPU-bound bench sample on smmu-emu (release) and on QEMU TCG in the same run and prints
# wall times, their ratio and smmu-emu's guest instructions per second. Used for BENCHMARKS.md.
#   Benchmarks/compare.sh [image, default firmware-samples/build/bench.elf; bench-mmu.elf: MMU on]
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-firmware-samples/build/bench.elf}
EMU=.build/release/smmu-emu
now() { date +%s.%N; }

t0=$(now)
qemu_out=$(qemu-system-aarch64 -M virt -cpu max -nographic -monitor none -serial stdio -kernel "$IMG" </dev/null)
t1=$(now)
emu_out=$("$EMU" run "$IMG" --stats 2>/tmp/smmu-emu-bench.stats)
t2=$(now)

[ "$qemu_out" = "$emu_out" ] || { echo "output differs: qemu='$qemu_out' smmu-emu='$emu_out'"; exit 1; }
insns=$(awk '/^total:/ {print $5}' /tmp/smmu-emu-bench.stats)
python3 - "$t0" "$t1" "$t2" "$insns" <<'PY'
import sys
t0, t1, t2, n = map(float, sys.argv[1:])
q, e = t1 - t0, t2 - t1
print(f"qemu-system-aarch64 (TCG): {q:.3f} s")
print(f"smmu-emu (release):        {e:.3f} s")
print(f"ratio smmu-emu / qemu:     {e / q:.1f}x")
print(f"smmu-emu guest MIPS:       {n / e / 1e6:.0f} ({int(n)} instructions)")
PY

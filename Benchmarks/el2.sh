#!/usr/bin/env bash
# The EL2 path's three rates, from the el2-bench guests (firmware-samples/el2-bench/main.c):
# trapped SMMU register reads (stage-2 abort -> emulate_mmio -> back) per second, hypercalls
# (el2_arm_lpae_iova_to_phys) per second, SMMU translations per second (DMA through one context
# bank, IOTLB hits) and VM calls (remap_vm_image) per second. Rates are per CPU second (user +
# sys), which moves far less than wall time with the load of a shared machine. With several
# binaries, each runs each image in turn (an A/B of a change):
#   Benchmarks/el2.sh [ROUNDS] [BINARY...]      (default: 1 round, .build/release/smmu-emu)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}; shift || true
bins=("$@"); [ ${#bins[@]} -gt 0 ] || bins=(.build/release/smmu-emu)
for mode in trap hvc dma remap; do
  img=firmware-samples/build/el2-bench-$mode.elf
  for _ in $(seq "$rounds"); do
    for emu in "${bins[@]}"; do
      /usr/bin/time -f '%U %S' -o /tmp/el2-bench.time "$emu" run "$img" --stats >/dev/null 2>/tmp/el2-bench.stats
      cpu=$(awk '{print $1 + $2}' /tmp/el2-bench.time)
      python3 - "$mode" "$emu" "$cpu" /tmp/el2-bench.stats <<'PY'
import re, sys
mode, emu, cpu, stats = sys.argv[1], sys.argv[2], float(sys.argv[3]), open(sys.argv[4]).read()
exits = int(re.search(r"exits-to-EL2 (\d+)", stats).group(1))
if mode == "dma":
    n = sum(int(x) for x in re.findall(r"translations (\d+)", stats)); what = "SMMU translations"
else:
    n = exits; what = {"trap": "trap round trips", "hvc": "hypercalls", "remap": "VM calls"}[mode]
print(f"{mode:5} {emu}: {n} {what} in {cpu:.2f} CPU s = {n / max(cpu, 1e-9):,.0f}/s")
PY
    done
  done
done

#!/usr/bin/env bash
# Coverage-guided fuzzing of smmu-emu's hostile inputs with libFuzzer.
#   Tests/Fuzz/fuzz.sh SECONDS [TARGET...]     (default: every target)
# Builds smmu-fuzz with -sanitize=fuzzer,address into .build-fuzz, runs each target for SECONDS
# on a working corpus under .build/fuzz/corpus/TARGET (seeded from Tests/Fuzz/corpus/TARGET, the
# sample ELFs and the shipped scenarios), and keeps any crash or hang input under
# .build/fuzz/crashes/TARGET with the command that replays it. Exit status 1 if any target found
# something. Prints one line per target: inputs run, inputs per second, corpus size, findings.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(elf scenario mmio hvc devicetree a64)
# ld.lld (the Swift toolchain's): Debian's gold fails on the sanitizer runtime's objects.
swift build -c release --scratch-path .build-fuzz --product smmu-fuzz --toolset Tests/Fuzz/lld-toolset.json \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -parse-as-library >/tmp/smmu-fuzz-build.log 2>&1 \
  || { tail -30 /tmp/smmu-fuzz-build.log; echo "fuzz: build failed"; exit 2; }
bin=.build-fuzz/release/smmu-fuzz
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
found=0
for t in "${targets[@]}"; do
  corpus=.build/fuzz/corpus/$t crashes=.build/fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  [ -d Tests/Fuzz/corpus/$t ] && cp -n Tests/Fuzz/corpus/$t/* "$corpus"/ 2>/dev/null
  [ -d Tests/Fuzz/regressions/$t ] && cp -n Tests/Fuzz/regressions/$t/* "$corpus"/ 2>/dev/null
  case $t in
    elf) for f in firmware-samples/build/*.elf; do [ -f "$f" ] && cp -n "$f" "$corpus"/; done ;;
    scenario) cp -n Tests/Scenarios/*.yaml Tests/Scenarios/branches/*.yaml "$corpus"/ 2>/dev/null ;;
  esac
  max_len=4096; [ "$t" = elf ] && max_len=131072
  log=.build/fuzz/$t.log
  SMMU_FUZZ_TARGET=$t "$bin" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -max_len=$max_len -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  size=$(ls "$corpus" | wc -l)
  if [ $status -ne 0 ] || ls "$crashes" | grep -q .; then
    found=1
    echo "fuzz $t: FOUND something after ${runs:-?} inputs (log $log)"
    grep -m5 -E 'ERROR|Fatal error|fatalError|deadly signal|timeout' "$log"
    for c in "$crashes"/*; do [ -f "$c" ] && echo "  replay: swift run smmu-fuzz $t $c"; done
  else
    echo "fuzz $t: ${runs:-0} inputs in ${seconds}s (${rate:-0}/s), corpus $size, 0 crashes, 0 hangs"
  fi
done
exit $found

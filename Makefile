# smmu-emu — build, samples, tests, benchmarks. `make run` and `make test` work on a fresh Debian.
SWIFT      ?= swift
CROSS      ?= aarch64-linux-gnu-
APT_PKGS   := pkg-config libelf-dev libcapstone-dev libunicorn-dev gcc-aarch64-linux-gnu \
              binutils-aarch64-linux-gnu qemu-system-arm gdb-multiarch device-tree-compiler
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN = .build/release/smmu-emu

.PHONY: setup build release run samples test docs examples bench fuzz soak linux linux-check linux-shell linux-dma linux-dma-check clean

## setup: install the Debian packages the project needs (idempotent: only what is missing).
setup:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

samples: setup
	$(MAKE) -C firmware-samples CROSS=$(CROSS)

## run: set up, build release, run the hello sample with cycle statistics.
run: release samples
	$(RELEASE_BIN) run firmware-samples/build/hello.elf --stats

## test: set up, build the samples, run the whole test suite, then every fuzz target for
## FUZZ_SMOKE seconds (libFuzzer; a crash or hang fails the run).
FUZZ_SMOKE ?= 60
test: setup samples
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) docs
	$(MAKE) examples
	$(MAKE) linux-check
	$(MAKE) linux-dma-check
	Tests/Fuzz/fuzz.sh $(FUZZ_SMOKE)

## docs: the Emulator library's DocC archive (Sources/Emulator/Emulator.docc) under
## .build/plugins/Swift-DocC/outputs; any warning (a broken symbol or article link, an
## undocumented parameter of a documented function) fails it.
docs:
	$(SWIFT) package generate-documentation --target Emulator --warnings-as-errors

## examples: build and test Examples/, a package that uses the Emulator library as a user would.
examples:
	$(SWIFT) test --package-path Examples

## fuzz: every fuzz target for FUZZ_SECONDS (default 10 minutes each); corpus and findings
## under .build/fuzz.
FUZZ_SECONDS ?= 600
fuzz: setup samples
	Tests/Fuzz/fuzz.sh $(FUZZ_SECONDS)

## soak: SOAK_IMAGES mutated sample images and SOAK_SCENARIOS random host-action scenarios,
## each with --check-refinement --check-invariants; lists any run outside the contract.
SOAK_IMAGES ?= 10000
SOAK_SCENARIOS ?= 1000
SOAK_SEED ?= 1
SOAK_SAMPLES = hello selftest smp smmu-dma smmu-smp vm-boot fault-cost el2-touch
soak: setup samples
	$(SWIFT) build -c release --product smmu-fuzz
	.build/release/smmu-fuzz soak $(SOAK_IMAGES) $(SOAK_SCENARIOS) $(SOAK_SEED) $(SOAK_SAMPLES:%=firmware-samples/build/%.elf)

bench: release samples
	./Benchmarks/compare.sh
	./Benchmarks/compare.sh firmware-samples/build/bench-mmu.elf
	./Benchmarks/el2.sh

## linux: fetch Debian's arm64 cloud kernel and busybox-static (private apt state, cached under
## .build/linux), build the initramfs and boot it (how far it gets: Documentation/Linux.md).
linux: release
	Tests/Linux/linux.sh boot $(LINUX_OPTS)

## linux-check: the Linux boot as a test (make test runs it): the kernel log and statistics
## checked against what Documentation/Linux.md reports; skipped, saying so, without network.
linux-check:
	Tests/Linux/linux.sh check

## linux-shell: the same boot with the terminal on the guest's PL011 (--serial stdio, raw mode)
## and a busybox shell after the report; leaving the shell powers off.
linux-shell: release
	Tests/Linux/linux.sh shell $(LINUX_OPTS)

## linux-dma: the same kernel with an init that has the stock arm-smmu driver program a context
## bank for DMA engine 0 and starts a copy through it from user space (Documentation/Linux.md).
linux-dma: release
	Tests/Linux/linux.sh dma $(LINUX_OPTS)

## linux-dma-check: that run as a test (make test runs it): the driver's bank programming, EL2's
## TTBR0 substitution, the DMA fault and Linux's report, asserted; skipped without network.
linux-dma-check:
	Tests/Linux/linux.sh dma-check

clean:
	rm -rf .build firmware-samples/build

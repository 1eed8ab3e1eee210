# SPDX-License-Identifier: GPL-2.0
#
# dpmem top level. `make demo` and `make check` are the two entry points;
# both install what they need and cache the kernel build outside the repo
# (see README.md).

SHELL := /bin/bash
TOP := $(CURDIR)
MODDIR := $(TOP)/drivers/nvdimm/dpmem

# KDIR: a Rust-enabled 6.12 build tree, given on the command line or in the
# environment (a real host's). Unset, the module is built against the cached
# test kernel, whose directory is named after the installed kernel-source
# package: it is looked up when a recipe runs, after scripts/setup, never
# while this file is read (a fresh machine has no package to name it after).
# Nothing here is exported, so a nested make decides for itself.
KDIR ?=

# kbuild TARGET: run Kbuild on the module against $(KDIR) or the cached kernel.
kbuild = kdir='$(KDIR)'; \
	if [ -z "$$kdir" ]; then \
		bash $(TOP)/scripts/build-kernel && \
		kdir=$$(bash $(TOP)/scripts/build-kernel --print-dir) || exit 1; \
	fi; \
	$(MAKE) -C "$$kdir" M=$(MODDIR) LLVM=1 $(if $(CLIPPY),CLIPPY=1) $(1)

.PHONY: all module modules kernel setup check check-debug bench bench-bind bench-heat profile profile-unbind demo clippy host-test fuzz clean help

all: module

help:
	@echo "make demo        boot a guest with an emulated NVDIMM and show dpmem on it"
	@echo "make check       run every test suite (host, kunit, guest)"
	@echo "make check-debug kunit + DAX, lazy-init, reliability and claim guest tests on the debug kernel"
	@echo "                 (lockdep, KASAN, kmemleak; builds it the first time)"
	@echo "make bench       I/O and DAX throughput and latency: dpmem vs nd_pmem, ratios"
	@echo "                 (ROUNDS=5 RUNTIME=3 by default; ROWS=globs picks rows; ICOUNT=1 runs the"
	@echo "                 guest instruction-paced, so figures count instructions, free of host noise;"
	@echo "                 PLACEMENT=head by default, PLACEMENT=none runs the block rows only)"
	@echo "make profile     perf profile of bench rows on both drivers (ROWS=globs, default"
	@echo "                 write-128k-pvsync2; ICOUNT=1 samples by guest instructions)"
	@echo "make profile-unbind  where a fully built grouped namespace's unbind spends its time, vs"
	@echo "                 nd_pmem's (GIB=256)"
	@echo "make bench-bind  bind, first fault, unbind and RAM vs namespace size up to 1 TiB: dpmem head/"
	@echo "                 sectioned/grouped vs nd_pmem (ROUNDS=5, SIZES=1,16,256,1024 GiB, MODES=all)"
	@echo "make bench-heat  how often DAX rows write each page of the on-media descriptors: dpmem"
	@echo "                 head/sectioned/ram vs nd_pmem (PLACEMENTS=, INTERVAL=1 s, one round)"
	@echo "make             build dpmem.ko (KDIR=... for a real host's build tree)"
	@echo "make CLIPPY=1    build with clippy"
	@echo "make setup       install the toolchain (Debian 12)"
	@echo "make kernel      build the cached test kernel"
	@echo "make host-test   cargo tests of the pure logic"
	@echo "make fuzz        fuzz the info-block decoder and format parser (FUZZ_SECONDS=600 each)"

setup:
	bash scripts/setup

kernel:
	bash scripts/build-kernel

# Build against the cached test kernel (built first if needed) unless KDIR
# was given.
module modules:
	+@$(call kbuild,modules)

clippy:
	+$(MAKE) module CLIPPY=1

fuzz:
	bash scripts/setup
	scripts/fuzz --seconds $(or $(FUZZ_SECONDS),600)

host-test:
	cd tests/host && cargo test --quiet

check:
	bash scripts/check

check-debug:
	bash scripts/check --debug

bench:
	bash scripts/bench $(if $(ICOUNT),--icount) --rows '$(or $(ROWS),*)' --placement $(or $(PLACEMENT),head) $(or $(ROUNDS),5) $(or $(RUNTIME),3)

profile:
	bash scripts/profile $(if $(ICOUNT),--icount) '$(or $(ROWS),write-128k-pvsync2)' $(or $(ROUNDS),2) $(or $(RUNTIME),3)

profile-unbind:
	bash scripts/profile-unbind $(or $(GIB),256)

# Defaults with commas: a literal comma inside $(or ...) would split it.
BENCH_BIND_SIZES := 1,16,256,1024
BENCH_HEAT_PLACEMENTS := head,sectioned,ram

bench-bind:
	bash scripts/bench-bind $(or $(ROUNDS),5) $(or $(SIZES),$(BENCH_BIND_SIZES)) $(MODES)

bench-heat:
	bash scripts/bench-heat $(or $(RUNTIME),3) $(or $(INTERVAL),1) $(or $(PLACEMENTS),$(BENCH_HEAT_PLACEMENTS))

demo:
	bash scripts/demo

clean:
	@kdir='$(KDIR)'; [ -n "$$kdir" ] || kdir=$$(bash scripts/build-kernel --print-dir 2>/dev/null) || true; \
	if [ -n "$$kdir" ] && [ -d "$$kdir" ]; then $(MAKE) -C "$$kdir" M=$(MODDIR) LLVM=1 clean; fi
	cd tests/host && cargo clean

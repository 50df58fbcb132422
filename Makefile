# vecdex entry points. The README's two commands are `make demo` (the main job) and `make test`.
JOBS ?= $(shell nproc)
BUILD_DIR := build/release
VECDEX := $(BUILD_DIR)/vecdex
FMNIST := /usr/share/datasets/fashion-mnist
DATA := data/fashion-mnist
PY := /usr/bin/python3

.PHONY: deps build demo test asan tsan debug bench-micro bench-peers clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j$(JOBS)

# Main job: exact ground truth for Fashion-MNIST (60k x 784 base, 10k queries), then a
# recall/QPS table for every index family built so far.
demo: build
	@scripts/demo

test: build
	@ctest --preset release -j$(JOBS)

# ASan + UBSan over the whole test suite.
asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j$(JOBS)
	@ctest --preset asan -j$(JOBS)

# ThreadSanitizer over the concurrent code only: HNSW (searches during add/remove, parallel
# build), the thread pool, collections and segments (writes, background builds and searches
# together; RocksDB-internal reports suppressed: tests/tsan.supp), and other concurrency tests.
# Scalar-kernel duplicates are skipped.
tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j$(JOBS) --target vecdex_index_tests vecdex_core_tests vecdex_engine_tests
	@TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp" ctest --preset tsan -j$(JOBS) \
	  -R "Hnsw|ThreadPool|Concurren|Segment|Collection|Database" -E "^scalar\\."

debug: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j$(JOBS)
	@ctest --preset debug -j$(JOBS)

# Kernel micro-benchmarks for every SIMD target this CPU runs.
bench-micro: build
	@$(BUILD_DIR)/distance_benchmark --benchmark_min_time=0.2

# vecdex vs FAISS / hnswlib on Fashion-MNIST, one run, side by side.
bench-peers: build
	@$(PY) bench/compare_peers.py --dataset fashion-mnist --vecdex $(VECDEX) --out bench/out \
	  --spec Flat --spec "HNSW16,efc=200@ef=10,16,24,32,48,64,96,128" \
	  --hnswlib-native 16,200 --faiss-hnsw 16 --ef 10,16,24,32,48,64,96,128 --threads 1,2

clean:
	rm -rf build

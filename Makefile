# vecdex entry points. The README's main job is `make serve`; `make test` runs the tests.
JOBS ?= $(shell nproc)
BUILD_DIR := build/release
VECDEX := $(BUILD_DIR)/vecdex
FMNIST := /usr/share/datasets/fashion-mnist
DATA := data/fashion-mnist
PY := /usr/bin/python3
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: deps build serve loadtest demo test asan tsan debug bench-micro bench-peers clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j$(JOBS)

# Main job: the HTTP server on $(HOST):$(PORT) with ./vecdex-data; the first start creates the
# demo collection `fashion` (Fashion-MNIST) and prints a curl command that searches it. Ctrl-C
# stops it; the next start reuses the data.
serve: build
	@$(VECDEX) serve --data-dir ./vecdex-data --demo --host $(HOST) --port $(PORT)

# Against a running `make serve`: recall over HTTP, throughput and latency at 1/8/64
# connections, the in-process reference, and p99 at half the maximum throughput.
loadtest: build
	@scripts/loadtest --url http://$(HOST):$(PORT)

# Index benchmark table: exact ground truth for Fashion-MNIST (60k x 784 base, 10k queries),
# then a recall/QPS table for every index family built so far.
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

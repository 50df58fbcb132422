#!/bin/sh
# Compiles the native-hnswlib peer driver by hand (bench/compare_peers.py does the same on
# demand): Debian's libhnswlib-dev headers with -O3 -march=native, so hnswlib's AVX-512
# distance code is compiled in on CPUs that have it.
#   bench/hnswlib_native/build.sh [OUT]     (default build/peers/hnswlib_bench)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../../build/peers/hnswlib_bench"}
mkdir -p "$(dirname "$out")"
exec g++ -std=c++17 -O3 -march=native -DNDEBUG -pthread -Wall -Wextra -o "$out" \
  "$here/hnswlib_bench.cc" -lz

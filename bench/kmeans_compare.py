#!/usr/bin/python3
"""vecdex k-means next to faiss.Kmeans on the same data, in the same run.

Data: Fashion-MNIST train images (60000 x 784, Debian's dataset-fashion-mnist), the file
bench/micro/kmeans_benchmark reads too. For each k and thread count it runs
  - vecdex: `kmeans_benchmark --benchmark_filter=BM_KMeans/<k>/<threads>/<init>` (20 Lloyd
    iterations, random init like faiss's default, and k-means++ for reference), and
  - faiss.Kmeans(d, k, niter=20, seed=1234) with faiss.omp_set_num_threads(threads) and
    OPENBLAS_NUM_THREADS=threads,
one process each, alternating, and prints wall and CPU seconds (all threads, training only)
side by side with the faiss/vecdex ratios. On a busy machine trust the CPU columns.
Both train on all 60000 rows (max_points_per_centroid=256 does not sample at k >= 235).
vecdex does one more assignment than faiss (it reassigns after the last update, so the
reported objective belongs to the returned centroids): 21 vs 20 sgemm passes.

    /usr/bin/python3 bench/kmeans_compare.py --bench build/release/kmeans_benchmark \\
        --k 256,1024 --threads 1,2

The machine must be quiet: other load skews both columns (compare ratios, not seconds).
"""
import argparse
import json
import os
import subprocess
import sys
import time

FMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

FAISS_SNIPPET = r"""
import gzip, sys, time
import numpy as np
import faiss
path, k, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with gzip.open(path, "rb") as f:
    raw = f.read()
n, rows, cols = (int.from_bytes(raw[o:o + 4], "big") for o in (4, 8, 12))
x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols).astype(np.float32)
faiss.omp_set_num_threads(threads)
km = faiss.Kmeans(x.shape[1], k, niter=20, seed=1234, verbose=False)
t0, c0 = time.perf_counter(), time.process_time()
km.train(x)
dt, dc = time.perf_counter() - t0, time.process_time() - c0
print(f"{dt} {dc} {km.obj[-1]}")
"""


def run_vecdex(bench, k, threads, init):
    flt = f"BM_KMeans/{k}/{threads}/{init}/"
    out = subprocess.run([bench, f"--benchmark_filter={flt}", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
    return b["real_time"] * scale, b["cpu_time"] * scale, b["objective"]


def run_faiss(k, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run(["/usr/bin/python3", "-c", FAISS_SNIPPET, FMNIST, str(k), str(threads)],
                         check=True, capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/release/kmeans_benchmark")
    ap.add_argument("--k", default="256,1024")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--no-plusplus", action="store_true", help="skip vecdex k-means++ runs")
    args = ap.parse_args()
    if not os.path.exists(FMNIST):
        sys.exit(f"kmeans_compare: {FMNIST} not found (apt install dataset-fashion-mnist)")
    print(f"{'k':>5} {'thr':>3} | {'wall s: vecdex':>14} {'faiss':>6} {'ratio':>5} | "
          f"{'cpu s: vecdex':>13} {'faiss':>6} {'ratio':>5} | {'k++ wall':>8} {'k++ cpu':>7} | "
          f"{'obj v/f':>7}", flush=True)
    for k in (int(v) for v in args.k.split(",")):
        for threads in (int(v) for v in args.threads.split(",")):
            t_v, c_v, obj_v = run_vecdex(args.bench, k, threads, 1)
            t_f, c_f, obj_f = run_faiss(k, threads)
            t_pp = c_pp = float("nan")
            if not args.no_plusplus:
                t_pp, c_pp, _ = run_vecdex(args.bench, k, threads, 0)
            print(f"{k:>5} {threads:>3} | {t_v:>14.2f} {t_f:>6.2f} {t_f / t_v:>5.2f} | "
                  f"{c_v:>13.2f} {c_f:>6.2f} {c_f / c_v:>5.2f} | {t_pp:>8.2f} {c_pp:>7.2f} | "
                  f"{obj_v / obj_f:>7.4f}", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Peer side of bench/compare_peers.py: exact ground truth with FAISS, and FAISS / hnswlib runs
under the same protocol as `vecdex bench` (build timed, with --build-threads; per parameter set:
the whole query set as one batch with --threads, then single queries one at a time on one thread
for p50/p99; recall@k against the ground truth). Writes a report in vecdex's bench JSON shape
plus "system": "faiss" (Debian's generic build) or "hnswlib-py" (Debian's SSE-only
python3-hnswlib; the hnswlib to beat is bench/hnswlib_native, not this one).
The base is read once (memory-mapped, one float32 copy) and dropped after the build: FAISS and
hnswlib keep their own copy.

compare_peers.py runs each invocation in its own process with OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS set, because OpenBLAS fixes its thread count when it is loaded.

    peer_runner.py gt  --base b.fvecs --queries q.fvecs --k 100 --out gt.ivecs
    peer_runner.py run --system faiss-flat --base b.fvecs --queries q.fvecs --gt gt.ivecs \
                       --k 10 --threads 1 --json out.json
    peer_runner.py run --system faiss-spec --factory "IVF1024,PQ392x4fs,RFlat" \
                       --sweep "nprobe=4,8;k_factor=2,4" ...   (any index_factory string)
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def read_fvecs(path, max_rows=0):
    """float32 rows of an .fvecs file (the first max_rows, 0 = all): one copy in memory."""
    raw = np.memmap(path, dtype=np.int32, mode="r")
    if raw.size == 0:
        raise ValueError(f"{path}: empty file")
    dim = int(raw[0])
    if dim <= 0 or raw.size % (dim + 1) != 0:
        raise ValueError(f"{path}: not an .fvecs file (dim {dim}, {raw.size * 4} bytes)")
    rows = raw.reshape(-1, dim + 1)
    if max_rows:
        rows = rows[:max_rows]
    out = np.array(rows[:, 1:].view(np.float32), dtype=np.float32, order="C")
    del raw, rows
    return out


def read_any(path):
    """float32 rows from .fvecs, .bvecs (uint8 widened) or .npy (2-D)."""
    if path.endswith(".npy"):
        x = np.load(path)
        if x.ndim != 2:
            raise ValueError(f"{path}: expected a 2-D array, got shape {x.shape}")
        return np.ascontiguousarray(x, dtype=np.float32)
    if path.endswith(".bvecs"):
        raw = np.fromfile(path, dtype=np.uint8)
        dim = int(raw[:4].view(np.int32)[0])
        if dim <= 0 or raw.size % (dim + 4) != 0:
            raise ValueError(f"{path}: not a .bvecs file")
        return raw.reshape(-1, dim + 4)[:, 4:].astype(np.float32)
    return read_fvecs(path)


def read_ivecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    cols = int(raw[0])
    return raw.reshape(-1, cols + 1)[:, 1:]


def write_ivecs(path, ids):
    """Writes atomically (a temporary name, then rename): a cache never holds half a file."""
    ids = np.asarray(ids, dtype=np.int32)
    col = np.full((ids.shape[0], 1), ids.shape[1], dtype=np.int32)
    tmp = path + ".tmp"
    np.hstack([col, ids]).tofile(tmp)
    os.replace(tmp, path)


def recall_at_k(found, gt, k):
    hits = possible = 0
    for row, truth in zip(found[:, :k], gt[:, :k]):
        t = set(int(x) for x in truth if x >= 0)
        possible += len(t)
        hits += sum(1 for x in row if int(x) in t)
    return hits / possible if possible else 1.0


def parse_sweep(text):
    """'ef=16,32' -> [('ef', 16), ('ef', 32)]; '' -> [(None, None)] (one default run)."""
    if not text:
        return [(None, None)]
    key, _, values = text.partition("=")
    return [(key.strip(), int(v)) for v in values.split(",") if v.strip()]


def parse_multi_sweep(text):
    """'nprobe=4,8;k_factor=2,4' -> the cross product as lists of (key, value) pairs, keys in
    the order given: [[('nprobe', 4), ('k_factor', 2)], ...]; '' -> [[]] (one default run).
    Values stay text (FAISS parameters may be floats)."""
    if not text:
        return [[]]
    runs = [[]]
    for part in text.split(";"):
        key, eq, values = part.partition("=")
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not eq or not key.strip() or not vals:
            raise ValueError(f"bad sweep part '{part}' in '{text}'; expected key=v1,v2,...")
        runs = [r + [(key.strip(), v)] for r in runs for v in vals]
    return runs


def make_index(args, dim):
    """Returns (index label, build(data), set_param(key, value), search(q, k, threads), bytes())."""
    ip = args.metric == "ip"
    if args.system.startswith("faiss"):
        import faiss
        metric = faiss.METRIC_INNER_PRODUCT if ip else faiss.METRIC_L2
        if args.system == "faiss-spec":
            # Any index_factory string; parameters are set through ParameterSpace by name
            # ("nprobe", "k_factor", "efSearch", ...), one run per cross-product entry.
            index = faiss.index_factory(dim, args.factory, metric)
            label = args.factory
        elif args.system == "faiss-flat":
            index = faiss.IndexFlatIP(dim) if ip else faiss.IndexFlatL2(dim)
            label = "IndexFlatIP" if ip else "IndexFlatL2"
        elif args.system == "faiss-hnsw":
            index = faiss.IndexHNSWFlat(dim, args.m, metric)
            index.hnsw.efConstruction = args.efc
            label = f"IndexHNSWFlat M={args.m} efc={args.efc}"
        elif args.system == "faiss-ivf":
            quantizer = faiss.IndexFlatIP(dim) if ip else faiss.IndexFlatL2(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, args.nlist, metric)
            index._quantizer = quantizer  # keep it alive as long as the index
            label = f"IndexIVFFlat(nlist={args.nlist})"
        else:
            raise ValueError(f"unknown system {args.system}")

        def build(data):
            faiss.omp_set_num_threads(args.build_threads)
            if not index.is_trained:
                index.train(data)
            index.add(data)

        def set_param(key, value):
            if args.system == "faiss-spec":
                if key is None:
                    return
                try:
                    faiss.ParameterSpace().set_index_parameters(index, f"{key}={value}")
                except RuntimeError:
                    if key != "k_factor":
                        raise
                    # IndexRefine (",RFlat") names it k_factor_rf; IndexIVFPQR k_factor.
                    faiss.ParameterSpace().set_index_parameters(index, f"k_factor_rf={value}")
            elif key == "ef":
                index.hnsw.efSearch = value
            elif key == "nprobe":
                index.nprobe = value
            elif key is not None:
                raise ValueError(f"{args.system} has no search parameter {key}")

        def search(q, k, threads):
            faiss.omp_set_num_threads(threads)
            return index.search(q, k)[1]

        def nbytes():
            if args.system == "faiss-spec":
                return len(faiss.serialize_index(index))
            with tempfile.TemporaryDirectory() as d:  # on disk: no second copy in memory
                path = os.path.join(d, "f.index")
                faiss.write_index(index, path)
                return os.path.getsize(path)

        return label, build, set_param, search, nbytes

    if args.system == "hnswlib":
        import hnswlib
        index = hnswlib.Index(space="ip" if ip else "l2", dim=dim)

        def build(data):
            index.init_index(max_elements=data.shape[0], ef_construction=args.efc, M=args.m)
            index.add_items(data, np.arange(data.shape[0]), num_threads=args.build_threads)

        def set_param(key, value):
            if key == "ef":
                index.set_ef(value)
            elif key is not None:
                raise ValueError(f"hnswlib has no search parameter {key}")

        def search(q, k, threads):
            return index.knn_query(q, k=k, num_threads=threads)[0]

        def nbytes():
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "h.bin")
                index.save_index(path)
                return os.path.getsize(path)

        return f"hnswlib-py M={args.m} efc={args.efc}", build, set_param, search, nbytes
    raise ValueError(f"unknown system {args.system}")


SYSTEMS = {"faiss-flat": "faiss", "faiss-hnsw": "faiss", "faiss-ivf": "faiss",
           "faiss-spec": "faiss", "hnswlib": "hnswlib-py"}


def run(args):
    if args.build_threads is None:
        args.build_threads = args.threads
    queries = read_fvecs(args.queries, args.max_queries)
    gt = read_ivecs(args.gt)
    if gt.shape[0] < queries.shape[0] or gt.shape[1] < args.k:
        raise ValueError(f"{args.gt}: {gt.shape[0]} x {gt.shape[1]} ids, need "
                         f"{queries.shape[0]} rows and {args.k} columns")
    base = read_fvecs(args.base)
    n, dim = base.shape
    label, build, set_param, search, nbytes = make_index(args, dim)
    t0 = time.perf_counter()
    build(base)
    build_s = time.perf_counter() - t0
    del base  # the index holds its own copy
    n_lat = min(args.latency_queries or 1000, queries.shape[0])
    report = {"system": SYSTEMS[args.system], "dataset": args.dataset, "n": n,
              "dim": dim, "metric": args.metric, "k": args.k, "index": label,
              "threads": args.threads, "build_s": build_s, "index_bytes": nbytes(),
              "simd": args.simd, "runs": []}
    if args.system == "faiss-spec":
        sweep = parse_multi_sweep(args.sweep)
    else:
        sweep = [[] if key is None else [(key, value)] for key, value in parse_sweep(args.sweep)]
    for pairs in sweep:
        for key, value in pairs:
            set_param(key, value)
        search(queries[:16], args.k, args.threads)  # warm-up, as vecdex bench does
        t0 = time.perf_counter()
        found = search(queries, args.k, args.threads)
        qps = queries.shape[0] / (time.perf_counter() - t0)
        lat = []
        for i in range(n_lat):
            q = queries[i:i + 1]
            t0 = time.perf_counter()
            search(q, args.k, 1)
            lat.append((time.perf_counter() - t0) * 1e6)
        lat.sort()
        pct = lambda p: lat[max(1, int(np.ceil(p * len(lat)))) - 1]  # noqa: E731 nearest rank
        report["runs"].append({"params": ",".join(f"{k}={v}" for k, v in pairs),
                               "recall": recall_at_k(found, gt, args.k), "qps": qps,
                               "p50_us": pct(0.50), "p99_us": pct(0.99)})
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)


def ground_truth(args):
    import faiss
    base = read_fvecs(args.base)
    dim = base.shape[1]
    index = faiss.IndexFlatIP(dim) if args.metric == "ip" else faiss.IndexFlatL2(dim)
    index.add(base)
    del base  # IndexFlat holds its own copy
    queries = read_fvecs(args.queries, args.max_queries)
    write_ivecs(args.out, index.search(queries, args.k)[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description="FAISS / hnswlib side of compare_peers.py")
    ap.add_argument("mode", choices=["gt", "run"])
    ap.add_argument("--system", choices=["faiss-flat", "faiss-hnsw", "faiss-ivf", "faiss-spec",
                                         "hnswlib"])
    ap.add_argument("--factory", help="faiss-spec: a FAISS index_factory string, e.g. IVF1024,Flat")
    ap.add_argument("--base", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--gt")
    ap.add_argument("--out")
    ap.add_argument("--json")
    ap.add_argument("--dataset", default="?")
    ap.add_argument("--metric", choices=["l2", "ip"], default="l2")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="threads of the batch search")
    ap.add_argument("--build-threads", type=int, default=None, help="default: --threads")
    ap.add_argument("--max-queries", type=int, default=0, help="first N queries only (0 = all)")
    ap.add_argument("--latency-queries", type=int, default=0)
    ap.add_argument("--sweep", default="", help="one key, e.g. ef=16,32,64 or nprobe=1,4,16; "
                    "faiss-spec: keys separated by ';', cross product (nprobe=4,8;k_factor=2,4)")
    ap.add_argument("--m", type=int, default=32)
    ap.add_argument("--efc", type=int, default=200)
    ap.add_argument("--nlist", type=int, default=1024)
    ap.add_argument("--simd", default="")
    args = ap.parse_args(argv)
    if args.system == "faiss-spec" and not args.factory:
        ap.error("--system faiss-spec needs --factory")
    if args.mode == "gt":
        ground_truth(args)
    else:
        run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

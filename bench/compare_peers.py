#!/usr/bin/python3
"""vecdex side by side with FAISS and hnswlib on one dataset, in one run.

1. Data: --dataset fashion-mnist (Debian's /usr/share/datasets/fashion-mnist/*.gz, read here
   with gzip + numpy), --base/--queries files (.fvecs .bvecs .npy), or --synthetic N,DIM (via `vecdex gen`).
   Everything is written once as .fvecs under --out, so every system reads identical data.
2. Ground truth computed independently with FAISS IndexFlatL2 (gt.ivecs).
3. `vecdex bench --json` for each --spec ("SPEC" or "SPEC@SWEEP") at each --threads value.
4. Peers with the same protocol (bench/peer_runner.py, one process per thread setting with
   OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set): FAISS IndexFlatL2 always; FAISS HNSW / IVF and
   Python hnswlib when asked.
5. Checks vecdex Flat recall against the FAISS ground truth, prints a side-by-side table (best
   QPS at recall@k >= 0.90 / 0.95 / 0.99, build time, bytes) and vecdex/peer ratios, and draws
   one plot (plot.py). All JSON goes to --out.

    /usr/bin/python3 bench/compare_peers.py --dataset fashion-mnist --out /tmp/cmp
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
FMNIST = "/usr/share/datasets/fashion-mnist"
THRESHOLDS = (0.90, 0.95, 0.99)


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 0x803:
        raise ValueError(f"{path}: not an IDX image file (magic {magic:#x})")
    pixels = np.frombuffer(raw[16:16 + n * rows * cols], dtype=np.uint8)
    return pixels.reshape(n, rows * cols).astype(np.float32)


def write_fvecs(path, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    dims = np.full((x.shape[0], 1), x.shape[1], dtype=np.int32)
    np.hstack([dims, x.view(np.int32)]).tofile(path)


def run(cmd, env_threads=None, quiet=False):
    env = dict(os.environ)
    if env_threads is not None:
        env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = str(env_threads)
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, env=env, check=True, text=True,
                         stdout=subprocess.PIPE if quiet else None)
    return out.stdout


def prepare_data(args):
    os.makedirs(args.out, exist_ok=True)
    base_path, q_path = os.path.join(args.out, "base.fvecs"), os.path.join(args.out, "queries.fvecs")
    if args.dataset == "fashion-mnist":
        write_fvecs(base_path, read_idx_images(f"{FMNIST}/train-images-idx3-ubyte.gz"))
        q = read_idx_images(f"{FMNIST}/t10k-images-idx3-ubyte.gz")
        write_fvecs(q_path, q[:args.max_queries] if args.max_queries else q)
        return "fashion-mnist", base_path, q_path
    if args.synthetic:
        n, dim = (int(v) for v in args.synthetic.split(","))
        nq = args.max_queries or 1000
        run([args.vecdex, "gen", "--n", str(n), "--dim", str(dim), "--queries", str(nq),
             "--clusters", str(max(1, n // 1000)), "--seed", "42", "--out-base", base_path,
             "--out-queries", q_path])
        return f"synthetic-{n}x{dim}", base_path, q_path
    if not (args.base and args.queries):
        sys.exit("compare_peers.py: give --dataset fashion-mnist, --synthetic N,DIM or "
                 "--base and --queries (.fvecs .bvecs .npy)")
    sys.path.insert(0, HERE)
    from peer_runner import read_any  # noqa: E402
    write_fvecs(base_path, read_any(args.base))
    q = read_any(args.queries)
    write_fvecs(q_path, q[:args.max_queries] if args.max_queries else q)
    return os.path.splitext(os.path.basename(args.base))[0], base_path, q_path


def best_qps(report, threshold):
    qps = [r["qps"] for r in report["runs"] if r["recall"] is not None and r["recall"] >= threshold]
    return max(qps) if qps else None


def fmt_qps(v):
    return "-" if v is None else f"{v:,.0f}"


def print_tables(reports):
    head = f"{'system':<8} {'index':<34} {'thr':>3} {'build_s':>8} {'MB':>8} " + " ".join(
        f"{'qps@' + format(t, '.2f'):>10}" for t in THRESHOLDS) + f" {'p50_us':>8} {'p99_us':>8}"
    print(head)
    print("-" * len(head))
    for r in reports:
        best = max(r["runs"], key=lambda x: x["qps"] if x["recall"] >= THRESHOLDS[0] else -1)
        print(f"{r.get('system', 'vecdex'):<8} {r['index'][:34]:<34} {r['threads']:>3} "
              f"{r['build_s']:>8.2f} {r['index_bytes'] / 2**20:>8.1f} " +
              " ".join(f"{fmt_qps(best_qps(r, t)):>10}" for t in THRESHOLDS) +
              f" {best['p50_us']:>8.0f} {best['p99_us']:>8.0f}")
    print("\nratio vecdex / peer (QPS at equal recall, same thread count; >1 = vecdex faster)")
    ours = [r for r in reports if r.get("system", "vecdex") == "vecdex"]
    peers = [r for r in reports if r.get("system", "vecdex") != "vecdex"]
    for o in ours:
        for p in (p for p in peers if p["threads"] == o["threads"]):
            cells = []
            for t in THRESHOLDS:
                a, b = best_qps(o, t), best_qps(p, t)
                cells.append(f"{a / b:>6.2f}x" if a and b else f"{'-':>7}")
            build = p["build_s"] / o["build_s"] if o["build_s"] > 0 else float("inf")
            print(f"  vecdex {o['index'][:24]:<24} vs {p['system']:<7} {p['index'][:30]:<30} "
                  f"t={o['threads']}: " + " ".join(cells) + f"   build time peer/vecdex {build:.2f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist"])
    ap.add_argument("--base")
    ap.add_argument("--queries")
    ap.add_argument("--synthetic", metavar="N,DIM")
    ap.add_argument("--out", required=True, help="directory for data, JSON and the plot")
    ap.add_argument("--vecdex", default="build/release/vecdex", help="path of the vecdex CLI")
    ap.add_argument("--spec", action="append", help='"SPEC" or "SPEC@SWEEP" (default Flat)')
    ap.add_argument("--threads", default="1", help="comma list of thread counts, e.g. 1,2")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--metric", choices=["l2", "ip"], default="l2")
    ap.add_argument("--max-queries", type=int, default=0)
    ap.add_argument("--latency-queries", type=int, default=1000)
    ap.add_argument("--faiss-hnsw", type=int, metavar="M", help="also run FAISS IndexHNSWFlat")
    ap.add_argument("--faiss-ivf", type=int, metavar="NLIST", help="also run FAISS IndexIVFFlat")
    ap.add_argument("--hnswlib", type=int, metavar="M", help="also run Python hnswlib")
    ap.add_argument("--efc", type=int, default=200, help="HNSW ef_construction for the peers")
    ap.add_argument("--ef", default="10,16,32,64,128,256", help="HNSW ef sweep for the peers")
    ap.add_argument("--nprobe", default="1,2,4,8,16,32,64", help="IVF nprobe sweep for FAISS")
    args = ap.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    specs = args.spec or ["Flat"]

    name, base, queries = prepare_data(args)
    gt = os.path.join(args.out, "gt.ivecs")
    run([PY, f"{HERE}/peer_runner.py", "gt", "--base", base, "--queries", queries, "--k",
         str(args.k), "--metric", args.metric, "--out", gt], env_threads=os.cpu_count())

    jsons = []
    for t in threads:
        for i, item in enumerate(specs):
            spec, _, sweep = item.partition("@")
            out = os.path.join(args.out, f"vecdex-{i}-t{t}.json")
            cmd = [args.vecdex, "bench", "--base", base, "--queries", queries, "--gt", gt,
                   "--k", str(args.k), "--metric", args.metric, "--index", spec, "--threads",
                   str(t), "--name", name, "--latency-queries", str(args.latency_queries),
                   "--json", out]
            run(cmd + (["--sweep", sweep] if sweep else []), env_threads=t)
            jsons.append(out)
        peers = [("faiss-flat", [])]
        if args.faiss_hnsw:
            peers.append(("faiss-hnsw", ["--m", str(args.faiss_hnsw), "--efc", str(args.efc),
                                         "--sweep", f"ef={args.ef}"]))
        if args.faiss_ivf:
            peers.append(("faiss-ivf", ["--nlist", str(args.faiss_ivf),
                                        "--sweep", f"nprobe={args.nprobe}"]))
        if args.hnswlib:
            peers.append(("hnswlib", ["--m", str(args.hnswlib), "--efc", str(args.efc),
                                      "--sweep", f"ef={args.ef}"]))
        for system, extra in peers:
            out = os.path.join(args.out, f"{system}-t{t}.json")
            run([PY, f"{HERE}/peer_runner.py", "run", "--system", system, "--base", base,
                 "--queries", queries, "--gt", gt, "--k", str(args.k), "--metric", args.metric,
                 "--threads", str(t), "--latency-queries", str(args.latency_queries),
                 "--dataset", name, "--json", out] + extra, env_threads=t)
            jsons.append(out)

    reports = []
    for path in jsons:
        with open(path, encoding="utf-8") as f:
            reports.append(json.load(f))
    print(f"\n{name}: k={args.k}, metric={args.metric}, ground truth = FAISS IndexFlat "
          f"({args.out}/gt.ivecs)\n")
    print_tables(reports)

    ok = True
    for r in reports:
        if r.get("system", "vecdex") == "vecdex" and r["index"].split(",")[0] == "Flat":
            recall = min(run["recall"] for run in r["runs"])
            good = recall >= 0.999  # float ties at the k-th distance may swap equal neighbours
            ok = ok and good
            print(f"\ncheck: vecdex Flat recall@{args.k} vs FAISS ground truth (t={r['threads']}) "
                  f"= {recall:.5f} {'OK' if good else 'FAIL (expected >= 0.999)'}")
    plot = os.path.join(args.out, "recall_qps.png")
    run([PY, f"{HERE}/plot.py", "--out", plot] + jsons)
    print(f"plot: {plot}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

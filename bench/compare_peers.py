#!/usr/bin/python3
"""vecdex side by side with hnswlib and FAISS on one dataset, in one run.

1. Data (cached under --cache, keyed by its parameters, so re-runs are cheap):
   --dataset fashion-mnist (Debian's /usr/share/datasets/fashion-mnist, converted to .fvecs once),
   --synthetic N,DIM[,CLUSTERS] (`vecdex gen`, seed 42; --synthetic-queries queries), or
   --base/--queries files (.fvecs used in place; .bvecs/.npy converted once).
2. Ground truth computed independently with FAISS IndexFlat (k=100, all queries; cached).
   Recall is measured against it, except that on Fashion-MNIST data/fashion-mnist/gt100.ivecs
   (from `vecdex gt`) is reused when present; the FAISS ground truth then checks it.
3. `vecdex bench --json` for each --spec ("SPEC" or "SPEC@SWEEP") at each --threads value.
4. Peers under the same protocol, one process each:
   --hnswlib-native M[,EFC]: Debian's hnswlib headers compiled -O3 -march=native by
     bench/hnswlib_native (AVX-512 distances; built on demand into build/peers/). THE BAR.
   --faiss-hnsw M (IndexHNSWFlat), --faiss-ivf NLIST: Debian's FAISS, a generic build.
   --faiss-spec "FACTORY@SWEEP" (repeatable): any FAISS index_factory string, swept over
     ParameterSpace keys (cross product of ';'-separated keys; k_factor reaches RFlat's
     k_factor_rf); bytes = len(faiss.serialize_index(index)).
   --hnswlib M: Debian's python3-hnswlib, an SSE-only build; reported, not the bar.
   FAISS IndexFlat (exact, BLAS) always, unless --no-faiss-flat.
   HNSW peers use --efc and sweep --ef; every build uses --build-threads threads (default 2).
5. Prints, per system, the best measured QPS at recall@k >= 0.90 / 0.95 / 0.99 (no
   interpolation: the fastest run that reaches the recall), build time and index bytes; then
   vecdex / hnswlib-native ratios at each recall level (and vs the other peers); checks exact
   search against the FAISS ground truth; draws one plot (plot.py). Everything goes to --out.

    /usr/bin/python3 bench/compare_peers.py --dataset fashion-mnist --out /tmp/cmp \\
        --vecdex build/release/vecdex --hnswlib-native 16,200 --faiss-hnsw 16 --hnswlib 16 \\
        --spec "HNSW16,efc=200@ef=10,16,24,32,48,64,96,128,192,256"
    /usr/bin/python3 bench/compare_peers.py --synthetic 1000000,128 --out /tmp/cmp1m ...

Benchmarks are only meaningful on a quiet machine: other load skews QPS and build times.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"
FMNIST = "/usr/share/datasets/fashion-mnist"
VECDEX_FMNIST_GT = os.path.join(ROOT, "data", "fashion-mnist", "gt100.ivecs")
NATIVE_SRC = os.path.join(HERE, "hnswlib_native", "hnswlib_bench.cc")
THRESHOLDS = (0.90, 0.95, 0.99)
GT_K = 100
NOTES = {"vecdex": "", "hnswlib-native": "the bar (-O3 -march=native)",
         "faiss": "generic build", "hnswlib-py": "SSE build, not the bar"}

sys.path.insert(0, HERE)
from peer_runner import read_any, read_ivecs  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, env_threads=None, quiet=False, blas_threads=None):
    """Runs cmd with OMP_NUM_THREADS = env_threads and OPENBLAS_NUM_THREADS = blas_threads
    (default env_threads). OpenBLAS fixes its thread count at load, so a peer measured with t
    search threads must be started with t BLAS threads, whatever its build used."""
    env = dict(os.environ)
    if env_threads is not None:
        env["OMP_NUM_THREADS"] = str(env_threads)
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads if blas_threads is not None else env_threads)
    log("+ " + " ".join(cmd))
    out = subprocess.run(cmd, env=env, check=True, text=True,
                         stdout=subprocess.PIPE if quiet else None)
    return out.stdout


# ---- data ------------------------------------------------------------------------------------

def write_fvecs(path, x, chunk=1 << 16):
    """Writes rows in chunks (no second full copy) to a temporary name, then renames."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for i in range(0, x.shape[0], chunk):
            part = np.ascontiguousarray(x[i:i + chunk], dtype=np.float32)
            rows = np.empty((part.shape[0], part.shape[1] + 1), dtype=np.int32)
            rows[:, 0] = part.shape[1]
            rows[:, 1:] = part.view(np.int32)
            rows.tofile(f)
    os.replace(tmp, path)


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 0x803:
        raise ValueError(f"{path}: not an IDX image file (magic {magic:#x})")
    return np.frombuffer(raw[16:16 + n * rows * cols], dtype=np.uint8).reshape(n, rows * cols)


def fvecs_rows(path):
    with open(path, "rb") as f:
        dim = int(np.frombuffer(f.read(4), dtype=np.int32)[0])
    return os.path.getsize(path) // (4 * (dim + 1)), dim


def prepare_data(args):
    """Returns (dataset label, cache dir, base.fvecs, queries.fvecs)."""
    if args.dataset == "fashion-mnist":
        d = os.path.join(args.cache, "fashion-mnist")
        os.makedirs(d, exist_ok=True)
        base, queries = os.path.join(d, "base.fvecs"), os.path.join(d, "queries.fvecs")
        for src, dst in (("train", base), ("t10k", queries)):
            if not os.path.exists(dst):
                log(f"converting {FMNIST}/{src}-images-idx3-ubyte.gz -> {dst}")
                write_fvecs(dst, read_idx_images(f"{FMNIST}/{src}-images-idx3-ubyte.gz"))
        return "fashion-mnist", d, base, queries
    if args.synthetic:
        parts = [int(v) for v in args.synthetic.split(",")]
        if len(parts) not in (2, 3) or min(parts) <= 0:
            sys.exit("compare_peers.py: --synthetic takes N,DIM or N,DIM,CLUSTERS")
        n, dim = parts[:2]
        clusters = parts[2] if len(parts) == 3 else max(1, n // 1000)
        nq = args.synthetic_queries
        key = f"synthetic-n{n}-d{dim}-c{clusters}-q{nq}-s42"
        d = os.path.join(args.cache, key)
        os.makedirs(d, exist_ok=True)
        base, queries = os.path.join(d, "base.fvecs"), os.path.join(d, "queries.fvecs")
        if os.path.exists(base) and os.path.exists(queries):
            log(f"synthetic data from the cache: {d}")
        else:
            run([args.vecdex, "gen", "--n", str(n), "--dim", str(dim), "--queries", str(nq),
                 "--clusters", str(clusters), "--seed", "42", "--out-base", base,
                 "--out-queries", queries])
        return f"synthetic-{n}x{dim}-c{clusters}", d, base, queries
    if not (args.base and args.queries):
        sys.exit("compare_peers.py: give --dataset fashion-mnist, --synthetic N,DIM[,CLUSTERS] "
                 "or --base and --queries (.fvecs .bvecs .npy)")
    name = os.path.splitext(os.path.basename(args.base))[0]
    st = os.stat(args.base)
    d = os.path.join(args.cache, f"files-{name}-{st.st_size}-{int(st.st_mtime)}")
    os.makedirs(d, exist_ok=True)
    paths = []
    for src, label in ((args.base, "base"), (args.queries, "queries")):
        if src.endswith(".fvecs"):
            paths.append(os.path.abspath(src))  # used in place, no copy
            continue
        dst = os.path.join(d, f"{label}.fvecs")
        if not os.path.exists(dst):
            log(f"converting {src} -> {dst}")
            write_fvecs(dst, read_any(src))
        paths.append(dst)
    return name, d, paths[0], paths[1]


def faiss_ground_truth(args, cache_dir, base, queries):
    """FAISS IndexFlat top-100 of every query (cached next to the data)."""
    gt = os.path.join(cache_dir, f"gt{GT_K}.faiss.{args.metric}.ivecs")
    if os.path.exists(gt) and os.path.getmtime(gt) >= os.path.getmtime(base):
        log(f"FAISS ground truth from the cache: {gt}")
    else:
        run([PY, f"{HERE}/peer_runner.py", "gt", "--base", base, "--queries", queries, "--k",
             str(GT_K), "--metric", args.metric, "--out", gt], env_threads=os.cpu_count())
    return gt


def recall(found, truth, k):
    hits = possible = 0
    for row, t in zip(found[:, :k], truth[:, :k]):
        t = set(int(x) for x in t if x >= 0)
        possible += len(t)
        hits += sum(1 for x in row if int(x) in t)
    return hits / possible if possible else 1.0


# ---- the native hnswlib driver ---------------------------------------------------------------

def native_driver(args):
    exe = os.path.join(args.peers_dir, "hnswlib_bench")
    if os.path.exists(exe) and os.path.getmtime(exe) >= os.path.getmtime(NATIVE_SRC):
        return exe
    os.makedirs(args.peers_dir, exist_ok=True)
    log(f"compiling the native hnswlib driver ({'stale' if os.path.exists(exe) else 'missing'}):"
        f" {exe}")
    run(["sh", os.path.join(HERE, "hnswlib_native", "build.sh"), exe])
    return exe


# ---- the table -------------------------------------------------------------------------------

def best_run(report, threshold):
    """The fastest measured run reaching recall >= threshold (no interpolation), or None."""
    ok = [r for r in report["runs"] if r.get("recall") is not None and r["recall"] >= threshold]
    return max(ok, key=lambda r: r["qps"]) if ok else None


def best_qps(report, threshold):
    r = best_run(report, threshold)
    return r["qps"] if r else None


def fmt_qps(v):
    return "-" if v is None else f"{v:,.0f}"


def system_of(report):
    return report.get("system", "vecdex")


def full_label(report):
    """"system index", without repeating a system name the index label already starts with."""
    system, index = system_of(report), report["index"]
    return index if index.startswith(system) else f"{system} {index}"


def print_tables(reports, build_threads):
    head = (f"{'system':<15} {'index':<34} {'thr':>3} {'build_s':>8} {'MB':>8} " +
            " ".join(f"{'qps@' + format(t, '.2f'):>10}" for t in THRESHOLDS) +
            f" {'p50_us':>7} {'p99_us':>7}  note")
    print(f"(QPS: whole query set as one batch on 'thr' threads, best measured run reaching the "
          f"recall;\n build: {build_threads} threads; p50/p99: single queries at the run chosen "
          f"for recall {THRESHOLDS[1]:.2f})\n")
    print(head)
    print("-" * len(head))
    for r in reports:
        at = best_run(r, THRESHOLDS[1])
        lat = (f"{at['p50_us']:>7.0f} {at['p99_us']:>7.0f}" if at else f"{'-':>7} {'-':>7}")
        print(f"{system_of(r):<15} {r['index'][:34]:<34} {r['threads']:>3} "
              f"{r['build_s']:>8.2f} {r['index_bytes'] / 2**20:>8.1f} " +
              " ".join(f"{fmt_qps(best_qps(r, t)):>10}" for t in THRESHOLDS) +
              f" {lat}  {NOTES.get(system_of(r), '')}")

    ours = [r for r in reports if system_of(r) == "vecdex"]
    peers = sorted((r for r in reports if system_of(r) != "vecdex"),
                   key=lambda p: system_of(p) != "hnswlib-native")  # the bar first
    if not ours or not peers:
        return
    print("\nratios vecdex / peer at equal recall (same search threads): QPS (>1 = vecdex "
          "faster), build time and index bytes (<1 = vecdex smaller)")
    print(f"  {'vecdex index':<28} {'peer':<34} " +
          " ".join(f"{'qps@' + format(t, '.2f'):>9}" for t in THRESHOLDS) +
          f" {'build':>7} {'bytes':>7}")
    for o in ours:
        for p in (p for p in peers if p["threads"] == o["threads"]):
            cells = []
            for t in THRESHOLDS:
                a, b = best_qps(o, t), best_qps(p, t)
                cells.append(f"{a / b:>8.2f}x" if a and b else f"{'-':>9}")
            build = o["build_s"] / p["build_s"] if p["build_s"] > 0 else float("inf")
            size = o["index_bytes"] / p["index_bytes"] if p["index_bytes"] else float("inf")
            mark = "  <- the bar" if system_of(p) == "hnswlib-native" else ""
            print(f"  {o['index'][:28]:<28} {full_label(p)[:34]:<34} " +
                  " ".join(cells) + f" {build:>6.2f}x {size:>6.2f}x t={o['threads']}{mark}")


# ---- main ------------------------------------------------------------------------------------

def parse_native(text):
    parts = [int(v) for v in text.split(",")]
    if len(parts) not in (1, 2) or min(parts) <= 0:
        raise argparse.ArgumentTypeError("--hnswlib-native takes M or M,EFC")
    return parts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--dataset", choices=["fashion-mnist"])
    ap.add_argument("--base")
    ap.add_argument("--queries")
    ap.add_argument("--synthetic", metavar="N,DIM[,CLUSTERS]",
                    help="`vecdex gen` data (default CLUSTERS = N/1000), seed 42")
    ap.add_argument("--synthetic-queries", type=int, default=10000)
    ap.add_argument("--out", required=True, help="directory for the JSON reports and the plot")
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "peers", "data"),
                    help="data and ground-truth cache (default build/peers/data)")
    ap.add_argument("--peers-dir", default=os.path.join(ROOT, "build", "peers"),
                    help="where the native hnswlib driver is compiled")
    ap.add_argument("--vecdex", default=os.path.join(ROOT, "build", "release", "vecdex"),
                    help="path of the vecdex CLI")
    ap.add_argument("--spec", action="append",
                    help='vecdex index, "SPEC" or "SPEC@SWEEP" (repeatable; default Flat)')
    ap.add_argument("--threads", default="1",
                    help="comma list of search thread counts for the batch QPS, e.g. 1,2")
    ap.add_argument("--build-threads", type=int, default=2, help="build threads, every system")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--metric", choices=["l2", "ip"], default="l2")
    ap.add_argument("--max-queries", type=int, default=0, help="first N queries (0 = all)")
    ap.add_argument("--latency-queries", type=int, default=1000)
    ap.add_argument("--hnswlib-native", type=parse_native, metavar="M[,EFC]",
                    help="native hnswlib (the bar); EFC defaults to --efc")
    ap.add_argument("--faiss-hnsw", type=int, metavar="M", help="FAISS IndexHNSWFlat")
    ap.add_argument("--faiss-ivf", type=int, metavar="NLIST", help="FAISS IndexIVFFlat")
    ap.add_argument("--faiss-spec", action="append", metavar="FACTORY@SWEEP",
                    help='any FAISS index_factory string with a sweep over its ParameterSpace '
                         'keys, cross product of ";"-separated keys (repeatable), e.g. '
                         '"IVF1024,PQ392x4fs,RFlat@nprobe=4,8,16;k_factor=2,4,8"')
    ap.add_argument("--hnswlib", type=int, metavar="M", help="Debian's python3-hnswlib (SSE)")
    ap.add_argument("--no-faiss-flat", action="store_true", help="skip FAISS exact search")
    ap.add_argument("--efc", type=int, default=200, help="HNSW ef_construction for the peers")
    ap.add_argument("--ef", default="10,16,24,32,48,64,96,128,192,256",
                    help="HNSW ef sweep for the peers")
    ap.add_argument("--nprobe", default="1,2,4,8,16,32,64", help="IVF nprobe sweep for FAISS")
    ap.add_argument("--gt-source", choices=["auto", "faiss"], default="auto",
                    help="auto: reuse data/fashion-mnist/gt100.ivecs on Fashion-MNIST")
    ap.add_argument("--plot-min-recall", type=float, default=None)
    args = ap.parse_args(argv)
    threads = [int(t) for t in args.threads.split(",")]
    specs = args.spec or ["Flat"]
    os.makedirs(args.out, exist_ok=True)

    name, cache_dir, base, queries = prepare_data(args)
    n_base, dim = fvecs_rows(base)
    faiss_gt = faiss_ground_truth(args, cache_dir, base, queries)
    gt = faiss_gt
    nq = min(args.max_queries or fvecs_rows(queries)[0], fvecs_rows(queries)[0])
    if (args.gt_source == "auto" and name == "fashion-mnist" and args.metric == "l2" and
            os.path.exists(VECDEX_FMNIST_GT)):
        g = read_ivecs(VECDEX_FMNIST_GT)
        if g.shape[0] >= nq and g.shape[1] >= args.k:
            gt = VECDEX_FMNIST_GT
    log(f"{name}: {n_base} x {dim}, {nq} queries, ground truth {gt}")

    jsons = []
    native_exe = native_driver(args) if args.hnswlib_native else None
    common = ["--k", str(args.k), "--metric", args.metric, "--latency-queries",
              str(args.latency_queries)]
    if args.max_queries:
        common += ["--max-queries", str(args.max_queries)]
    for t in threads:
        env_t = max(t, args.build_threads)
        for i, item in enumerate(specs):
            spec, _, sweep = item.partition("@")
            out = os.path.join(args.out, f"vecdex-{i}-t{t}.json")
            cmd = [args.vecdex, "bench", "--base", base, "--queries", queries, "--gt", gt,
                   "--index", spec, "--threads", str(t), "--build-threads",
                   str(args.build_threads), "--name", name, "--json", out] + common
            run(cmd + (["--sweep", sweep] if sweep else []), env_threads=env_t)
            jsons.append(out)
        if native_exe:
            m = args.hnswlib_native[0]
            efc = args.hnswlib_native[1] if len(args.hnswlib_native) > 1 else args.efc
            out = os.path.join(args.out, f"hnswlib-native-t{t}.json")
            run([native_exe, "--base", base, "--queries", queries, "--gt", gt, "--M", str(m),
                 "--efc", str(efc), "--ef", args.ef, "--threads", str(t), "--build-threads",
                 str(args.build_threads), "--dataset", name, "--json", out] + common)
            jsons.append(out)
        peers = [] if args.no_faiss_flat else [("faiss-flat", [])]
        if args.faiss_hnsw:
            peers.append(("faiss-hnsw", ["--m", str(args.faiss_hnsw), "--efc", str(args.efc),
                                         "--sweep", f"ef={args.ef}"]))
        if args.faiss_ivf:
            peers.append(("faiss-ivf", ["--nlist", str(args.faiss_ivf),
                                        "--sweep", f"nprobe={args.nprobe}"]))
        if args.hnswlib:
            peers.append(("hnswlib", ["--m", str(args.hnswlib), "--efc", str(args.efc),
                                      "--sweep", f"ef={args.ef}"]))
        for item in args.faiss_spec or []:
            factory, _, sweep = item.partition("@")
            peers.append(("faiss-spec", ["--factory", factory] +
                          (["--sweep", sweep] if sweep else [])))
        n_spec = 0
        for system, extra in peers:
            name_part = system
            if system == "faiss-spec":
                name_part = f"faiss-spec-{n_spec}"
                n_spec += 1
            out = os.path.join(args.out, f"{name_part}-t{t}.json")
            run([PY, f"{HERE}/peer_runner.py", "run", "--system", system, "--base", base,
                 "--queries", queries, "--gt", gt, "--threads", str(t), "--build-threads",
                 str(args.build_threads), "--dataset", name, "--json", out] + common + extra,
                env_threads=env_t, blas_threads=t)
            jsons.append(out)

    reports = []
    for path in jsons:
        with open(path, encoding="utf-8") as f:
            reports.append(json.load(f))
    gt_note = "FAISS IndexFlat" if gt == faiss_gt else "vecdex gt (checked against FAISS below)"
    print(f"\n{name}: n={n_base} dim={dim} queries={nq} k={args.k} metric={args.metric}, "
          f"ground truth = {gt_note} ({gt})")
    print("Machine load matters: QPS and build times are only comparable within one quiet run.\n")
    print_tables(reports, args.build_threads)

    # Exact search against FAISS's independent ground truth.
    ok = True
    faiss_ids = read_ivecs(faiss_gt)[:nq]
    if gt != faiss_gt:
        r = recall(read_ivecs(gt)[:nq], faiss_ids, args.k)
        good = r >= 0.999  # float ties at the k-th distance may swap equal neighbours
        ok = ok and good
        print(f"\ncheck: vecdex exact ground truth ({gt}) vs FAISS IndexFlat, recall@{args.k} = "
              f"{r:.5f} {'OK' if good else 'FAIL (expected >= 0.999)'}")
    for r in reports:
        if system_of(r) == "vecdex" and r["index"].split(",")[0] == "Flat":
            worst = min(x["recall"] for x in r["runs"])
            good = worst >= 0.999
            ok = ok and good
            print(f"check: vecdex Flat recall@{args.k} vs {'FAISS' if gt == faiss_gt else 'vecdex'}"
                  f" ground truth (t={r['threads']}) = {worst:.5f} "
                  f"{'OK' if good else 'FAIL (expected >= 0.999)'}")
    plot = os.path.join(args.out, "recall_qps.png")
    plot_cmd = [PY, f"{HERE}/plot.py", "--out", plot]
    if args.plot_min_recall is not None:
        plot_cmd += ["--min-recall", str(args.plot_min_recall)]
    run(plot_cmd + jsons)
    print(f"plot: {plot}\nreports: {' '.join(jsons)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

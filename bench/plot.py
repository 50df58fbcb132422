#!/usr/bin/python3
"""Recall-vs-QPS plot from one or more bench JSON files (vecdex's and peers').

Each file holds one report in the `vecdex bench --json` shape (DESIGN.md, "CLI and benchmark
contract") or a list of them. Peers' reports (bench/compare_peers.py) add a "system" key;
vecdex's reports are labelled "vecdex". One curve per report: x = recall@k, y = QPS (log).

    /usr/bin/python3 bench/plot.py --out plot.png a.json b.json ...
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


def load_reports(paths):
    reports = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        items = data if isinstance(data, list) else [data]
        for r in items:
            if not isinstance(r, dict) or "runs" not in r:
                raise ValueError(f"{path}: expected a bench report with a 'runs' list")
            reports.append(r)
    return reports


# How each peer build is to be read (bench/compare_peers.py, issue 3's "Bar").
NOTES = {"hnswlib-native": "the bar", "faiss": "generic build", "hnswlib-py": "SSE build"}


def label(report):
    system = report.get("system", "vecdex")
    index = str(report.get("index", "?"))
    text = index if index.startswith(system) else f"{system} {index}"
    note = NOTES.get(system)
    return f"{text} (t={report.get('threads', '?')}" + (f", {note})" if note else ")")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="PNG to write")
    ap.add_argument("--title", help="plot title (default: dataset, n, dim, k)")
    ap.add_argument("--min-recall", type=float, default=None, help="left edge of the x axis")
    ap.add_argument("json", nargs="+", help="bench JSON files")
    args = ap.parse_args(argv)

    try:
        reports = load_reports(args.json)
    except (OSError, ValueError) as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 1

    fig, ax = plt.subplots(figsize=(8, 5.5))
    markers = "os^vD<>pX*h"
    for i, r in enumerate(reports):
        runs = [x for x in r["runs"] if x.get("recall") is not None and x.get("qps")]
        runs.sort(key=lambda x: x["recall"])
        if not runs:
            continue
        ax.plot([x["recall"] for x in runs], [x["qps"] for x in runs],
                marker=markers[i % len(markers)], linewidth=1.5, label=label(r))
    ax.set_yscale("log")
    ax.set_xlabel(f"recall@{reports[0].get('k', '?')}" if reports else "recall")
    ax.set_ylabel("queries per second (log)")
    ax.set_xlim(right=1.005)  # recall never exceeds 1
    if args.min_recall is not None:
        ax.set_xlim(left=args.min_recall)
    first = reports[0] if reports else {}
    ax.set_title(args.title or "{} (n={}, dim={}, {}, k={})".format(
        first.get("dataset", "?"), first.get("n", "?"), first.get("dim", "?"),
        first.get("metric", "?"), first.get("k", "?")))
    ax.grid(True, which="both", alpha=0.3)
    if reports:
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())

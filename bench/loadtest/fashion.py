"""Fashion-MNIST pieces of scripts/loadtest: read the IDX files, write search bodies, load or
compute exact ground truth, and measure recall@k of a server over HTTP."""

import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np

FMNIST = "/usr/share/datasets/fashion-mnist"
TRAIN = os.path.join(FMNIST, "train-images-idx3-ubyte.gz")
TEST = os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")


def read_idx_images(path):
    """(n, rows*cols) float32 from an IDX3 file, gzip or plain."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        raise ValueError(f"{path}: not an IDX image file (magic {magic:#x})")
    pixels = np.frombuffer(data, dtype=np.uint8, count=n * rows * cols, offset=16)
    return pixels.reshape(n, rows * cols).astype(np.float32)


def search_body(vector, k, params, with_payload=False):
    body = {"vector": [int(v) if float(v).is_integer() else float(v) for v in vector], "k": k}
    if params:
        body["params"] = params
    if with_payload:
        body["with_payload"] = True
    return json.dumps(body, separators=(",", ":"))


def write_bodies(queries, k, params, path):
    """One search body per line (what bench/loadtest/search.lua and http_loadgen_bench read)."""
    with open(path, "w") as f:
        for q in queries:
            f.write(search_body(q, k, params) + "\n")


def read_ivecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:]


def ground_truth(path, vecdex, k=100):
    """Exact neighbours of the 10,000 test images: the cached .ivecs, else `vecdex gt` (writes
    the cache), else numpy."""
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return read_ivecs(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if vecdex and os.access(vecdex, os.X_OK):
        print(f"loadtest: computing exact ground truth with {vecdex} gt ...", file=sys.stderr)
        subprocess.run([vecdex, "gt", "--base", TRAIN, "--queries", TEST, "--k", str(k),
                        "--metric", "l2", "--out", path], check=True, stdout=subprocess.DEVNULL)
        return read_ivecs(path)
    print("loadtest: computing exact ground truth with numpy ...", file=sys.stderr)
    base, queries = read_idx_images(TRAIN), read_idx_images(TEST)
    base_norms = (base * base).sum(axis=1)
    out = np.empty((len(queries), k), dtype=np.int32)
    for start in range(0, len(queries), 500):
        q = queries[start:start + 500]
        d = base_norms[None, :] - 2.0 * q @ base.T  # |q|^2 is the same along a row
        top = np.argpartition(d, k, axis=1)[:, :k]
        order = np.take_along_axis(d, top, axis=1).argsort(axis=1)
        out[start:start + len(q)] = np.take_along_axis(top, order, axis=1)
    return out


def recall_over_http(client, path, queries, gt, k, params):
    """Mean recall@k of single searches sent one by one over a keep-alive connection."""
    hits = 0
    for i, q in enumerate(queries):
        reply = client.post_json(path, search_body(q, k, params))
        ids = {int(r["id"]) for r in reply["results"]}
        hits += len(ids & set(int(x) for x in gt[i, :k]))
    return hits / (k * len(queries))


def recall_of(ids, gt, k):
    """Mean recall@k of result rows `ids` (n x >= k) against exact neighbours `gt`."""
    hits = sum(len(set(ids[i, :k].tolist()) & set(gt[i, :k].tolist())) for i in range(len(ids)))
    return hits / (k * len(ids))

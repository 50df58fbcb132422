"""The programs scripts/loadtest drives: a small keep-alive HTTP client, wrk with
bench/loadtest/search.lua, bench/http_loadgen_bench (open loop and bulk) and `vecdex build` /
`vecdex search` for the in-process reference."""

import http.client
import json
import os
import re
import shutil
import subprocess
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


class LoadtestError(Exception):
    """A problem the user can fix (no server, missing tool); printed without a traceback."""


class HttpClient:
    """One keep-alive connection to the server; JSON in, JSON out."""

    def __init__(self, url, api_key=None, timeout=60):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise LoadtestError(f"--url {url}: expected http://HOST:PORT")
        self.url = url
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        self.headers = {"Content-Type": "application/json"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"

    def request(self, method, path, body=None):
        """(status, parsed JSON or text). LoadtestError when nothing answers."""
        # The server closes a keep-alive connection that idled past its timeout (while the
        # ground truth was computed, say): one retry on a fresh connection.
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=self.headers)
                reply = self.conn.getresponse()
                data = reply.read()
                break
            except (ConnectionError, OSError, http.client.HTTPException) as e:
                self.conn.close()
                if attempt == 2:
                    raise LoadtestError(f"no answer from {self.url} ({e}); is the server "
                                        "running? Start it with `make serve`") from None
        try:
            return reply.status, json.loads(data) if data else None
        except ValueError:
            return reply.status, data.decode(errors="replace")

    def get_json(self, path):
        status, body = self.request("GET", path)
        if status == 401:
            raise LoadtestError(f"GET {path}: HTTP 401: the server wants an API key "
                                "(--api-key KEY or VECDEX_API_KEY)")
        if status == 404:
            raise LoadtestError(f"GET {path}: HTTP 404: no such collection (`make serve` "
                                "creates 'fashion'; or pass --collection)")
        if status != 200:
            raise LoadtestError(f"GET {path}: HTTP {status}: {body}")
        return body

    def post_json(self, path, body):
        status, reply = self.request("POST", path, body)
        if status != 200:
            raise LoadtestError(f"POST {path}: HTTP {status}: {reply}")
        return reply


def require_program(path, hint):
    if not path or not (os.access(path, os.X_OK) or shutil.which(path)):
        raise LoadtestError(f"{path or 'program'} not found: {hint}")


def batch_scheduling():
    """preexec_fn: the child runs as SCHED_BATCH (no privileges needed to lower a policy)."""
    os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def run_wrk(url, bodies, connections, seconds, api_key=None, batch=True):
    """Closed loop: `connections` connections each sending the next request as soon as the
    previous reply came. Returns the JSON summary of search.lua plus requests per second.

    With `batch`, wrk runs as SCHED_BATCH: it shares the server's cores, and as a normal task
    each of its wake-ups (one per reply) preempts a search in flight, whose caches it then
    pollutes; a batch task waits for the next tick instead. Clients on other machines, as in a
    deployment, cost the server neither."""
    require_program("wrk", "install wrk (scripts/install-deps)")
    # One wrk thread: it shares the server's two cores, and a second thread costs more in
    # switches than it adds (measured 2-3% more server throughput at 8 connections).
    threads = 1
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "-s", os.path.join(HERE, "search.lua"), url, "--", bodies, api_key or ""]
    run = subprocess.run(cmd, capture_output=True, text=True,
                         preexec_fn=batch_scheduling if batch else None)
    summary = None
    for line in run.stdout.splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
    if run.returncode != 0 or summary is None:
        raise LoadtestError(f"wrk failed ({run.returncode}): {run.stderr.strip() or run.stdout}")
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["errors"] = sum(summary[k] for k in summary if k.startswith("errors_"))
    return summary


def run_loadgen(loadgen, args):
    """bench/http_loadgen_bench with `args`; returns its JSON line, echoes its summary."""
    require_program(loadgen, "build it with `make build` (target http_loadgen_bench)")
    run = subprocess.run([loadgen] + args, capture_output=True, text=True)
    if run.stderr:
        print("  " + run.stderr.strip().replace("\n", "\n  "))
    lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise LoadtestError(f"http_loadgen_bench failed ({run.returncode})")
    return json.loads(lines[-1])


class InProcessReference:
    """The same spec and params searched in-process: `vecdex build` writes the index once
    (cached in `cache_dir`, one file per spec), then every run() is `vecdex search --threads T`
    over the whole query file as one batch, and returns its QPS and result ids. Runs can be
    interleaved with server measurements, so both see the same state of a shared machine."""

    def __init__(self, vecdex, base, queries, spec, params, threads, cache_dir):
        require_program(vecdex, "build it with `make build`")
        self.vecdex, self.base, self.queries = vecdex, base, queries
        self.spec, self.params, self.threads = spec, params, threads
        safe = "".join(c if c.isalnum() else "_" for c in spec)
        self.index_path = os.path.join(cache_dir, f"reference-{safe}.vdx")
        self.ids_path = os.path.join(cache_dir, "reference-ids.ivecs")

    def _build(self):
        print(f"in-process reference: vecdex build --index '{self.spec}' (cached in "
              f"{self.index_path}) ...", flush=True)
        cmd = [self.vecdex, "build", "--data", self.base, "--index", self.spec, "--metric", "l2",
               "--out", self.index_path, "--threads", "0"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise LoadtestError(f"vecdex build failed: {run.stderr.strip()}")

    def _search(self):
        cmd = [self.vecdex, "search", "--index", self.index_path, "--queries", self.queries,
               "--k", "10", "--params", self.params, "--threads", str(self.threads),
               "--out", self.ids_path]
        return subprocess.run(cmd, capture_output=True, text=True)

    def run(self, min_seconds=0.0):
        """Batch QPS: searches of the whole query file, repeated until they took min_seconds
        in all (one search takes under a second: alone, it would be a short, noisy sample).
        The result ids of the last search are in self.ids_path (.ivecs)."""
        if not os.path.exists(self.index_path):
            self._build()
        queries, seconds = 0, 0.0
        while True:
            run = self._search()
            if run.returncode != 0 and queries == 0:  # e.g. a file of an older format
                self._build()
                run = self._search()
            match = re.search(r"searched (\d+) queries .* in ([0-9.]+) s", run.stdout)
            if run.returncode != 0 or match is None:
                raise LoadtestError(f"vecdex search failed: {run.stderr.strip() or run.stdout}")
            queries += int(match.group(1))
            seconds += float(match.group(2))
            if seconds >= min_seconds:
                return queries / seconds

"""The programs scripts/loadtest drives: a small keep-alive HTTP client, wrk with
bench/loadtest/search.lua, bench/http_loadgen_bench (open loop and bulk) and `vecdex bench`."""

import http.client
import json
import os
import shutil
import subprocess
import tempfile
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


def run_inprocess_bench(vecdex, base, queries, gt, spec, params, threads):
    """`vecdex bench` on the same data, spec and params: batch QPS and recall in-process."""
    require_program(vecdex, "build it with `make build`")
    sweep = params.replace(",", ";") if params else ""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "bench.json")
        cmd = [vecdex, "bench", "--base", base, "--queries", queries, "--gt", gt, "--k", "10",
               "--metric", "l2", "--index", spec, "--threads", str(threads), "--json", out]
        if sweep:
            cmd += ["--sweep", sweep]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise LoadtestError(f"vecdex bench failed: {run.stderr.strip()}")
        with open(out) as f:
            report = json.load(f)
    return report["runs"][0]

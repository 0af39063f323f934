"""IRLS on Dask: logistic regression on data larger than the workers' memory, read from disk.

Data: n x p float64 (default 20,000,000 x 50, 7.5 GB): an intercept column and p - 1
standard normal columns, true coefficients N(0, 0.2^2), y ~ Bernoulli(logistic(X beta)).
Every chunk of rows is drawn from its own seed, so the data do not depend on the chunking
of the run that wrote them. They are written once to an uncompressed Zarr store in row
chunks (under ``/work/bench-data/``, never in the repository) and reused when present.

Methods, each in a fresh subprocess with its own ``LocalCluster`` (2 worker processes,
1 thread each, a memory limit per worker; the two limits sum to less than half of X):

- ``inmemory``: the first 1,000,000 rows loaded into numpy and fitted by
  ``mathkit.irls(X, y)`` (no Dask, BLAS on both cores): the reference rate per row. It runs
  three times before the cluster fits and three times after them (``inmemory_after``); the
  reference is the median of all six, as the load of a shared machine drifts.
- ``mathkit_1m``: the same 1,000,000 rows fitted from the Zarr store through Dask:
  the coefficients must match ``inmemory`` (relative difference below 1e-12).
- ``mathkit``: ``mathkit.irls(X, y)`` on the whole store, one Dask computation per pass.
- ``dask_glm_newton``, ``dask_glm_lbfgs``: ``dask_glm.algorithms.newton`` and ``lbfgs``
  with their defaults (which standardize the columns first), on the same arrays.

The workers run with glibc's ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` raised
(``MALLOC`` below), so that a chunk's buffers are reused rather than mapped fresh (and
page-faulted) for every chunk; the same for every method on the cluster.

Per method: wall seconds (the first fit; a 20M fit is not repeated; the workers have
imported the fitting code before the clock starts), IRLS iterations, passes over the data
(Dask computations the fit asked for), seconds per iteration and per pass, rows per second
per iteration, the peak resident memory of each worker process (``ru_maxrss``, imports
included, and its value before the fit) and the largest relative coefficient difference to
``mathkit``. For ``mathkit_1m``, ``read_pass_seconds`` is a pass that only reads X and adds
it up on the same cluster, before the fit (the faster of two): the floor of a pass. The
peers are time-boxed (``--timeout``, the whole child process); a failure or timeout is
recorded with the passes done by then, not retried. The JSON is rewritten after every
method, so that a run stopped early keeps what it measured (``not_yet_run`` lists the rest).

Run (the committed results; 20-35 minutes on 2 busy cores):
``.venv/bin/python benchmarks/bench_irls_dask.py --timeout 300``.
While developing: ``--rows 2_000_000 --out /tmp/irls_dask.json``.
Writes ``mathkit/data/benchmarks/irls_dask.json`` (package data, read by the book).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "mathkit" / "data" / "benchmarks" / "irls_dask.json"
DATA = Path("/work/bench-data")
SEED = 20240501
INMEMORY_ROWS = 1_000_000
# What a child measures; the rest of a method's entry is derived by summarize().
RAW = {"seconds", "runs", "nit", "passes", "coef", "read_pass_seconds", "worker_peak_rss_bytes",
       "worker_rss_before_fit_bytes", "worker_memory_limit_bytes", "client_peak_rss_bytes",
       "failed", "seconds_until_failure", "passes_done", "seconds_of_passes_done"}
# glibc malloc settings of the worker processes (see run_on_cluster).
MALLOC = {"MALLOC_MMAP_THRESHOLD_": 2**28, "MALLOC_TRIM_THRESHOLD_": 2**30}
METHODS = ("inmemory", "mathkit_1m", "mathkit", "inmemory_after", "dask_glm_newton",
           "dask_glm_lbfgs")


# ----------------------------------------------------------------------------- the data
def true_beta(p: int) -> np.ndarray:
    return np.random.default_rng(SEED).normal(0, 0.2, p)


def chunk(i: int, rows: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Chunk ``i`` of the data: its own seed, so any chunking of the writer gives the same X."""
    rng = np.random.default_rng([SEED, i])
    X = np.empty((rows, p))
    X[:, 0] = 1.0
    X[:, 1:] = rng.standard_normal((rows, p - 1))
    y = (rng.random(rows) < 1 / (1 + np.exp(-X @ true_beta(p)))).astype(float)
    return X, y


def store_path(n: int, p: int, chunk_rows: int) -> Path:
    return DATA / f"irls_dask_{n}x{p}_c{chunk_rows}.zarr"


def ensure_store(n: int, p: int, chunk_rows: int) -> tuple[Path, float | None]:
    """The Zarr store, written now unless a complete one exists; seconds spent writing."""
    import zarr

    path = store_path(n, p, chunk_rows)
    if path.exists():
        g = zarr.open_group(str(path), mode="r")
        if g.attrs.get("complete") and g.attrs.get("seed") == SEED:
            return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    g = zarr.open_group(str(path), mode="w")
    # Uncompressed: random normals do not compress, and decompressing would be a cost of
    # the storage format, not of the fit.
    X = g.create_array("X", shape=(n, p), chunks=(chunk_rows, p), dtype="f8", compressors=None)
    y = g.create_array("y", shape=(n,), chunks=(chunk_rows,), dtype="f8", compressors=None)
    for i, a in enumerate(range(0, n, chunk_rows)):
        b = min(n, a + chunk_rows)
        X[a:b], y[a:b] = chunk(i, b - a, p)
    g.attrs.update({"seed": SEED, "beta": true_beta(p).tolist(), "complete": True})
    return path, time.perf_counter() - t


# ----------------------------------------------------------------------------- one method
def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def count_computations() -> list[int]:
    """Count every ``dask.compute`` (and ``.compute()``) call: each is one pass over the data.

    Each call prints a progress line, so that a time-boxed run still tells how far it got.
    """
    import dask
    import dask.array
    import dask.base

    calls = [0]
    original = dask.base.compute
    t0 = time.perf_counter()

    def counted(*args, **kwargs):
        out = original(*args, **kwargs)
        calls[0] += 1
        print(f"PASS {calls[0]} {time.perf_counter() - t0:.3f}", flush=True)
        return out

    dask.base.compute = dask.compute = dask.array.compute = counted
    return calls


def run_inmemory(path: Path, rows: int, runs: int = 3) -> dict:
    import zarr

    import mathkit

    g = zarr.open_group(str(path), mode="r")
    X, y = np.asarray(g["X"][:rows]), np.asarray(g["y"][:rows])
    X[:2000].T @ X[:2000]  # BLAS thread buffers are allocated once, not by the fit
    times, fit = [], None
    for _ in range(runs):
        t = time.perf_counter()
        fit = mathkit.irls(X, y)
        times.append(time.perf_counter() - t)
    return {"seconds": statistics.median(times), "runs": times, "nit": fit.nit, "passes": None,
            "coef": fit.coef.tolist(), "client_peak_rss_bytes": peak_rss()}


def _warm(module: str) -> None:
    """Import ``module`` on a worker. Returns nothing: a module object sent back to the
    client would be imported there too, before ``count_computations`` patches ``compute``."""
    importlib.import_module(module)


def run_on_cluster(method: str, path: Path, rows: int, worker_memory: str) -> dict:
    import logging

    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    import mathkit

    # Workers' glibc malloc keeps freed chunk-sized buffers for the next chunk instead of
    # unmapping them (distributed's default trims at 64 kB): every chunk read otherwise
    # page-faults its 2 x 38 MiB of fresh memory, which costs more than reading it.
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"), **MALLOC)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=":0",
                               memory_limit=worker_memory, silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        X = da.from_zarr(str(path), component="X")[:rows]
        y = da.from_zarr(str(path), component="y")[:rows]
        # The workers import what the fit will run before the clock starts, as the
        # in-memory process has imported mathkit before its clock starts.
        client.run(_warm, "mathkit.glm.dask" if method.startswith("mathkit")
                   else "dask_glm.algorithms")
        read_seconds = None
        if method == "mathkit_1m":  # the floor of a pass: read every chunk, add it up
            times = []
            for _ in range(2):  # the first read also warms the workers' malloc up
                t = time.perf_counter()
                float(X.sum().compute())
                times.append(time.perf_counter() - t)
            read_seconds = min(times)
        base = client.run(peak_rss)
        calls = count_computations()  # before dask_glm binds `compute` at import
        t = time.perf_counter()
        nit = None
        if method.startswith("mathkit"):
            fit = mathkit.irls(X, y)
            coef, nit = fit.coef, fit.nit
        else:
            from dask_glm import algorithms

            coef = getattr(algorithms, method.removeprefix("dask_glm_"))(X, y)
        seconds = time.perf_counter() - t
        peaks = client.run(peak_rss)
        limit = next(iter(client.scheduler_info()["workers"].values()))["memory_limit"]
    finally:
        client.close()
        cluster.close()
    return {"seconds": seconds, "nit": nit, "passes": calls[0], "coef": np.asarray(coef).tolist(),
            "read_pass_seconds": read_seconds,
            "worker_peak_rss_bytes": sorted(peaks.values()),
            "worker_rss_before_fit_bytes": sorted(base.values()),
            "worker_memory_limit_bytes": limit, "client_peak_rss_bytes": peak_rss()}


def child(method: str, args: argparse.Namespace, path: Path, timeout: float) -> dict:
    """One method in a fresh process, time-boxed; a failure is a result, not an exception.

    The child runs in its own process group, so that a time box stops its cluster too.
    """
    cmd = [sys.executable, __file__, "--child", method, "--store", str(path), "--rows",
           str(INMEMORY_ROWS if method.startswith("inmemory") or method == "mathkit_1m"
               else args.rows), "--worker-memory", args.worker_memory]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        done = [ln.split() for ln in out.splitlines() if ln.startswith("PASS ")]
        result = {"failed": f"stopped by the time box of {timeout:.0f} s "
                            f"after {len(done)} pass{'es' if len(done) != 1 else ''} over "
                            "the data",
                  "seconds_until_failure": time.perf_counter() - t,
                  "passes_done": len(done)}
        if done:
            result["seconds_of_passes_done"] = float(done[-1][2])
        return result
    if proc.returncode != 0:
        tail = [ln for ln in err.strip().splitlines() if ln.strip()][-3:]
        return {"failed": " | ".join(tail) or f"exit code {proc.returncode}",
                "seconds_until_failure": time.perf_counter() - t}
    return json.loads(out.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the table
def summarize(rows: dict, n: int, p: int, chunk_rows: int) -> dict:
    """Rates, ratios and goals, added to ``rows`` in place; the goals are returned."""
    ref = rows["inmemory"]
    missing = {"failed": "not run"}
    # The load of a shared machine drifts: the in-memory fit runs before and after the
    # cluster's fits, and its rate is the median over both sets of runs.
    mem_runs = ref["runs"] + rows.get("inmemory_after", {}).get("runs", [])
    mem_seconds = statistics.median(mem_runs)
    inmem_rate = INMEMORY_ROWS * ref["nit"] / mem_seconds  # rows x iterations per second
    mk = rows.get("mathkit", missing)
    base = np.array(mk["coef"]) if "coef" in mk else None
    for name, r in rows.items():
        m = INMEMORY_ROWS if name.startswith("inmemory") or name == "mathkit_1m" else n
        if "failed" in r:
            if r.get("passes_done"):
                r["seconds_per_pass_done"] = r["seconds_of_passes_done"] / r["passes_done"]
            continue
        if r["nit"]:
            r["seconds_per_iteration"] = r["seconds"] / r["nit"]
            r["rows_per_second"] = m * r["nit"] / r["seconds"]
        if r["passes"]:
            r["seconds_per_pass"] = r["seconds"] / r["passes"]
            r["rows_per_second_per_pass"] = m * r["passes"] / r["seconds"]
        if base is not None and m == n:
            c = np.array(r["coef"])
            r["max_rel_coef_diff_vs_mathkit"] = float(np.max(np.abs(c - base) / np.abs(base)))
    one = rows.get("mathkit_1m", missing)
    if "coef" in one:
        c, b = np.array(one["coef"]), np.array(ref["coef"])
        one["max_rel_coef_diff_vs_inmemory"] = float(np.max(np.abs(c - b) / np.abs(b)))
        one["same_nit_as_inmemory"] = one["nit"] == ref["nit"]
    chunk_bytes = chunk_rows * p * 8
    goals = {"inmemory_seconds_median_all_runs": mem_seconds,
             "inmemory_rows_per_second": inmem_rate, "chunk_bytes": chunk_bytes, "met": {}}
    if "failed" not in mk:
        extra = max(np.subtract(mk["worker_peak_rss_bytes"], mk["worker_rss_before_fit_bytes"]))
        goals.update({
            "throughput_vs_inmemory": mk["rows_per_second"] / inmem_rate,
            "worker_extra_peak_bytes": int(extra),
            "worker_extra_peak_over_chunk": extra / chunk_bytes,
            "worker_limits_over_data": 2 * mk["worker_memory_limit_bytes"] / (n * p * 8)})
        goals["met"] = {"throughput within 2x of in-memory": goals["throughput_vs_inmemory"] >= 0.5,
                        "worker limits sum below half the data":
                            goals["worker_limits_over_data"] < 0.5}
    if "failed" not in one:
        goals["pass_over_read_floor_1m"] = one["seconds_per_pass"] / one["read_pass_seconds"]
        goals["met"]["1M from Dask equals in-memory (1e-12)"] = \
            one["max_rel_coef_diff_vs_inmemory"] < 1e-12 and one["same_nit_as_inmemory"]
    return goals


def table(res: dict) -> str:
    gib, mib = 2**30, 2**20
    lines = [f"{res['n']:,} x {res['p']} float64 (X = {res['X_bytes'] / gib:.2f} GiB) in "
             f"{res['chunk_rows']:,}-row chunks ({res['goals']['chunk_bytes'] / mib:.0f} MiB); "
             f"2 workers x {res['worker_memory']}",
             f"{'method':16s} {'seconds':>8s} {'nit':>4s} {'passes':>6s} {'s/iter':>7s} "
             f"{'s/pass':>7s} {'read s':>7s} {'Mrows/s':>8s} {'worker peak MiB':>16s} "
             f"{'max rel coef diff':>18s}"]
    for name, r in res["methods"].items():
        if "failed" in r:
            per = (f" ({r['seconds_per_pass_done']:.1f} s per pass)"
                   if r.get("seconds_per_pass_done") else "")
            lines.append(f"{name:16s} FAILED after {r['seconds_until_failure']:.0f} s: "
                         f"{r['failed'][:200]}{per}")
            continue
        peak = "/".join(f"{b / mib:.0f}" for b in r.get("worker_peak_rss_bytes", [])) or "-"
        diff = r.get("max_rel_coef_diff_vs_mathkit", r.get("max_rel_coef_diff_vs_inmemory"))
        nit = r["nit"] if r["nit"] else "-"
        spi = f"{r['seconds_per_iteration']:.3f}" if r["nit"] else "-"
        spp = f"{r['seconds_per_pass']:.3f}" if r["passes"] else "-"
        read = f"{r['read_pass_seconds']:.3f}" if r.get("read_pass_seconds") else "-"
        rate = r.get("rows_per_second", r.get("rows_per_second_per_pass", 0.0)) / 1e6
        lines.append(f"{name:16s} {r['seconds']:8.2f} {nit!s:>4s} {r['passes'] or '-'!s:>6s} "
                     f"{spi:>7s} {spp:>7s} {read:>7s} {rate:8.2f} {peak:>16s} "
                     f"{'' if diff is None else f'{diff:.1e}':>18s}")
    g = res["goals"]
    if "throughput_vs_inmemory" in g:
        lines.append(f"mathkit on Dask: {g['throughput_vs_inmemory']:.2f}x the in-memory rows/s "
                     f"per iteration (in memory: median of all runs "
                     f"{g['inmemory_seconds_median_all_runs']:.2f} s); on 1M rows a pass takes "
                     f"{g.get('pass_over_read_floor_1m', float('nan')):.2f}x reading X alone; "
                     f"worker peak "
                     f"{g['worker_extra_peak_bytes'] / mib:.0f} MiB above its imports = "
                     f"{g['worker_extra_peak_over_chunk']:.1f} chunks; worker limits sum to "
                     f"{g['worker_limits_over_data']:.2f} x the data")
    lines.append("goals met: " + ", ".join(f"{k}: {v}" for k, v in g["met"].items()))
    return "\n".join(lines)


def machine_info() -> dict:
    import dask
    import dask_glm
    import distributed
    import scipy
    import zarr
    from _machine import machine

    import mathkit

    info = machine(scipy, dask, distributed, zarr, mathkit)
    info["dask_glm"] = getattr(dask_glm, "__version__", None) or _version("dask-glm")
    return info


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def main(args: argparse.Namespace) -> None:
    n, p, c = args.rows, args.cols, args.chunk_rows
    path, wrote = ensure_store(n, p, c)
    how = f"written in {wrote:.0f} s" if wrote else "reused"
    print(f"store {path} ({how})", flush=True)
    command = "python benchmarks/bench_irls_dask.py " + " ".join(sys.argv[1:])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    rows: dict = {}
    res: dict = {}
    todo = [m for m in METHODS if not (m.startswith("dask_glm") and args.skip_peers)]
    if args.only:  # rerun one method into the results file, keep the others' measurements
        before = json.loads(out.read_text())
        command = f"{before['command']}; then {command.strip()}"
        rows = before["results"]["methods"]
        for r in rows.values():
            for k in [k for k in r if k not in RAW]:
                del r[k]
        todo = [args.only]
    for m in todo:
        rows[m] = child(m, args, path, args.timeout if m.startswith("dask_glm") else 3 * 3600)
        print(f"  {m}: " + (rows[m]["failed"] if "failed" in rows[m] else
                            f"{rows[m]['seconds']:.2f} s"), flush=True)
        res = {"n": n, "p": p, "X_bytes": n * p * 8, "chunk_rows": c,
               "store": "zarr, uncompressed", "store_written_seconds": wrote,
               "worker_memory": args.worker_memory, "workers": 2, "threads_per_worker": 1,
               "peer_timeout_seconds": args.timeout, "inmemory_rows": INMEMORY_ROWS,
               "methods": {k: dict(v) for k, v in rows.items()},
               "not_yet_run": [k for k in METHODS if k not in rows]}
        if "inmemory" in rows and "failed" not in rows["inmemory"]:
            res["goals"] = summarize(res["methods"], n, p, c)
        # Written after every method, so that a run stopped early keeps what it measured.
        out.write_text(json.dumps({"machine": machine, "seed": SEED, "command": command.strip(),
                                   "statistic": "wall seconds of one fit (in-memory: median of "
                                   "3 runs before and 3 after the cluster fits); worker peak = "
                                   "ru_maxrss of each worker process, imports included",
                                   "results": res}, indent=1) + "\n")
    print(table(res))
    print(f"wrote {out}")


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=20_000_000)
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument("--chunk-rows", type=lambda s: int(s.replace("_", "")), default=100_000)
    ap.add_argument("--worker-memory", default="1GiB")
    ap.add_argument("--timeout", type=float, default=600.0, help="time box per dask-glm solver")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--only", choices=METHODS, help="rerun one method into --out")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--child")
    ap.add_argument("--store")
    return ap.parse_args(argv)


if __name__ == "__main__":
    a = parse(sys.argv[1:])
    if a.child:
        os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning")
        run = run_inmemory(Path(a.store), a.rows) if a.child.startswith("inmemory") \
            else run_on_cluster(a.child, Path(a.store), a.rows, a.worker_memory)
        print(json.dumps(run))
    else:
        main(a)

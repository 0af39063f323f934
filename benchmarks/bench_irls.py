"""Logistic regression at scale: mathkit.irls against statsmodels and scikit-learn.

Synthetic data, fixed seed: an intercept column and p - 1 standard normal
columns, true coefficients N(0, 0.2^2), y ~ Bernoulli(logistic(X beta)).
Sizes n x p = 200,000 x 20 and 1,000,000 x 50 (X is 32 MB and 400 MB).

Methods, each fitting the same X (intercept column included, no penalty):

- ``mathkit``: ``mathkit.irls(X, y)`` (blocked X'WX by syrk, tol 1e-10).
- ``sm_glm``: ``statsmodels GLM(y, X, Binomial()).fit()`` (IRLS, defaults).
- ``sm_logit``: ``statsmodels Logit(y, X).fit(method="newton")``.
- ``sklearn``: ``LogisticRegression(solver="newton-cholesky", tol=1e-8, C=inf,
  fit_intercept=False)`` (C=inf is scikit-learn 1.8+'s spelling of no penalty).
- ``floor``: one ``X.T @ (w[:, None] * X)``, the Gram matrix every Newton/IRLS
  iteration must form: the cost floor of one iteration.
- ``gram_only``: the matrix product of ``floor`` alone, with ``w[:, None] * X``
  formed beforehand (a stricter floor: no n x p temporary to allocate and fill).

Memory: each method fits once in a fresh subprocess that builds the data (block
by block, so building it leaves no temporaries behind), warms BLAS up, records
its resident memory, fits, and reads the peak resident memory (``ru_maxrss``):
the difference is the method's peak extra memory on top of X and y. That fit
also gives the coefficients (compared with mathkit's) and the iteration count.

Time: one more subprocess per size times all methods in interleaved rounds
(every round runs each method once), so that the load of a shared 2-core
machine falls on all of them alike; times are medians over the rounds (the
minimum is stored too: single runs here can be several times slower).

Run: ``.venv/bin/python benchmarks/bench_irls.py`` (about 5 minutes on 2 cores;
``--quick`` for the small size only). Prints a table and writes
``mathkit/data/benchmarks/irls.json`` (package data, so the performance appendix runs
anywhere mathkit is installed).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "mathkit" / "data" / "benchmarks" / "irls.json"
SEED = 20240501
METHODS = ("floor", "gram_only", "mathkit", "sklearn", "sm_logit", "sm_glm")
# (n, p, timed runs per method): statsmodels' GLM takes 20-40 s per fit at the large size,
# so it sits out the last rounds there.
SIZES = {"200k x 20": (200_000, 20, dict.fromkeys(METHODS, 5)),
         "1M x 50": (1_000_000, 50, dict.fromkeys(METHODS, 5) | {"sklearn": 3, "sm_logit": 3,
                                                                  "sm_glm": 2})}


def make_data(n: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    beta = rng.normal(0, 0.2, p)
    X, y = np.empty((n, p)), np.empty(n)
    X[:, 0] = 1.0
    for a in range(0, n, 50_000):
        b = min(n, a + 50_000)
        X[a:b, 1:] = rng.standard_normal((b - a, p - 1))
        y[a:b] = rng.random(b - a) < 1 / (1 + np.exp(-X[a:b] @ beta))
    return X, y


def fitter(method: str):
    """A function (X, y) -> (coefficients, iterations) for one method."""
    if method == "floor":
        def floor(X, y):
            w = np.full(len(y), 0.25)
            X.T @ (w[:, None] * X)
            return None, 1
        return floor
    if method == "gram_only":
        cache = {}

        def gram_only(X, y):  # the first call also forms w X; the median ignores it
            if "Xw" not in cache:
                cache["Xw"] = 0.25 * X
            X.T @ cache["Xw"]
            return None, 1
        return gram_only
    if method == "mathkit":
        import mathkit

        def fit_mathkit(X, y):
            fit = mathkit.irls(X, y)
            return fit.coef, fit.nit
        return fit_mathkit
    if method == "sklearn":
        from sklearn.linear_model import LogisticRegression

        def fit_sklearn(X, y):
            model = LogisticRegression(solver="newton-cholesky", tol=1e-8, C=np.inf,
                                       fit_intercept=False, max_iter=100).fit(X, y)
            return model.coef_.ravel(), int(model.n_iter_[0])
        return fit_sklearn
    import statsmodels.api as sm
    if method == "sm_logit":
        def fit_logit(X, y):
            res = sm.Logit(y, X).fit(method="newton", disp=0)
            return res.params, int(res.mle_retvals["iterations"])
        return fit_logit

    def fit_glm(X, y):
        res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
        return res.params, int(res.fit_history["iteration"])
    return fit_glm


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_worker(n: int, p: int, method: str) -> dict:
    """In a fresh process: one fit, its peak extra resident memory, coefficients, iterations."""
    fit = fitter(method)  # imports happen before the memory baseline
    X, y = make_data(n, p)
    X[:2000].T @ X[:2000]  # BLAS allocates its thread buffers once; not the method's cost
    base, before = resident_bytes(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    coef, nit = fit(X, y)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"nit": nit, "peak_extra_bytes": peak - base, "peak_before_fit_bytes": before - base,
            "coef": None if coef is None else np.asarray(coef, float).tolist()}


def timing_worker(n: int, p: int, runs: dict) -> dict:
    """In a fresh process: every method once per round, as long as it has runs left."""
    fits = {m: fitter(m) for m in METHODS}
    X, y = make_data(n, p)
    times: dict[str, list[float]] = {m: [] for m in METHODS}
    for r in range(max(runs.values())):
        for m in METHODS:
            if r < runs[m]:
                t = time.perf_counter()
                fits[m](X, y)
                times[m].append(time.perf_counter() - t)
    return {m: {"seconds": statistics.median(v), "min_seconds": min(v), "runs": v}
            for m, v in times.items()}


def machine_info() -> dict:
    # Imported here: the timing children import only what they time.
    import scipy
    import sklearn
    import statsmodels
    from _machine import machine

    import mathkit

    return machine(scipy, statsmodels, sklearn, mathkit)


def run_size(n: int, p: int, runs: dict) -> dict:
    def child(*args: str) -> dict:
        out = subprocess.run([sys.executable, __file__, *args, str(n), str(p)],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    timed = child("--timing", json.dumps(runs))
    rows = {m: timed[m] | child("--memory", m) for m in METHODS}
    ref = np.array(rows["mathkit"]["coef"])
    for r in rows.values():
        r["max_coef_diff_vs_mathkit"] = (None if r["coef"] is None
                                         else float(np.max(np.abs(np.array(r["coef"]) - ref))))
    mk, floor = rows["mathkit"], rows["floor"]["seconds"]
    x_bytes = n * p * 8
    goals = {"speedup_vs_sm_glm": rows["sm_glm"]["seconds"] / mk["seconds"],
             "time_ratio_vs_sklearn": mk["seconds"] / rows["sklearn"]["seconds"],
             "seconds_per_iteration_over_floor": mk["seconds"] / mk["nit"] / floor,
             "peak_extra_memory_over_X": mk["peak_extra_bytes"] / x_bytes}
    goals["seconds_per_iteration_over_gram_only"] = (mk["seconds"] / mk["nit"]
                                                     / rows["gram_only"]["seconds"])
    goals["met"] = {"10x faster than sm_glm": goals["speedup_vs_sm_glm"] >= 10,
                    "no slower than sklearn": goals["time_ratio_vs_sklearn"] <= 1,
                    "iteration within 1.5x floor": goals["seconds_per_iteration_over_floor"] <= 1.5,
                    "extra memory < X / 4": goals["peak_extra_memory_over_X"] < 0.25}
    return {"n": n, "p": p, "X_bytes": x_bytes, "methods": rows, "goals": goals}


def table(results: dict) -> str:
    lines = []
    for label, res in results.items():
        lines.append(f"\n{label} (X = {res['X_bytes'] / 2**20:.0f} MiB)")
        lines.append(f"{'method':10s} {'median s':>9s} {'runs':>4s} {'nit':>4s} {'s/iter':>7s} "
                     f"{'peak extra MiB':>14s} {'max |coef - mathkit|':>21s}")
        for m, r in res["methods"].items():
            diff = "" if r["max_coef_diff_vs_mathkit"] is None \
                else f"{r['max_coef_diff_vs_mathkit']:.1e}"
            lines.append(f"{m:10s} {r['seconds']:9.3f} {len(r['runs']):4d} {r['nit']:4d} "
                         f"{r['seconds'] / r['nit']:7.3f} {r['peak_extra_bytes'] / 2**20:14.1f} "
                         f"{diff:>21s}")
        g = res["goals"]
        lines.append(f"mathkit: {g['speedup_vs_sm_glm']:.1f}x faster than sm_glm, "
                     f"{g['time_ratio_vs_sklearn']:.2f}x sklearn's time, "
                     f"{g['seconds_per_iteration_over_floor']:.2f}x the floor per iteration "
                     f"({g['seconds_per_iteration_over_gram_only']:.2f}x gram_only), "
                     f"peak extra memory {g['peak_extra_memory_over_X']:.3f} x X")
        lines.append("goals met: " + ", ".join(f"{k}: {v}" for k, v in g["met"].items()))
    return "\n".join(lines)


def main(quick: bool = False) -> None:
    sizes = {k: v for k, v in SIZES.items() if not quick or k.startswith("200k")}
    results = {label: run_size(n, p, runs) for label, (n, p, runs) in sizes.items()}
    print(table(results))
    if not quick:
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps({"machine": machine_info(), "seed": SEED, "statistic":
                                   "median wall seconds over runs; peak extra memory = peak "
                                   "resident bytes during the first fit minus resident bytes "
                                   "before it", "results": results}, indent=1) + "\n")
        print(f"\nwrote {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        print(json.dumps(memory_worker(int(sys.argv[3]), int(sys.argv[4]), sys.argv[2])))
    elif sys.argv[1:2] == ["--timing"]:
        runs = json.loads(sys.argv[2])
        print(json.dumps(timing_worker(int(sys.argv[3]), int(sys.argv[4]), runs)))
    else:
        main(quick="--quick" in sys.argv)

"""Hessians: accuracy, cost and speed of mathkit, numdifftools and R's numDeriv.

For each test function with an exact Hessian (Rosenbrock in 2, 10 and 50
dimensions, a logistic negative log-likelihood, log-sum-exp) and each method:
the largest absolute error against the exact Hessian, the number of function
evaluations, and the median time of one Hessian. R's numDeriv runs in the same
run through Rscript (``bench_derivatives.R`` times ``hessian()`` inside R).

Run: ``.venv/bin/python benchmarks/bench_derivatives.py`` (needs
``requirements-bench.txt`` and Rscript with numDeriv). Prints a table and writes
``mathkit/data/benchmarks/derivatives.json`` (package data, so the performance appendix runs anywhere mathkit is installed).
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numdifftools as nd
import numpy as np
from _machine import machine
from threadpoolctl import threadpool_limits

import mathkit
from mathkit.rcompat import RNG

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE.parent / "mathkit" / "data" / "benchmarks" / "derivatives.json"
TARGET_S = 0.05  # least duration of one timing sample; short calls are repeated
SAMPLES = 7


@dataclass(frozen=True)
class Case:
    name: str
    x: np.ndarray
    f: Callable[[np.ndarray], float]  # one point
    fv: Callable[[np.ndarray], np.ndarray]  # (k, n) points -> k values
    exact: np.ndarray  # the Hessian at x, from its formula
    # fv evaluated with R's arithmetic: sums accumulated in extended precision (R's
    # sum()), libm's exp and log1p, matrix-vector products in reference BLAS order.
    # Only for the parity check: it shows that where f gives R's bits, mathkit
    # gives numDeriv's bits.
    fv_r: Callable[[np.ndarray], np.ndarray]

    @property
    def n(self) -> int:
        return self.x.size


_libm_exp = np.frompyfunc(math.exp, 1, 1)  # numpy's own exp may differ in the last bit
_libm_log = np.frompyfunc(math.log, 1, 1)
_libm_log1p = np.frompyfunc(math.log1p, 1, 1)


def r_sum(a: np.ndarray) -> np.ndarray:
    """Row sums as R's sum() makes them: accumulated in long double, then rounded."""
    return np.sum(np.asarray(a, dtype=np.longdouble), axis=-1).astype(float)


def rosenbrock(n: int) -> Case:
    """sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 at (-1.2, 1, -1.2, 1, ...)."""
    x = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)

    def f(v):
        return np.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)

    def fv(V):
        return np.sum(100 * (V[:, 1:] - V[:, :-1] ** 2) ** 2 + (1 - V[:, :-1]) ** 2, axis=1)

    diag = np.zeros(n)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    exact = np.diag(diag) + np.diag(-400 * x[:-1], 1) + np.diag(-400 * x[:-1], -1)

    def fv_r(V):
        return r_sum(100 * (V[:, 1:] - V[:, :-1] ** 2) ** 2 + (1 - V[:, :-1]) ** 2)

    return Case("rosenbrock", x, f, fv, exact, fv_r)


def logistic(n: int, m: int = 500, seed: int = 11) -> Case:
    """Negative log-likelihood of a logistic regression with m rows and n coefficients.

    The data are R's: ``set.seed(seed)`` then normal covariates (filled column by
    column, as R's ``matrix``) and y drawn with ``runif``, at the true coefficients.
    """
    rng = RNG(seed)
    X = np.column_stack([np.ones(m), rng.rnorm(m * (n - 1)).reshape(n - 1, m).T])
    beta = np.linspace(-1, 1, n) / 2
    y = (rng.runif(m) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)

    def f(b):
        eta = X @ b
        return np.sum(np.log1p(np.exp(eta)) - y * eta)

    def fv(B):
        eta = B @ X.T
        return np.sum(np.log1p(np.exp(eta)) - y * eta, axis=1)

    def fv_r(B):
        eta = np.zeros((B.shape[0], m))
        for j in range(n):  # reference dgemv: one column at a time
            eta = eta + B[:, j:j + 1] * X[:, j]
        return r_sum(_libm_log1p(_libm_exp(eta)).astype(float) - y * eta)

    p = 1 / (1 + np.exp(-(X @ beta)))
    return Case("logistic", beta, f, fv, X.T @ ((p * (1 - p))[:, None] * X), fv_r)


def logsumexp(n: int) -> Case:
    """log(sum(exp(x))) at x_i = sin(i); Hessian diag(s) - s s^T with s = softmax(x)."""
    x = np.sin(np.arange(1.0, n + 1))
    s = np.exp(x) / np.sum(np.exp(x))
    return Case("logsumexp", x, lambda v: np.log(np.sum(np.exp(v))),
                lambda V: np.log(np.sum(np.exp(V), axis=1)), np.diag(s) - np.outer(s, s),
                lambda V: _libm_log(r_sum(_libm_exp(V).astype(float))).astype(float))


CASES = [rosenbrock(2), rosenbrock(10), rosenbrock(50), logistic(10), logsumexp(20)]


def median_time(call: Callable[[], object]) -> tuple[float, int]:
    """Median seconds of one call over SAMPLES samples of about TARGET_S each."""
    t0 = time.perf_counter()
    call()
    once = time.perf_counter() - t0
    inner = max(1, int(np.ceil(TARGET_S / max(once, 1e-6))))
    samples = []
    for _ in range(SAMPLES):
        t0 = time.perf_counter()
        for _ in range(inner):
            call()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples), inner


class Counter:
    """Wraps f and counts the points it is evaluated at (and the calls)."""

    def __init__(self, f: Callable, vectorized: bool = False) -> None:
        self.f, self.vectorized, self.points, self.calls = f, vectorized, 0, 0

    def __call__(self, v):
        self.calls += 1
        self.points += np.shape(v)[0] if self.vectorized else 1
        return self.f(v)


# The function to differentiate, whether it is vectorized, and the Hessian call taking it.
Method = tuple[Callable, bool, Callable[[Callable], np.ndarray]]


def python_methods(case: Case) -> dict[str, Method]:
    """Method label -> (function to differentiate, whether vectorized, hessian call)."""
    def mk(method, vectorized):
        return lambda f: mathkit.hessian(f, case.x, method, vectorized=vectorized)

    return {
        "mathkit richardson": (case.f, False, mk("richardson", False)),
        "mathkit richardson, vectorized": (case.fv, True, mk("richardson", True)),
        "mathkit central": (case.f, False, mk("central", False)),
        "mathkit central, vectorized": (case.fv, True, mk("central", True)),
        "mathkit complex": (case.f, False, mk("complex", False)),
        "mathkit complex, vectorized": (case.fv, True, mk("complex", True)),
        "numdifftools Hessian (default)": (case.f, False, lambda f: nd.Hessian(f)(case.x)),
    }


def run_python(case: Case) -> list[dict]:
    rows = []
    for label, (f, vectorized, hess) in python_methods(case).items():
        counter = Counter(f, vectorized)
        H = np.asarray(hess(counter))
        seconds, inner = median_time(lambda hess=hess, f=f: hess(f))
        rows.append(dict(function=case.name, n=case.n, method=label,
                         max_abs_error=float(np.max(np.abs(H - case.exact))),
                         nfev=counter.points, ncalls=counter.calls, time_s=seconds,
                         samples=SAMPLES, inner=inner, hessian=H))
    return rows


def run_r(cases: list[Case]) -> tuple[list[dict], dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "numderiv.json"
        specs = [f"{c.name}:{c.n}" for c in cases]
        subprocess.run(["Rscript", "--vanilla", str(HERE / "bench_derivatives.R"),
                        str(ROOT / "tests" / "reference" / "_common.R"), str(out),
                        str(TARGET_S), *specs], check=True, cwd=HERE)
        got = json.loads(out.read_text())
    rows = []
    for case, r in zip(cases, got["cases"], strict=True):
        # Same function and point in R: f(x) agrees to rounding, else the cases drifted.
        if not (r["name"] == case.name and r["n"] == case.n
                and np.isclose(r["f0"], case.f(case.x), rtol=1e-12, atol=0)):
            raise RuntimeError(f"R case {r['name']}:{r['n']} is not Python's: "
                               f"f0 {r['f0']!r} vs {case.f(case.x)!r}")
        H = np.array(r["hessian"], dtype=float).reshape(case.n, case.n)
        rows.append(dict(function=case.name, n=case.n, method="R numDeriv hessian",
                         max_abs_error=float(np.max(np.abs(H - case.exact))),
                         nfev=r["nfev"], ncalls=r["nfev"], time_s=r["time_s"],
                         samples=r["samples"], inner=r["inner"], hessian=H))
    return rows, {"R": got["_r_version"], "numDeriv": got["numDeriv_version"]}


def summarize(rows: list[dict]) -> dict:
    """Parity with numDeriv and the speed goals of issue 3."""
    by = {(r["function"], r["n"], r["method"]): r for r in rows}
    parity = []
    for case in CASES:
        key = (case.name, case.n)
        mk, mkv = by[(*key, "mathkit richardson")], by[(*key, "mathkit richardson, vectorized")]
        rr = by[(*key, "R numDeriv hessian")]
        # With f evaluated as R evaluates it, any difference would be the algorithm's.
        rlike = mathkit.hessian(lambda v, case=case: case.fv_r(v[None, :])[0], case.x)
        rlike_v = mathkit.hessian(case.fv_r, case.x, vectorized=True)
        parity.append(dict(
            function=case.name, n=case.n,
            error_mathkit=mk["max_abs_error"], error_numDeriv=rr["max_abs_error"],
            nfev_mathkit=mk["nfev"], nfev_numDeriv=rr["nfev"],
            max_abs_diff_vs_numDeriv=float(np.max(np.abs(mk["hessian"] - rr["hessian"]))),
            max_abs_diff_vectorized_vs_scalar=float(np.max(np.abs(mkv["hessian"]
                                                                   - mk["hessian"]))),
            r_arithmetic_f_max_abs_diff_vs_numDeriv=float(np.max(np.abs(rlike - rr["hessian"]))),
            r_arithmetic_f_vectorized_max_abs_diff_vs_numDeriv=float(
                np.max(np.abs(rlike_v - rr["hessian"])))))
    n50 = ("rosenbrock", 50)
    vec = by[(*n50, "mathkit richardson, vectorized")]["time_s"]
    r_time = by[(*n50, "R numDeriv hessian")]["time_s"]
    nd_time = by[(*n50, "numdifftools Hessian (default)")]["time_s"]
    goals = dict(vectorized_over_numDeriv=vec / r_time, vectorized_over_numdifftools=vec / nd_time,
                 meets_half_of_numDeriv=vec <= 0.5 * r_time,
                 meets_tenth_of_numdifftools=vec <= 0.1 * nd_time)
    return {"parity": parity, "rosenbrock_50": goals}


def table(rows: list[dict]) -> str:
    head = f"{'function':<11}{'n':>4}  {'method':<32}{'max abs error':>14}{'evals':>9}" \
           f"{'calls':>8}{'median time':>14}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['function']:<11}{r['n']:>4}  {r['method']:<32}"
                     f"{r['max_abs_error']:>14.2e}{r['nfev']:>9}{r['ncalls']:>8}"
                     f"{r['time_s'] * 1e3:>11.3f} ms")
    return "\n".join(lines)


def main() -> None:
    # One BLAS thread: R's reference BLAS has one, and on a busy 2-core machine a
    # threaded product of a few hundred rows can stall for tens of milliseconds.
    with threadpool_limits(limits=1, user_api="blas"):
        rows = [row for case in CASES for row in run_python(case)]
    r_rows, versions = run_r(CASES)
    rows += r_rows
    order = {(c.name, c.n): i for i, c in enumerate(CASES)}
    rows.sort(key=lambda r: order[(r["function"], r["n"])])
    summary = summarize(rows)
    print(table(rows))
    print()
    for p in summary["parity"]:
        print(f"{p['function']} n={p['n']}: richardson error {p['error_mathkit']:.2e} vs "
              f"numDeriv {p['error_numDeriv']:.2e}; evals {p['nfev_mathkit']} vs "
              f"{p['nfev_numDeriv']}; |mathkit - numDeriv| {p['max_abs_diff_vs_numDeriv']:.1e}; "
              f"|vectorized - scalar| {p['max_abs_diff_vectorized_vs_scalar']:.1e}; "
              f"with R's arithmetic in f: |mathkit - numDeriv| "
              f"{p['r_arithmetic_f_max_abs_diff_vs_numDeriv']:.1e} (scalar), "
              f"{p['r_arithmetic_f_vectorized_max_abs_diff_vs_numDeriv']:.1e} (vectorized)")
    g = summary["rosenbrock_50"]
    print(f"Rosenbrock n=50, vectorized richardson: {g['vectorized_over_numDeriv']:.3f} of "
          f"numDeriv's time (goal <= 0.5), {g['vectorized_over_numdifftools']:.4f} of "
          f"numdifftools' (goal <= 0.1)")
    for r in rows:
        del r["hessian"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"machine": machine(nd, mathkit) | versions, "timing": {
        "statistic": "median seconds per Hessian", "samples": SAMPLES, "blas_threads": 1,
        "least_sample_seconds": TARGET_S}, "rows": rows, **summary}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

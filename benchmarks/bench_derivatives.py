"""Derivatives of code: accuracy per function evaluation, and time, against exact derivatives.

Test functions with exact derivatives (sympy, evaluated in 40-digit arithmetic): the
book's functions (the quadratic of the first chapters, the exp/sin/log mixture of the
numeric chapter, Himmelblau's function, the mtcars logistic likelihood), Rosenbrock in
2, 10 and 50 variables, an ill-scaled function (one coordinate 2e-5, just above
numDeriv's ``zero_tol``, another 3e3) and two mixtures. For each function, the gradient
and the Hessian by:

- mathkit: ``richardson`` (numDeriv's scheme), ``central``, ``complex`` and ``autodiff``,
  one point per call and (finite differences) vectorized;
- R's numDeriv, Richardson and complex, run and timed inside R in the same run
  (``bench_derivatives.R``);
- numdifftools ``Gradient``/``Hessian``, default and ``method="complex"``;
- scipy's ``approx_derivative`` ("2-point", "3-point", "cs"; for the Hessian, its
  "3-point" Jacobian of its own "3-point" or "cs" gradient);
- JAX (``jax.grad``, ``jax.hessian``; un-jitted and jitted), benchmark only.

Measured: the relative error ``max|D - D_exact| / max|D_exact|``, the number of points at
which f is evaluated, and the median time. A method is on the error-against-evaluations
*frontier* when no other method is both more accurate and cheaper. The autodiff-vs-JAX
ratios are medians of ratios measured side by side (the two calls alternate).

Run: ``.venv/bin/python benchmarks/bench_derivatives.py`` (needs ``requirements-bench.txt``
and Rscript with numDeriv; about three minutes). Prints the tables and writes
``mathkit/data/benchmarks/derivatives.json`` (package data, read by the performance
appendix through ``mathkit.datasets.benchmark_results``).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# JAX on one thread, as the BLAS: on a shared machine, XLA's thread pool makes its
# timings swing by factors; one thread makes the side-by-side ratios steady.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

import jax  # noqa: E402
import mpmath
import numdifftools as nd
import numpy as np
import scipy
import sympy
from _machine import machine
from scipy.optimize._numdiff import approx_derivative
from threadpoolctl import threadpool_limits

import mathkit

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402  (after x64 is switched on)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "mathkit" / "data" / "benchmarks" / "derivatives.json"
TARGET_S = 0.01  # least duration of one timing sample; short calls are repeated
KINDS = ("gradient", "hessian")


# --- the test functions: one definition, run on numpy, autodiff, complex, JAX and sympy ---

class SymPyMath:
    """The numpy functions the test functions use, on object arrays of sympy expressions."""

    exp = staticmethod(np.vectorize(sympy.exp, otypes=[object]))
    log = staticmethod(np.vectorize(sympy.log, otypes=[object]))
    sin = staticmethod(np.vectorize(sympy.sin, otypes=[object]))
    cos = staticmethod(np.vectorize(sympy.cos, otypes=[object]))
    sum = staticmethod(np.sum)


MTCARS = mathkit.load_mtcars()
MTCARS_X = np.column_stack([np.ones(len(MTCARS)), MTCARS["mpg"], MTCARS["hp"]])
MTCARS_Y = MTCARS["am"].to_numpy(dtype=float)


# Each f(v, m) takes one point v (n,) or a stack (k, n) (columns v[..., i]); m is numpy,
# jax.numpy or SymPyMath.
def quadratic(v, m):
    return v[..., 0] * v[..., 0] + 2 * v[..., 1] * v[..., 1] + v[..., 0] * v[..., 1]


def mix3(v, m):
    return (m.exp(v[..., 0] / 2) * m.sin(v[..., 1]) + m.log(1 + v[..., 2] * v[..., 2])
            + v[..., 0] * v[..., 1] * v[..., 2])


def himmelblau(v, m):
    a = v[..., 0] * v[..., 0] + v[..., 1] - 11
    b = v[..., 0] + v[..., 1] * v[..., 1] - 7
    return a * a + b * b


def logistic_mtcars(v, m):
    eta = v @ MTCARS_X.T
    return m.sum(m.log(1 + m.exp(eta)) - MTCARS_Y * eta, axis=-1)


def rosenbrock(v, m):
    a = v[..., 1:] - v[..., :-1] * v[..., :-1]
    b = 1 - v[..., :-1]
    return m.sum(100 * (a * a) + b * b, axis=-1)


def ill_scaled(v, m):
    return (m.exp(v[..., 0]) * m.cos(v[..., 1]) + v[..., 0] * m.log(1 + v[..., 2] * v[..., 2])
            + v[..., 3] * v[..., 3] / 1e6 + v[..., 1] * v[..., 3] / 1e3)


def mixture(v, m):
    return (m.sum(m.sin(v[..., :-1]) * m.exp(v[..., 1:] / 2), axis=-1)
            + m.log(1 + m.sum(v * v, axis=-1)) + v[..., 0] * v[..., -1])


def logsumexp(v, m):
    return m.log(m.sum(m.exp(v), axis=-1))


@dataclass
class Case:
    name: str
    fun: Callable
    x: np.ndarray
    exact: dict  # "gradient", "hessian": from sympy in 40 digits, rounded once

    @property
    def n(self) -> int:
        return self.x.size

    @property
    def label(self) -> str:
        return f"{self.name} n={self.n}"

    def f(self, v):
        return self.fun(v, np)


def exact_derivatives(fun: Callable, x: np.ndarray) -> dict:
    symbols = sympy.symbols(f"x0:{x.size}")
    expr = np.asarray(fun(np.array(symbols, dtype=object), SymPyMath), dtype=object).item()
    gradient = [sympy.diff(expr, s) for s in symbols]
    hessian = [[sympy.diff(g, s) for s in symbols] for g in gradient]
    with mpmath.workdps(40):
        point = [mpmath.mpf(float(v)) for v in x]  # the doubles' exact values
        g = sympy.lambdify(symbols, gradient, "mpmath")(*point)
        h = sympy.lambdify(symbols, hessian, "mpmath")(*point)
        return {"gradient": np.array([float(v) for v in g]),
                "hessian": np.array([[float(v) for v in row] for row in h])}


def case(name: str, fun: Callable, x) -> Case:
    x = np.asarray(x, dtype=float)
    return Case(name, fun, x, exact_derivatives(fun, x))


def rosenbrock_start(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 0, -1.2, 1.0)


def all_cases() -> list[Case]:
    return [
        case("quadratic", quadratic, [1.0, 1.0]),
        case("mix3", mix3, [0.7, 1.0, 0.8]),
        case("himmelblau", himmelblau, [0.0, 0.0]),
        case("logistic_mtcars", logistic_mtcars, [0.0, 0.0, 0.0]),
        *(case("rosenbrock", rosenbrock, rosenbrock_start(n)) for n in (2, 10, 50)),
        case("ill_scaled", ill_scaled, [2e-5, 0.5, 40.0, 3e3]),
        case("mixture", mixture, [0.3, -0.7, 1.1, 0.2, -1.4]),
        case("logsumexp", logsumexp, np.sin(np.arange(1.0, 21.0))),
    ]


# --- timing and counting ------------------------------------------------------------------

def run_once(call: Callable) -> float:
    """Seconds of one call, with the garbage collector off (as timeit does): a collection
    scanning the process's many objects would land on whichever call triggered it."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        call()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def median_time(call: Callable[[], object]) -> tuple[float, int, int]:
    """Median seconds of one call over samples of about TARGET_S each (fewer if slow)."""
    once = run_once(call)
    samples = 1 if once > 1.0 else 3 if once > 0.05 else 5
    inner = max(1, int(np.ceil(TARGET_S / max(once, 1e-6))))
    times = [run_once(lambda: [call() for _ in range(inner)]) / inner for _ in range(samples)]
    return statistics.median(times), samples, inner


def paired_ratio(a: Callable, b: Callable, samples: int = 9) -> float:
    """Median over samples of time(a) / time(b), the two timed alternately.

    Each side repeats its call until it lasts about TARGET_S, so that a call of 20 us is
    not timed alone against a scheduler's time slice.
    """
    inner_a, inner_b = (max(1, int(np.ceil(TARGET_S / max(run_once(c), 1e-6)))) for c in (a, b))
    ratios = []
    for _ in range(samples):
        ta = run_once(lambda: [a() for _ in range(inner_a)]) / inner_a
        tb = run_once(lambda: [b() for _ in range(inner_b)]) / inner_b
        ratios.append(ta / tb)
    return statistics.median(ratios)


class Counter:
    """Wraps f and counts the points it is evaluated at (and the calls)."""

    def __init__(self, f: Callable, vectorized: bool = False) -> None:
        self.f, self.vectorized, self.points, self.calls = f, vectorized, 0, 0

    def __call__(self, v):
        self.calls += 1
        self.points += int(np.shape(v)[0]) if self.vectorized else 1
        return self.f(v)


# --- the methods --------------------------------------------------------------------------

@dataclass
class Method:
    label: str
    family: str  # "mathkit", "numDeriv", "numdifftools", "scipy", "JAX"
    differentiate: Callable  # (f, x) -> derivative, f as given by make_f
    make_f: Callable  # Case -> the function this method differentiates
    vectorized: bool = False


def jax_f(c: Case):
    return lambda v: c.fun(v, jnp)


def methods(kind: str) -> list[Method]:
    mk = mathkit.grad if kind == "gradient" else mathkit.hessian
    plain, stacked = (lambda c: c.f), (lambda c: c.f)
    out = [Method(f"mathkit {m}", "mathkit", lambda f, x, m=m: mk(f, x, m), plain)
           for m in ("richardson", "central", "complex", "autodiff")]
    out += [Method(f"mathkit {m}, vectorized", "mathkit",
                   lambda f, x, m=m: mk(f, x, m, vectorized=True), stacked, vectorized=True)
            for m in ("richardson", "central", "complex")]
    if kind == "gradient":
        out += [Method("numdifftools default", "numdifftools",
                       lambda f, x: nd.Gradient(f)(x), plain),
                Method("numdifftools complex", "numdifftools",
                       lambda f, x: nd.Gradient(f, method="complex")(x), plain)]
        out += [Method(f"scipy {m}", "scipy", lambda f, x, m=m: approx_derivative(f, x, m),
                       plain) for m in ("2-point", "3-point", "cs")]
        out += [Method("JAX grad", "JAX", lambda f, x: np.asarray(jax.grad(f)(x)), jax_f)]
    else:
        out += [Method("numdifftools default", "numdifftools",
                       lambda f, x: nd.Hessian(f)(x), plain),
                Method("numdifftools complex", "numdifftools",
                       lambda f, x: nd.Hessian(f, method="complex")(x), plain)]
        out += [Method(f"scipy 3-point of {m}", "scipy", lambda f, x, m=m: approx_derivative(
            lambda p: approx_derivative(f, p, m), x, "3-point"), plain)
            for m in ("3-point", "cs")]
        out += [Method("JAX hessian", "JAX", lambda f, x: np.asarray(jax.hessian(f)(x)), jax_f)]
    return out


_JITTED = {}


def jitted(c: Case, kind: str) -> Callable:
    """JAX's derivative compiled for this case (once: compiling takes a second or so)."""
    if (c.label, kind) not in _JITTED:
        transform = jax.grad if kind == "gradient" else jax.hessian
        fn = jax.jit(transform(jax_f(c)))
        fn(c.x).block_until_ready()  # compile outside the timing
        _JITTED[c.label, kind] = lambda: np.asarray(fn(c.x))
    return _JITTED[c.label, kind]


def relative_error(estimate, exact) -> float:
    return float(np.max(np.abs(np.asarray(estimate, dtype=float).reshape(exact.shape) - exact))
                 / np.max(np.abs(exact)))


def run_python(c: Case) -> list[dict]:
    rows = []
    for kind in KINDS:
        for m in methods(kind):
            counter = Counter(m.make_f(c), m.vectorized)
            estimate = m.differentiate(counter, c.x)
            f = m.make_f(c)
            seconds, samples, inner = median_time(lambda m=m, f=f: m.differentiate(f, c.x))
            rows.append(row(c, kind, m.label, m.family, estimate, counter.points,
                            counter.calls, seconds, samples, inner))
        fn = jitted(c, kind)
        seconds, samples, inner = median_time(fn)
        label = "JAX grad, jitted" if kind == "gradient" else "JAX hessian, jitted"
        rows.append(row(c, kind, label, "JAX", fn(), 1, 1, seconds, samples, inner))
    return rows


def row(c: Case, kind, method, family, estimate, nfev, ncalls, seconds, samples, inner):
    return dict(function=c.name, n=c.n, case=c.label, kind=kind, method=method, family=family,
                rel_error=relative_error(estimate, c.exact[kind]), nfev=int(nfev),
                ncalls=int(ncalls), time_s=seconds, samples=samples, inner=inner)


def run_r(cases: list[Case]) -> tuple[list[dict], dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "numderiv.json"
        specs = [f"{c.name}|{','.join(f'{v:.17g}' for v in c.x)}" for c in cases]
        subprocess.run(["Rscript", "--vanilla", str(HERE / "bench_derivatives.R"),
                        str(ROOT / "tests" / "reference" / "_common.R"), str(out),
                        str(TARGET_S), *specs], check=True, cwd=HERE)
        got = json.loads(out.read_text())
    rows = []
    for c, r in zip(cases, got["cases"], strict=True):
        # Same function and point in R: f(x) agrees to rounding, else the cases drifted.
        if not (r["name"] == c.name and r["n"] == c.n
                and np.isclose(r["f0"], c.f(c.x), rtol=1e-13, atol=1e-300)):
            raise RuntimeError(f"R case {r['name']} is not Python's: f0 {r['f0']!r} vs "
                               f"{c.f(c.x)!r}")
        for run in r["runs"]:
            rows.append(row(c, run["what"], f"numDeriv {run['method']}", "numDeriv",
                            np.array(run["value"], dtype=float), run["nfev"], run["nfev"],
                            run["time_s"], run["samples"], run["inner"]))
    return rows, {"R": got["_r_version"], "numDeriv": got["numDeriv_version"]}


# --- the summary --------------------------------------------------------------------------

def frontier(rows: list[dict]) -> list[dict]:
    """Per case and kind, the methods no other method beats on both error and evaluations."""
    out = []
    for key in dict.fromkeys((r["case"], r["kind"]) for r in rows):
        group = [r for r in rows if (r["case"], r["kind"]) == key]
        on = [r["method"] for r in group
              if not any(o["rel_error"] < r["rel_error"] and o["nfev"] < r["nfev"]
                         for o in group)]
        for r in group:
            r["on_frontier"] = r["method"] in on
        numeric = [r for r in group if r["family"] != "JAX" and "autodiff" not in r["method"]]
        numeric_on = [r["method"] for r in numeric
                      if not any(o["rel_error"] < r["rel_error"] and o["nfev"] < r["nfev"]
                                 for o in numeric)]
        out.append(dict(case=key[0], kind=key[1], frontier=on,
                        mathkit_on_frontier=[m for m in on if m.startswith("mathkit")],
                        finite_difference_frontier=numeric_on,
                        mathkit_finite_difference_on_it=[m for m in numeric_on
                                                         if m.startswith("mathkit")]))
    return out


def autodiff_vs_jax(cases: list[Case]) -> list[dict]:
    """Hessian time of mathkit's autodiff over JAX's, un-jitted and jitted, side by side."""
    out = []
    for c in cases:
        if c.n > 50:
            continue
        ours = lambda c=c: mathkit.hessian(c.f, c.x, "autodiff")  # noqa: E731
        plain = jax.hessian(jax_f(c))
        theirs = lambda plain=plain, c=c: np.asarray(plain(c.x))  # noqa: E731
        out.append(dict(case=c.label, n=c.n, kind="hessian",
                        over_jax=paired_ratio(ours, theirs),
                        over_jax_jitted=paired_ratio(ours, jitted(c, "hessian"))))
    return out


def table(rows: list[dict]) -> str:
    head = (f"{'case':<22}{'kind':<9}{'method':<30}{'rel. error':>11}{'evals':>8}"
            f"{'median time':>14}  frontier")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['case']:<22}{r['kind']:<9}{r['method']:<30}{r['rel_error']:>11.1e}"
                     f"{r['nfev']:>8}{r['time_s'] * 1e3:>11.3f} ms  "
                     f"{'*' if r['on_frontier'] else ''}")
    return "\n".join(lines)


def main() -> None:
    t0 = time.perf_counter()
    # Peers step into overflow on the logistic case (numdifftools' large steps): their
    # errors show it; the warnings would only bury the table.
    np.seterr(all="ignore")
    warnings.simplefilter("ignore", RuntimeWarning)
    cases = all_cases()
    sympy.core.cache.clear_cache()  # the exact derivatives are floats now
    gc.collect()
    gc.freeze()  # what is left lives to the end: keep it out of later collections
    # One BLAS thread: R's reference BLAS has one, and the machine is shared.
    with threadpool_limits(limits=1, user_api="blas"):
        rows = []
        for c in cases:
            rows += run_python(c)
            print(f"{c.label}: done at {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        ratios = autodiff_vs_jax(cases)
    r_rows, versions = run_r(cases)
    rows += r_rows
    order = {c.label: i for i, c in enumerate(cases)}
    rows.sort(key=lambda r: (order[r["case"]], KINDS.index(r["kind"])))
    front = frontier(rows)
    autodiff = [r for r in rows if r["method"] == "mathkit autodiff"]
    goals = dict(
        mathkit_on_frontier_everywhere=all(f["mathkit_on_frontier"] for f in front),
        autodiff_worst_rel_error=max(r["rel_error"] for r in autodiff),
        autodiff_below_1e14=all(r["rel_error"] < 1e-14 for r in autodiff),
        autodiff_hessian_over_jax_worst=max(r["over_jax"] for r in ratios),
        autodiff_hessian_within_3x_of_jax=all(r["over_jax"] <= 3 for r in ratios))
    print(table(rows))
    print()
    for f in front:
        print(f"{f['case']:<22}{f['kind']:<9} frontier: {', '.join(f['frontier'])}")
    print()
    for r in ratios:
        print(f"{r['case']:<22} autodiff Hessian / JAX: {r['over_jax']:.2f} un-jitted, "
              f"{r['over_jax_jitted']:.1f} jitted")
    print(goals)
    seconds = time.perf_counter() - t0
    print(f"benchmark took {seconds:.0f} s")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "machine": machine(nd, mathkit, jax, scipy) | versions,
        "timing": {"statistic": "median seconds per derivative", "blas_threads": 1,
                   "least_sample_seconds": TARGET_S,
                   "samples": "5 (3 when one call > 0.05 s, 1 when > 1 s)",
                   "ratios": "median of 9 side-by-side ratios",
                   "garbage_collector": "off while timing, as in timeit",
                   "XLA_FLAGS": os.environ.get("XLA_FLAGS")},
        "error": "max |D - D_exact| / max |D_exact|, D_exact from sympy in 40 digits",
        "command": ".venv/bin/python benchmarks/bench_derivatives.py",
        "seconds": seconds,
        "cases": [{"case": c.label, "function": c.name, "n": c.n, "x": c.x.tolist()}
                  for c in cases],
        "rows": rows, "frontier": front,
        "autodiff_vs_jax": ratios, "goals": goals}, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

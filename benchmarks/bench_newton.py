"""The Newton family against scipy: iterations, evaluations, time, and where they end.

Methods: mathkit's ``newton_raphson``, ``newton_damped`` and ``newton_regularized``,
and scipy's ``Newton-CG``, ``trust-exact`` and ``BFGS``, all with analytic
derivatives and a gradient tolerance of 1e-8 (Newton-CG has none; its step
tolerance is set to 1e-12). Problems: Rosenbrock (n = 2, 10, 100) from
(-1.2, 1, -1.2, ...), Himmelblau from a 21 x 21 grid of starts on [-5, 5]^2, and
logistic regression negative log-likelihoods (mtcars am ~ mpg + hp, and a
synthetic 2000 x 10 one) from zero.

Each run is judged by the same yardstick, whatever the method says about itself:
it reached a local minimum when the gradient norm at the final point is below
1e-8 and the Hessian there is positive definite. Evaluations are counted by
wrapping f, its gradient and its Hessian; times are medians over repeated runs
without the counting wrappers.

Run: ``.venv/bin/python benchmarks/bench_newton.py``. Prints a table and writes
``mathkit/data/benchmarks/newton.json`` (package data, so the performance appendix runs
anywhere mathkit is installed).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy
import scipy.optimize as so
from _machine import machine

import mathkit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE.parent / "mathkit" / "data" / "benchmarks" / "newton.json"
TOL = 1e-8
MAX_ITER = 500
SAMPLES = 5


@dataclass(frozen=True)
class Problem:
    name: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    hess: Callable[[np.ndarray], np.ndarray]
    starts: tuple[np.ndarray, ...]


def rosenbrock(n: int) -> Problem:
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    return Problem(f"rosenbrock n={n}", so.rosen, so.rosen_der, so.rosen_hess, (x0,))


def himmelblau(k: int = 21) -> Problem:
    def f(v):
        return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2

    def grad(v):
        a, b = v[0] ** 2 + v[1] - 11, v[0] + v[1] ** 2 - 7
        return np.array([4 * v[0] * a + 2 * b, 2 * a + 4 * v[1] * b])

    def hess(v):
        x, y = v
        return np.array([[12 * x * x + 4 * y - 42, 4 * x + 4 * y],
                         [4 * x + 4 * y, 4 * x + 12 * y * y - 26]])

    grid = np.linspace(-5, 5, k)
    starts = tuple(np.array([a, b]) for a in grid for b in grid)
    return Problem(f"himmelblau {k}x{k} grid", f, grad, hess, starts)


def logistic(name: str, X: np.ndarray, y: np.ndarray) -> Problem:
    def f(b):
        eta = X @ b
        return float(np.sum(np.logaddexp(0, eta) - y * eta))

    def grad(b):
        return X.T @ (1 / (1 + np.exp(-(X @ b))) - y)

    def hess(b):
        p = 1 / (1 + np.exp(-(X @ b)))
        return X.T @ ((p * (1 - p))[:, None] * X)

    return Problem(name, f, grad, hess, (np.zeros(X.shape[1]),))


def logistic_problems() -> list[Problem]:
    cars = mathkit.load_mtcars()
    X = np.column_stack([np.ones(len(cars)), cars["mpg"], cars["hp"]])
    rng = np.random.default_rng(20240607)
    Z = np.column_stack([np.ones(2000), rng.standard_normal((2000, 9))])
    beta = np.linspace(-1, 1, 10)
    yz = (rng.random(2000) < 1 / (1 + np.exp(-(Z @ beta)))).astype(float)
    return [logistic("logistic mtcars (n=3)", X, cars["am"].to_numpy()),
            logistic("logistic synthetic 2000x10", Z, yz)]


def _mathkit(method: Callable) -> Callable:
    def run(p, x0):
        r = method(p.f, x0, grad=p.grad, hess=p.hess, tol=TOL, max_iter=MAX_ITER)
        return r.x, r.nit, r.converged
    return run


def _scipy(method: str, options: dict) -> Callable:
    def run(p, x0):
        hess = None if method == "BFGS" else p.hess
        r = so.minimize(p.f, x0, jac=p.grad, hess=hess, method=method,
                        options={"maxiter": MAX_ITER, **options})
        return r.x, r.nit, bool(r.success)
    return run


METHODS = {
    "newton_raphson": _mathkit(mathkit.newton_raphson),
    "newton_damped": _mathkit(mathkit.newton_damped),
    "newton_regularized": _mathkit(mathkit.newton_regularized),
    "scipy Newton-CG": _scipy("Newton-CG", {"xtol": 1e-12}),
    "scipy trust-exact": _scipy("trust-exact", {"gtol": TOL}),
    "scipy BFGS": _scipy("BFGS", {"gtol": TOL, "norm": 2}),
}


class Counted:
    """The problem with f, gradient and Hessian calls counted."""

    def __init__(self, p: Problem):
        self.p, self.nfev, self.njev, self.nhev = p, 0, 0, 0

    def f(self, x):
        self.nfev += 1
        return self.p.f(x)

    def grad(self, x):
        self.njev += 1
        return self.p.grad(x)

    def hess(self, x):
        self.nhev += 1
        return self.p.hess(x)


def run_one(name: str, p: Problem, x0: np.ndarray) -> dict:
    c = Counted(p)
    with np.errstate(all="ignore"):  # pure Newton may wander to overflow; judged below
        x, nit, success = METHODS[name](c, x0)
        g, H = p.grad(x), p.hess(x)
    finite = bool(np.all(np.isfinite(g)) and np.all(np.isfinite(H)))
    gnorm = float(np.linalg.norm(g)) if finite else float("inf")
    lam_min = float(np.linalg.eigvalsh(H)[0]) if finite else float("nan")
    return dict(nit=int(nit), nfev=c.nfev, njev=c.njev, nhev=c.nhev, success=success,
                grad_norm=gnorm, min_eigenvalue=lam_min,
                at_minimum=bool(gnorm < TOL and lam_min > 0), x=x.tolist())


def median_time(name: str, p: Problem) -> tuple[float, int]:
    """Median seconds to run the method from every start of the problem, and the
    number of samples (SAMPLES, or 3 when one run takes over 2 s)."""
    def once():
        t0 = time.perf_counter()
        with np.errstate(all="ignore"):
            for x0 in p.starts:
                METHODS[name](p, x0)
        return time.perf_counter() - t0

    samples = [once()]
    while len(samples) < (SAMPLES if samples[0] < 2 else 3):
        samples.append(once())
    return statistics.median(samples), len(samples)


def summarize(name: str, p: Problem, runs: list[dict]) -> dict:
    mean = lambda key: float(np.mean([r[key] for r in runs]))  # noqa: E731
    return dict(problem=p.name, method=name, starts=len(runs),
                at_minimum=sum(r["at_minimum"] for r in runs),
                success=sum(r["success"] for r in runs),
                mean_nit=mean("nit"), mean_nfev=mean("nfev"), mean_njev=mean("njev"),
                mean_nhev=mean("nhev"), max_nit=max(r["nit"] for r in runs),
                max_grad_norm=max(r["grad_norm"] for r in runs),
                **dict(zip(("time_s", "time_samples"), median_time(name, p), strict=True)))


def table(rows: list[dict]) -> str:
    head = (f"{'problem':<28}{'method':<20}{'at min':>9}{'ok':>6}{'mean nit':>10}"
            f"{'mean nfev':>11}{'njev':>8}{'nhev':>8}{'median time':>14}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['problem']:<28}{r['method']:<20}"
                     f"{r['at_minimum']:>4}/{r['starts']:<4}{r['success']:>6}"
                     f"{r['mean_nit']:>10.2f}{r['mean_nfev']:>11.2f}{r['mean_njev']:>8.2f}"
                     f"{r['mean_nhev']:>8.2f}{r['time_s'] * 1e3:>11.2f} ms")
    return "\n".join(lines)


def goals(rows: list[dict]) -> dict:
    by = {(r["problem"], r["method"]): r for r in rows}
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    reg = [by[(q, "newton_regularized")] for q in problems]
    te = [by[(q, "scipy trust-exact")] for q in problems]
    return dict(
        regularized_reaches_a_minimum_from_every_start=all(
            r["at_minimum"] == r["starts"] for r in reg),
        mean_nit_regularized_vs_trust_exact={
            q: [r["mean_nit"], t["mean_nit"]] for q, r, t in zip(problems, reg, te, strict=True)},
        regularized_no_more_iterations_than_trust_exact_on_every_problem=all(
            r["mean_nit"] <= t["mean_nit"] for r, t in zip(reg, te, strict=True)),
    )


def main() -> None:
    problems = [rosenbrock(2), rosenbrock(10), rosenbrock(100), himmelblau(), *logistic_problems()]
    rows, runs = [], {}
    for p in problems:
        for name in METHODS:
            one = [run_one(name, p, x0) for x0 in p.starts]
            runs[f"{p.name} | {name}"] = one if len(one) == 1 else None
            rows.append(summarize(name, p, one))
    print(table(rows))
    g = goals(rows)
    print()
    print("newton_regularized reaches a minimum from every start:",
          g["regularized_reaches_a_minimum_from_every_start"])
    for q, (r, t) in g["mean_nit_regularized_vs_trust_exact"].items():
        print(f"  {q}: mean iterations {r:.2f} (regularized) vs {t:.2f} (trust-exact)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "machine": machine(scipy, mathkit),
        "settings": {"tol": TOL, "max_iter": MAX_ITER, "timing": "median seconds over "
                     f"{SAMPLES} runs (3 if a run takes over 2 s) from all starts of a problem, "
                     "without counting wrappers",
                     "at_minimum": f"final gradient norm < {TOL:g} and Hessian positive definite"},
        "rows": rows, "goals": g,
        "single_start_runs": {k: v[0] for k, v in runs.items() if v is not None},
    }, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

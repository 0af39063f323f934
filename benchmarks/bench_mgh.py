"""The Moré-Garbow-Hillstrom test set (benchmarks/mgh.py): which solver solves which run.

Solvers: mathkit's ``newton_regularized`` with numeric derivatives (its default,
numDeriv's Richardson scheme) and with the exact ones, ``newton_damped``; scipy's
trust-exact, trust-krylov and Newton-CG (exact gradient and Hessian) and BFGS
(exact gradient), each with its default tolerances and at most 5000 iterations;
R's ``nlminb`` (exact gradient) and ``optim(method = "BFGS")`` (exact
gradient, ``maxit = 5000``) through ``Rscript benchmarks/bench_mgh.R`` when R is
installed.

Every final point is judged by the same yardstick, whatever the solver says: solved
when f - f* <= 1e-6 max(1, f*) and ||g||_inf <= 1e-3 max(1, f*) (exact g). A
"success" claim is wrong when the point is not a local minimum: its gradient is
not small (||g||_inf > 1e-3 max(1, |f|)), its exact Hessian has a clearly negative
eigenvalue, or f is lower somewhere near it (deterministic probes on spheres of
radius 1e-6 to 1e-1 times max(1, ||x||), beyond f's rounding).

Run: ``.venv/bin/python benchmarks/bench_mgh.py`` (about 15 minutes on 2 cores).
``--quick`` runs the mathkit solvers and scipy only. Prints a table and writes
``mathkit/data/benchmarks/mgh.json``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.optimize as so
from _machine import machine
from mgh import Run, runs, solved

import mathkit

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "mathkit" / "data" / "benchmarks" / "mgh.json"
MAX_ITER = 5000


class Counted:
    """f, gradient and Hessian of one run, counting the calls."""

    def __init__(self, run: Run):
        self.p, self.nfev = run.problem, 0

    def f(self, x):
        self.nfev += 1
        return self.p.f(x)


def mathkit_solver(method, exact: bool):
    def solve(run: Run) -> dict:
        c = Counted(run)
        kw = dict(grad=run.problem.grad, hess=run.problem.hess) if exact else {}
        r = method(c.f, run.x0, **kw)
        return dict(x=r.x, nit=r.nit, nfev=c.nfev, success=bool(r.converged), message=r.message)
    return solve


def scipy_solver(method: str):
    def solve(run: Run) -> dict:
        c = Counted(run)
        p = run.problem
        hess = None if method == "BFGS" else p.hess
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                r = so.minimize(c.f, run.x0, jac=p.grad, hess=hess, method=method,
                                options={"maxiter": MAX_ITER})
            except (ValueError, np.linalg.LinAlgError) as e:  # e.g. a Hessian with NaN
                return dict(x=run.x0, nit=0, nfev=c.nfev, success=False,
                            message=f"{type(e).__name__}: {e}")
        return dict(x=r.x, nit=int(r.nit), nfev=c.nfev, success=bool(r.success),
                    message=str(r.message))
    return solve


SOLVERS = {
    "mathkit newton_regularized (numeric)": mathkit_solver(mathkit.newton_regularized, False),
    "mathkit newton_regularized (exact)": mathkit_solver(mathkit.newton_regularized, True),
    "mathkit newton_damped (exact)": mathkit_solver(mathkit.newton_damped, True),
    "scipy trust-exact": scipy_solver("trust-exact"),
    "scipy trust-krylov": scipy_solver("trust-krylov"),
    "scipy Newton-CG": scipy_solver("Newton-CG"),
    "scipy BFGS": scipy_solver("BFGS"),
}
SCIPY = [k for k in SOLVERS if k.startswith("scipy")]


def not_a_minimum(run: Run, x: np.ndarray) -> str:
    """Why x is not a local minimum of the run's f, or "" if nothing shows it is not.

    x is called a minimum unless: its gradient is not small, its exact Hessian has a
    clearly negative eigenvalue, f is lower by more than 1e-6 max(1, |f|) at a
    deterministic probe point on spheres of radius 1e-6 to 1e-1 times max(1, |x|),
    or (at an unsolved run) f does not change beyond rounding along a null direction
    of the Hessian at distances 1e-6 and 1e-4 times max(1, |x|): a floating-point
    plateau, such as Gulf research from 100 x0, where exact arithmetic would have a
    tiny nonzero slope; nothing there certifies a minimum.
    """
    p = run.problem
    if not np.all(np.isfinite(x)):
        return "x is not finite"
    fx, g, H = p.f(x), p.grad(x), p.hess(x)
    if not (np.isfinite(fx) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
        return "f or its derivatives are not finite"
    if np.max(np.abs(g)) > 1e-3 * max(1.0, abs(fx)):
        return f"gradient {np.max(np.abs(g)):.3g}"
    lam, Q = np.linalg.eigh(H)
    if lam[0] < -1e-6 * max(1.0, abs(lam).max()):
        return f"negative curvature {lam[0]:.3g}"
    rng = np.random.default_rng(run.problem.number)
    scale = max(1.0, float(np.linalg.norm(x)))
    for radius in 10.0 ** np.arange(-6, 0):
        for u in rng.standard_normal((8 * x.size, x.size)):
            y = x + radius * scale * u / np.linalg.norm(u)
            fy = p.f(y)
            if np.isfinite(fy) and fy < fx - 1e-6 * max(1.0, abs(fx)):
                return f"f is lower ({fy:.6g} < {fx:.6g}) at distance {radius * scale:.3g}"
    noise = 1e3 * np.finfo(float).eps * abs(fx)
    for lam_i, v in zip(lam, Q.T, strict=True):
        if abs(lam_i) > 1e-8 * max(1.0, abs(lam).max()):
            continue
        if all(abs(p.f(x + s * t * scale * v) - fx) <= noise
               for t in (1e-6, 1e-4) for s in (1, -1)):
            return "f is constant along a null direction of the Hessian: a plateau"
    return ""


def judge(run: Run, out: dict) -> dict:
    x = np.asarray(out["x"], dtype=float)
    ok = solved(run.problem, x)
    why = "" if ok or not out["success"] else not_a_minimum(run, x)
    fx = run.problem.f(x) if np.all(np.isfinite(x)) else math.nan
    return dict(run=run.key, nit=int(out["nit"]), nfev=int(out["nfev"]),
                success=bool(out["success"]), solved=bool(ok), wrong_success=bool(why),
                why_wrong=why, f=fx if math.isfinite(fx) else None,
                message=out["message"][:200])


def r_results(all_runs: list[Run]) -> dict[str, list[dict]]:
    """nlminb and optim(BFGS) results from Rscript, or {} without R."""
    if shutil.which("Rscript") is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "problems.R"
        spec.write_text(r_problems(all_runs))
        out = Path(tmp) / "out.json"
        subprocess.run(["Rscript", "--vanilla", str(HERE / "bench_mgh.R"), str(spec), str(out)],
                       check=True)
        raw = json.loads(out.read_text())
    results = {}
    for solver, rows in raw.items():
        results[solver] = []
        for run, row in zip(all_runs, rows, strict=True):
            results[solver].append(judge(run, dict(x=row["x"], nit=row["nit"],
                                                   nfev=row["nfev"],
                                                   success=row["success"],
                                                   message=row["message"])))
    return results


def r_problems(all_runs: list[Run]) -> str:
    """R source defining ``runs``: per run its key, start, f and exact gradient (R code
    from sympy's R printer)."""
    items = []
    for run in all_runs:
        f_code, g_code = run.problem.r_code()
        x0 = ", ".join(repr(float(v)) for v in run.x0)
        items.append(f'list(key = "{run.key}", x0 = c({x0}),\n'
                     f"  f = local({{\n{f_code}\n}}),\n  g = local({{\n{g_code}\n}}))")
    return "runs <- list(\n" + ",\n".join(items) + ")\n"


def summary(rows: list[dict]) -> dict:
    def median(key):
        values = [r[key] for r in rows if r["solved"]]
        return float(statistics.median(values)) if values else None
    return dict(runs=len(rows), solved=sum(r["solved"] for r in rows),
                success_claims=sum(r["success"] for r in rows),
                wrong_success=sum(r["wrong_success"] for r in rows),
                median_nit_solved=median("nit"), median_nfev_solved=median("nfev"))


def profile(results: dict[str, list[dict]], all_runs: list[Run]) -> dict:
    """Dolan-More performance ratios on f evaluations: nfev over the best solver's,
    per run (None where the solver did not solve it)."""
    ratios = {k: [] for k in results}
    for i in range(len(all_runs)):
        best = min((rows[i]["nfev"] for rows in results.values() if rows[i]["solved"]),
                   default=None)
        for k, rows in results.items():
            ratios[k].append(rows[i]["nfev"] / best if rows[i]["solved"] else None)
    return ratios


def main() -> None:
    quick = "--quick" in sys.argv
    r_only = "--r-only" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = quick or (bool(only) and not r_only)
    all_runs = runs()
    if only:
        all_runs = [r for r in all_runs if r.key in only or str(r.problem.number) in only]
    results, seconds = {}, {}
    chosen = [k for k in SOLVERS if any(w in k for w in
                                        os.environ.get("MGH_SOLVERS", "").split(","))]
    if r_only:
        chosen = []
    for name, solve in SOLVERS.items():
        if name not in chosen:
            continue
        t0 = time.perf_counter()
        rows = []
        for run in all_runs:
            with np.errstate(all="ignore"):
                rows.append(judge(run, solve(run)))
            if rows[-1]["wrong_success"] or (not rows[-1]["solved"] and "mathkit" in name):
                print(f"  {name}: {run.name}: solved={rows[-1]['solved']} "
                      f"success={rows[-1]['success']} {rows[-1]['why_wrong']} "
                      f"| {rows[-1]['message'][:120]}", flush=True)
        results[name], seconds[name] = rows, time.perf_counter() - t0
        print(f"{name}: {summary(rows)} ({seconds[name]:.0f} s)", flush=True)
    if not quick:
        t0 = time.perf_counter()
        for name, rows in r_results(all_runs).items():
            results[name] = rows
            seconds[name] = time.perf_counter() - t0
            print(f"{name}: {summary(rows)}", flush=True)
    table = {k: summary(v) for k, v in results.items()}
    peers = [k for k in results if not k.startswith("mathkit")]
    anyone = [i for i in range(len(all_runs)) if any(results[k][i]["solved"] for k in results)]
    by_scipy = [i for i in range(len(all_runs))
                if any(results[k][i]["solved"] for k in SCIPY if k in results)]
    print()
    print(f"{'solver':<40}{'solved':>8}{'claims':>8}{'wrong':>7}{'med nit':>9}{'med nfev':>10}")
    for k, s in table.items():
        print(f"{k:<40}{s['solved']:>5}/{s['runs']:<3}{s['success_claims']:>7}"
              f"{s['wrong_success']:>7}{s['median_nit_solved'] or 0:>9.0f}"
              f"{s['median_nfev_solved'] or 0:>10.0f}")
    unsolved = [all_runs[i].name for i in range(len(all_runs)) if i not in anyone]
    print("solved by no method:", unsolved)
    missed = {k: [all_runs[i].name for i in by_scipy if not results[k][i]["solved"]]
              for k in results if k.startswith("mathkit newton_regularized")}
    print("solved by a scipy method but not by newton_regularized:", missed)
    if only or quick:
        return
    OUT.write_text(json.dumps({
        "machine": machine(scipy, mathkit),
        "settings": {"max_iter_peers": MAX_ITER, "mathkit": "defaults",
                     "solved": "f - f* <= 1e-6 max(1, f*) and ||g||_inf <= 1e-3 max(1, f*)",
                     "wrong_success": "claimed success at a point that is not a local minimum "
                     "(gradient, negative curvature, or a lower f nearby)"},
        "runs": [dict(key=r.key, problem=r.problem.number, name=r.problem.name,
                      scale=r.scale, n=r.problem.n, fstar=r.problem.fstar) for r in all_runs],
        "summary": table, "peers": peers, "seconds": seconds,
        "solved_by_no_method": unsolved, "missed_vs_scipy": missed,
        "profile_nfev": profile(results, all_runs),
        "results": results,
    }, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()

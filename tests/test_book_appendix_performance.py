"""The performance appendix states what the committed benchmark files say; the summary's
table names every public call of the book.

Each glued number is recomputed here from ``mathkit/data/benchmarks/*.json`` (the files the
appendix reads), so a page left stale after ``make bench`` fails. Where the prose makes a
qualitative claim about the numbers, the claim is checked against the files too.
"""

import json
import math
import re

import numpy as np
import pytest
from support import BOOK, ROOT, cells, glued, markdown, sig

PERF, SUMMARY = "appendix_performance.ipynb", "09_summary.ipynb"
RESULTS = ROOT / "mathkit" / "data" / "benchmarks"


def load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def glue_keys_in_prose(nb: str) -> set[str]:
    return {m.split(":")[0] for m in re.findall(r"\{glue:text\}`([^`]+)`", markdown(nb))}


# --- derivatives.json --------------------------------------------------------------------

def deriv_row(function: str, n: int, method: str) -> dict:
    (row,) = [r for r in load("derivatives")["rows"]
              if (r["function"], r["n"], r["method"]) == (function, n, method)]
    return row


def test_derivative_ratios_at_rosenbrock_50():
    perf = glued(PERF)
    time = {m: deriv_row("rosenbrock", 50, m)["time_s"] for m in (
        "mathkit richardson", "mathkit richardson, vectorized", "R numDeriv hessian",
        "numdifftools Hessian (default)")}
    vec, scalar = time["mathkit richardson, vectorized"], time["mathkit richardson"]
    r, ndt = time["R numDeriv hessian"], time["numdifftools Hessian (default)"]
    assert perf["perf-deriv-vec-over-numderiv"] == sig(vec / r)
    assert perf["perf-deriv-numderiv-over-vec"] == sig(r / vec, 2)
    assert perf["perf-deriv-scalar-over-numderiv"] == sig(scalar / r)
    assert perf["perf-deriv-vec-over-numdifftools"] == sig(vec / ndt)
    assert perf["perf-deriv-numdifftools-over-vec"] == sig(ndt / vec, 2)
    # The benchmark's own summary says the same.
    goals = load("derivatives")["rosenbrock_50"]
    assert perf["perf-deriv-vec-over-numderiv"] == sig(goals["vectorized_over_numDeriv"])
    assert perf["perf-deriv-vec-over-numdifftools"] == sig(goals["vectorized_over_numdifftools"])


def test_derivative_costs_and_errors():
    perf = glued(PERF)
    n = 50
    richardson = deriv_row("rosenbrock", n, "mathkit richardson")
    # numDeriv's genD evaluates f at 4n^2 + 4n + 2 points; central differences at 2n^2 + 1.
    assert perf["perf-deriv-nfev-richardson"] == richardson["nfev"] == 4 * n * n + 4 * n + 2
    central = deriv_row("rosenbrock", n, "mathkit central")
    assert perf["perf-deriv-nfev-central"] == central["nfev"] == 2 * n * n + 1
    assert perf["perf-deriv-nfev-numdifftools"] == \
        deriv_row("rosenbrock", n, "numdifftools Hessian (default)")["nfev"]
    for key, method in [("richardson", "mathkit richardson"), ("numderiv", "R numDeriv hessian"),
                        ("central", "mathkit central"), ("complex", "mathkit complex, vectorized"),
                        ("numdifftools", "numdifftools Hessian (default)")]:
        assert perf[f"perf-deriv-err-{key}"] == sig(deriv_row("rosenbrock", n, method)
                                                    ["max_abs_error"], 2)
    # The prose: central differences "lose about four digits" against Richardson.
    lost = math.log10(perf["perf-deriv-err-central"] / perf["perf-deriv-err-richardson"])
    assert 3 <= lost <= 5


def test_derivative_parity_with_numderiv():
    parity = load("derivatives")["parity"]
    perf = glued(PERF)
    worst = max(max(p["r_arithmetic_f_max_abs_diff_vs_numDeriv"],
                    p["r_arithmetic_f_vectorized_max_abs_diff_vs_numDeriv"]) for p in parity)
    assert perf["perf-deriv-parity-max-diff"] == worst
    assert perf["perf-deriv-parity-cases"] == len(parity)
    assert worst == 0.0  # the prose says "the same bits"


# --- newton.json -------------------------------------------------------------------------

def newton_rows() -> list[dict]:
    return load("newton")["rows"]


def newton_row(problem: str, method: str) -> dict:
    (row,) = [r for r in newton_rows() if (r["problem"], r["method"]) == (problem, method)]
    return row


def test_newton_himmelblau_counts():
    perf = glued(PERF)
    (grid,) = {r["problem"] for r in newton_rows() if r["problem"].startswith("himmelblau")}
    for key, method in [("raphson", "newton_raphson"), ("damped", "newton_damped"),
                        ("regularized", "newton_regularized"), ("trust", "scipy trust-exact"),
                        ("bfgs", "scipy BFGS"), ("newton-cg", "scipy Newton-CG")]:
        assert perf[f"perf-newton-himmelblau-{key}"] == newton_row(grid, method)["at_minimum"]
    starts = newton_row(grid, "newton_raphson")["starts"]
    assert perf["perf-newton-himmelblau-starts"] == starts == 21 * 21
    assert perf["perf-newton-himmelblau-raphson-success"] == \
        newton_row(grid, "newton_raphson")["success"]
    assert perf["perf-newton-himmelblau-regularized-nit"] == \
        round(newton_row(grid, "newton_regularized")["mean_nit"], 2)
    assert perf["perf-newton-himmelblau-trust-nit"] == \
        round(newton_row(grid, "scipy trust-exact")["mean_nit"], 2)
    # The prose: regularized Newton reached a minimum "from all" starts, pure Newton did not.
    assert perf["perf-newton-himmelblau-regularized"] == starts
    assert perf["perf-newton-himmelblau-raphson"] < perf["perf-newton-himmelblau-raphson-success"]


def test_newton_totals():
    perf, rows = glued(PERF), newton_rows()
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    by = {(r["problem"], r["method"]): r for r in rows}
    assert perf["perf-newton-problems"] == len(problems)
    assert perf["perf-newton-regularized-everywhere"] == sum(
        by[(p, "newton_regularized")]["at_minimum"] == by[(p, "newton_regularized")]["starts"]
        for p in problems)
    assert perf["perf-newton-regularized-le-trust"] == sum(
        by[(p, "newton_regularized")]["mean_nit"] <= by[(p, "scipy trust-exact")]["mean_nit"]
        for p in problems)
    for key, method in [("damped", "newton_damped"), ("bfgs", "scipy BFGS")]:
        assert perf[f"perf-newton-{key}-missed"] == sum(
            by[(p, method)]["at_minimum"] < by[(p, method)]["starts"] for p in problems)
    # The benchmark's goals agree with the counts in the prose.
    goals = load("newton")["goals"]
    assert goals["regularized_reaches_a_minimum_from_every_start"] == \
        (perf["perf-newton-regularized-everywhere"] == len(problems))


# --- irls.json ---------------------------------------------------------------------------

def irls_sizes() -> list[tuple[str, dict]]:
    return sorted(load("irls")["results"].items(), key=lambda item: item[1]["n"])


@pytest.mark.parametrize("tag", ["small", "large"])
def test_irls_ratios(tag):
    perf = glued(PERF)
    sizes = irls_sizes()
    label, res = sizes[0] if tag == "small" else sizes[-1]
    s = {m: r["seconds"] for m, r in res["methods"].items()}
    mk = res["methods"]["mathkit"]
    assert perf[f"perf-irls-{tag}-label"] == label
    assert perf[f"perf-irls-{tag}-speedup-glm"] == sig(s["sm_glm"] / s["mathkit"], 2)
    assert perf[f"perf-irls-{tag}-speedup-logit"] == sig(s["sm_logit"] / s["mathkit"], 2)
    assert perf[f"perf-irls-{tag}-over-sklearn"] == sig(s["mathkit"] / s["sklearn"], 2)
    assert perf[f"perf-irls-{tag}-mathkit-s"] == sig(s["mathkit"], 2)
    per_iteration = s["mathkit"] / mk["nit"]
    assert perf[f"perf-irls-{tag}-iter-over-floor"] == sig(per_iteration / s["floor"], 2)
    assert perf[f"perf-irls-{tag}-iter-over-gram"] == sig(per_iteration / s["gram_only"], 2)
    assert perf[f"perf-irls-{tag}-memory-over-x"] == sig(mk["peak_extra_bytes"] / res["X_bytes"], 2)
    # Cross-check against the benchmark's own summary of the same run.
    goals = res["goals"]
    assert perf[f"perf-irls-{tag}-speedup-glm"] == sig(goals["speedup_vs_sm_glm"], 2)
    assert perf[f"perf-irls-{tag}-over-sklearn"] == sig(goals["time_ratio_vs_sklearn"], 2)
    assert perf[f"perf-irls-{tag}-iter-over-floor"] == \
        sig(goals["seconds_per_iteration_over_floor"], 2)
    assert perf[f"perf-irls-{tag}-iter-over-gram"] == \
        sig(goals["seconds_per_iteration_over_gram_only"], 2)


def test_irls_memory_and_agreement():
    perf = glued(PERF)
    sizes = irls_sizes()
    _, large = sizes[-1]
    assert perf["perf-irls-large-x-mib"] == round(large["n"] * large["p"] * 8 / 2**20)
    assert perf["perf-irls-large-glm-memory-over-x"] == \
        sig(large["methods"]["sm_glm"]["peak_extra_bytes"] / large["X_bytes"], 2)
    diffs = [m["max_coef_diff_vs_mathkit"] for _, res in sizes for m in res["methods"].values()
             if m["max_coef_diff_vs_mathkit"] is not None]
    assert perf["perf-irls-max-coef-diff"] == sig(max(diffs), 1)
    # The prose: "all four fits agree", mathkit's extra memory is a fraction of X while
    # statsmodels' GLM holds several copies, and mathkit "can undercut the first floor".
    assert max(diffs) < 1e-8
    assert perf["perf-irls-large-memory-over-x"] < 1 < perf["perf-irls-large-glm-memory-over-x"]
    assert min(perf["perf-irls-small-iter-over-floor"], perf["perf-irls-large-iter-over-floor"]) < 1


# --- both pages --------------------------------------------------------------------------

@pytest.mark.parametrize(("nb", "prefix"), [(PERF, "perf-"), (SUMMARY, "sum-")])
def test_glue_keys_are_prefixed_and_used(nb, prefix):
    keys = set(glued(nb))
    assert keys and all(k.startswith(prefix) for k in keys), sorted(keys)
    assert glue_keys_in_prose(nb) <= keys


def test_appendix_reads_the_committed_files():
    code = "\n".join(cells(PERF, "code"))
    assert "benchmark_results(" in code
    assert "make bench" in markdown(PERF)


# --- the summary -------------------------------------------------------------------------

PUBLIC_CALLS = ["mathkit.deriv", "mathkit.grad", "mathkit.hessian", "mathkit.jacobian",
                "mathkit.classify_critical_point", "mathkit.condition_number",
                "mathkit.newton_raphson", "mathkit.newton_damped", "mathkit.newton_regularized",
                'scipy.optimize.minimize(method="BFGS")', "mathkit.irls", "mathkit.logistic_irls",
                "statsmodels.api.GLM"]
CONCEPTS = ["Gradient", "Hessian", "Critical-point test", "Newton step", "Damped Newton",
            "Regularized Newton", "Quasi-Newton", "IRLS"]


def summary_table() -> dict[str, list[str]]:
    lines = [ln for ln in markdown(SUMMARY).splitlines() if ln.startswith("| ")]
    header, rule, *body = lines
    assert set(rule) <= set("|:- "), rule
    assert [c.strip() for c in header.strip("|").split("|")][:2] == ["Concept", "What it is"]
    return {cells[0]: cells for cells in
            ([c.strip() for c in ln.strip("|").split("|")] for ln in body)}


def test_summary_table_names_every_call_and_concept():
    table = summary_table()
    assert list(table) == CONCEPTS
    text = "\n".join(" | ".join(row) for row in table.values())
    missing = [call for call in PUBLIC_CALLS if f"`{call}`" not in text]
    assert missing == []
    # ... and they are real: every mathkit name in the table exists in the package.
    import mathkit
    for name in re.findall(r"`mathkit\.(\w+)`", text):
        assert callable(getattr(mathkit, name)), name


def test_summary_table_links_resolve_to_chapters():
    for concept, row in summary_table().items():
        # {doc}`target` or {doc}`text <target>`
        docs = [m[1] or m[0] for m in re.findall(r"\{doc\}`([^`<]+?)(?:\s*<([^>]+)>)?`", row[-1])]
        assert docs, f"{concept}: no chapter linked"
        for doc in docs:
            assert (BOOK / f"{doc}.ipynb").exists() or (BOOK / f"{doc}.md").exists(), doc


def test_summary_demo_on_himmelblau():
    s = glued(SUMMARY)
    # Hessian of Himmelblau's function at the origin, by hand: diag(-42, -26).
    assert s["sum-eig-max"] == pytest.approx(-26.0, abs=0.01)
    # From (0, 0) pure Newton goes to the local maximum (-0.270845, -0.923039) and the
    # regularized method to the minimum (3, 2), where h = 0 exactly.
    assert (s["sum-pure-kind"], s["sum-reg-kind"]) == ("maximum", "minimum")
    assert [s["sum-pure-x"], s["sum-pure-y"]] == pytest.approx([-0.270845, -0.923039], abs=1e-4)
    assert [s["sum-reg-x"], s["sum-reg-y"]] == [3.0, 2.0]
    h = lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2  # noqa: E731
    assert h(3.0, 2.0) == 0.0
    # The maximum is a critical point: the gradient vanishes there (to the printed digits).
    x, y = -0.270845, -0.923039
    grad = np.array([4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                     2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)])
    assert np.linalg.norm(grad) < 1e-4

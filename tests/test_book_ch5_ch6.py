"""Chapters 5 and 6: the notebooks' from-scratch loops against mathkit, glued numbers
against real R (tests/reference/newton.R) and hand-derived mathematics, and the erratum notes.

The loops are taken out of the stored notebooks by name (the source of the cell that
defines them) and run here, so a change to the chapter's code is tested, not a copy.
Test functions use ``math`` (glibc's exp and log, as R uses) so that f gives R's bits.
"""

import math
import types

import numpy as np
import pytest
import scipy.linalg
from support import erratum, glued, markdown, notebook_function, reference, sig

import mathkit as mk

CH5, CH6 = "05_newton_from_scratch.ipynb", "06_when_newton_fails.ipynb"
REF = reference("newton")


class _SameSolver(types.ModuleType):
    """numpy, except that linalg.solve is the LAPACK call mathkit makes.

    numpy and scipy may link different LAPACK builds, whose solves can differ in the last
    bit; a line search comparing f values a few ulps apart may then decide differently.
    With the same solver the chapters' loops and mathkit's do the same arithmetic on every
    machine, so equal iterates and counts are forced, not lucky.
    """

    def __init__(self):
        super().__init__("numpy")
        self.linalg = types.SimpleNamespace(
            solve=lambda a, b: scipy.linalg.solve(a, b, assume_a="gen"),
            norm=np.linalg.norm)

    def __getattr__(self, name):
        return getattr(np, name)


SAME = {"np": _SameSolver(), "mk": mk, "math": math}


def scratch_loop():
    return notebook_function(CH5, "newton_from_scratch", SAME)


def scratch_damped():
    return notebook_function(CH6, "newton_damped_from_scratch", SAME)


# --- test functions, evaluating to R's bits ---------------------------------------------

def exp_fn(v):
    return math.exp(v[0]) - v[0] + v[1] ** 2


def cross_quadratic(v):
    return (v[0] - 1) ** 2 + (v[1] - 2) ** 2 + (v[0] - 1) * (v[1] - 2)


def log_loss(v):
    if v[0] <= 0 or v[1] <= 0:
        return math.nan
    return -math.log(v[0]) - math.log(v[1]) + v[0] + v[1]


def himmelblau(v):
    return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2


def rosenbrock(v):
    return 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2


def quartic(v):
    return v[0] ** 4 + v[0] * v[1] + (1 + v[1]) ** 2 + math.cosh(v[2])


CASES = [
    (exp_fn, [1.0, 1.0]),
    (exp_fn, [-2.0, 3.0]),
    (cross_quadratic, [0.0, 0.0]),
    (cross_quadratic, [5.0, -7.0]),
    (log_loss, [0.5, 1.5]),
    (himmelblau, [0.0, 0.0]),
    (himmelblau, [4.0, 4.0]),
    (rosenbrock, [-1.2, 1.0]),
    (quartic, [1.0, -1.0, 0.5]),
]


# --- chapter 5: the from-scratch loop ---------------------------------------------------

@pytest.mark.parametrize(("f", "x0"), CASES)
def test_scratch_loop_equals_mathkit(f, x0):
    scratch = scratch_loop()(f, x0)
    lib = mk.newton_raphson(f, x0)
    assert lib.converged, lib.message
    assert scratch["nit"] == lib.nit
    np.testing.assert_allclose(scratch["trace"], lib.trace, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scratch["x"], lib.x, rtol=1e-12, atol=1e-12)
    # the stopping rule: the norm recorded last is the one that passed, the others did not
    assert scratch["grad_norms"][-1] < 1e-8 <= min(scratch["grad_norms"][:-1], default=1.0)


@pytest.mark.parametrize("key", ["exp_fn", "cross_quadratic"])
def test_scratch_loop_reproduces_r(key):
    f = {"exp_fn": exp_fn, "cross_quadratic": cross_quadratic}[key]
    x0 = REF[key]["trace"][0]
    scratch = scratch_loop()(f, x0)
    assert scratch["nit"] == REF[key]["iterations"]
    np.testing.assert_allclose(scratch["trace"], REF[key]["trace"], rtol=0, atol=1e-12)


def test_scratch_loop_takes_the_step_before_the_test():
    # At a minimum the gradient is zero, yet the loop reports one iteration (a zero step).
    scratch = scratch_loop()(cross_quadratic, [1.0, 2.0])
    assert scratch["nit"] == 1 == mk.newton_raphson(cross_quadratic, [1.0, 2.0]).nit


def test_exp_run_matches_r():
    ch5, r = glued(CH5), REF["exp_fn"]
    assert ch5["ch5-exp-nit"] == ch5["ch5-exp-r-nit"] == r["iterations"] == 6
    assert [ch5["ch5-exp-x-final"], ch5["ch5-exp-y-final"]] == [sig(v, 7) for v in r["final"]["x"]]
    assert [ch5["ch5-exp-r-x"], ch5["ch5-exp-r-y"]] == [sig(v, 7) for v in r["final"]["x"]]
    assert ch5["ch5-exp-f-final"] == 1.0  # the minimum value e^0 - 0 + 0
    # ||g(x0)|| = ||(e - 1, 2)||
    assert ch5["ch5-exp-gnorm-0"] == pytest.approx(math.hypot(math.e - 1, 2), abs=1e-6)
    # The test passes at x5 and fails at x4 (gradients at R's iterates).
    g4, g5 = (np.linalg.norm(mk.grad(exp_fn, np.array(r["trace"][k]))) for k in (4, 5))
    assert ch5["ch5-exp-gnorm-before"] == sig(g4, 2) and g4 > ch5["ch5-tol"] == 1e-8
    assert ch5["ch5-exp-gnorm-last"] == sig(g5, 2) and g5 < 1e-8


def test_quadratic_convergence_glue():
    ch5 = glued(CH5)
    x = np.linalg.norm(np.array(REF["exp_fn"]["trace"]), axis=1)
    for k in range(1, 6):
        assert ch5[f"ch5-digits-{k}"] == round(-math.log10(x[k]), 1)
    digits = [ch5[f"ch5-digits-{k}"] for k in range(1, 6)]
    assert all(1.7 < b / a < 3 for a, b in zip(digits[1:], digits[2:], strict=False))
    # x_{k+1} = x_k - 1 + exp(-x_k) ~ x_k^2 / 2: C = 1/2
    assert ch5["ch5-ratio-3"] == pytest.approx(0.5, abs=0.015)
    assert ch5["ch5-ratio-4"] == pytest.approx(0.5, abs=0.002)


def test_cross_quadratic_matches_r():
    ch5, r = glued(CH5), REF["cross_quadratic"]
    assert ch5["ch5-cq-nit"] == ch5["ch5-cq-r-nit"] == r["iterations"] == 3
    assert [ch5["ch5-cq-x1-x"], ch5["ch5-cq-x1-y"]] == [round(v, 7) for v in r["trace"][1]]
    assert [ch5["ch5-cq-x2-x"], ch5["ch5-cq-x2-y"]] == [1.0, 2.0] == r["trace"][2]
    assert [ch5["ch5-cq-x-final-x"], ch5["ch5-cq-x-final-y"]] == [1.0, 2.0]
    assert ch5["ch5-cq-gnorm-2"] == 0.0
    assert ch5["ch5-cq-x1-err"] == sig(math.dist(r["trace"][1], [1, 2]), 2)
    assert ch5["ch5-parity-all"] is True


def test_ch5_errata():
    ch5, r = glued(CH5), REF["exp_fn"]["final"]["x"]
    # The tutorial's printed point is not R's: off by three orders of magnitude and in sign.
    assert (ch5["ch5-article-x"], ch5["ch5-article-y"]) == (1.137978e-15, 0.0)
    assert abs(ch5["ch5-article-x"] - r[0]) > 1e-12 and r[1] != 0.0
    assert ch5["ch5-r-version"] == REF["_r_version"].split(" (")[0]
    assert ch5["ch5-numderiv-version"] == reference("numderiv")["numderiv_version"]
    note = erratum(CH5, "erratum-ch5-exp-final-point")
    for key in ("ch5-article-x", "ch5-article-y", "ch5-exp-r-x", "ch5-exp-r-y",
                "ch5-exp-x-final", "ch5-exp-y-final", "ch5-exp-r-nit"):
        assert f"{{glue:text}}`{key}" in note
    note = erratum(CH5, "erratum-ch5-cross-quadratic-iterations")
    for key in ("ch5-cq-r-nit", "ch5-cq-nit", "ch5-cq-x1-err"):
        assert f"{{glue:text}}`{key}" in note


# --- chapter 6 --------------------------------------------------------------------------

DAMPED_CASES = [
    (log_loss, [5.0, 5.0]),
    (log_loss, [3.0, 3.0]),
    (log_loss, [0.1, 8.0]),
    (himmelblau, [0.0, 0.0]),
    (rosenbrock, [-1.2, 1.0]),
    (exp_fn, [3.0, -2.0]),
]


@pytest.mark.parametrize(("f", "x0"), DAMPED_CASES)
def test_damped_exercise_equals_mathkit(f, x0):
    scratch = scratch_damped()(f, x0)
    lib = mk.newton_damped(f, x0)
    assert scratch["nit"] == lib.nit
    np.testing.assert_allclose(scratch["trace"], lib.trace, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("key", "x0"), [("safe_5", [5.0, 5.0]), ("damped_3", [3.0, 3.0])])
def test_damped_exercise_reproduces_r(key, x0):
    r = REF["log_loss"][key]
    scratch = scratch_damped()(log_loss, x0)
    assert scratch["nit"] == r["iterations"]
    np.testing.assert_allclose(scratch["trace"], r["trace"], rtol=0, atol=1e-12)


def test_full_step_leaves_the_domain():
    ch6, r = glued(CH6), REF["log_loss"]
    # at (3, 3): g = 1 - 1/3, H = 1/9, d = -6, x1 = -3
    assert ch6["ch6-ll-g0"] == round(2 / 3, 6) == round(r["full_step"]["grad"][0], 6)
    assert ch6["ch6-ll-h0"] == round(1 / 9, 6) == round(r["full_step"]["hessian"][0][0], 6)
    assert ch6["ch6-ll-d0"] == -6.0 == round(r["full_step"]["step"][0], 6)
    assert ch6["ch6-ll-x1"] == ch6["ch6-ll-x1-r"] == round(r["full_step"]["x1"][0], 6) == -3.0
    assert ch6["ch6-ll-f1"] == "nan" and r["full_step"]["fun_x1"] == [None]
    assert ch6["ch6-ll-r-error"] == r["raphson_error"].split(" at ")[0]
    assert ch6["ch6-ll-pure-nit"] == 1
    assert ch6["ch6-ll-f0"] == round(6 - 2 * math.log(3), 6)


def test_damping_matches_r():
    ch6, r = glued(CH6), REF["log_loss"]
    assert ch6["ch6-damped3-nit"] == ch6["ch6-damped3-r-nit"] == r["damped_3"]["iterations"] == 7
    assert ch6["ch6-safe5-nit"] == ch6["ch6-safe5-r-nit"] == r["safe_5"]["iterations"] == 8
    # step factors from R's iterates: 3 -> 1.5 (1/4 of -6), 5 -> 2.5 (1/8 of -20), -> 0.625
    t3, t5 = r["damped_3"]["trace"], r["safe_5"]["trace"]
    assert ch6["ch6-damped3-gamma1"] == 0.25 == pytest.approx((t3[1][0] - 3) / -6)
    assert ch6["ch6-safe5-gamma1"] == 0.125 == pytest.approx((t5[1][0] - 5) / -20)
    assert ch6["ch6-safe5-gamma2"] == 0.5 == pytest.approx((t5[2][0] - 2.5) / -3.75)
    for key in ("damped3", "safe5"):
        assert (ch6[f"ch6-{key}-x"], ch6[f"ch6-{key}-y"]) == (1.0, 1.0)


def test_bfgs_matches_r():
    ch6, r = glued(CH6), REF["log_loss"]["bfgs_3"]
    assert [ch6["ch6-bfgs3-r-x"], ch6["ch6-bfgs3-r-y"]] == [round(v, 6) for v in r["par"]]
    assert [ch6["ch6-bfgs3-x"], ch6["ch6-bfgs3-y"]] == [1.0, 1.0]
    assert (ch6["ch6-bfgs3-r-conv"], ch6["ch6-bfgs3-r-fn"], ch6["ch6-bfgs3-r-gr"]) == \
        (r["convergence"][0], *r["counts"])
    assert ch6["ch6-bfgs5-success"] is False and ch6["ch6-bfgs5-logs-x"] == 1.0


def test_ill_conditioned_valley():
    ch6 = glued(CH6)
    delta, lam = ch6["ch6-delta"], ch6["ch6-lambda"]
    # eigenvalues 4 and 4 delta: kappa = 1 / delta; shifted by lambda: (4 + l) / (4 delta + l)
    assert ch6["ch6-kappa-exact"] == sig(1 / delta, 2)
    assert ch6["ch6-kappa-numderiv"] > 1e10  # beyond the tutorial's threshold
    assert ch6["ch6-kappa-shifted"] == sig((4 + lam) / (4 * delta + lam), 2)
    assert lam == pytest.approx(4e-6)
    # The shifted step from (0.5, 2), by hand in the eigenbasis q1 = (1, 1)/sqrt2,
    # q2 = (1, -1)/sqrt2: g = (1, 1) + 2 delta u (1, -1) with u = x - y = -1.5.
    x0, u = np.array([0.5, 2.0]), -1.5
    q1, q2 = np.array([1.0, 1.0]) / math.sqrt(2), np.array([1.0, -1.0]) / math.sqrt(2)
    g = np.array([1.0, 1.0]) + 2 * delta * u * np.array([1.0, -1.0])
    x1 = x0 - (q1 @ g) / (4 + lam) * q1 - (q2 @ g) / (4 * delta + lam) * q2
    assert [ch6["ch6-valley-shifted-x"], ch6["ch6-valley-shifted-y"]] == \
        (np.round(x1, 4) + 0.0).tolist()
    assert ch6["ch6-valley-shifted-spread"] < 1e-3 < ch6["ch6-valley-newton-spread"]
    assert ch6["ch6-kappa-eps"] == sig(sig(1 / delta, 2) * np.finfo(float).eps, 1)
    assert ch6["ch6-singular-r-error"] == REF["singular"]["solve_error"]


def test_singular_hessian_is_a_verdict():
    # (x + y)^2: singular in exact arithmetic. The chapter prints a verdict (numerical rank),
    # never the condition number, which is finite on one machine and infinite on another.
    res = mk.newton_raphson(lambda v: (v[0] + v[1]) ** 2, [1.0, 2.0])
    assert not res.converged and "singular" in res.message
    assert np.linalg.matrix_rank(mk.hessian(lambda v: (v[0] + v[1]) ** 2, res.x)) == 1
    assert "ch6-singular-message" not in glued(CH6)


def test_cost_of_the_hessian():
    ch6 = glued(CH6)
    calls = 0

    def f(v):
        nonlocal calls
        calls += 1
        return float(v @ v)

    mk.hessian(f, np.ones(100))
    assert ch6["ch6-hess-calls-100"] == calls
    assert ch6["ch6-hess-gb"] == 0.8 and ch6["ch6-chol-flops"] == sig(1e12 / 3, 2)


def test_himmelblau_matches_r():
    ch6, r = glued(CH6), REF["himmelblau"]
    damped = r["damped"]
    assert ch6["ch6-him-damped-nit"] == ch6["ch6-him-r-damped-nit"] == damped["iterations"] == 50
    assert ch6["ch6-him-damped-converged"] is False
    assert [ch6["ch6-him-r-damped-x"], ch6["ch6-him-r-damped-y"]] == \
        [sig(v, 3) for v in damped["final"]["x"]]
    assert [ch6["ch6-him-damped-x"], ch6["ch6-him-damped-y"]] == \
        [sig(v, 3) for v in damped["final"]["x"]]
    assert ch6["ch6-him-damped-f"] == ch6["ch6-him-r-damped-f"] == \
        round(damped["final"]["fun"][0], 8)
    assert ch6["ch6-him-damped-gnorm"] == round(float(np.linalg.norm(damped["final"]["grad"])), 1)
    assert "line search could not decrease f" in ch6["ch6-him-damped-message"]
    # each step is 2^-34 of the Newton step d = (-1/3, -11/13): the first halving below 1e-10
    assert ch6["ch6-him-halvings"] == 34 == math.ceil(math.log2(1e10))
    assert damped["trace"][1] == pytest.approx([-2.0**-34 / 3, -2.0**-34 * 11 / 13], rel=1e-4)

    pure = r["raphson"]
    assert ch6["ch6-him-pure-nit"] == pure["iterations"]
    assert [ch6["ch6-him-pure-x"], ch6["ch6-him-pure-y"]] == \
        [round(v, 6) for v in pure["final"]["x"]]
    assert ch6["ch6-him-pure-f"] == round(pure["final"]["fun"][0], 6)
    assert ch6["ch6-him-pure-kind"] == "maximum" and max(pure["final"]["eigenvalues"]) < 0

    assert [ch6["ch6-him-bfgs-r-x"], ch6["ch6-him-bfgs-r-y"]] == \
        [round(v, 4) + 0.0 for v in r["bfgs"]["par"]] == [3.0, 2.0]
    assert [ch6["ch6-him-bfgs-x"], ch6["ch6-him-bfgs-y"]] == [3.0, 2.0]
    # h(3, 2) = 0 exactly, with Hessian [[74, 20], [20, 34]]: a minimum
    assert [ch6["ch6-him-reg-x"], ch6["ch6-him-reg-y"]] == [3.0, 2.0]
    assert ch6["ch6-him-reg-kind"] == "minimum" and ch6["ch6-him-reg-converged"] is True


def test_himmelblau_start():
    ch6, start = glued(CH6), REF["himmelblau"]["start"]
    # g(0, 0) = (-14, -22), H(0, 0) = diag(-42, -26): d = (-1/3, -11/13), g'd = 14/3 + 242/13
    assert (ch6["ch6-him-g-x"], ch6["ch6-him-g-y"]) == (-14.0, -22.0)
    assert [ch6["ch6-him-r-eig-min"], ch6["ch6-him-r-eig-max"]] == \
        [round(min(start["eigenvalues"]), 4), round(max(start["eigenvalues"]), 4)]
    assert [ch6["ch6-him-eig-min"], ch6["ch6-him-eig-max"]] == pytest.approx([-42, -26], abs=1e-3)
    assert (ch6["ch6-him-d-x"], ch6["ch6-him-d-y"]) == (round(-1 / 3, 4), round(-11 / 13, 4))
    assert ch6["ch6-him-slope"] == pytest.approx(14 / 3 + 242 / 13, abs=1e-3)
    assert ch6["ch6-him-f0"] == 170.0 == start["fun"][0]


def test_ch6_erratum():
    ch6 = glued(CH6)
    assert ch6["ch6-him-damped-dist"] < 1e-8  # nowhere near the printed (3, 2)
    note = erratum(CH6, "erratum-ch6-himmelblau-damped")
    for key in ("ch6-him-r-damped-nit", "ch6-him-r-damped-x", "ch6-him-r-damped-y",
                "ch6-him-r-damped-f", "ch6-him-damped-x", "ch6-him-damped-y",
                "ch6-him-damped-f", "ch6-him-bfgs-r-x", "ch6-him-bfgs-r-y",
                "ch6-him-damped-dist", "ch6-him-damped-gnorm"):
        assert f"{{glue:text}}`{key}" in note
    # The tutorial's "globally convergent": the loop ends at the start, the gradient far from 0.
    assert '"globally convergent"' in note and "{ref}`ch6-damping`" in note
    assert ch6["ch6-him-damped-gnorm"] > 1


# --- both -------------------------------------------------------------------------------


def test_apparatus_of_chapters_5_and_6():
    ch5, ch6 = markdown(CH5), markdown(CH6)
    # the damped update is chapter 5's numbered equation; chapter 6 refers to it
    assert "$$ (eq-damped-update)" in ch5 and "{eq}`eq-damped-update`" in ch6
    assert "{eq}`eq-newton-step`" in ch5
    for fig in ("fig-ch5-newton-loop", "fig-ch5-convergence"):
        assert f"{{numref}}`{fig}`" in ch5
    for fig in ("fig-ch6-domain", "fig-ch6-shift", "fig-ch6-decision-guide", "fig-ch6-himmelblau"):
        assert f"{{numref}}`{fig}`" in ch6
    # "converged" is R's stopping rule, and both chapters say so
    assert "{doc}`06b_convergence`" in ch5 and "{doc}`06b_convergence`" in ch6


"""Chapters 3 and 4: glued numbers against real R (numderiv.R, newton.R) and exact mathematics."""

import math

import numpy as np
import pytest
import scipy.linalg
from support import erratum, glued, markdown, notebook_function, page_problems, reference

import mathkit as mk

CH3, CH4 = "03_curvature.ipynb", "04_newton_step.ipynb"
SQRT2, SQRT10, E = math.sqrt(2), math.sqrt(10), math.e


def pair(nb: str, stem: str, a: str = "max", b: str = "min") -> list[float]:
    values = glued(nb)
    return [values[f"{stem}-{a}"], values[f"{stem}-{b}"]]


# --- chapter 3 -------------------------------------------------------------------------

def test_bowl_eigenvalues_match_r_and_exact():
    ours = pair(CH3, "ch3-f-eig")
    assert ours == pytest.approx(reference("numderiv")["eigenvalues"]["f_fn"], abs=1e-6)
    assert ours == pytest.approx([3 + SQRT2, 3 - SQRT2], abs=1e-6)
    assert pair(CH3, "ch3-f-eig-exact") == pytest.approx([3 + SQRT2, 3 - SQRT2], abs=1e-6)
    assert glued(CH3)["ch3-f-class"] == reference("newton")["classify"]["f_fn"]["label"]


def test_bowl_steep_direction():
    # tan(2 theta) = 2 H_xy / (H_xx - H_yy) = -1 for [[2, 1], [1, 4]]: theta = 67.5 degrees.
    assert glued(CH3)["ch3-f-steep-angle"] == pytest.approx(67.5, abs=1e-4)


def test_condition_number_matches_r_kappa():
    ch3 = glued(CH3)
    assert ch3["ch3-f-kappa"] == pytest.approx(reference("newton")["kappa_f_fn"][0], abs=1e-6)
    assert ch3["ch3-f-kappa"] == pytest.approx((3 + SQRT2) / (3 - SQRT2), abs=1e-6)
    # (kappa - 1) / (kappa + 1) = 2 sqrt 2 / 6
    assert ch3["ch3-gd-rate-f"] == pytest.approx(SQRT2 / 3, abs=1e-6)


@pytest.mark.parametrize(("key", "kappa"), [
    ("ch3-gd-steps-f", (3 + SQRT2) / (3 - SQRT2)),
    ("ch3-gd-steps-100", 100.0),
    ("ch3-gd-steps-10000", 10000.0),
])
def test_gradient_descent_step_counts(key, kappa):
    # With step 2/(lmax + lmin) every eigen-component of x is multiplied by +-(k-1)/(k+1)
    # each step, so |x_k| = |x_0| r^k exactly; from (2, 2), first k with |x_k| < 1e-8.
    r = (kappa - 1) / (kappa + 1)
    crossing = math.log(1e-8 / math.hypot(2, 2)) / math.log(r)
    # The count is forced, not decided by rounding: at the steps either side of the crossing
    # |x_k| is further from 1e-8 (relatively) than k steps of rounding could move it.
    margin = min(crossing - math.floor(crossing), math.ceil(crossing) - crossing) * -math.log(r)
    assert margin > 1e-6 > 100 * crossing * np.finfo(float).eps
    assert glued(CH3)[key] == math.ceil(crossing)


def test_saddle_eigenvalues_match_r():
    assert pair(CH3, "ch3-s-eig") == pytest.approx(reference("numderiv")["eigenvalues"]["f_saddle"],
                                                    abs=1e-12)
    assert pair(CH3, "ch3-s-eig") == [2, -2]
    assert glued(CH3)["ch3-s-class"] == reference("newton")["classify"]["saddle"]["label"]


def test_exercise_eigenvalues_match_r_and_exact():
    ch3, ours = glued(CH3), pair(CH3, "ch3-h-eig")
    r_values = reference("numderiv")["eigenvalues"]["ex_h"]
    assert ours == pytest.approx(r_values, abs=1e-6)
    assert ours == pytest.approx([5 + SQRT10, 5 - SQRT10], abs=1e-6)
    assert pair(CH3, "ch3-h-eig-exact") == pytest.approx([5 + SQRT10, 5 - SQRT10], abs=1e-6)
    assert pair(CH3, "ch3-h-eig-r") == pytest.approx(r_values, abs=1e-6)
    assert ch3["ch3-h-class"] == reference("newton")["classify"]["ex_h"]["label"]
    assert ch3["ch3-h-kappa"] == pytest.approx((5 + SQRT10) / (5 - SQRT10), abs=1e-6)
    assert (ch3["ch3-h-trace"], ch3["ch3-h-det"]) == (10, 15)


def test_erratum_note_for_the_exercise():
    ch3 = glued(CH3)
    # The tutorial's printed pair really is off: R's values differ in the second decimal.
    tutorial = pair(CH3, "ch3-h-eig-tutorial")
    assert tutorial == [8.1244, 1.8756]
    assert all(abs(t - r) > 0.01 for t, r in zip(tutorial, pair(CH3, "ch3-h-eig-r"), strict=True))
    assert ch3["ch3-h-tutorial-sum"] == pytest.approx(10, abs=1e-9)
    assert ch3["ch3-h-tutorial-product"] == pytest.approx(8.1244 * 1.8756, abs=1e-6)

    note = erratum(CH3, "erratum-ch3-exercise-eigenvalues")
    for key in ("ch3-h-eig-tutorial-max", "ch3-h-eig-r-max", "ch3-h-eig-max",
                "ch3-h-eig-tutorial-min", "ch3-h-eig-r-min", "ch3-h-eig-min"):
        assert f"{{glue:text}}`{key}" in note


def test_chapter3_page_conventions():
    assert page_problems(CH3, "ch3") == []
    text = markdown(CH3)
    for label in ("eq-ch3-second-order", "eq-ch3-eigen-form", "eq-ch3-kappa"):
        assert f"$$ ({label})" in text
    for name in ("fig-ch3-curvature", "fig-ch3-critical-points"):
        assert f"{{numref}}`{name}`" in text
    assert "{doc}`04_newton_step`" in text and "next chapter" not in text


# --- chapter 4 -------------------------------------------------------------------------

def test_solve_versus_inverse():
    ch4 = glued(CH4)
    assert ch4["ch4-solve-small"] is True
    assert ch4["ch4-cholesky-small"] is True
    assert ch4["ch4-inverse-large"] is True
    # kappa_2 = |H| |H^-1| from scipy's closed-form inverse of the Hilbert matrix.
    n = ch4["ch4-hilbert-n"]
    kappa = (np.linalg.norm(scipy.linalg.hilbert(n), 2)
             * np.linalg.norm(scipy.linalg.invhilbert(n, exact=True).astype(float), 2))
    assert ch4["ch4-hilbert-kappa"] == pytest.approx(kappa, rel=0.05)


def test_one_step_on_the_bowl_matches_r():
    ch4, r = glued(CH4), reference("newton")["one_step_quadratic"]
    assert [ch4["ch4-f-g0-x"], ch4["ch4-f-g0-y"]] == pytest.approx(r["grad"], abs=1e-6)
    assert [ch4["ch4-f-g0-x"], ch4["ch4-f-g0-y"]] == [6, 10]  # (2x + y, x + 4y) at (2, 2)
    assert [ch4["ch4-f-step-x"], ch4["ch4-f-step-y"]] == pytest.approx(r["step"], abs=1e-6)
    assert [ch4["ch4-f-x1-x"], ch4["ch4-f-x1-y"]] == pytest.approx(r["x1"], abs=1e-6)
    assert [ch4["ch4-f-x1-x"], ch4["ch4-f-x1-y"]] == [0, 0]
    assert max(abs(v) for v in r["x1"]) < ch4["ch4-f-x1-bound"] <= 1e-9


def test_notebook_step_is_mathkits_first_iterate():
    # The chapter builds the step by hand: x0 + solve(hessian, -grad). It must be
    # newton_raphson's first iterate and R's one step. The chapter's own f squares by products,
    # as R does: libm's pow could move f by an ulp, and the step by 1e-11.
    f = notebook_function(CH4, "f", {"np": np})

    x0 = np.array([2.0, 2.0])
    by_hand = x0 + np.linalg.solve(mk.hessian(f, x0), -mk.grad(f, x0))
    first = mk.newton_raphson(f, x0, max_iter=1).x
    np.testing.assert_allclose(by_hand, first, rtol=0, atol=1e-14)
    np.testing.assert_allclose(by_hand, reference("newton")["one_step_quadratic"]["x1"],
                               rtol=0, atol=1e-14)
    ch4 = glued(CH4)
    assert [ch4["ch4-f-x1-x"], ch4["ch4-f-x1-y"]] == (np.round(first, 6) + 0.0).tolist()


def test_exercise_step_matches_r_and_exact():
    ch4, r = glued(CH4), reference("newton")["one_step_separable"]
    assert [ch4["ch4-q-x1-x"], ch4["ch4-q-x1-y"]] == pytest.approx(r["x1"], abs=1e-6)
    assert [ch4["ch4-q-x1-x"], ch4["ch4-q-x1-y"]] == pytest.approx([3, -1], abs=1e-4)
    assert [ch4["ch4-q-x1-exact-x"], ch4["ch4-q-x1-exact-y"]] == [3, -1]
    assert ch4["ch4-q-hess-diag"] == pytest.approx(r["hessian"][0][0], abs=1e-7)
    assert ch4["ch4-q-at-0"] == 10  # (0 - 3)^2 + (0 + 1)^2


def test_unrounded_step_matches_r_and_is_not_zero():
    ch4, r = glued(CH4), reference("newton")["one_step_quadratic"]
    assert [ch4["ch4-f-x1-r-x"], ch4["ch4-f-x1-r-y"]] == [float(f"{v:.6e}") for v in r["x1"]]
    assert [ch4["ch4-f-x1-raw-x"], ch4["ch4-f-x1-raw-y"]] == [float(f"{v:.3e}") for v in r["x1"]]
    assert min(abs(v) for v in r["x1"]) > 1e-12  # R's step does not land on (0, 0)
    assert ch4["ch4-f-same-derivatives"] is True and ch4["ch4-f-x1-within-ulp"] is True
    # one unit in the last place of numbers in [1, 2), where the step's entries (near -2) lie
    assert ch4["ch4-f-step-ulp"] == float(f"{np.spacing(1.5):.1e}")
    # Errors of R's numDeriv derivatives against (2x + y, x + 4y) = (6, 10), [[2, 1], [1, 4]].
    g_err = np.max(np.abs(np.subtract(r["grad"], [6, 10])))
    h_err = np.max(np.abs(np.subtract(r["hessian"], [[2, 1], [1, 4]])))
    assert ch4["ch4-f-g0-err"] == float(f"{g_err:.1e}")
    assert ch4["ch4-f-h0-err"] == float(f"{h_err:.1e}")
    # Exact derivatives: H d = -g is solved by d = (-2, -2) exactly.
    assert [ch4["ch4-f-x1-exact-x"], ch4["ch4-f-x1-exact-y"]] == [0, 0]


def test_erratum_on_the_unrounded_step():
    note = erratum(CH4, "erratum-ch4-one-step-residue")
    assert "`[1] 0 0`" in note
    for key in ("ch4-f-x1-r-x", "ch4-f-x1-r-y", "ch4-f-x1-raw-x", "ch4-f-x1-raw-y",
                "ch4-f-step-ulp", "ch4-f-g0-err", "ch4-f-h0-err", "ch4-f-x1-exact-x",
                "ch4-f-x1-exact-y"):
        assert f"{{glue:text}}`{key}" in note, key


def test_erratum_on_the_exercise():
    ch4, r = glued(CH4), reference("newton")["one_step_separable"]
    assert [ch4["ch4-q-x1-r-x"], ch4["ch4-q-x1-r-y"]] == [round(v, 6) for v in r["x1"]]
    assert [ch4["ch4-q-x1-r-x"], ch4["ch4-q-x1-r-y"]] != [3, -1]  # not "exactly" (3, -1)
    assert [ch4["ch4-q-x1-r-x"], ch4["ch4-q-x1-r-y"]] == [ch4["ch4-q-x1-x"], ch4["ch4-q-x1-y"]]
    note = erratum(CH4, "erratum-ch4-exercise-exact")
    assert "*exactly*" in note
    for key in ("ch4-q-x1-r-x", "ch4-q-x1-r-y", "ch4-q-x1-x", "ch4-q-x1-y", "ch4-q-x1-exact-x",
                "ch4-q-x1-exact-y", "ch4-q-hess-diag"):
        assert f"{{glue:text}}`{key}" in note, key


def test_model_of_exp_function():
    ch4, r = glued(CH4), reference("newton")["exp_fn"]
    x1 = [ch4["ch4-t-x1-x"], ch4["ch4-t-x1-y"]]
    assert x1 == pytest.approx(r["trace"][1], abs=1e-6)
    assert x1 == pytest.approx([1 / E, 0], abs=1e-6)
    assert ch4["ch4-t-inv-e"] == pytest.approx(1 / E, abs=1e-6)
    assert ch4["ch4-t-f0"] == pytest.approx(E, abs=1e-6)
    assert ch4["ch4-t-f1"] == pytest.approx(math.exp(1 / E) - 1 / E, abs=1e-6)
    # m(d*) = t(x0) - g'H^-1 g / 2 with g = (e - 1, 2), H = diag(e, 2)
    assert ch4["ch4-t-m1"] == pytest.approx(E - ((E - 1) ** 2 / E + 2) / 2, abs=1e-6)


def test_chapter4_page_conventions():
    assert page_problems(CH4, "ch4") == []
    text = markdown(CH4)
    # The reserved label of the Newton step, numbered and referred to.
    assert "$$ (eq-newton-step)" in text and "{eq}`eq-newton-step`" in text
    assert "$$ (eq-ch4-model)" in text
    assert "{numref}`fig-ch4-model`" in text
    assert "next chapter" not in text and "{doc}`05_newton_from_scratch`" in text


def test_chapter4_exercise_function_is_rs_bits():
    # q is written with products, as R computes ^2; then numDeriv's Hessian, whose digits
    # here are rounding errors, is R's on every machine, and so is the step.
    r = reference("newton")["one_step_separable"]

    q = notebook_function(CH4, "q", {"np": np})
    z0 = np.zeros(2)
    assert np.array_equal(mk.hessian(q, z0), r["hessian"])
    assert glued(CH4)["ch4-q-hess-diag"] == round(r["hessian"][0][0], 7)


def test_exercise_hessian_is_off_in_its_last_digits():
    # Chapter 3 says numDeriv's Hessian of h misses the exact off-diagonal 1 by a rounding
    # error. h uses products only, so this is the same on every IEEE machine.
    h = notebook_function(CH3, "h", {})
    H = mk.hessian(h, np.zeros(2))
    assert H[0, 1] == H[1, 0] != 1.0
    assert abs(H[0, 1] - 1.0) < 1e-14
    assert (H[0, 0], H[1, 1]) == (2.0, 8.0)

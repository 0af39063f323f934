"""Chapters 7 and 8: glued numbers against real R (tests/reference/glm.R and newton.R),
statsmodels and hand-derived mathematics; the erratum notes; the chapter 7 classifier
against mathkit; every glue key and cross-reference resolves.

The model data come from the fixture (R's model.matrix and response), not from mathkit,
so the expected values here never pass through the code under test.
"""

import math
import re
import subprocess

import numpy as np
import pytest
import statsmodels.api as sm
from support import (
    REFERENCE,
    cells,
    erratum,
    glued,
    notebook_function,
    reference,
    rscript,
    sig,
)

import mathkit as mk

CH7, CH8 = "07_practice.ipynb", "08_newton_is_irls.ipynb"
NEWTON = reference("newton")
GLM = reference("glm")["models"]["am_mpg_hp"]
X = np.array(GLM["X"], dtype=float)
Y = np.array(GLM["y"], dtype=float)
R_COEF, R_SE, R_COV = np.array(GLM["coef"]), np.array(GLM["se"]), np.array(GLM["cov"])
# The Hessian of -l at glm's fit, from R's covariance matrix (its inverse).
R_INFO_EIG = np.sort(np.linalg.eigvalsh(np.linalg.inv(R_COV)))
ARTICLE_COEF = [-33.6052, 1.2596, 0.0550]  # what the tutorial prints, for Newton and glm()


def probabilities(beta):
    return 1.0 / (1.0 + np.exp(-(X @ beta)))


def loglik(beta):
    eta = X @ beta
    return float(np.sum(Y * eta - np.logaddexp(0.0, eta)))


# --- chapter 7, exercise 1: Himmelblau (a recap of chapter 6) --------------------------

def test_himmelblau_recap_matches_r_and_chapter_6():
    ch7, ch6, r = glued(CH7), glued("06_when_newton_fails.ipynb"), NEWTON["himmelblau"]
    assert ch7["ch7-him-damped-nit"] == ch7["ch7-him-r-damped-nit"] == \
        r["damped"]["iterations"] == ch6["ch6-him-damped-nit"] == 50
    # H(0, 0) = diag(12x^2 + 4y - 42, 4x + 12y^2 - 26) = diag(-42, -26)
    assert (ch7["ch7-him-eig-min"], ch7["ch7-him-eig-max"]) == pytest.approx((-42, -26), abs=1e-3)
    assert ch7["ch7-him-eig-min"] == ch6["ch6-him-eig-min"]
    assert ch7["ch7-him-damped-dist"] == ch6["ch6-him-damped-dist"] < 1e-8
    assert np.linalg.norm(r["damped"]["final"]["x"]) < 1e-8
    assert [ch7["ch7-him-bfgs-x"], ch7["ch7-him-bfgs-y"]] == \
        [round(v, 4) + 0.0 for v in r["bfgs"]["par"]] == [3.0, 2.0]
    assert [ch7["ch7-him-reg-x"], ch7["ch7-him-reg-y"]] == [3.0, 2.0]


# --- chapter 7, exercise 2: logistic regression by damped Newton ------------------------

def test_logistic_coefficients_match_r_and_the_article():
    ch7 = glued(CH7)
    r_newton = NEWTON["logistic"]["damped"]["final"]["x"]
    for j, key in enumerate(["b0", "b1", "b2"]):
        assert ch7[f"ch7-newton-{key}"] == ch7[f"ch7-r-glm-{key}"] == ARTICLE_COEF[j] \
            == round(R_COEF[j], 4) == round(r_newton[j], 4)
    assert ch7["ch7-article-confirmed"] is True


def test_iteration_counts_match_r():
    ch7 = glued(CH7)
    assert ch7["ch7-newton-nit"] == ch7["ch7-r-newton-nit"] == \
        NEWTON["logistic"]["damped"]["iterations"] == 16
    assert ch7["ch7-newton-converged"] is True
    assert ch7["ch7-glm-default-nit"] == NEWTON["logistic"]["glm_iter"][0] == \
        GLM["default"]["iter"] == 7
    assert ch7["ch7-glm-nit"] == ch7["ch7-irls-nit"] == GLM["iter"] == 8


def test_differences_to_r_glm():
    # The chapter prints bounds, not the rounding-level digits of the differences: the
    # damped Newton fit's difference is decided in its last, ulp-level line searches
    # (1.3e-7 on one machine, 7.9e-8 on another), the IRLS fits' are rounding.
    ch7 = glued(CH7)
    r_newton = np.array(NEWTON["logistic"]["damped"]["final"]["x"])
    assert ch7["ch7-maxdiff-newton"] == 1e-6
    assert 1e-9 < np.abs(r_newton - R_COEF).max() < 1e-6  # R's own run of the loop
    assert ch7["ch7-maxdiff-irls"] == ch7["ch7-maxdiff-logit"] == 1e-9
    sm_glm = sm.GLM(Y, X, family=sm.families.Binomial()).fit()
    sm_logit = sm.Logit(Y, X).fit(disp=0)
    assert ch7["ch7-maxdiff-smglm"] == 1e-6
    assert 1e-9 < np.abs(sm_glm.params - R_COEF).max() < 1e-6  # a looser stopping rule
    assert np.abs(sm_logit.params - R_COEF).max() < 1e-9


def test_linear_convergence_explained_by_the_smallest_eigenvalue():
    ch7 = glued(CH7)
    lam_numeric_r = min(NEWTON["logistic"]["damped"]["final"]["eigenvalues"])
    # exact Hessian from R's covariance, numerical one from R's numDeriv at R's final point
    assert ch7["ch7-lam-min"] == sig(R_INFO_EIG[0], 3)
    assert ch7["ch7-lam-max"] == sig(R_INFO_EIG[-1], 3)
    assert ch7["ch7-kappa"] == sig(R_INFO_EIG[-1] / R_INFO_EIG[0], 2)
    assert ch7["ch7-lam-min-r"] == ch7["ch7-lam-min-numeric"] == sig(lam_numeric_r, 3)
    assert ch7["ch7-lam-min-excess"] == round(100 * (lam_numeric_r / R_INFO_EIG[0] - 1))
    predicted = 1 - R_INFO_EIG[0] / lam_numeric_r
    assert ch7["ch7-rate-predicted"] == pytest.approx(predicted, abs=2e-3)
    assert ch7["ch7-spectral-radius"] == pytest.approx(predicted, abs=2e-3)
    # the rate R's own iterates show
    errors = np.linalg.norm(np.array(NEWTON["logistic"]["damped"]["trace"]) - R_COEF, axis=1)
    r_rate = float(np.median(errors[8:15] / errors[7:14]))
    assert ch7["ch7-rate-observed"] == pytest.approx(r_rate, abs=2e-3)
    # R's numDeriv Hessian against the exact one: about 2e-7 of its largest entry
    H_r = np.array(NEWTON["logistic"]["damped"]["final"]["hessian"])
    H_exact = np.linalg.inv(R_COV)
    rel = np.abs(H_r - H_exact).max() / np.abs(H_exact).max()
    assert ch7["ch7-hess-relerr"] == pytest.approx(rel, rel=0.3)
    assert ch7["ch7-hess-abserr"] > ch7["ch7-lam-min"]  # the point of the explanation
    assert ch7["ch7-hess-relerr-small"] == 1e-9
    assert ch7["ch7-intercept-step"] == round(0.1 * abs(R_COEF[0]), 2)


def test_exact_derivatives_restore_quadratic_convergence():
    ch7 = glued(CH7)

    def nll(beta):
        return -loglik(beta)

    def grad(beta):
        return X.T @ (probabilities(beta) - Y)

    def hess(beta):
        p = probabilities(beta)
        return X.T @ ((p * (1 - p))[:, None] * X)

    exact = mk.newton_damped(nll, np.zeros(3), grad=grad, hess=hess, max_iter=100)
    assert ch7["ch7-nit-exact"] == exact.nit == ch7["ch7-nit-small-step"]
    assert ch7["ch7-nit-exact"] < ch7["ch7-newton-nit"]
    assert ch7["ch7-floor"] == 1e-6
    assert np.abs(exact.trace[-1] - R_COEF).max() < ch7["ch7-floor"]
    np.testing.assert_allclose(exact.x, R_COEF, rtol=1e-9)


def test_fsum_explanation():
    # What holds on every machine: the last full step of the loop changes -l by less than
    # one ulp (exact derivatives at R's iterate), so no double-precision f can see it.
    ch7 = glued(CH7)
    ulp = math.ulp(NEWTON["logistic"]["damped"]["final"]["fun"][0])
    assert ch7["ch7-ulp"] == sig(ulp, 2)
    x_last = np.array(NEWTON["logistic"]["damped"]["trace"][-2])
    p = probabilities(x_last)
    g, H = X.T @ (p - Y), X.T @ ((p * (1 - p))[:, None] * X)
    assert 0.5 * g @ np.linalg.solve(H, g) < ulp / 10
    assert "ch7-numpy-nit" not in ch7  # a count the machine's rounding decides is not printed
    # the minimum of -l is half the deviance for 0/1 data
    assert ch7["ch7-nll-min"] == round(GLM["deviance"] / 2, 4) == \
        round(NEWTON["logistic"]["damped"]["final"]["fun"][0], 4)


# --- chapter 7, exercise 3: the critical-point classifier -------------------------------

@pytest.mark.parametrize("case", ["bowl", "saddle", "cap", "quartic"])
def test_classifier_matches_r(case):
    ch7 = glued(CH7)
    assert ch7[f"ch7-class-{case}"] == ch7[f"ch7-class-r-{case}"] == \
        NEWTON["classify"][case]["label"]


def test_degenerate_cases():
    ch7 = glued(CH7)
    assert ch7["ch7-class-quartic"] == "degenerate"
    # mathkit's default settles the point by f along the null direction
    assert ch7["ch7-class-quartic-settled"] == "degenerate minimum"
    assert [ch7[f"ch7-settled-{k}"] for k in ("x4", "minus-x4", "x3")] == \
        ["degenerate minimum", "degenerate saddle", "degenerate saddle"]
    # the classifier's threshold, which the notebook checks the eigenvalue is below
    assert ch7["ch7-quartic-eig-small"] == 1e-8
    assert ch7["ch7-degenerate-all"] is True


CLASSIFY_CASES = [
    (lambda v: v[0] ** 2 + 3 * v[1] ** 2, [0.0, 0.0]),
    (lambda v: -(v[0] ** 2) - v[0] * v[1] - v[1] ** 2, [0.0, 0.0]),
    (lambda v: v[0] * v[1], [0.0, 0.0]),
    (lambda v: v[0] ** 4 + v[1] ** 2, [0.0, 0.0]),
    (lambda v: v[0] ** 3 - v[1] ** 2, [0.0, 0.0]),
    (lambda v: math.cos(v[0]) + math.cos(v[1]), [0.0, 0.0]),
    (lambda v: math.cos(v[0]) + math.cos(v[1]), [math.pi, math.pi]),
    (lambda v: math.cos(v[0]) + math.cos(v[1]), [0.0, math.pi]),
    (lambda v: (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2, [3.0, 2.0]),
    (lambda v: v[0] ** 2 + v[1] ** 2 + v[2] ** 2 - 4 * v[0] * v[2], [0.0, 0.0, 0.0]),
]


@pytest.mark.parametrize(("f", "x"), CLASSIFY_CASES)
def test_scratch_classifier_equals_mathkit(f, x):
    scratch = notebook_function(CH7, "classify_from_scratch", {"np": np, "mk": mk, "math": math})
    # the tutorial's test (R's): mathkit without its null check
    assert scratch(f, x) == mk.classify_critical_point(f, x, null_check=False)


# --- chapter 8: the derivation ----------------------------------------------------------

def test_sympy_identities():
    ch8 = glued(CH8)
    assert ch8["ch8-dp-minus-v"] == ch8["ch8-dterm-check"] == ch8["ch8-d2term-check"] == "0"
    # v = p(1 - p) is largest where p = 1/2, i.e. z = 0, with value 1/4
    assert (ch8["ch8-v-argmax"], ch8["ch8-v-max"]) == (0, 0.25)
    assert ch8["ch8-sympy-hessian-zero"] is True and ch8["ch8-sympy-pgrad-zero"] is True


def test_score_at_the_fit():
    ch8 = glued(CH8)
    fitted = np.array(GLM["fitted"])
    # with an intercept the score's first row is sum(y) - sum(p_hat)
    assert ch8["ch8-n-manual"] == int(Y.sum()) == 13
    assert ch8["ch8-sum-p-hat"] == round(float(fitted.sum()), 10) == 13.0
    assert ch8["ch8-score-bound"] <= 1e-9 and ch8["ch8-ols-bound"] <= 1e-9


def test_hessian_is_minus_xtwx():
    ch8 = glued(CH8)
    assert ch8["ch8-hess-minus-bound"] <= 1e-9
    assert ch8["ch8-hess-plus-diff"] == 2.0  # H = -A against +A: 2 max|A| / max|A|
    assert ch8["ch8-hess-eig-largest"] == sig(-R_INFO_EIG[0], 3)
    assert ch8["ch8-hess-eig-smallest"] == sig(-R_INFO_EIG[-1], 3)
    assert ch8["ch8-kappa"] == sig(R_INFO_EIG[-1] / R_INFO_EIG[0], 2)
    assert ch8["ch8-pgrad-bound"] <= 1e-9 and ch8["ch8-termjac-bound"] <= 1e-9
    assert ch8["ch8-car-name"] == "Mazda RX4"


def test_one_step_both_ways():
    ch8 = glued(CH8)
    # From beta = 0: p = 1/2, w = 1/4, z = 4y - 2, so the step is OLS of 4y - 2 on X.
    beta1 = np.linalg.lstsq(X, 4 * Y - 2, rcond=None)[0]
    assert [ch8["ch8-step1-b0"], ch8["ch8-step1-b1"], ch8["ch8-step1-b2"]] == \
        np.round(beta1, 6).tolist()
    for key in ("ch8-step-diff-bound", "ch8-steps-diff-bound", "ch8-ols-step-bound"):
        assert ch8[key] == 1e-10, key
    assert ch8["ch8-steps-count"] == GLM["iter"]
    # l(0) = -n log 2; the Newton step raises l, the step with the printed sign lowers it
    assert ch8["ch8-l0"] == round(-len(Y) * math.log(2), 4)
    assert ch8["ch8-l-right"] == round(loglik(beta1), 4)
    assert ch8["ch8-l-wrong"] == round(loglik(-beta1), 4)
    assert ch8["ch8-l-wrong"] < ch8["ch8-l0"] < ch8["ch8-l-right"]
    p1 = probabilities(beta1)
    w1 = p1 * (1 - p1)
    assert (ch8["ch8-w1-min"], ch8["ch8-w1-max"]) == (sig(w1.min(), 2), round(w1.max(), 4))


def test_linearization_sign():
    ch8 = glued(CH8)
    # second order with the source's sign (the error shrinks with the step),
    # wrong by twice the change with the other sign
    assert ch8["ch8-taylor-err-minus"] < 1e-2
    assert ch8["ch8-taylor-err-minus-small"] == pytest.approx(ch8["ch8-taylor-err-minus"] / 10,
                                                              rel=0.1)
    assert ch8["ch8-taylor-err-plus"] == 2.0


def test_irls_matches_r_and_statsmodels():
    ch8 = glued(CH8)
    assert ch8["ch8-irls-nit"] == ch8["ch8-r-iter"] == GLM["iter"]
    sm_fit = sm.GLM(Y, X, family=sm.families.Binomial()).fit(tol=1e-10)
    assert ch8["ch8-sm-iter"] == sm_fit.fit_history["iteration"]
    assert ch8["ch8-irls-coef-rel"] == ch8["ch8-irls-se-rel"] == 1e-10
    # the bound holds here, independently of the notebook
    fit = mk.irls(X, Y)
    assert np.abs(fit.coef - R_COEF).max() / np.abs(R_COEF).max() < 1e-10
    assert (np.abs(fit.se - R_SE) / R_SE).max() < 1e-10
    assert ch8["ch8-deviance"] == ch8["ch8-r-deviance"] == round(GLM["deviance"], 8)
    assert ch8["ch8-aic"] == round(GLM["aic"], 8)
    sm_history = sm_fit.fit_history["deviance"][2:]  # statsmodels also records its start
    assert len(sm_history) == GLM["iter"]
    for k, d in enumerate(sm_history, start=1):
        assert ch8[f"ch8-dev-{k}"] == pytest.approx(d, abs=1e-8)
    assert ch8[f"ch8-dev-{GLM['iter']}"] == round(GLM["deviance"], 8)


def test_deviance_history_matches_r_trace():
    if rscript() is None:
        pytest.skip("Rscript not available")
    script = ("options(digits = 15); f <- glm(am ~ mpg + hp, data = mtcars, family = binomial, "
              "control = glm.control(epsilon = 1e-10, trace = TRUE))")
    out = subprocess.run([rscript(), "--vanilla", "-e", script], capture_output=True, text=True,
                         check=True, cwd=REFERENCE).stdout
    deviances = [float(v) for v in re.findall(r"Deviance = ([0-9.]+) Iterations", out)]
    ch8 = glued(CH8)
    assert len(deviances) == GLM["iter"]
    for k, d in enumerate(deviances, start=1):
        assert ch8[f"ch8-dev-{k}"] == pytest.approx(d, abs=1e-8)
    changes = np.abs(np.diff(deviances))
    for k in (4, 5, 6):
        assert ch8[f"ch8-dev-change-{k}"] == pytest.approx(changes[k - 1], rel=1e-2)


def test_weights():
    ch8 = glued(CH8)
    fitted = np.array(GLM["fitted"])
    w = fitted * (1 - fitted)
    assert ch8["ch8-n-cars"] == len(w) == 32
    assert ch8["ch8-n-small-weight"] == int((w < 0.01).sum())
    assert ch8["ch8-w-max"] == round(float(w.max()), 4) <= 0.25
    cars = mk.load_mtcars()
    np.testing.assert_array_equal(cars[["mpg", "hp"]].to_numpy(), X[:, 1:])  # same row order
    assert ch8["ch8-w-max-car"] == cars.index[int(np.argmax(w))]


def test_complete_example():
    ch8 = glued(CH8)
    assert ch8["ch8-complete-confirmed"] is True
    assert ch8["ch8-newton-nit"] == NEWTON["logistic"]["damped"]["iterations"]
    # standard errors from R's numDeriv Hessian at the end of R's damped Newton run
    H_r = np.array(NEWTON["logistic"]["damped"]["final"]["hessian"])
    se_numeric = np.sqrt(np.diag(np.linalg.inv(H_r)))
    for j, key in enumerate(["b0", "b1", "b2"]):
        assert ch8[f"ch8-newton-se-{key}"] == round(se_numeric[j], 4)
        assert ch8[f"ch8-r-se-{key}"] == round(R_SE[j], 4)
        assert ch8[f"ch8-se-short-{key}"] == round(100 * (1 - se_numeric[j] / R_SE[j]))


# --- the erratum notes ------------------------------------------------------------------

ERRATA = {
    "erratum-ch8-hessian-sign": ("ch8-hess-minus-bound", "ch8-hess-plus-diff",
                                 "ch8-hess-eig-largest"),
    "erratum-ch8-dp-vector": ("ch8-car-name", "ch8-pgrad-bound", "ch8-termjac-bound"),
    "erratum-ch8-taylor-argument": ("ch8-w1-min", "ch8-w1-max", "ch8-taylor-err-minus",
                                    "ch8-taylor-err-plus"),
}


@pytest.mark.parametrize("name", sorted(ERRATA))
def test_ch8_errata(name):
    note = erratum(CH8, name)
    for key in ERRATA[name]:
        assert f"{{glue:text}}`{key}" in note, key


def test_ch8_errata_say_what_the_source_writes():
    assert "plus sign" in erratum(CH8, "erratum-ch8-hessian-sign")
    assert r"x_i x_i^\top" in erratum(CH8, "erratum-ch8-dp-vector")
    assert r"v(\beta_j^\top)" in erratum(CH8, "erratum-ch8-taylor-argument")
    # The linearized score's left side is a column; its terms end in the row x_i^T.
    assert r"the row $x_i^\top$" in erratum(CH8, "erratum-ch8-taylor-argument")
    assert r"the column $x_i$" in erratum(CH8, "erratum-ch8-taylor-argument")


def test_apparatus_and_corrections_of_chapters_7_and_8():
    ch7, ch8 = "\n".join(cells(CH7, "markdown")), "\n".join(cells(CH8, "markdown"))
    assert "$$ (eq-irls)" in ch8 and "{eq}`eq-irls`" in ch8 and "{eq}`eq-newton-step`" in ch8
    assert "{numref}`fig-ch7-convergence`" in ch7 and "{numref}`fig-ch8-weights`" in ch8
    # R's mustart pulls the data towards 1/2, not the other way round
    assert "pulled\ntowards the data" not in ch7 and "(y_i + 1/2)/2" in ch7
    # no hand-written chapter numbers, no iteration count typed in a heading
    assert not re.search(r"(?i)\bchapters? \d", ch7 + ch8)
    assert "Sixteen" not in ch7
    # the complete example's standard errors have a table of their own
    code = "\n".join(cells(CH8, "code"))
    assert "standard_errors = pd.DataFrame" in code


def test_ch7_points_to_the_himmelblau_erratum():
    text = "\n".join(cells(CH7, "markdown"))
    assert "<erratum-ch6-himmelblau-damped>" in text
    erratum("06_when_newton_fails.ipynb", "erratum-ch6-himmelblau-damped")


"""The chapter "How far the recipe reaches" (book/08b_recipe_reach.ipynb).

Its inline algorithms (Newton for Poisson rates, Fisher scoring and Newton for the
probit, the multinomial block Hessian, Breslow's partial likelihood) are run here
as the notebook defines them and must equal mathkit's and R's; its glued numbers
must be what the R fixtures say; and the page keeps the book's conventions.
"""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import ndtr
from scipy.stats import norm
from support import erratum, glued, markdown, notebook_function, page_problems, reference

import mathkit as mk

NB = "08b_recipe_reach.ipynb"
REACH = reference("reach")
MULTI = reference("multinom")["models"]
COX = reference("coxph")["models"]


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def test_page_conventions():
    assert page_problems(NB, "reach") == []


def test_cites_the_papers_it_relies_on():
    text = markdown(NB)
    for key in ("mccullagh1989", "agresti2013", "venables2002", "cox1972", "efron1977",
                "breslow1974", "therneau2000", "green1984"):
        assert key in text, key


def test_erratum_on_irls_and_newton_is_in_the_books_form():
    body = erratum(NB, "erratum-reach-irls-newton")
    assert "canonical" in body and "Fisher scoring" in body
    for key in ("reach-fs-err-2", "reach-newton-err-2", "reach-se-exp-mpg", "reach-se-obs-r-mpg"):
        assert f"{{glue:text}}`{key}" in body


# ----------------------------------------------------------------------------- Poisson rates
def test_inline_poisson_newton_is_irls_and_r():
    ships = REACH["ships"]
    X, y, off = np.array(ships["X"]), np.array(ships["y"]), np.array(ships["offset"])
    newton = notebook_function(NB, "poisson_newton", {"np": np})
    start = np.r_[np.log(y.sum() / np.exp(off).sum()), np.zeros(X.shape[1] - 1)]
    beta = newton(X, y, off, start, steps=25)
    fit = mk.irls(X, y, "poisson", offset=off)
    assert rel(beta, fit.coef) < 1e-10
    assert rel(fit.coef, ships["coef"]) < 1e-10
    assert rel(fit.se, ships["se"]) < 1e-9
    assert fit.nit == ships["iter"]


def test_ships_glued_values_are_rs():
    g, ships = glued(NB), REACH["ships"]
    assert g["reach-ships-deviance"] == round(ships["deviance"], 4)
    assert g["reach-ships-df"] == ships["df_residual"]
    assert g["reach-ships-r-iter"] == ships["iter"]
    assert g["reach-ships-r-period-ratio"] == round(ships["period_rate_ratio"], 3)
    assert g["reach-ships-dropped"] == ships["n_dropped"]
    assert g["reach-ships-n"] == len(ships["y"])


# ----------------------------------------------------------------------------- probit
def probit_functions():
    cars = mk.load_mtcars()
    Xp = np.column_stack([np.ones(len(cars)), cars["mpg"]])
    yp = cars["vs"].to_numpy()
    ns = {"np": np, "ndtr": ndtr, "norm": norm, "Xp": Xp, "yp": yp}
    ns["probit_weights"] = notebook_function(NB, "probit_weights", ns)
    fisher = notebook_function(NB, "fisher_scoring_step", ns)
    newton = notebook_function(NB, "newton_step", ns)
    return Xp, yp, ns["probit_weights"], fisher, newton


def test_inline_fisher_scoring_retraces_rs_irls():
    Xp, yp, _, fisher, _ = probit_functions()
    path = np.array(REACH["probit"]["path"])
    beta = path[0]
    for k in range(1, len(path)):
        beta = fisher(beta)
        assert rel(beta, path[k]) < 1e-9, k


def test_inline_newton_reaches_the_maximum_and_statsmodels_observed_se():
    Xp, yp, weights, _, newton = probit_functions()
    beta = np.array(REACH["probit"]["path"][0])
    for _ in range(15):
        beta = newton(beta)
    sm_fit = sm.Probit(yp, Xp).fit(method="newton", tol=1e-14, maxiter=50, disp=False)
    assert rel(beta, sm_fit.params) < 1e-9
    _, expected, observed = weights(Xp @ beta)
    se_obs = np.sqrt(np.diag(np.linalg.inv(Xp.T @ (observed[:, None] * Xp))))
    se_exp = np.sqrt(np.diag(np.linalg.inv(Xp.T @ (expected[:, None] * Xp))))
    assert rel(se_obs, sm_fit.bse) < 1e-8
    # R's numbers are taken at R's estimate, which Fisher scoring leaves ~4e-7 early.
    assert rel(se_exp, REACH["probit"]["se_expected"]) < 3e-6
    assert rel(se_obs, REACH["probit"]["se_observed"]) < 3e-6
    assert 1e-8 < rel(REACH["probit"]["coef"], beta) < 1e-5
    g = glued(NB)
    assert g["reach-probit-b0"] == round(beta[0], 6) and g["reach-probit-b1"] == round(beta[1], 6)
    assert g["reach-r-final-err"] == float(f"{rel(REACH['probit']['coef'], beta):.1e}")
    assert g["reach-se-exp-mpg"] == round(se_exp[1], 5)
    assert g["reach-se-obs-r-mpg"] == round(REACH["probit"]["se_observed"][1], 5)


def test_probit_glued_iterations_are_rs():
    g = glued(NB)
    assert g["reach-probit-r-iter"] == REACH["probit"]["iter"]
    assert g["reach-probit-r-iter-default"] == REACH["probit"]["iter_default"]


@pytest.mark.skipif("link" not in mk.irls.__code__.co_varnames, reason="irls has no link= yet")
def test_irls_probit_is_rs_fisher_scoring():
    cars = mk.load_mtcars()
    X = np.column_stack([np.ones(len(cars)), cars["mpg"]])
    fit = mk.irls(X, cars["vs"].to_numpy(), link="probit")
    assert rel(fit.coef, REACH["probit"]["coef"]) < 1e-10
    assert fit.nit == REACH["probit"]["iter"]


# ----------------------------------------------------------------------------- multinomial
def test_inline_block_hessian_is_mathkits_information():
    m = MULTI["housing"]
    X, w = np.array(m["X"]), np.array(m["weights"])
    fit = mk.multinomial(X, np.array(m["y"]), weights=w)
    hess = notebook_function(NB, "multinomial_hessian", {"np": np})
    H = hess(X, w, fit.fitted[:, 1:])
    np.testing.assert_allclose(np.linalg.inv(-H), fit.cov, rtol=1e-9,
                               atol=1e-12 * np.abs(fit.cov).max())


def test_housing_glued_values():
    g, m = glued(NB), MULTI["housing"]
    assert g["reach-house-n"] == sum(m["weights"])
    assert g["reach-house-r-deviance"] == round(m["deviance"], 4)
    fit = mk.multinomial(np.array(m["X"]), np.array(m["y"]), weights=m["weights"])
    assert g["reach-house-deviance"] == round(fit.deviance, 4)
    assert g["reach-house-nnet-rel"] == float(f"{rel(m['coef'], fit.coef):.1e}")


# ----------------------------------------------------------------------------- Cox
def test_inline_breslow_partial_likelihood_is_mathkits():
    m = COX["lung_breslow"]
    X, t, d = np.array(m["X"]), np.array(m["time"]), np.array(m["event"], bool)
    ns = {"np": np, "X_lung": X, "time": t, "died": d}
    cox = notebook_function(NB, "cox_breslow", ns)
    fit = mk.coxph(X, t, d, ties="breslow")
    loglik, score, info = cox(fit.coef)
    assert np.isclose(loglik, fit.loglik, rtol=1e-13)
    assert np.isclose(cox(np.zeros(3))[0], fit.loglik_null, rtol=1e-13)
    assert np.abs(score).max() < 1e-6
    np.testing.assert_allclose(np.linalg.inv(info), fit.cov, rtol=1e-8)
    assert rel(fit.coef, m["coef"]) < 1e-10


def test_cox_glued_values_are_rs():
    g = glued(NB)
    assert g["reach-lung-iter"] == COX["lung_breslow"]["iter"]
    assert g["reach-lung-deaths"] == COX["lung_breslow"]["nevent"]
    assert g["reach-lung-n"] == COX["lung_breslow"]["n"]
    assert g["reach-mono-r-coef"] == round(COX["monotone_efron"]["coef"][0], 2)
    assert g["reach-cox-eps"] == reference("coxph")["control"]["eps"]
    sex = COX["lung_efron"]["names"].index("sex")
    assert g["reach-lung-hr-sex"] == round(float(np.exp(COX["lung_efron"]["coef"][sex])), 3)


def test_lung_loader_matches_the_cox_fixture():
    lung = mk.load_r_dataset("lung").dropna(subset=["age", "sex", "ph.ecog"])
    assert isinstance(lung, pd.DataFrame)
    np.testing.assert_array_equal(lung[["age", "sex", "ph.ecog"]].to_numpy(),
                                  COX["lung_efron"]["X"])

"""mathkit.coxph against R's survival::coxph (tests/reference/coxph.R).

The loop is survival's coxfit6.c (centring and scaling, start at 0, the
relative log-likelihood test, step halving), so the iteration counts are R's
and the numbers agree to a few ulps of the summation order.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from support import reference

from mathkit.glm.cox import CoxResult, coxph
from mathkit.glm.report import SeparationWarning

FIX = reference("coxph")
MODELS = FIX["models"]
REGULAR = [k for k, m in MODELS.items() if not m["warnings"]]
MONOTONE = [k for k, m in MODELS.items() if m["warnings"]]


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def fit_fixture(m, **kw):
    return coxph(np.array(m["X"]), m["time"], m["event"], m["ties"], **kw)


def test_defaults_are_survivals():
    ctl = FIX["control"]
    import inspect
    sig = inspect.signature(coxph).parameters
    assert sig["eps"].default == ctl["eps"] and sig["max_iter"].default == ctl["iter_max"]
    assert np.sqrt(ctl["eps"]) == pytest.approx(ctl["toler_inf"], rel=1e-15)  # as cox.py uses


@pytest.mark.parametrize("name", REGULAR)
def test_matches_r_coxph(name):
    m = MODELS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_fixture(m)
    assert fit.converged
    assert fit.nit == m["iter"]
    assert rel(fit.coef, m["coef"]) < 1e-11
    assert rel(fit.se, m["se"]) < 1e-11
    assert rel(fit.cov, m["cov"]) < 1e-10
    assert rel([fit.loglik_null, fit.loglik], m["loglik"]) < 1e-13
    assert rel(fit.score_test, m["score"]) < 1e-12
    assert rel(fit.wald_test, m["wald"]) < 1e-11
    assert (fit.n, fit.nevent) == (m["n"], m["nevent"])


@pytest.mark.parametrize("name", MONOTONE)
def test_monotone_likelihood_is_reported(name):
    m = MODELS[name]
    assert "infinite" in m["warnings"][0]
    with pytest.warns(SeparationWarning, match="monotone likelihood.*'x0'"):
        fit = fit_fixture(m)
    assert not fit.converged
    assert fit.nit == m["iter"]
    # The finite coefficient and the log-likelihood R reports are reproduced too.
    assert rel(fit.loglik, m["loglik"][1]) < 1e-12
    assert rel(fit.coef[1], m["coef"][1]) < 1e-6


def test_efron_equals_breslow_without_ties():
    m = MODELS["ovarian_efron"]
    assert len(set(np.array(m["time"])[np.array(m["event"]) == 1])) == m["nevent"]
    a, b = fit_fixture(m), fit_fixture(MODELS["ovarian_breslow"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-13)


def test_information_equals_numeric_hessian():
    m = MODELS["lung_breslow"]
    X, t, d = np.array(m["X"]), np.array(m["time"]), np.array(m["event"], bool)
    fit = fit_fixture(m)

    def loglik(b):  # Breslow's partial likelihood, written out naively
        eta = X @ b
        return sum(eta[i] - np.log(np.exp(eta[t >= t[i]]).sum()) for i in np.flatnonzero(d))

    from mathkit import hessian
    assert np.isclose(loglik(fit.coef), fit.loglik, rtol=1e-12)
    H = hessian(loglik, fit.coef)
    info = np.linalg.inv(fit.cov)
    np.testing.assert_allclose(-H, info, rtol=1e-7, atol=1e-7 * np.abs(info).max())


def test_row_order_does_not_matter():
    m = MODELS["veteran_efron"]
    perm = np.random.default_rng(1).permutation(len(m["time"]))
    fit = coxph(np.array(m["X"])[perm], np.array(m["time"])[perm], np.array(m["event"])[perm])
    assert rel(fit.coef, m["coef"]) < 1e-10
    assert fit.nit == m["iter"]


def test_result_and_summary():
    fit = fit_fixture(MODELS["lung_efron"])
    assert isinstance(fit, CoxResult)
    with pytest.raises(AttributeError):
        fit.coef = None
    table = fit.summary()
    assert list(table.columns) == ["coef", "exp(coef)", "se(coef)", "z", "Pr(>|z|)"]
    assert np.isclose(fit.lr_test, 2 * (fit.loglik - fit.loglik_null))


def test_dataframe_names():
    m = MODELS["lung_efron"]
    X = pd.DataFrame(np.array(m["X"]), columns=m["names"])
    fit = coxph(X, m["time"], m["event"])
    assert fit.names == tuple(m["names"])


@pytest.mark.parametrize("bad, match", [
    (dict(time=np.r_[-1.0, np.arange(1.0, 10)]), "row 0 has time -1.0"),
    (dict(time=np.r_[np.inf, np.arange(1.0, 10)]), "time has a non-finite value inf at row 0"),
    (dict(event=np.r_[2, np.ones(9)]), "row 0 has event 2.0"),
    (dict(event=np.zeros(10)), "no events"),
    (dict(X=np.r_[np.nan, np.arange(9.0)][:, None]), r"row 0, column 'x0'"),
    (dict(X=np.ones((10, 1))), "'x0' is constant"),
    (dict(X=np.column_stack([np.arange(10.0), 3 * np.arange(10.0) + 1])), "rank deficient"),
    (dict(ties="exact"), "ties must be"),
    (dict(event=np.ones(9)), r"shape \(10,\)"),
])
def test_bad_input_names_the_value(bad, match):
    args = dict(X=np.sin(np.arange(10.0))[:, None], time=np.arange(1.0, 11),
                event=np.r_[np.ones(8), 0, 1], ties="efron")
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        coxph(args["X"], args["time"], args["event"], args["ties"])


def test_string_column_is_named():
    X = pd.DataFrame({"age": np.arange(6.0), "cell": list("abcabc")})
    with pytest.raises(ValueError, match="'cell'"):
        coxph(X, np.arange(1.0, 7), np.ones(6))


def test_shipped_data_are_the_fixtures():
    from mathkit import load_r_dataset
    lung = load_r_dataset("lung").dropna(subset=["age", "sex", "ph.ecog"])
    m = MODELS["lung_efron"]
    np.testing.assert_array_equal(lung[["age", "sex", "ph.ecog"]].to_numpy(), m["X"])
    np.testing.assert_array_equal(lung["time"], m["time"])
    np.testing.assert_array_equal(lung["status"] - 1, m["event"])
    vet = load_r_dataset("veteran")
    assert vet["celltype"].cat.categories.tolist() == FIX["veteran_levels"]["celltype"]
    cells = pd.get_dummies(vet["celltype"], prefix="celltype", prefix_sep="", drop_first=True)
    X = pd.concat([vet[["trt"]], cells.astype(float),
                   vet[["karno", "diagtime", "age", "prior"]]], axis=1)
    assert list(X.columns) == MODELS["veteran_efron"]["names"]
    np.testing.assert_array_equal(X.to_numpy(), MODELS["veteran_efron"]["X"])
    ova = load_r_dataset("ovarian")
    np.testing.assert_array_equal(ova[["age", "ecog.ps", "rx"]].to_numpy(),
                                  MODELS["ovarian_efron"]["X"])


def test_missing_value_in_a_dataframe_names_row_and_column():
    from mathkit import load_r_dataset
    lung = load_r_dataset("lung")
    bad = int(np.flatnonzero(lung["ph.ecog"].isna())[0])
    with pytest.raises(ValueError, match=rf"row {bad}, column 'ph.ecog'"):
        coxph(lung[["age", "sex", "ph.ecog"]], lung["time"], lung["status"] - 1)


def test_running_out_of_iterations_is_not_convergence():
    m = MODELS["ovarian_efron"]  # R needs 5 iterations
    with pytest.warns(UserWarning, match="did not converge"):
        fit = fit_fixture(m, max_iter=2)
    assert not fit.converged and fit.nit == 2
    # The log-likelihood reported is that of the coefficients reported.
    with pytest.warns(UserWarning, match="did not converge"):
        refit = coxph(np.array(m["X"]), m["time"], m["event"], max_iter=1)
    assert refit.loglik >= refit.loglik_null

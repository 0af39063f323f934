"""mathkit.multinomial against R (tests/reference/multinom.R) and statsmodels' MNLogit.

R's nnet::multinom optimizes by BFGS and, even with reltol = 1e-14, stops a few
digits short of the maximum; the fixture therefore also holds the same model
fitted by glm() as a Poisson log-linear model (one nuisance intercept per row),
whose IRLS converges to the last digit: that is the tight reference.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from support import reference

from mathkit.glm.multinomial import MultinomialResult, multinomial
from mathkit.glm.report import SeparationWarning

MODELS = reference("multinom")["models"]
REGULAR = [k for k, m in MODELS.items() if m["poisson"] is not None]


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def fit_fixture(m, **kw):
    return multinomial(np.array(m["X"]), np.array(m["y"]), weights=m["weights"], **kw)


@pytest.mark.parametrize("name", REGULAR)
def test_matches_r_to_the_last_digits(name):
    m = MODELS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_fixture(m)
    ref = m["poisson"]
    assert fit.converged and ref["converged"]
    assert rel(fit.coef, ref["coef"]) < 1e-11
    assert rel(fit.se, ref["se"]) < 1e-10
    assert rel(fit.loglik, ref["loglik"]) < 1e-13
    assert fit.coef.shape == (len(m["names"]), len(m["classes"]) - 1)


@pytest.mark.parametrize("name", REGULAR)
def test_agrees_with_nnet_and_is_at_least_as_high(name):
    m = MODELS[name]
    fit = fit_fixture(m)
    # nnet's BFGS optimum is close, and never better than Newton's.
    assert rel(fit.coef, m["coef"]) < 1e-3
    assert rel(fit.se, m["se"]) < 1e-3
    assert fit.loglik >= m["loglik"] - 1e-9 * abs(m["loglik"])
    assert np.isclose(fit.deviance, m["deviance"], rtol=1e-9)
    assert np.isclose(fit.aic, m["aic"], rtol=1e-9)
    assert m["edf"] == fit.coef.size


@pytest.mark.parametrize("name", REGULAR)
def test_matches_statsmodels_mnlogit(name):
    m = MODELS[name]
    X, y = np.array(m["X"]), np.array(m["y"])
    if m["weights"] is not None:  # MNLogit has no weights: repeat each row Freq times
        reps = np.array(m["weights"]).astype(int)
        X, y = np.repeat(X, reps, axis=0), np.repeat(y, reps)
    sm_fit = sm.MNLogit(y, X).fit(method="newton", tol=1e-14, maxiter=100, disp=False)
    fit = fit_fixture(m)
    assert rel(fit.coef, sm_fit.params) < 1e-9
    assert rel(fit.se, sm_fit.bse) < 1e-8
    assert np.isclose(fit.loglik, sm_fit.llf, rtol=1e-12)


def test_frequency_weights_equal_repeated_rows():
    m = MODELS["housing"]
    X, y, w = np.array(m["X"]), np.array(m["y"]), np.array(m["weights"])
    rep = multinomial(np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int)))
    wfit = multinomial(X, y, weights=w)
    assert rel(wfit.coef, rep.coef) < 1e-10
    assert np.isclose(wfit.loglik, rep.loglik, rtol=1e-12)


def test_result_is_frozen_with_fitted_probabilities():
    fit = fit_fixture(MODELS["mtcars_gear"])
    assert isinstance(fit, MultinomialResult)
    with pytest.raises(AttributeError):
        fit.coef = None
    np.testing.assert_allclose(fit.fitted.sum(axis=1), 1.0, rtol=1e-14)
    y = np.array(MODELS["mtcars_gear"]["y"])
    assert np.isclose(np.log(fit.fitted[np.arange(len(y)), y]).sum(), fit.loglik, rtol=1e-12)
    table = fit.summary()
    assert table.shape == (fit.coef.size, 4)
    assert fit.cov.shape == (fit.coef.size, fit.coef.size)


def test_hessian_equals_numeric_second_derivative():
    m = MODELS["mtcars_gear"]
    X, y = np.array(m["X"]), np.array(m["y"])
    fit = multinomial(X, y)

    def loglik(b):
        B = b.reshape(fit.coef.shape, order="F")
        eta = np.column_stack([np.zeros(len(y)), X @ B])
        return float(np.sum(eta[np.arange(len(y)), y] - np.log(np.exp(eta).sum(axis=1))))

    from mathkit import hessian
    H = hessian(loglik, fit.coef.ravel(order="F"))
    # Compare the information itself: inverting it would amplify the numeric
    # derivative's error by the condition number (intercept against mpg and hp).
    info = np.linalg.inv(fit.cov)
    np.testing.assert_allclose(-H, info, rtol=1e-4, atol=1e-7 * np.abs(info).max())


def test_labels_order_and_categorical_baseline():
    m = MODELS["mtcars_gear"]
    X = np.array(m["X"])
    labels = np.array(m["classes"])[np.array(m["y"])]
    fit = multinomial(X, labels)
    assert fit.classes == tuple(m["classes"])
    # A Categorical keeps its category order, as an R factor keeps its levels.
    cat = pd.Series(pd.Categorical(labels, categories=["5", "3", "4"]))
    fit2 = multinomial(X, cat)
    assert fit2.classes == ("5", "3", "4")
    assert np.isclose(fit2.loglik, fit.loglik, rtol=1e-12)


def test_separation_is_reported_not_hidden():
    m = MODELS["separated"]
    assert m["convergence"] == 1  # nnet stopped at maxit with huge coefficients
    with pytest.warns(SeparationWarning, match="separated"):
        fit = fit_fixture(m)
    assert not fit.converged
    assert "does not exist" in fit.message
    assert fit.deviance < 1e-6


def test_quasi_separation_one_class_is_reported():
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    y = np.where(x > 1.0, 2, rng.integers(0, 2, 60))
    with pytest.warns(SeparationWarning):
        fit = multinomial(np.column_stack([np.ones(60), x]), y)
    assert not fit.converged


@pytest.mark.parametrize("bad, match", [
    (dict(y=np.zeros(10)), "only one class"),
    (dict(X=np.where(np.eye(10, 2) == 1, np.nan, 1.0)), r"row 0, column 'x0'"),
    (dict(y=np.r_[np.nan, np.arange(9.0) % 3]), "y has a non-finite value nan at row 0"),
    (dict(weights=np.r_[-1.0, np.ones(9)]), "row 0 has weight -1.0"),
    (dict(y=np.arange(9) % 3), r"shape \(10,\)"),
    (dict(X=np.column_stack([np.ones(10), np.arange(10.0), 2 * np.arange(10.0)])),
     "rank deficient"),
])
def test_bad_input_names_the_value(bad, match):
    args = dict(X=np.column_stack([np.ones(10), np.arange(10.0)]), y=np.arange(10) % 3)
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        multinomial(args["X"], args["y"], weights=args.get("weights"))


def test_string_column_is_named():
    X = pd.DataFrame({"one": np.ones(6), "grp": list("abcabc")})
    with pytest.raises(ValueError, match="'grp'"):
        multinomial(X, [0, 1, 2, 0, 1, 2])


def test_empty_category_is_refused():
    y = pd.Categorical(["a", "b", "a", "b"], categories=["a", "b", "c"])
    with pytest.raises(ValueError, match="'c'"):
        multinomial(np.column_stack([np.ones(4), [1.0, 2, 3, 5]]), y)


def test_shipped_housing_is_the_fixture():
    from mathkit import load_r_dataset
    h = load_r_dataset("housing")
    ref = reference("multinom")
    for col, levels in ref["housing_levels"].items():
        assert h[col].cat.categories.tolist() == levels
    m = MODELS["housing"]
    X = pd.concat([pd.Series(1.0, index=h.index, name="(Intercept)")] +
                  [pd.get_dummies(h[c], prefix=c, prefix_sep="", drop_first=True).astype(float)
                   for c in ["Infl", "Type", "Cont"]], axis=1)
    assert list(X.columns) == m["names"]
    np.testing.assert_array_equal(X.to_numpy(), m["X"])
    np.testing.assert_array_equal(h["Sat"].cat.codes, m["y"])
    np.testing.assert_array_equal(h["Freq"], m["weights"])


def test_with_dataframe_and_categorical_from_the_shipped_data():
    from mathkit import load_r_dataset
    h = load_r_dataset("housing")
    X = pd.concat([pd.Series(1.0, index=h.index, name="(Intercept)")] +
                  [pd.get_dummies(h[c], prefix=c, prefix_sep="", drop_first=True).astype(float)
                   for c in ["Infl", "Type", "Cont"]], axis=1)
    fit = multinomial(X, h["Sat"], weights=h["Freq"])
    ref = MODELS["housing"]["poisson"]
    assert fit.classes == ("Low", "Medium", "High")
    assert fit.names == tuple(MODELS["housing"]["names"])
    assert rel(fit.coef, ref["coef"]) < 1e-11


def test_running_out_of_steps_is_not_convergence():
    with pytest.warns(UserWarning, match="did not converge"):
        fit = fit_fixture(MODELS["mtcars_gear"], max_iter=2)
    assert not fit.converged and fit.nit == 2
    assert np.isclose(fit.loglik, fit.loglik)  # finite, the value at the coefficients reported
    y = np.array(MODELS["mtcars_gear"]["y"])
    assert np.isclose(np.log(fit.fitted[np.arange(len(y)), y]).sum(), fit.loglik, rtol=1e-12)


def test_a_far_out_row_is_not_separation():
    # As irls' D1: one row at x = 1e5 is fitted almost perfectly, yet the MLE exists.
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(size=149), 1e5]
    eta = np.column_stack([np.zeros(149), 0.5 * x[:149], -0.3 * x[:149]])
    P = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = np.r_[[rng.choice(3, p=p) for p in P], 1]
    X = np.column_stack([np.ones(150), x])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = multinomial(X, y)
    assert fit.converged
    Y = np.eye(3)[y]
    score = X.T @ (Y - fit.fitted)[:, 1:]
    assert np.abs(score).max() < 1e-8 * np.abs(X).max()


@pytest.mark.parametrize("y, match", [
    (pd.Series(["a", np.nan, "b", "a", "b", "a"]), "missing .nan. at row 1"),
    (np.array(["a", None, "b", "a", "b", "a"], dtype=object), r"missing \(None\) at row 1"),
    (np.array(["a", 1, "b", "a", "b", "a"], dtype=object), "cannot be sorted"),
    (pd.Categorical(["a", None, "b", "a", "b", "a"]), "missing at row 1"),
])
def test_missing_or_mixed_labels_are_named(y, match):
    X = np.column_stack([np.ones(6), [1.0, 2, 3, 4, 5, 6]])
    with pytest.raises(ValueError, match=match):
        multinomial(X, y)

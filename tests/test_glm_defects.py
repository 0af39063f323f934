"""Defects D1-D8 of issue 12, each against what R does (tests/reference/glm_defects.R)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from support import reference

from mathkit import irls
from mathkit.glm import SeparationWarning

REF = reference("glm_defects")


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def design(x):
    return np.column_stack([np.ones(len(x)), x])


def d1_data():
    """The issue's reproducer, drawn here as the issue draws it."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(size=99), 1e5]
    y = np.r_[rng.random(99) < 1 / (1 + np.exp(-x[:99])), 1].astype(float)
    return x, y


# ----------------------------------------------------------------------------- D1
def test_d1_reproducer_is_the_fixture_data():
    x, y = d1_data()
    assert x.tolist() == REF["d1"]["x"] and y.tolist() == REF["d1"]["y"]


@pytest.mark.parametrize("tol, key", [(1e-8, "default"), (1e-10, "tight")])
def test_d1_far_out_row_is_not_separation(tol, key):
    x, y = d1_data()
    r = REF["d1"][key]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        with pytest.warns(UserWarning, match="fitted probabilities numerically 0 or 1"):
            fit = irls(design(x), y, tol=tol)
    assert fit.converged and fit.nit == r["iter"] == 13
    assert rel(fit.coef, r["coef"]) < 1e-10
    assert fit.deviance == pytest.approx(r["deviance"], rel=1e-12)
    assert rel(fit.se, r["se"]) < 1e-8


# ----------------------------------------------------------------------------- D2
def test_d2_diverging_irls_is_refitted_with_step_halving():
    d = REF["d2"]
    r_glm, best = d["glm"], d["optimum"]
    # R "converges" with coefficients near 1e15, far above the maximum R finds from BFGS.
    assert r_glm["converged"] and max(map(abs, r_glm["coef"])) > 1e13
    assert r_glm["deviance"] > best["deviance"] + 1000
    assert best["converged"] and abs(d["bfgs"]["deviance"] - best["deviance"]) < 1e-6
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = irls(design(d["x"]), d["y"], offset=d["offset"])
    texts = [str(w.message) for w in caught]
    assert not any(issubclass(w.category, SeparationWarning) for w in caught), texts
    assert any("R's IRLS (glm.fit) diverges here" in t for t in texts), texts
    assert fit.converged and "step halving" in fit.message and "separat" not in fit.message
    assert rel(fit.coef, best["coef"]) < 1e-8
    # Both stop by R's test on the relative change of the deviance, at 1e-10.
    assert fit.deviance == pytest.approx(best["deviance"], rel=1e-10)
    assert rel(fit.se, best["se"]) < 1e-6


def test_d2_score_is_zero_at_the_safeguarded_fit():
    rng = np.random.default_rng(4)
    x = rng.normal(size=200)
    off = np.where(np.arange(200) % 2 == 0, 10.0, -10.0)
    y = (rng.random(200) < 0.5).astype(float)
    with pytest.warns(UserWarning, match="diverges here"):
        fit = irls(design(x), y, offset=off)
    score = design(x).T @ (y - fit.fitted)
    assert fit.converged and np.all(np.abs(score) < 1e-6 * np.abs(design(x)).sum(axis=0))


# ----------------------------------------------------------------------------- D3
def test_d3_huge_poisson_counts_fit_where_r_fails():
    d = REF["d3"]
    assert d["glm"]["error"] == "NA/NaN/Inf in 'x'"  # R blames x
    X = design(d["x"])
    assert irls(X, d["y"], "poisson").converged
    # The log link is scale-equivariant: y * c moves only the intercept, by log(c).
    # (c a power of 2, so that y * c is exactly the counts scaled.)
    k, c = np.array([1.0, 3, 10, 20, 60, 100]), 2.0**525
    fit, small = irls(X, k * c, "poisson"), irls(X, k, "poisson")
    assert fit.converged and small.converged
    # Two fits, each stopped by R's test at 1e-10 on different paths: agreement ~1e-9 or better.
    np.testing.assert_allclose(fit.coef, small.coef + [np.log(c), 0], rtol=1e-9)
    # At the same estimate the information scales by c (the start values do not, so
    # the paths differ and R's se, from the last iteration's weights, differs slightly).
    np.testing.assert_allclose(fit.se_observed, small.se_observed / np.sqrt(c), rtol=1e-9)


def test_d3_overflowing_weights_blame_y_not_x():
    X = design([0.0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"working weights overflow \(y = 1e\+308 at row 3") as e:
        irls(X, [1.0, 2, 3, 1e308], "poisson")
    assert "X has no non-finite values" in str(e.value)


# ----------------------------------------------------------------------------- D4, D5
def test_d4_string_and_categorical_columns_are_named():
    X = pd.DataFrame({"one": 1.0, "x": [1.0, 2, 3, 4], "g": ["a", "b", "a", "b"]})
    with pytest.raises(ValueError, match=r"X column 'g' is not numeric .*'a'.*get_dummies"):
        irls(X, [0, 1, 0, 1])
    X["g"] = X["g"].astype("category")
    with pytest.raises(ValueError, match=r"X column 'g' is not numeric \(dtype category"):
        irls(X, [0, 1, 0, 1])
    X["g"] = X["g"].eq("a")  # a bool column is numeric
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert irls(X[["one", "g", "x"]], [0, 1, 1, 0]).names == ("one", "g", "x")


def test_d5_a_generator_of_rows_says_what_irls_accepts():
    X = design([1.0, 2, 3, 4])
    with pytest.raises(ValueError, match=r"one-shot iterator \(generator\).*irls accepts an "
                                         r"\(n, p\) array, DataFrame or np.memmap with y"):
        irls((row for row in X), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"X must be a numeric \(n, p\) array.*converting"):
        irls([[1.0, "a"], [1.0, 2.0]], [0, 1])


# ----------------------------------------------------------------------------- D6
def test_d6_y_on_rows_of_weight_zero_is_ignored_as_in_r():
    d = REF["d6"]
    r = d["glm"]
    assert r["coef"] == d["dropped"]["coef"]
    fit = irls(design(d["x"]), d["y"], weights=d["weights"])
    assert fit.nit == r["iter"] and rel(fit.coef, r["coef"]) < 1e-12
    for ours, theirs in [(fit.deviance, r["deviance"]), (fit.aic, r["aic"]),
                         (fit.null_deviance, r["null_deviance"])]:
        assert ours == pytest.approx(theirs, rel=1e-12)
    assert (fit.df_resid, fit.df_null) == (4, 5)
    with pytest.raises(ValueError, match=r"row 6 has y = 2"):  # weight 1 there: refused
        irls(design(d["x"]), d["y"])


# ----------------------------------------------------------------------------- D7
def test_d7_nearly_aliased_column_is_fitted_as_r_does():
    d = REF["d7"]
    r = d["glm"]
    fit = irls(np.array(d["X"]), d["y"])
    assert fit.converged and fit.nit == r["iter"]
    assert rel(fit.coef, r["coef"]) < 1e-6  # the columns are aliased to 1e-6: cond(X) ~ 1e6
    assert rel(fit.se, r["se"]) < 1e-6
    assert fit.deviance == pytest.approx(r["deviance"], rel=1e-10)


def test_d7_exactly_aliased_column_is_named_where_r_gives_na():
    d = REF["d7"]
    assert d["aliased_coef"][2] is None  # R: NA
    X = np.array(d["X"])
    X[:, 2] = X[:, 1] + 0.0
    with pytest.raises(ValueError, match=r"'x2' is a linear combination of \['x1'\]"):
        irls(X, d["y"])


# ----------------------------------------------------------------------------- D8
def test_d8_poisson_aic_is_inf_on_non_integer_counts():
    d = REF["d8"]
    r = d["glm"]
    assert r["aic"] == "Infinity" and r["loglik"] == "-Infinity"
    with pytest.warns(UserWarning, match="non-integer counts"):
        fit = irls(design(d["x"]), d["y"], "poisson")
    assert fit.aic == np.inf and fit.loglik == -np.inf
    assert rel(fit.coef, r["coef"]) < 1e-12 and fit.nit == r["iter"]


# ----------------------------------------------------------------------------- separation, any link
@pytest.mark.parametrize("link", ["logit", "probit", "cloglog", "cauchit"])
@pytest.mark.parametrize("x", [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 5, 6, 7, 8, 9]])
def test_separation_is_reported_for_every_link(link, x):
    # Complete and quasi-complete separation. With the cauchit link the fitted
    # probabilities approach 0 and 1 so slowly that R's loop neither stops
    # growing nor meets its test (complete) or cycles (quasi-complete).
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = irls(design(np.array(x, float)), y, link=link)
    assert any(issubclass(w.category, SeparationWarning) and "separated" in str(w.message)
               for w in caught)
    assert not fit.converged and "separated" in fit.message


def test_a_fit_stopped_early_is_not_called_separated():
    x, y = d1_data()
    with pytest.warns(UserWarning, match="did not converge") as caught:
        fit = irls(design(x[:99]), y[:99], max_iter=2)
    assert not fit.converged
    assert not any(issubclass(w.category, SeparationWarning) for w in caught)

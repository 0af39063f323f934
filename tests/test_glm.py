"""mathkit.irls against R's glm() (tests/reference/glm.R) and statsmodels' GLM.

R fixtures hold each model's design matrix, so both sides fit the same numbers.
R was run with epsilon = 1e-10 (irls' default tol) for the reported values, and
with its default 1e-8 to compare iteration counts along the same path.
"""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from support import ROOT, reference

from mathkit import GLMResult, irls, logistic_irls
from mathkit.glm import SeparationWarning

MODELS = reference("glm")["models"]
REGULAR = [k for k, m in MODELS.items() if not m["warnings"]]
SEPARATED = [k for k, m in MODELS.items() if m["warnings"]]


def fit_fixture(m, **kw):
    return irls(np.array(m["X"]), np.array(m["y"]), m["family"], weights=m["weights"],
                offset=m["offset"], **kw)


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def mtcars() -> pd.DataFrame:
    return pd.read_csv(ROOT / "mathkit" / "data" / "mtcars.csv", index_col=0)


def logistic_data(n=400, p=4, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ rng.normal(0, scale, p)))).astype(float)
    return X, y


# ----------------------------------------------------------------------------- R's glm()
def test_fixture_is_the_issue_model():
    coef = MODELS["am_mpg_hp"]["coef"]
    assert np.round(coef, 4).tolist() == [-33.6052, 1.2596, 0.055]


@pytest.mark.parametrize("name", REGULAR)
def test_matches_r_glm(name):
    m = MODELS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_fixture(m)
    assert fit.converged and m["converged"]
    assert fit.nit == m["iter"]
    assert rel(fit.coef, m["coef"]) < 1e-8
    assert rel(fit.se, m["se"]) < 1e-6
    scale = np.sqrt(np.outer(m["se"], m["se"]))
    assert np.max(np.abs(fit.cov - np.array(m["cov"])) / scale) < 1e-6
    for ours, theirs in [(fit.deviance, m["deviance"]), (fit.null_deviance, m["null_deviance"]),
                         (fit.aic, m["aic"]), (fit.loglik, m["loglik"])]:
        assert ours == pytest.approx(theirs, rel=1e-10, abs=0)
    assert rel(fit.fitted, m["fitted"]) < 1e-8
    assert (fit.df_resid, fit.df_null) == (m["df_residual"], m["df_null"])
    assert len(fit.history) == fit.nit and fit.history[-1] == fit.deviance
    table = fit.summary()
    assert rel(table["z value"], m["z"]) < 1e-6
    np.testing.assert_allclose(table["Pr(>|z|)"], m["p"], rtol=1e-5, atol=0)


@pytest.mark.parametrize("name", REGULAR)
def test_same_path_as_r_at_r_default_tolerance(name):
    m = MODELS[name]
    fit = fit_fixture(m, tol=1e-8)
    assert fit.nit == m["default"]["iter"]
    assert rel(fit.coef, m["default"]["coef"]) < 1e-8
    assert fit.deviance == pytest.approx(m["default"]["deviance"], rel=1e-10)


def test_dataframe_names_carry_into_result_and_summary():
    cars = mtcars()
    X = pd.concat([pd.Series(1.0, index=cars.index, name="(Intercept)"),
                   cars[["mpg", "hp"]]], axis=1)
    fit = logistic_irls(X, cars["am"])
    m = MODELS["am_mpg_hp"]
    assert fit.names == tuple(m["names"]) == ("(Intercept)", "mpg", "hp")
    assert rel(fit.coef, m["coef"]) < 1e-8
    table = fit.summary()
    assert list(table.index) == m["names"]
    assert list(table.columns) == ["Estimate", "Std. Error", "z value", "Pr(>|z|)"]
    assert rel(table["Std. Error"], m["se"]) < 1e-6
    text = str(fit)
    assert "mpg" in text and "Residual deviance" in text and "AIC" in text


def test_result_is_frozen():
    fit = fit_fixture(MODELS["am_mpg_hp"])
    assert isinstance(fit, GLMResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.coef = np.zeros(3)


# ----------------------------------------------------------------------------- separation
@pytest.mark.parametrize("name", SEPARATED)
def test_separation_is_reported_where_r_claims_convergence(name):
    m = MODELS[name]
    # What R does: "converged", huge coefficients, a warning about fitted 0/1.
    assert m["converged"] and max(map(abs, m["coef"])) > 20
    assert m["warnings"] == ["glm.fit: fitted probabilities numerically 0 or 1 occurred"]
    with pytest.warns(SeparationWarning, match="separated"):
        fit = fit_fixture(m)
    assert not fit.converged
    assert "separated" in fit.message
    # Same iterates as R up to the point where R stops.
    assert fit.nit == m["iter"]
    assert fit.deviance == pytest.approx(m["deviance"], rel=1e-6, abs=1e-9)


def test_quasi_separation_by_one_dummy_in_a_larger_fit():
    X, y = logistic_data(n=300, p=3, seed=4)
    group = (np.arange(300) % 10 == 0).astype(float)
    y[group == 1] = 1.0  # every row of the group is a success: its coefficient runs to +inf
    X = np.column_stack([X, group])
    with pytest.warns(SeparationWarning, match="x3"):
        fit = irls(X, y)
    assert not fit.converged


@pytest.mark.parametrize("tol", [1e-6, 1e-8, 1e-10])
def test_few_separated_rows_among_many_are_caught_at_any_tolerance(tol):
    # With a large deviance, R's test is met while the 5 separated rows are at
    # eta ~ 6..15, short of "numerically 1": R gives no warning at all here.
    X, y = logistic_data(n=100_000, p=3, seed=10)
    dummy = (np.arange(100_000) < 5).astype(float)
    y[:5] = 1.0
    with pytest.warns(SeparationWarning, match="5 rows.*'x3'"):
        fit = irls(np.column_stack([X, dummy]), y, tol=tol)
    assert not fit.converged


def test_poisson_group_of_zeros_is_separation():
    rng = np.random.default_rng(5)
    group = (np.arange(200) < 20).astype(float)
    X = np.column_stack([np.ones(200), rng.standard_normal(200), group])
    y = rng.poisson(np.exp(0.5 + 0.3 * X[:, 1])).astype(float)
    y[group == 1] = 0
    with pytest.warns(SeparationWarning):
        fit = irls(X, y, "poisson")
    assert not fit.converged


def test_no_convergence_is_a_warning_and_flag():
    m = MODELS["am_mpg_hp"]
    with pytest.warns(UserWarning, match="did not converge"):
        fit = fit_fixture(m, max_iter=2)
    assert not fit.converged and fit.nit == 2


# ----------------------------------------------------------------------------- statsmodels
def test_binomial_weights_offset_match_statsmodels():
    rng = np.random.default_rng(3)
    X, _ = logistic_data(n=500, p=4, seed=3)
    trials = rng.integers(1, 30, 500).astype(float)
    off = rng.normal(0, 0.3, 500)
    prob = 1 / (1 + np.exp(-(X @ [0.2, 0.5, -0.4, 0.1] + off)))
    y = rng.binomial(trials.astype(int), prob) / trials
    fit = irls(X, y, weights=trials, offset=off)
    ref = sm.GLM(y, X, family=sm.families.Binomial(), freq_weights=trials,
                 offset=off).fit(tol=1e-13)
    assert rel(fit.coef, ref.params) < 1e-8
    assert rel(fit.se, ref.bse) < 1e-6
    assert fit.deviance == pytest.approx(ref.deviance, rel=1e-10)
    assert fit.null_deviance == pytest.approx(ref.null_deviance, rel=1e-10)


def test_poisson_offset_weights_match_statsmodels():
    rng = np.random.default_rng(6)
    X, _ = logistic_data(n=500, p=4, seed=6)
    exposure = rng.uniform(0.5, 3, 500)
    y = rng.poisson(exposure * np.exp(X @ [0.3, 0.2, -0.1, 0.05])).astype(float)
    w = rng.integers(1, 4, 500).astype(float)
    fit = irls(X, y, "poisson", offset=np.log(exposure), weights=w)
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(exposure),
                 freq_weights=w).fit(tol=1e-13)
    assert rel(fit.coef, ref.params) < 1e-8
    assert rel(fit.se, ref.bse) < 1e-6
    for ours, theirs in [(fit.deviance, ref.deviance), (fit.null_deviance, ref.null_deviance),
                         (fit.loglik, ref.llf), (fit.aic, ref.aic)]:
        assert ours == pytest.approx(theirs, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(60, 300), p=st.integers(2, 5),
       scale=st.floats(0.0, 1.0))
def test_property_score_is_zero_and_statsmodels_agrees(seed, n, p, scale):
    X, y = logistic_data(n=n, p=p, seed=seed, scale=scale)
    assume(0 < y.sum() < n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a separated sample raises; hypothesis skips it
        try:
            fit = irls(X, y)
        except SeparationWarning:
            assume(False)
    score = X.T @ (y - fit.fitted)
    assert np.all(np.abs(score) <= 1e-8 * np.abs(X).sum(axis=0))
    ref = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-14)
    assert np.all(np.abs(fit.coef - ref.params) <= 1e-6 * np.maximum(np.abs(ref.params), ref.bse))
    assert fit.deviance == pytest.approx(ref.deviance, rel=1e-10)


# ----------------------------------------------------------------------------- blocks
def test_blocks_equal_in_memory():
    X, y = logistic_data(n=1000, p=5, seed=7)
    w = np.random.default_rng(7).integers(1, 3, 1000).astype(float)
    off = np.linspace(-0.2, 0.2, 1000)
    whole = irls(X, y, weights=w, offset=off)
    small = irls(X, y, weights=w, offset=off, block_rows=7)
    cuts = [0, 3, 250, 251, 700, 1000]  # uneven blocks, and each cut again into 64-row pieces
    blocks = [(X[a:b], y[a:b], w[a:b], off[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    listed = irls(blocks, block_rows=64)
    made = irls(lambda: iter(blocks))
    for fit in (small, listed, made):
        assert fit.nit == whole.nit
        np.testing.assert_allclose(fit.coef, whole.coef, rtol=1e-12)
        np.testing.assert_allclose(fit.se, whole.se, rtol=1e-12)
        np.testing.assert_allclose(fit.fitted, whole.fitted, rtol=1e-12)
        assert fit.deviance == pytest.approx(whole.deviance, rel=1e-12)
        assert fit.null_deviance == pytest.approx(whole.null_deviance, rel=1e-12)
        assert fit.aic == pytest.approx(whole.aic, rel=1e-12)


def test_integer_and_fortran_ordered_x_give_the_same_fit():
    cars = mtcars()
    X = np.column_stack([np.ones(32), cars["cyl"], cars["hp"]])
    whole = irls(X, cars["vs"])
    for other in (X.astype(np.int64), np.asfortranarray(X), X.astype(np.float32)):
        fit = irls(other, cars["vs"], block_rows=5)
        np.testing.assert_allclose(fit.coef, whole.coef, rtol=1e-12)
        assert fit.nit == whole.nit


def test_memmap_read_block_by_block(tmp_path):
    X, y = logistic_data(n=2000, p=6, seed=8)
    mx = np.memmap(tmp_path / "X.f64", dtype=np.float64, mode="w+", shape=X.shape)
    my = np.memmap(tmp_path / "y.f64", dtype=np.float64, mode="w+", shape=y.shape)
    mx[:], my[:] = X, y
    mx.flush(), my.flush()
    del mx, my
    X_disk = np.memmap(tmp_path / "X.f64", dtype=np.float64, mode="r", shape=X.shape)
    y_disk = np.memmap(tmp_path / "y.f64", dtype=np.float64, mode="r", shape=y.shape)
    whole = irls(X, y)
    fit = irls(X_disk, y_disk, block_rows=50)
    np.testing.assert_allclose(fit.coef, whole.coef, rtol=1e-12)
    assert fit.deviance == pytest.approx(whole.deviance, rel=1e-12)

    reads = []

    def from_disk():  # a block factory over the file: count what each pass reads
        reads.append(0)
        for a in range(0, len(y_disk), 37):
            reads[-1] += 1
            yield X_disk[a:a + 37], y_disk[a:a + 37]

    streamed = irls(from_disk)
    np.testing.assert_allclose(streamed.coef, whole.coef, rtol=1e-12)
    assert all(r == 55 for r in reads[1:])  # ceil(2000 / 37) blocks in every pass
    # A peek at block 0 for p and names, the start pass, then one pass per iteration.
    assert len(reads) == 1 + 1 + streamed.nit


# ----------------------------------------------------------------------------- bad input
def test_rank_deficiency_names_the_column():
    cars = mtcars()
    X = pd.DataFrame({"(Intercept)": 1.0, "mpg": cars["mpg"], "hp": cars["hp"],
                      "mpg_plus_hp": cars["mpg"] + 2 * cars["hp"]})
    with pytest.raises(ValueError, match=r"rank deficient.*'mpg_plus_hp'.*'mpg', 'hp'"):
        irls(X, cars["am"])
    X["zero"], X["mpg_plus_hp"] = 0.0, np.arange(32.0)
    with pytest.raises(ValueError, match=r"'zero' is zero"):
        irls(X, cars["am"])
    with pytest.raises(ValueError, match=r"'x2' is a linear combination of \['x0'\]"):
        irls(np.column_stack([np.ones(5), np.arange(5.0), np.ones(5)]), [0, 1, 0, 1, 1])


@pytest.mark.parametrize("kw, match", [
    (dict(y=[0, 1, 2, 0, 1, 1]), r"binomial y must lie in \[0, 1\].*row 2"),
    (dict(y=[0, 1, -0.5, 0, 1, 1]), r"row 2"),
    (dict(y=[0, 1, 0, 0, 1, 1], family="poisson"), None),
    (dict(y=[0, 1, -1, 0, 1, 1], family="poisson"), r"Poisson y must be a count.*row 2"),
    (dict(y=[0, 1, np.nan, 0, 1, 1]), r"y has a non-finite value nan at row 2"),
    (dict(X_bad=(4, 1, np.inf)), r"X has a non-finite value inf at row 4, column 'x1'"),
    (dict(weights=[1, 1, 1, -1, 1, 1]), r"weights must be >= 0: row 3"),
    (dict(weights=[1, 1, 1, np.nan, 1, 1]), r"weights has a non-finite value nan at row 3"),
    (dict(offset=[0, 0, 0, 0, np.inf, 0]), r"offset has a non-finite value inf at row 4"),
    (dict(y=[0, 1, 0]), r"y must have shape \(6,\).*got shape \(3,\)"),
    (dict(weights=[1, 1]), r"weights must have shape \(6,\)"),
    (dict(offset=np.zeros((6, 1))), r"offset must have shape \(6,\)"),
    (dict(family="gamma"), r"family must be one of \['binomial', 'poisson'\]"),
    (dict(tol=0.0), r"tol must be a positive number"),
    (dict(max_iter=0), r"max_iter must be an integer >= 1"),
    (dict(block_rows=0), r"block_rows must be an integer >= 1"),
])
def test_bad_input_raises(kw, match):
    X = np.column_stack([np.ones(6), [1.0, 3, 2, 5, 4, 6]])
    if "X_bad" in kw:
        i, j, v = kw.pop("X_bad")
        X[i, j] = v
    y = kw.pop("y", [0, 1, 0, 0, 1, 1])
    if match is None:
        irls(X, y, **kw)  # a 0/1 outcome is a fine count
        return
    with pytest.raises(ValueError, match=match):
        irls(X, y, **kw)


def test_bad_shapes_and_sources():
    with pytest.raises(ValueError, match=r"2-D \(n, p\) array"):
        irls(np.ones(5), [0, 1, 0, 1, 1])
    with pytest.raises(ValueError, match="y is required"):
        irls(np.ones((5, 1)))
    with pytest.raises(ValueError, match="one-shot iterator"):
        irls(iter([(np.ones((3, 1)), np.zeros(3))]))
    blocks = [(np.ones((3, 2)), np.zeros(3)), (np.ones((3, 1)), np.zeros(3))]
    with pytest.raises(ValueError, match=r"block 1: X must have shape \(rows, 2\)"):
        irls(blocks)
    with pytest.raises(ValueError, match=r"block 0 \(rows from 0\): y must have shape \(3,\)"):
        irls([(np.ones((3, 1)), np.zeros(4))])
    with pytest.raises(ValueError, match="weights and offset go inside the blocks"):
        irls([(np.ones((3, 1)), np.zeros(3))], weights=np.ones(3))
    with pytest.raises(ValueError, match="must be numeric"):
        irls(np.array([["a"], ["b"]]), [0, 1])


def test_collinear_to_rounding_column_is_named():
    # A relative residual ~1e-15 is below R's QR tolerance (1e-13 at tol 1e-10): aliased.
    rng = np.random.default_rng(9)
    x = rng.standard_normal(100)
    X = np.column_stack([np.ones(100), x, 2 * x + 3 + 1e-14 * rng.standard_normal(100)])
    with pytest.raises(ValueError, match=r"'x2' is a linear combination of \['x0', 'x1'\]"):
        irls(X, (rng.random(100) < 0.5).astype(float))


def test_overflow_on_the_first_step_is_an_error_as_in_r():
    # R: "no valid set of coefficients has been found: please supply starting values"
    X = np.column_stack([np.ones(5), [0.0, 1, 2, 3, 200]])
    with pytest.raises(ValueError, match="no valid set of coefficients.*deviance is infinite"):
        irls(X, [1, 1e3, 1e6, 1e9, 0], "poisson")


def test_non_integer_data_warn_as_r_does():
    X = np.column_stack([np.ones(6), [1.0, 3, 2, 5, 4, 6]])
    with pytest.warns(UserWarning, match="non-integer number of successes"):
        irls(X, [0, 0.3, 0, 1, 0.5, 1])
    with pytest.warns(UserWarning, match="non-integer counts"):
        fit = irls(X, [0, 0.5, 2, 1, 3, 2.5], "poisson")
    # D8: R's dpois is -Inf at a non-integer count, so logLik is -Inf and AIC Inf.
    assert fit.loglik == -np.inf and fit.aic == np.inf and np.isfinite(fit.deviance)

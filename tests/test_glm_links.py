"""irls with R's non-canonical links against glm() (tests/reference/glm_links.R).

Each fixture model holds R's design matrix. R fitted it with epsilon = 1e-10
(irls' default tol) for the reported values and with its default 1e-8 for the
path; ``se_observed`` was computed in R from each link's second derivative and
checked there against numDeriv.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from support import reference

from mathkit import irls

REF = reference("glm_links")
MODELS = REF["models"]


def fit_fixture(m, **kw):
    return irls(np.array(m["X"]), np.array(m["y"]), m["family"], link=m["link"],
                weights=m["weights"], offset=m["offset"], **kw)


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def fit_quietly(m, **kw):
    """Fit, with R's warnings expected exactly where R gave them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_fixture(m, **kw)
    truncated = any("truncated (out of bounds)" in str(w.message) for w in caught)
    assert truncated == any("out of bounds" in w for w in m["warnings"]), \
        [str(w.message) for w in caught]
    return fit


@pytest.mark.parametrize("name", list(MODELS))
def test_matches_r_glm_with_its_link(name):
    m = MODELS[name]
    fit = fit_quietly(m)
    assert fit.link == m["link"] and fit.converged and m["converged"]
    assert fit.nit == m["iter"]
    assert rel(fit.coef, m["coef"]) < 1e-10
    assert rel(fit.se, m["se"]) < 1e-8
    assert rel(fit.se_observed, m["se_observed"]) < 1e-8
    for ours, theirs in [(fit.deviance, m["deviance"]), (fit.null_deviance, m["null_deviance"]),
                         (fit.aic, m["aic"]), (fit.loglik, m["loglik"])]:
        assert ours == pytest.approx(theirs, rel=1e-11, abs=0)
    assert rel(fit.fitted, m["fitted"]) < 1e-10
    assert (fit.df_resid, fit.df_null) == (m["df_residual"], m["df_null"])


@pytest.mark.parametrize("name", list(MODELS))
def test_same_path_as_r_at_r_default_tolerance(name):
    m = MODELS[name]
    fit = fit_quietly(m, tol=1e-8)
    assert fit.nit == m["default"]["iter"]
    assert rel(fit.coef, m["default"]["coef"]) < 1e-8
    assert fit.deviance == pytest.approx(m["default"]["deviance"], rel=1e-11)


def test_canonical_links_have_one_information():
    for name in ("am_wt_logit", "warpbreaks_log", "insurance_log"):
        fit = fit_fixture(MODELS[name])
        assert rel(fit.se_observed, fit.se) < 1e-6


def test_observed_information_is_statsmodels_newton():
    m = MODELS["esoph_probit"]
    fit = fit_fixture(m)
    ref = sm.GLM(np.array(m["y"]), np.array(m["X"]),
                 family=sm.families.Binomial(sm.families.links.Probit()),
                 var_weights=np.array(m["weights"])).fit(method="newton", tol=1e-12,
                                                          maxiter=100)
    # statsmodels' Newton stops a little short (its test is on the log-likelihood).
    assert rel(fit.coef, ref.params) < 1e-5
    assert rel(fit.se_observed, ref.bse) < 1e-5
    assert rel(fit.se, ref.bse) > 1e-3  # the two informations differ here


def test_step_halving_into_the_links_domain_is_rs():
    m = MODELS["falling_sqrt"]
    assert m["warnings"] == ["step size truncated: out of bounds"]
    with pytest.warns(UserWarning, match=r"step size truncated \(out of bounds\)"):
        fit = fit_fixture(m)
    assert fit.nit == m["iter"] and rel(fit.coef, m["coef"]) < 1e-10


def test_no_valid_coefficients_as_in_r():
    nv = REF["no_valid"]
    assert nv["message"].startswith("no valid set of coefficients has been found")
    with pytest.raises(ValueError, match="no valid set of coefficients has been found"):
        irls(np.array(nv["X"]), np.array(nv["y"]), "poisson", link="identity",
             offset=np.array(nv["offset"]))


def test_unknown_link_is_named():
    X = np.column_stack([np.ones(4), [1.0, 2, 3, 4]])
    with pytest.raises(ValueError, match=r"link must be one of \['log', 'identity', 'sqrt'\] "
                                         r"for the poisson family, got 'logit'"):
        irls(X, [1, 2, 3, 4], "poisson", link="logit")


def test_shipped_data_sets_are_the_ones_r_fitted():
    from mathkit import load_r_dataset

    wb = load_r_dataset("warpbreaks")
    X = np.column_stack([np.ones(54), wb["wool"] == "B", wb["tension"] == "M",
                         wb["tension"] == "H"]).astype(float)
    m = MODELS["warpbreaks_log"]
    np.testing.assert_array_equal(X, m["X"])
    np.testing.assert_array_equal(wb["breaks"], m["y"])
    fit = irls(X, wb["breaks"], "poisson")
    assert rel(fit.coef, m["coef"]) < 1e-10
    ins = load_r_dataset("Insurance")
    m = MODELS["insurance_log"]
    np.testing.assert_array_equal(ins["Claims"], m["y"])
    np.testing.assert_array_equal(np.log(ins["Holders"]), m["offset"])
    np.testing.assert_array_equal(pd.get_dummies(ins["District"], drop_first=True, dtype=float),
                                  np.array(m["X"])[:, 1:4])

"""The fitted model: GLMResult, and how the fit loop's state becomes one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtr

from .irls_pass import PassSpec, block_fitted, run_pass
from .linalg import _inverse, _inverse_qr

if TYPE_CHECKING:
    from .fit import _Fit


@dataclass(frozen=True, eq=False)
class GLMResult:
    """A fitted GLM; field names follow R's ``glm`` object and statsmodels' results.

    Attributes
    ----------
    coef, se : ndarray, shape (p,)
        Coefficients and their standard errors ``sqrt(diag(cov))``.
    cov : ndarray, shape (p, p)
        ``(X' W X)^-1`` with the weights of the last iteration, the matrix whose
        solve gave ``coef`` (as R's ``vcov`` and statsmodels; dispersion 1):
        the inverse *expected* information, which Fisher scoring uses.
    cov_observed, se_observed : ndarray
        The inverse *observed* information (minus the inverse Hessian of the
        log-likelihood at ``coef``, which Newton's method uses) and its standard
        errors; computed on first access by one more read of the data. For the
        canonical links (logit, log) the two informations are the same matrix;
        for the others they differ by ``(y - mu)`` terms that average out only
        in expectation.
    deviance, null_deviance : float
        Residual deviance and the deviance of the intercept-only model (with the
        offset), as R's ``deviance`` and ``null.deviance``.
    loglik, aic : float
        As R's ``logLik()`` and ``AIC()``.
    nit : int
        IRLS iterations (R's ``iter``); ``history`` holds the deviance after each.
    converged : bool
        R's deviance test was met and the data are not separated.
    names : tuple of str
        Column names of X (DataFrame columns, else ``x0, x1, ...``).
    family, link : str
        ``"binomial"`` or ``"poisson"``, and the link (``"logit"``, ``"probit"``, ...).
    df_resid, df_null : int
        Residual degrees of freedom of the model and of the null model.
    message : str
        How the iteration ended.

    Examples
    --------
    >>> from mathkit import irls
    >>> X = np.column_stack([np.ones(8), np.arange(1.0, 9)])
    >>> fit = irls(X, [0, 0, 1, 0, 1, 0, 1, 1])
    >>> print(fit)
    binomial GLM (logit link), converged after 4 IRLS iterations
        Estimate  Std. Error  z value  Pr(>|z|)
    x0  -2.67338     2.12073  -1.2606  0.207455
    x1  0.594084    0.432242  1.37443  0.169309
    Null deviance: 11.0904 on 7 degrees of freedom
    Residual deviance: 8.44958 on 6 degrees of freedom
    AIC: 12.4496
    """

    coef: np.ndarray
    se: np.ndarray
    cov: np.ndarray = field(repr=False)
    deviance: float
    null_deviance: float
    loglik: float
    aic: float
    nit: int
    converged: bool
    history: np.ndarray = field(repr=False)
    names: tuple[str, ...]
    family: str
    link: str
    df_resid: int
    df_null: int
    message: str
    _fitted: Callable[[], np.ndarray] = field(repr=False)
    _observed: Callable[[], np.ndarray] = field(repr=False)

    @cached_property
    def cov_observed(self) -> np.ndarray:
        """Inverse observed information at ``coef``: one more read of the data."""
        return _inverse(self._observed())

    @cached_property
    def se_observed(self) -> np.ndarray:
        """Standard errors from the observed information (Newton's), ``sqrt(diag)``."""
        return np.sqrt(np.diag(self.cov_observed))

    @cached_property
    def fitted(self) -> np.ndarray:
        """Fitted means ``mu`` (probabilities or rates), shape (n,).

        Computed on first access by one more read of the data: the fit itself keeps no
        per-row arrays, and the result keeps a reference to the data source for this.
        """
        return self._fitted()

    def summary(self) -> Any:
        """R's coefficient table as a pandas DataFrame indexed by ``names``.

        Columns ``Estimate``, ``Std. Error``, ``z value`` and ``Pr(>|z|)`` (two-sided
        normal p-values, as R's ``summary.glm`` for these families). ``str(result)``
        prints it with the deviances and the AIC.
        """
        import pandas as pd

        z = self.coef / self.se
        return pd.DataFrame({"Estimate": self.coef, "Std. Error": self.se, "z value": z,
                             "Pr(>|z|)": 2 * ndtr(-np.abs(z))}, index=list(self.names))

    def __str__(self) -> str:
        table = self.summary().to_string(float_format=lambda v: f"{v:.6g}")
        state = "converged" if self.converged else "NOT converged"
        return (f"{self.family} GLM ({self.link} link), {state} "
                f"after {self.nit} IRLS iterations\n{table}\n"
                f"Null deviance: {self.null_deviance:.6g} on {self.df_null} degrees of freedom\n"
                f"Residual deviance: {self.deviance:.6g} on {self.df_resid} degrees of freedom\n"
                f"AIC: {self.aic:.6g}")


def _result(src, fam, fit: _Fit, null_dev: float, converged: bool, message: str) -> GLMResult:
    names = src.names
    p, s = len(names), fit.start
    cov = _inverse_qr(fit.gram) if fit.qr else _inverse(fit.gram)
    loglik = s.ll_const + fit.last.ll
    return GLMResult(
        coef=fit.beta, se=np.sqrt(np.diag(cov)), cov=cov, deviance=fit.last.dev,
        null_deviance=null_dev, loglik=loglik, aic=-2 * loglik + 2 * p, nit=len(fit.history),
        converged=converged, history=np.array(fit.history),
        names=tuple(names), family=fam.name, link=fam.link_name, df_resid=s.n_ok - p,
        df_null=s.n_ok - int(s.ones.any()), message=message,
        _fitted=partial(src.map_rows, partial(block_fitted, fam=fam, beta=fit.beta)),
        _observed=partial(_observed_information, src, fam, fit.beta))


def _observed_information(src, fam, beta: np.ndarray) -> np.ndarray:
    """Minus the Hessian of the log-likelihood at beta: one more read of the data."""
    return run_pass(src, PassSpec(fam, beta=beta, observed=True)).G

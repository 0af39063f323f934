"""Cox proportional-hazards regression by Newton-Raphson, as R's ``survival::coxph``.

The partial likelihood is not a GLM likelihood: each event contributes
``eta_i - log(sum over the risk set of exp(eta_j))``. Its gradient is the
covariate of the failing subject minus the risk-weighted mean of the risk set,
and its information is the risk-weighted covariance of the risk set, summed over
events; so Newton applies as for a GLM. Tied event times use Efron's or
Breslow's approximation. The loop is survival's ``coxfit6.c``: covariates
centred and scaled (those with values in {-1, 0, 1} left alone), start at 0,
converge when ``|1 - loglik_best / loglik_new| <= eps``, and shrink a step that
lowers the log-likelihood towards the last good point. Risk-set sums are
cumulative sums over the subjects sorted by time: O(n p^2) per iteration, no
n x p x p array.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla
from numpy.typing import ArrayLike
from scipy.special import ndtr

from .._checks import count, tolerance
from .design import aliased_columns, design_matrix
from .report import SeparationWarning

__all__ = ["CoxResult", "coxph"]

@dataclass(frozen=True, eq=False)
class CoxResult:
    """A fitted Cox model; fields named as R's ``coxph`` object.

    Attributes
    ----------
    coef, se : ndarray, shape (p,)
        Log hazard ratios and their standard errors (inverse observed information).
    cov : ndarray, shape (p, p)
        R's ``vcov(fit)``.
    loglik_null, loglik : float
        Log partial likelihood at coef = 0 and at the estimate (R's ``fit$loglik``).
    score_test, wald_test, lr_test : float
        The three chi-squared tests of coef = 0 on p degrees of freedom, as
        ``summary(coxph)`` prints them.
    nit : int
        Iterations, counted as R's ``fit$iter``.
    converged : bool
        R's test was met and no coefficient runs to infinity.
    names : tuple of str
    ties : str
        ``"efron"`` or ``"breslow"``.
    n, nevent : int
    message : str

    Examples
    --------
    >>> fit = coxph(np.array([[0.0], [1], [0], [1], [1], [0]]), [2, 3, 5, 7, 8, 9],
    ...             [1, 1, 0, 1, 0, 1])
    >>> fit.n, fit.nevent, fit.converged
    (6, 4, True)
    """

    coef: np.ndarray
    se: np.ndarray
    cov: np.ndarray = field(repr=False)
    loglik_null: float
    loglik: float
    score_test: float
    wald_test: float
    lr_test: float
    nit: int
    converged: bool
    names: tuple[str, ...]
    ties: str
    n: int
    nevent: int
    message: str

    def summary(self) -> Any:
        """R's coefficient table (pandas): coef, exp(coef), se(coef), z, Pr(>|z|)."""
        import pandas as pd

        z = self.coef / self.se
        return pd.DataFrame({"coef": self.coef, "exp(coef)": np.exp(self.coef),
                             "se(coef)": self.se, "z": z, "Pr(>|z|)": 2 * ndtr(-np.abs(z))},
                            index=list(self.names))


# ----------------------------------------------------------------------------- input
def _inputs(X: Any, time: ArrayLike, event: ArrayLike):
    X, names = design_matrix(X, "coxph", vector_ok=True)
    n = X.shape[0]
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    for what, v in (("time", t), ("event", d)):
        if v.shape != (n,):
            raise ValueError(f"{what} must have shape ({n},) to match the {n} rows of X, "
                             f"got shape {v.shape}")
        if not np.isfinite(v).all():
            i = int(np.flatnonzero(~np.isfinite(v))[0])
            raise ValueError(f"{what} has a non-finite value {v[i]} at row {i}")
    if np.any(t < 0):
        i = int(np.flatnonzero(t < 0)[0])
        raise ValueError(f"time must be >= 0: row {i} has time {t[i]}")
    if np.any((d != 0) & (d != 1)):
        i = int(np.flatnonzero((d != 0) & (d != 1))[0])
        raise ValueError(f"event must be 0 (censored) or 1 (event): row {i} has event {d[i]} "
                         "(R's lung codes status 1/2: pass status - 1)")
    if not d.any():
        raise ValueError("no events (every event is 0): the partial likelihood is constant")
    return X, t, d.astype(bool), names


def _check_rank(Z: np.ndarray, names: tuple[str, ...]) -> None:
    norms = np.linalg.norm(Z, axis=0)
    if np.any(norms == 0):
        raise ValueError(f"X column {names[int(np.flatnonzero(norms == 0)[0])]!r} is constant: "
                         "a Cox model has no intercept, so it is not identifiable")
    dep = aliased_columns(Z)
    if dep.size:
        raise ValueError(f"X is rank deficient: column(s) {[names[j] for j in dep]} are "
                         "(nearly) linear combinations of the others and a constant. "
                         "Drop or combine them.")


# ----------------------------------------------------------------------------- one pass
class _RiskSets:
    """The sorted data and the tied-event structure, fixed across iterations."""

    def __init__(self, Z: np.ndarray, t: np.ndarray, d: np.ndarray, efron: bool):
        order = np.argsort(t, kind="stable")
        self.Z, self.d = Z[order], d[order]
        ts = t[order]
        self.start = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])  # first row of each time
        self.group = np.cumsum(np.r_[True, ts[1:] != ts[:-1]]) - 1  # each row's time
        deaths = np.add.reduceat(self.d.astype(float), self.start)
        self.dg = np.flatnonzero(deaths > 0)  # the times with events
        nd = deaths[self.dg].astype(int)
        if efron:  # d terms per time, the tied events entering with weight k/d
            self.term = np.repeat(np.arange(len(self.dg)), nd)
            first = np.repeat(np.cumsum(nd) - nd, nd)
            self.frac = (np.arange(nd.sum()) - first) / np.repeat(nd, nd)
            self.wt = np.ones(nd.sum())
        else:
            self.term, self.frac, self.wt = np.arange(len(self.dg)), np.zeros(len(nd)), nd * 1.0
        self.ngroups = len(self.start)

    def evaluate(self, beta: np.ndarray):
        """Log partial likelihood, score and information at beta."""
        Z, d = self.Z, self.d
        eta = Z @ beta
        c = eta.max()  # shift so exp cannot overflow; the log adds it back
        r = np.exp(eta - c)
        rZ = r[:, None] * Z
        Rall = np.cumsum(r[::-1])[::-1][self.start][self.dg]  # risk set at each event time
        Aall = np.cumsum(rZ[::-1], axis=0)[::-1][self.start][self.dg]
        D2 = np.add.reduceat(np.where(d, r, 0.0), self.start)[self.dg]  # the tied events
        A2 = np.add.reduceat(np.where(d[:, None], rZ, 0.0), self.start)[self.dg]
        f, g = self.frac, self.term
        denom = Rall[g] - f * D2[g]
        A = Aall[g] - f[:, None] * A2[g]
        loglik = float(eta[d].sum() - self.wt @ (np.log(denom) + c))
        # Subject i's share in the terms whose risk set holds it (tied events partly).
        s = np.zeros(self.ngroups)
        sf = np.zeros(self.ngroups)
        np.add.at(s, self.dg[g], self.wt / denom)
        np.add.at(sf, self.dg[g], self.wt * f / denom)
        q = np.cumsum(s)[self.group] - np.where(d, sf[self.group], 0.0)
        u = Z[d].sum(axis=0) - rZ.T @ q
        info = (Z * (r * q)[:, None]).T @ Z - (A * (self.wt / denom**2)[:, None]).T @ A
        return loglik, u, (info + info.T) / 2


# ----------------------------------------------------------------------------- public API
def coxph(X: Any, time: ArrayLike, event: ArrayLike, ties: str = "efron", *,
          eps: float = 1e-9, max_iter: int = 20) -> CoxResult:
    """Fit a Cox proportional-hazards model by Newton-Raphson, as R's ``survival::coxph``.

    Parameters
    ----------
    X : array_like (n, p) or DataFrame
        Covariates, no intercept column (the baseline hazard absorbs it).
    time : array_like (n,)
        Follow-up times, >= 0.
    event : array_like (n,)
        1 if the subject failed at ``time``, 0 if censored there.
    ties : {"efron", "breslow"}
        Approximation for tied event times (R's default is Efron's).
    eps : float
        R's ``coxph.control(eps)``: stop when the log-likelihood's relative change
        is at most eps.
    max_iter : int
        R's ``iter.max``.

    Returns
    -------
    CoxResult

    Raises
    ------
    ValueError
        Non-finite values, negative times, events other than 0/1, no events,
        or collinear columns (the message names the row or column).

    Warns
    -----
    SeparationWarning
        Monotone likelihood: a coefficient runs to infinity (R warns "coefficient
        may be infinite"); ``converged=False``.

    Examples
    --------
    Eight subjects, two of them censored; R's ``coxph(Surv(t, e) ~ a + b)`` gives
    coefficients 0.6800623650 and 0.4213667755 after 3 iterations:

    >>> X = np.column_stack([[1.0, 0, 1, 0, 0, 1, 0, 1],
    ...                      [0.5, 1.2, -0.3, 0.8, 0.1, -1.0, 0.4, -0.6]])
    >>> fit = coxph(X, [5, 8, 3, 12, 6, 10, 4, 9], [1, 1, 1, 0, 1, 1, 1, 0])
    >>> print(np.round(fit.coef, 5).tolist(), fit.nit, round(fit.loglik, 5))
    [0.68006, 0.42137] 3 -9.38328
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    tolerance(eps)
    count("max_iter", max_iter)
    X, t, d, names = _inputs(X, time, event)
    n, p = X.shape
    # survival centres and scales every column except 0/1 (and -1) indicators.
    plain = np.all(np.isin(X, (-1.0, 0.0, 1.0)), axis=0)
    means = np.where(plain, 0.0, X.mean(axis=0))
    Z = X - means
    spread = np.abs(Z).sum(axis=0)
    scale = np.where(plain | (spread == 0), 1.0, n / np.where(spread > 0, spread, 1.0))
    Z = Z * scale
    _check_rank(X - X.mean(axis=0), names)
    risk = _RiskSets(Z, t, d, ties == "efron")

    beta = np.zeros(p)
    loglik0, u, info = risk.evaluate(beta)
    step = sla.cho_solve(sla.cho_factor(info), u)
    score_test = float(u @ step)
    best, new, halving, converged, nit = loglik0, beta + step, 0, False, 0
    while nit < max_iter:
        nit += 1
        loglik, u, info = risk.evaluate(new)
        finite = np.isfinite(loglik) and np.isfinite(u).all() and np.isfinite(info).all()
        if finite and abs(1 - best / loglik) <= eps:
            beta, converged = new, True
            break
        if not finite or loglik < best:  # shrink towards the last good point, harder each time
            halving += 1
            new = (new + halving * beta) / (halving + 1)
        else:
            halving, best = 0, loglik
            beta, new = new, new + sla.cho_solve(sla.cho_factor(info), u)
    if not converged:  # R reports the last good point, not the rejected trial
        loglik, u, info = risk.evaluate(beta)
    cov = sla.inv(info) * np.outer(scale, scale)
    cov = (cov + cov.T) / 2
    coef, u = beta * scale, u / scale
    return _result(coef, cov, u, loglik0, loglik, score_test, nit, converged, names, ties, n,
                   int(d.sum()), eps, max_iter)


def _result(coef, cov, u, loglik0, loglik, score_test, nit, converged, names, ties, n, nevent,
            eps, max_iter) -> CoxResult:
    """R's verdicts: no convergence, or a coefficient whose next step is not small (infinite)."""
    message = f"converged in {nit} iterations" if converged else \
        f"no convergence in {max_iter} iterations"
    nextstep = np.abs(u @ cov)
    # R's coxph.control(toler.inf = sqrt(eps))
    infinite = ~np.isfinite(u) | ((nextstep > eps) & (nextstep > np.sqrt(eps) * np.abs(coef)))
    if converged and infinite.any():
        which = ", ".join(repr(names[j]) for j in np.flatnonzero(infinite))
        message = (f"monotone likelihood: the log-likelihood converged while the coefficient of "
                   f"{which} was still moving by a step comparable to its size; the estimate is "
                   f"infinite (R: 'coefficient may be infinite'), stopped after {nit} iterations")
        warnings.warn(message, SeparationWarning, stacklevel=3)
        converged = False
    elif not converged:
        warnings.warn(f"coxph did not converge: {message}", UserWarning, stacklevel=3)
    se = np.sqrt(np.diag(cov))
    return CoxResult(coef=coef, se=se, cov=cov, loglik_null=loglik0, loglik=loglik,
                     score_test=score_test, wald_test=float(coef @ sla.solve(cov, coef)),
                     lr_test=2 * (loglik - loglik0), nit=nit, converged=converged,
                     names=tuple(names), ties=ties, n=n, nevent=nevent, message=message)

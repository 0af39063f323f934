"""Multinomial (baseline-category) logistic regression by Newton's method.

With K classes and class 0 as the baseline, class k > 0 has linear predictor
``eta_k = X b_k`` and probability ``P_k = exp(eta_k) / (1 + sum_j exp(eta_j))``.
The log-likelihood ``sum_i w_i log P_{y_i}(x_i)`` has gradient
``X' W (Y_k - P_k)`` for class k and a Hessian made of p x p blocks,
``-X' diag(w P_k (delta_kl - P_l)) X`` for classes k and l. Newton's step solves
the full (K - 1) p system; each block is accumulated over slices of rows, so no
n x K x p array is ever formed. The link is canonical, so the observed and the
expected information coincide and Newton is Fisher scoring (IRLS) here too.
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

__all__ = ["MultinomialResult", "multinomial"]

_BLOCK_BYTES = 2 * 2**20  # rows per slice: ~2 MB of X, so the temporaries stay small
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False)
class MultinomialResult:
    """A fitted baseline-category logit; fields named as R's ``multinom`` and statsmodels.

    Attributes
    ----------
    coef, se : ndarray, shape (p, K - 1)
        Column k - 1 holds class k's coefficients against the baseline class 0
        (R's ``coef(fit)`` is the transpose) and their standard errors.
    cov : ndarray, shape ((K - 1) p, (K - 1) p)
        Inverse of the information matrix, ordered class by class
        (``coef.ravel(order="F")``).
    loglik, deviance, aic : float
        ``deviance = -2 loglik``, ``aic = deviance + 2 (K - 1) p``, as nnet.
    nit : int
        Newton steps taken.
    converged : bool
        The Newton decrement fell below the tolerance and the data are not separated.
    fitted : ndarray, shape (n, K)
        Class probabilities.
    classes, names : tuple
        The class labels (baseline first) and the column names of X.
    message : str
        How the iteration ended.

    Examples
    --------
    >>> X = np.column_stack([np.ones(9), [1.0, 2, 3, 4, 5, 6, 7, 8, 9]])
    >>> fit = multinomial(X, ["a", "b", "a", "b", "c", "a", "c", "b", "c"])
    >>> fit.classes, fit.coef.shape, fit.converged
    (('a', 'b', 'c'), (2, 2), True)
    """

    coef: np.ndarray
    se: np.ndarray
    cov: np.ndarray = field(repr=False)
    loglik: float
    deviance: float
    aic: float
    nit: int
    converged: bool
    fitted: np.ndarray = field(repr=False)
    classes: tuple
    names: tuple[str, ...]
    message: str

    def summary(self) -> Any:
        """Coefficient table (pandas), one row per (class, column) pair."""
        import pandas as pd

        z = self.coef / self.se
        index = pd.MultiIndex.from_product([[str(c) for c in self.classes[1:]], self.names],
                                           names=["class", "term"])
        cols = {"Estimate": self.coef, "Std. Error": self.se, "z value": z,
                "Pr(>|z|)": 2 * ndtr(-np.abs(z))}
        return pd.DataFrame({k: v.ravel(order="F") for k, v in cols.items()}, index=index)


# ----------------------------------------------------------------------------- input
def _classes(y: Any, n: int) -> tuple[np.ndarray, tuple]:
    """Codes 0..K-1 and the labels; a pandas Categorical keeps its order (R's factor levels)."""
    cats = getattr(getattr(y, "cat", None), "categories", None)
    if cats is None and hasattr(y, "categories"):
        cats = y.categories
    if cats is not None:
        codes = np.asarray(getattr(y, "cat", y).codes if hasattr(y, "cat") else y.codes)
        labels = tuple(cats)
        if np.any(codes < 0):
            raise ValueError(f"y is missing at row {int(np.flatnonzero(codes < 0)[0])}")
    else:
        a = np.asarray(y)
        if a.ndim != 1:
            raise ValueError(f"y must be 1-D (one class label per row), got shape {a.shape}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            i = int(np.flatnonzero(~np.isfinite(a))[0])
            raise ValueError(f"y has a non-finite value {a[i]} at row {i}")
        if a.dtype.kind == "O":
            import pandas as pd

            missing = np.flatnonzero(pd.isna(a))
            if missing.size:
                raise ValueError(f"y is missing ({a[missing[0]]!r}) at row {missing[0]}")
        try:
            uniq, codes = np.unique(a, return_inverse=True)
        except TypeError as e:  # labels that cannot be ordered, e.g. strings mixed with numbers
            raise ValueError(f"y's labels cannot be sorted into classes ({e}); pass a pandas "
                             "Categorical to fix their order") from None
        labels = tuple(u.item() if hasattr(u, "item") else u for u in uniq)
    if codes.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match the {n} rows of X, "
                         f"got shape {codes.shape}")
    used = np.bincount(codes, minlength=len(labels))
    if np.count_nonzero(used) < 2:
        raise ValueError(f"y has only one class ({labels[int(np.argmax(used))]!r}): a "
                         "multinomial model needs at least two")
    if not used.all():
        raise ValueError(f"class {labels[int(np.flatnonzero(used == 0)[0])]!r} of y has no rows")
    return codes, labels


def _weights(weights: ArrayLike | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have shape ({n},), got shape {w.shape}")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(f"weights must be finite and >= 0: row {bad[0]} has weight {w[bad[0]]}")
    return w


def _check_rank(X: np.ndarray, w: np.ndarray, names: tuple[str, ...]) -> None:
    """ValueError naming the columns that pivoted QR finds dependent on the others."""
    Xs = X[w > 0] * np.sqrt(w[w > 0])[:, None]
    norms = np.linalg.norm(Xs, axis=0)
    zero = [names[j] for j in np.flatnonzero(norms == 0)]
    if zero:
        raise ValueError(f"X is rank deficient: column(s) {zero} are zero in every row with "
                         "positive weight")
    dep = aliased_columns(Xs)
    if dep.size:
        raise ValueError(f"X is rank deficient: column(s) {[names[j] for j in dep]} are "
                         "(nearly) linear combinations of the others. Drop or combine them.")


# ----------------------------------------------------------------------------- one pass
def _probabilities(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class 1..K-1 probabilities and log P(baseline), without overflow."""
    m = np.maximum(eta.max(axis=1), 0.0)
    e = np.exp(eta - m[:, None])
    d = np.exp(-m) + e.sum(axis=1)
    return e / d[:, None], -m - np.log(d)


def _pass(X, codes, w, B, rows: int, hessian: bool = True):
    """Log-likelihood, gradient (p, K-1) and the Hessian's negative, block by block."""
    p, km1 = B.shape
    ll, g = 0.0, np.zeros((p, km1))
    H = np.zeros((km1 * p, km1 * p)) if hessian else None
    for a in range(0, X.shape[0], rows):
        s = slice(a, a + rows)
        Xb, cb, wb = X[s], codes[s], w[s]
        eta = Xb @ B
        P, logp0 = _probabilities(eta)
        obs = np.where(cb > 0, np.take_along_axis(eta, np.maximum(cb - 1, 0)[:, None], 1)[:, 0],
                       0.0)
        ll += float(wb @ (obs + logp0))
        R = -P
        R[np.flatnonzero(cb > 0), cb[cb > 0] - 1] += 1.0
        g += Xb.T @ (wb[:, None] * R)
        if hessian:
            for k in range(km1):
                for j in range(k, km1):
                    v = wb * P[:, k] * ((k == j) - P[:, j])
                    blk = Xb.T @ (Xb * v[:, None])
                    H[k * p:(k + 1) * p, j * p:(j + 1) * p] += blk
                    if j != k:
                        H[j * p:(j + 1) * p, k * p:(k + 1) * p] += blk.T
    return ll, g, H


def _newton_step(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(H))
    c = sla.cho_factor(H / np.outer(d, d), check_finite=False)
    return sla.cho_solve(c, g.ravel(order="F") / d, check_finite=False) / d


def _diverging(X, codes, B, step) -> int:
    """Rows fitted almost perfectly whose log-odds against every other class still grow."""
    eta = np.column_stack([np.zeros(len(X)), X @ B])
    deta = np.column_stack([np.zeros(len(X)), X @ step])
    rows = np.arange(len(X))
    lead = eta[rows, codes][:, None] - eta
    push = deta[rows, codes][:, None] - deta
    lead[rows, codes], push[rows, codes] = np.inf, np.inf
    return int(np.count_nonzero((lead.min(axis=1) > 3) & (push.min(axis=1) > 0.5)))


# ----------------------------------------------------------------------------- public API
def multinomial(X: Any, y: ArrayLike, *, weights: ArrayLike | None = None, tol: float = 1e-14,
                max_iter: int = 100) -> MultinomialResult:
    """Fit a multinomial (baseline-category) logit by Newton's method, as R's ``nnet::multinom``.

    Parameters
    ----------
    X : array_like (n, p) or DataFrame
        Design matrix, intercept column included.
    y : array_like (n,)
        Class labels. The first class (sorted, or a pandas Categorical's first
        category, as R's factor levels) is the baseline.
    weights : array_like (n,), optional
        Case (frequency) weights, as ``multinom(weights=)``.
    tol : float
        Stop when Newton's forecast of the deviance decrease (the decrement
        ``g' H^-1 g``) is below ``tol * (|deviance| + 0.1)``; that last step is taken.
    max_iter : int
        At most this many Newton steps.

    Returns
    -------
    MultinomialResult

    Raises
    ------
    ValueError
        Non-finite X or y, y with one class, bad weights, or rank-deficient X
        (the message names the row or column).

    Warns
    -----
    SeparationWarning
        Some classes are separated: the maximum-likelihood estimate does not
        exist; ``converged=False``.

    Examples
    --------
    Three classes; R's ``nnet::multinom(y ~ x)`` gives intercepts -1.0799635 and
    -3.9541075, slopes 0.2719741 and 0.7577197, residual deviance 16.1793266:

    >>> x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> fit = multinomial(np.column_stack([np.ones(9), x]), [0, 1, 0, 1, 2, 0, 2, 1, 2])
    >>> print(np.round(fit.coef, 6).tolist(), round(fit.deviance, 6))
    [[-1.079964, -3.954108], [0.271974, 0.75772]] 16.179327
    """
    tolerance(tol)
    count("max_iter", max_iter)
    X, names = design_matrix(X, "multinomial")
    n, p = X.shape
    codes, classes = _classes(y, n)
    w = _weights(weights, n)
    _check_rank(X, w, names)
    km1 = len(classes) - 1
    rows = max(1, _BLOCK_BYTES // (8 * p))
    B = np.zeros((p, km1))
    ll, g, H = _pass(X, codes, w, B, rows)
    converged, singular, step, nit = False, False, np.zeros((p, km1)), 0
    for nit in range(1, max_iter + 1):
        try:
            step = _newton_step(H, g).reshape((p, km1), order="F")
        except np.linalg.LinAlgError:
            message = f"the information matrix became singular at step {nit} (probabilities " \
                "underflowed)"
            singular = True
            break
        small = float(g.ravel(order="F") @ step.ravel(order="F")) < tol * (2 * abs(ll) + 0.1)
        t = 1.0
        while not small:  # halve until the log-likelihood does not fall
            lln = _pass(X, codes, w, B + t * step, rows, hessian=False)[0]
            # a fall at rounding level is no fall (it would halve for ever near the optimum)
            if np.isfinite(lln) and lln >= ll - 4 * _EPS * abs(ll) or t < 2.0**-30:
                break
            t /= 2
        step = t * step
        B = B + step
        ll, g, H = _pass(X, codes, w, B, rows)
        if small:
            converged, message = True, f"converged in {nit} Newton steps"
            break
    else:
        message = f"no convergence in {max_iter} Newton steps"
    # Early Newton steps move rows far on valid data too: only a run that converged, or whose
    # probabilities underflowed to 0 and 1, is evidence.
    diverging = _diverging(X, codes, B, step) if converged or singular else 0
    if diverging:
        push = np.abs(step) * np.linalg.norm(X, axis=0)[:, None]
        moving = [f"{names[j]!r} (class {classes[k + 1]!r})" for j, k in np.argwhere(
            push >= 0.01 * push.max())]
        message = (f"the data are (quasi-)separated: {diverging} rows are fitted almost "
                   f"perfectly and their log-odds still grow at every step, so the MLE does not "
                   f"exist and the coefficients {', '.join(moving)} diverge (stopped after {nit} "
                   "steps)")
        warnings.warn(message, SeparationWarning, stacklevel=2)
        converged = False
    elif not converged:
        warnings.warn(f"multinomial did not converge: {message}", UserWarning, stacklevel=2)
    try:  # after separation H is singular to working precision and cov is noise
        cov = np.linalg.inv(H)
        cov = (cov + cov.T) / 2
    except np.linalg.LinAlgError:
        cov = np.full_like(H, np.nan)
    var = np.diag(cov)
    se = np.sqrt(np.where(var >= 0, var, np.nan))
    P, logp0 = _probabilities(X @ B)
    return MultinomialResult(
        coef=B, se=se.reshape((p, km1), order="F"), cov=cov, loglik=ll,
        deviance=-2 * ll, aic=-2 * ll + 2 * km1 * p, nit=nit, converged=converged,
        fitted=np.column_stack([np.exp(logp0), P]), classes=classes, names=names,
        message=message)

"""Logistic and Poisson regression by iteratively reweighted least squares.

Newton's method on a GLM log-likelihood is a weighted least-squares problem at
every step (chapter 8): with working weights ``w = wt * mu_eta**2 / V(mu)`` and
working response ``z = eta - offset + (y - mu) / mu_eta``, the next
coefficients solve ``(X' W X) beta = X' W z``. :func:`irls` follows R's
``glm.fit`` step by step (start values, the clamps inside the logit link, the
convergence test, step halving when the deviance is infinite), so iteration
counts and numbers agree with R's ``glm()``. Two things R does not do:

- Scale. ``X' W X`` and ``X' W z`` are accumulated over blocks of rows, one
  symmetric rank-k update (BLAS ``syrk``) per block, so an iteration reads X
  once and needs O(p**2 + block * p) extra memory. X can be a memory-mapped
  file, or a re-iterable source of row blocks that is never in memory whole.
- Honesty. A rank-deficient X is an error naming the column; separation (the
  maximum-likelihood estimate does not exist, yet R reports convergence with
  huge coefficients) gives a :class:`SeparationWarning` and ``converged=False``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla
from numpy.typing import ArrayLike
from scipy.linalg.blas import dsyrk
from scipy.special import gammaln, ndtr, xlogy

from ._checks import count, tolerance

__all__ = ["GLMResult", "SeparationWarning", "irls", "logistic_irls"]

_EPS = float(np.finfo(np.float64).eps)
_THRESH = 30.0  # R's logit link saturates beyond |eta| = 30 (src/library/stats/src/family.c)
_BLOCK_BYTES = 2 * 2**20  # ~2 MB of rows per block keeps syrk fast and the temporaries small
_ALIAS_TOL = 1e-10  # squared relative residual of a column below which it counts as aliased


class SeparationWarning(UserWarning):
    """The data are (quasi-)separated: the likelihood has no finite maximum.

    :func:`irls` warns with it and returns ``converged=False`` instead of a fit
    whose coefficients only stopped growing because the iterations ran out.

    Examples
    --------
    >>> import warnings
    >>> X = np.column_stack([np.ones(6), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = irls(X, [0, 0, 0, 1, 1, 1])
    >>> fit.converged, any(issubclass(w.category, SeparationWarning) for w in caught)
    (False, True)
    """


# A source yields (first row, X block, y block, weights block or None, offset block or None).
_Blocks = Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]


# ----------------------------------------------------------------------------- families
class _Binomial:
    """Logit link with R's clamps, so that separated data behave as in R."""

    name = "binomial"

    def start(self, y, wt):
        return (wt * y + 0.5) / (wt + 1)

    def link(self, mu):
        return np.log(mu / (1 - mu))

    def inverse(self, eta):
        """mu and d mu / d eta; beyond |eta| = 30 R freezes them at eps-sized values."""
        inside = -_THRESH <= eta.min() and eta.max() <= _THRESH
        t = np.exp(eta if inside else np.clip(eta, -_THRESH, _THRESH))
        d = 1 + t
        mu = t / d
        mu_eta = mu / d
        if not inside:
            out = np.abs(eta) > _THRESH
            t = np.where(eta[out] > 0, 1 / _EPS, _EPS)
            mu[out], mu_eta[out] = t / (1 + t), _EPS
        return mu, mu_eta

    def weight(self, mu, mu_eta):
        """mu_eta**2 / V(mu), which for the logit link is mu_eta itself."""
        return mu_eta

    def deviance(self, y, mu, wt) -> float:
        return 2 * float(np.sum(wt * (xlogy(y, y / mu) + xlogy(1 - y, (1 - y) / (1 - mu)))))

    def terms(self, y, mu, wt, binary: bool) -> tuple[float, float]:
        """Deviance and the mu-dependent part of R's log-likelihood (dbinom, rounded counts)."""
        if binary:  # one log per row: both reduce to the log-probability of what happened
            lq = np.log(np.where(y > 0.5, mu, 1 - mu))
            if np.ndim(wt) == 0:  # no prior weights
                return -2 * float(lq.sum()), float(lq.sum())
            return -2 * float(np.sum(wt * lq)), float(np.sum(np.round(wt) * lq))
        k, m = np.round(wt * y), np.round(wt)
        return self.deviance(y, mu, wt), float(np.sum(xlogy(k, mu) + xlogy(m - k, 1 - mu)))

    def loglik_const(self, y, wt) -> float:
        k, m = np.round(wt * y), np.round(wt)
        return float(np.sum(gammaln(m + 1) - gammaln(k + 1) - gammaln(m - k + 1)))

    def check(self, y, wt, row0: int) -> str | None:
        bad = np.flatnonzero((y < 0) | (y > 1))
        if bad.size:
            i = bad[0]
            raise ValueError(f"binomial y must lie in [0, 1] (a proportion of successes): "
                             f"row {row0 + i} has y = {y[i]!r} ({bad.size} such rows in its block)")
        m = wt * y
        if np.any(np.abs(m - np.round(m)) > 1e-3):
            return "non-integer number of successes (weights * y) in a binomial fit"
        return None

    def boundary(self, eta, mu) -> int:
        """Rows with mu within 10 eps of 0 or 1 (R's warning): exactly those beyond the clamps."""
        if -_THRESH <= eta.min() and eta.max() <= _THRESH:
            return 0
        return int(np.count_nonzero((mu < 10 * _EPS) | (mu > 1 - 10 * _EPS)))

    def diverging(self, y, eta, deta, wt) -> int:
        """Rows fitted almost perfectly whose linear predictor still runs away.

        Newton on an exponential tail moves eta by about 1 per step, for ever;
        at a true optimum the last step moves no row by anything near 0.5.
        """
        up = (eta > 3) & (deta > 0.5) & (y == 1)
        down = (eta < -3) & (deta < -0.5) & (y == 0)
        return int(np.count_nonzero((up | down) & (wt > 0)))


class _Poisson:
    """Log link, mu floored at eps as in R's poisson()."""

    name = "poisson"

    def start(self, y, wt):
        return y + 0.1

    def link(self, mu):
        return np.log(mu)

    def inverse(self, eta):
        mu = np.maximum(np.exp(eta), _EPS)
        return mu, mu

    def weight(self, mu, mu_eta):
        return mu_eta**2 / mu

    def deviance(self, y, mu, wt) -> float:
        return 2 * float(np.sum(wt * (xlogy(y, y / mu) - (y - mu))))

    def terms(self, y, mu, wt, binary: bool) -> tuple[float, float]:
        return self.deviance(y, mu, wt), float(np.sum(wt * (xlogy(y, mu) - mu)))

    def loglik_const(self, y, wt) -> float:
        return -float(np.sum(wt * gammaln(y + 1)))

    def check(self, y, wt, row0: int) -> str | None:
        bad = np.flatnonzero(y < 0)
        if bad.size:
            i = bad[0]
            raise ValueError(f"Poisson y must be a count >= 0: row {row0 + i} has y = {y[i]!r} "
                             f"({bad.size} such rows in its block)")
        if np.any(y != np.floor(y)):
            return "non-integer counts in a Poisson fit: log-likelihood and AIC are undefined"
        return None

    def boundary(self, eta, mu) -> int:
        return int(np.count_nonzero(mu < 10 * _EPS)) if mu.min() < 10 * _EPS else 0

    def diverging(self, y, eta, deta, wt) -> int:
        return int(np.count_nonzero((eta < -3) & (deta < -0.5) & (y == 0) & (wt > 0)))


_FAMILIES = {"binomial": _Binomial(), "poisson": _Poisson()}


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class GLMResult:
    """A fitted GLM; field names follow R's ``glm`` object and statsmodels' results.

    Attributes
    ----------
    coef, se : ndarray, shape (p,)
        Coefficients and their standard errors ``sqrt(diag(cov))``.
    cov : ndarray, shape (p, p)
        ``(X' W X)^-1`` with the weights of the last iteration, the matrix whose
        solve gave ``coef`` (as R's ``vcov`` and statsmodels; dispersion 1).
    deviance, null_deviance : float
        Residual deviance and the deviance of the intercept-only model (with the
        offset), as R's ``deviance`` and ``null.deviance``.
    loglik, aic : float
        As R's ``logLik()`` and ``AIC()``.
    nit : int
        IRLS iterations (R's ``iter``); ``history`` holds the deviance after each.
    converged : bool
        R's deviance test was met and the data are not separated.
    fitted : ndarray, shape (n,)
        Fitted means ``mu`` (probabilities or rates).
    names : tuple of str
        Column names of X (DataFrame columns, else ``x0, x1, ...``).
    family : str
        ``"binomial"`` or ``"poisson"``.
    df_resid, df_null : int
        Residual degrees of freedom of the model and of the null model.
    message : str
        How the iteration ended.

    Examples
    --------
    >>> X = np.column_stack([np.ones(8), np.arange(1.0, 9)])
    >>> fit = irls(X, [0, 0, 1, 0, 1, 0, 1, 1])
    >>> print(fit)
    binomial GLM, converged after 4 IRLS iterations
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
    fitted: np.ndarray = field(repr=False)
    history: np.ndarray = field(repr=False)
    names: tuple[str, ...]
    family: str
    df_resid: int
    df_null: int
    message: str

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
        return (f"{self.family} GLM, {'converged' if self.converged else 'NOT converged'} "
                f"after {self.nit} IRLS iterations\n{table}\n"
                f"Null deviance: {self.null_deviance:.6g} on {self.df_null} degrees of freedom\n"
                f"Residual deviance: {self.deviance:.6g} on {self.df_resid} degrees of freedom\n"
                f"AIC: {self.aic:.6g}")


# ----------------------------------------------------------------------------- data sources
@dataclass(frozen=True)
class _Source:
    """Re-iterable row blocks: every IRLS iteration calls ``blocks()`` for a new pass."""

    blocks: Callable[[], _Blocks]
    p: int
    names: tuple[str, ...]


def _column(v: ArrayLike | None, n: int, what: str) -> np.ndarray | None:
    if v is None:
        return None
    a = v if isinstance(v, np.ndarray) and v.dtype == np.float64 else np.asarray(v, dtype=float)
    if a.shape != (n,):
        raise ValueError(f"{what} must have shape ({n},) to match the {n} rows of X, "
                         f"got shape {a.shape}")
    return a


def _array_source(X: Any, y: ArrayLike, weights, offset, rows: int | None) -> _Source:
    """An (n, p) array, memmap or DataFrame, read ``rows`` rows at a time (slices, no copies)."""
    names = tuple(str(c) for c in X.columns) if hasattr(X, "columns") else None
    if names is not None:
        X = X.to_numpy(dtype=float)
    elif not isinstance(X, np.ndarray):
        X = np.asarray(X, dtype=float)
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"X must be a 2-D (n, p) array with n, p >= 1, got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}")
    if y is None:
        raise ValueError("y is required when X is an array (only a block source carries its own y)")
    n, p = X.shape
    y, wt, off = (_column(v, n, k) for k, v in (("y", y), ("weights", weights), ("offset", offset)))
    rows = rows or max(1, _BLOCK_BYTES // (8 * p))

    def blocks() -> _Blocks:
        for a in range(0, n, rows):
            s = slice(a, min(n, a + rows))
            yield (a, np.asarray(X[s], dtype=float), y[s],
                   None if wt is None else wt[s], None if off is None else off[s])

    return _Source(blocks, p, names or tuple(f"x{j}" for j in range(p)))


def _block_source(X: Iterable | Callable[[], Iterable], rows: int | None) -> _Source:
    """Blocks ``(X_b, y_b[, weights_b[, offset_b]])`` from a list or a block factory."""
    if not callable(X) and iter(X) is X:
        raise ValueError("X is a one-shot iterator, but IRLS reads the data once per iteration: "
                         "pass a list of blocks or a function that returns a new iterator")
    make = X if callable(X) else (lambda: iter(X))
    first = next(iter(make()), None)
    if not isinstance(first, tuple) or np.ndim(first[0]) != 2:
        raise ValueError("a block source must yield tuples (X, y[, weights[, offset]]) with a "
                         f"2-D X block; its first item is {type(first).__name__}")
    X0 = first[0]
    p = np.shape(X0)[1]
    names = tuple(str(c) for c in X0.columns) if hasattr(X0, "columns") else None

    def blocks() -> _Blocks:
        row0 = 0
        for i, blk in enumerate(make()):
            if not isinstance(blk, tuple) or not 2 <= len(blk) <= 4:
                raise ValueError(f"block {i} must be a tuple (X, y[, weights[, offset]]), "
                                 f"got {type(blk).__name__}")
            Xb, yb, wb, ob = (*blk, None, None)[:4]
            if np.ndim(Xb) != 2 or np.shape(Xb)[1] != p:
                raise ValueError(f"block {i}: X must have shape (rows, {p}), got {np.shape(Xb)}")
            if np.shape(Xb)[0] == 0:
                continue
            try:
                sub = _array_source(Xb, yb, wb, ob, rows)
            except ValueError as e:
                raise ValueError(f"block {i} (rows from {row0}): {e}") from None
            for a, xs, ys, ws, os in sub.blocks():
                yield row0 + a, xs, ys, ws, os
            row0 += np.shape(Xb)[0]

    return _Source(blocks, p, names or tuple(f"x{j}" for j in range(p)))


# ----------------------------------------------------------------------------- one pass
class _Pass:
    """Sums over one read of the data at fixed coefficients (or at R's start values)."""

    def __init__(self, p: int):
        self.G = np.zeros((p, p), order="F")  # upper triangle of X'WX (syrk fills only that)
        self.r = np.zeros(p)  # X'Wz
        self.dev = self.ll = self.null_dev = 0.0
        self.mu: list[np.ndarray] = []
        self.diverging = self.boundary = 0
        # Filled by the start pass only: what the data look like.
        self.n = self.n_ok = 0
        self.sum_w = self.sum_wy = self.ll_const = 0.0
        self.ones = np.ones(p, dtype=bool)
        self.has_offset = False
        self.binary = True  # y only 0 or 1
        self.note: str | None = None


def _check_block(acc: _Pass, fam, row0: int, Xb, yb, wb, ob) -> None:
    """Validate one block on the first read and gather what the null model needs."""
    for what, v in (("y", yb), ("weights", wb), ("offset", ob)):
        if v is not None and not np.isfinite(v).all():
            i = np.flatnonzero(~np.isfinite(v))[0]
            raise ValueError(f"{what} has a non-finite value {v[i]} at row {row0 + i}")
    if wb is not None and (wb < 0).any():
        i = np.flatnonzero(wb < 0)[0]
        raise ValueError(f"weights must be >= 0: row {row0 + i} has weight {wb[i]}")
    wt = 1.0 if wb is None else wb
    acc.note = fam.check(yb, wt, row0) or acc.note
    if acc.ones.any():  # after a block or two only the intercept column is left to check
        j = np.flatnonzero(acc.ones)
        acc.ones[j] = (Xb[:, j] == 1).all(axis=0)
    acc.n += len(yb)
    acc.n_ok += len(yb) if wb is None else int(np.count_nonzero(wb))
    acc.sum_w += len(yb) if wb is None else float(wb.sum())
    acc.sum_wy += float(np.sum(wt * yb))
    binary = bool(np.all((yb == 0) | (yb == 1)))
    acc.binary &= binary
    if not (binary and wb is None):  # log(choose(1, y)) = 0 for 0/1 outcomes
        acc.ll_const += fam.loglik_const(yb, wt)
    acc.has_offset |= ob is not None


def _pass(src: _Source, fam, beta=None, step=None, null=None, binary=False,
          gram=True) -> _Pass:
    """One read of the data: deviance at ``beta`` and the weighted least-squares sums.

    ``beta=None`` is R's start (eta = link(mustart)) and validates the data.
    ``step`` (the last change of beta) lets rows whose fit runs off to 0 or 1 be
    counted; ``null`` (a fitted mean, or "offset") adds the null deviance;
    ``gram=False`` skips the least-squares sums.
    """
    acc, buf = _Pass(src.p), np.empty((0, src.p))
    B = None if beta is None else np.column_stack([beta] if step is None else [beta, step])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for row0, Xb, yb, wb, ob in src.blocks():
            wt = 1.0 if wb is None else wb
            if B is None:
                _check_block(acc, fam, row0, Xb, yb, wb, ob)
                eta = fam.link(fam.start(yb, wt))
            else:
                E = Xb @ B  # columns: eta (less offset) and, after a step, its change
                eta = E[:, 0] if ob is None else E[:, 0] + ob
            mu, mu_eta = fam.inverse(eta)
            dev, ll = fam.terms(yb, mu, wt, binary if B is not None else acc.binary)
            acc.dev, acc.ll = acc.dev + dev, acc.ll + ll
            if not np.isfinite(acc.dev):  # overflow: the caller halves the step, as R does
                return acc
            acc.mu.append(mu)
            acc.boundary += fam.boundary(eta, mu)
            if step is not None and (E[:, 1].max() > 0.5 or E[:, 1].min() < -0.5):
                acc.diverging += fam.diverging(yb, eta, E[:, 1], wt)
            if null is not None:
                mu0 = null
                if null == "offset":
                    mu0 = fam.inverse(np.zeros(1) if ob is None else ob)[0]
                acc.null_dev += fam.deviance(yb, mu0, wt)
            if not gram:
                continue
            # Working weights and response; sqrt(w) X is the only block-sized temporary.
            sw = np.sqrt(fam.weight(mu, mu_eta) if wb is None else wb * fam.weight(mu, mu_eta))
            z = (eta if ob is None else eta - ob) + (yb - mu) / mu_eta
            if len(buf) < len(yb):
                buf = np.empty((len(yb), src.p))
            Xs = np.multiply(Xb, sw[:, None], out=buf[:len(yb)])
            acc.G = dsyrk(1.0, Xs.T, beta=1.0, c=acc.G, overwrite_c=1)
            acc.r += Xs.T @ (sw * z)
    return acc


# ----------------------------------------------------------------------------- linear algebra
def _symmetric(G: np.ndarray) -> np.ndarray:
    return np.triu(G) + np.triu(G, 1).T


def _solve(G: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Solve X'WX beta = X'Wz by Cholesky, scaled to unit diagonal (columns differ in scale)."""
    d = np.sqrt(np.diag(G))
    c = sla.cho_factor(G / np.outer(d, d), lower=False, check_finite=False)
    return sla.cho_solve(c, r / d, check_finite=False) / d


def _inverse(G: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(G))
    try:
        c = sla.cho_factor(G / np.outer(d, d), lower=False, check_finite=False)
        inv = sla.cho_solve(c, np.eye(len(d)), check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        inv = sla.pinvh(_symmetric(G) / np.outer(d, d))
    inv = (inv + inv.T) / 2
    return inv / np.outer(d, d)


def _check_finite(src: _Source, start: _Pass) -> None:
    """A non-finite X shows up in X'WX, which is cheaper to test than X; then find it."""
    if np.isfinite(start.G).all() and np.isfinite(start.r).all():
        return
    for row0, Xb, *_ in src.blocks():
        if not np.isfinite(Xb).all():
            i, j = np.argwhere(~np.isfinite(Xb))[0]
            raise ValueError(f"X has a non-finite value {Xb[i, j]} at row {row0 + i}, "
                             f"column {src.names[j]!r}")
    raise ValueError("X'WX overflowed: X has values too large to square; rescale its columns")


def _check_rank(G: np.ndarray, names: tuple[str, ...]) -> None:
    """ValueError naming every column that is (nearly) a combination of earlier ones.

    Columns are taken in order, as R's QR does: column j is aliased when its
    residual after projecting out the kept earlier columns has a squared
    relative norm below 1e-10 (the normal equations would lose 10 digits).
    """
    d = np.sqrt(np.diag(G))
    C = _symmetric(G) / np.outer(np.where(d > 0, d, 1), np.where(d > 0, d, 1))
    try:  # the usual case, full rank, costs one Cholesky; U_jj^2 is column j's residual
        U = sla.cholesky(C, lower=False, check_finite=False)
        if np.all(d > 0) and np.min(np.diag(U)) ** 2 >= _ALIAS_TOL:
            return
    except np.linalg.LinAlgError:
        pass
    L = np.zeros_like(C)  # Cholesky factor of C over the kept columns, grown a column at a time
    keep: list[int] = []
    problems = []
    for j in range(len(d)):
        if d[j] == 0:
            problems.append(f"column {names[j]!r} is zero in every row with positive weight")
            continue
        ell = sla.solve_triangular(L[np.ix_(keep, keep)], C[keep, j], lower=True) if keep \
            else np.zeros(0)
        res = C[j, j] - ell @ ell
        if res < _ALIAS_TOL:
            a = sla.solve_triangular(L[np.ix_(keep, keep)].T, ell, lower=False) if keep else ell
            on = [names[k] for k, ak in zip(keep, a, strict=True) if abs(ak) > 1e-6 * abs(a).max()]
            problems.append(f"column {names[j]!r} is a linear combination of {on} "
                            f"(relative residual {np.sqrt(max(res, 0)):.1e})")
            continue
        L[j, keep], L[j, j] = ell, np.sqrt(res)
        keep.append(j)
    if problems:
        raise ValueError("X is rank deficient: " + "; ".join(problems)
                         + ". Drop or combine these columns.")


# ----------------------------------------------------------------------------- the iteration
@dataclass
class _Fit:
    beta: np.ndarray
    last: _Pass  # the pass at beta: deviance and fitted values there
    gram: np.ndarray  # the X'WX that gave beta: its inverse is cov, as in R and statsmodels
    start: _Pass  # the first pass: what the data look like
    history: list[float]
    converged: bool
    message: str
    step: np.ndarray | None = None  # the last change of beta


def _iterate(src: _Source, fam, tol: float, max_iter: int, null=None) -> _Fit:
    """R's glm.fit loop; every iteration is one pass over the data.

    When Newton's own forecast of the deviance decrease, ``step' X'WX step``, is
    below the tolerance, the pass at the new coefficients skips X'WX: R's test
    will stop there (near the optimum the forecast is right to a few digits), and
    R's covariance uses the previous X'WX anyway. A wrong forecast costs one
    more pass, never a different answer.
    """
    start = _pass(src, fam)
    _check_finite(src, start)
    _check_rank(start.G, src.names)
    if null == "auto":  # R's null model when it needs no fit of its own
        null = start.sum_wy / start.sum_w if start.ones.any() else "offset"
    gram, old, step = start.G, None, None
    beta = _solve(gram, start.r)
    devold, history = start.dev, []
    for it in range(1, max_iter + 1):
        extra = null if it == 1 else None
        light = step is not None and \
            _symmetric(gram) @ step @ step < tol * (abs(devold) + 0.1)
        acc = _pass(src, fam, beta, step, extra, start.binary, gram=not light)
        halvings = 0
        while not np.isfinite(acc.dev):  # R halves the step back towards the last good beta
            if old is None:
                raise ValueError("the deviance is infinite after the first IRLS step (R: 'no "
                                 "valid set of coefficients has been found'): the fitted means "
                                 "overflow; check the scale of X's columns and of y")
            if halvings == max_iter:
                raise ValueError(f"the deviance stays infinite at IRLS iteration {it} after "
                                 f"{halvings} step halvings; check the scale of X and y")
            if halvings == 0:
                warnings.warn(f"IRLS step size truncated due to divergence at iteration {it}",
                              UserWarning, stacklevel=3)
            beta, halvings = (beta + old) / 2, halvings + 1
            step = beta - old
            acc = _pass(src, fam, beta, step, extra, start.binary)
        if it == 1:
            start.null_dev = acc.null_dev
        history.append(acc.dev)
        if abs(acc.dev - devold) / (abs(acc.dev) + 0.1) < tol:
            return _Fit(beta, acc, gram, start, history, True, f"converged in {it} iterations",
                        step)
        if it == max_iter:
            break
        if light:  # the forecast was wrong: read the data again for X'WX
            acc = _pass(src, fam, beta, step, None, start.binary)
        try:
            new = _solve(acc.G, acc.r)
        except np.linalg.LinAlgError:
            return _Fit(beta, acc, gram, start, history, False,
                        f"X'WX became singular at iteration {it} (weights underflowed)", step)
        old, step, beta, devold, gram = beta, new - beta, new, acc.dev, acc.G
    return _Fit(beta, acc, gram, start, history, False, f"no convergence in {max_iter} iterations",
                step)


def _null_deviance(src: _Source, fam, fit: _Fit, tol: float, max_iter: int) -> float:
    """R's glm(): with an offset and an intercept the null model is fitted by IRLS too."""
    if not (fit.start.has_offset and fit.start.ones.any()):
        return fit.start.null_dev

    def ones() -> _Blocks:
        for row0, _, yb, wb, ob in src.blocks():
            yield row0, np.ones((len(yb), 1)), yb, wb, ob

    return _iterate(_Source(ones, 1, ("(Intercept)",)), fam, tol, max_iter).last.dev


def _report(fam, fit: _Fit, names: tuple[str, ...]) -> tuple[bool, str]:
    """Warn about separation, non-convergence or fitted values on the boundary."""
    converged, message = fit.converged, fit.message
    if fit.last.diverging and converged:  # early Newton steps move rows far: no evidence
        # Rank the coefficients by how much their last change moved the linear predictor.
        push = np.abs(fit.step) * np.sqrt(np.diag(fit.start.G))
        moving = ", ".join(repr(names[j]) for j in np.argsort(-push)
                           if push[j] >= 0.01 * push.max())
        message = (f"the data are (quasi-)separated: {fit.last.diverging} rows are fitted "
                   f"almost perfectly and their linear predictor still grows at every step, so "
                   f"the MLE does not exist and the coefficients of {moving} diverge (stopped "
                   f"after {len(fit.history)} iterations, when R's deviance test was met)")
        warnings.warn(message, SeparationWarning, stacklevel=3)
        return False, message
    if not converged:
        warnings.warn(f"IRLS did not converge: {message}", UserWarning, stacklevel=3)
    if fit.last.boundary:
        what = "probabilities numerically 0 or 1" if fam.name == "binomial" \
            else "rates numerically 0"
        warnings.warn(f"fitted {what} occurred ({fit.last.boundary} rows)", UserWarning,
                      stacklevel=3)
    return converged, message


# ----------------------------------------------------------------------------- public API
def irls(X: Any, y: ArrayLike | None = None, family: str = "binomial", *,
         weights: ArrayLike | None = None, offset: ArrayLike | None = None,
         tol: float = 1e-10, max_iter: int = 100, block_rows: int | None = None) -> GLMResult:
    """Fit a binomial (logit) or Poisson (log) GLM by IRLS, as R's ``glm()``.

    Parameters
    ----------
    X : array_like (n, p), DataFrame, memmap, or a source of row blocks
        The design matrix, intercept column included. DataFrame column names
        become ``names``. A ``np.memmap`` is read block by block. For data that
        never fits in memory, pass ``y=None`` and either a list of tuples
        ``(X_b, y_b[, weights_b[, offset_b]])`` or a function returning a new
        iterator of such tuples (IRLS reads the data once per iteration).
    y : array_like (n,)
        Binomial: 0/1 outcomes or proportions (with ``weights`` = trials).
        Poisson: counts.
    family : {"binomial", "poisson"}
    weights, offset : array_like (n,), optional
        Prior weights and a known part of the linear predictor.
    tol : float
        R's test ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's default is 1e-8).
    max_iter : int
        At most this many iterations (R's ``maxit``).
    block_rows : int, optional
        Rows per block (default: about 2 MB of X).

    Returns
    -------
    GLMResult

    Raises
    ------
    ValueError
        Bad y for the family, non-finite values, mismatched shapes, negative
        weights, or a rank-deficient X (the message names the rows or columns).

    Warns
    -----
    SeparationWarning
        The data are (quasi-)separated: the estimate does not exist, the result
        has ``converged=False`` (R reports convergence with huge coefficients).
    UserWarning
        As R's glm: no convergence in ``max_iter`` iterations, fitted values
        numerically 0 or 1, non-integer successes or counts (a Poisson fit then
        has ``loglik = aic = nan``), or a step halved because it overflowed.

    Examples
    --------
    >>> x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    >>> fit = irls(np.column_stack([np.ones(8), x]), [0, 0, 1, 0, 1, 0, 1, 1])
    >>> np.round(fit.coef, 6).tolist(), fit.nit, round(fit.deviance, 6)
    ([-2.67338, 0.594084], 4, 8.449581)

    The same fit from row blocks, as data too large for memory would arrive:

    >>> X, y = np.column_stack([np.ones(8), x]), np.array([0, 0, 1, 0, 1, 0, 1, 1.0])
    >>> np.round(irls([(X[:3], y[:3]), (X[3:], y[3:])]).coef, 6).tolist()
    [-2.67338, 0.594084]

    Poisson counts:

    >>> counts = [2, 3, 6, 7, 8, 9, 10, 12, 15]
    >>> t = np.arange(1.0, 10)
    >>> np.round(irls(np.column_stack([np.ones(9), t]), counts, "poisson").coef, 6).tolist()
    [0.981845, 0.194838]
    """
    fam = _FAMILIES.get(family)
    if fam is None:
        raise ValueError(f"family must be one of {sorted(_FAMILIES)}, got {family!r}")
    tolerance(tol)
    count("max_iter", max_iter)
    if block_rows is not None:
        count("block_rows", block_rows)
    if y is None and not isinstance(X, np.ndarray) and not hasattr(X, "columns"):
        if weights is not None or offset is not None:
            raise ValueError("with a block source, weights and offset go inside the blocks")
        src = _block_source(X, block_rows)
    else:
        src = _array_source(X, y, weights, offset, block_rows)
    fit = _iterate(src, fam, float(tol), int(max_iter), null="auto")
    if fit.start.note:
        warnings.warn(fit.start.note, UserWarning, stacklevel=2)
    converged, message = _report(fam, fit, src.names)
    return _result(fam, fit, src.names, _null_deviance(src, fam, fit, tol, max_iter),
                   converged, message)


def _result(fam, fit: _Fit, names, null_dev: float, converged: bool, message: str) -> GLMResult:
    p, s = len(names), fit.start
    cov = _inverse(fit.gram)
    loglik = s.ll_const + fit.last.ll if fam.name == "binomial" or s.note is None else np.nan
    return GLMResult(
        coef=fit.beta, se=np.sqrt(np.diag(cov)), cov=cov, deviance=fit.last.dev,
        null_deviance=null_dev, loglik=loglik, aic=-2 * loglik + 2 * p, nit=len(fit.history),
        converged=converged, fitted=np.concatenate(fit.last.mu), history=np.array(fit.history),
        names=tuple(names), family=fam.name, df_resid=s.n_ok - p,
        df_null=s.n_ok - int(s.ones.any()), message=message)


def logistic_irls(X: Any, y: ArrayLike | None = None, **kw: Any) -> GLMResult:
    """Logistic regression: :func:`irls` with ``family="binomial"``.

    Examples
    --------
    >>> X = np.column_stack([np.ones(8), np.arange(1.0, 9)])
    >>> fit = logistic_irls(X, [0, 0, 1, 0, 1, 0, 1, 1])
    >>> print(fit.summary().round(4).to_string())
        Estimate  Std. Error  z value  Pr(>|z|)
    x0   -2.6734      2.1207  -1.2606    0.2075
    x1    0.5941      0.4322   1.3744    0.1693
    """
    return irls(X, y, "binomial", **kw)

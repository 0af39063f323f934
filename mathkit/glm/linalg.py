"""The least-squares step: by the normal equations X'WX beta = X'Wz, or by QR.

The normal equations (one Cholesky of a p x p matrix summed block by block)
are fast and lose no accuracy that matters while X's columns are far from
aliased. When a column is close to a combination of the others, they would
lose too many digits, and the fit switches to a QR factor of sqrt(W) X,
combined block by block (TSQR), as R's glm.fit solves every step. R's QR
(LINPACK dqrdc2) treats a column as aliased when its residual, after
projecting out the earlier kept columns, is below ``tol`` (R: min(1e-7,
epsilon / 1000)) times its norm; :func:`_check_rank_qr` applies that rule and
names such columns, where R would report NA coefficients.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

_NEAR_TOL = 1e-8  # squared relative residual below which the normal equations give way to QR


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


def _needs_qr(G: np.ndarray) -> bool:
    """A column nearly aliased (relative residual below 1e-4) or zero: QR must decide."""
    d = np.sqrt(np.diag(G))
    if not np.all(d > 0):
        return True
    try:  # U_jj^2 is column j's squared relative residual after the earlier columns
        U = sla.cholesky(_symmetric(G) / np.outer(d, d), lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        return True
    return bool(np.min(np.diag(U)) ** 2 < _NEAR_TOL)


def _solve_qr(R: np.ndarray) -> np.ndarray:
    """Coefficients from the QR factor of [sqrt(W) X | sqrt(W) z]."""
    p = R.shape[1] - 1
    return sla.solve_triangular(R[:p, :p], R[:p, p], lower=False, check_finite=False)


def _inverse_qr(R: np.ndarray) -> np.ndarray:
    """(X'WX)^-1 = R^-1 R^-T from the QR factor, without forming X'WX (as R's chol2inv)."""
    p = R.shape[1] - 1
    Ri = sla.solve_triangular(R[:p, :p], np.eye(p), lower=False, check_finite=False)
    return Ri @ Ri.T


def _check_rank_qr(R: np.ndarray, names: tuple[str, ...], tol: float) -> None:
    """ValueError naming every column aliased by R's rule, given the QR factor."""
    Rx = R[:-1, :-1]
    keep: list[int] = []
    problems = []
    for j in range(Rx.shape[1]):
        norm = np.linalg.norm(Rx[:, j])
        if norm == 0:
            problems.append(f"column {names[j]!r} is zero in every row with positive weight")
            continue
        res = abs(np.linalg.qr(Rx[:, keep + [j]], mode="r")[-1, -1]) if keep else norm
        if res < tol * norm:
            a = np.linalg.lstsq(Rx[:, keep], Rx[:, j], rcond=None)[0]
            on = [names[k] for k, ak in zip(keep, a, strict=True) if abs(ak) > 1e-6 * abs(a).max()]
            problems.append(f"column {names[j]!r} is a linear combination of {on} "
                            f"(relative residual below R's tolerance {tol:.0e})")
            continue
        keep.append(j)
    if problems:
        raise ValueError("X is rank deficient: " + "; ".join(problems)
                         + ". Drop or combine these columns.")

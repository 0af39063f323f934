"""The normal equations X'WX beta = X'Wz: solve, invert, check the rank."""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

_ALIAS_TOL = 1e-10  # squared relative residual of a column below which it counts as aliased


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

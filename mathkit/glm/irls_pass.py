"""One IRLS pass: a read of the data at fixed coefficients, summed over blocks."""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import dsyrk

from .sources import _Source


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

"""One IRLS pass as map and combine: per-block partial sums, and how two of them add.

:func:`block_sums` reads one block of rows at fixed coefficients (or at R's
start values) and returns a :class:`Sums` holding only ``O(p**2)`` numbers: the
upper triangle of X'WX, X'Wz, the deviance and log-likelihood, counts and
flags, and the first bad row (by global row number) if the block has one.
:func:`combine` adds two of them. A pass is ``source.map_reduce(partial(
block_sums, spec=spec), combine)`` (see :mod:`mathkit.glm.sources`); no per-row
array outlives a block. Fitted values come from a separate :func:`block_fitted`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from scipy.linalg.blas import dsyrk

from .sources import Block


@dataclass(frozen=True, eq=False)
class PassSpec:
    """What a pass computes: at ``beta`` (None: R's start), with or without X'WX."""

    fam: Any
    beta: np.ndarray | None = None
    step: np.ndarray | None = None  # the last change of beta: rows running off are counted
    null: float | str | None = None  # a null fitted mean, or "offset": add the null deviance
    binary: bool = False  # y only 0 or 1 (the start pass finds out)
    gram: bool = True  # accumulate X'WX and X'Wz
    intercept_only: bool = False  # X replaced by a column of ones (R's null model)
    mustart_beta: np.ndarray | None = None  # start from the means X beta gives (R's null fit)
    observed: bool = False  # X'WX with the observed-information weights (Newton's Hessian)
    qr: bool = False  # a QR factor of [sqrt(W) X | sqrt(W) z] instead of X'WX and X'Wz


@dataclass(eq=False, slots=True)  # slots, not frozen: built once per block, kept cheap
class Sums:
    """Partial sums of one or more blocks; all fields add (or and/or/min/max) under combine."""

    G: np.ndarray | None  # upper triangle of X'WX (syrk fills only that)
    r: np.ndarray | None  # X'Wz
    R: np.ndarray | None = None  # or, in QR mode, the (p+1)-square R of [sqrt(W) X | sqrt(W) z]
    dev: float = 0.0
    ll: float = 0.0
    null_dev: float = 0.0
    boundary: int = 0  # fitted values numerically at the boundary (R's warning)
    diverging: int = 0  # rows fitted almost perfectly whose eta still runs away
    invalid: int = 0  # rows whose eta or mu is outside the link's valid range
    error: tuple[int, str, int | None] | None = None  # (global row, message, column of X)
    note: tuple[int, str] | None = None  # (global row, warning text): R's data warnings
    # Facts about the data, gathered by the start pass only.
    n: int = 0
    n_ok: int = 0  # rows with positive weight
    sum_w: float = 0.0
    sum_wy: float = 0.0
    ll_const: float = 0.0  # the part of the log-likelihood that does not depend on mu
    ones: np.ndarray | None = None  # columns equal to 1 in every row (an intercept)
    has_offset: bool = False
    binary: bool = True


def _first(a, b):
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


def combine(a: Sums, b: Sums) -> Sums:
    """The sums of two disjoint sets of rows; associative, a new object."""
    both = a.ones is not None and b.ones is not None
    return Sums(
        G=None if a.G is None or b.G is None else a.G + b.G,
        r=None if a.r is None or b.r is None else a.r + b.r,
        R=None if a.R is None or b.R is None else _stack_qr(a.R, b.R),
        dev=a.dev + b.dev, ll=a.ll + b.ll, null_dev=a.null_dev + b.null_dev,
        boundary=a.boundary + b.boundary, diverging=a.diverging + b.diverging,
        invalid=a.invalid + b.invalid, error=_first(a.error, b.error),
        note=_first(a.note, b.note), n=a.n + b.n, n_ok=a.n_ok + b.n_ok,
        sum_w=a.sum_w + b.sum_w, sum_wy=a.sum_wy + b.sum_wy, ll_const=a.ll_const + b.ll_const,
        ones=(a.ones & b.ones) if both else None,
        has_offset=a.has_offset or b.has_offset, binary=a.binary and b.binary)


def _stack_qr(Ra: np.ndarray, Rb: np.ndarray) -> np.ndarray:
    """The R factor of two stacked blocks from theirs (TSQR): square, (p+1) x (p+1)."""
    return np.linalg.qr(np.vstack([Ra, Rb]), mode="r")


def _qr_factor(A: np.ndarray) -> np.ndarray:
    R = np.linalg.qr(A, mode="r")
    if R.shape[0] < A.shape[1]:  # fewer rows than columns: pad to square
        R = np.vstack([R, np.zeros((A.shape[1] - R.shape[0], A.shape[1]))])
    return R


_local = threading.local()


def _scratch(shape: tuple[int, int]) -> np.ndarray:
    """A C-ordered work array for sqrt(W) X, reused by the blocks a thread reads.

    A fresh block-sized array per block would be mapped and page-faulted anew
    each time (about 2 MB, above malloc's mmap threshold), which costs as much
    as a sizeable part of the block's syrk.
    """
    buf = getattr(_local, "buf", None)
    if buf is None or buf.size < shape[0] * shape[1]:
        buf = _local.buf = np.empty(shape[0] * shape[1])
    return buf[:shape[0] * shape[1]].reshape(shape)


def _bad_value(row0: int, Xb, yb, wb, ob) -> tuple[int, str, None] | None:
    """The first non-finite or negative-weight entry of a block, by global row."""
    for what, v in (("weights", wb), ("y", yb), ("offset", ob)):
        if v is not None and not np.isfinite(v).all():
            i = np.flatnonzero(~np.isfinite(v))[0]
            return row0 + i, f"{what} has a non-finite value {float(v[i])} at row {row0 + i}", None
        if what == "weights" and v is not None and (v < 0).any():
            i = np.flatnonzero(v < 0)[0]
            return row0 + i, f"weights must be >= 0: row {row0 + i} has weight {float(v[i])}", None
    return None


def _ones(Xb: np.ndarray) -> np.ndarray:
    """Columns equal to 1 in every row; only those 1 in the first row are read in full."""
    ones = Xb[0] == 1
    j = np.flatnonzero(ones)
    if j.size:
        ones[j] = (Xb[:, j] == 1).all(axis=0)
    return ones


def _facts(fam, row0: int, Xb, yb, wb, ob) -> dict:
    """What the start pass learns about a block: counts, the intercept, R's data checks."""
    wt = 1.0 if wb is None else wb
    binary = bool(np.all((yb == 0) | (yb == 1)))
    note = fam.check(yb, wt, row0)
    return dict(
        n=len(yb), n_ok=len(yb) if wb is None else int(np.count_nonzero(wb)),
        sum_w=len(yb) if wb is None else float(wb.sum()), sum_wy=float(np.sum(wt * yb)),
        # log(choose(1, y)) = 0 for 0/1 outcomes
        ll_const=0.0 if binary and wb is None else fam.loglik_const(yb, wt),
        ones=_ones(Xb),
        has_offset=ob is not None, binary=binary, note=note)


def block_sums(block: Block, spec: PassSpec) -> Sums:
    """The partial sums of one block of rows (pure: reads the block, keeps nothing)."""
    fam = spec.fam
    row0, Xb, yb, wb, ob = block
    X_full = Xb
    if spec.intercept_only:
        Xb = np.ones((len(yb), 1))
    start = spec.beta is None
    bad = _bad_value(row0, Xb, yb, wb, ob) if start else None
    if bad is not None:
        return Sums(None, None, error=bad)
    yb = fam.prepare(yb, wb)
    try:
        facts = _facts(fam, row0, Xb, yb, wb, ob) if start else {}
    except ValueError as e:  # a y the family refuses: a row-numbered message
        return Sums(None, None, error=(e.args[1], e.args[0], None))
    wt = 1.0 if wb is None else wb
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if start and spec.mustart_beta is not None:
            e = X_full @ spec.mustart_beta
            eta = fam.link(fam.inverse(e if ob is None else e + ob)[0])
        elif start:
            eta = fam.link(fam.start(yb, wt))
        else:
            B = spec.beta if spec.step is None else np.column_stack([spec.beta, spec.step])
            E = Xb @ B  # columns: eta (less offset) and, after a step, its change
            eta = E if spec.step is None else E[:, 0]
            if ob is not None:
                eta = eta + ob
        mu, mu_eta = fam.inverse(eta)
        dev, ll = fam.terms(yb, mu, wt, spec.binary if not start else facts["binary"])
        out = dict(dev=dev, ll=ll, invalid=fam.invalid(eta, mu), **facts)
        if not np.isfinite(dev):  # the caller halves the step, as R does
            return Sums(None, None, **out)
        out["boundary"] = fam.boundary(eta, mu)
        if spec.step is not None and (E[:, 1].max() > 0.5 or E[:, 1].min() < -0.5):
            out["diverging"] = fam.diverging(yb, eta, E[:, 1], wt)
        if spec.null is not None:
            mu0 = spec.null
            if spec.null == "offset":
                mu0 = fam.inverse(np.zeros(1) if ob is None else ob)[0]
            out["null_dev"] = fam.deviance(yb, mu0, wt)
        if not spec.gram:
            return Sums(None, None, **out)
        if spec.observed:  # weights may be negative here: no square roots
            w = fam.observed_weight(yb, eta, mu, mu_eta)
            return Sums(np.asfortranarray(Xb.T @ (Xb * (w if wb is None else wb * w)[:, None])),
                        None, **out)
        # Working weights and response; sqrt(w) X is the only block-sized temporary.
        w = fam.weight(mu, mu_eta)
        sw = np.sqrt(w if wb is None else wb * w)
        z = (eta if ob is None else eta - ob) + (yb - mu) / mu_eta
        swz = sw * z
        if wb is not None:  # rows of weight 0 count for nothing, even where z is not finite
            swz[wb == 0] = 0.0
        Xs = np.multiply(Xb, sw[:, None], out=_scratch(Xb.shape))  # C order: syrk reads Xs.T
        if spec.qr:
            return Sums(None, None, R=_qr_factor(np.column_stack([Xs, swz])), **out)
        G = dsyrk(1.0, Xs.T, trans=0, lower=0)
        r = Xs.T @ swz
    if start and not (np.isfinite(G).all() and np.isfinite(r).all()):
        out["error"] = _overflow(row0, Xb, yb, w)
    return Sums(np.asfortranarray(G), r, **out)


def _overflow(row0: int, Xb, yb, w) -> tuple[int, str, int | None]:
    """Why X'WX is not finite: a bad entry of X, or working weights too large."""
    if not np.isfinite(Xb).all():
        i, j = np.argwhere(~np.isfinite(Xb))[0]
        return row0 + i, f"X has a non-finite value {float(Xb[i, j])} at row {row0 + i}", int(j)
    i = int(np.argmax(np.where(np.isfinite(w), w, np.inf)))
    return row0 + i, (f"the working weights overflow (y = {float(yb[i])!r} at row {row0 + i} "
                      f"gives weight {float(w[i]):.3g}), so X'WX is not finite; X has no "
                      "non-finite values: rescale y or the columns of X"), None


def block_fitted(block: Block, fam: Any, beta: np.ndarray, intercept_only=False) -> np.ndarray:
    """Fitted means of one block of rows at ``beta``."""
    _, Xb, yb, _, ob = block
    eta = np.full(len(yb), beta[0]) if intercept_only else Xb @ beta
    with np.errstate(over="ignore"):
        return np.asarray(fam.inverse(eta if ob is None else eta + ob)[0], dtype=float)


def run_pass(src: Any, spec: PassSpec) -> Sums:
    """One read of the data; a ValueError names the first bad row."""
    sums = src.map_reduce(partial(block_sums, spec=spec), combine)
    if sums is None:
        raise ValueError("X has no rows")
    if sums.error is not None:
        _, message, j = sums.error
        raise ValueError(message if j is None else f"{message}, column {src.names[j]!r}")
    return sums

"""Data sources: where the rows of X, y, weights and offset come from.

A source is re-iterable: every IRLS iteration calls ``blocks()`` for a new pass
over the data, which yields ``(first row, X block, y block, weights block or
None, offset block or None)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

_BLOCK_BYTES = 2 * 2**20  # ~2 MB of rows per block keeps syrk fast and the temporaries small

# A source yields (first row, X block, y block, weights block or None, offset block or None).
_Blocks = Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]


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

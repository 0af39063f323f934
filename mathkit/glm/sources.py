"""Data sources: where the rows of X, y, weights and offset come from.

The interface
-------------
IRLS never holds the data; it asks a *source* for sums over its rows. A source
is any object with

``p: int``
    The number of columns of X.
``names: tuple[str, ...]``
    The column names (``p`` of them).
``map_reduce(fn, combine)``
    Apply ``fn`` to every block of rows and fold the results with ``combine``;
    return the folded value, or ``None`` when the source has no rows. ``fn``
    takes a :class:`Block` and returns a small value (``O(p**2)`` numbers);
    ``combine(a, b)`` is associative and commutative up to floating-point
    rounding, returns a new value and never modifies ``a`` or ``b``. The
    in-memory sources below fold left to right in one loop; a parallel source
    may combine in any tree, e.g. Dask's ``reduction``. ``fn`` and ``combine``
    are module-level functions (or ``functools.partial`` of them) over numpy
    arrays and small frozen objects, so they pickle.
``map_rows(fn)``
    Apply ``fn`` (Block -> 1-D array with one value per row of the block) to
    every block and return the values of all rows in row order (in-memory
    sources: a numpy array; a Dask source may return a Dask array).

A :class:`Block` is ``(row0, X, y, weights, offset)``: ``row0`` is the global
index of the block's first row (errors name global rows), X a 2-D float64
array of shape (rows, p), y a float64 vector, weights and offset float64
vectors or ``None``. The source guarantees these shapes and dtypes; the values
(finite, in range) are checked by ``fn``, which reports the first bad row as
data rather than raising, so that the error does not depend on which block a
parallel source happens to finish first.

:func:`make_source` turns what the user passed to ``irls`` into a source. A Dask
array or DataFrame goes to ``mathkit.glm.dask.dask_source(X, y, weights,
offset, block_rows)``, imported only then, so mathkit never imports Dask itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike

_BLOCK_BYTES = 2 * 2**20  # ~2 MB of rows per block keeps syrk fast and the temporaries small
T = TypeVar("T")


class Block(NamedTuple):
    """Consecutive rows of the data, with the global index of the first one."""

    row0: int
    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    offset: np.ndarray | None


@dataclass(frozen=True)
class _Source:
    """Re-iterable row blocks in memory or on disk: each pass calls ``blocks()`` anew."""

    blocks: Callable[[], Iterator[Block]]
    p: int
    names: tuple[str, ...]

    def map_reduce(self, fn: Callable[[Block], T], combine: Callable[[T, T], T]) -> T | None:
        acc = None
        for b in self.blocks():
            part = fn(b)
            acc = part if acc is None else combine(acc, part)
        return acc

    def map_rows(self, fn: Callable[[Block], np.ndarray]) -> np.ndarray:
        return np.concatenate([fn(b) for b in self.blocks()])


def _is_dask(v: Any) -> bool:
    return type(v).__module__.split(".")[0] in {"dask", "dask_expr"}


def make_source(X: Any, y: ArrayLike | None, weights: ArrayLike | None,
                offset: ArrayLike | None, block_rows: int | None) -> Any:
    """The source for irls' arguments: Dask, an array/DataFrame/memmap, or blocks."""
    if any(_is_dask(v) for v in (X, y, weights, offset)):
        from .dask import dask_source

        return dask_source(X, y, weights, offset, block_rows)
    if isinstance(X, Iterator) and y is not None:
        raise ValueError(
            f"X is a one-shot iterator ({type(X).__name__}) of rows, which IRLS cannot read "
            "once per iteration. irls accepts an (n, p) array, DataFrame or np.memmap with y; "
            "or, with y=None, a list of blocks (X_b, y_b[, weights_b[, offset_b]]) or a "
            "function returning a new iterator of such blocks")
    if y is None and not isinstance(X, np.ndarray) and not hasattr(X, "columns"):
        if weights is not None or offset is not None:
            raise ValueError("with a block source, weights and offset go inside the blocks")
        return _block_source(X, block_rows)
    return _array_source(X, y, weights, offset, block_rows)


def _column(v: ArrayLike | None, n: int, what: str) -> np.ndarray | None:
    if v is None:
        return None
    a = v if isinstance(v, np.ndarray) and v.dtype == np.float64 else np.asarray(v, dtype=float)
    if a.shape != (n,):
        raise ValueError(f"{what} must have shape ({n},) to match the {n} rows of X, "
                         f"got shape {a.shape}")
    return a


def _frame_to_array(X: Any) -> np.ndarray:
    """A DataFrame's values as floats, or a ValueError naming the first non-numeric column."""
    for name, dtype in X.dtypes.items():
        if getattr(dtype, "kind", "O") not in "biuf":
            col = X[name]
            example = next((v for v in col if isinstance(v, str)), col.iloc[0] if len(col) else "")
            raise ValueError(
                f"X column {str(name)!r} is not numeric (dtype {dtype}, values such as "
                f"{example!r}): irls needs a numeric design matrix; encode the column first, "
                "e.g. with pandas.get_dummies(X, columns=[...], drop_first=True, dtype=float)")
    return X.to_numpy(dtype=float)


def _array_source(X: Any, y: ArrayLike, weights, offset, rows: int | None) -> _Source:
    """An (n, p) array, memmap or DataFrame, read ``rows`` rows at a time (slices, no copies)."""
    names = tuple(str(c) for c in X.columns) if hasattr(X, "columns") else None
    if names is not None:
        X = _frame_to_array(X)
    elif not isinstance(X, np.ndarray):
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as e:
            raise ValueError(f"X must be a numeric (n, p) array, DataFrame or np.memmap "
                             f"(or a block source with y=None); converting the "
                             f"{type(X).__name__} given failed: {e}") from None
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"X must be a 2-D (n, p) array with n, p >= 1, got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}")
    if y is None:
        raise ValueError("y is required when X is an array (only a block source carries its own y)")
    n, p = X.shape
    y, wt, off = (_column(v, n, k) for k, v in (("y", y), ("weights", weights), ("offset", offset)))
    rows = rows or max(1, _BLOCK_BYTES // (8 * p))

    def blocks() -> Iterator[Block]:
        for a in range(0, n, rows):
            s = slice(a, min(n, a + rows))
            yield Block(a, np.asarray(X[s], dtype=float), y[s],
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

    def blocks() -> Iterator[Block]:
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
            for b in sub.blocks():
                yield b._replace(row0=row0 + b.row0)
            row0 += np.shape(Xb)[0]

    return _Source(blocks, p, names or tuple(f"x{j}" for j in range(p)))

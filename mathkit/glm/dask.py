"""Dask arrays and DataFrames as an IRLS data source: one Dask computation per pass.

Every quantity an IRLS iteration needs is a sum over rows (X'WX, X'Wz, the
deviance, counts), so a pass maps each chunk of rows to its partial sums and adds
the partial sums up. :class:`DaskSource` does exactly that as one Dask graph per
pass: a task per row chunk runs the pass's block function on the chunk (in
blocks of about 2 MB, as the in-memory source does) and folds the results; a
tree of ``combine`` tasks, ``SPLIT_EVERY`` partial results at a time, adds the
chunks up; ``dask.compute`` runs the graph on whatever scheduler is active (the
threaded one, or a ``dask.distributed`` Client when one exists) and returns one
small object to the caller. Only the pass's O(p**2) sums travel between
processes; each chunk of X is read where it lives and dropped after its task.

This module is imported only when ``irls`` is given a Dask object; ``mathkit``
itself never imports Dask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import dask
import dask.array as da
import numpy as np
from dask.delayed import Delayed, delayed

from .sources import _BLOCK_BYTES, Block, _column, make_source

__all__ = ["DaskSource", "dask_source"]

T = TypeVar("T")
SPLIT_EVERY = 8  # partial results added per combine task: a tree of depth log_8(chunks)


def _is_dask(v: Any) -> bool:
    return dask.is_dask_collection(v)


def _chunks_text(chunks: Sequence[float]) -> str:
    shown = ", ".join(str(c) for c in chunks[:4])
    return f"({shown}{', ...' if len(chunks) > 4 else ''}; {len(chunks)} chunks)"


def _as_array(v: Any, what: str) -> Any:
    """A Dask Series or DataFrame column as a Dask array with known chunk lengths."""
    if hasattr(v, "to_dask_array"):
        if getattr(v, "ndim", 1) != 1:
            raise ValueError(f"{what} must be one column, got a Dask DataFrame "
                             f"with columns {list(v.columns)}")
        return v.to_dask_array(lengths=True)
    return v


def _design(X: Any) -> tuple[Any, tuple[str, ...] | None]:
    """X as a Dask array chunked by rows only (one chunk across the columns), and its names."""
    names = None
    if hasattr(X, "columns"):  # a Dask DataFrame: numeric columns, names kept
        for name, dtype in X.dtypes.items():
            if getattr(dtype, "kind", "O") not in "biuf":
                raise ValueError(f"X column {str(name)!r} is not numeric (dtype {dtype}): irls "
                                 "needs a numeric design matrix; encode the column first")
        names = tuple(str(c) for c in X.columns)
        X = X.to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        raise ValueError(f"X must be a Dask array or DataFrame here, got {type(X).__name__}")
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"X must be a 2-D (n, p) array with n, p >= 1, got shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes (rows per chunk), as after boolean "
                         "indexing: call X.compute_chunk_sizes() first, so that every chunk "
                         "knows its global rows")
    if len(X.chunks[1]) > 1:  # columns split across chunks: join them, keeping the row chunks
        X = X.rechunk({1: -1})
    return X, names


def _vector(v: Any, X: Any, what: str) -> Any:
    """y, weights or offset as a Dask vector chunked exactly as X's rows, or None."""
    if v is None:
        return None
    n, rows = X.shape[0], X.chunks[0]
    if not _is_dask(v):  # in memory: sent to the workers once, not with every pass
        a = da.from_array(_column(v, n, what), chunks=(rows,))
        return a.persist()
    v = _as_array(v, what)
    if any(np.isnan(c) for c in v.chunks[0]):
        raise ValueError(f"{what} has unknown chunk sizes: call {what}.compute_chunk_sizes()")
    if v.shape != (n,):
        raise ValueError(f"{what} must have shape ({n},) to match the {n} rows of X, "
                         f"got shape {v.shape}")
    if v.chunks[0] != rows:
        raise ValueError(f"{what} is chunked {_chunks_text(v.chunks[0])} but X's rows are "
                         f"chunked {_chunks_text(rows)}; every chunk of rows must hold the "
                         f"same rows of X and {what}: rechunk with "
                         f"{what}.rechunk({{0: X.chunks[0]}})")
    return v


# ----------------------------------------------------------------------------- the tasks
def _fold(combine: Callable[[T, T], T], *parts: T | None) -> T | None:
    """Left fold of ``combine`` over the parts that are not None."""
    acc = None
    for part in parts:
        if part is not None:
            acc = part if acc is None else combine(acc, part)
    return acc


def _blocks(row0: int, rows: int, X, y, w, o):
    """A chunk as Blocks of ``rows`` rows, numbered by global row, float64 throughout."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = None if w is None else np.asarray(w, dtype=float)
    o = None if o is None else np.asarray(o, dtype=float)
    for a in range(0, len(y), rows):
        s = slice(a, a + rows)
        yield Block(row0 + a, X[s], y[s], None if w is None else w[s], None if o is None else o[s])


def _chunk_reduce(fn, combine, row0: int, rows: int, X, y, w, o):
    """One task: the block function over one chunk of rows, folded left to right."""
    return _fold(combine, *(fn(b) for b in _blocks(row0, rows, X, y, w, o)))


def _chunk_rows(fn, row0: int, rows: int, X, y, w, o) -> np.ndarray:
    return np.concatenate([fn(b) for b in _blocks(row0, rows, X, y, w, o)])


# ----------------------------------------------------------------------------- the source
class DaskSource:
    """Row chunks of Dask arrays; a pass is one Dask computation (see the module docstring).

    Attributes
    ----------
    p : int
        Columns of X.
    names : tuple of str
        Column names (a Dask DataFrame's columns, else ``x0, x1, ...``).
    n : int
        Rows of X.
    row0 : list of int
        The global index of the first row of each row chunk.
    """

    def __init__(self, X, y, weights, offset, block_rows: int | None, names=None):
        self.n, self.p = (int(s) for s in X.shape)
        self.names = names or tuple(f"x{j}" for j in range(self.p))
        self.rows = block_rows or max(1, _BLOCK_BYTES // (8 * self.p))
        lengths = [int(c) for c in X.chunks[0]]
        self.row0 = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
        self.lengths = lengths
        self._X, self._y, self._w, self._o = X, y, weights, offset
        cols = [X.to_delayed().ravel()] + [
            [None] * len(lengths) if v is None else v.to_delayed().ravel()
            for v in (y, weights, offset)]
        # One tuple of Delayed chunks per row chunk; empty chunks carry no rows, so no task.
        self._chunks = [(r0, *c) for r0, m, *c in zip(self.row0, lengths, *cols, strict=True)
                        if m > 0]

    def _tasks(self, task: Callable, *head: Any) -> list[Delayed]:
        return [delayed(task, pure=False)(*head, r0, self.rows, Xc, yc, wc, oc)
                for r0, Xc, yc, wc, oc in self._chunks]

    def map_reduce(self, fn: Callable[[Block], T], combine: Callable[[T, T], T]) -> T | None:
        """``fn`` on every block, ``combine`` down a tree; one ``dask.compute``."""
        parts = self._tasks(_chunk_reduce, fn, combine)
        if not parts:
            return None
        while len(parts) > 1:
            parts = [delayed(_fold, pure=False)(combine, *parts[i:i + SPLIT_EVERY])
                     for i in range(0, len(parts), SPLIT_EVERY)]
        (result,) = dask.compute(parts[0])
        return result

    def map_rows(self, fn: Callable[[Block], np.ndarray]) -> Any:
        """``fn``'s per-row values as a lazy Dask vector chunked as X's rows."""
        tasks = self._tasks(_chunk_rows, fn)
        lengths = [m for m in self.lengths if m > 0]
        return da.concatenate([da.from_delayed(t, shape=(m,), dtype=float)
                               for t, m in zip(tasks, lengths, strict=True)])


def dask_source(X: Any, y: Any, weights: Any = None, offset: Any = None,
                block_rows: int | None = None) -> Any:
    """The IRLS source for Dask input: X a Dask array or DataFrame chunked by rows.

    Parameters
    ----------
    X : dask.array.Array (n, p) or dask.dataframe.DataFrame
        Chunked by rows; chunks across the columns are joined (``rechunk``).
        A DataFrame's columns become the coefficient names.
    y, weights, offset : Dask arrays or Series chunked as X's rows, or arrays in memory
        A Dask vector must have exactly X's row chunks (a ValueError says how to
        rechunk); a vector in memory is split into those chunks and sent once.
    block_rows : int, optional
        Rows per block inside a chunk (default: about 2 MB of X).

    Returns
    -------
    DaskSource
        Or, when X itself is in memory, the in-memory source of the computed vectors.

    Examples
    --------
    >>> import dask.array as da
    >>> X = da.from_array(np.column_stack([np.ones(6), np.arange(6.0)]), chunks=(4, 2))
    >>> src = dask_source(X, np.array([0, 1, 0, 1, 1, 1.0]))
    >>> src.p, src.names, src.row0
    (2, ('x0', 'x1'), [0, 4])
    """
    if not _is_dask(X):  # only the vectors are Dask objects: X is in memory, so are they
        vectors = [v.compute() if _is_dask(v) else v for v in (y, weights, offset)]
        return make_source(X, *vectors, block_rows)
    X, names = _design(X)
    if y is None:
        raise ValueError("y is required when X is an array (only a block source carries its own y)")
    y, weights, offset = (_vector(v, X, k) for k, v in
                          (("y", y), ("weights", weights), ("offset", offset)))
    return DaskSource(X, y, weights, offset, block_rows, names)

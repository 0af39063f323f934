"""Argument checks shared by the modules, so every one rejects bad input in the same words."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray


def point(x: ArrayLike, name: str = "x") -> NDArray[np.float64]:
    """``x`` as a new finite float vector, or a ValueError naming what is wrong."""
    a = np.asarray(x)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array, got shape {a.shape}")
    if np.iscomplexobj(a):  # astype(float) would drop the imaginary part with only a warning
        raise ValueError(f"{name} must be real, got dtype {a.dtype} (method='complex' "
                         "adds the imaginary step itself)")
    a = a.astype(float)
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise ValueError(f"{name} must be finite, but {name}[{bad[0]}] = {a[bad[0]]} "
                         "is not finite")
    return a


def tolerance(tol: float) -> None:
    """A convergence tolerance: a finite number > 0."""
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")


def count(name: str, value: int) -> None:
    """An iteration limit or block size: an int, not a bool or a float such as 2.0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")

"""The design matrix of an in-memory model (multinomial, Cox): checked once, in one place.

A model that reads X whole takes it as a numeric array or a DataFrame of numeric columns,
and names the first problem it finds: a non-numeric column, a wrong shape, a non-finite
value with its row and column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla


def design_matrix(X: Any, model: str, *, vector_ok: bool = False
                  ) -> tuple[np.ndarray, tuple[str, ...]]:
    """``X`` as a finite float (n, p) array, and its column names (``x0, x1, ...`` if none).

    ``model`` names the caller in the error messages; ``vector_ok`` lets a 1-D X stand for
    one column.
    """
    names = tuple(str(c) for c in X.columns) if hasattr(X, "columns") else None
    if names is not None:
        for c in X.columns:
            if X[c].dtype.kind not in "biuf":
                raise ValueError(f"X column {str(c)!r} has dtype {X[c].dtype}; {model} needs "
                                 "numbers (encode factors as 0/1 columns first)")
        X = X.to_numpy(dtype=float)
    else:
        try:
            X = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as e:
            raise ValueError(f"X must be a numeric 2-D array (n, p): {e}") from None
    if vector_ok and X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"X must be a 2-D (n, p) array with n, p >= 1, got shape {X.shape}")
    names = names or tuple(f"x{j}" for j in range(X.shape[1]))
    bad = np.argwhere(~np.isfinite(X))
    if bad.size:
        i, j = bad[0]
        raise ValueError(f"X has a non-finite value {X[i, j]} at row {i}, column {names[j]!r}")
    return X, names


def aliased_columns(Z: np.ndarray) -> np.ndarray:
    """Indices (sorted) of the columns of ``Z`` that are, to R's tolerance 1e-11, linear
    combinations of the others: pivoted QR of the columns scaled to unit norm, as R's
    ``lm``/``glm`` decide aliasing. Every column must be non-zero."""
    R, piv = sla.qr(Z / np.linalg.norm(Z, axis=0), mode="r", pivoting=True)
    d = np.abs(np.diag(R))
    return np.sort(piv[np.flatnonzero(d < 1e-11 * d[0])])

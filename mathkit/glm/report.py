"""What a fit may not claim: separation, non-convergence, fitted values on the boundary."""

from __future__ import annotations

import warnings
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from .sources import Block

if TYPE_CHECKING:
    from .fit import _Fit


class SeparationWarning(UserWarning):
    """The data are (quasi-)separated: the likelihood has no finite maximum.

    :func:`irls` warns with it and returns ``converged=False`` instead of a fit
    whose coefficients only stopped growing because the iterations ran out.

    Examples
    --------
    >>> import warnings
    >>> from mathkit import irls
    >>> X = np.column_stack([np.ones(6), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = irls(X, [0, 0, 0, 1, 1, 1])
    >>> fit.converged, any(issubclass(w.category, SeparationWarning) for w in caught)
    (False, True)
    """


def _push(fit: _Fit) -> np.ndarray:
    """How far the last change of each coefficient moved the linear predictor (RMS scale)."""
    return np.abs(fit.step) * np.sqrt(np.diag(fit.start.G))


def _moving(fit: _Fit) -> np.ndarray:
    """Coefficients still growing at the end: a last step of at least 1e-3 of their size,
    among those that moved the linear predictor most.

    On separated data the diverging coefficients grow by about the same amount
    at every step, so the last step is a sizeable fraction of them; at a true
    optimum, even one reached slowly because a far-out row (x = 1e5, say) sits
    beyond the clamps, the last step is a tiny fraction of every coefficient.
    """
    if fit.step is None:
        return np.zeros(len(fit.beta), dtype=bool)
    push = _push(fit)
    return (np.abs(fit.step) >= 1e-3 * np.abs(fit.beta)) & (push >= 0.01 * push.max())


def _separated(fit: _Fit) -> bool:
    """Rows fitted almost perfectly keep running away, pushed by growing coefficients."""
    return bool(fit.last.diverging) and bool(_moving(fit).any())


def _block_margins(block: Block, fam_name: str, beta: np.ndarray) -> tuple[float, float]:
    """Smallest signed margin of the rows along beta, and the largest |x_i . beta|."""
    _, Xb, yb, wb, _ = block
    e = Xb @ beta
    if wb is not None:
        e, yb = e[wb > 0], yb[wb > 0]
    if fam_name == "binomial":  # y = 1 wants x.b >= 0, y = 0 wants <= 0, proportions = 0
        s = np.where(yb == 1, e, np.where(yb == 0, -e, -np.abs(e)))
    else:  # zero counts want x.b <= 0, positive counts = 0
        s = np.where(yb == 0, -e, -np.abs(e))
    if s.size == 0:
        return np.inf, 0.0
    return float(s.min()), float(np.abs(e).max())


def _min_max(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return min(a[0], b[0]), max(a[1], b[1])


def _separating(src: Any, fam, beta: np.ndarray) -> bool:
    """Is the direction of beta one along which no row's likelihood falls?

    On (quasi-)separated data the coefficients run off along such a direction,
    so that beta, once large, points along it up to a relatively small finite
    part: every row's margin is then at least -1e-3 of the largest. At a finite
    maximum some rows sit on the wrong side by a margin of the same order as
    the others. One more read of the data; for a suspect fit only.
    """
    lo, hi = src.map_reduce(partial(_block_margins, fam_name=fam.name, beta=beta), _min_max)
    return bool(hi > 0 and lo >= -1e-3 * hi)


def _report(fam, fit: _Fit, names: tuple[str, ...]) -> tuple[bool, str]:
    """Warn about separation, non-convergence or fitted values on the boundary."""
    converged, message = fit.converged, fit.message
    if fit.separated:
        warnings.warn(message, SeparationWarning, stacklevel=3)
        return False, message
    if _separated(fit) and converged:  # early Newton steps move rows far: no evidence
        # Rank the growing coefficients by how much their last change moved eta.
        push = np.where(_moving(fit), _push(fit), 0)
        moving = ", ".join(repr(names[j]) for j in np.argsort(-push)
                           if push[j] > 0 and push[j] >= 0.01 * push.max())
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

"""Logistic and Poisson regression by iteratively reweighted least squares.

Newton's method on a GLM log-likelihood is a weighted least-squares problem at
every step (chapter 8): with working weights ``w = wt * mu_eta**2 / V(mu)`` and
working response ``z = eta - offset + (y - mu) / mu_eta``, the next
coefficients solve ``(X' W X) beta = X' W z``. :func:`irls` follows R's
``glm.fit`` step by step (start values, the clamps inside the logit link, the
convergence test, step halving when the deviance is infinite), so iteration
counts and numbers agree with R's ``glm()``. Two things R does not do:

- Scale. ``X' W X`` and ``X' W z`` are accumulated over blocks of rows, one
  symmetric rank-k update (BLAS ``syrk``) per block, so an iteration reads X
  once and needs O(p**2 + block * p) extra memory. X can be a memory-mapped
  file, or a re-iterable source of row blocks that is never in memory whole.
- Honesty. A rank-deficient X is an error naming the column; separation (the
  maximum-likelihood estimate does not exist, yet R reports convergence with
  huge coefficients) gives a :class:`SeparationWarning` and ``converged=False``.

The package, one idea per module, read in this order: ``links`` (R's link
functions), ``families`` (binomial and Poisson), ``sources`` (where the rows
come from, and the map-and-combine interface a Dask source implements),
``irls_pass`` (one read of the data as per-block sums), ``linalg`` (the
least-squares step: normal equations, or QR near aliasing), ``result``
(GLMResult), ``report`` (separation and other warnings) and ``fit`` (R's
glm.fit loop and :func:`irls`); ``multinomial`` and ``cox`` fit the models of
those names by Newton.
"""

from .cox import CoxResult, coxph
from .fit import irls, logistic_irls
from .multinomial import MultinomialResult, multinomial
from .report import SeparationWarning
from .result import GLMResult

__all__ = ["CoxResult", "GLMResult", "MultinomialResult", "SeparationWarning", "coxph", "irls",
           "logistic_irls", "multinomial"]

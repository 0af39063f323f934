"""mathkit: matrix derivatives, the Newton family and IRLS, checked against R.

Modules, in the order the book uses them:

- :mod:`mathkit.symbolic`: exact gradients and Hessians with sympy (``deriv``).
- :mod:`mathkit.numeric`: numeric derivatives, numDeriv's Richardson scheme,
  central and complex step (``grad``, ``hessian``, ``jacobian``).
- :mod:`mathkit.autodiff`: forward-mode automatic differentiation (``Dual``,
  ``HyperDual``), behind ``method="autodiff"`` of the three above.
- :mod:`mathkit.newton`: pure, damped and regularized Newton, critical points.
- :mod:`mathkit.glm`: GLMs by IRLS (logistic, Poisson, their links), multinomial and
  Cox regression by Newton; in memory, out of core and on Dask.
- :mod:`mathkit.rcompat`: R's default random numbers, for R-identical data.
- :mod:`mathkit.datasets`: ``mtcars``, R's data sets the book uses, the R reference
  values and benchmark results the book shows.
"""

from .autodiff import Dual, HyperDual
from .datasets import (
    load_mtcars,
    load_r_dataset,
    seed7_regression,
)
from .glm import (
    CoxResult,
    GLMResult,
    MultinomialResult,
    SeparationWarning,
    coxph,
    irls,
    logistic_irls,
    multinomial,
)
from .newton import (
    NewtonResult,
    classify_critical_point,
    condition_number,
    newton_damped,
    newton_raphson,
    newton_regularized,
)
from .numeric import grad, hessian, jacobian
from .rcompat import RNG
from .symbolic import Derivative, DerivativeValue, deriv

__all__ = [
    "RNG",
    "SeparationWarning",
    "Derivative",
    "DerivativeValue",
    "Dual",
    "HyperDual",
    "GLMResult",
    "CoxResult",
    "MultinomialResult",
    "coxph",
    "multinomial",
    "NewtonResult",
    "classify_critical_point",
    "condition_number",
    "deriv",
    "grad",
    "hessian",
    "irls",
    "jacobian",
    "load_mtcars",
    "load_r_dataset",
    "logistic_irls",
    "newton_damped",
    "newton_raphson",
    "newton_regularized",
    "seed7_regression",
]
__version__ = "0.1.0"

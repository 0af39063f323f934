"""Newton's method three ways, and what the Hessian says at a critical point.

- :func:`newton_raphson`: the pure iteration ``solve(H, -g)``, step, repeat, exactly
  as the source article's R loop, so its iterates match real R with numDeriv.
- :func:`newton_damped`: the article's backtracking version, halving the step until
  f does not increase.
- :func:`newton_regularized`: a modified Newton that always heads downhill (the
  Hessian shifted by mu I until positive definite, a negative-curvature step out
  of saddles) with an Armijo line search, and a trust region when the line search
  struggles; it reaches a local minimum where the other two fail. Its
  ``converged=True`` certifies a local minimum (a small gradient and f probed along
  every eigenvector of the Hessian); the other two report R's stopping rule.
- :func:`classify_critical_point` (which refuses a point that is not critical and
  settles degenerate points by f) and :func:`condition_number`.

Derivatives are :func:`mathkit.numeric.grad` and :func:`mathkit.numeric.hessian`
(numDeriv's Richardson scheme) unless analytic ones are passed. ``nfev`` counts
mathkit's own calls of ``f``, including those the numeric derivatives make, and
``f(x0)``. It is not R's count of the same run: the article's R loop calls ``f``
three times per backtracking check of a finite trial (``f(trial)`` twice, ``f(x)``
again) where mathkit calls it once and reuses ``f(x)``. On Himmelblau's function
from (0, 0), with identical iterates, R counts 7250 calls in its damped loop and
mathkit's ``nfev`` is 3918.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from . import numeric
from ._checks import count, point, tolerance

__all__ = [
    "NewtonResult",
    "classify_critical_point",
    "condition_number",
    "newton_damped",
    "newton_raphson",
    "newton_regularized",
]

Objective = Callable[[np.ndarray], float]
Derivative = Callable[[np.ndarray], ArrayLike]

_EPS = np.finfo(float).eps


@dataclass(frozen=True, eq=False)
class NewtonResult:
    """Outcome of a Newton method; field names follow scipy's ``OptimizeResult``.

    Attributes
    ----------
    x : ndarray
        Final point.
    fun : float
        ``f(x)``.
    grad : ndarray
        Gradient at ``x``.
    nit : int
        Steps taken (R's ``iterations``); ``trace`` holds ``nit + 1`` points.
    nfev, njev, nhev : int
        Calls this function made of ``f`` (numeric derivatives' included), of the
        gradient and of the Hessian. A trial point of a line search costs one call
        of ``f``, so ``nfev`` may be far lower than a count of the article's R loop,
        which evaluates ``f`` three times per check.
    converged : bool
        Whether the stopping rule was met.
    message : str
        Why the method stopped.
    trace : ndarray, shape (nit + 1, n)
        The iterates, starting with ``x0``.

    Examples
    --------
    >>> res = newton_raphson(lambda v: (v[0] - 3.0)**2 + (v[1] + 1.0)**2, [0.0, 0.0],
    ...                      grad=lambda v: 2 * (v - [3.0, -1.0]), hess=lambda v: 2 * np.eye(2))
    >>> res.converged, res.nit, res.x.tolist(), res.trace.shape
    (True, 2, [3.0, -1.0], (3, 2))
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    nfev: int
    njev: int
    nhev: int
    converged: bool
    message: str
    trace: np.ndarray = field(repr=False)


class _Problem:
    """f and its derivatives, counting the calls; numeric derivatives by default."""

    def __init__(self, f: Objective, grad: Derivative | None, hess: Derivative | None,
                 method: str = "richardson"):
        if not isinstance(method, str):
            raise ValueError(f"method must be a string such as 'richardson', got {method!r}")
        self._f, self._grad, self._hess, self.method = f, grad, hess, method
        self.nfev = self.njev = self.nhev = 0
        self.why = ""  # why a numeric derivative failed, for the message

    def _raw(self, x):
        # What numeric derivatives differentiate: f itself (counted), so that
        # method="complex" and "autodiff" see their own number types come back.
        self.nfev += 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self._f(x)

    def f(self, x: np.ndarray) -> float:
        self.nfev += 1
        # Trial points outside f's domain are expected (the line searches handle
        # a NaN or inf), so numpy's warnings about them would only be noise.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            value = np.asarray(self._f(x), dtype=float)
        if value.size != 1:
            raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
        return float(value.reshape(()))

    def grad(self, x: np.ndarray) -> np.ndarray:
        self.njev += 1
        g = self._numeric(numeric.grad, x) if self._grad is None else self._grad(x)
        return _shaped(g, (x.size,), "grad")

    def hess(self, x: np.ndarray) -> np.ndarray:
        self.nhev += 1
        H = self._numeric(numeric.hessian, x) if self._hess is None else self._hess(x)
        return _shaped(H, (x.size, x.size), "hess")

    def _numeric(self, derivative: Callable, x: np.ndarray) -> np.ndarray:
        # numDeriv, and mathkit.numeric, refuse a stencil where f is not finite;
        # for a Newton method that is a stopping reason, not a crash.
        try:
            return derivative(self._raw, x, self.method)
        except ValueError as e:
            if "unknown method" in str(e):
                raise
            self.why = f" ({e})"
            return np.full((x.size,) * (1 if derivative is numeric.grad else 2), np.nan)

    def start(self, x0: ArrayLike, tol: float, max_iter: int) -> tuple[np.ndarray, float]:
        """Validate the input; return x0 as floats and f(x0)."""
        x = point(x0, "x0")
        tolerance(tol)
        count("max_iter", max_iter)
        fx = self.f(x)
        if not np.isfinite(fx):
            raise ValueError(f"f(x0) is not finite: f({x.tolist()}) = {fx}")
        return x, fx

    def result(self, trace: list[np.ndarray], converged: bool, message: str,
               fun: float | None = None, g: np.ndarray | None = None) -> NewtonResult:
        x = trace[-1]
        fun = self.f(x) if fun is None else fun
        g = self.grad(x) if g is None else g
        return NewtonResult(x=x, fun=fun, grad=g, nit=len(trace) - 1, nfev=self.nfev,
                            njev=self.njev, nhev=self.nhev, converged=converged,
                            message=message, trace=np.array(trace))


def _shaped(value: ArrayLike, shape: tuple[int, ...], name: str) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    if value.shape != shape:
        raise ValueError(f"{name} must return an array of shape {shape}, got {value.shape}")
    return value


def _newton_step(p: _Problem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Gradient g at x and the solution of H d = -g (LU, like R's solve()), or the
    reason there is none: g or H not finite, or rcond(H) < eps, where R stops too."""
    g, H = p.grad(x), p.hess(x)
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(g))):
        return g, None, f"the gradient or Hessian is not finite{p.why}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        try:
            return g, scipy.linalg.solve(H, -g, assume_a="gen"), ""
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
            return g, None, (f"the Hessian is singular to working precision "
                          f"(condition number {condition_number(H):.3g})")


def _article_loop(p: _Problem, x: np.ndarray, tol: float, max_iter: int,
                  move: Callable[[np.ndarray, np.ndarray], np.ndarray],
                  ) -> tuple[list[np.ndarray], bool, str]:
    """The source article's R loop: trace, whether it converged, and why it stopped.

    ``move(x, d)`` takes the Newton step d from x (in full, or damped). The test
    uses the gradient from before the step, so x ends one step past the point
    that passed it, as in R.
    """
    trace = [x]
    for _ in range(max_iter):
        g, step, why = _newton_step(p, x)
        if step is None:
            return trace, False, f"stopped after {len(trace) - 1} steps: {why}"
        x = move(x, step)
        trace.append(x)
        if np.linalg.norm(g) < tol:
            return trace, True, f"gradient norm below tol={tol:g}"
    return trace, False, f"iteration limit ({max_iter}) reached"


def newton_raphson(f: Objective, x0: ArrayLike, *, grad: Derivative | None = None,
                   hess: Derivative | None = None, tol: float = 1e-8,
                   max_iter: int = 50, method: str = "richardson") -> NewtonResult:
    """Pure Newton-Raphson: x <- x + d with H(x) d = -g(x), no safeguards.

    The loop is the source article's, step for step: the gradient norm that
    stops it is the one computed at the start of the iteration, after which the
    step is still taken, so ``x`` is one step past the point that passed the
    test and ``nit`` equals R's ``iterations``.

    Parameters
    ----------
    f : callable
        Objective, ``f(x) -> float`` for a 1-d array ``x``.
    x0 : array_like, shape (n,)
        Starting point; ``f(x0)`` must be finite.
    grad, hess : callable, optional
        Analytic gradient ``(n,)`` and Hessian ``(n, n)``; numeric (numDeriv) if omitted.
    tol : float
        Stop once the gradient norm is below ``tol``.
    max_iter : int
        Maximum number of steps.

    method : str
        Numeric derivative method when ``grad`` or ``hess`` is not given, as in
        :func:`newton_regularized` (the default, numDeriv's, is what R's loop uses).

    Returns
    -------
    NewtonResult
        ``converged=True`` is R's stopping rule, a gradient norm below ``tol``; it
        does not certify a minimum (from (0, 0) on Himmelblau's function it stops
        at the local maximum). ``converged=False`` with the reason when the
        iteration limit is hit, the Hessian is singular (its condition number is in
        the message) or the derivatives stop being finite.

    Examples
    --------
    >>> import numpy as np
    >>> res = newton_raphson(lambda v: np.exp(v[0]) - v[0] + v[1]**2, [1.0, 1.0])
    >>> res.nit, res.converged, np.round(res.x, 8) + 0.0
    (6, True, array([0., 0.]))
    """
    p = _Problem(f, grad, hess, method)
    x, _ = p.start(x0, tol, max_iter)
    return p.result(*_article_loop(p, x, tol, max_iter, lambda x, step: x + step))


def newton_damped(f: Objective, x0: ArrayLike, *, grad: Derivative | None = None,
                  hess: Derivative | None = None, tol: float = 1e-8, max_iter: int = 50,
                  min_step: float = 1e-10, method: str = "richardson") -> NewtonResult:
    """Newton with the article's backtracking: halve the step until f does not increase.

    Each iteration tries ``gamma = 1, 1/2, 1/4, ...`` while ``f(x + gamma d)`` is
    non-finite or larger than ``f(x)``; once ``gamma < min_step`` it gives up and,
    as the R loop does, still takes that tiny step. The stopping rule is
    :func:`newton_raphson`'s, so iterates and ``nit`` match real R. A backtracking
    failure is reported in ``message``; it does not stop the loop. Each trial costs
    one call of ``f`` (the R loop makes three), so ``nfev`` is not R's count and,
    when the line search works hard, far lower.

    Deciding on f values alone has a limit R shares: within rounding of the minimum
    the decrease of a full step can be smaller than f's rounding error, the step
    is then halved away, and the loop may end at ``max_iter`` with the gradient
    just above ``tol``. :func:`newton_regularized` handles that case.

    Parameters
    ----------
    f, x0, grad, hess, tol, max_iter, method
        As in :func:`newton_raphson`.
    min_step : float
        Smallest step factor tried.

    Returns
    -------
    NewtonResult
        ``converged`` is R's stopping rule, as in :func:`newton_raphson`; it does not
        certify a minimum. :func:`newton_regularized` does.

    Examples
    --------
    >>> import numpy as np
    >>> log_loss = lambda v: -np.log(v[0]) - np.log(v[1]) + v[0] + v[1]
    >>> res = newton_damped(log_loss, [3.0, 3.0])
    >>> res.nit, res.converged, np.round(res.x, 6)
    (7, True, array([1., 1.]))
    """
    if not (np.isfinite(min_step) and 0 < min_step < 1):
        raise ValueError(f"min_step must be in (0, 1), got {min_step!r}")
    p = _Problem(f, grad, hess, method)
    x, fx = p.start(x0, tol, max_iter)
    failed = 0

    def halve(x: np.ndarray, step: np.ndarray) -> np.ndarray:
        nonlocal fx, failed
        gamma = 1.0
        while not (np.isfinite(trial := p.f(x + gamma * step)) and trial <= fx):
            gamma /= 2
            if gamma < min_step:
                failed += 1
                break
        x = x + gamma * step
        fx = p.f(x) if gamma < min_step else trial
        return x

    trace, converged, message = _article_loop(p, x, tol, max_iter, halve)
    if failed:
        message += (f"; in {failed} of {len(trace) - 1} iterations the line search could not "
                    f"decrease f (step factor fell below min_step={min_step:g})")
    return p.result(trace, converged, message, fun=fx)


def _descent_direction(g: np.ndarray, H: np.ndarray, flat: bool) -> tuple[np.ndarray | None, bool]:
    """Newton direction for H + mu I, shifted (Levenberg-Marquardt) until positive definite.

    Returns the direction (None at a point that passes as a minimum) and whether H
    has negative curvature. mu is 0 when H is positive definite (a Cholesky
    factorisation exists: the common, cheap case); otherwise, from the
    eigenvalues, twice the most negative one's size, so that the shifted matrix
    has eigenvalues at least |lambda_min| and the step goes downhill even where H
    is indefinite, negative definite or nearly singular. At a saddle (gradient ~ 0)
    the unit eigenvector of the most negative eigenvalue is the only way down.
    """
    H = (H + H.T) / 2
    try:
        factor = scipy.linalg.cho_factor(H)
    except np.linalg.LinAlgError:
        pass
    else:
        return (None if flat else scipy.linalg.cho_solve(factor, -g)), False
    lam, Q = np.linalg.eigh(H)
    delta = np.sqrt(_EPS) * max(1.0, float(np.abs(lam).max()))
    if flat and lam[0] >= -delta:
        return None, False  # positive semidefinite to rounding: a (degenerate) minimum
    if flat:
        v = Q[:, 0]
        return (-v if g @ v > 0 else v), True
    mu = 2 * max(-float(lam[0]), delta)
    return -Q @ ((Q.T @ g) / (lam + mu)), bool(lam[0] < 0)


def _backtrack(p: _Problem, x: np.ndarray, fx: float, d: np.ndarray, slope: float,
               curvature: float, expand: bool, c1: float, min_step: float,
               resolution: float) -> tuple[float, float, np.ndarray | None] | None:
    """Step factor, f there, and the gradient there if the test needed it (else None):
    halve until f drops by c1 times the model's decrease.

    ``slope`` is g'd, ``curvature`` d'Hd. Where H has negative curvature
    (``expand``) the quadratic model says little about how far to go, so a full
    step that succeeds is doubled while f keeps falling, as a trust region grows
    its radius. (Plain halving beat quadratic interpolation here: on Rosenbrock's
    curved valley the interpolated steps are too cautious.)

    Near a minimum the decrease of a full step, about ``|g'd| / 2``, falls below
    the rounding error of f, which is relative to the size of f's terms, not of f
    (terms of size 3 to 6 that cancel to -0.3 are good to ~1e-15, not to
    8 eps |f| = 5e-16). Comparing f values is then a coin toss, halving shrinks the
    step to nothing and the gradient never gets below tol. So when the full step
    raises f by no more than ``resolution`` (f's rounding error, generously), the
    change is estimated from the gradients instead, by the trapezoid rule
    ``(g'd + g(x + d)'d) / 2``: exact for a quadratic, free of the cancellation
    (the "approximate Wolfe" idea of Hager and Zhang's line search, here for the
    Armijo condition only). Shorter steps are judged by f alone, so a wrong
    gradient cannot walk the iterates uphill.
    """
    noise = 8 * _EPS * abs(fx)  # differences below this are rounding, not increase
    alpha, g_trial = 1.0, None
    while True:
        trial = p.f(x + alpha * d)
        model = alpha * slope + 0.5 * alpha**2 * min(curvature, 0.0)
        if np.isfinite(trial) and trial - fx <= c1 * model + noise:
            break
        if alpha == 1.0 and np.isfinite(trial) and trial - fx <= resolution:
            g_trial = p.grad(x + d)  # f cannot tell; the gradients can
            if np.all(np.isfinite(g_trial)) and (slope + g_trial @ d) / 2 <= c1 * model:
                break
            g_trial = None
        alpha /= 2
        if alpha < min_step:
            return None
    if alpha == 1.0 and expand:
        for _ in range(10):
            longer = p.f(x + 2 * alpha * d)
            if not (np.isfinite(longer) and longer < trial):
                break
            alpha, trial, g_trial = 2 * alpha, longer, None
    return alpha, trial, g_trial


def _null_check(p: _Problem, x: np.ndarray, fx: float, g: np.ndarray, lam: np.ndarray,
                Q: np.ndarray) -> tuple[str, np.ndarray | None, float]:
    """Second-order evidence at a point with a small gradient and no clear negative
    curvature: f probed on both sides along every eigenvector of H.

    Along an eigenvector with curvature lam > 0 the probe goes as far as the
    quadratic model needs to rise by ``target`` (sqrt(eps) relative to f), so that
    the rise is far above f's rounding; where that distance exceeds ``cap`` (0.1
    times the size of x) the direction counts as null and is probed at nine
    distances from ``cap`` down to ``cap / 4^8``. Returns ``("lower", y, f(y))`` as
    soon as a probe finds f lower by more than rounding (x is no minimum: continue
    from y); else ``"flat"`` if along some null direction f never changes beyond
    rounding at some distance (a valley of minima, or a plateau where f's slope is
    below rounding: nothing certifies a minimum), ``"degenerate"`` if f rises along every direction
    but, along some, much faster than the Hessian's curvature says (a singular or
    nearly singular Hessian, as at the minimum of x^4), or ``"minimum"``.
    """
    eps = _EPS
    noise = 1e3 * eps * abs(fx)
    target = np.sqrt(eps) * max(1.0, abs(fx))
    cap = 0.1 * max(1.0, float(np.linalg.norm(x)))
    gnorm = float(np.linalg.norm(g))
    verdict = "minimum"
    for lam_i, v in zip(lam, Q.T, strict=True):
        t = np.sqrt(2 * target / lam_i) if lam_i > 0 else np.inf
        t = max(t, 100 * gnorm / lam_i) if lam_i > 0 else t
        null = not t <= cap
        distances = cap * 4.0 ** -np.arange(9) if null else [t]
        rise, all_rise = np.inf, True
        for s in distances:
            for y in (x + s * v, x - s * v):
                fy = p.f(y)
                if not np.isfinite(fy):
                    continue
                if fy < fx - noise:
                    return "lower", y, fy
                all_rise = all_rise and fy - fx > noise
                rise = min(rise, fy - fx)
        if null and not all_rise:
            verdict = "flat"
        elif verdict == "minimum" and (null or rise > 10 * target):
            verdict = "degenerate"
    return verdict, None, fx


def _trust_step(g: np.ndarray, H: np.ndarray, D: np.ndarray,
                radius: float) -> tuple[np.ndarray, float]:
    """Minimizer of the model g'd + d'Hd/2 over the ellipse |D d| <= radius, and
    the model's decrease there (More and Sorensen's exact step, from the
    eigenvalues of the scaled Hessian: fine for the small n of a full Hessian).

    In scaled variables s = D d the step is -(A + mu I)^-1 b with A = D^-1 H D^-1,
    b = D^-1 g and the least mu >= max(0, -lambda_min) that keeps |s| <= radius; mu
    solves the secular equation 1/|s(mu)| = 1/radius by safeguarded Newton. In the
    "hard case" (b orthogonal to the eigenvector of lambda_min) the step is
    completed along that eigenvector to the boundary.
    """
    A = (H / D[:, None]) / D[None, :]
    b = g / D
    lam, Q = np.linalg.eigh((A + A.T) / 2)
    a = Q.T @ b
    tiny = _EPS * max(1.0, float(np.abs(lam).max()))

    def s_of(mu: float) -> np.ndarray:
        return -Q @ (a / (lam + mu))

    lo = max(0.0, -float(lam[0])) + tiny
    if lam[0] > tiny and np.linalg.norm(s := s_of(0.0)) <= radius:
        pass  # the Newton step lies inside
    elif np.linalg.norm(s_of(lo)) <= radius:  # hard case
        s = s_of(lo)
        q = Q[:, 0]
        sq, qs = float(s @ s), float(q @ s)
        tau = -qs + np.sqrt(qs * qs + max(radius * radius - sq, 0.0))
        s = s + tau * q
    else:
        hi = lo + float(np.linalg.norm(b)) / radius + float(np.abs(lam).max())
        mu = lo
        for _ in range(100):
            w = a / (lam + mu)
            norm = float(np.linalg.norm(w))
            phi = 1 / norm - 1 / radius
            if abs(phi) * radius < 1e-10:
                break
            if phi < 0:
                lo = mu
            else:
                hi = mu
            step = phi * norm**3 / float(np.sum(w * w / (lam + mu)))  # Newton on phi
            mu = mu - step
            if not lo < mu < hi:
                mu = (lo + hi) / 2
        s = s_of(mu)
    d = s / D
    return d, -(float(g @ d) + 0.5 * float(d @ H @ d))


_UNBOUNDED = -1e100  # f below this: f is taken to be unbounded below
_SWITCH = 20  # iterations of line search before the trust region takes over


def _start_trust_region(trace: list[np.ndarray], H: np.ndarray) -> tuple[float, np.ndarray]:
    """Radius and scaling of the trust region that takes over from the line search:
    twice the last step, and no scaling. (Scaling by sqrt(|diag H|), fixed or
    growing as in More's Levenberg-Marquardt, solved fewer of the More-Garbow-
    Hillstrom runs: of 13 hard runs, 4 solved against 7 unscaled.)"""
    last = trace[-1] - trace[-2] if len(trace) > 1 else np.ones_like(trace[-1])
    return max(2 * float(np.linalg.norm(last)), 1e-8), np.ones(H.shape[0])


def _converged_message(verdict: str, gnorm: float, tol: float, lam: np.ndarray,
                       H: np.ndarray) -> str:
    kappa = condition_number(H) if np.all(np.isfinite(H)) else np.inf
    spectrum = f"smallest eigenvalue {lam[0]:.3g}, condition number {kappa:.3g}"
    head = f"gradient norm {gnorm:.3g} below tol={tol:g}"
    if verdict == "minimum":
        return f"local minimum: {head}; Hessian positive definite ({spectrum})"
    if verdict == "degenerate":
        return (f"local minimum where the Hessian is singular or nearly so: {head} "
                f"({spectrum}); f rises along every direction, along its null directions "
                f"faster than the Hessian's curvature says")
    return (f"no minimum certified: {head}, but along a null direction of the Hessian "
            f"({spectrum}) f does not change beyond rounding: a valley of minima or a "
            f"plateau where f's slope is below rounding")


def newton_regularized(f: Objective, x0: ArrayLike, *, grad: Derivative | None = None,
                       hess: Derivative | None = None, tol: float = 1e-8,
                       max_iter: int | None = None, c1: float = 1e-4,
                       min_step: float = 1e-12, method: str = "richardson") -> NewtonResult:
    """Modified Newton that ends at a local minimum or says why it did not.

    Each iteration solves (H + mu I) d = -g with mu just large enough to make the
    matrix positive definite, so d points downhill even where H is indefinite,
    negative definite or nearly singular, then halves the step until f decreases
    enough (Armijo). Close to the minimum, where that decrease is smaller than
    f's rounding error, the decrease is judged from the gradients at both ends of
    the step instead, so the method still gets the gradient norm below ``tol``.

    A small gradient alone does not end the run. ``converged=True`` needs second-order
    evidence as well: along every eigenvector of H, f is probed on both sides
    (far enough that a positive curvature must show as a rise well above rounding;
    along null directions, at distances up to a tenth of ``max(1, |x|)``). If a
    probe finds f lower, x is no minimum and the iteration continues from there; at
    a saddle it first steps along the most negative curvature.

    Parameters
    ----------
    f, x0, grad, hess, tol
        As in :func:`newton_raphson`.
    max_iter : int, optional
        Maximum number of steps; by default ``500 + 100 n`` for n unknowns.
    c1, min_step : float
        Accept a step when f falls by ``c1`` times the model's decrease; give up
        when the step factor falls below ``min_step``.
    method : str
        Numeric derivative method for :func:`mathkit.numeric.grad` and
        :func:`mathkit.numeric.hessian` when ``grad`` or ``hess`` is not given:
        "richardson" (numDeriv's), "central", "complex" or "autodiff".

    Returns
    -------
    NewtonResult
        The message says which case occurred. Converged: "local minimum" (Hessian
        positive definite) or "local minimum where the Hessian is singular or
        nearly so" (f rises along its null directions, as at the minimum of x^4).
        Not converged: "no minimum certified" (f does not change along a null
        direction), "f appears unbounded below", the iteration limit, a failed line
        search, or derivatives that are not finite.

    Examples
    --------
    Himmelblau's function from (0, 0), where the Hessian is negative definite:

    >>> import numpy as np
    >>> himmelblau = lambda v: (v[0]**2 + v[1] - 11)**2 + (v[0] + v[1]**2 - 7)**2
    >>> res = newton_regularized(himmelblau, [0.0, 0.0])
    >>> res.converged, np.round(res.x, 6) + 0.0
    (True, array([3., 2.]))
    >>> res.message.split(":")[0]
    'local minimum'

    x^3 has no minimum; from x = 1 the gradient gets small near 0, the probe finds
    f lower, and the run ends far down the slope:

    >>> res = newton_regularized(lambda v: v[0]**3, [1.0])
    >>> res.converged, res.message.split(":")[0]
    (False, 'f appears unbounded below')
    """
    if not (0 < c1 < 1 and 0 < min_step < 1):
        raise ValueError(f"need 0 < c1 < 1 and 0 < min_step < 1, got c1={c1!r}, "
                         f"min_step={min_step!r}")
    p = _Problem(f, grad, hess, method)
    x = point(x0, "x0")
    max_iter = 500 + 100 * x.size if max_iter is None else max_iter
    x, fx = p.start(x, tol, max_iter)
    trace, converged, scale, g, H = [x], False, abs(fx), None, None
    radius, D = None, None  # trust region: off until the line search struggles
    for k in range(max_iter + 1):
        g = p.grad(x) if g is None else g
        H = p.hess(x) if H is None else H
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            message = f"the gradient or Hessian is not finite at iteration {k}{p.why}"
            break
        gnorm = float(np.linalg.norm(g))
        d, negative = _descent_direction(g, H, flat=gnorm < tol)
        if d is None:
            lam, Q = np.linalg.eigh((H + H.T) / 2)
            verdict, y, fy = _null_check(p, x, fx, g, lam, Q)
            if verdict != "lower":
                converged = verdict != "flat"
                message = _converged_message(verdict, gnorm, tol, lam, H)
                break
            if k == max_iter:
                message = f"iteration limit ({max_iter}) reached (gradient norm {gnorm:.3g})"
                break
            x, fx, g, H = y, fy, None, None  # not a minimum: f is lower at a probe point
            scale = max(scale, abs(fx))
            trace.append(x)
            continue
        if k == max_iter:
            message = f"iteration limit ({max_iter}) reached (gradient norm {gnorm:.3g})"
            break
        # f is good to some eps times the size of its terms. They may cancel in
        # f(x), so the largest |f| so far and the size of f's quadratic part, x'Hx,
        # stand in for them.
        resolution = 1e3 * _EPS * max(scale, abs(float(x @ H @ x)))
        if radius is None and k >= _SWITCH:
            radius, D = _start_trust_region(trace, H)
        if radius is None:
            found = _backtrack(p, x, fx, d, float(g @ d), float(d @ H @ d), negative, c1,
                               min_step, resolution)
            if found is None:
                radius, D = _start_trust_region(trace, H)
                continue
            alpha, fx, g = found  # g: the gradient at the new x if the search needed it
            x = x + alpha * d
        else:
            d, predicted = _trust_step(g, H, D, radius)
            trial = p.f(x + d)
            actual = fx - trial if np.isfinite(trial) else -np.inf
            g_trial = None
            size = float(np.linalg.norm(D * d))
            if np.isfinite(trial) and abs(actual) <= resolution and size < 0.99 * radius:
                # A full Newton step whose change f cannot resolve: judged by the
                # gradients, as in the line search (a step the radius cut short is
                # judged by f alone, so a wrong gradient cannot walk uphill).
                g_trial = p.grad(x + d)
                actual = -(float(g @ d) + float(g_trial @ d)) / 2
            rho = actual / predicted if predicted > 0 else -np.inf
            if rho < 0.25:
                radius = size / 4
            elif rho > 0.75 and size > 0.99 * radius:
                radius = 2 * radius
            if not rho > 1e-4:
                if radius < 1e-15 * max(1.0, float(np.linalg.norm(D * x))):
                    message = (f"trust region collapsed at iteration {k + 1}: no step "
                               f"decreases f (gradient norm {gnorm:.3g})")
                    break
                continue
            x, fx, g = x + d, trial, g_trial
        H = None
        scale = max(scale, abs(fx))
        trace.append(x)
        if fx < _UNBOUNDED:
            message = f"f appears unbounded below: f = {fx:.3g} after {len(trace) - 1} steps"
            break
    return p.result(trace, converged, message, fun=fx, g=g)


def condition_number(H: ArrayLike) -> float:
    """2-norm condition number: largest over smallest singular value.

    Like R's ``kappa(H, exact = TRUE)``, except that a singular matrix gives
    ``inf`` (R drops zero singular values and reports ``kappa(diag(c(1, 0))) = 1``).

    Examples
    --------
    >>> round(condition_number([[2.0, 1.0], [1.0, 4.0]]), 6)
    2.783612
    >>> condition_number([[1.0, 0.0], [0.0, 0.0]])
    inf
    """
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.size == 0:
        raise ValueError(f"H must be a non-empty square matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError("H must be finite")
    s = np.linalg.svd(H, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")


def classify_critical_point(f: Objective, x: ArrayLike, *, grad: Derivative | None = None,
                            hess: Derivative | None = None, tol: float = 1e-8,
                            gtol: float = 1e-4, method: str = "richardson",
                            null_check: bool = True) -> str:
    """Second-derivative test at a critical point, settled by f where the Hessian cannot.

    The point must be critical: a gradient norm above ``gtol`` raises a ValueError
    that names it (a point that is not critical is not a minimum, maximum or saddle,
    whatever the Hessian says). Then the Hessian's eigenvalues decide: all above
    ``tol`` "minimum", all below ``-tol`` "maximum", both signs beyond ``tol``
    "saddle". If some are within ``tol`` of zero (degenerate), f itself is compared
    along those null directions, on both sides at nine distances from ``0.1 max(1, |x|)``
    down to 1.5e-6 times that: "degenerate minimum" if f rises everywhere (x^4),
    "degenerate maximum" if it falls everywhere (-x^4), "degenerate saddle" if it
    does both (x^3, or f rising one way and falling another), and "degenerate" if
    along some null direction it does not change beyond rounding (a valley or a
    plateau: the check cannot decide). With
    ``null_check=False`` every degenerate point is "degenerate": the source
    article's test, which is R's.

    Parameters
    ----------
    f : callable
        The function (only called when derivatives or the null check need it).
    x : array_like, shape (n,)
        The point.
    grad, hess : callable, optional
        Analytic gradient and Hessian; numeric (``method``) if omitted.
    tol, gtol : float
        Eigenvalues within ``tol`` of 0 count as zero; a gradient norm above
        ``gtol`` means x is not critical (1e-4: numeric gradients and solvers that
        stop at a gradient of 1e-5, such as scipy's BFGS, pass).
    method : str
        Numeric derivative method, as in :func:`newton_regularized`.
    null_check : bool
        Settle degenerate points by f along the null directions.

    Returns
    -------
    str

    Examples
    --------
    >>> classify_critical_point(lambda v: v[0]**2 - v[1]**2, [0.0, 0.0])
    'saddle'
    >>> classify_critical_point(lambda v: v[0]**4 + v[1]**2, [0.0, 0.0])
    'degenerate minimum'
    >>> classify_critical_point(lambda v: v[0]**3 + v[1]**2, [0.0, 0.0])
    'degenerate saddle'
    >>> classify_critical_point(lambda v: v[0]**4 + v[1]**2, [0.0, 0.0], null_check=False)
    'degenerate'
    >>> classify_critical_point(lambda v: v[0]**2 + 5 * v[0], [0.0])
    Traceback (most recent call last):
    ...
    ValueError: x is not a critical point: the gradient norm there is 5 (gtol=0.0001)
    """
    x = point(x)
    tolerance(tol)
    tolerance(gtol)
    p = _Problem(f, grad, hess, method)
    g = p.grad(x)
    if np.all(np.isfinite(g)) and np.linalg.norm(g) > gtol:
        raise ValueError(f"x is not a critical point: the gradient norm there is "
                         f"{np.linalg.norm(g):.3g} (gtol={gtol:g})")
    H = np.asarray(numeric.hessian(f, x, method) if hess is None else hess(x), dtype=float)
    if H.shape != (x.size, x.size) or not np.all(np.isfinite(H)):
        raise ValueError(f"the Hessian at x must be a finite {x.size}x{x.size} matrix, "
                         f"got shape {H.shape}")
    ev, Q = np.linalg.eigh((H + H.T) / 2)
    null = np.abs(ev) < tol
    if not np.any(null):
        if np.all(ev > 0):
            return "minimum"
        return "maximum" if np.all(ev < 0) else "saddle"
    if not null_check:
        return "degenerate"
    # Clear curvature outside the null space already says "saddle" if it has both signs.
    if np.any(ev[~null] > 0) and np.any(ev[~null] < 0):
        return "degenerate saddle"
    fx = p.f(x)
    noise = 1e3 * _EPS * abs(fx)
    cap = 0.1 * max(1.0, float(np.linalg.norm(x)))
    up = down = False
    for v in Q[:, null].T:
        changed = False
        for s in cap * 4.0 ** -np.arange(9):
            for y in (x + s * v, x - s * v):
                change = p.f(y) - fx
                up, down = up or change > noise, down or change < -noise
                changed = changed or abs(change) > noise
        if not changed:
            return "degenerate"  # flat along v to rounding: nothing to go on
    up = up or bool(np.any(ev[~null] > 0))
    down = down or bool(np.any(ev[~null] < 0))
    if up and down:
        return "degenerate saddle"
    return "degenerate minimum" if up else "degenerate maximum" if down else "degenerate"

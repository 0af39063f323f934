"""Derivatives of code: numDeriv's Richardson scheme, central differences, complex step, AD.

:func:`grad`, :func:`hessian` and :func:`jacobian` differentiate a function ``f``
given only as code. Four methods:

``"richardson"`` (default)
    R's numDeriv (2016.8-1.1), operation for operation and with its defaults: the
    same steps, stencil points, divisions and Richardson tableau in the same order,
    so where ``f`` evaluates to the same bits in R and Python the results are the
    same bits, from the same number of evaluations (``grad`` 8n+1, ``hessian``
    4n^2+4n+2, ``jacobian`` 8n+1).
``"central"``
    One central difference per coordinate: cheap (``grad`` 2n+1 evaluations,
    ``hessian`` 2n^2+1) and about 10 digits (gradient) or 8 digits (Hessian) right.
``"complex"``
    The complex step: ``Im f(x + i h e_k) / h`` has no subtraction, so the step can
    be tiny and the gradient is exact to rounding for real-analytic ``f``. The
    Hessian is numDeriv's: the Richardson Jacobian of that gradient. Evaluation
    counts are numDeriv's, n = 1 included (``grad`` n+2, or 2 when n = 1).
``"autodiff"``
    Forward-mode automatic differentiation (``mathkit.autodiff``): ``f`` is called
    once, on numbers that carry their derivatives, and the gradient, Jacobian or
    Hessian is exact up to rounding. ``f`` must be written with numpy operations
    (no ``float()``, ``math.*`` or ``np.asarray`` of its argument); an operation it
    cannot differentiate raises, naming the operation.

With ``vectorized=True``, ``f`` takes a (k, n) array of points and returns k values
(``jacobian``: a (k, m) array); every stencil is then one call to ``f``, and the
arithmetic on the values is the same as in the scalar path, so are the results
(when ``f`` gives the same bits on a row as on a point; see the square below).

Parity with R is only as exact as ``f``. The usual trap is the square: R's ``x^2``
is ``x * x``, and so is numpy's ``**`` on arrays (0-d included: ``np.square``), but
``**`` on a float or a numpy scalar (``v[0] ** 2``) is the C library's ``pow``, which
is not always correctly rounded (glibc 2.36: one ulp off ``x * x`` for about 1
argument in 1100). Where numDeriv's step is absolute (``|x_i| < zero_tol``, step
1e-4, 1.25e-5 after three halvings) an ulp of ``f`` is amplified by up to 1/h^2:
Himmelblau's function written with ``v[0] ** 2``, at the iterates of a damped Newton
from (0, 0) (coordinates 2e-11 to 2.5e-9), gives Hessians up to 5.3e-4 and gradients
up to 1.7e-9 away from numDeriv's; written with ``v[0] * v[0]`` (or vectorized), the
same bits.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import point
from .autodiff import Dual, HyperDual

__all__ = ["RICHARDSON_DEFAULTS", "grad", "hessian", "jacobian"]

_EPS = float(np.finfo(float).eps)

#: numDeriv's ``method.args`` defaults for ``grad`` and ``jacobian`` (R's ``zero.tol``
#: is ``zero_tol`` here). ``hessian`` uses them with ``d=0.1``, as numDeriv's does.
RICHARDSON_DEFAULTS = {"eps": 1e-4, "d": 1e-4, "zero_tol": math.sqrt(_EPS / 7e-7), "r": 4, "v": 2}

# Central differences balance truncation (h^2 terms) against round-off: eps/h for a
# first difference gives h ~ eps^(1/3) (error ~ eps^(2/3), about 1e-11 relative), and
# eps/h^2 for a second difference gives h ~ eps^(1/4) (error ~ eps^(1/2), about 1e-8).
_CENTRAL_SCALE = {"grad": _EPS ** (1 / 3), "jacobian": _EPS ** (1 / 3), "hessian": _EPS ** 0.25}

_METHODS = ("richardson", "central", "complex", "autodiff")
_HESSIAN_RICHARDSON = {**RICHARDSON_DEFAULTS, "d": 0.1}
_OPTIONS = {
    ("grad", "richardson"): RICHARDSON_DEFAULTS,
    ("jacobian", "richardson"): RICHARDSON_DEFAULTS,
    ("hessian", "richardson"): _HESSIAN_RICHARDSON,
    ("grad", "central"): {"h": None},
    ("jacobian", "central"): {"h": None},
    ("hessian", "central"): {"h": None},
    ("grad", "complex"): {"h": _EPS},
    ("jacobian", "complex"): {"h": _EPS},
    ("hessian", "complex"): {**_HESSIAN_RICHARDSON, "h": _EPS},
    ("grad", "autodiff"): {},
    ("jacobian", "autodiff"): {},
    ("hessian", "autodiff"): {},
}

Function = Callable[[NDArray[np.float64]], ArrayLike]


def grad(f: Function, x: ArrayLike, method: str = "richardson", *,
         vectorized: bool = False, **options: float | ArrayLike) -> NDArray[np.float64]:
    """Gradient of a scalar function at ``x``, numerically.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a number for a 1-d float array ``x``; with ``vectorized=True``,
        ``f(X)`` returns k numbers for a (k, n) array ``X`` of points.
    x : sequence of float or 1-d array, length n
        The point. Must be finite.
    method : {"richardson", "central", "complex", "autodiff"}
        ``"richardson"``: numDeriv's ``grad()`` exactly, 8n+1 evaluations. ``"central"``:
        one central difference per coordinate, step ``h = eps**(1/3) * max(|x|, 1)``,
        2n+1 evaluations. ``"complex"``: complex step ``Im f(x + i h e_k) / h`` with
        ``h`` the machine epsilon, n+2 evaluations as numDeriv (one is its check that
        ``f`` returns complex values, which for n = 1 is the step itself: 2 evaluations);
        ``f`` must accept complex input. ``"autodiff"``: forward-mode automatic
        differentiation, exact up to rounding, 1 evaluation (on ``mathkit.Dual``
        numbers; ``f`` must use numpy operations).
    vectorized : bool
        Evaluate each stencil with one call ``f(X)``. Same results, far fewer calls.
        ``f`` must then index columns (``X[:, 0]`` or ``X[..., 0]``), not ``X[0]``.
    **options
        Override a default by name, like numDeriv's ``method.args``. "richardson":
        ``eps=1e-4, d=1e-4, zero_tol=sqrt(eps_mach/7e-7), r=4, v=2``, the step being
        ``h = |d*x| + eps*(|x| < zero_tol)``, halved r-1 times. "central", "complex":
        ``h``, the step (scalar or one per coordinate). "autodiff": none.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        Unknown method or option, non-finite ``x`` (naming the index), ``f`` not a scalar
        (naming the shape), ``f`` not finite at ``x`` or at a stencil point.

    Examples
    --------
    >>> f = lambda v: v[0]**2 + 2*v[1]**2 + v[0]*v[1]
    >>> grad(f, [1.0, 1.0]).round(10).tolist()
    [3.0, 5.0]
    >>> grad(lambda X: X[:, 0] * X[:, 1], [2.0, 3.0], vectorized=True).round(10).tolist()
    [3.0, 2.0]
    >>> grad(lambda v: np.exp(v[0]) * v[1], [0.0, 2.0], "complex").tolist()
    [2.0, 1.0]
    >>> grad(lambda v: np.exp(v[0]) * v[1], [0.0, 2.0], "autodiff").tolist()
    [2.0, 1.0]
    """
    return _first_derivative(f, x, "grad", method, vectorized, options)


def jacobian(f: Function, x: ArrayLike, method: str = "richardson", *,
             vectorized: bool = False, **options: float | ArrayLike) -> NDArray[np.float64]:
    """Jacobian of a vector function at ``x``: entry (i, j) is d f_i / d x_j.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a 1-d array of m values (a scalar counts as m = 1, as in
        numDeriv); with ``vectorized=True``, ``f(X)`` returns a (k, m) array for a
        (k, n) array ``X`` of points. With method "autodiff", ``f`` may return a list
        of its m values.
    x, method, vectorized, **options
        As for :func:`grad`. "richardson" is numDeriv's ``jacobian()`` (8n+1
        evaluations); "complex" takes n+1 evaluations, as numDeriv's; "autodiff" 1.

    Returns
    -------
    ndarray, shape (m, n)

    Raises
    ------
    ValueError
        As for :func:`grad`; ``f`` must return a scalar or a 1-d vector (else naming
        its shape), of the same length at every point.

    Examples
    --------
    >>> polar = lambda p: np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])])
    >>> jacobian(polar, [2.0, 0.0]).round(10).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    >>> polar_list = lambda p: [p[0] * np.cos(p[1]), p[0] * np.sin(p[1])]
    >>> jacobian(polar_list, [2.0, 0.0], "autodiff").tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    >>> jacobian(lambda p: p[0] * p[1], [2.0, 3.0]).shape
    (1, 2)
    """
    if method == "autodiff":
        x, _ = _setup(x, "jacobian", method, options)
        return _autodiff(f, x, "jacobian", vectorized)
    return _first_derivative(f, x, "jacobian", method, vectorized, options).T


def hessian(f: Function, x: ArrayLike, method: str = "richardson", *,
            vectorized: bool = False, **options: float | ArrayLike) -> NDArray[np.float64]:
    """Hessian of a scalar function at ``x``, numerically.

    Parameters
    ----------
    f, x, vectorized
        As for :func:`grad`.
    method : {"richardson", "central", "complex", "autodiff"}
        ``"richardson"``: numDeriv's ``hessian()``, i.e. its ``genD`` scheme with
        ``d=0.1`` (with genD's own 1e-4 about six digits are lost to round-off),
        4n^2+4n+2 evaluations; needs ``v=2``. ``"central"``: second central differences,
        step ``h = eps**(1/4) * max(|x|, 1)``, 2n^2+1 evaluations. ``"complex"``: as
        numDeriv, the Richardson Jacobian (``d=0.1``) of the complex-step gradient,
        1 + (n+2)(8n+1) evaluations (19 when n = 1); not exactly symmetric.
        ``"autodiff"``: second-order forward mode (``mathkit.HyperDual``),
        exact up to rounding and symmetric, 1 evaluation (its cost grows as n^2).
    **options
        "richardson": ``eps, d, zero_tol, r, v`` (``d`` defaults to 0.1); "central":
        ``h``; "complex": ``eps, d, zero_tol, r, v`` of the outer Richardson step and
        ``h``, the complex step; "autodiff": none.

    Returns
    -------
    ndarray, shape (n, n)

    Raises
    ------
    ValueError
        As for :func:`grad`.

    Examples
    --------
    >>> f = lambda v: v[0]**2 + 2*v[1]**2 + v[0]*v[1]
    >>> hessian(f, [1.0, 1.0]).round(8).tolist()
    [[2.0, 1.0], [1.0, 4.0]]
    >>> hessian(lambda v: v[0]**4 + v[1]**4, [1.0, 2.0], "central").round(5).tolist()
    [[12.0, 0.0], [0.0, 48.0]]
    >>> hessian(lambda v: v[0]**4 + v[1]**4, [1.0, 2.0], "autodiff").tolist()
    [[12.0, 0.0], [0.0, 48.0]]
    """
    x, opts = _setup(x, "hessian", method, options)
    if method == "autodiff":
        return _autodiff(f, x, "hessian", vectorized)
    target = _Target(f, vectorized, "hessian")
    f0 = target.base(x)
    if method == "richardson":
        return _hessian_richardson(target, x, _steps(x, **opts))
    if method == "central":
        return _hessian_central(target, x, f0, _step_h(opts["h"], x, _CENTRAL_SCALE["hessian"]))
    h = _step_h(opts.pop("h"), x, _EPS)
    inner = _Target(_complex_gradient(f, h, vectorized), vectorized, "jacobian")
    inner.base(x)
    return _richardson_first(inner, x, _steps(x, **opts), skip_tiny=False).T


def _first_derivative(f: Function, x: ArrayLike, kind: str, method: str, vectorized: bool,
                      options: dict) -> NDArray[np.float64]:
    """:func:`grad` or :func:`jacobian` (``kind``), shape (n,) + the shape of f's value.

    They differ only in what f returns and in two numDeriv quirks of ``grad``: the
    Richardson rows skip tiny differences (n > 1), and the complex step is probed.
    """
    x, opts = _setup(x, kind, method, options)
    if method == "autodiff":
        return _autodiff(f, x, kind, vectorized)
    target = _Target(f, vectorized, kind)
    target.base(x)
    is_grad = kind == "grad"
    if method == "richardson":
        return _richardson_first(target, x, _steps(x, **opts), skip_tiny=is_grad and x.size > 1)
    if method == "central":
        return _central_first(target, x, _step_h(opts["h"], x, _CENTRAL_SCALE[kind]))
    return _complex_first(target, x, _step_h(opts["h"], x, _EPS), probe=is_grad)


# --- input checks -------------------------------------------------------------------

def _setup(x: ArrayLike, kind: str, method: str, given: dict) -> tuple[NDArray, dict]:
    """The point as a finite float vector, and the method's options with defaults filled."""
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods: "
                         + ", ".join(repr(m) for m in _METHODS))
    defaults = _OPTIONS[kind, method]
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for {kind}(method="
                         f"{method!r}); valid options: {', '.join(defaults)}")
    opts = {**defaults, **given}
    rules = {"eps": (0, "a finite number >= 0"), "d": (0, "a finite number >= 0"),
             "zero_tol": (0, "a finite number >= 0"), "v": (1, "a finite number > 1"),
             "r": (2, "an integer >= 2")}
    for name, (low, rule) in rules.items():
        value = opts.get(name)
        if name in opts and not (isinstance(value, numbers.Real) and math.isfinite(value)
                                 and (value > low if name == "v" else value >= low)
                                 and (name != "r" or float(value).is_integer())):
            raise ValueError(f"option {name} must be {rule}, got {value!r}")
    if "r" in opts:
        opts["r"] = int(opts["r"])
    if kind == "hessian" and method == "richardson" and opts["v"] != 2:
        raise ValueError(f"hessian's Richardson scheme (numDeriv's genD) needs v=2, "
                         f"got v={opts['v']!r}")
    return point(x), opts


def _steps(x: NDArray, eps: float, d: float, zero_tol: float, r: int, v: float) -> NDArray:
    """numDeriv's steps: row k is h divided k times by v, h = |d x| + eps [|x| < zero_tol]."""
    rows = [np.abs(d * x) + eps * (np.abs(x) < zero_tol)]
    for _ in range(r - 1):
        rows.append(rows[-1] / v)
    steps = np.array(rows)
    _check_steps(x, steps)
    return steps


def _step_h(h: ArrayLike | None, x: NDArray, scale: float) -> NDArray[np.float64]:
    """The user's step ``h`` (scalar or per coordinate), or ``scale * max(|x|, 1)``."""
    if h is None:
        return scale * np.maximum(np.abs(x), 1.0)
    h = np.asarray(h, dtype=float)
    if h.shape not in ((), x.shape):
        raise ValueError(f"option h must be a scalar or have shape {x.shape}, got {h.shape}")
    return np.broadcast_to(h, x.shape).copy()


def _check_steps(x: NDArray, steps: NDArray) -> None:
    # A step that x + h cannot represent divides a zero difference: refuse it.
    bad = ~(np.isfinite(steps) & (steps > 0) & (x + steps != x))
    if bad.any():
        k, i = np.argwhere(bad.reshape(-1, x.size))[0]
        step = float(steps.reshape(-1, x.size)[k, i])
        raise ValueError(f"step {step!r} for x[{i}] = {x[i]} is not a positive number that "
                         "x + h can represent; change d, eps or h")


# --- evaluating f -------------------------------------------------------------------

@dataclass
class _Target:
    """``f`` with its calling convention and the checks on what it returns."""

    f: Callable
    vectorized: bool
    kind: str  # "grad" and "hessian": f is scalar; "jacobian": f returns an m-vector
    m: int | None = None

    def base(self, x: NDArray) -> NDArray:
        """f(x), checked: right shape, real, finite (else ValueError naming x)."""
        value = self(x[None, :], check=False)[0]
        if not np.all(np.isfinite(value)):
            raise ValueError(f"f(x) is not finite at x = {x.tolist()}: {value}")
        return value

    def __call__(self, points: NDArray, check: bool = True) -> NDArray:
        """f at each point of ``points`` (shape (..., n)): values of shape (...) + out."""
        flat = points.reshape(-1, points.shape[-1])
        flat.flags.writeable = False  # f sees our stencil, but cannot change it
        if self.vectorized:
            values = self._shaped(self._call(flat), len(flat))
        else:
            values = np.array([self._shaped(self._call(p), None) for p in flat])
        values = self._typed(values, np.iscomplexobj(flat))
        if check:
            _require_finite(values, flat)
        return values.reshape(points.shape[:-1] + values.shape[1:])

    def _call(self, arg: NDArray) -> NDArray:
        try:
            return np.asarray(self.f(arg))
        except TypeError as e:
            if np.iscomplexobj(arg):
                raise ValueError("method='complex' needs f to accept complex input; "
                                 f"f raised TypeError: {e}") from e
            raise
        except IndexError as e:
            if self.vectorized:  # typically x[1] on a (1, n) array of one point
                raise ValueError(f"{_vectorized_hint(self.kind)}; on a {arg.shape} array f "
                                 f"raised IndexError: {e}") from e
            raise

    def _shaped(self, value: NDArray, k: int | None) -> NDArray:
        """Check the shape of one value (k is None) or of k vectorized values."""
        lead = () if k is None else (k,)
        hint = "" if k is None else f" ({_vectorized_hint(self.kind)})"
        if self.kind != "jacobian":
            if value.shape == lead + (1,):  # a length-1 vector is a scalar, as in R
                value = value.reshape(lead)
            if value.shape != lead:
                raise ValueError(f"{self._what(k)} must return {self._want(lead)}, "
                                 f"got shape {value.shape}{hint}")
            return value
        if value.shape == lead:  # a scalar f has a 1 x n Jacobian, as in numDeriv
            value = value.reshape(lead + (1,))
        if value.ndim != len(lead) + 1 or value.shape[:len(lead)] != lead \
                or (self.m is not None and value.shape[-1] != self.m):
            want = self._want(lead + (self.m if self.m is not None else "m",))
            raise ValueError(f"{self._what(k)} must return {want}, got shape "
                             f"{value.shape}{hint}")
        self.m = value.shape[-1]
        return value

    def _what(self, k: int | None) -> str:
        return f"{self.kind}: f" if k is None else f"{self.kind}: vectorized f on {k} points"

    @staticmethod
    def _want(shape: tuple) -> str:
        if shape == ():
            return "a scalar"
        return f"shape ({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"

    @staticmethod
    def _typed(values: NDArray, complex_in: bool) -> NDArray:
        if complex_in and values.dtype.kind != "c":
            raise ValueError("method='complex' needs f to return complex values for complex "
                             f"input (no abs, real or real-only functions), got {values.dtype}")
        if not complex_in and values.dtype.kind == "c" and not np.any(values.imag):
            values = values.real  # e.g. f written with cmath, for method="complex"
        if not complex_in and values.dtype.kind not in "biuf":
            raise ValueError(f"f must return real numbers, got dtype {values.dtype}")
        return values if complex_in else values.astype(float, copy=False)


def _vectorized_hint(kind: str) -> str:
    out = "a (k, m) array" if kind == "jacobian" else "k values"
    return ("with vectorized=True, f must accept a (k, n) array whose k rows are points "
            f"(columns X[:, i], not x[i]) and return {out}, one per row")


def _require_finite(values: NDArray, points: NDArray, used: NDArray | None = None) -> None:
    """Raise naming the first stencil point whose value is not finite (and is used)."""
    bad = ~np.isfinite(values).reshape(len(points), -1).all(axis=1)
    if used is not None:
        bad &= used.reshape(-1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"f is not finite at the stencil point {points[i].tolist()}: "
                         f"{values.reshape(len(points), -1)[i]}")


def _axis_points(x: NDArray, steps: NDArray, sign: float,
                 out: NDArray | None = None) -> NDArray:
    """Points ``x + sign * steps[..., i] * e_i`` for each i, shape steps.shape + (n,).

    R forms them as ``x + h * (i == 1:n)``, adding 0 to the other coordinates, which
    turns -0.0 into +0.0 (and ``x - 0`` is x): starting from ``x + 0.0`` gives R's bits.
    Written into ``out`` if given (a view into a larger stencil).
    """
    n = x.size
    if out is None:
        out = np.empty(steps.shape + (n,))
    out[...] = x + 0.0 if sign > 0 else x
    diagonal = np.arange(n)
    out[..., diagonal, diagonal] = x + steps if sign > 0 else x - steps
    return out


def _pair_points(x: NDArray, i: NDArray, j: NDArray, hi: NDArray, hj: NDArray,
                 sign: float, out: NDArray | None = None) -> NDArray:
    """Points ``x + sign * (hi e_i + hj e_j)`` for pairs i != j (hi, hj: shape (..., pairs)).

    As R's ``x + h * (i == 1:n) + h * (j == 1:n)``, bit for bit (see :func:`_axis_points`).
    """
    if out is None:
        out = np.empty(hi.shape + (x.size,))
    out[...] = x + 0.0 if sign > 0 else x
    pair = np.arange(i.size)
    out[..., pair, i] = x[i] + hi if sign > 0 else x[i] - hi
    out[..., pair, j] = x[j] + hj if sign > 0 else x[j] - hj
    return out


# --- the schemes --------------------------------------------------------------------

def _tableau(rows: NDArray) -> NDArray:
    """Richardson extrapolation down the first axis, numDeriv's way.

    Row m+1 combines rows k and k+1 as (next * 4^m - prev) / (4^m - 1). numDeriv
    hard-codes 4^m, which removes the h^2, h^4, ... error terms only when v = 2.
    """
    for m in range(1, len(rows)):
        rows = (rows[1:] * 4.0**m - rows[:-1]) / (4.0**m - 1)
    return rows[0]


def _richardson_first(target: _Target, x: NDArray, steps: NDArray, skip_tiny: bool) -> NDArray:
    """numDeriv's ``grad``/``jacobian``: central differences at each step row, then the tableau.

    numDeriv's ``grad`` (n > 1) does not evaluate a difference, and sets it to 0, when
    the previous row's difference for that coordinate is below 1e-20 in magnitude.
    Returns shape (n,) + output shape.
    """
    if skip_tiny and not target.vectorized:
        return _tableau(_first_rows_skipping(target, x, steps))
    points = np.stack([_axis_points(x, steps, 1.0), _axis_points(x, steps, -1.0)])
    plus, minus = target(points, check=not skip_tiny)
    with np.errstate(invalid="ignore", over="ignore"):  # unused non-finite values: see below
        rows = (plus - minus) / (2 * _per_value(steps, plus))
    if skip_tiny:
        used = np.ones(rows.shape, dtype=bool)
        for k in range(1, len(rows)):
            used[k] = used[k - 1] & (np.abs(rows[k - 1]) >= 1e-20)
        _require_finite(np.stack([plus, minus]), points.reshape(-1, x.size), np.stack([used] * 2))
        rows = np.where(used, rows, 0.0)
    return _tableau(rows)


def _first_rows_skipping(target: _Target, x: NDArray, steps: NDArray) -> NDArray:
    """The rows of central differences, evaluating only what numDeriv's grad evaluates."""
    rows = np.zeros_like(steps)
    for k in range(len(steps)):
        used = np.abs(rows[k - 1]) >= 1e-20 if k else np.ones(x.size, dtype=bool)
        if not used.any():
            break  # every later row is zero too
        points = np.stack([_axis_points(x, steps[k], 1.0), _axis_points(x, steps[k], -1.0)])
        plus, minus = target(points[:, used])
        rows[k, used] = (plus - minus) / (2 * steps[k, used])
    return rows


def _per_value(steps: NDArray, values: NDArray) -> NDArray:
    """Steps shaped to divide values with trailing output axes (jacobian)."""
    return steps.reshape(steps.shape + (1,) * (values.ndim - steps.ndim))


def _hessian_richardson(target: _Target, x: NDArray, steps: NDArray) -> NDArray:
    """numDeriv's ``hessian``: ``genD``'s second differences, each Richardson-extrapolated.

    Diagonal: (f(x + h e_i) - 2 f0 + f(x - h e_i)) / h_i^2. Off the diagonal, the joint
    step x +/- (h_i e_i + h_j e_j) gives
    (f+ - 2 f0 + f- - H_ii h_i^2 - H_jj h_j^2) / (2 h_i h_j). f(x) is evaluated again
    for f0, as genD does after hessian()'s own check.
    """
    n = x.size
    i, j = np.tril_indices(n, -1)  # pairs i > j, in any order: each is computed alone
    hi, hj = steps[:, i], steps[:, j]
    # One array for all 4n^2+4n+1 points (n = 50: 10201 x 50), each block written in
    # place: building the blocks apart and concatenating them copied it all twice.
    sizes = (1, steps.size, steps.size, hi.size, hi.size)
    points = np.empty((sum(sizes), n))
    base, axis_plus, axis_minus, pair_plus, pair_minus = _split(points, *sizes[:-1])
    base[0] = x
    _axis_points(x, steps, 1.0, axis_plus.reshape(steps.shape + (n,)))
    _axis_points(x, steps, -1.0, axis_minus.reshape(steps.shape + (n,)))
    _pair_points(x, i, j, hi, hj, 1.0, pair_plus.reshape(hi.shape + (n,)))
    _pair_points(x, i, j, hi, hj, -1.0, pair_minus.reshape(hi.shape + (n,)))
    values = target(points)
    f0, plus, minus, pplus, pminus = _split(values, *sizes[:-1])
    diag = _tableau((plus.reshape(steps.shape) - 2 * f0 + minus.reshape(steps.shape))
                    / (steps * steps))
    off = _tableau((pplus.reshape(hi.shape) - 2 * f0 + pminus.reshape(hi.shape)
                    - diag[i] * (hi * hi) - diag[j] * (hj * hj)) / (2 * hi * hj))
    result = np.diag(diag)
    result[i, j] = result[j, i] = off
    return result


def _split(values: NDArray, *sizes: int) -> list[NDArray]:
    """Consecutive pieces of the given sizes, then the rest."""
    return np.split(values, np.cumsum(sizes))


def _central_first(target: _Target, x: NDArray, h: NDArray) -> NDArray:
    """(f(x + h e_i) - f(x - h e_i)) / spacing, the spacing being what was stepped."""
    _check_steps(x, h)
    plus_points, minus_points = _axis_points(x, h, 1.0), _axis_points(x, h, -1.0)
    plus, minus = target(np.stack([plus_points, minus_points]))
    # x + h and x - h are rounded; dividing by their true distance removes that error.
    spacing = np.diagonal(plus_points) - np.diagonal(minus_points)
    return (plus - minus) / _per_value(spacing, plus)


def _hessian_central(target: _Target, x: NDArray, f0: NDArray, h: NDArray) -> NDArray:
    """Second central differences with step h on the diagonal and four points off it."""
    n = x.size
    _check_steps(x, h)
    h = (x + h) - x  # a step that x + h represents exactly
    i, j = np.tril_indices(n, -1)
    values = target(np.concatenate([
        _axis_points(x, h, 1.0), _axis_points(x, h, -1.0),
        *(_pair_points(x, i, j, si * h[i], sj * h[j], 1.0) for si, sj in
          ((1, 1), (1, -1), (-1, 1), (-1, -1)))]))
    plus, minus, pp, pm, mp, mm = _split(values, n, n, i.size, i.size, i.size)
    result = np.diag((plus - 2 * f0 + minus) / (h * h))
    result[i, j] = result[j, i] = ((pp - pm) - (mp - mm)) / (4 * h[i] * h[j])
    return result


def _complex_first(target: _Target, x: NDArray, h: NDArray, probe: bool) -> NDArray:
    """Complex step: Im f(x + i h e_k) / h for each k.

    numDeriv's ``grad`` first evaluates f at x + i h (all coordinates) to check that
    f returns complex values; ``probe`` repeats that call, for equal evaluation counts.
    For n = 1 that probe is the step itself, and numDeriv returns its value: no repeat.
    """
    if np.any(~np.isfinite(h) | (h <= 0)):
        raise ValueError(f"option h must be positive and finite, got {h.tolist()}")
    if probe and not target.vectorized and x.size > 1:
        target((x + 1j * h)[None])
    values = target(x + 1j * (h[:, None] * np.eye(x.size)))
    return values.imag / _per_value(h, values)


def _complex_gradient(f: Function, h: NDArray, vectorized: bool) -> Callable:
    """The complex-step gradient of f as a function of x (vectorized: of rows of X)."""
    if not vectorized:
        return lambda p: grad(f, p, "complex", h=h)
    target = _Target(f, True, "hessian")

    def gradients(points: NDArray) -> NDArray:
        values = target(points[:, None, :] + 1j * (h[:, None] * np.eye(h.size)))
        return values.imag / h
    return gradients


# --- automatic differentiation ------------------------------------------------------

def _autodiff(f: Function, x: NDArray, kind: str, vectorized: bool) -> NDArray[np.float64]:
    """One call of f on seeded ``mathkit.autodiff`` numbers; their derivative parts."""
    number = HyperDual if kind == "hessian" else Dual
    seeded = number.variables(x[None, :] if vectorized else x)
    try:
        out = f(seeded)
    except IndexError as e:
        if vectorized:
            raise ValueError(f"{_vectorized_hint(kind)}; on a (1, {x.size}) array f raised "
                             f"IndexError: {e}") from e
        raise
    if isinstance(out, (list, tuple)):  # a vector function written as a list of values
        out = np.stack(out) if any(isinstance(v, Dual) for v in out) else np.asarray(out)
    if not isinstance(out, Dual):  # f does not depend on x: zero derivatives
        out = seeded.sum() * 0.0 + np.asarray(out, dtype=float)
    target = _Target(lambda _: out.value, vectorized, kind)  # its checks, not its calls
    value = target._shaped(np.asarray(out.value), 1 if vectorized else None)
    if not np.all(np.isfinite(value)):
        raise ValueError(f"f(x) is not finite at x = {x.tolist()}: {value}")
    parts = out.hess if kind == "hessian" else out.grad
    parts = parts.reshape(parts.shape[:out.order] + value.shape)
    if vectorized:
        parts = parts[(slice(None),) * out.order + (0,)]
    if not np.all(np.isfinite(parts)):
        raise ValueError(f"the derivative of f is not finite at x = {x.tolist()}")
    if kind == "hessian":
        return (parts + parts.T) / 2  # exact: symmetric by construction up to BLAS order
    return parts if kind == "grad" else parts.T

"""Exact gradients and Hessians with sympy: the Python counterpart of R's ``deriv()``.

``deriv`` differentiates an expression once, symbolically, compiles the value,
every first partial and every second partial into one numpy function, and hands
back a callable :class:`Derivative`. Calling it evaluates all three at any
number of points at once, like the function R builds with
``deriv(..., function.arg = TRUE, hessian = TRUE)``.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import sympy
from numpy.typing import ArrayLike
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

__all__ = ["Derivative", "DerivativeValue", "deriv"]

# parse_expr evaluates the code it builds from the text, so that code sees no builtins
# (no __import__, open, eval), only these names, the caller's variables and the
# constructors the parser itself emits. The functions are those R's deriv() knows.
_t = sympy.Symbol("t")
_NAMES = {
    **{name: getattr(sympy, name) for name in (
        "exp", "log", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
        "tanh", "gamma", "digamma", "trigamma", "pi",
        "Symbol", "Function", "Integer", "Float", "Rational", "factorial")},
    "lgamma": sympy.loggamma,
    "pnorm": sympy.Lambda(_t, (1 + sympy.erf(_t / sympy.sqrt(2))) / 2),
    "dnorm": sympy.Lambda(_t, sympy.exp(-_t**2 / 2) / sympy.sqrt(2 * sympy.pi)),
}
_TRANSFORMATIONS = (*standard_transformations, convert_xor)  # x^2 means x**2, as in R


class DerivativeValue(NamedTuple):
    """Value, gradient (last axis: variables) and Hessian (None if not asked for).

    Examples
    --------
    >>> value, gradient, hessian = deriv("x*y", ["x", "y"])(2, 3)
    >>> float(value), gradient.tolist(), hessian.tolist()
    (6.0, [3.0, 2.0], [[0.0, 1.0], [1.0, 0.0]])
    """

    value: np.ndarray
    gradient: np.ndarray
    hessian: np.ndarray | None


@dataclass(frozen=True)
class Derivative:
    """A scalar expression with its symbolic gradient and Hessian, compiled for numpy.

    Build one with :func:`deriv`. Call it with one value per variable (positional
    in the order of ``variables``, or by name); the values broadcast together.

    Attributes
    ----------
    expr : sympy.Expr
        The expression.
    variables : tuple of str
        The variables, in the order of the gradient and of positional arguments.
    gradient_expr : sympy.ImmutableMatrix
        Column vector of first partial derivatives, shape (n, 1).
    hessian_expr : sympy.ImmutableMatrix or None
        Matrix of second partial derivatives, shape (n, n); None if ``hessian=False``.

    Examples
    --------
    >>> d = deriv("exp(x) - x + y^2", ["x", "y"])
    >>> d.gradient_expr.T
    Matrix([[exp(x) - 1, 2*y]])
    >>> d(x=0.0, y=[0.0, 1.0]).gradient.tolist()
    [[0.0, 0.0], [0.0, 2.0]]
    """

    expr: sympy.Expr
    variables: tuple[str, ...]
    gradient_expr: sympy.ImmutableMatrix = field(repr=False)
    hessian_expr: sympy.ImmutableMatrix | None = field(repr=False)
    _compiled: Callable = field(repr=False, compare=False)

    def __call__(self, *args: ArrayLike, **kwargs: ArrayLike) -> DerivativeValue:
        values, shape = self._arguments(args, kwargs)
        with np.errstate(all="ignore"):  # a non-finite result is reported below, not warned
            flat = self._compiled(*values)
        parts = np.stack([np.broadcast_to(np.asarray(e, dtype=float), shape) for e in flat], -1)
        n = len(self.variables)
        value, gradient = parts[..., 0], parts[..., 1:n + 1]
        hessian = None
        if self.hessian_expr is not None:
            hessian = np.empty((*shape, n, n))
            rows, cols = np.triu_indices(n)
            hessian[..., rows, cols] = hessian[..., cols, rows] = parts[..., n + 1:]
        for name, part in (("value", value), ("gradient", gradient), ("hessian", hessian)):
            if part is not None and not np.all(np.isfinite(part)):
                raise ValueError(f"non-finite {self._where(name, part, values, shape)}")
        return DerivativeValue(value[()], gradient, hessian)

    def _arguments(self, args: tuple, kwargs: dict) -> tuple[list[np.ndarray], tuple[int, ...]]:
        """The values in the order of ``variables``, and the shape they broadcast to."""
        names = self.variables
        if len(args) > len(names):
            raise ValueError(f"expected {len(names)} values for {names}, got {len(args)}")
        given = dict(zip(names, args, strict=False))
        for key, val in kwargs.items():
            if key not in names:
                raise ValueError(f"unknown variable {key!r}; the variables are {names}")
            if key in given:
                raise ValueError(f"variable {key!r} given twice (by position and by name)")
            given[key] = val
        missing = [v for v in names if v not in given]
        if missing:
            raise ValueError(f"missing values for {missing}; expected {len(names)} for {names}")
        try:
            values = [np.asarray(given[v], dtype=float) for v in names]
            shape = np.broadcast_shapes(*(v.shape for v in values))
        except (TypeError, ValueError) as err:
            shapes = {v: np.shape(given[v]) for v in names}
            raise ValueError(f"values must be real numbers that broadcast together, "
                             f"got shapes {shapes}: {err}") from None
        return values, shape

    def _where(self, name: str, part: np.ndarray, values: list[np.ndarray],
               shape: tuple[int, ...]) -> str:
        """Which entry of ``part`` is not finite first, and at which point."""
        bad = np.argwhere(~np.isfinite(part))[0]
        at = tuple(bad[:len(shape)])
        point = ", ".join(f"{v}={np.broadcast_to(x, shape)[at]:g}"
                          for v, x in zip(self.variables, values, strict=True))
        entry = ", ".join(self.variables[i] for i in bad[len(shape):])
        return f"{name}{f'[{entry}]' if entry else ''} of {self.expr} at {point}"


def deriv(expr: str | sympy.Expr, variables: Sequence[str] | str,
          hessian: bool = True) -> Derivative:
    """Differentiate ``expr`` symbolically and compile value, gradient and Hessian.

    Parameters
    ----------
    expr : str or sympy.Expr
        A scalar expression, e.g. ``"x^2 + 2*y^2 + x*y"``; ``^`` is a power, as in R.
    variables : sequence of str
        Names to differentiate by; each must occur in ``expr``, and every free
        symbol of ``expr`` must be one of them. A single string is one name.
    hessian : bool, default True
        Also build the Hessian (the only work that grows like n**2).

    Returns
    -------
    Derivative
        Callable: ``d(*values)`` or ``d(x=..., y=...)`` returns a
        ``DerivativeValue(value, gradient, hessian)`` of shapes
        ``(...)``, ``(..., n)`` and ``(..., n, n)``.

    Raises
    ------
    ValueError
        If the text does not parse, a name is not a valid identifier or does not
        occur, ``expr`` has symbols that are not listed; when called, for the
        wrong values or a non-finite result.

    Examples
    --------
    >>> d = deriv("x^2 + 2*y^2 + x*y", ["x", "y"])
    >>> value, gradient, hess = d(1, 1)
    >>> float(value), gradient.tolist(), hess.tolist()
    (4.0, [3.0, 5.0], [[2.0, 1.0], [1.0, 4.0]])
    >>> d.gradient_expr.T
    Matrix([[2*x + y, x + 4*y]])
    >>> d(x=[0.0, 1.0, 2.0], y=1).gradient.tolist()
    [[1.0, 4.0], [3.0, 5.0], [5.0, 6.0]]
    """
    names = _check_names(variables)
    symbols = {name: sympy.Symbol(name) for name in names}
    expr = _as_expression(expr, symbols)
    xs = _symbols_of(expr, names)
    gradient = sympy.ImmutableMatrix([sympy.diff(expr, x) for x in xs])
    entries = [expr, *gradient]
    hess = None
    if hessian:
        hess = sympy.ImmutableMatrix(sympy.hessian(expr, xs))
        entries += [hess[i, j] for i, j in zip(*np.triu_indices(len(xs)), strict=True)]
    compiled = sympy.lambdify(xs, entries, modules=["scipy", "numpy"], cse=True)
    return Derivative(expr, names, gradient, hess, compiled)


def _check_names(variables: Sequence[str] | str) -> tuple[str, ...]:
    names = (variables,) if isinstance(variables, str) else tuple(variables)
    if not names:
        raise ValueError("variables is empty: name at least one variable")
    for name in names:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"variable name {name!r} is not a valid identifier")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"variables {repeated} are listed more than once")
    return names


def _symbols_of(expr: sympy.Expr, names: tuple[str, ...]) -> list[sympy.Symbol]:
    """The expression's own symbols for ``names`` (a sympy input keeps its assumptions)."""
    free = {s.name: s for s in expr.free_symbols}
    absent = [name for name in names if name not in free]
    if absent:
        raise ValueError(f"variables {absent} do not occur in the expression {expr}")
    unlisted = sorted(set(free) - set(names))
    if unlisted:
        raise ValueError(f"the expression {expr} has symbols {unlisted} not listed in "
                         f"variables {list(names)}")
    return [free[name] for name in names]


def _as_expression(expr: str | sympy.Expr, symbols: dict[str, sympy.Symbol]) -> sympy.Expr:
    if isinstance(expr, str):
        if "__" in expr:  # no arithmetic needs a dunder; attribute tricks do
            raise ValueError(f"expression {expr!r} does not parse: '__' is not allowed")
        try:
            expr = parse_expr(expr, local_dict=dict(symbols),
                              global_dict={"__builtins__": {}, **_NAMES},
                              transformations=_TRANSFORMATIONS)
        except Exception as err:  # sympy raises many kinds: SyntaxError, TypeError, TokenError
            raise ValueError(f"expression {expr!r} does not parse: "
                             f"{type(err).__name__}: {err}") from None
    elif not isinstance(expr, sympy.Basic):
        raise TypeError(f"expr must be a string or sympy expression, got {type(expr).__name__}")
    if not isinstance(expr, sympy.Expr) or isinstance(expr, sympy.MatrixBase):
        raise ValueError(f"expression {expr} is not a scalar expression")
    unknown = sorted(str(f.func) for f in expr.atoms(AppliedUndef))
    if unknown:
        raise ValueError(f"expression {expr} calls unknown functions {unknown}")
    return expr

"""Forward-mode automatic differentiation: numbers that carry their derivatives.

A :class:`Dual` is a value together with its gradient with respect to n input
variables; a :class:`HyperDual` also carries the Hessian. Both are *arrays* of such
numbers: ``value`` has some shape S, ``grad`` the shape (n,) + S and ``hess`` the
shape (n, n) + S, derivative axes first, so that ``grad[k]`` is the derivative along
the k-th seed direction and numpy broadcasts the value against the derivatives.
Every operation applies the chain rule to all n directions at once, with numpy;
one evaluation of ``f`` on seeded variables therefore gives the whole gradient (or
Hessian), exact up to rounding. The rules, for y = phi(u) elementwise:

    grad y = phi'(u) grad u
    hess y = phi'(u) hess u + phi''(u) (grad u)(grad u)^T

and for products the Leibniz rule (see ``Dual.__mul__``). The Hessian pass
costs O(n^2) per operation where the gradient pass costs O(n): that is the price of
forward mode (a reverse pass would give the gradient for O(1) times f).

What ``f`` may do with these numbers: arithmetic and powers, comparisons (they
compare values, so branches work), the numpy ufuncs in :data:`UNARY` plus
``logaddexp``, ``maximum`` and ``minimum``, indexing, ``sum``, ``dot`` and ``@`` with
a constant matrix, ``np.stack``, ``np.concatenate``, ``np.where``. Anything else
raises TypeError (or ValueError where the function is not differentiable at the
point, e.g. ``abs`` at 0), naming the operation: a derivative is never silently
wrong. ``float(x)``, ``math.exp(x)`` and ``np.asarray(x)`` would drop the
derivative, so they raise too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["UNARY", "Dual", "HyperDual"]


def _unsupported(what: str) -> TypeError:
    return TypeError(f"mathkit.autodiff: {what} is not supported on Dual/HyperDual numbers "
                     "(it would lose the derivative); use numpy's elementwise functions, "
                     "arithmetic, indexing, sum, dot, @ with a constant matrix, np.stack")


class Dual:
    """Values with their gradients (forward mode, first order).

    Parameters
    ----------
    value : array_like, shape S
    grad : array_like, shape (n,) + S
        ``grad[k]`` is the derivative of ``value`` along the k-th input.

    Examples
    --------
    >>> x = Dual.variables([3.0, 2.0])       # x[0] and x[1] are the inputs
    >>> y = x[0] * x[1] + np.sin(x[0])
    >>> round(y.value.item(), 6), y.grad.round(6).tolist()
    (6.14112, [1.010008, 3.0])
    """

    __slots__ = ("value", "grad")
    order = 1

    def __init__(self, value: ArrayLike, grad: ArrayLike) -> None:
        self.value, self.grad = np.asarray(value, dtype=float), np.asarray(grad, dtype=float)

    @classmethod
    def variables(cls, x: ArrayLike) -> Dual:
        """The inputs themselves, seeded: ``grad`` is the identity."""
        x = np.asarray(x, dtype=float)
        return cls._seed(x, np.eye(x.size).reshape((x.size,) + x.shape))

    @classmethod
    def _seed(cls, x: NDArray, grad: NDArray) -> Dual:
        return Dual(x, grad)

    # --- the two parts every rule needs -------------------------------------------

    def _parts(self) -> tuple:
        return (self.grad,)

    def _new(self, value: NDArray, grad: NDArray, hess: NDArray | None = None) -> Dual:
        new = object.__new__(Dual)  # the parts are float arrays already: no conversions
        new.value, new.grad = np.asarray(value), grad
        return new

    @property
    def n(self) -> int:
        """The number of input variables."""
        return self.grad.shape[0]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def size(self) -> int:
        return self.value.size

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(value={self.value!r}, n={self.n})"

    # --- chain rules --------------------------------------------------------------

    def _chain(self, y: NDArray, d1: NDArray, d2: NDArray | None) -> Dual:
        """y = phi(self) with phi' = d1 and phi'' = d2 at self.value."""
        return self._new(y, d1 * self.grad)

    def _product(self, other: Dual, value: NDArray) -> Dual:
        shape = value.shape
        a, b = self._lifted(shape), other._lifted(shape)
        return self._new(value, a[0] * other.value + self.value * b[0])

    def _quotient(self, other: Dual, value: NDArray) -> Dual:
        shape = value.shape
        a, b = self._lifted(shape), other._lifted(shape)
        return self._new(value, (a[0] - value * b[0]) / other.value)

    def _scaled_sum(self, other: Dual, p: NDArray, q: NDArray, value: NDArray) -> Dual:
        """p * self + q * other in the derivatives (logaddexp adds a curvature term)."""
        a, b = self._lifted(value.shape), other._lifted(value.shape)
        return self._new(value, p * a[0] + q * b[0])

    def _lifted(self, shape: tuple) -> tuple:
        """Derivative parts with value axes broadcast to ``shape`` (derivative axes first)."""
        if self.shape == shape:
            return self._parts()
        out = []
        for k, d in enumerate(self._parts(), start=1):
            # numpy aligns trailing axes: pad the value axes on the left first
            d = d.reshape(d.shape[:k] + (1,) * (len(shape) - self.ndim) + d.shape[k:])
            out.append(np.broadcast_to(d, d.shape[:k] + shape))
        return tuple(out)

    def _padded(self, ndim: int) -> Dual:
        """The same numbers with value axes of length 1 added on the left, up to ``ndim``."""
        if self.ndim >= ndim:
            return self
        return self.reshape((1,) * (ndim - self.ndim) + self.shape)

    def _map(self, op: Callable[[NDArray, int], NDArray]) -> Dual:
        """The same linear operation on the value and on every derivative part.

        ``op(array, k)`` gets k leading derivative axes to leave alone.
        """
        return self._new(op(self.value, 0), *(op(d, k) for k, d in
                                              enumerate(self._parts(), start=1)))

    # --- arithmetic ---------------------------------------------------------------

    def __add__(self, other):
        return np.add(self, other)

    def __radd__(self, other):
        return np.add(other, self)

    def __sub__(self, other):
        return np.subtract(self, other)

    def __rsub__(self, other):
        return np.subtract(other, self)

    def __mul__(self, other):
        """Leibniz: (uv)' = u'v + uv'; (uv)'' = u''v + uv'' + u'v'^T + v'u'^T."""
        return np.multiply(self, other)

    def __rmul__(self, other):
        return np.multiply(other, self)

    def __truediv__(self, other):
        return np.true_divide(self, other)

    def __rtruediv__(self, other):
        return np.true_divide(other, self)

    def __pow__(self, other):
        return np.power(self, other)

    def __rpow__(self, other):
        return np.power(other, self)

    def __neg__(self):
        return np.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return np.absolute(self)

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    # Comparisons look at values only, so `if x > 0:` and np.where(x > 0, ...) work.
    def __lt__(self, other):
        return self.value < _value(other)

    def __le__(self, other):
        return self.value <= _value(other)

    def __gt__(self, other):
        return self.value > _value(other)

    def __ge__(self, other):
        return self.value >= _value(other)

    def __eq__(self, other):
        return self.value == _value(other)

    def __ne__(self, other):
        return self.value != _value(other)

    __hash__ = None

    def __float__(self):
        raise _unsupported("float() (also math.* functions)")

    def __int__(self):
        raise _unsupported("int()")

    def __complex__(self):
        raise _unsupported("complex()")

    def __index__(self):
        raise _unsupported("use as an index")

    def __array__(self, dtype=None, copy=None):
        raise _unsupported("conversion to a plain array (np.array, np.asarray; "
                           "to build a vector of these numbers use np.stack)")

    def __setitem__(self, key, value):
        raise _unsupported("item assignment")

    # --- array operations ---------------------------------------------------------

    def __getitem__(self, key) -> Dual:
        key = key if isinstance(key, tuple) else (key,)
        if any(isinstance(k, Dual) for k in key):
            raise _unsupported("indexing by an autodiff number")
        result = self._map(lambda a, k: a[(slice(None),) * k + key])
        if any(isinstance(k, (list, np.ndarray)) for k in key) and any(
                d.shape[k:] != result.shape for k, d in enumerate(result._parts(), start=1)):
            # numpy moves separated advanced indices to the front: not the same layout
            raise _unsupported(f"this index {key!r}")
        return result

    def sum(self, axis: int | tuple | None = None) -> Dual:
        axes = _axes(axis, self.ndim)
        return self._map(lambda a, k: a.sum(axis=tuple(k + i for i in axes)))

    def dot(self, other) -> Dual:
        return np.dot(self, other)

    def reshape(self, *shape) -> Dual:
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return self._map(lambda a, k: a.reshape(a.shape[:k] + tuple(shape)))

    @property
    def T(self) -> Dual:
        return self._map(lambda a, k: np.moveaxis(a, list(range(k, a.ndim)),
                                                  list(range(a.ndim - 1, k - 1, -1))))

    def _matmul_constant(self, matrix: NDArray, left: bool) -> Dual:
        """matrix @ self (left) or self @ matrix, for a constant matrix."""
        if left:
            if self.ndim == 1:
                return self._map(lambda a, k: a @ matrix.T)
            return self._map(lambda a, k: np.matmul(matrix, a))
        return self._map(lambda a, k: a @ matrix)

    # --- numpy dispatch -----------------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            raise _unsupported(f"np.{ufunc.__name__}.{method}" if method != "__call__"
                               else f"np.{ufunc.__name__} with {sorted(kwargs)}")
        name = ufunc.__name__
        if name in _COMPARE:
            return _COMPARE[name](*(_value(a) for a in inputs))
        if len(inputs) == 1 and name in UNARY:
            return _unary(name, inputs[0])
        if len(inputs) == 2 and name in _BINARY:
            return _BINARY[name](*inputs)
        raise _unsupported(f"np.{name}")

    def __array_function__(self, func, types, args, kwargs):
        handler = _FUNCTIONS.get(func)
        if handler is None:
            raise _unsupported(f"np.{func.__name__}")
        return handler(*args, **kwargs)


class HyperDual(Dual):
    """Values with their gradients and Hessians (forward mode, second order).

    Parameters
    ----------
    value : array_like, shape S
    grad : array_like, shape (n,) + S
    hess : array_like, shape (n, n) + S

    Examples
    --------
    >>> x = HyperDual.variables([1.0, 2.0])
    >>> y = x[0] ** 2 * x[1] + np.exp(x[1])
    >>> y.hess.round(6).tolist()
    [[4.0, 2.0], [2.0, 7.389056]]
    """

    __slots__ = ("hess",)
    order = 2

    def __init__(self, value: ArrayLike, grad: ArrayLike, hess: ArrayLike) -> None:
        super().__init__(value, grad)
        self.hess = np.asarray(hess, dtype=float)

    @classmethod
    def _seed(cls, x: NDArray, grad: NDArray) -> HyperDual:
        return HyperDual(x, grad, np.zeros((x.size,) + grad.shape))

    def _parts(self) -> tuple:
        return (self.grad, self.hess)

    def _new(self, value: NDArray, grad: NDArray, hess: NDArray | None = None) -> HyperDual:
        new = object.__new__(HyperDual)
        new.value, new.grad, new.hess = np.asarray(value), grad, hess
        return new

    def _chain(self, y, d1, d2):
        g = self.grad
        return self._new(y, d1 * g, d1 * self.hess + d2 * (g[:, None] * g[None, :]))

    def _product(self, other, value):
        (ga, ha), (gb, hb) = self._lifted(value.shape), other._lifted(value.shape)
        cross = ga[:, None] * gb[None, :]
        return self._new(value, ga * other.value + self.value * gb,
                         ha * other.value + self.value * hb + cross + np.swapaxes(cross, 0, 1))

    def _quotient(self, other, value):
        # a = q b, so q'' b = a'' - q b'' - q' b'^T - b' q'^T
        (ga, ha), (gb, hb) = self._lifted(value.shape), other._lifted(value.shape)
        gq = (ga - value * gb) / other.value
        cross = gq[:, None] * gb[None, :]
        return self._new(value, gq, (ha - value * hb - cross - np.swapaxes(cross, 0, 1))
                         / other.value)

    def _scaled_sum(self, other, p, q, value):
        # logaddexp: p = softmax weight of self, q = 1 - p; curvature p q (a' - b')(a' - b')^T
        (ga, ha), (gb, hb) = self._lifted(value.shape), other._lifted(value.shape)
        diff = ga - gb
        return self._new(value, p * ga + q * gb,
                         p * ha + q * hb + (p * q) * (diff[:, None] * diff[None, :]))


def _value(a):
    return a.value if isinstance(a, Dual) else a


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def _real(a) -> NDArray:
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise _unsupported(f"arithmetic with a {a.dtype} value")
    return a.astype(float)


def _constant(like: Dual, a) -> Dual:
    """A constant as an autodiff number of the same kind: zero derivatives."""
    a = _real(a)
    zeros = [np.zeros(d.shape[:k] + (1,) * a.ndim) for k, d in
             enumerate(like._parts(), start=1)]
    return like._new(a, *(np.broadcast_to(z, z.shape[:k] + a.shape)
                          for k, z in enumerate(zeros, start=1)))


def _pair(a, b) -> tuple[Dual, Dual]:
    if isinstance(a, Dual) and isinstance(b, Dual) and a.order != b.order:
        raise TypeError("mathkit.autodiff: cannot mix Dual and HyperDual numbers")
    like = a if isinstance(a, Dual) else b
    return (a if isinstance(a, Dual) else _constant(like, a),
            b if isinstance(b, Dual) else _constant(like, b))


# --- elementwise functions: value, first and second derivative ----------------------

def _checked(name: str, u: NDArray, *derivatives: NDArray) -> None:
    """Raise where f is finite but a derivative is not (sqrt at 0, log at 0, ...)."""
    if all(np.isfinite(d).all() for d in derivatives):
        return
    bad = np.zeros(np.broadcast_shapes(np.shape(u), *map(np.shape, derivatives)), dtype=bool)
    for d in derivatives:
        bad = bad | ~np.isfinite(d)
    bad &= np.isfinite(u)
    if np.any(bad):
        where = np.broadcast_to(u, bad.shape)[bad].flat[0]
        raise ValueError(f"mathkit.autodiff: np.{name} is not differentiable at {float(where)!r}")


def _abs_rule(u):
    if np.any(u == 0):
        raise ValueError("mathkit.autodiff: np.absolute is not differentiable at 0")
    return np.abs(u), np.sign(u), np.zeros_like(u)


#: Elementwise numpy functions and their rules: u -> (phi(u), phi'(u), phi''(u)).
UNARY: dict[str, Callable[[NDArray], tuple]] = {
    "negative": lambda u: (-u, np.full_like(u, -1.0), np.zeros_like(u)),
    "positive": lambda u: (+u, np.ones_like(u), np.zeros_like(u)),
    "absolute": _abs_rule,
    "square": lambda u: (np.square(u), 2 * u, np.full_like(u, 2.0)),
    "reciprocal": lambda u: (1 / u, -1 / (u * u), 2 / (u * u * u)),
    "sqrt": lambda u: (y := np.sqrt(u), 0.5 / y, -0.25 / (y * u)),
    "cbrt": lambda u: (y := np.cbrt(u), 1 / (3 * y * y), -2 / (9 * y * y * u)),
    "exp": lambda u: (y := np.exp(u), y, y),
    "exp2": lambda u: (y := np.exp2(u), y * np.log(2), y * np.log(2) ** 2),
    "expm1": lambda u: (np.expm1(u), e := np.exp(u), e),
    "log": lambda u: (np.log(u), 1 / u, -1 / (u * u)),
    "log2": lambda u: (np.log2(u), 1 / (u * np.log(2)), -1 / (u * u * np.log(2))),
    "log10": lambda u: (np.log10(u), 1 / (u * np.log(10)), -1 / (u * u * np.log(10))),
    "log1p": lambda u: (np.log1p(u), 1 / (1 + u), -1 / ((1 + u) * (1 + u))),
    "sin": lambda u: (s := np.sin(u), np.cos(u), -s),
    "cos": lambda u: (c := np.cos(u), -np.sin(u), -c),
    "tan": lambda u: (t := np.tan(u), 1 + t * t, 2 * t * (1 + t * t)),
    "arcsin": lambda u: (np.arcsin(u), 1 / np.sqrt(1 - u * u), u / (1 - u * u) ** 1.5),
    "arccos": lambda u: (np.arccos(u), -1 / np.sqrt(1 - u * u), -u / (1 - u * u) ** 1.5),
    "arctan": lambda u: (np.arctan(u), 1 / (1 + u * u), -2 * u / ((1 + u * u) * (1 + u * u))),
    "sinh": lambda u: (s := np.sinh(u), np.cosh(u), s),
    "cosh": lambda u: (c := np.cosh(u), np.sinh(u), c),
    "tanh": lambda u: (t := np.tanh(u), 1 - t * t, -2 * t * (1 - t * t)),
    "arcsinh": lambda u: (np.arcsinh(u), 1 / np.sqrt(1 + u * u), -u / (1 + u * u) ** 1.5),
    "arctanh": lambda u: (np.arctanh(u), 1 / (1 - u * u), 2 * u / ((1 - u * u) * (1 - u * u))),
    "expit": lambda u: (s := 1 / (1 + np.exp(-u)), s * (1 - s), s * (1 - s) * (1 - 2 * s)),
}


def _unary(name: str, u: Dual) -> Dual:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y, d1, d2 = UNARY[name](u.value)
    _checked(name, u.value, d1, *((d2,) if u.order == 2 else ()))
    return u._chain(y, d1, d2)


def _add(a, b, sign: float = 1.0) -> Dual:
    if not (isinstance(a, Dual) and isinstance(b, Dual)):  # a constant moves the value only
        jet = a if isinstance(a, Dual) else b
        other = _real(b if jet is a else a)
        left, right = (jet.value, other) if jet is a else (other, jet.value)
        value = np.asarray(left + right if sign > 0 else left - right)
        parts = jet._lifted(value.shape)
        if jet is b and sign < 0:
            parts = tuple(-p for p in parts)
        return jet._new(value, *parts)
    a, b = _pair(a, b)
    value = a.value + b.value if sign > 0 else a.value - b.value
    parts = [pa + pb if sign > 0 else pa - pb
             for pa, pb in zip(a._lifted(value.shape), b._lifted(value.shape), strict=True)]
    return a._new(value, *parts)


def _multiply(a, b) -> Dual:
    if not isinstance(a, Dual):
        a, b = b, a  # a constant factor commutes
    if not isinstance(b, Dual):  # a constant factor scales every part
        c = _real(b)
        return a._padded(c.ndim)._map(lambda p, k: p * c)
    a, b = _pair(a, b)
    return a._product(b, a.value * b.value)


def _divide(a, b) -> Dual:
    if not isinstance(b, Dual):
        c = _real(b)
        return a._padded(c.ndim)._map(lambda p, k: p / c)
    a, b = _pair(a, b)
    return a._quotient(b, a.value / b.value)


def _power(a, b) -> Dual:
    if isinstance(b, Dual):  # u ** v = exp(v log u), defined for u > 0 only
        if not isinstance(a, Dual) and np.all(np.asarray(a) > 0):
            return np.exp(b * np.log(a))
        if isinstance(a, Dual) and np.all(a.value > 0):
            return np.exp(b * np.log(a))
        raise ValueError("mathkit.autodiff: x ** y with y an autodiff number needs x > 0")
    c = np.asarray(b, dtype=float)
    u = a.value
    with np.errstate(divide="ignore", invalid="ignore"):
        y = u ** c
        # c u^(c-1) and c (c-1) u^(c-2), written so that u = 0 with c = 1 or 2 is exact
        d1 = np.where(c == 0, 0.0, c * u ** np.where(c == 0, 1.0, c - 1))
        d2 = np.where((c == 0) | (c == 1), 0.0,
                      c * (c - 1) * u ** np.where((c == 0) | (c == 1), 2.0, c - 2))
    _checked("power", u, d1, *((d2,) if a.order == 2 else ()))
    return a._chain(y, d1, d2)


def _logaddexp(a, b) -> Dual:
    a, b = _pair(a, b)
    value = np.logaddexp(a.value, b.value)
    p = np.exp(a.value - value)
    return a._scaled_sum(b, p, np.exp(b.value - value), value)


def _select(pick_a: Callable, name: str) -> Callable:
    def rule(a, b) -> Dual:
        a, b = _pair(a, b)
        if np.any(a.value == b.value):
            raise ValueError(f"mathkit.autodiff: np.{name} is not differentiable where "
                             "its arguments are equal")
        return _where(pick_a(a.value, b.value), a, b)
    return rule


def _matmul(a, b) -> Dual:
    if isinstance(a, Dual) and isinstance(b, Dual):
        if a.ndim == 1 and b.ndim == 1:
            return (a * b).sum()
        raise _unsupported("@ between two autodiff arrays (one side must be constant, or "
                           "both vectors)")
    if isinstance(b, Dual):
        return b._matmul_constant(np.asarray(a, dtype=float), left=True)
    return a._matmul_constant(np.asarray(b, dtype=float), left=False)


_BINARY = {
    "add": _add,
    "subtract": lambda a, b: _add(a, b, -1.0),
    "multiply": _multiply,
    "true_divide": _divide,
    "divide": _divide,
    "power": _power,
    "float_power": _power,
    "logaddexp": _logaddexp,
    "maximum": _select(np.greater, "maximum"),
    "minimum": _select(np.less, "minimum"),
    "matmul": _matmul,
}

_COMPARE = {"less": np.less, "less_equal": np.less_equal, "greater": np.greater,
            "greater_equal": np.greater_equal, "equal": np.equal, "not_equal": np.not_equal}


# --- numpy functions ----------------------------------------------------------------

def _where(condition, a, b) -> Dual:
    condition = np.asarray(_value(condition), dtype=bool)
    a, b = _pair(a, b)
    value = np.where(condition, a.value, b.value)
    parts = [np.where(condition, pa, pb) for pa, pb in zip(
        a._lifted(value.shape), b._lifted(value.shape), strict=True)]
    return a._new(value, *parts)


def _join(arrays, axis: int, stack: bool) -> Dual:
    like = next((a for a in arrays if isinstance(a, Dual)), None)
    items = [a if isinstance(a, Dual) else _constant(like, a) for a in arrays]
    ndim = items[0].ndim + (1 if stack else 0)
    ax = axis % ndim if ndim else axis
    join = np.stack if stack else np.concatenate
    return items[0]._new(join([i.value for i in items], axis=ax),
                         *(join([i._parts()[k - 1] for i in items], axis=ax + k)
                           for k in range(1, items[0].order + 1)))


def _sum(a, axis=None, **kwargs) -> Dual:
    if kwargs:
        raise _unsupported(f"np.sum with {sorted(kwargs)}")
    return a.sum(axis) if isinstance(a, Dual) else np.sum(a, axis)


def _dot(a, b) -> Dual:
    if np.ndim(_value(a)) == 0 or np.ndim(_value(b)) == 0:
        return a * b
    return _matmul(a, b)


_FUNCTIONS = {
    np.sum: _sum,
    np.dot: _dot,
    np.matmul: _matmul,
    np.where: _where,
    np.stack: lambda arrays, axis=0: _join(arrays, axis, True),
    np.concatenate: lambda arrays, axis=0: _join(arrays, axis, False),
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a: a.size,
}

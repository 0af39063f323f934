"""mathkit.autodiff: every rule against sympy's derivatives, array semantics, and the
operations it must refuse (never a silently wrong derivative)."""

import math

import numpy as np
import pytest
import scipy.special
import sympy

from mathkit.autodiff import UNARY, Dual, HyperDual

u = sympy.Symbol("u", real=True)
SYMPY = {
    "negative": -u, "positive": u, "absolute": sympy.Abs(u), "square": u**2,
    "reciprocal": 1 / u, "sqrt": sympy.sqrt(u), "cbrt": sympy.cbrt(u), "exp": sympy.exp(u),
    "exp2": 2**u, "expm1": sympy.exp(u) - 1, "log": sympy.log(u), "log2": sympy.log(u, 2),
    "log10": sympy.log(u, 10), "log1p": sympy.log(1 + u), "sin": sympy.sin(u),
    "cos": sympy.cos(u), "tan": sympy.tan(u), "arcsin": sympy.asin(u), "arccos": sympy.acos(u),
    "arctan": sympy.atan(u), "sinh": sympy.sinh(u), "cosh": sympy.cosh(u),
    "tanh": sympy.tanh(u), "arcsinh": sympy.asinh(u), "arctanh": sympy.atanh(u),
    "expit": 1 / (1 + sympy.exp(-u)),
}
FUNCS = {name: getattr(np, name, None) or getattr(scipy.special, name) for name in UNARY}


def test_every_rule_has_a_reference():
    assert set(SYMPY) == set(UNARY)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("point", [0.3, 0.71, -0.45])
def test_rule_matches_sympy(name, point):
    expr = SYMPY[name]
    if name in {"sqrt", "cbrt", "log", "log2", "log10"}:  # sympy: the real branch
        point = abs(point)
    exact = [float(sympy.N(e.subs(u, point), 30)) for e in
             (expr, sympy.diff(expr, u), sympy.diff(expr, u, 2))]
    x = HyperDual.variables([point])
    y = FUNCS[name](x)
    got = [y.value.item(), y.grad.item(), y.hess.item()]
    np.testing.assert_allclose(got, exact, rtol=4e-15, atol=1e-300)
    first = FUNCS[name](Dual.variables([point]))
    assert first.grad.item() == y.grad.item() and not hasattr(first, "hess")


def test_value_is_numpys():
    # The value part is f's own arithmetic: the same bits as f on plain floats.
    x = np.array([0.3, -1.2, 0.8])

    def f(v):
        return np.exp(0.5 * v[0]) * np.sin(v[1]) / (1 + v[2] ** 2) - v[0] * v[1] ** 3

    assert f(HyperDual.variables(x)).value.item() == f(x)


def test_arithmetic_and_powers():
    x = HyperDual.variables([1.5, -0.5])
    a, b = x[0], x[1]
    cases = [  # (expression, gradient, Hessian) at (1.5, -0.5)
        (a * b, [-0.5, 1.5], [[0, 1], [1, 0]]),
        (a / b, [-2.0, -6.0], [[0, -4.0], [-4.0, -24.0]]),
        (2.0 / a, [-2 / 2.25, 0], [[4 / 3.375, 0], [0, 0]]),
        (a**3, [6.75, 0], [[9.0, 0], [0, 0]]),
        (a**b, [-0.5 * 1.5**-1.5, math.log(1.5) * 1.5**-0.5],
         [[0.75 * 1.5**-2.5, 1.5**-1.5 * (1 - 0.5 * math.log(1.5))],
          [1.5**-1.5 * (1 - 0.5 * math.log(1.5)), math.log(1.5) ** 2 * 1.5**-0.5]]),
        (2.0**a, [math.log(2) * 2**1.5, 0], [[math.log(2) ** 2 * 2**1.5, 0], [0, 0]]),
        (a - 3 * b + 1, [1, -3], [[0, 0], [0, 0]]),
        (-a + (+b), [-1, 1], [[0, 0], [0, 0]]),
        (abs(b), [0, -1], [[0, 0], [0, 0]]),
    ]
    for y, g, h in cases:
        np.testing.assert_allclose(y.grad, g, rtol=1e-15, atol=1e-15)
        np.testing.assert_allclose(y.hess, h, rtol=1e-15, atol=1e-15)


def test_power_at_zero():
    x = HyperDual.variables([0.0])
    assert (x**1).grad.item() == 1.0 and (x**1).hess.item() == 0.0
    assert (x**2).grad.item() == 0.0 and (x**2).hess.item() == 2.0
    assert (x**0).grad.item() == 0.0
    with pytest.raises(ValueError, match="power is not differentiable at 0"):
        x**0.5


def test_array_operations():
    rng = np.random.default_rng(3)
    A, w = rng.normal(size=(4, 3)), rng.normal(size=3)
    x0 = rng.normal(size=3)
    x = HyperDual.variables(x0)
    checks = {  # each is linear in x: gradient is the matrix, Hessian zero
        "A @ x": (A @ x, A),
        "np.dot(A, x)": (np.dot(A, x), A),
        "x @ A.T": (x @ A.T, A),
        "w @ x": (w @ x, w[None]),
        "x.dot(w)": (x.dot(w), w[None]),
        "np.sum(x)": (np.sum(x), np.ones((1, 3))),
        "x[::-1]": (x[::-1], np.eye(3)[::-1]),
        "x[[2, 0]]": (x[[2, 0]], np.eye(3)[[2, 0]]),
        "np.stack": (np.stack([x[1], 2.0, x[0]]), np.array([[0, 1, 0], [0, 0, 0], [2, 0, 0]])
                     * [[1], [1], [0.5]]),
        "np.concatenate": (np.concatenate([x[:1], x]), np.eye(3)[[0, 0, 1, 2]]),
        "np.where": (np.where(x0 > 0, x, -x), np.diag(np.where(x0 > 0, 1.0, -1.0))),
    }
    for label, (y, jac) in checks.items():
        got = y.grad.reshape(3, -1).T
        np.testing.assert_allclose(got, jac.reshape(got.shape), rtol=1e-15, atol=1e-15,
                                   err_msg=label)
        assert not np.any(y.hess), label
    quad = x @ x  # both sides autodiff: a sum of products
    np.testing.assert_allclose(quad.hess, 2 * np.eye(3))


def test_batches_and_ellipsis_index_the_value_axes():
    # (k, n) points: X[..., 0] and X[:, 0] pick a column of values, never a derivative axis
    X = HyperDual.variables(np.array([[0.5, 2.0, -1.0]]))
    y = X[..., 0] * X[:, 1] ** 2 + np.sum(X, axis=1)
    assert y.shape == (1,)
    assert y.grad[:, 0].tolist() == [5.0, 3.0, 1.0]
    assert y.hess[:, :, 0].tolist() == [[0.0, 4.0, 0.0], [4.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    # broadcasting a scalar jet against a longer constant array keeps axes apart
    s = HyperDual.variables([2.0, 3.0])
    z = s[0] * np.arange(1.0, 3.0) + np.ones((2, 2))
    assert z.shape == (2, 2) and z.grad.shape == (2, 2, 2)
    assert z.grad[0].tolist() == [[1.0, 2.0], [1.0, 2.0]] and not np.any(z.grad[1])


def test_comparisons_compare_values():
    x = Dual.variables([1.0, 2.0])
    assert bool(x[0] < x[1]) and bool(x[1] >= 2) and bool(x[0] == 1.0)
    assert (x > 1.5).tolist() == [False, True]
    assert np.maximum(x, 1.5).grad.tolist() == [[0.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda x: np.round(x), TypeError, "np.round is not supported"),
    (lambda x: np.floor(x), TypeError, "np.floor is not supported"),
    (lambda x: np.sign(x), TypeError, "np.sign is not supported"),
    (lambda x: np.arctan2(x[0], x[1]), TypeError, "np.arctan2 is not supported"),
    (lambda x: np.linalg.norm(x), TypeError, "np.norm is not supported"),
    (lambda x: np.add.reduce(x), TypeError, "np.add.reduce"),
    (lambda x: float(x[0]), TypeError, "float()"),
    (lambda x: math.exp(x[0]), TypeError, "float() (also math.* functions)"),
    (lambda x: np.asarray(x), TypeError, "conversion to a plain array"),
    (lambda x: np.array([x[0], x[1]]), TypeError, "np.stack"),
    (lambda x: x.__setitem__(0, 1.0), TypeError, "item assignment"),
    (lambda x: np.abs(x - 1.0), ValueError, "np.absolute is not differentiable at 0"),
    (lambda x: np.sqrt(x - 1.0), ValueError, "np.sqrt is not differentiable at 0.0"),
    (lambda x: np.log(x - 1.0), ValueError, "np.log is not differentiable at 0.0"),
    (lambda x: np.maximum(x, 1.0), ValueError, "np.maximum is not differentiable where"),
    (lambda x: (-x) ** x, ValueError, "needs x > 0"),
    (lambda x: x * Dual.variables([1.0, 2.0]), TypeError, "cannot mix Dual and HyperDual"),
    (lambda x: np.outer(x, x) @ x, TypeError, "np.outer is not supported"),
])
def test_unsupported_operations_raise_naming_them(call, error, message):
    with pytest.raises(error) as info, np.errstate(all="ignore"):
        call(HyperDual.variables([1.0, 2.0]))
    assert message in str(info.value)

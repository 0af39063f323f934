"""mathkit.numeric against real numDeriv (tests/reference/numderiv.R), analytic derivatives
(sympy) and its own error paths.

Every fixture function is written below as numderiv.R writes it, so that Python and R
evaluate it to the same bits: ``x^2`` in R is ``x * x`` (R special-cases the square;
Python's ``**`` on a scalar is C ``pow``, one ulp off ``x * x`` for ~1 argument in 1100,
which at tiny coordinates moves numDeriv's Hessian by up to 5e-4), sums are explicit
left-to-right additions, ``exp``/``log``/``sin``/``cos`` are the C library's in both
(``math`` here, not numpy's SIMD loops, which can differ in the last bit), and ``x^4`` is
numpy's scalar power, which agrees with R's (``long double`` ``powl``) on these inputs
while numpy's *array* power does not always. The article's regression loss keeps R's
``sum()``, which adds in x87 long double: :func:`r_sum` replays that. With f evaluating
identically, the measured disagreement with R is 0 (bit for bit) in every case of the
fixture, evaluation counts included; complex-step cases too (R's C99 complex functions and
Python's ``cmath`` agree here), though those are only required to agree to 1e-14, since
that rests on two complex libraries.

With numpy's ``np.sum`` instead of R's long double sum, the regression loss differs from
R's in the last bits, and at the zero coordinates of (0, 0) numDeriv's absolute step
(h = eps = 1e-4, so h^2 = 1e-8 in the Hessian) amplifies that. Measured against R
(max abs difference / max abs value): gradient 2.3e-12 at (0, 0) and 4.3e-13 at
(2, 0.5); Hessian 6.7e-7 at (0, 0) and 1.1e-14 at (2, 0.5). At (0, 0) that is the size
of numDeriv's own error: R's Hessian is 4.2e-7 away from the exact 2 X'X, ours 3.3e-7
(``test_numpy_sum_at_zero_coordinates``).
"""

import cmath
import math
from functools import partial

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from support import reference

from mathkit import grad, hessian, jacobian
from mathkit.numeric import RICHARDSON_DEFAULTS

REF = reference("numderiv")
CASES = {case["id"]: case for case in REF["cases"]}
X_OBS = np.array(REF["x_obs"], dtype=float)
Y_OBS = np.array(REF["y_obs"])
OPS = {"grad": grad, "hessian": hessian, "jacobian": jacobian}


def r_sum(terms):
    """R's sum(): one left-to-right pass in long double (x87 80-bit, like R's LDOUBLE)."""
    total = np.zeros(np.shape(terms)[:-1], dtype=np.longdouble)
    for term in np.moveaxis(np.asarray(terms), -1, 0):
        total = total + term.astype(np.longdouble)
    return total.astype(float)


# --- the fixture's functions, written as numderiv.R writes them ------------------------
# Arithmetic-only functions index with x[..., i], so the same code takes one point (n,)
# or a stack of points (k, n) and gives the same bits: they double as vectorized f.

def f_fn(v):
    return v[..., 0] * v[..., 0] + 2 * (v[..., 1] * v[..., 1]) + v[..., 0] * v[..., 1]


def g_quartic(v):
    return v[0] ** 4 + v[1] ** 4  # numpy scalar power: C pow, as R's powl rounds


def f_saddle(v):
    return v[..., 0] * v[..., 0] - v[..., 1] * v[..., 1]


def ex_h(v):
    return v[..., 0] * v[..., 0] + v[..., 0] * v[..., 1] + 4 * (v[..., 1] * v[..., 1])


def ex_f(v):
    a, b = v[..., 0] - 3, v[..., 1] + 1
    return a * a + b * b


def tfn(v, m=math):  # the article's test_fn (a name pytest would collect)
    return m.exp(v[0]) - v[0] + v[1] * v[1]


def log_loss(v, m=math):
    return -m.log(v[0]) - m.log(v[1]) + v[0] + v[1]


def himmelblau(v):
    a = v[..., 0] * v[..., 0] + v[..., 1] - 11
    b = v[..., 0] + v[..., 1] * v[..., 1] - 7
    return a * a + b * b


def resid_loss(theta):
    r = (Y_OBS - theta[..., 0, None]) - theta[..., 1, None] * X_OBS
    return r_sum(r * r)


def rosenbrock(x):
    s = 0.0
    for i in range(x.shape[-1] - 1):
        a = x[..., i + 1] - x[..., i] * x[..., i]
        b = 1 - x[..., i]
        s = s + 100 * (a * a) + b * b
    return s


def mix3(x, m=math):
    return m.exp(0.5 * x[0]) * m.sin(x[1]) + m.log(1 + x[2] * x[2]) + x[0] * x[1] * x[2]


def mix4(x, m=math):
    return x[0] * m.exp(-x[1] * x[1]) + m.cos(x[2]) * x[3] + x[3] * x[3] * x[3] / 3


def trig6(x, m=math):
    s = m.exp(0.1 * x[0] * x[5])
    for i in range(5):
        s = s + m.sin(x[i]) * x[i + 1]
    return s


def quad10(x):
    s = 0.0
    for i in range(1, 11):
        for j in range(1, 11):
            coef = (i + 2 * j) % 7 - 3 + 10 * (i == j)
            s = s + x[..., i - 1] * coef * x[..., j - 1]
    return s / 2


def cubic_tilt(x):
    return x[..., 0] * x[..., 0] * x[..., 0] - 1e-8 * x[..., 0] + x[..., 1]


def cubic_tilt1(x):
    return x[..., 0] * x[..., 0] * x[..., 0] - 1e-8 * x[..., 0]


def vf3(x, m=math):
    return np.array([x[0] * x[1] - m.exp(x[2]), m.sin(x[0]) + x[1] * x[1] * x[2],
                     m.log(x[1]) * x[0], x[0] + x[1] + x[2]])


def vf2(x, m=math):
    return np.array([x[0] * x[0] - x[1], x[0] * x[1], m.exp(x[0]) * m.cos(x[1])])


FUNCTIONS = {"test_fn": tfn} | {f.__name__: f for f in (
    f_fn, g_quartic, f_saddle, ex_h, ex_f, log_loss, himmelblau, resid_loss,
    rosenbrock, mix3, mix4, trig6, quad10, cubic_tilt, cubic_tilt1, vf3, vf2)}
VECTORIZED = {"f_fn", "f_saddle", "ex_h", "ex_f", "himmelblau", "resid_loss", "rosenbrock",
              "quad10", "cubic_tilt", "cubic_tilt1"}
TAKES_MODULE = {"test_fn", "log_loss", "mix3", "mix4", "trig6", "vf3", "vf2"}


def fixture_function(case):
    f = FUNCTIONS[case["fun"]]
    if case["method"] == "complex" and case["fun"] in TAKES_MODULE:
        return partial(f, m=cmath)
    return f


def options(case):
    return {k.replace(".", "_"): v for k, v in (case["args"] or {}).items()}


def counted(f):
    calls = []

    def wrapper(x):
        calls.append(1)
        return f(x)
    return wrapper, calls


def disagreement(ours, theirs):
    """max |ours - R| / max |R|: the issue's measure of agreement."""
    theirs = np.asarray(theirs, dtype=float)
    error = float(np.max(np.abs(ours - theirs)))
    return error / float(np.max(np.abs(theirs))) if np.any(theirs) else error


def compute(case, vectorized=False):
    f, calls = counted(fixture_function(case))
    op = OPS[case["what"]]
    value = op(f, case["x"], case["method"], vectorized=vectorized, **options(case))
    return value, len(calls)


# --- R parity --------------------------------------------------------------------------

def test_fixture_is_numderiv_with_our_defaults():
    assert REF["zero_tol"] == RICHARDSON_DEFAULTS["zero_tol"]
    assert np.finfo(np.longdouble).nmant == 63, "r_sum needs x87 long double, as R has"


@pytest.mark.parametrize("case_id", CASES)
def test_matches_numderiv(case_id):
    case = CASES[case_id]
    value, calls = compute(case)
    assert value.shape == np.shape(case["value"])
    # Same operations on the same bits: equal bits. Complex cases rest on R's C99 complex
    # functions against cmath (equal here too), so they only need to agree to 1e-14.
    tolerance = 1e-14 if case["method"] == "complex" else 0.0
    assert disagreement(value, case["value"]) <= tolerance
    assert calls == case["nfev"]


@pytest.mark.parametrize("case_id", [c for c in CASES if CASES[c]["fun"] in VECTORIZED])
def test_vectorized_equals_scalar(case_id):
    case = CASES[case_id]
    scalar, _ = compute(case)
    vectorized, calls = compute(case, vectorized=True)
    np.testing.assert_array_equal(vectorized, scalar)
    # one call at x, then one for every stencil point (complex Hessian: one more, at x)
    assert calls == (3 if case["method"] == "complex" and case["what"] == "hessian" else 2)


def test_numderiv_skips_after_a_tiny_difference():
    # At (0, 0) the first difference of x1^3 - 1e-8 x1 is 0: numDeriv (n > 1) stops
    # there and reports 0; with n = 1 it extrapolates to the true -1e-8.
    assert CASES["cubic_tilt grad (0,0) skip"]["value"] == [0, 1]
    assert grad(cubic_tilt, [0.0, 0.0]).tolist() == [0.0, 1.0]
    assert grad(cubic_tilt1, [0.0])[0] == pytest.approx(-1e-8, rel=1e-6)


def test_numpy_sum_at_zero_coordinates():
    """The loss with np.sum: measured 2.3e-12 (gradient) and 6.7e-7 (Hessian) at (0, 0)."""
    def loss(theta):
        r = (Y_OBS - theta[0]) - theta[1] * X_OBS
        return np.sum(r * r)
    g = grad(loss, [0.0, 0.0])
    h = hessian(loss, [0.0, 0.0])
    assert disagreement(g, CASES["resid_loss grad (0,0)"]["value"]) < 1e-11
    assert disagreement(h, CASES["resid_loss hessian (0,0)"]["value"]) < 2e-6
    exact = 2 * np.column_stack([np.ones(20), X_OBS]).T @ np.column_stack([np.ones(20), X_OBS])
    r_error = disagreement(np.array(CASES["resid_loss hessian (0,0)"]["value"]), exact)
    assert 1e-7 < r_error < 1e-6  # numDeriv's own error at (0, 0)
    assert disagreement(h, exact) < 2 * r_error


# --- tiny coordinates and the square ----------------------------------------------------
# Below zero_tol numDeriv's step is the absolute 1e-4 (1.25e-5 after three halvings), so
# one ulp of f (2.8e-14 near Himmelblau's 170) becomes ~5e-4 in the Hessian and ~2e-9 in
# the gradient: parity there needs f to give R's bits exactly, and ``**`` does not.

def himmelblau_pow(v):  # as the article writes it, with ** on numpy scalars (C pow)
    return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2


def himmelblau_pow_rows(v):  # the same on the rows of an array: ** is np.square there
    return (v[:, 0] ** 2 + v[:, 1] - 11) ** 2 + (v[:, 0] + v[:, 1] ** 2 - 7) ** 2


TINY_HIMMELBLAU = [c for c in CASES if c.startswith("himmelblau") and
                   ("iterate" in c or "tin" in c)]


def test_tiny_coordinate_cases_are_the_damped_newton_iterates():
    trace = reference("newton")["himmelblau"]["damped"]["trace"]
    for k in (15, 16):
        for what in ("grad", "hessian"):
            assert CASES[f"himmelblau {what} iterate {k}"]["x"] == trace[k]


def test_r_square_is_a_product_and_python_scalar_square_is_pow():
    squares = REF["squares"]
    x = np.array(squares["x"])
    # R's x^2 is x * x; so is numpy's array power, 0-d arrays included (np.square)
    assert squares["square"] == squares["product"] == (x * x).tolist() == (x**2).tolist()
    assert [float(np.asarray(v) ** 2) for v in x] == squares["square"]
    # a float's or numpy scalar's ** 2 is the C library's pow(x, 2.0), which need not be
    # correctly rounded (glibc 2.36 misses by an ulp on these x, ~1 in 1100 at random)
    for v in x:
        assert float(v) ** 2 == v**2 == math.pow(v, 2.0)
        assert abs(math.pow(v, 2.0) - v * v) <= math.ulp(v * v)


def richardson_weights(r=4):
    """numDeriv's tableau as a linear map: the weight of each of the r rows (v = 2)."""
    rows = np.eye(r)
    for m in range(1, r):
        rows = (rows[1:] * 4.0**m - rows[:-1]) / (4.0**m - 1)
    return rows[0]


@pytest.mark.parametrize("case_id", TINY_HIMMELBLAU)
def test_power_operator_at_tiny_coordinates(case_id):
    """Measured (damped iterates 15, 16; points with 1e-9, -3e-7, 1e-12): ``**`` per point
    is 0 or 1 ulp off in f, and 4.8e-4 (Hessian) and 8.4e-12 (gradient) away from R;
    over all 51 iterates of that run, 5.3e-4 and 1.7e-9. Vectorized, ``**`` is exact."""
    case = CASES[case_id]
    x, op = np.array(case["x"]), OPS[case["what"]]
    assert op(himmelblau_pow_rows, x, vectorized=True).tolist() == case["value"]
    points = []

    def recorded(v):
        points.append(v.copy())
        return himmelblau_pow(v)
    error = np.abs(op(recorded, x) - np.array(case["value"]))
    # every difference from R comes from f: bound it by f's error through numDeriv's formulas
    df = max(abs(himmelblau_pow(p) - himmelblau(p)) for p in points)
    assert df <= 2 * math.ulp(himmelblau(x))
    w = np.abs(richardson_weights())
    d = 0.1 if case["what"] == "hessian" else 1e-4
    h = (np.abs(d * x) + 1e-4 * (np.abs(x) < RICHARDSON_DEFAULTS["zero_tol"]))[:, None] \
        / 2.0 ** np.arange(4)
    if case["what"] == "grad":
        bound = (w * df / h).sum(axis=1)
    else:
        diag = (w * 4 * df / h**2).sum(axis=1)
        off = (w * (4 * df + diag[0] * h[0] ** 2 + diag[1] * h[1] ** 2) / (2 * h[0] * h[1])).sum()
        bound = np.array([[diag[0], off], [off, diag[1]]])
    assert np.all(error <= bound)
    assert np.max(error) < (6e-4 if case["what"] == "hessian" else 4e-9)


def test_article_follow_ups():
    def eig(f, x):
        return np.sort(np.linalg.eigvalsh(hessian(f, x)))[::-1]
    for name, f in (("f_fn", f_fn), ("f_saddle", f_saddle), ("ex_h", ex_h)):
        np.testing.assert_allclose(eig(f, [0.0, 0.0]), REF["eigenvalues"][name], rtol=1e-14)
    for name, f, x0 in (("f_fn", f_fn, [2.0, 2.0]), ("ex_f", ex_f, [0.0, 0.0]),
                        ("log_loss", log_loss, [3.0, 3.0])):
        x1 = x0 + np.linalg.solve(hessian(f, x0), -grad(f, x0))
        # f_fn's step lands on 0 up to round-off: LAPACK's solve in R and numpy differ by an ulp
        np.testing.assert_allclose(x1, REF["newton_step"][name], rtol=1e-12, atol=1e-14)


# --- accuracy of central and complex step against sympy's exact derivatives -------------

_S = sympy.symbols("x1:4")
_MIX3 = sympy.exp(_S[0] / 2) * sympy.sin(_S[1]) + sympy.log(1 + _S[2] ** 2) + _S[0] * _S[1] * _S[2]
MIX3_GRAD = sympy.lambdify([_S], [sympy.diff(_MIX3, s) for s in _S])
MIX3_HESS = sympy.lambdify([_S], sympy.hessian(_MIX3, _S))
POINT = np.array([0.3, -1.2, 0.8])


def mix3_np(x):
    return np.exp(0.5 * x[..., 0]) * np.sin(x[..., 1]) + np.log(1 + x[..., 2] * x[..., 2]) \
        + x[..., 0] * x[..., 1] * x[..., 2]


@pytest.mark.parametrize(("method", "tol"), [("richardson", 1e-10), ("central", 1e-9),
                                             ("complex", 1e-15)])
def test_gradient_accuracy(method, tol):
    exact = np.array(MIX3_GRAD(POINT))
    assert disagreement(grad(mix3_np, POINT, method), exact) < tol
    assert disagreement(grad(mix3_np, POINT, method, vectorized=True), exact) < tol


@pytest.mark.parametrize(("method", "tol"), [("richardson", 1e-9), ("central", 1e-7),
                                             ("complex", 1e-9)])
def test_hessian_accuracy(method, tol):
    exact = np.array(MIX3_HESS(POINT), dtype=float)
    assert disagreement(hessian(mix3_np, POINT, method), exact) < tol
    assert disagreement(hessian(mix3_np, POINT, method, vectorized=True), exact) < tol


def test_jacobian_accuracy_and_counts():
    x = np.array([0.5, 2.0, -0.25])
    exact = np.array([[x[1], x[0], -np.exp(x[2])],
                      [np.cos(x[0]), 2 * x[1] * x[2], x[1] ** 2],
                      [np.log(x[1]), x[0] / x[1], 0.0],
                      [1.0, 1.0, 1.0]])
    for method, tol, evaluations in (("central", 1e-9, 7), ("complex", 1e-15, 4)):
        f, calls = counted(partial(vf3, m=np))
        assert disagreement(jacobian(f, x, method), exact) < tol
        assert len(calls) == evaluations


@pytest.mark.parametrize("n", [2, 5, 10])
def test_central_counts_and_rosenbrock(n):
    x = np.linspace(-1.1, 1.3, n)
    f, calls = counted(rosenbrock)
    g = grad(f, x, "central")
    assert len(calls) == 2 * n + 1
    calls.clear()
    h = hessian(f, x, "central")
    assert len(calls) == 2 * n * n + 1
    exact_g = np.zeros(n)
    exact_h = np.zeros((n, n))
    for i in range(n - 1):
        a = x[i + 1] - x[i] ** 2
        exact_g[i] += -400 * x[i] * a - 2 * (1 - x[i])
        exact_g[i + 1] += 200 * a
        exact_h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        exact_h[i + 1, i + 1] += 200
        exact_h[i, i + 1] = exact_h[i + 1, i] = -400 * x[i]
    assert disagreement(g, exact_g) < 1e-9
    assert disagreement(h, exact_h) < 1e-7
    assert disagreement(hessian(rosenbrock, x, "central", vectorized=True), exact_h) < 1e-7


# --- property tests ---------------------------------------------------------------------

@st.composite
def quadratics(draw):
    n = draw(st.integers(1, 6))
    floats = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
    a = np.array(draw(st.lists(floats, min_size=n * n, max_size=n * n))).reshape(n, n)
    b = np.array(draw(st.lists(floats, min_size=n, max_size=n)))
    # numDeriv's step is relative (d |x_i|), or 1e-4 below zero_tol: near zero it is tiny
    # against the size of f, and round-off, not the method, sets the error. Keep |x_i| >= 0.5.
    magnitude = st.floats(0.5, 10, allow_nan=False)
    x = np.array([draw(magnitude) * draw(st.sampled_from([-1, 1])) for _ in range(n)])
    return a + a.T, b, x


@settings(max_examples=40, deadline=None)
@given(quadratics())
def test_quadratic_derivatives(problem):
    a, b, x = problem

    def f(v):
        return 0.5 * (v @ (a @ v)) + b @ v
    scale = max(np.max(np.abs(a)), 1.0)
    exact_grad = a @ x + b
    gscale = max(np.max(np.abs(exact_grad)), np.max(np.abs(a)) * np.max(np.abs(x)), 1.0)
    assert np.max(np.abs(hessian(f, x) - a)) <= 1e-7 * scale
    assert np.max(np.abs(hessian(f, x, "central") - a)) <= 1e-5 * scale
    assert np.max(np.abs(grad(f, x) - exact_grad)) <= 1e-9 * gscale
    assert np.max(np.abs(grad(f, x, "complex") - exact_grad)) <= 1e-13 * gscale


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-3, 3, allow_nan=False), min_size=2, max_size=7),
       st.sampled_from(["richardson", "central", "complex"]))
def test_vectorized_equals_scalar_everywhere(x, method):
    for op in (grad, hessian):
        np.testing.assert_array_equal(op(rosenbrock, x, method, vectorized=True),
                                      op(rosenbrock, x, method))


# --- bad input -------------------------------------------------------------------------

def finite_below_one(v):
    return np.inf if v[0] > 1 else v[0] * v[1]


def finite_below_one_vec(v):
    return np.where(v[:, 0] > 1, np.inf, v[:, 0] * v[:, 1])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: grad(f_fn, [1.0, 1.0], "forward"), "'richardson', 'central', 'complex', 'autodiff'"),
    (lambda: hessian(f_fn, [1.0, 1.0], method="Richardson"), "valid methods"),
    (lambda: grad(f_fn, [1.0, 1.0], step=0.1), "valid options: eps, d, zero_tol, r, v"),
    (lambda: grad(f_fn, [1.0, 1.0], "central", d=0.1), "valid options: h"),
    (lambda: jacobian(vf2, [1.0, 1.0], "complex", eps=1e-3), "valid options: h"),
    (lambda: grad(f_fn, [1.0, 1.0], r=1), "r must be an integer >= 2"),
    (lambda: grad(f_fn, [1.0, 1.0], r=2.5), "r must be an integer >= 2"),
    (lambda: grad(f_fn, [1.0, 1.0], v=0.5), "v must be a finite number > 1"),
    (lambda: grad(f_fn, [1.0, 1.0], eps=-1.0), "eps must be a finite number >= 0"),
    (lambda: grad(f_fn, [1.0, 1.0], d=float("nan")), "d must be a finite number >= 0"),
    (lambda: grad(f_fn, [1.0, 1.0], d="0.1"), "d must be a finite number >= 0, got '0.1'"),
    (lambda: hessian(f_fn, [1.0, 1.0], "complex", r=True), "r must be an integer >= 2"),
    (lambda: hessian(f_fn, [1.0, 1.0], v=3), "needs v=2"),
    (lambda: grad(f_fn, [1.0, 1.0], d=0.0), "step 0.0 for x[0] = 1.0"),
    (lambda: grad(f_fn, [1e10, 1.0], d=1e-30), "x[0] = 10000000000.0"),
    (lambda: grad(f_fn, [1.0, 1.0], "central", h=[0.1, 0.1, 0.1]), "shape (2,), got (3,)"),
    (lambda: grad(f_fn, [1.0, 1.0], "central", h=-0.1), "step -0.1 for x[0]"),
    (lambda: grad(f_fn, [1.0, 1.0], "complex", h=0.0), "h must be positive"),
    (lambda: grad(f_fn, [1.0, 2.0, float("nan")]), "x[2] = nan is not finite"),
    (lambda: hessian(f_fn, [float("inf"), 2.0]), "x[0] = inf is not finite"),
    (lambda: grad(f_fn, [[1.0, 2.0]]), "got shape (1, 2)"),
    (lambda: grad(f_fn, []), "got shape (0,)"),
    (lambda: grad(f_fn, 1.0), "got shape ()"),
    (lambda: grad(f_fn, [1j, 2.0]), "x must be real"),
    (lambda: grad(lambda v: -np.inf * v[0], [1.0, 2.0]),
     "f(x) is not finite at x = [1.0, 2.0]"),
    (lambda: hessian(lambda v: np.nan + v[0], [1.0, 0.0]), "at x = [1.0, 0.0]"),
    (lambda: grad(lambda v: v, [1.0, 2.0]), "grad: f must return a scalar, got shape (2,)"),
    (lambda: hessian(lambda v: v, [1.0, 2.0]),
     "hessian: f must return a scalar, got shape (2,)"),
    (lambda: jacobian(lambda v: np.eye(2), [1.0, 2.0]),
     "jacobian: f must return shape (m,), got shape (2, 2)"),
    (lambda: jacobian(lambda v: v[: 1 + (v[0] > 1)], [1.0, 2.0]),
     "shape (1,), got shape (2,)"),
    (lambda: grad(lambda v: float(v[0, 0]), [1.0, 2.0], vectorized=True),
     "vectorized f on 1 points must return shape (1,), got shape ()"),
    (lambda: jacobian(lambda X: X[:, :, None], [1.0, 2.0], vectorized=True),
     "must return shape (1, m), got shape (1, 2, 1) (with vectorized=True, f must accept"),
    (lambda: grad(lambda v: v[0] * v[0] + v[1], [1.0, 2.0], vectorized=True),
     "f must accept a (k, n) array whose k rows are points (columns X[:, i], not x[i])"),
    (lambda: grad(lambda v: v[0] * v[0] + v[1], [1.0, 2.0], "autodiff", vectorized=True),
     "f must accept a (k, n) array"),
    (lambda: hessian(lambda v: v[0] * v[0], [1.0, 2.0], vectorized=True),
     "must return shape (1,), got shape (2,) (with vectorized=True"),
    (lambda: grad(f_fn, [1.0, 1.0], "autodiff", h=0.1), "unknown option(s) h"),
    (lambda: grad(lambda v: v[0] / (v[1] - 2), [1.0, 2.0], "autodiff"), "f(x) is not finite"),
    (lambda: grad(lambda v: np.sqrt(v[0] - 1) + v[1], [1.0, 2.0], "autodiff"),
     "np.sqrt is not differentiable at 0.0"),
    (lambda: hessian(lambda v: np.abs(v[0] - 1) + v[1], [1.0, 2.0], "autodiff"),
     "np.absolute is not differentiable at 0"),
    (lambda: grad(lambda v: v, [1.0, 2.0], "autodiff"), "grad: f must return a scalar"),
    (lambda: grad(lambda v: "a", [1.0, 2.0]), "f must return real numbers"),
    (lambda: grad(lambda v: v[0] + 1j, [1.0, 2.0]), "f must return real numbers"),
    (lambda: grad(finite_below_one, [1.0, 2.0]), "not finite at the stencil point [1.0001"),
    (lambda: grad(finite_below_one_vec, [1.0, 2.0], vectorized=True), "stencil point"),
    (lambda: hessian(finite_below_one, [1.0, 2.0]), "stencil point"),
    (lambda: hessian(finite_below_one_vec, [1.0, 2.0], vectorized=True), "stencil point"),
    (lambda: jacobian(lambda v: np.array([finite_below_one(v)]), [1.0, 2.0]), "stencil point"),
    (lambda: grad(finite_below_one, [1.0, 2.0], "central"), "stencil point"),
    (lambda: hessian(finite_below_one, [1.0, 2.0], "central"), "stencil point"),
    (lambda: grad(lambda v: np.complex128(np.nan) if v.dtype.kind == "c" else v[0],
                  [1.0, 2.0], "complex"), "stencil point"),
    (lambda: grad(lambda v: math.exp(v[0].item()), [1.0, 2.0], "complex"),
     "accept complex input"),
    (lambda: grad(lambda v: np.abs(v[0]), [1.0, 2.0], "complex"), "return complex values"),
    (lambda: hessian(lambda v: np.abs(v[0]), [1.0, 2.0], "complex"), "return complex values"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_skipped_points_are_not_evaluated_or_checked():
    # numDeriv's grad never evaluates x1's later rows at (0, y) for an even f in x1, so
    # a non-finite value there is not an error, in the scalar or the vectorized path.
    def f(v):
        return np.nan if 0 < abs(v[..., 0]) < 1e-4 else v[..., 0] ** 2 + v[..., 1]

    def f_vec(v):
        return np.where((0 < np.abs(v[:, 0])) & (np.abs(v[:, 0]) < 1e-4), np.nan,
                        v[:, 0] * v[:, 0] + v[:, 1])
    g = grad(f, [0.0, 1.0])
    assert g[0] == 0.0 and g[1] == pytest.approx(1.0, rel=1e-10)
    np.testing.assert_array_equal(grad(f_vec, [0.0, 1.0], vectorized=True), g)


def test_stencil_points_have_r_bits():
    # R builds x + h * (i == 1:n): adding 0 turns -0.0 into +0.0 elsewhere; x - 0 keeps it.
    from mathkit.numeric import _axis_points, _pair_points
    x = np.array([-0.0, 1.5, 0.0, -2.0])
    steps = np.array([[1e-4, 0.15, 1e-4, 0.2], [5e-5, 0.075, 5e-5, 0.1]])
    eye = np.eye(4)
    i, j = np.tril_indices(4, -1)
    hi, hj = steps[:, i], steps[:, j]
    di, dj, d = hi[..., None] * eye[i], hj[..., None] * eye[j], steps[..., None] * eye
    r_form = {1: (x + d, (x + di) + dj), -1: (x - d, (x - di) - dj)}
    for sign, (axis, pair) in r_form.items():
        assert _axis_points(x, steps, sign).tobytes() == axis.tobytes()
        assert _pair_points(x, i, j, hi, hj, sign).tobytes() == pair.tobytes()


# --- issue 11: complex-step counts for every n, scalar Jacobians, autodiff ---------------

def complex_counts(n):
    """mathkit's evaluation counts for the complex-step gradient and Hessian at n."""
    f, calls = counted(lambda v: np.sum(np.exp(v) * np.arange(1, n + 1)))
    grad(f, np.linspace(0.1, 0.5, n), "complex")
    g = len(calls)
    calls.clear()
    hessian(f, np.linspace(0.1, 0.5, n), "complex")
    return g, len(calls)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_complex_counts_follow_numderivs_code(n):
    # numDeriv's grad: f(x), then the probe f(x + i h); for n = 1 it returns the probe's
    # value, else one more call per coordinate. hessian: f(x), then that gradient at the
    # 8n+1 points of a Richardson Jacobian.
    g = 2 if n == 1 else n + 2
    assert complex_counts(n) == (g, 1 + (8 * n + 1) * g)


R_COUNTS = """
suppressPackageStartupMessages(library(numDeriv))
for (n in c(1, 2, 3, 5)) {
  calls <- 0
  f <- function(v) { calls <<- calls + 1; sum(exp(v) * seq_len(n)) }
  x <- seq(0.1, 0.5, length.out = n)
  invisible(grad(f, x, method = "complex")); g <- calls; calls <- 0
  invisible(hessian(f, x, method = "complex"))
  cat(n, g, calls, "\\n")
}
cat("jacobian-dim", dim(jacobian(function(v) sum(v * v), c(1, 2))), "\\n")
"""


def test_complex_counts_and_scalar_jacobian_in_real_r():
    import subprocess

    from support import rscript
    if rscript() is None:
        pytest.skip("Rscript not installed")
    out = subprocess.run([rscript(), "--vanilla", "-e", R_COUNTS], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    for line in out[:4]:
        n, g, h = map(int, line.split())
        assert complex_counts(n) == (g, h)
    assert out[4].split() == ["jacobian-dim", "1", "2"]


@pytest.mark.parametrize("method", ["richardson", "central", "complex", "autodiff"])
def test_jacobian_of_a_scalar_function_is_one_row(method):
    f = partial(mix3, m=cmath) if method == "complex" else mix3_np
    x = POINT
    J = jacobian(f, x, method)
    assert J.shape == (1, 3)
    np.testing.assert_array_equal(J[0], jacobian(lambda v: np.stack([f(v)]) if method ==
                                                 "autodiff" else np.array([f(v)]), x, method)[0])
    if method != "complex":  # complex: numDeriv's jacobian has no probe, grad has one
        Jv = jacobian(mix3_np, x, method, vectorized=True)
        assert Jv.shape == (1, 3)
    assert disagreement(J[0], np.array(MIX3_GRAD(x))) < 1e-9


# --- automatic differentiation against exact derivatives ----------------------------------

def exact_rosenbrock(x):
    n = x.size
    g, h = np.zeros(n), np.zeros((n, n))
    for i in range(n - 1):
        a = x[i + 1] - x[i] ** 2
        g[i] += -400 * x[i] * a - 2 * (1 - x[i])
        g[i + 1] += 200 * a
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
    return g, h


def test_autodiff_mix3_is_exact_from_one_evaluation():
    f, calls = counted(mix3_np)
    g = grad(f, POINT, "autodiff")
    H = hessian(f, POINT, "autodiff")
    assert len(calls) == 2
    # exact up to a few ulps (sympy's lambdified formulas round too)
    assert disagreement(g, np.array(MIX3_GRAD(POINT))) < 1e-15
    assert disagreement(H, np.array(MIX3_HESS(POINT), dtype=float)) < 1e-15
    assert np.array_equal(H, H.T)
    np.testing.assert_allclose(hessian(mix3_np, POINT, "autodiff", vectorized=True), H,
                               rtol=1e-15, atol=0)


@pytest.mark.parametrize("n", [1, 2, 10, 50])
def test_autodiff_rosenbrock(n):
    x = np.linspace(-1.1, 1.3, n)
    g, h = exact_rosenbrock(x)
    for f in (rosenbrock, lambda v: np.sum(100 * (v[1:] - v[:-1] ** 2) ** 2
                                           + (1 - v[:-1]) ** 2)):
        assert np.max(np.abs(grad(f, x, "autodiff") - g)) <= 1e-14 * max(np.max(np.abs(g)), 1)
        assert np.max(np.abs(hessian(f, x, "autodiff") - h)) <= 1e-14 * max(np.max(np.abs(h)),
                                                                             1)


def test_autodiff_jacobian_and_its_output_forms():
    x = np.array([0.5, 2.0, -0.25])
    exact = np.array([[x[1], x[0], -np.exp(x[2])],
                      [np.cos(x[0]), 2 * x[1] * x[2], x[1] ** 2],
                      [np.log(x[1]), x[0] / x[1], 0.0],
                      [1.0, 1.0, 1.0]])
    as_list = lambda v: [v[0] * v[1] - np.exp(v[2]), np.sin(v[0]) + v[1] * v[1] * v[2],  # noqa: E731
                         np.log(v[1]) * v[0], v[0] + v[1] + v[2]]
    for f in (as_list, lambda v: np.stack(as_list(v))):
        f, calls = counted(f)
        assert disagreement(jacobian(f, x, "autodiff"), exact) < 1e-15
        assert len(calls) == 1
    # a constant f: zero derivatives, not an error
    assert hessian(lambda v: 3.0, x, "autodiff").tolist() == np.zeros((3, 3)).tolist()


def test_autodiff_follows_branches():
    def piecewise(v):
        if v[0] > 0:
            return v[0] ** 3 * v[1]
        return -v[0] * v[1]
    assert hessian(piecewise, [2.0, 3.0], "autodiff").tolist() == [[36.0, 12.0], [12.0, 0.0]]
    assert hessian(piecewise, [-2.0, 3.0], "autodiff").tolist() == [[0.0, -1.0], [-1.0, 0.0]]


@settings(max_examples=40, deadline=None)
@given(quadratics())
def test_autodiff_quadratic_derivatives(problem):
    a, b, x = problem

    def f(v):
        return 0.5 * (v @ (a @ v)) + b @ v
    scale = max(np.max(np.abs(a)), 1.0) * max(np.max(np.abs(x)), 1.0)
    # a @ x rounds: the gradient's error is that of one matrix-vector product
    assert np.max(np.abs(grad(f, x, "autodiff") - (a @ x + b))) <= 1e-13 * scale
    np.testing.assert_allclose(hessian(f, x, "autodiff"), a, rtol=0, atol=1e-14 * scale)

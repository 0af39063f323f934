"""mathkit.newton against real R (tests/reference/newton.R), mathematics and itself.

Parity tolerances. The test functions below evaluate to R's bits: they use the
``math`` module (glibc's exp and log, as R uses) and square by multiplication, as
R's ``x^2`` does (``**`` on a Python or numpy scalar calls the C library's ``pow``,
one ulp off ``x * x`` for about 1 argument in 1100). mathkit.numeric reproduces
numDeriv operation for operation, so gradients and Hessians are R's bits too. What
is left is the linear solve: R calls reference LAPACK's dgesv, scipy an optimised
LAPACK. Where the two round alike the iterates are R's exactly, and the tests say
so (``EXACT``). Where the solve rounds one last bit differently (cross_quadratic,
the one step on x^2 + 2y^2 + xy: 2.2e-16 in the step) Newton contracts the
difference, and ``TOL`` = 1e-10 leaves room for other libm and LAPACK builds. A
nearly singular or ill-conditioned Hessian amplifies it: see the singular valley
and the logistic regression (condition number ~1e7, hence 1e-7 relative there).
"""

import dataclasses
import doctest
import math

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
import scipy.special
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from support import reference

import mathkit.newton
from mathkit import (
    classify_critical_point,
    condition_number,
    load_mtcars,
    newton_damped,
    newton_raphson,
    newton_regularized,
)
from mathkit import numeric as nd

REF = reference("newton")
EPS = np.finfo(float).eps
TOL = dict(rtol=1e-10, atol=1e-10)
EXACT = dict(rtol=0, atol=0)


# --- The article's functions, written so that they evaluate to R's bits ------------

def sq(a):
    return a * a  # R's a^2; not a ** 2 (see the module docstring)


def exp_fn(v):
    return math.exp(v[0]) - v[0] + sq(v[1])


def cross_quadratic(v):
    return sq(v[0] - 1) + sq(v[1] - 2) + (v[0] - 1) * (v[1] - 2)


def f_fn(v):
    return sq(v[0]) + 2 * sq(v[1]) + v[0] * v[1]


def separable(v):
    return sq(v[0] - 3) + sq(v[1] + 1)


def log_loss(v):
    # R's log of a negative number is NaN (with a warning); math.log would raise.
    if v[0] <= 0 or v[1] <= 0:
        return math.nan
    return -math.log(v[0]) - math.log(v[1]) + v[0] + v[1]


def himmelblau(v):
    return sq(sq(v[0]) + v[1] - 11) + sq(v[0] + sq(v[1]) - 7)


def himmelblau_grad(v):
    a, b = sq(v[0]) + v[1] - 11, v[0] + sq(v[1]) - 7
    return np.array([4 * v[0] * a + 2 * b, 2 * a + 4 * v[1] * b])


def himmelblau_hess(v):
    x, y = v
    return np.array([[12 * x * x + 4 * y - 42, 4 * x + 4 * y],
                     [4 * x + 4 * y, 4 * x + 12 * y * y - 26]])


CARS = load_mtcars()
X_CARS = np.column_stack([np.ones(32), CARS["mpg"], CARS["hp"]])
Y_CARS = CARS["am"].to_numpy()


def logistic_nll(beta):
    # R: eta <- as.numeric(X %*% beta) (reference BLAS: column by column), then
    # -sum(y * eta - log1p(exp(eta))) with sum() accumulated in long double, which
    # math.fsum matches here. With numpy's sum the last bits differ, the numeric
    # gradient stalls near 2e-8 and damped Newton needs 22 iterations, not 16.
    eta = ((0.0 + X_CARS[:, 0] * beta[0]) + X_CARS[:, 1] * beta[1]) + X_CARS[:, 2] * beta[2]
    return -math.fsum(y * e - math.log1p(math.exp(e)) for y, e in zip(Y_CARS, eta, strict=True))


def counted_calls(derivative, f, x):
    """How many times a mathkit.numeric derivative (grad, hessian) calls f at x."""
    calls = []
    derivative(lambda v: calls.append(1) or f(v), x)
    return len(calls)


# --- R parity: newton_raphson --------------------------------------------------------

@pytest.mark.parametrize("name, f, x0, tol", [
    ("exp_fn", exp_fn, [1.0, 1.0], EXACT),
    ("cross_quadratic", cross_quadratic, [0.0, 0.0], TOL),  # the solve: 1.1e-16
])
def test_newton_raphson_matches_r_iterate_by_iterate(name, f, x0, tol):
    ref = REF[name]
    res = newton_raphson(f, x0)
    assert res.converged and res.nit == ref["iterations"]
    np.testing.assert_allclose(res.trace, ref["trace"], **tol)
    np.testing.assert_allclose(res.x, ref["final"]["x"], **tol)
    np.testing.assert_allclose(res.fun, ref["final"]["fun"][0], **tol)
    # R's count of f calls inside the loop, plus f(x0) (the input check), f(x) and
    # the gradient at x for the result.
    assert res.nfev == ref["nfev"] + 2 + counted_calls(nd.grad, f, res.x)
    assert res.njev == res.nit + 1 and res.nhev == res.nit


def test_article_claims_six_iterations_for_exp_fn():
    # The article prints 6 iterations (true) and par = (1.137978e-15, 0); real R
    # ends at about (-1.1e-12, 9.5e-13), still the minimum (0, 0) to 1e-11.
    assert REF["exp_fn"]["iterations"] == 6
    np.testing.assert_allclose(REF["exp_fn"]["final"]["x"], [0.0, 0.0], atol=1e-11)


@pytest.mark.parametrize("name, f, tol", [("one_step_quadratic", f_fn, TOL),
                                          ("one_step_separable", separable, EXACT)])
def test_one_newton_step_matches_r(name, f, tol):
    ref = REF[name]
    res = newton_raphson(f, ref["x0"], max_iter=1)
    assert res.nit == 1 and not res.converged
    assert "iteration limit (1)" in res.message
    np.testing.assert_allclose(res.x, ref["x1"], **tol)


def test_the_one_step_difference_is_the_solve_alone():
    # numDeriv's gradient and Hessian of x^2 + 2y^2 + xy at (2, 2) are R's bits;
    # solving R's own H d = -g with scipy's LAPACK gives a step one ulp off R's.
    ref = REF["one_step_quadratic"]
    x0 = np.array(ref["x0"], dtype=float)
    np.testing.assert_array_equal(nd.grad(f_fn, x0), ref["grad"])
    np.testing.assert_array_equal(nd.hessian(f_fn, x0), ref["hessian"])
    step = scipy.linalg.solve(np.array(ref["hessian"]), -np.array(ref["grad"]), assume_a="gen")
    np.testing.assert_allclose(step, ref["step"], rtol=0, atol=np.spacing(2.0))


def test_one_step_on_a_quadratic_lands_on_the_minimum_by_hand():
    # f = x^2 + 2y^2 + xy has its minimum at 0 and (x-3)^2 + (y+1)^2 at (3, -1);
    # numDeriv's Hessian at the origin is only 1e-5 accurate, hence the tolerance.
    np.testing.assert_allclose(newton_raphson(f_fn, [2, 2], max_iter=1).x, [0, 0], atol=1e-9)
    np.testing.assert_allclose(newton_raphson(separable, [0, 0], max_iter=1).x, [3, -1],
                               atol=1e-4)


def test_full_step_on_log_loss_leaves_the_domain_like_r():
    ref = REF["log_loss"]["full_step"]
    one = newton_raphson(log_loss, [3, 3], max_iter=1)
    np.testing.assert_allclose(one.x, ref["x1"], **EXACT)
    assert ref["fun_x1"] == [None] and math.isnan(one.fun)
    # R stops with numDeriv's error in the second iteration; mathkit reports it.
    assert "function returns NA" in REF["log_loss"]["raphson_error"]
    res = newton_raphson(log_loss, [3, 3])
    assert not res.converged and res.nit == 1
    assert "not finite" in res.message and "stopped after 1 steps" in res.message


def test_himmelblau_pure_newton_climbs_to_the_local_maximum_like_r():
    ref = REF["himmelblau"]["raphson"]
    res = newton_raphson(himmelblau, [0, 0])
    assert res.converged and res.nit == ref["iterations"] == 6
    np.testing.assert_allclose(res.trace, ref["trace"], **EXACT)
    assert classify_critical_point(himmelblau, res.x) == "maximum"
    assert max(ref["final"]["eigenvalues"]) < 0


# --- R parity: newton_damped ---------------------------------------------------------

@pytest.mark.parametrize("case, x0", [("damped_3", [3, 3]), ("damped_5", [5, 5]),
                                      ("safe_5", [5, 5])])
def test_newton_damped_on_log_loss_matches_r(case, x0):
    ref = REF["log_loss"][case]
    res = newton_damped(log_loss, x0)
    assert res.converged and res.nit == ref["iterations"]
    np.testing.assert_allclose(res.trace, ref["trace"], **EXACT)
    np.testing.assert_allclose(res.x, [1, 1], atol=1e-10)


def test_himmelblau_damped_newton_is_stuck_at_the_start_like_r():
    # H(0, 0) = diag(-42, -26): the Newton step heads uphill, every backtracking
    # fails, and R's loop still takes the 2^-34 step each time, for 50 iterations.
    # The iterates are ~1e-9, where numDeriv's steps are absolute (1e-4): divided
    # by h^2 = 1e-8 or less, one ulp of f moves the Hessian by up to 5e-4. With
    # v[0] ** 2 (libm's pow, one ulp off R's v[1]^2 now and then) the trace was off
    # by up to 8e-15; squaring by multiplication, it is R's to the bit.
    ref = REF["himmelblau"]["damped"]
    res = newton_damped(himmelblau, [0, 0])
    assert ref["iterations"] == res.nit == 50 and not res.converged
    np.testing.assert_allclose(res.trace, ref["trace"], **EXACT)
    np.testing.assert_allclose(res.fun, ref["final"]["fun"][0], **EXACT)
    assert "iteration limit (50)" in res.message
    assert "in 50 of 50 iterations the line search could not decrease f" in res.message
    np.testing.assert_allclose(REF["himmelblau"]["start"]["eigenvalues"], [-26, -42], rtol=1e-5)


def test_logistic_regression_by_damped_newton_matches_r_and_glm():
    ref = REF["logistic"]
    res = newton_damped(logistic_nll, [0, 0, 0], max_iter=100)
    assert res.converged and res.nit == ref["damped"]["iterations"] == 16
    trace = np.array(ref["damped"]["trace"])
    scale = np.maximum(1, np.abs(trace).max(axis=1, keepdims=True))
    np.testing.assert_array_less(np.abs(res.trace - trace) / scale, 1e-7)
    # glm's IRLS stops on the deviance, Newton on the gradient: 1e-8 relative apart.
    np.testing.assert_allclose(res.x, ref["glm_coef"], rtol=1e-7)


# --- Critical points and condition numbers ------------------------------------------

@pytest.mark.parametrize("case, f", [
    ("bowl", lambda v: sq(v[0]) + sq(v[1])),
    ("saddle", lambda v: sq(v[0]) - sq(v[1])),
    ("cap", lambda v: -sq(v[0]) - sq(v[1])),
    ("quartic", lambda v: v[0] ** 4 + sq(v[1])),  # R's v^4 is powl(), not a product
    ("f_fn", f_fn),
    ("ex_h", lambda v: sq(v[0]) + v[0] * v[1] + 4 * sq(v[1])),
])
def test_classify_critical_point_matches_r(case, f):
    # null_check=False is the article's (R's) test; the default settles "degenerate".
    label = REF["classify"][case]["label"]
    assert classify_critical_point(f, [0.0, 0.0], null_check=False) == label
    settled = classify_critical_point(f, [0.0, 0.0])
    assert settled == ("degenerate minimum" if case == "quartic" else label)


def test_classify_with_analytic_hessians_by_hand():
    def hess_of(H):
        return lambda x: np.array(H, dtype=float)

    cases = [([[2, 1], [1, 4]], "minimum"), ([[-2, 0], [0, -1]], "maximum"),
             ([[0, 1], [1, 0]], "saddle"), ([[1, 0], [0, 1e-9]], "degenerate")]
    zero = dict(grad=lambda x: np.zeros(2), null_check=False)
    for H, label in cases:
        assert classify_critical_point(None, [0.0, 0.0], hess=hess_of(H), **zero) == label
    # tol decides what counts as zero, as the article's 1e-8.
    assert classify_critical_point(None, [0, 0], hess=hess_of([[1, 0], [0, 1e-9]]),
                                   tol=1e-10, **zero) == "minimum"


def test_eigenvalues_of_the_curvature_examples_by_hand():
    # x^2 + 2y^2 + xy: 3 +/- sqrt(2); x^2 + xy + 4y^2: 5 +/- sqrt(10) (the article
    # prints 8.1244 and 1.8756; R's own eigen() gives these).
    np.testing.assert_allclose(REF["classify"]["f_fn"]["eigenvalues"],
                               [3 + math.sqrt(2), 3 - math.sqrt(2)], rtol=1e-12)
    np.testing.assert_allclose(REF["classify"]["ex_h"]["eigenvalues"],
                               [5 + math.sqrt(10), 5 - math.sqrt(10)], rtol=1e-12)


def test_condition_number_equals_r_kappa_exact():
    matrices = [(REF["one_step_quadratic"]["hessian"], REF["one_step_quadratic"]["kappa"]),
                (REF["himmelblau"]["start"]["hessian"], REF["himmelblau"]["start"]["kappa"]),
                (REF["logistic"]["damped"]["final"]["hessian"],
                 REF["logistic"]["damped"]["final"]["kappa"])]
    for H, kappa in matrices:
        assert condition_number(H) == pytest.approx(kappa[0], rel=1e-9)
    assert condition_number([[2, 1], [1, 4]]) == pytest.approx(REF["kappa_f_fn"][0], rel=1e-12)
    assert condition_number([[2.0, 0.0], [0.0, 0.0]]) == math.inf  # R's kappa says 1 here


def test_singular_hessian_is_reported_with_its_condition_number():
    # (x + y)^2 has a singular Hessian everywhere. numDeriv's at (1, 2) is off by
    # 1e-12, enough for one (wild) step; at the next point R's solve() refuses
    # (rcond < eps), and so does mathkit, with the same LAPACK test.
    ref = REF["singular"]
    assert "computationally singular" in ref["solve_error"]
    for method in (newton_raphson, newton_damped):
        res = method(lambda v: sq(v[0] + v[1]), [1.0, 2.0])
        assert not res.converged and res.nit == 1
        np.testing.assert_allclose(res.trace, ref["first_step"], **TOL)
        assert "singular" in res.message and "condition number" in res.message
        kappa = float(res.message.rsplit("condition number ", 1)[1].rstrip(")"))
        assert kappa > 1e15


def test_singular_start_pure_fails_regularized_reaches_the_minimum():
    # f = x^4 + (x - y)^2: H(0, y) = [[2, -2], [-2, 2]] is exactly singular.
    f = lambda v: v[0] ** 4 + (v[0] - v[1]) ** 2  # noqa: E731
    g = lambda v: np.array([4 * v[0] ** 3 + 2 * (v[0] - v[1]), -2 * (v[0] - v[1])])  # noqa: E731
    h = lambda v: np.array([[12 * v[0] ** 2 + 2, -2.0], [-2.0, 2.0]])  # noqa: E731
    pure = newton_raphson(f, [0, 1], grad=g, hess=h)
    assert not pure.converged and pure.nit == 0 and "singular" in pure.message
    assert float(pure.message.rsplit("condition number ", 1)[1].rstrip(")")) > 1e15
    res = newton_regularized(f, [0, 1], grad=g, hess=h)
    assert res.converged and np.linalg.norm(res.grad) < 1e-8
    np.testing.assert_allclose(res.x, [0, 0], atol=3e-3)  # 4x^3 < 1e-8: |x| < 1.4e-3


# --- newton_regularized reaches minima ------------------------------------------------

def assert_local_minimum(res, hess):
    assert res.converged, res.message
    assert np.linalg.norm(res.grad) < 1e-8
    assert np.linalg.eigvalsh(hess(res.x))[0] > 0


ROSEN = dict(grad=scipy.optimize.rosen_der, hess=scipy.optimize.rosen_hess)


@pytest.mark.parametrize("n", [2, 10])
def test_regularized_on_rosenbrock(n):
    # From (-1.2, 1, -1.2, ...) at n = 10 both this method and scipy's trust-exact
    # reach Rosenbrock's other local minimum, near (-0.99, 1, ..., 1), not all ones.
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    res = newton_regularized(scipy.optimize.rosen, x0, **ROSEN)
    assert_local_minimum(res, scipy.optimize.rosen_hess)
    ref = scipy.optimize.minimize(scipy.optimize.rosen, x0, method="trust-exact",
                                  options={"gtol": 1e-10}, jac=ROSEN["grad"], hess=ROSEN["hess"])
    np.testing.assert_allclose(res.x, ref.x, atol=1e-8)
    # From (-1.2, -1, -1.2, ...) it is the global minimum.
    res = newton_regularized(scipy.optimize.rosen, np.where(x0 > 0, -1.0, x0), **ROSEN)
    assert_local_minimum(res, scipy.optimize.rosen_hess)
    np.testing.assert_allclose(res.x, np.ones(n), atol=1e-9)


def test_regularized_on_rosenbrock_with_numeric_derivatives():
    res = newton_regularized(scipy.optimize.rosen, [-1.2, 1.0])
    assert_local_minimum(res, scipy.optimize.rosen_hess)
    np.testing.assert_allclose(res.x, [1, 1], atol=1e-9)


HIMMELBLAU_MINIMA = np.array([[3.0, 2.0], [-2.805118086952745, 3.131312518250573],
                              [-3.779310253377747, -3.283185991286170],
                              [3.584428340330492, -1.848126526964404]])


@pytest.mark.parametrize("x0", [(a, b) for a in np.linspace(-5, 5, 9)
                                for b in np.linspace(-5, 5, 9)])
def test_regularized_on_himmelblau_from_a_grid(x0):
    res = newton_regularized(himmelblau, x0, grad=himmelblau_grad, hess=himmelblau_hess)
    assert_local_minimum(res, himmelblau_hess)
    assert res.fun < 1e-15  # every minimum of Himmelblau's function is a zero
    assert np.abs(HIMMELBLAU_MINIMA - res.x).sum(axis=1).min() < 1e-9


def test_regularized_on_himmelblau_from_origin_with_numeric_derivatives():
    # Where damped Newton is stuck and pure Newton finds the maximum (see R above).
    res = newton_regularized(himmelblau, [0, 0])
    assert_local_minimum(res, himmelblau_hess)
    np.testing.assert_allclose(res.x, [3, 2], atol=1e-9)


SADDLE = (lambda v: v[0] ** 2 - v[1] ** 2 + v[1] ** 4 / 4,
          lambda v: np.array([2 * v[0], -2 * v[1] + v[1] ** 3]),
          lambda v: np.array([[2.0, 0.0], [0.0, -2 + 3 * v[1] ** 2]]))


@pytest.mark.parametrize("x0", [(0.0, 0.0), (1.0, 0.0), (-2.0, 0.0), (0.5, 1e-12)])
@pytest.mark.parametrize("analytic", [True, False])
def test_regularized_escapes_a_saddle(x0, analytic):
    # x^2 - y^2 + y^4/4: saddle at 0, minima (0, +/- sqrt 2) with f = -1. From
    # (x, 0) the gradient has no y part, so every plain Newton variant stays on
    # the x-axis and converges to the saddle.
    f, g, h = SADDLE
    kwargs = dict(grad=g, hess=h) if analytic else {}
    res = newton_regularized(f, x0, **kwargs)
    assert_local_minimum(res, h)
    np.testing.assert_allclose(np.abs(res.x), [0, math.sqrt(2)], atol=1e-9)
    assert res.fun == pytest.approx(-1, abs=1e-15)
    pure = newton_raphson(f, x0, grad=g, hess=h)
    assert classify_critical_point(f, pure.x, hess=h) == "saddle"


# --- Hypothesis: quadratics and convex functions --------------------------------------

def spd_matrices(n):
    # Q diag(lam) Q' with eigenvalues in [0.1, 10]: condition number at most 100.
    return st.tuples(arrays(np.float64, (n, n), elements=st.floats(-1, 1)),
                     arrays(np.float64, n, elements=st.floats(0.1, 10))).map(
        lambda qa: (lambda q: q @ np.diag(qa[1]) @ q.T)(np.linalg.qr(qa[0] + 3 * np.eye(n))[0]))


@st.composite
def quadratic_problems(draw):
    n = draw(st.integers(1, 6))
    A = draw(spd_matrices(n))
    coords = st.floats(-10, 10)
    return A, draw(arrays(np.float64, n, elements=coords)), draw(arrays(np.float64, n,
                                                                       elements=coords))


@settings(max_examples=40, deadline=None)
@given(quadratic_problems())
def test_pure_newton_lands_on_a_quadratic_minimum_in_one_step(problem):
    A, x_star, x0 = problem
    res = newton_raphson(lambda x: 0.5 * (x - x_star) @ A @ (x - x_star), x0,
                         grad=lambda x: A @ (x - x_star), hess=lambda x: A)
    # kappa(A) <= 100 and |x| <= 20: the solve is good to ~1e-12.
    np.testing.assert_allclose(res.trace[1], x_star, atol=1e-10)
    assert res.converged and res.nit <= 2  # step 2 only confirms the zero gradient


@st.composite
def convex_problems(draw):
    """A, B, c, w, b, x0 of f(x) = x'Ax/2 + sum_i w_i softplus(B_i x - c_i) - b'x."""
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 6))
    A = draw(spd_matrices(n))
    B = draw(arrays(np.float64, (m, n), elements=st.floats(-2, 2)))
    w = draw(arrays(np.float64, m, elements=st.floats(0, 3)))
    # softplus'' <= 1/4, so the Hessian lies between A and A + P with
    # P <= sum(w_i |B_i|^2)/4 I. Keeping that below 0.9 lambda_min(A) makes the pure
    # Newton map a contraction (error factor <= |H^-1 (H - mean H)| <= 0.9) from
    # any start; without such a bound pure Newton can cycle (test below).
    bound, lam_min = 0.25 * w @ (B * B).sum(axis=1), np.linalg.eigvalsh(A)[0]
    if bound > 0.9 * lam_min:  # (not min(1, 0.9 lam_min / bound): a tiny bound overflows)
        w = w * (0.9 * lam_min / bound)
    return (A, B, draw(arrays(np.float64, m, elements=st.floats(-2, 2))), w,
            draw(arrays(np.float64, n, elements=st.floats(-5, 5))),
            draw(arrays(np.float64, n, elements=st.floats(-5, 5))))


def convex_function(A, B, c, w, b):
    """f, gradient and Hessian: smooth and strongly convex (Hessian >= A)."""
    def f(x):
        return 0.5 * x @ A @ x + w @ np.logaddexp(0, B @ x - c) - b @ x

    def grad(x):
        return A @ x + B.T @ (w * scipy.special.expit(B @ x - c)) - b

    def hess(x):
        s = scipy.special.expit(B @ x - c)
        return A + B.T @ ((w * s * (1 - s))[:, None] * B)

    return f, grad, hess


def term_size(A, B, c, w, b, x):
    """Sum of the sizes of f's three terms at x: f's rounding error is eps times about this."""
    return abs(0.5 * x @ A @ x) + abs(w @ np.logaddexp(0, B @ x - c)) + abs(b @ x)


# Found by Hypothesis. From x0, two Newton steps reach a point with |g| = 1.3e-8,
# just above tol, where the next step lowers f by |g'd| / 2 = 1.9e-17 while f, a sum
# of terms 3.0 + 2.6 - 5.9 = -0.3, is only good to ~1e-15. newton_regularized used
# to check the full step's Armijo decrease on f alone, rejected it on rounding,
# halved it to nothing and crept for 200 iterations (nfev 5545).
ROUNDING_STALLED_ARMIJO = (
    np.array([[1.5435108790903447, 0.43041560179507926, 0.0],
              [0.43041560179507926, 3.8601155254213406, 0.0], [0.0, 0.0, 5.25]]),
    np.array([[0.0, 1.78125, 0.3551769512525813], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    np.zeros(3), np.array([1.0, 2.0, 1.0]), np.array([-3.0, -1.125, 0.0]), np.full(3, 0.125))

# Its neighbour, also found by Hypothesis, on which the article's damped Newton
# (R's rule: accept a step once f does not rise) stalls the same way; see below.
ROUNDING_STALLED_DAMPED = (
    np.array([[1.5435108790903447, 0.43041560179507926, 0.0],
              [0.43041560179507926, 3.8601155254213406, 0.0], [0.0, 0.0, 5.484375]]),
    np.vstack([ROUNDING_STALLED_ARMIJO[1], np.zeros((1, 3))]),
    np.zeros(4), np.array([1.0, 2.0, 1.0, 1.0]), np.array([-3.0, -1.125, 0.0]), np.full(3, 0.125))


def assert_stalled_by_rounding(res, f, grad, hess, data):
    """res ran out of iterations only because its last full Newton step changed f by
    less than f's rounding error, so that R's f comparison halved it away."""
    assert res.message == "iteration limit (50) reached"
    x = res.trace[-2]
    d = scipy.linalg.solve(hess(x), -grad(x), assume_a="gen")
    assert abs(f(x + d) - f(x)) <= 64 * EPS * term_size(*data, x)
    assert np.linalg.norm(res.trace[-1] - x) <= np.linalg.norm(d) / 2  # a halved step


@settings(max_examples=30, deadline=None)
@example(problem=ROUNDING_STALLED_ARMIJO)
@example(problem=ROUNDING_STALLED_DAMPED)
@given(convex_problems())
def test_newton_methods_reach_the_minimum_of_smooth_convex_functions(problem):
    *data, x0 = problem
    f, grad, hess = convex_function(*data)
    pure, damped, regularized = (method(f, x0, grad=grad, hess=hess)
                                 for method in (newton_raphson, newton_damped, newton_regularized))
    for res in (pure, regularized):
        assert res.converged, res.message
        assert np.linalg.norm(grad(res.x)) < 1e-8
    # The article's damped Newton decides on f values alone. Within rounding of the
    # minimum that is a coin toss (about 1 example in 600 here); mathkit keeps R's rule and
    # R's iterates, so that is asserted to be the only way it fails.
    if not damped.converged:
        assert_stalled_by_rounding(damped, f, grad, hess, data)
    # Strongly convex (H >= A >= 0.1 I): one minimum, and |g| < 1e-8 puts each
    # result within 1e-8 / 0.1 of it.
    for res in (damped, regularized):
        np.testing.assert_allclose(res.x, pure.x, atol=2e-7)


# (x - M)^2 with M = 1000, computed as x*x - 2Mx + M*M: its values carry rounding noise
# of size eps M^2 ~ 1e-10, far above (x - M)^2 near M. Only +, - and * on doubles,
# which IEEE 754 rounds the same on every machine (no BLAS, no libm): f(X0) < f(M) = 0
# is forced, not luck. The analytic gradient and the Hessian 2 are exact, so a Newton
# step -g/2 is exact whatever LAPACK does, and every run below is the same on every
# IEEE machine.
NOISY_M = 1000.0
NOISY_X0 = 1000.0000000227657  # found by a search over starts; the asserts say why


def noisy_square(v):
    x = float(v[0])
    return x * x - 2 * NOISY_M * x + NOISY_M * NOISY_M


NOISY = dict(grad=lambda v: np.array([2 * (float(v[0]) - NOISY_M)]),
             hess=lambda v: np.array([[2.0]]))


def test_the_noisy_square_rises_by_rounding_where_it_falls():
    assert noisy_square([NOISY_X0]) == -1.1641532182693481e-10  # exact, by IEEE rounding
    assert noisy_square([NOISY_M]) == 0.0  # the minimum, computed exactly
    assert NOISY_X0 - (NOISY_X0 - NOISY_M) == NOISY_M  # the Newton step lands on M exactly
    assert 2 * (NOISY_X0 - NOISY_M) > 1e-8  # the gradient is above tol at X0


def test_regularized_judges_a_step_below_f_rounding_by_the_gradients():
    res = newton_regularized(noisy_square, [NOISY_X0], **NOISY)
    # The full Newton step lands on M; f "rises" from -1.2e-10 to 0 by rounding, so
    # Armijo on f would reject it. The gradients (4.6e-8, then 0) accept it.
    assert res.converged and res.nit == 1 and res.x[0] == NOISY_M
    assert res.message.startswith("local minimum: ")


def test_damped_newton_stalls_where_f_cannot_resolve_the_decrease():
    damped = newton_damped(noisy_square, [NOISY_X0], **NOISY)
    # R's rule rejects the full step (f would rise, by rounding) and halves it until
    # a trial's computed f is not above f(x): crumbs of steps, for 50 iterations.
    assert not damped.converged and damped.message == "iteration limit (50) reached"
    assert abs(damped.grad[0]) > 1e-8
    pure = newton_raphson(noisy_square, [NOISY_X0], **NOISY)
    assert pure.converged and pure.x[0] == NOISY_M  # no f comparison: it just steps


def test_damped_newton_on_the_convex_rounding_example_can_only_stall_by_rounding():
    # The Hypothesis example below f's rounding: whether R's rule stalls there depends
    # on the last bits of f (BLAS kernels differ), so only what holds either way is
    # asserted: converged, or stalled by rounding within 1e-8 of the minimum.
    *data, x0 = ROUNDING_STALLED_DAMPED
    f, grad, hess = convex_function(*data)
    damped = newton_damped(f, x0, grad=grad, hess=hess)
    if not damped.converged:
        assert_stalled_by_rounding(damped, f, grad, hess, data)
    for method in (newton_raphson, newton_regularized):
        res = method(f, x0, grad=grad, hess=hess)
        assert res.converged and np.linalg.norm(grad(res.x)) < 1e-8
        np.testing.assert_allclose(damped.x, res.x, rtol=0, atol=1e-8)


def test_pure_newton_can_cycle_on_a_convex_function():
    # f = x^2/8 + softplus(2x) + softplus(-x): strictly convex, but the curvature
    # varies by more than a factor 2, and from x = 2 pure Newton settles into the
    # 2-cycle -7.048 <-> 3.958. Backtracking or regularization converge.
    f, grad, hess = convex_function(np.array([[0.25]]), np.array([[2.0], [-1.0]]),
                                    np.zeros(2), np.ones(2), np.zeros(1))
    pure = newton_raphson(f, [2.0], grad=grad, hess=hess)
    assert not pure.converged and pure.message == "iteration limit (50) reached"
    np.testing.assert_allclose(pure.trace[-4:, 0], pure.trace[-2:, 0].tolist() * 2, rtol=1e-12)
    for method in (newton_damped, newton_regularized):
        res = method(f, [2.0], grad=grad, hess=hess)
        assert res.converged and abs(grad(res.x)[0]) < 1e-8


# --- Counting, result object, input checks --------------------------------------------

def test_evaluation_counts_with_analytic_derivatives_by_hand():
    f = lambda v: v[0] ** 2 + 2 * v[1] ** 2  # noqa: E731
    g = lambda v: np.array([2 * v[0], 4 * v[1]])  # noqa: E731
    h = lambda v: np.diag([2.0, 4.0])  # noqa: E731
    # Iteration 1 lands on 0, iteration 2 sees g = 0, steps by 0 and stops.
    pure = newton_raphson(f, [1, 1], grad=g, hess=h)
    assert (pure.nit, pure.nfev, pure.njev, pure.nhev) == (2, 2, 3, 2)  # f(x0) and f(x)
    damped = newton_damped(f, [1, 1], grad=g, hess=h)  # + one accepted trial per step
    assert (damped.nit, damped.nfev, damped.njev, damped.nhev) == (2, 3, 3, 2)
    # regularized stops at 0, reuses g and f, and probes f on both sides along each
    # of the Hessian's 2 eigenvectors before it calls 0 a minimum: 2 + 4 calls.
    reg = newton_regularized(f, [1, 1], grad=g, hess=h)
    assert (reg.nit, reg.nfev, reg.njev, reg.nhev) == (1, 6, 2, 2)


def test_numeric_derivative_evaluations_are_counted():
    # numDeriv: grad 8n+1, hessian 4n^2+4n+2 calls (fewer when grad skips tiny rows).
    res = newton_regularized(lambda v: (v[0] - 1) ** 2 + (v[1] + 2) ** 4 + 3, [4.0, 4.0],
                             max_iter=1)
    assert res.njev == 2 and res.nhev == 2
    assert res.nfev <= 1 + 1 + 2 * 17 + 2 * 26 and res.nfev >= 1 + 1 + 17 + 2 * 26


class Calls:
    """f and, if given, its gradient and Hessian, wrapped so that every call is counted."""

    def __init__(self, f, grad=None, hess=None):
        self.nfev = self.njev = self.nhev = 0
        self._f, self._grad, self._hess = f, grad, hess
        self.derivatives = {} if grad is None else dict(grad=self.grad, hess=self.hess)

    def f(self, x):
        self.nfev += 1
        return self._f(x)

    def grad(self, x):
        self.njev += 1
        return self._grad(x)

    def hess(self, x):
        self.nhev += 1
        return self._hess(x)


def log_loss_grad(v):
    return 1 - 1 / v if np.all(v > 0) else np.full(2, math.nan)  # NaN as log_loss


def log_loss_hess(v):
    return np.diag(1 / (v * v)) if np.all(v > 0) else np.full((2, 2), math.nan)


COUNTED_PROBLEMS = {
    # Line searches that fail (damped) or expand along negative curvature (regularized).
    "himmelblau": (himmelblau, himmelblau_grad, himmelblau_hess, [0.0, 0.0]),
    # Trial points outside the domain (f = NaN); pure Newton stops there.
    "log_loss": (log_loss, log_loss_grad, log_loss_hess, [3.0, 3.0]),
    "rosenbrock": (scipy.optimize.rosen, ROSEN["grad"], ROSEN["hess"], [-1.2, 1.0]),
    # regularized's line search needs the gradient at the trial point here.
    "below rounding": (*convex_function(*ROUNDING_STALLED_ARMIJO[:-1]),
                       ROUNDING_STALLED_ARMIJO[-1]),
}


@pytest.mark.parametrize("method", [newton_raphson, newton_damped, newton_regularized])
@pytest.mark.parametrize("problem", COUNTED_PROBLEMS)
@pytest.mark.parametrize("analytic", [True, False])
def test_counts_equal_the_calls_a_wrapper_sees(method, problem, analytic):
    f, grad, hess, x0 = COUNTED_PROBLEMS[problem]
    calls = Calls(f, grad, hess) if analytic else Calls(f)
    res = method(calls.f, x0, **calls.derivatives)
    assert res.nfev == calls.nfev > 0  # numeric derivatives' calls of f included
    if analytic:
        assert (res.njev, res.nhev) == (calls.njev, calls.nhev)


def article_damped_loop_calls(f, trace, min_step=1e-10):
    """f calls of the R article's damped loop along ``trace``, and of mathkit's.

    Both compute numDeriv's gradient and Hessian at each iterate and try the step
    factors 1, 1/2, ... in turn. R's rejection test calls f three times for a finite
    trial (f(trial) for is.finite, again for the comparison, then f(current)) and
    once for a non-finite one; mathkit calls f once per trial and reuses f(x). When
    no factor down to min_step works, both take the 2^-34 step untried, and mathkit
    then computes f there.
    """
    r_calls = own_calls = 0
    for x, x_next in zip(trace[:-1], trace[1:], strict=True):
        derivatives = counted_calls(nd.grad, f, x) + counted_calls(nd.hessian, f, x)
        d = np.linalg.solve(nd.hessian(f, x), -nd.grad(f, x))
        halvings = round(math.log2(np.linalg.norm(d) / np.linalg.norm(x_next - x)))
        failed = 2.0 ** -halvings < min_step
        finite = [math.isfinite(f(x + 2.0 ** -i * d)) for i in range(halvings + (not failed))]
        r_calls += derivatives + sum(3 if ok else 1 for ok in finite)
        own_calls += derivatives + len(finite) + failed
    return r_calls, own_calls


@pytest.mark.parametrize("group, case, f, x0", [
    ("log_loss", "damped_3", log_loss, [3, 3]),  # backtracking past non-finite trials
    ("log_loss", "damped_5", log_loss, [5, 5]),
    ("himmelblau", "damped", himmelblau, [0, 0]),  # 34 rejected trials in each iteration
])
def test_damped_nfev_counts_mathkits_calls_which_are_fewer_than_rs(group, case, f, x0):
    ref = REF[group][case]
    res = newton_damped(f, x0)
    r_calls, own_calls = article_damped_loop_calls(f, res.trace)
    assert r_calls == ref["nfev"]  # R's count of its loop, reconstructed call by call
    assert own_calls < r_calls
    # mathkit's nfev: its loop, plus f(x0) (the input check) and the gradient at the end.
    assert res.nfev == 1 + own_calls + counted_calls(nd.grad, f, res.x)


def test_result_is_frozen_and_traced():
    res = newton_raphson(f_fn, [2.0, 2.0], max_iter=3)
    assert res.trace.shape == (res.nit + 1, 2)
    np.testing.assert_array_equal(res.trace[0], [2, 2])
    np.testing.assert_array_equal(res.trace[-1], res.x)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.x = None


@pytest.mark.parametrize("method", [newton_raphson, newton_damped, newton_regularized])
@pytest.mark.parametrize("x0, kwargs, message", [
    ([math.nan, 1.0], {}, r"x0 must be finite, but x0\[0\] = nan"),
    ([1.0, math.inf], {}, r"x0\[1\] = inf"),
    ([[1.0, 2.0]], {}, r"x0 must be a non-empty 1-d array, got shape \(1, 2\)"),
    ([], {}, r"got shape \(0,\)"),
    (3.0, {}, r"got shape \(\)"),
    ([1.0, 1.0], {"tol": 0}, "tol must be a positive number, got 0"),
    ([1.0, 1.0], {"tol": -1e-8}, "tol must be a positive number"),
    ([1.0, 1.0], {"tol": math.nan}, "tol must be a positive number"),
    ([1.0, 1.0], {"max_iter": 0}, "max_iter must be an integer >= 1, got 0"),
    ([1.0, 1.0], {"max_iter": 2.5}, "max_iter must be an integer >= 1, got 2.5"),
    ([1.0, 1.0], {"max_iter": True}, "got True"),
    ([-1.0, 1.0], {}, r"f\(x0\) is not finite: f\(\[-1.0, 1.0\]\) = nan"),
])
def test_bad_input_raises_value_error_naming_it(method, x0, kwargs, message):
    with pytest.raises(ValueError, match=message):
        method(log_loss, x0, **kwargs)


def test_other_bad_input():
    with pytest.raises(ValueError, match="min_step must be in"):
        newton_damped(f_fn, [1, 1], min_step=0)
    with pytest.raises(ValueError, match="c1=2"):
        newton_regularized(f_fn, [1, 1], c1=2)
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        newton_raphson(lambda v: v, [1.0, 1.0])
    with pytest.raises(ValueError, match=r"grad must return an array of shape \(2,\), got \(3,\)"):
        newton_regularized(f_fn, [1.0, 1.0], grad=lambda v: np.ones(3))
    with pytest.raises(ValueError, match=r"hess must return an array of shape \(2, 2\), got"):
        newton_raphson(f_fn, [1.0, 1.0], hess=lambda v: np.ones(4))
    with pytest.raises(ValueError, match=r"non-empty square matrix, got shape \(2, 3\)"):
        condition_number(np.ones((2, 3)))
    with pytest.raises(ValueError, match="H must be finite"):
        condition_number([[1, 0], [0, math.nan]])
    with pytest.raises(ValueError, match="tol must be a positive number"):
        classify_critical_point(f_fn, [0, 0], tol=0)
    with pytest.raises(ValueError, match=r"finite 2x2 matrix, got shape \(3, 3\)"):
        classify_critical_point(f_fn, [0, 0], hess=lambda x: np.eye(3))
    with pytest.raises(ValueError, match=r"x must be finite, but x\[1\] = nan"):
        classify_critical_point(f_fn, [0, math.nan])


def test_line_search_failure_stops_regularized_with_a_message():
    # A gradient that is wrong (sign flipped) makes every direction uphill.
    res = newton_regularized(f_fn, [1.0, 1.0], grad=lambda v: -np.array([2 * v[0] + v[1],
                                                                          4 * v[1] + v[0]]),
                             hess=lambda v: np.array([[2.0, 1.0], [1.0, 4.0]]))
    # The line search fails, the trust region that takes over shrinks to nothing.
    assert not res.converged and "trust region collapsed" in res.message
    assert "no step decreases f" in res.message


def test_iteration_limit_is_reported():
    res = newton_regularized(scipy.optimize.rosen, [-1.2, 1.0], grad=scipy.optimize.rosen_der,
                             hess=scipy.optimize.rosen_hess, max_iter=3)
    assert not res.converged and res.nit == 3
    assert res.message.startswith("iteration limit (3) reached (gradient norm ")


def test_docstring_examples_run():
    result = doctest.testmod(mathkit.newton)
    assert result.attempted > 0 and result.failed == 0


# --- What converged=True certifies (issue 10) -----------------------------------------

def test_x_cubed_is_not_reported_as_a_minimum():
    # The gradient 3x^2 drops below tol near 3e-5, where the Hessian 6x is positive;
    # the probe along it finds f lower, the run goes on down the slope.
    for kwargs in ({}, dict(grad=lambda v: 3 * v * v, hess=lambda v: np.array([[6 * v[0]]]))):
        res = newton_regularized(lambda v: v[0] ** 3, [1.0], **kwargs)
        assert not res.converged and res.message.startswith("f appears unbounded below")
        assert res.fun < -1e100 and res.x[0] < 0


def test_x_to_the_fourth_is_a_degenerate_minimum():
    res = newton_regularized(lambda v: v[0] ** 4, [1.0])
    assert res.converged
    assert res.message.startswith("local minimum where the Hessian is singular or nearly so")
    assert abs(res.x[0]) < 3e-3  # 4x^3 < 1e-8


def test_a_plateau_is_not_certified():
    # f = tanh(x)^2 + y^2 far out in x: f is constant to rounding along x (1 - tanh^2
    # underflows), so nothing shows a minimum there, and there is none.
    f = lambda v: math.tanh(v[0]) ** 2 * 0 + (1 - math.tanh(v[0])) + v[1] * v[1]  # noqa: E731
    res = newton_regularized(f, [40.0, 1.0])
    assert not res.converged
    assert res.message.startswith("no minimum certified")


@pytest.mark.parametrize("method", [newton_raphson, newton_damped])
def test_the_article_loops_say_their_converged_is_not_a_certificate(method):
    assert "does not certify a minimum" in " ".join(method.__doc__.split())
    res = method(himmelblau, [0.0, 0.0])
    if method is newton_raphson:  # converged=True at the local maximum, as in R
        assert res.converged and classify_critical_point(himmelblau, res.x) == "maximum"


def test_every_regularized_message_names_its_case():
    cases = {
        "local minimum: ": newton_regularized(himmelblau, [0.0, 0.0]),
        "local minimum where the Hessian is singular": newton_regularized(
            lambda v: v[0] ** 4 + sq(v[1]), [1.0, 1.0]),
        "f appears unbounded below": newton_regularized(lambda v: v[0] ** 3, [1.0]),
        "iteration limit (2) reached": newton_regularized(himmelblau, [0.0, 0.0], max_iter=2),
        "the gradient or Hessian is not finite": newton_regularized(
            lambda v: math.log(v[0]) if v[0] > 1 else math.nan if v[0] < 1 else 0.0, [1.0]),
    }
    for head, res in cases.items():
        assert res.message.startswith(head), (head, res.message)
        assert res.converged == head.startswith("local minimum")


def test_classify_refuses_a_point_that_is_not_critical():
    with pytest.raises(ValueError, match="not a critical point: the gradient norm there is 5"):
        classify_critical_point(lambda v: v[0] * v[0] + 5 * v[0], [0.0])
    # A larger gtol lets it through; the Hessian alone then says "minimum".
    assert classify_critical_point(lambda v: v[0] * v[0] + 5 * v[0], [0.0], gtol=10) == "minimum"


@pytest.mark.parametrize("f, label", [
    (lambda v: v[0] ** 4 + sq(v[1]), "degenerate minimum"),
    (lambda v: -v[0] ** 4 - sq(v[1]), "degenerate maximum"),
    (lambda v: -v[0] ** 4 + sq(v[1]), "degenerate saddle"),
    (lambda v: v[0] ** 3 + sq(v[1]), "degenerate saddle"),
    (lambda v: sq(v[1]), "degenerate"),  # constant along x: the check cannot decide
])
def test_classify_settles_degenerate_points_by_f(f, label):
    assert classify_critical_point(f, [0.0, 0.0]) == label
    assert classify_critical_point(f, [0.0, 0.0], null_check=False) == "degenerate"


# --- method= reaches the numeric derivatives ------------------------------------------

@pytest.mark.parametrize("method", ["central", "complex"])
def test_method_selects_the_numeric_derivatives(method):
    def him(v):  # complex-safe: only + and *
        a, b = v[0] * v[0] + v[1] - 11, v[0] + v[1] * v[1] - 7
        return a * a + b * b

    res = newton_regularized(him, [0.0, 0.0], method=method)
    assert res.converged and np.allclose(res.x, [3, 2], atol=1e-7)
    counted = []
    newton_raphson(lambda v: counted.append(1) or him(v), [3.5, 2.5], max_iter=1, method=method)
    # the calls are the method's stencils: grad + hessian (+ f(x0), f(x), final grad)
    x = np.array([3.5, 2.5])
    per = counted_calls(lambda f, x: nd.grad(f, x, method), him, x) + counted_calls(
        lambda f, x: nd.hessian(f, x, method), him, x)
    assert len(counted) >= per
    assert classify_critical_point(him, res.x, method=method) == "minimum"


def test_method_autodiff_when_numeric_has_it():
    try:
        nd.grad(lambda v: v[0] * v[0], np.array([1.0]), "autodiff")
    except ValueError:
        pytest.skip("mathkit.numeric has no method='autodiff' here")

    def him(v):
        a, b = v[0] * v[0] + v[1] - 11, v[0] + v[1] * v[1] - 7
        return a * a + b * b

    res = newton_regularized(him, [0.0, 0.0], method="autodiff")
    assert res.converged and np.allclose(res.x, [3, 2], atol=1e-9)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method 'simplex'"):
        newton_regularized(f_fn, [1.0, 1.0], method="simplex")

"""mathkit.deriv against hand-derived derivatives, R's deriv() and random polynomials."""

import dataclasses
import doctest
import math

import numpy as np
import pytest
import scipy.special
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from support import reference

import mathkit.symbolic
from mathkit import Derivative, deriv

F = "x^2 + 2*y^2 + x*y"


# --- The source article's examples, derived by hand ---------------------------------

def test_article_example_at_1_1():
    value, gradient, hessian = deriv(F, ["x", "y"])(1, 1)
    assert value == 4.0  # 1 + 2 + 1
    assert gradient.tolist() == [3.0, 5.0]  # (2x + y, 4y + x)
    assert hessian.tolist() == [[2.0, 1.0], [1.0, 4.0]]


def test_article_exercise_gradient_at_2_minus_1():
    value, gradient, hessian = deriv("3*x^2 + x*y + y^2", ["x", "y"])(2, -1)
    assert value == 12 - 2 + 1
    assert gradient.tolist() == [11.0, 0.0]  # (6x + y, x + 2y)
    assert hessian.tolist() == [[6.0, 1.0], [1.0, 2.0]]


def test_symbolic_gradient_and_hessian_are_the_hand_derived_ones():
    x, y = sympy.symbols("x y")
    d = deriv(F, ["x", "y"])
    assert d.expr == x**2 + 2 * y**2 + x * y
    assert d.variables == ("x", "y")
    assert d.gradient_expr.shape == (2, 1)
    assert sympy.simplify(d.gradient_expr - sympy.Matrix([2 * x + y, x + 4 * y])).is_zero_matrix
    assert d.hessian_expr == sympy.Matrix([[2, 1], [1, 4]])


def test_caret_and_double_star_are_both_powers():
    assert deriv("x^3*y", ["x", "y"]).expr == deriv("x**3*y", ["x", "y"]).expr


# --- Other functions, more variables, shapes ----------------------------------------

def test_exp_sin_log_by_hand():
    x, y = 0.7, 1.3
    value, gradient, hessian = deriv("exp(x)*sin(y) + log(x*y)", ["x", "y"])(x, y)
    es, ec = math.exp(x) * math.sin(y), math.exp(x) * math.cos(y)
    assert value == pytest.approx(es + math.log(x * y), rel=1e-15)
    np.testing.assert_allclose(gradient, [es + 1 / x, ec + 1 / y], rtol=1e-15)
    np.testing.assert_allclose(hessian, [[es - 1 / x**2, ec], [ec, -es - 1 / y**2]], rtol=1e-15)


def test_three_variables_by_hand():
    # f = x*y*z + x^2*z^3: every mixed partial differs, so a transposed Hessian would show.
    x, y, z = 1.5, -2.0, 0.5
    value, gradient, hessian = deriv("x*y*z + x^2*z^3", ["x", "y", "z"])(x, y, z)
    assert value == pytest.approx(x * y * z + x**2 * z**3)
    np.testing.assert_allclose(gradient, [y * z + 2 * x * z**3, x * z, x * y + 3 * x**2 * z**2])
    np.testing.assert_allclose(hessian, [[2 * z**3, z, y + 6 * x * z**2],
                                         [z, 0, x],
                                         [y + 6 * x * z**2, x, 6 * x**2 * z]])


def test_variable_order_sets_the_order_of_gradient_and_arguments():
    d = deriv(F, ["y", "x"])
    _, gradient, hessian = d(1, 0)  # y = 1, x = 0
    assert gradient.tolist() == [4.0, 1.0]  # (df/dy, df/dx) at x = 0, y = 1
    assert hessian.tolist() == [[4.0, 1.0], [1.0, 2.0]]


def test_scalar_inputs_give_plain_shapes():
    value, gradient, hessian = deriv(F, ["x", "y"])(1.0, 2.0)
    assert np.shape(value) == () and gradient.shape == (2,) and hessian.shape == (2, 2)


def test_arrays_broadcast_and_constant_entries_follow_the_shape():
    x = np.linspace(-1, 1, 3)[:, None]
    y = np.array([[0.5, 2.0]])
    value, gradient, hessian = deriv(F, ["x", "y"])(x, y)
    assert value.shape == (3, 2) and gradient.shape == (3, 2, 2) and hessian.shape == (3, 2, 2, 2)
    np.testing.assert_allclose(value, x**2 + 2 * y**2 + x * y)
    np.testing.assert_allclose(gradient[..., 0], 2 * x + y)
    np.testing.assert_allclose(gradient[..., 1], 4 * y + x)
    assert (hessian == np.array([[2.0, 1.0], [1.0, 4.0]])).all()


def test_a_constant_gradient_broadcasts_too():
    value, gradient, hessian = deriv("2*x - 3*y", ["x", "y"])(np.arange(4.0), 1)
    assert value.tolist() == [-3.0, -1.0, 1.0, 3.0]
    assert gradient.tolist() == [[2.0, -3.0]] * 4
    assert hessian.shape == (4, 2, 2) and not hessian.any()


def test_keywords_positional_and_mixed_agree():
    d = deriv("exp(x)*sin(y) + log(x*y)", ["x", "y"])
    by_position, by_name, mixed = d(0.5, 2.0), d(y=2.0, x=0.5), d(0.5, y=2.0)
    for part in range(3):
        assert np.array_equal(by_position[part], by_name[part])
        assert np.array_equal(by_position[part], mixed[part])


def test_named_tuple_fields():
    result = deriv(F, ["x", "y"])(1, 1)
    assert result._fields == ("value", "gradient", "hessian")
    assert result.gradient is result[1]


def test_without_hessian():
    d = deriv(F, ["x", "y"], hessian=False)
    result = d([1.0, 2.0], 1.0)
    assert result.hessian is None and d.hessian_expr is None
    assert result.gradient.tolist() == [[3.0, 5.0], [5.0, 6.0]]


def test_sympy_expression_input_keeps_its_symbols():
    x = sympy.Symbol("x", positive=True)
    y = sympy.Symbol("y")
    d = deriv(sympy.sqrt(x) * y, ["x", "y"])
    _, gradient, hessian = d(4.0, 3.0)
    np.testing.assert_allclose(gradient, [3 / (2 * 2.0), 2.0])  # (y / (2 sqrt x), sqrt x)
    np.testing.assert_allclose(hessian, [[-3 / (4 * 8.0), 1 / 4], [1 / 4, 0.0]])


def test_hessian_is_symmetric_symbolically_and_numerically():
    d = deriv("sin(x*y^2) + exp(x*z)/(1 + y^2) + x^3*z", ["x", "y", "z"])
    assert d.hessian_expr == d.hessian_expr.T
    rng = np.random.default_rng(1)
    hessian = d(*rng.uniform(-1, 1, size=(3, 50))).hessian
    assert np.array_equal(hessian, np.swapaxes(hessian, -1, -2))


def test_derivative_is_frozen():
    d = deriv(F, ["x", "y"])
    assert isinstance(d, Derivative)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.variables = ("y", "x")


def test_r_functions_pnorm_dnorm_lgamma():
    x = 0.8
    value, gradient, _ = deriv("pnorm(x) + dnorm(x) + lgamma(x)", ["x"])(x)
    phi = math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    assert value == pytest.approx(0.5 * (1 + math.erf(x / math.sqrt(2))) + phi + math.lgamma(x))
    assert gradient[0] == pytest.approx(phi - x * phi + scipy.special.digamma(x))


def test_docstring_examples_run():
    result = doctest.testmod(mathkit.symbolic)
    assert result.attempted > 0 and result.failed == 0


# --- Every ValueError path ----------------------------------------------------------

@pytest.mark.parametrize("expr, variables, message", [
    ("x^2 +", ["x"], "'x^2 +' does not parse"),
    ("x*(y", ["x", "y"], "does not parse"),
    ("().__class__", ["x"], "does not parse"),
    ("x", ["2x"], "'2x' is not a valid identifier"),
    ("x", ["x y"], "not a valid identifier"),
    ("x", ["lambda"], "'lambda' is not a valid identifier"),
    ("x", [3], "3 is not a valid identifier"),
    ("x", [], "variables is empty"),
    ("x*y", ["x", "x"], "['x'] are listed more than once"),
    ("x^2", ["x", "y"], "variables ['y'] do not occur"),
    ("x*y + z", ["x"], "symbols ['y', 'z'] not listed"),
    ("x < 1", ["x"], "not a scalar expression"),
    ("open(x)", ["x"], "unknown functions ['open']"),
])
def test_bad_construction(expr, variables, message):
    with pytest.raises(ValueError) as info:
        deriv(expr, variables)
    assert message in str(info.value)


def test_a_non_expression_is_a_type_error():
    with pytest.raises(TypeError, match="string or sympy expression"):
        deriv(3.0, ["x"])


@pytest.mark.parametrize("args, kwargs, message", [
    ((1.0,), {}, "missing values for ['y']"),
    ((1.0, 2.0, 3.0), {}, "expected 2 values for ('x', 'y'), got 3"),
    ((1.0,), {"z": 2.0}, "unknown variable 'z'"),
    ((1.0, 2.0), {"x": 2.0}, "variable 'x' given twice"),
    (([1.0, 2.0], [1.0, 2.0, 3.0]), {}, "broadcast together, got shapes {'x': (2,), 'y': (3,)}"),
    (("one", 2.0), {}, "real numbers"),
])
def test_bad_call(args, kwargs, message):
    with pytest.raises(ValueError) as info:
        deriv(F, ["x", "y"])(*args, **kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("expr, point, message", [
    ("log(x) + y", ([1.0, 0.0], 2.0), "non-finite value of y + log(x) at x=0, y=2"),
    ("sqrt(x) + y", (0.0, 1.0), "non-finite gradient[x] of sqrt(x) + y at x=0, y=1"),
    ("x^(3/2) + y", ([4.0, 0.0], 3.0), "non-finite hessian[x, x] of x**(3/2) + y at x=0, y=3"),
])
def test_non_finite_results_name_the_part_and_the_point(expr, point, message):
    with pytest.raises(ValueError) as info:
        deriv(expr, ["x", "y"])(*point)
    assert message in str(info.value)


# --- Against R's deriv() ------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(reference("symbolic")["cases"]))
def test_matches_r_deriv(case):
    ref = reference("symbolic")["cases"][case]
    points = {name: np.array(v) for name, v in ref["points"].items()}
    value, gradient, hessian = deriv(ref["expr"], ref["variables"])(**points)
    np.testing.assert_allclose(value, ref["value"], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(gradient, ref["gradient"], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(hessian, ref["hessian"], rtol=1e-14, atol=1e-15)


# --- Random polynomials, differentiated by the power rule ----------------------------

NAMES = ("x", "y", "z")
monomials = st.lists(st.tuples(st.integers(-6, 6).filter(bool),
                               st.tuples(*[st.integers(0, 4)] * 3)), min_size=1, max_size=6)


def power_rule(terms, point):
    """Value, gradient and Hessian of sum c * prod x_k^e_k, term by term."""
    def monomial(exps):
        return math.prod(p**e for p, e in zip(point, exps, strict=True))

    def lowered(exps, k):  # d/dx_k of x^exps = e_k * x^(exps - unit_k)
        return exps[k], tuple(e - (i == k) for i, e in enumerate(exps))

    n = len(point)
    value, gradient, hessian = 0.0, np.zeros(n), np.zeros((n, n))
    for c, exps in terms:
        value += c * monomial(exps)
        for i in range(n):
            ci, di = lowered(exps, i)
            if ci == 0:
                continue
            gradient[i] += c * ci * monomial(di)
            for j in range(n):
                cj, dij = lowered(di, j)
                if cj:
                    hessian[i, j] += c * ci * cj * monomial(dij)
    return value, gradient, hessian


@settings(max_examples=60, deadline=None)
@given(terms=monomials, point=st.tuples(*[st.floats(-2, 2)] * 3), caret=st.booleans())
def test_random_polynomials_follow_the_power_rule(terms, point, caret):
    combined = {}
    for c, exps in terms:  # like terms combine (and may cancel) before sympy sees them
        combined[exps] = combined.get(exps, 0) + c
    terms = [(c, e) for e, c in combined.items() if c]
    present = [k for k in range(3) if any(e[k] for _, e in terms)]
    if not present:  # a constant polynomial has no variables to differentiate by
        return
    power = "^" if caret else "**"
    text = " + ".join(f"({c})" + "".join(f"*{NAMES[k]}{power}{e[k]}" for k in present)
                      for c, e in terms)
    kept = [(c, tuple(e[k] for k in present)) for c, e in terms]
    expected = power_rule(kept, [point[k] for k in present])
    got = deriv(text, [NAMES[k] for k in present])(*[point[k] for k in present])
    biggest = sum(abs(c) for c, _ in terms) * 2.0**12 * 16  # |c| |x|^12, two factors <= 4
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-14 * biggest)

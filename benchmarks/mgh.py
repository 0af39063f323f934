"""The Moré-Garbow-Hillstrom (1981) unconstrained test set: 35 problems, three starts each.

Every problem is a sum of squares f(x) = sum_i r_i(x)^2 of the paper's residuals
r_i, written here once from the paper's definitions (data tables included), as
sympy expressions. From them come the numeric f, and the exact gradient and
Hessian (sympy differentiates each residual; g = 2 J'r, H = 2 (J'J + sum_i r_i
Hess r_i)), derived on first use and cached. Dimensions are the paper's standard
choices where it fixes them; for the variable-dimension problems n = 10 (Watson:
n = 6, extended Powell: n = 12, Chebyquad: n = 8), so that each known minimum f*
is one the paper tabulates.

Runs: every problem from x0, 10 x0 and 100 x0, as the paper recommends, except
starts that coincide (Watson's x0 is 0) or where f is not finite (Jennrich and
Sampson at 100 x0: exp(400) overflows). A run is solved when
f - f* <= 1e-6 max(1, f*) and ||g||_inf <= 1e-3 max(1, f*).

Three f* are printed in the paper to fewer digits than that test needs (124.362,
87.9458, 85822.2); they are replaced by the minimum computed here, which agrees
with the paper's value at every printed digit (``tests/test_mgh.py`` checks it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp

__all__ = ["PROBLEMS", "Run", "runs", "solved"]


# --- The residuals: functions of a list of sympy symbols ----------------------------

def rosenbrock(x):
    return [10 * (x[1] - x[0] ** 2), 1 - x[0]]


def freudenstein_roth(x):
    return [-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1],
            -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]]


def powell_badly_scaled(x):
    return [10**4 * x[0] * x[1] - 1, sp.exp(-x[0]) + sp.exp(-x[1]) - sp.Rational(10001, 10000)]


def brown_badly_scaled(x):
    return [x[0] - 10**6, x[1] - sp.Rational(2, 10**6), x[0] * x[1] - 2]


def beale(x):
    y = (sp.Rational(3, 2), sp.Rational(9, 4), sp.Rational(21, 8))
    return [y[i] - x[0] * (1 - x[1] ** (i + 1)) for i in range(3)]


T, Y, U, V, W = sp.symbols("t y u v w", real=True)  # the data of a residual family


@dataclass(frozen=True)
class Family:
    """Residuals of one form, r(x; data), one for each row of data (symbol -> values).

    Written once and broadcast over the data, so that sympy differentiates one small
    expression, not m large ones."""

    expr: sp.Expr
    data: dict


def jennrich_sampson(x):
    i = np.arange(1.0, 11.0)
    return [Family(2 + 2 * T - (sp.exp(T * x[0]) + sp.exp(T * x[1])), {T: i})]


def helical_valley(x):
    at = sp.atan(x[1] / x[0]) / (2 * sp.pi)
    theta = sp.Piecewise((at, x[0] > 0), (at + sp.Rational(1, 2), True))
    return [10 * (x[2] - 10 * theta), 10 * (sp.sqrt(x[0] ** 2 + x[1] ** 2) - 1), x[2]]


BARD_Y = (0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34,
          2.10, 4.39)


def bard(x):
    u = np.arange(1.0, 16.0)
    v = 16 - u
    return [Family(Y - (x[0] + U / (V * x[1] + W * x[2])),
                   {U: u, V: v, W: np.minimum(u, v), Y: np.array(BARD_Y)})]


GAUSSIAN_Y = (0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
              0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009)


def gaussian(x):
    return [Family(x[0] * sp.exp(-x[1] * (T - x[2]) ** 2 / 2) - Y,
                   {T: (8 - np.arange(1.0, 16.0)) / 2, Y: np.array(GAUSSIAN_Y)})]


MEYER_Y = (34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147,
           4427, 3820, 3307, 2872)


def meyer(x):
    return [Family(x[0] * sp.exp(x[1] / (T + x[2])) - Y,
                   {T: 45 + 5 * np.arange(1.0, 17.0), Y: np.array(MEYER_Y, dtype=float)})]


def gulf(x, m=99):
    t = np.arange(1.0, m + 1) / 100
    # |y - x2|^x3 as exp(x3 log((y - x2)^2) / 2), which sympy differentiates twice
    # without a delta function.
    return [Family(sp.exp(-sp.exp(x[2] * sp.log((Y - x[1]) ** 2) / 2) / x[0]) - T,
                   {T: t, Y: 25 + (-50 * np.log(t)) ** (2 / 3)})]


def box_3d(x, m=10):
    return [Family(sp.exp(-T * x[0]) - sp.exp(-T * x[1]) - x[2] * (sp.exp(-T) - sp.exp(-10 * T)),
                   {T: np.arange(1.0, m + 1) / 10})]


def powell_singular(x):
    return [x[0] + 10 * x[1], sp.sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
            sp.sqrt(10) * (x[0] - x[3]) ** 2]


def wood(x):
    return [10 * (x[1] - x[0] ** 2), 1 - x[0], sp.sqrt(90) * (x[3] - x[2] ** 2), 1 - x[2],
            sp.sqrt(10) * (x[1] + x[3] - 2), (x[1] - x[3]) / sp.sqrt(10)]


KOWALIK_Y = (0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235,
             0.0246)
KOWALIK_U = (4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625)


def kowalik_osborne(x):
    return [Family(Y - x[0] * (U ** 2 + U * x[1]) / (U ** 2 + U * x[2] + x[3]),
                   {U: np.array(KOWALIK_U, dtype=float), Y: np.array(KOWALIK_Y)})]


def brown_dennis(x, m=20):
    return [Family((x[0] + T * x[1] - sp.exp(T)) ** 2 + (x[2] + x[3] * sp.sin(T) - sp.cos(T)) ** 2,
                   {T: np.arange(1.0, m + 1) / 5})]


OSBORNE1_Y = (0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751,
              0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490,
              0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406)


def osborne1(x):
    return [Family(Y - (x[0] + x[1] * sp.exp(-T * x[3]) + x[2] * sp.exp(-T * x[4])),
                   {T: 10 * np.arange(33.0), Y: np.array(OSBORNE1_Y)})]


def biggs_exp6(x, m=13):
    t = np.arange(1.0, m + 1) / 10
    y = np.exp(-t) - 5 * np.exp(-10 * t) + 3 * np.exp(-4 * t)
    return [Family(x[2] * sp.exp(-T * x[0]) - x[3] * sp.exp(-T * x[1])
                   + x[5] * sp.exp(-T * x[4]) - Y, {T: t, Y: y})]


OSBORNE2_Y = (1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746,
              0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649,
              0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395,
              0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653,
              0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739,
              0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054)


def osborne2(x):
    return [Family(Y - (x[0] * sp.exp(-T * x[4]) + x[1] * sp.exp(-(T - x[8]) ** 2 * x[5])
                        + x[2] * sp.exp(-(T - x[9]) ** 2 * x[6])
                        + x[3] * sp.exp(-(T - x[10]) ** 2 * x[7])),
                   {T: np.arange(65.0) / 10, Y: np.array(OSBORNE2_Y)})]


def watson(x):
    n = len(x)
    s1 = sum((j - 1) * x[j - 1] * T ** (j - 2) for j in range(2, n + 1))
    s2 = sum(x[j - 1] * T ** (j - 1) for j in range(1, n + 1))
    return [Family(s1 - s2 ** 2 - 1, {T: np.arange(1.0, 30.0) / 29}),
            x[0], x[1] - x[0] ** 2 - 1]


def extended_rosenbrock(x):
    out = []
    for i in range(0, len(x), 2):
        out += [10 * (x[i + 1] - x[i] ** 2), 1 - x[i]]
    return out


def extended_powell(x):
    out = []
    for i in range(0, len(x), 4):
        out += powell_singular(x[i:i + 4])
    return out


def penalty1(x):
    a = sp.sqrt(sp.Rational(1, 10**5))
    return [a * (xi - 1) for xi in x] + [sum(xi ** 2 for xi in x) - sp.Rational(1, 4)]


def penalty2(x):
    n, a = len(x), sp.sqrt(sp.Rational(1, 10**5))
    e = [sp.exp(xi / 10) for xi in x]
    out = [x[0] - sp.Rational(1, 5)]
    for i in range(2, n + 1):
        y = sp.exp(sp.Rational(i, 10)) + sp.exp(sp.Rational(i - 1, 10))
        out.append(a * (e[i - 1] + e[i - 2] - y))
    for i in range(n + 1, 2 * n):
        out.append(a * (e[i - n] - sp.exp(sp.Rational(-1, 10))))
    out.append(sum((n - j) * x[j] ** 2 for j in range(n)) - 1)
    return out


def variably_dimensioned(x):
    s = sum((j + 1) * (xj - 1) for j, xj in enumerate(x))
    return [xj - 1 for xj in x] + [s, s ** 2]


def trigonometric(x):
    n = len(x)
    c = sum(sp.cos(xj) for xj in x)
    return [n - c + (i + 1) * (1 - sp.cos(xi)) - sp.sin(xi) for i, xi in enumerate(x)]


def brown_almost_linear(x):
    n, s = len(x), sum(x)
    return [xi + s - (n + 1) for xi in x[:-1]] + [sp.Mul(*x) - 1]


def discrete_boundary(x):
    n = len(x)
    h = sp.Rational(1, n + 1)
    z = [0, *x, 0]
    return [2 * z[i] - z[i - 1] - z[i + 1] + h ** 2 * (z[i] + i * h + 1) ** 3 / 2
            for i in range(1, n + 1)]


def discrete_integral(x):
    n = len(x)
    h = sp.Rational(1, n + 1)
    t = [(j + 1) * h for j in range(n)]
    cube = [(x[j] + t[j] + 1) ** 3 for j in range(n)]
    return [x[i] + h * ((1 - t[i]) * sum(t[j] * cube[j] for j in range(i + 1))
                        + t[i] * sum((1 - t[j]) * cube[j] for j in range(i + 1, n))) / 2
            for i in range(n)]


def broyden_tridiagonal(x):
    z = [0, *x, 0]
    return [(3 - 2 * z[i]) * z[i] - z[i - 1] - 2 * z[i + 1] + 1 for i in range(1, len(x) + 1)]


def broyden_banded(x, ml=5, mu=1):
    n = len(x)
    out = []
    for i in range(n):
        band = [j for j in range(max(0, i - ml), min(n - 1, i + mu) + 1) if j != i]
        out.append(x[i] * (2 + 5 * x[i] ** 2) + 1 - sum(x[j] * (1 + x[j]) for j in band))
    return out


def linear_full_rank(x, m=20):
    n, s = len(x), sum(x)
    return [x[i] - sp.Rational(2, m) * s - 1 for i in range(n)] + \
        [-sp.Rational(2, m) * s - 1 for _ in range(n, m)]


def linear_rank1(x, m=20):
    s = sum((j + 1) * xj for j, xj in enumerate(x))
    return [(i + 1) * s - 1 for i in range(m)]


def linear_rank1_zero(x, m=20):
    n = len(x)
    s = sum((j + 1) * x[j] for j in range(1, n - 1))
    return [sp.Integer(-1)] + [i * s - 1 for i in range(1, m - 1)] + [sp.Integer(-1)]


def chebyquad(x):
    n, z = len(x), sp.Symbol("z")
    out = []
    for i in range(1, n + 1):
        # The shifted Chebyshev polynomial T_i(2z - 1), expanded once.
        p = sp.Poly(sp.chebyshevt(i, 2 * z - 1), z)
        integral = 0 if i % 2 else sp.Rational(-1, i * i - 1)
        out.append(sum(p.as_expr().subs(z, xj) for xj in x) / n - integral)
    return out


# --- Problems -------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Problem:
    """One problem of the set: its number in the paper, name, residuals, start and f*."""

    number: int
    name: str
    residuals: Callable
    x0: tuple[float, ...]
    fstar: float
    note: str = ""
    fstar_paper: float | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.x0)

    @cached_property
    def _pieces(self) -> list[tuple[Callable, Callable, Callable, list]]:
        """Per residual family (or single residual): r, its gradient and its Hessian,
        compiled by sympy, and the data arrays they take after x."""
        x = sp.symbols(f"x0:{self.n}", real=True)
        pieces = []
        for item in self.residuals(list(x)):
            expr, data = (item.expr, item.data) if isinstance(item, Family) else (item, {})
            args = [x, *data]
            expr = sp.sympify(expr)
            gradient = [sp.diff(expr, xi) for xi in x]
            hessian = [[sp.diff(gi, xj) for xj in x] for gi in gradient]
            pieces.append((sp.lambdify(args, expr, "numpy", cse=True),
                           sp.lambdify(args, gradient, "numpy", cse=True),
                           sp.lambdify(args, hessian, "numpy", cse=True), list(data.values())))
        return pieces

    def _parts(self, v: np.ndarray, order: int) -> list[np.ndarray]:
        """Residuals (order 0), Jacobian (1) or residual Hessians (2), stacked by row."""
        v = list(np.asarray(v, dtype=float))
        out = []
        with np.errstate(all="ignore"):
            for piece in self._pieces:
                data = piece[3]
                rows = len(data[0]) if data else 1
                value = np.array(_flat(piece[order](v, *data), rows),
                                 dtype=float)
                shape = ((self.n,) if order == 1 else (self.n, self.n) if order == 2 else ())
                out.append(np.moveaxis(value.reshape(*shape, rows), -1, 0))
        return out

    def residual_vector(self, v: np.ndarray) -> np.ndarray:
        return np.concatenate(self._parts(v, 0))

    def f(self, v: np.ndarray) -> float:
        r = self.residual_vector(v)
        with np.errstate(all="ignore"):
            return float(r @ r)

    def grad(self, v: np.ndarray) -> np.ndarray:
        r, J = self.residual_vector(v), np.concatenate(self._parts(v, 1))
        with np.errstate(all="ignore"):
            return 2 * J.T @ r

    def hess(self, v: np.ndarray) -> np.ndarray:
        r, J = self.residual_vector(v), np.concatenate(self._parts(v, 1))
        second = np.concatenate(self._parts(v, 2))
        with np.errstate(all="ignore"):
            H = 2 * (J.T @ J + np.einsum("i,ijk->jk", r, second))
        return (H + H.T) / 2

    def r_code(self) -> tuple[str, str]:
        """R function bodies for f and its gradient (sympy's R printer), with x[1..n]
        and each family's data as R vectors, for benchmarks/bench_mgh.R."""
        x = sp.symbols(f"x0:{self.n}", real=True)
        rename = {xi: sp.Symbol(f"x[{i + 1}]") for i, xi in enumerate(x)}
        lines, residuals, jac_rows = [], [], []
        for k, item in enumerate(self.residuals(list(x))):
            expr, data = (item.expr, item.data) if isinstance(item, Family) else (item, {})
            expr = sp.sympify(expr)
            sub = dict(rename)
            for sym, values in data.items():
                name = f"d{k}_{sym.name}"
                lines.append(f"{name} <- c({', '.join(repr(float(v)) for v in values)})")
                sub[sym] = sp.Symbol(name)
            rows = len(next(iter(data.values()))) if data else 1
            residuals.append(f"rep_len({sp.rcode(expr.xreplace(sub))}, {rows})")
            jac_rows.append("cbind(" + ", ".join(
                f"rep_len({sp.rcode(sp.diff(expr, xi).xreplace(sub))}, {rows})" for xi in x)
                + ")")
        data = "\n".join(lines)
        r = f"c({', '.join(residuals)})"
        f_code = f"{data}\nfunction(x) {{ r <- {r}; sum(r * r) }}"
        g_code = (f"{data}\nfunction(x) {{ r <- {r}; J <- rbind({', '.join(jac_rows)}); "
                  f"as.numeric(2 * crossprod(J, r)) }}")
        return f_code, g_code


def _flat(value, rows: int) -> list:
    """The leaves of a (nested) list of scalars or arrays, each broadcast to ``rows``."""
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flat(item, rows)]
    return [np.broadcast_to(np.asarray(value, dtype=float), (rows,))]


def _alternating(n, a, b):
    return tuple(a if j % 2 == 0 else b for j in range(n))


def _tj(n):
    return tuple((j / (n + 1)) * (j / (n + 1) - 1) for j in range(1, n + 1))


PROBLEMS: tuple[Problem, ...] = (
    Problem(1, "Rosenbrock", rosenbrock, (-1.2, 1.0), 0.0),
    Problem(2, "Freudenstein and Roth", freudenstein_roth, (0.5, -2.0), 0.0,
            "local minimum f = 48.9842 at (11.41, -0.8968)"),
    Problem(3, "Powell badly scaled", powell_badly_scaled, (0.0, 1.0), 0.0),
    Problem(4, "Brown badly scaled", brown_badly_scaled, (1.0, 1.0), 0.0),
    Problem(5, "Beale", beale, (1.0, 1.0), 0.0),
    Problem(6, "Jennrich and Sampson", jennrich_sampson, (0.3, 0.4), 124.36218235561473,
            "m = 10", fstar_paper=124.362),
    Problem(7, "Helical valley", helical_valley, (-1.0, 0.0, 0.0), 0.0),
    Problem(8, "Bard", bard, (1.0, 1.0, 1.0), 8.21487e-3, "also a local minimum 17.4286"),
    Problem(9, "Gaussian", gaussian, (0.4, 1.0, 0.0), 1.12793e-8),
    Problem(10, "Meyer", meyer, (0.02, 4000.0, 250.0), 87.945855170395831, fstar_paper=87.9458),
    Problem(11, "Gulf research and development", gulf, (5.0, 2.5, 0.15), 0.0, "m = 99"),
    Problem(12, "Box three-dimensional", box_3d, (0.0, 10.0, 20.0), 0.0,
            "m = 10; minima f = 0 also on the line x1 = x2, x3 = 0"),
    Problem(13, "Powell singular", powell_singular, (3.0, -1.0, 0.0, 1.0), 0.0,
            "singular Hessian at the minimum"),
    Problem(14, "Wood", wood, (-3.0, -1.0, -3.0, -1.0), 0.0),
    Problem(15, "Kowalik and Osborne", kowalik_osborne, (0.25, 0.39, 0.415, 0.39), 3.07505e-4),
    Problem(16, "Brown and Dennis", brown_dennis, (25.0, 5.0, -5.0, -1.0), 85822.201626356313,
            "m = 20", fstar_paper=85822.2),
    Problem(17, "Osborne 1", osborne1, (0.5, 1.5, -1.0, 0.01, 0.02), 5.46489e-5),
    Problem(18, "Biggs EXP6", biggs_exp6, (1.0, 2.0, 1.0, 1.0, 1.0, 1.0), 0.0,
            "m = 13; also a local minimum 5.65565e-3"),
    Problem(19, "Osborne 2", osborne2, (1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5),
            4.01377e-2),
    Problem(20, "Watson", watson, (0.0,) * 6, 2.28767e-3, "n = 6"),
    Problem(21, "Extended Rosenbrock", extended_rosenbrock, _alternating(10, -1.2, 1.0), 0.0,
            "n = 10"),
    Problem(22, "Extended Powell singular", extended_powell,
            (3.0, -1.0, 0.0, 1.0) * 3, 0.0, "n = 12; singular Hessian at the minimum"),
    Problem(23, "Penalty I", penalty1, tuple(float(j) for j in range(1, 11)), 7.08765e-5,
            "n = 10"),
    Problem(24, "Penalty II", penalty2, (0.5,) * 10, 2.93660e-4, "n = 10"),
    Problem(25, "Variably dimensioned", variably_dimensioned,
            tuple(1 - j / 10 for j in range(1, 11)), 0.0, "n = 10"),
    Problem(26, "Trigonometric", trigonometric, (0.1,) * 10, 0.0, "n = 10"),
    Problem(27, "Brown almost-linear", brown_almost_linear, (0.5,) * 10, 0.0,
            "n = 10; also a local minimum 1"),
    Problem(28, "Discrete boundary value", discrete_boundary, _tj(10), 0.0, "n = 10"),
    Problem(29, "Discrete integral equation", discrete_integral, _tj(10), 0.0, "n = 10"),
    Problem(30, "Broyden tridiagonal", broyden_tridiagonal, (-1.0,) * 10, 0.0, "n = 10"),
    Problem(31, "Broyden banded", broyden_banded, (-1.0,) * 10, 0.0, "n = 10"),
    Problem(32, "Linear, full rank", linear_full_rank, (1.0,) * 10, 10.0, "n = 10, m = 20"),
    Problem(33, "Linear, rank 1", linear_rank1, (1.0,) * 10, 20 * 19 / (2 * 41),
            "n = 10, m = 20; minima on a hyperplane: singular Hessian"),
    Problem(34, "Linear, rank 1, zero columns and rows", linear_rank1_zero, (1.0,) * 10,
            (400 + 60 - 6) / (2 * 37), "n = 10, m = 20; singular Hessian"),
    Problem(35, "Chebyquad", chebyquad, tuple(j / 9 for j in range(1, 9)), 3.51687e-3, "n = 8"),
)


@dataclass(frozen=True)
class Run:
    """One problem from one start: ``scale`` times its standard start."""

    problem: Problem
    scale: int

    @property
    def x0(self) -> np.ndarray:
        return self.scale * np.array(self.problem.x0, dtype=float)

    @property
    def name(self) -> str:
        return f"{self.problem.number:02d} {self.problem.name} ({self.scale}x0)"

    @property
    def key(self) -> str:
        return f"{self.problem.number}:{self.scale}"


def runs() -> list[Run]:
    """Every problem from x0, 10 x0, 100 x0; coinciding starts and non-finite f(x0) left out."""
    out = []
    for p in PROBLEMS:
        for scale in (1, 10, 100):
            run = Run(p, scale)
            if scale > 1 and not np.any(run.x0 != p.x0):
                continue
            if math.isfinite(p.f(run.x0)):
                out.append(run)
    return out


def solved(problem: Problem, x: np.ndarray) -> bool:
    """The set's test: f - f* <= 1e-6 max(1, f*) and ||g||_inf <= 1e-3 max(1, f*)."""
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        return False
    fx, g = problem.f(x), problem.grad(x)
    scale = max(1.0, problem.fstar)
    return bool(np.isfinite(fx) and fx - problem.fstar <= 1e-6 * scale
                and np.all(np.isfinite(g)) and np.max(np.abs(g)) <= 1e-3 * scale)

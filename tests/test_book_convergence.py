"""The convergence chapter (06b) and the MGH performance section: glued values against
mathkit and the committed benchmark results."""

import numpy as np
from support import glued

import mathkit as mk
from mathkit.datasets import benchmark_results

CH = glued("06b_convergence.ipynb")
PERF = glued("perf_mgh.ipynb")
MGH = benchmark_results("mgh")


def test_x_cubed_pure_newton_stops_on_the_slope():
    res = mk.newton_raphson(lambda v: v[0] ** 3, [1.0], grad=lambda v: 3 * v * v,
                            hess=lambda v: np.array([[6 * v[0]]]))
    assert CH["conv-cube-pure-converged"] is True and res.converged
    assert CH["conv-cube-pure-nit"] == res.nit == 16
    assert CH["conv-cube-pure-x"] == float(f"{res.x[0]:.1e}")
    assert abs(CH["conv-cube-pure-x"] - 2.0 ** -16) < 1e-6  # each step halves x


def test_regularized_verdicts_in_the_chapter():
    assert CH["conv-cube-reg-converged"] is False
    assert CH["conv-quartic-converged"] is True
    assert CH["conv-box-converged"] is False
    assert 0.07 < CH["conv-box-f"] < 0.08  # far above the minimum 0
    assert CH["conv-class-quartic"] == mk.classify_critical_point(
        lambda v: v[0] ** 4 + v[1] * v[1], [0.0, 0.0]) == "degenerate minimum"
    assert CH["conv-class-cubic"] == "degenerate saddle"


def test_perf_glue_is_the_benchmark_file():
    s = MGH["summary"]
    numeric, exact = (s[f"mathkit newton_regularized ({k})"] for k in ("numeric", "exact"))
    assert PERF["mgh-runs"] == numeric["runs"] == len(MGH["runs"])
    assert PERF["mgh-solved-numeric"] == numeric["solved"]
    assert PERF["mgh-solved-exact"] == exact["solved"]
    peers = {k: v for k, v in s.items() if not k.startswith("mathkit")}
    assert PERF["mgh-best-peer-solved"] == max(v["solved"] for v in peers.values())
    assert PERF["mgh-unsolved"] == len(MGH["solved_by_no_method"])
    assert PERF["mgh-wrong-mathkit"] == numeric["wrong_success"] + exact["wrong_success"] == 0
    assert PERF["mgh-wrong-damped"] == s["mathkit newton_damped (exact)"]["wrong_success"]


def test_benchmark_guarantees():
    # The two guarantees, on the committed run: no wrong success claim by
    # newton_regularized, and each solved count is its rows' count.
    for name, rows in MGH["results"].items():
        assert MGH["summary"][name]["solved"] == sum(r["solved"] for r in rows)
        if name.startswith("mathkit newton_regularized"):
            assert not any(r["wrong_success"] for r in rows)
            assert not any(r["success"] and not r["solved"] and r["why_wrong"] for r in rows)

"""The summary chapter: its two tables name every concept, a real call for each and the
chapters that develop it; its demonstration on Himmelblau's function gives what hand
calculation says; its prose keeps the corrections of issue 13."""

import re

import numpy as np
import pytest
from support import BOOK, glued, markdown

SUMMARY = "09_summary.ipynb"
PUBLIC_CALLS = ["mathkit.deriv", "mathkit.grad", "mathkit.hessian", "mathkit.jacobian",
                "mathkit.classify_critical_point", "mathkit.condition_number",
                "mathkit.newton_raphson", "mathkit.newton_damped", "mathkit.newton_regularized",
                'scipy.optimize.minimize(method="BFGS")', "mathkit.irls", "mathkit.logistic_irls",
                "statsmodels.api.GLM"]
CONCEPTS = ["Gradient", "Hessian", "Critical-point test", "Newton step", "Damped Newton",
            "Regularized Newton", "Quasi-Newton", "IRLS"]


def summary_tables() -> list[tuple[list[str], dict[str, list[str]]]]:
    """Every markdown table of the summary: (header, {first cell: row cells})."""
    tables, current = [], None
    for line in markdown(SUMMARY).splitlines():
        if not line.startswith("| "):
            current = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None:
            current = (cells, {})
            tables.append(current)
        elif set(line) <= set("|:- "):
            continue
        else:
            current[1][cells[0]] = cells
    return tables


def test_two_narrow_tables_cover_every_concept():
    (what_header, what), (call_header, calls) = summary_tables()
    assert what_header == ["Concept", "What it is"]
    assert call_header == ["Concept", "Call", "Where"]
    assert list(what) == list(calls) == CONCEPTS
    # narrow enough for a 1280px column: no table has more than three columns
    assert all(len(row) == len(what_header) for row in what.values())
    assert all(len(row) == len(call_header) for row in calls.values())


def test_summary_table_names_every_call_and_concept():
    _, calls = summary_tables()[1]
    text = "\n".join(" | ".join(row) for row in calls.values())
    missing = [call for call in PUBLIC_CALLS if f"`{call}`" not in text]
    assert missing == []
    # ... and they are real: every mathkit name in the table exists in the package.
    import mathkit
    for name in re.findall(r"`mathkit\.(\w+)`", text):
        assert callable(getattr(mathkit, name)), name


def test_summary_table_links_resolve_to_chapters():
    _, calls = summary_tables()[1]
    for concept, row in calls.items():
        docs = [m[1] or m[0] for m in re.findall(r"\{doc\}`([^`<]+?)(?:\s*<([^>]+)>)?`", row[-1])]
        assert docs, f"{concept}: no chapter linked"
        for doc in docs:
            assert (BOOK / f"{doc}.ipynb").exists() or (BOOK / f"{doc}.md").exists(), doc
        # the link renders the chapter's title, never a hand-written number
        assert not re.search(r"\{doc\}`\d+ <", row[-1]), row[-1]


def test_summary_prose_keeps_the_corrections():
    text = markdown(SUMMARY)
    assert "none of the repairs is needed" not in text
    assert "smallest $\\mu" not in text
    assert "albert1984" in text and "SeparationWarning" in text
    assert "06b_convergence" in text
    assert not re.search(r"(?i)\bchapters? \d", text)


def test_summary_demo_on_himmelblau():
    s = glued(SUMMARY)
    # Hessian of Himmelblau's function at the origin, by hand: diag(-42, -26).
    assert s["sum-eig-max"] == pytest.approx(-26.0, abs=0.01)
    # From (0, 0) pure Newton goes to the local maximum (-0.270845, -0.923039) and the
    # regularized method to the minimum (3, 2), where h = 0 exactly.
    assert (s["sum-pure-kind"], s["sum-reg-kind"]) == ("maximum", "minimum")
    assert [s["sum-pure-x"], s["sum-pure-y"]] == pytest.approx([-0.270845, -0.923039], abs=1e-4)
    assert [s["sum-reg-x"], s["sum-reg-y"]] == [3.0, 2.0]
    h = lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2  # noqa: E731
    assert h(3.0, 2.0) == 0.0
    # The maximum is a critical point: the gradient vanishes there (to the printed digits).
    x, y = -0.270845, -0.923039
    grad = np.array([4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                     2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)])
    assert np.linalg.norm(grad) < 1e-4

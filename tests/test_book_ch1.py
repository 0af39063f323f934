"""Chapter 1's glued numbers are what R's deriv() computes (tests/reference/symbolic.R)."""

import pytest
from support import glued, markdown, page_problems, reference

NOTEBOOK = "01_symbolic.ipynb"


def r_at(case: str, point: tuple[float, float]) -> dict:
    """R's value, gradient and Hessian for ``case`` at ``point`` (which R must have evaluated)."""
    ref = reference("symbolic")["cases"][case]
    points = list(zip(ref["points"]["x"], ref["points"]["y"], strict=True))
    i = points.index(point)
    return {"value": ref["value"][i], "gradient": ref["gradient"][i], "hessian": ref["hessian"][i]}


def test_first_example_matches_r():
    ch1, r = glued(NOTEBOOK), r_at("f_article", (1, 1))
    assert ch1["ch1-f-value"] == pytest.approx(r["value"], abs=1e-6)
    assert [ch1["ch1-f-grad-x"], ch1["ch1-f-grad-y"]] == pytest.approx(r["gradient"], abs=1e-6)
    assert [[ch1["ch1-f-hess-xx"], ch1["ch1-f-hess-xy"]],
            [ch1["ch1-f-hess-yx"], ch1["ch1-f-hess-yy"]]] == \
        [pytest.approx(row, abs=1e-6) for row in r["hessian"]]


def test_first_example_is_the_articles():
    # The source prints value 4, gradient (3, 5), Hessian [[2, 1], [1, 4]]; R agrees (above).
    ch1 = glued(NOTEBOOK)
    assert (ch1["ch1-f-value"], ch1["ch1-f-grad-x"], ch1["ch1-f-grad-y"]) == (4, 3, 5)
    assert (ch1["ch1-f-hess-xx"], ch1["ch1-f-hess-xy"], ch1["ch1-f-hess-yy"]) == (2, 1, 4)


def test_exercise_gradient_matches_r():
    ch1, r = glued(NOTEBOOK), r_at("g_exercise", (2, -1))
    assert [ch1["ch1-g-grad-x"], ch1["ch1-g-grad-y"]] == pytest.approx(r["gradient"], abs=1e-6)


def test_symmetry_section():
    ch1 = glued(NOTEBOOK)
    assert ch1["ch1-mixed-difference"] == "0"
    # xy(x^2 - y^2)/(x^2 + y^2): p_xy(0, 0) = -1 but p_yx(0, 0) = +1, derived by hand.
    assert (ch1["ch1-p-xy"], ch1["ch1-p-yx"]) == (-1, 1)


def test_page_shows_only_teaching_code_and_numbers_its_figures_and_equations():
    assert page_problems(NOTEBOOK, "ch1") == []
    text = markdown(NOTEBOOK)
    for label in ("eq-ch1-gradient", "eq-ch1-hessian"):
        assert f"$$ ({label})" in text
    assert "{cite:p}`rcore_deriv`" in text
    assert "{doc}`02_numeric`" in text  # no hand-written chapter numbers


def test_exercise_solution_prose_uses_the_glued_gradient():
    text = markdown(NOTEBOOK)
    assert "{glue:text}`ch1-g-grad-x:g`" in text and "{glue:text}`ch1-g-grad-y:g`" in text

"""The errata appendix is the chapters' "Source check" notes, with the right numbers.

Every note in a chapter is a row of the appendix's table and every row is a note. The "real R"
column equals the R fixtures in ``tests/reference`` (recomputed here to the rounding the table
prints), the "this book" column equals what the chapters glue, and the source column quotes
something that, for numeric rows, differs from what R computes.
"""

import json
import re

import numpy as np
import pytest
from support import BOOK, ERRATUM, ROOT, cells, glued, reference, sig

APPENDIX = "appendix_errata.ipynb"
ROW_REF = re.compile(r"\{ref\}`[^`<]+<(erratum-[\w-]+)>`")


def numderiv_case(case_id: str):
    (value,) = [c["value"] for c in reference("numderiv")["cases"] if c["id"] == case_id]
    return value


def r_loglik_eigenvalues() -> np.ndarray:
    # R's numDeriv Hessian of the tutorial's NLL at its Newton fit; l = -NLL.
    hessian = reference("newton")["logistic"]["damped"]["final"]["hessian"]
    return np.linalg.eigvalsh(-np.array(hessian))


def r_values(row: str) -> list:
    """What real R computes for a row, from the fixtures, rounded as the table prints it."""
    newton = reference("newton")
    if row == "ch2-loss-gradient":
        return [round(v, 2) for v in numderiv_case("resid_loss grad (0,0)")]
    if row == "ch3-exercise-eigenvalues":
        return [round(v, 4) for v in reference("numderiv")["eigenvalues"]["ex_h"]]
    if row == "ch4-one-step-residue":
        return [sig(v, 7) for v in newton["one_step_quadratic"]["x1"]]  # R's print: 7 digits
    if row == "ch4-exercise-exact":
        return [round(v, 6) for v in newton["one_step_separable"]["x1"]]
    if row == "ch5-exp-final-point":
        run = newton["exp_fn"]
        return [sig(v, 7) for v in run["final"]["x"]] + [run["iterations"]]
    if row == "ch5-cross-quadratic-iterations":
        run = newton["cross_quadratic"]
        first_miss = np.linalg.norm(np.subtract(run["trace"][1], [1.0, 2.0]))  # minimum (1, 2)
        return [run["iterations"], sig(first_miss, 2)]
    if row == "ch6-himmelblau-damped":
        run = newton["himmelblau"]["damped"]
        return ([sig(v, 3) for v in run["final"]["x"]]
                + [round(run["final"]["fun"][0], 8), run["iterations"]])
    if row == "ch8-hessian-sign":
        eig = r_loglik_eigenvalues()
        return [sig(eig[0], 3), sig(eig[-1], 3)]
    raise KeyError(row)


# Per row: the chapter, the glued keys holding "this book", and how the table prints R's
# values and the book's (None: a formula row with no R output to compare).
ROWS = {
    "ch2-loss-gradient": ("02_numeric", ["ch2-loss-grad-1", "ch2-loss-grad-2"],
                          ["{:.2f}"] * 2),
    "ch3-exercise-eigenvalues": ("03_curvature", ["ch3-h-eig-max", "ch3-h-eig-min"],
                                 ["{:.4f}"] * 2),
    "ch4-one-step-residue": ("04_newton_step", ["ch4-f-x1-raw-x", "ch4-f-x1-raw-y"],
                             ["{:.6e}"] * 2),
    "ch4-exercise-exact": ("04_newton_step", ["ch4-q-x1-x", "ch4-q-x1-y", "ch4-q-x1-exact-x",
                                              "ch4-q-x1-exact-y"], ["{:.6f}"] * 2),
    "ch5-exp-final-point": ("05_newton_from_scratch",
                            ["ch5-exp-x-final", "ch5-exp-y-final", "ch5-exp-nit"],
                            ["{:.6e}", "{:.6e}", "{}"]),
    "ch5-cross-quadratic-iterations": ("05_newton_from_scratch", ["ch5-cq-nit", "ch5-cq-x1-err"],
                                       ["{}", "{:.1e}"]),
    "ch6-himmelblau-damped": ("06_when_newton_fails",
                              ["ch6-him-damped-x", "ch6-him-damped-y", "ch6-him-damped-f",
                               "ch6-him-damped-nit"],
                              ["{:.2e}", "{:.2e}", "{:.8f}", "{}"]),
    "ch8-hessian-sign": ("08_newton_is_irls", ["ch8-hess-eig-smallest", "ch8-hess-eig-largest"],
                         ["{:.3g}"] * 2),
    "ch8-dp-vector": ("08_newton_is_irls", ["ch8-car-name", "ch8-pgrad-bound"], None),
    "ch8-taylor-argument": ("08_newton_is_irls", ["ch8-w1-min", "ch8-w1-max"], None),
}
PRINTS_NUMBERS = {"ch2-loss-gradient", "ch3-exercise-eigenvalues", "ch4-one-step-residue",
                  "ch4-exercise-exact", "ch5-exp-final-point", "ch5-cross-quadratic-iterations",
                  "ch6-himmelblau-damped"}
# Where the book's column is printed otherwise than R's (or R has none): beyond 4 digits the
# book's one-step residue is rounding noise of the solve, and the exercise adds the exact step.
BOOK_FORMATS = {"ch4-one-step-residue": ["{:.3e}"] * 2,
                "ch4-exercise-exact": ["{:.6f}", "{:.6f}", "{:g}", "{:g}"],
                "ch8-dp-vector": ["{}", "{:.0e}"], "ch8-taylor-argument": ["{:.1e}", "{:.4f}"]}


def chapter_notes() -> dict[str, str]:
    """Every erratum note in the chapters, by name, with its notebook."""
    found = {}
    for path in sorted(BOOK.glob("0[1-9]_*.ipynb")):
        for source in cells(path.name, "markdown"):
            loose = re.findall(r":name: (erratum-[\w-]+)", source)
            note = ERRATUM.fullmatch(source)
            strict = [note.group(1)] if note else []
            assert loose == strict, f"{path.name}: a note not in the agreed form: {loose}"
            found.update(dict.fromkeys(strict, path.stem))
    return found


def table() -> dict[str, list[str]]:
    """The appendix's stored table: row name -> [where, source, R, book]."""
    cells = json.loads((BOOK / APPENDIX).read_text())["cells"]
    (text,) = ["".join(out["data"]["text/markdown"]) for c in cells if c["cell_type"] == "code"
               for out in c.get("outputs", []) if "text/markdown" in out.get("data", {})]
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert lines[0].split("|")[1:-1] == [" Where ", " The source prints ", " Real R computes ",
                                         " This book computes "]
    rows = {}
    for line in lines[2:]:
        cells_ = [c.strip() for c in line.split(" | ")]
        cells_[0], cells_[-1] = cells_[0].lstrip("| "), cells_[-1].rstrip(" |")
        assert len(cells_) == 4, line
        (name,) = ROW_REF.findall(cells_[0])
        assert name not in rows, f"two rows for {name}"
        rows[name.removeprefix("erratum-")] = cells_
    return rows


def test_every_note_is_a_row_and_every_row_a_note():
    notes = {name.removeprefix("erratum-") for name in chapter_notes()}
    assert len(notes) >= 10  # the notes known when the appendix was last extended
    assert set(table()) == notes
    assert glued(APPENDIX)["errata-rows"] == len(notes)
    assert set(ROWS) == notes, "tests/test_book_errata.py needs a ROWS entry for a new note"


def test_rows_link_to_the_chapter_that_holds_the_note():
    notes = chapter_notes()
    for row, columns in table().items():
        chapter = notes[f"erratum-{row}"]
        assert columns[0].startswith(f"Ch. {int(chapter[:2])}: "), columns[0]
        assert ROWS[row][0] == chapter


@pytest.mark.parametrize("row", sorted(ROWS))
def test_real_r_column_equals_the_fixtures(row):
    values, cells = glued(APPENDIX), table()[row]
    formats = ROWS[row][2]
    assert values[f"errata-{row}-kind"] == ("number" if row in PRINTS_NUMBERS else "formula")
    if formats is None:
        assert not any(k.startswith(f"errata-{row}-r-") for k in values)
        assert cells[2] == "—"
        return
    expected = r_values(row)
    shown = [values[f"errata-{row}-r-{i}"] for i in range(1, len(expected) + 1)]
    assert shown == expected
    assert f"errata-{row}-r-{len(expected) + 1}" not in values
    for fmt, value in zip(formats, expected, strict=True):
        assert fmt.format(value) in cells[2], (fmt.format(value), cells[2])


def test_real_r_finds_the_log_likelihood_concave():
    # The substance of the Hessian-sign row: every eigenvalue R's Hessian gives is negative.
    assert (r_loglik_eigenvalues() < 0).all()


@pytest.mark.parametrize("row", sorted(ROWS))
def test_this_book_column_equals_the_chapters(row):
    chapter, keys, formats = ROWS[row]
    values, cells = glued(APPENDIX), table()[row]
    from_chapter = [glued(f"{chapter}.ipynb")[k] for k in keys]
    shown = [values[f"errata-{row}-book-{i}"] for i in range(1, len(keys) + 1)]
    assert shown == from_chapter
    assert f"errata-{row}-book-{len(keys) + 1}" not in values
    for fmt, value in zip(BOOK_FORMATS.get(row, formats), from_chapter, strict=True):
        assert fmt.format(value) in cells[3], (fmt.format(value), cells[3])


@pytest.mark.parametrize("row", sorted(ROWS))
def test_source_column_quotes_something_r_does_not_compute(row):
    values, cells = glued(APPENDIX), table()[row]
    assert cells[1] and cells[1] != "—"
    assert cells[1] != cells[2]
    if row not in PRINTS_NUMBERS:
        assert not any(k.startswith(f"errata-{row}-source-") for k in values)
        assert "$" in cells[1]  # a formula, typeset
        return
    n = sum(k.startswith(f"errata-{row}-source-") for k in values)
    assert n, f"{row}: no quoted numbers glued"
    quoted = [values[f"errata-{row}-source-{i}"] for i in range(1, n + 1)]
    computed = [values[f"errata-{row}-r-{i}"] for i in range(1, n + 1)]
    assert quoted != computed


def test_new_rows_quote_what_the_source_prints_and_claims():
    cells = table()
    assert "`[1] 0 0`" in cells["ch4-one-step-residue"][1]
    assert "exactly" in cells["ch4-exercise-exact"][1]
    assert "globally convergent" in cells["ch6-himmelblau-damped"][1]
    assert r"$x_i^\top$" in cells["ch8-taylor-argument"][1]
    assert r"$x_i$" in cells["ch8-taylor-argument"][3]


def test_book_matches_r_where_the_source_prints_zeros():
    # The book's four digits of the unrounded step are R's four digits: the residue is
    # numDeriv's, not the book's.
    r_x1 = reference("newton")["one_step_quadratic"]["x1"]
    book = [glued(APPENDIX)[f"errata-ch4-one-step-residue-book-{i}"] for i in (1, 2)]
    assert book == [sig(v, 4) for v in r_x1]
    assert min(abs(v) for v in r_x1) > 0


def test_appendix_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    assert toc.index("file: book/appendix_errata") < toc.index("file: book/appendix_performance")

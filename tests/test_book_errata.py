"""The errata appendix is the book's "Source check" notes, with the right numbers.

Every note in every notebook of the book is exactly one entry of the appendix, and every
entry is a note. The "real R" column equals the R fixtures (recomputed here to the rounding
the entry prints), the "this book" column equals what the chapters glue, and the source
column quotes something that, for numeric entries, differs from what R computes. The
appendix reads no file by a path: it runs in any directory where mathkit is installed.
"""

import copy
import json
import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from support import BOOK, ERRATUM, ROOT, cells, glued, reference, sig

APPENDIX = "appendix_errata.ipynb"
TITLE = re.compile(r"```\{admonition\} Source check: ([^\n]+)\n")
ENTRY = re.compile(r"\*\*\{ref\}`(?P<title>[^`<]+) <(?P<name>erratum-[\w-]+)>`\*\* "
                   r"\(\{doc\}`(?P<chapter>[\w-]+)`\)\n\n"
                   r"- \*The source:\* (?P<source>[^\n]+)\n"
                   r"- \*Real R:\* (?P<r>[^\n]+)\n"
                   r"- \*This book:\* (?P<book>[^\n]+)\n")
NO_R = "no R output to compare"


def numderiv_case(case_id: str):
    (value,) = [c["value"] for c in reference("numderiv")["cases"] if c["id"] == case_id]
    return value


def r_loglik_eigenvalues() -> np.ndarray:
    # R's numDeriv Hessian of the tutorial's NLL at its Newton fit; l = -NLL.
    hessian = reference("newton")["logistic"]["damped"]["final"]["hessian"]
    return np.linalg.eigvalsh(-np.array(hessian))


def r_values(row: str) -> list:
    """What real R computes for an entry, from the fixtures, rounded as the entry prints it."""
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
    if row == "reach-irls-newton":  # standard errors of mpg in R's probit fit
        probit = reference("reach")["probit"]
        return [round(probit[k][1], 5) for k in ("se_expected", "se_observed")]
    raise KeyError(row)


# Per note: the chapter, the glued keys of the chapter holding "this book", the formats in
# which the entry prints them, and the formats of R's values (None: no R output).
ROWS = {
    "ch2-loss-gradient": ("02_numeric", ["ch2-loss-grad-1", "ch2-loss-grad-2"],
                          ["{:.2f}"] * 2, ["{:.2f}"] * 2),
    "ch3-exercise-eigenvalues": ("03_curvature", ["ch3-h-eig-max", "ch3-h-eig-min"],
                                 ["{:.4f}"] * 2, ["{:.4f}"] * 2),
    # beyond 4 digits the book's one-step residue is rounding noise of the solve
    "ch4-one-step-residue": ("04_newton_step", ["ch4-f-x1-raw-x", "ch4-f-x1-raw-y"],
                             ["{:.3e}"] * 2, ["{:.6e}"] * 2),
    "ch4-exercise-exact": ("04_newton_step", ["ch4-q-x1-x", "ch4-q-x1-y", "ch4-q-x1-exact-x",
                                              "ch4-q-x1-exact-y"],
                           ["{:.6f}", "{:.6f}", "{:g}", "{:g}"], ["{:.6f}"] * 2),
    "ch5-exp-final-point": ("05_newton_from_scratch",
                            ["ch5-exp-x-final", "ch5-exp-y-final", "ch5-exp-nit"],
                            ["{:.6e}", "{:.6e}", "{}"], ["{:.6e}", "{:.6e}", "{}"]),
    "ch5-cross-quadratic-iterations": ("05_newton_from_scratch", ["ch5-cq-nit", "ch5-cq-x1-err"],
                                       ["{}", "{:.1e}"], ["{}", "{:.1e}"]),
    "ch6-himmelblau-damped": ("06_when_newton_fails",
                              ["ch6-him-damped-x", "ch6-him-damped-y", "ch6-him-damped-f",
                               "ch6-him-damped-nit"],
                              ["{:.2e}", "{:.2e}", "{:.8f}", "{}"],
                              ["{:.2e}", "{:.2e}", "{:.8f}", "{}"]),
    "ch8-hessian-sign": ("08_newton_is_irls", ["ch8-hess-eig-smallest", "ch8-hess-eig-largest"],
                         ["{:.3g}"] * 2, ["{:.3g}"] * 2),
    "ch8-dp-vector": ("08_newton_is_irls", ["ch8-car-name", "ch8-pgrad-bound"],
                      ["{}", "{:.0e}"], None),
    "ch8-taylor-argument": ("08_newton_is_irls", ["ch8-w1-min", "ch8-w1-max"],
                            ["{:.1e}", "{:.4f}"], None),
    "reach-irls-newton": ("08b_recipe_reach", ["reach-se-exp-mpg", "reach-se-obs-mpg"],
                          ["{:.5f}"] * 2, ["{:.5f}"] * 2),
}
PRINTS_NUMBERS = {"ch2-loss-gradient", "ch3-exercise-eigenvalues", "ch4-one-step-residue",
                  "ch4-exercise-exact", "ch5-exp-final-point", "ch5-cross-quadratic-iterations",
                  "ch6-himmelblau-damped"}


def chapter_notes() -> dict[str, tuple[str, str]]:
    """Every erratum note in every notebook of the book: name -> (notebook, title)."""
    found = {}
    for path in sorted(BOOK.glob("*.ipynb")):
        if path.name == APPENDIX:
            continue
        for source in cells(path.name, "markdown"):
            loose = re.findall(r":name: (erratum-[\w-]+)", source)
            note = ERRATUM.fullmatch(source)
            strict = [note.group(1)] if note else []
            assert loose == strict, f"{path.name}: a note not in the agreed form: {loose}"
            for name in strict:
                assert name not in found, f"{name} in {found[name][0]} and {path.stem}"
                found[name] = (path.stem, TITLE.match(source).group(1))
    return found


def appendix() -> dict:
    return json.loads((BOOK / APPENDIX).read_text())


def entries_text(nb: dict) -> str:
    (text,) = ["".join(out["data"]["text/markdown"]) for c in nb["cells"]
               if c["cell_type"] == "code"
               for out in c.get("outputs", []) if "text/markdown" in out.get("data", {})]
    return text


def entries() -> list[dict[str, str]]:
    """The appendix's stored entries, in order, each with title, name, chapter and columns."""
    text = entries_text(appendix())
    found = [m.groupdict() for m in ENTRY.finditer(text)]
    assert len(found) == text.count("**{ref}`"), "an entry not in the expected form"
    return found


def entry(row: str) -> dict[str, str]:
    (found,) = [e for e in entries() if e["name"] == f"erratum-{row}"]
    return found


def test_every_note_is_exactly_one_entry():
    notes = chapter_notes()
    names = [e["name"] for e in entries()]
    assert len(notes) >= 10  # the notes known when the appendix was rebuilt
    assert sorted(names) == sorted(set(names)), "a note with two entries"
    missing, extra = set(notes) - set(names), set(names) - set(notes)
    assert not missing, f"notes without an entry in the errata appendix: {sorted(missing)}"
    assert not extra, f"entries without a note: {sorted(extra)}"
    assert glued(APPENDIX)["errata-rows"] == len(notes)
    assert {n.removeprefix("erratum-") for n in notes} == set(ROWS), \
        "tests/test_book_errata.py needs a ROWS entry for a new note"


def test_entries_follow_the_chapters_and_name_the_note():
    notes, found = chapter_notes(), entries()
    for e in found:
        chapter, title = notes[e["name"]]
        assert e["chapter"] == chapter == ROWS[e["name"].removeprefix("erratum-")][0]
        assert e["title"] == title
    order = [e["chapter"] for e in found]
    assert order == sorted(order), "entries in the order of the chapters"


@pytest.mark.parametrize("row", sorted(ROWS))
def test_real_r_column_equals_the_fixtures(row):
    values, shown_text = glued(APPENDIX), entry(row)["r"]
    formats = ROWS[row][3]
    assert values[f"errata-{row}-kind"] == ("number" if row in PRINTS_NUMBERS else "formula")
    if formats is None:
        assert not any(k.startswith(f"errata-{row}-r-") for k in values)
        assert shown_text == NO_R
        return
    expected = r_values(row)
    shown = [values[f"errata-{row}-r-{i}"] for i in range(1, len(expected) + 1)]
    assert shown == expected
    assert f"errata-{row}-r-{len(expected) + 1}" not in values
    for fmt, value in zip(formats, expected, strict=True):
        assert fmt.format(value) in shown_text, (fmt.format(value), shown_text)


def test_real_r_finds_the_log_likelihood_concave():
    # The substance of the Hessian-sign entry: every eigenvalue R's Hessian gives is negative.
    assert (r_loglik_eigenvalues() < 0).all()


@pytest.mark.parametrize("row", sorted(ROWS))
def test_this_book_column_equals_the_chapters(row):
    # The appendix computes its values again with mathkit; printed as the entry prints
    # them, they are what the chapter glued.
    chapter, keys, formats, _ = ROWS[row]
    values, shown_text = glued(APPENDIX), entry(row)["book"]
    from_chapter = [glued(f"{chapter}.ipynb")[k] for k in keys]
    shown = [values[f"errata-{row}-book-{i}"] for i in range(1, len(keys) + 1)]
    assert f"errata-{row}-book-{len(keys) + 1}" not in values
    for fmt, mine, theirs in zip(formats, shown, from_chapter, strict=True):
        assert fmt.format(mine) == fmt.format(theirs), (row, mine, theirs)
        assert fmt.format(mine) in shown_text, (fmt.format(mine), shown_text)


@pytest.mark.parametrize("row", sorted(ROWS))
def test_source_column_quotes_something_r_does_not_compute(row):
    values, e = glued(APPENDIX), entry(row)
    assert e["source"] and e["source"] != e["r"]
    if row not in PRINTS_NUMBERS:
        assert not any(k.startswith(f"errata-{row}-source-") for k in values)
        assert "$" in e["source"] or "“" in e["source"]  # a formula or a quoted claim
        return
    n = sum(k.startswith(f"errata-{row}-source-") for k in values)
    assert n, f"{row}: no quoted numbers glued"
    quoted = [values[f"errata-{row}-source-{i}"] for i in range(1, n + 1)]
    computed = [values[f"errata-{row}-r-{i}"] for i in range(1, n + 1)]
    assert quoted != computed


def test_entries_quote_what_the_source_prints_and_claims():
    assert "`[1] 0 0`" in entry("ch4-one-step-residue")["source"]
    assert "exactly" in entry("ch4-exercise-exact")["source"]
    assert "globally convergent" in entry("ch6-himmelblau-damped")["source"]
    assert r"$x_i^\top$" in entry("ch8-taylor-argument")["source"]
    assert r"$x_i$" in entry("ch8-taylor-argument")["book"]


def test_book_matches_r_where_the_source_prints_zeros():
    # The book's four digits of the unrounded step are R's four digits: the residue is
    # numDeriv's, not the book's.
    r_x1 = reference("newton")["one_step_quadratic"]["x1"]
    book = [glued(APPENDIX)[f"errata-ch4-one-step-residue-book-{i}"] for i in (1, 2)]
    assert book == [sig(v, 4) for v in r_x1]
    assert min(abs(v) for v in r_x1) > 0


def test_appendix_reads_no_file_and_opens_with_prose():
    nb = appendix()
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for forbidden in ("open(", "Path", "glob(", "read_text", ".ipynb", ".json", "tests/"):
        assert forbidden not in code, forbidden
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")
    # what a reader sees: prose, then the entries, and no raw list of files or identifiers
    visible = [c for c in nb["cells"] if c["cell_type"] == "code"
               and "remove-cell" not in c["metadata"].get("tags", [])]
    shown = [o for c in visible for o in c.get("outputs", []) if o["output_type"] != "display_data"
             or "text/markdown" in o.get("data", {})]
    assert len(shown) == 1, "only the entries are shown"
    assert all("remove-input" in c["metadata"].get("tags", []) for c in visible)


def test_appendix_runs_anywhere(tmp_path):
    # A copy executed with its kernel in an empty directory prints the same entries.
    nb = nbformat.read(BOOK / APPENDIX, as_version=4)
    fresh = copy.deepcopy(nb)
    NotebookClient(fresh, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert entries_text(json.loads(nbformat.writes(fresh))) == entries_text(appendix())


def test_appendix_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    assert toc.index("file: book/appendix_errata") < toc.index("file: book/appendix_performance")

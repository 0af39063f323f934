"""House rules every stored notebook of the book keeps.

- every ``{glue:text}`` in the prose has a glued value in the same notebook, and the
  values are Python literals (a numpy repr would be printed as text);
- each notebook glues under one prefix of its own (``ch5-`` in chapter 5), so keys
  never collide;
- every ``{ref}`` and ``{doc}`` has a target, and a reference to an erratum note carries
  its own link text (a bare one has no title to print and fails the strict build);
- every erratum note is in the one form the errata appendix and its test read;
- readers see only code that teaches (no glue or fixture reads in a visible cell), every
  figure is named under the notebook's prefix, captioned and referred to, and every
  numbered equation is referred to (``support.page_problems``).
"""

import re

import pytest
from support import BOOK, ERRATUM, cells, glued, markdown, page_problems

NOTEBOOKS = sorted(p.name for p in BOOK.glob("*.ipynb"))
GLUE_USE = re.compile(r"\{glue:(?:text|)\}`([^`:]+)")


def prefix(key: str) -> str:
    return key.split("-", 1)[0]


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_every_glue_reference_resolves(nb):
    used = set(GLUE_USE.findall(markdown(nb)))
    missing = used - set(glued(nb))
    assert not missing, f"{nb}: prose uses glue keys no cell glues: {sorted(missing)}"


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_glued_values_are_python_literals(nb):
    reprs = [k for k, v in glued(nb).items() if isinstance(v, str) and v.startswith("np.")]
    assert not reprs, f"{nb}: numpy reprs glued as text: {reprs}"


def test_each_notebook_glues_under_its_own_prefix():
    owners = {}
    for nb in NOTEBOOKS:
        prefixes = {prefix(k) for k in glued(nb)}
        assert len(prefixes) <= 1, f"{nb}: several glue prefixes {prefixes}"
        for p in prefixes:
            assert p not in owners, f"glue prefix {p!r} used by {owners.get(p)} and {nb}"
            owners[p] = nb


def targets() -> set[str]:
    found = set()
    for nb in NOTEBOOKS:
        text = markdown(nb)
        found |= set(re.findall(r"^\(([\w-]+)\)=$", text, re.M))
        found |= set(re.findall(r"^:(?:name|label): ([\w-]+)$", text, re.M))
    return found


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_every_cross_reference_has_a_target(nb):
    text = markdown(nb)
    docs = {p.stem for p in BOOK.glob("*.ipynb")} | {p.stem for p in BOOK.glob("*.md")}
    refs = re.findall(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`", text)
    assert not set(refs) - targets(), f"{nb}: references without a target"
    assert not set(re.findall(r"\{doc\}`(?:[^`<]*<)?([\w/.-]+)>?`", text)) - docs
    bare = re.findall(r"\{ref\}`erratum-[\w-]+`", text)
    assert not bare, f"{nb}: an erratum reference needs link text: {bare}"


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_erratum_notes_are_in_the_books_form(nb):
    for text in cells(nb, "markdown"):
        if ":class: note erratum" in text or ":name: erratum-" in text:
            assert ERRATUM.fullmatch(text), f"{nb}: malformed erratum note: {text[:120]!r}"


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_page_conventions(nb):
    prefixes = {prefix(k) for k in glued(nb)}
    own = prefixes.pop() if len(prefixes) == 1 else nb.removesuffix(".ipynb")
    assert page_problems(nb, own) == []

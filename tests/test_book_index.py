"""The book's apparatus: the exercise index and the bibliography stay complete.

book/exercises.md must link every labelled exercise of every notebook (write it with
``tools/exercise_index.py``), and book/references.bib must define every key a page cites,
each entry with enough data to find the work.
"""

import json
import re
import sys
from collections import Counter

import pytest
from support import BOOK, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import exercise_index  # noqa: E402

INDEX = BOOK / "exercises.md"
BIB = BOOK / "references.bib"
ENTRY = re.compile(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,(.*?)^\}", re.M | re.S)
FIELD = re.compile(r"^\s*(\w+)\s*=", re.M)
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {cite:ps}`a` ... in markdown cells and pages.
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([^`>]+)>?`")


def indexed_labels() -> list[str]:
    return REF.findall(INDEX.read_text())


def notebook_labels() -> dict[str, str]:
    """Exercise label -> notebook, over every notebook in book/."""
    return {label: nb.name for nb in sorted(BOOK.glob("*.ipynb"))
            for label, _ in exercise_index.exercises(nb)}


def test_the_scanner_finds_exercises_in_both_directive_forms(tmp_path):
    cells = ["```{exercise-start} A title\n:label: ex-a\n:class: x\n```\nText",
             ":::{exercise}\n:label: ex-b\nText\n:::",
             "```{exercise-start}\n:class: x\n```\nno label: not indexable",
             "```{solution-start} ex-a\n:label: sol-a\n```"]
    nb = {"cells": [{"cell_type": "markdown", "source": c} for c in cells]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    assert exercise_index.exercises(path) == [("ex-a", "A title"), ("ex-b", "")]


def test_every_exercise_is_in_the_index():
    labels = notebook_labels()
    assert labels, "no labelled exercise found in book/*.ipynb: has the directive form changed?"
    missing = sorted(f"{label} ({nb})" for label, nb in labels.items()
                     if label not in set(indexed_labels()))
    assert not missing, ("exercises missing from book/exercises.md (run "
                         f"tools/exercise_index.py): {missing}")


def test_the_index_names_no_stale_or_repeated_exercise():
    labels = notebook_labels()
    refs = indexed_labels()
    assert not [r for r in refs if r not in labels], "index links exercises that are gone"
    assert not [r for r, n in Counter(refs).items() if n > 1], "an exercise is listed twice"


def entries() -> dict[str, tuple[str, set[str]]]:
    found = ENTRY.findall(BIB.read_text())
    keys = Counter(key for _, key, _ in found)
    assert not [k for k, n in keys.items() if n > 1], f"duplicate keys: {keys.most_common(3)}"
    return {key: (kind.lower(), set(FIELD.findall(body))) for kind, key, body in found}


def cited_keys() -> dict[str, set[str]]:
    """Cited key -> the pages citing it."""
    pages = [(p.name, "".join("".join(c["source"]) for c in json.loads(p.read_text())["cells"]
                              if c["cell_type"] == "markdown"))
             for p in BOOK.glob("*.ipynb")]
    pages += [(p.name, p.read_text()) for p in BOOK.glob("*.md")]
    cited: dict[str, set[str]] = {}
    for name, text in pages:
        for group in CITE.findall(text):
            for key in group.split(","):
                cited.setdefault(key.strip(), set()).add(name)
    return cited


def test_every_cited_key_is_defined():
    defined = entries()
    unknown = {k: sorted(v) for k, v in cited_keys().items() if k not in defined}
    assert not unknown, f"cited but not in book/references.bib: {unknown}"


@pytest.mark.parametrize("key", sorted(entries()))
def test_each_entry_can_be_found(key):
    kind, fields = entries()[key]
    assert {"author", "title"} <= fields, f"{key}: needs author and title"
    assert "year" in fields or "url" in fields, f"{key}: needs a year or a URL"
    if kind == "article":
        assert {"journal", "volume", "pages", "year"} <= fields, f"{key}: incomplete article"
    if kind in ("book", "inproceedings"):
        assert {"publisher", "year"} <= fields or {"booktitle", "year"} <= fields, key
    if kind in ("article", "book", "inproceedings"):
        assert fields & {"doi", "url", "isbn"}, f"{key}: give a DOI, URL or ISBN"
    if kind == "misc":
        assert "url" in fields, f"{key}: an online source needs its URL"


def test_the_bibliography_page_has_the_one_directive():
    pages = [p.name for p in BOOK.glob("*.md") if "{bibliography}" in p.read_text()]
    pages += [p.name for p in BOOK.glob("*.ipynb") if "{bibliography}" in p.read_text()]
    assert pages == ["bibliography.md"], pages

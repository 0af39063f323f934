"""The book as one PDF (``make pdf``, tools/build_pdf.py), read back with poppler.

Checks the page count, every page title of the table of contents (numbered chapters with
their numbers), typeset math, figures, the bibliography, that no reference is left
unresolved ("??" in the text, or an undefined reference in the LaTeX log), and renders two
pages to PNG under ``_build/pdf-pages/`` (kept as artefacts).

Skipped when the PDF has not been built, unless ``MATHKIT_REQUIRE_PDF=1`` or
``MATHKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turn a skip into a failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from functools import cache

import pytest
import yaml
from support import BOOK, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_pdf  # noqa: E402
import exercise_index  # noqa: E402

OUT = ROOT / "_build" / "pdf"
PDF = OUT / build_pdf.NAME
HTML_COPY = ROOT / "_build" / "html" / build_pdf.NAME
PAGES_DIR = ROOT / "_build" / "pdf-pages"
REQUIRE = "1" in (os.environ.get("MATHKIT_REQUIRE_PDF"), os.environ.get("MATHKIT_REQUIRE_BROWSER"))
# A sane range: the book has well over a hundred pages; thousands would mean a runaway
# output (a table printed cell by cell, a figure per iteration).
PAGE_RANGE = (100, 800)


@pytest.fixture(scope="module", autouse=True)
def built():
    missing = [t for t in ("pdftotext", "pdftoppm", "pdfinfo", "pdfimages") if not shutil.which(t)]
    reason = (f"{', '.join(missing)} not found (Debian: poppler-utils)" if missing
              else None if PDF.exists() else f"no PDF at {PDF} (run `make pdf`)")
    if reason:
        if REQUIRE:
            pytest.fail(reason)
        pytest.skip(reason)


@cache
def pages() -> list[str]:
    """The text of each page, as pdftotext lays it out."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def normal(text: str) -> str:
    """Text compared the way a reader reads it: quotes, dashes, ligatures and spacing unified."""
    text = unicodedata.normalize("NFKC", text)
    for fancy, plain in {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}.items():
        text = text.replace(fancy, plain)
    return re.sub(r"\s+", " ", text).strip().lower()


def title(doc: str) -> str:
    """A page's title as the reader sees it: the first heading, markup removed."""
    path = ROOT / f"{doc}.ipynb"
    if path.exists():
        cells = json.loads(path.read_text())["cells"]
        source = next("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        source = (ROOT / f"{doc}.md").read_text()
    heading = next(line for line in source.splitlines() if line.startswith("# "))[2:]
    return re.sub(r"[`*_]|\$", "", heading).strip()


def numbered_chapters() -> list[str]:
    """The documents of the toc's numbered parts, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc.get("parts", []) if part.get("numbered")
            for c in part["chapters"]]


def latex_log() -> str:
    logs = sorted(OUT.rglob("latex/book.log"))
    assert logs, f"no LaTeX log under {OUT}: build with tools/build_pdf.py"
    return logs[0].read_text(errors="replace")


def test_page_count_is_sane():
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    assert count == len(pages())
    assert PAGE_RANGE[0] <= count <= PAGE_RANGE[1], f"{count} pages"


def test_the_html_links_the_same_pdf():
    assert HTML_COPY.exists(), f"{HTML_COPY} missing: the introduction's link would break"
    assert HTML_COPY.read_bytes() == PDF.read_bytes()


def test_every_page_of_the_toc_is_in_the_pdf():
    text = normal(" ".join(pages()))
    docs = exercise_index.toc_files()[1:]  # the introduction is the front matter
    missing = [title(d) for d in docs if normal(title(d)) not in text]
    assert not missing, f"titles missing from the PDF: {missing}"


def test_chapters_are_numbered_in_toc_order():
    contents = normal(" ".join(pages()[:12]))  # the table of contents
    wrong = [f"{n} {title(d)}" for n, d in enumerate(numbered_chapters(), start=1)
             if normal(f"{n} {title(d)}") not in contents]
    assert not wrong, f"numbered chapters missing from the table of contents: {wrong}"


def test_no_reference_is_left_unresolved():
    unresolved = [f"page {i}: ...{t[max(0, t.index('??') - 60):t.index('??') + 20]}..."
                  for i, t in enumerate(pages(), start=1) if "??" in t]
    assert not unresolved, "\n".join(unresolved)
    log = latex_log().replace("\n", "")
    undefined = sorted(set(re.findall(r"(?:Reference|Citation|Hyper reference) `([^']+)'"
                                      r"[^`]*?undefined", log)))
    assert not undefined, f"undefined in LaTeX: {undefined}"
    assert "There were undefined references" not in log


def test_nothing_runs_off_the_page():
    # A table, equation or code line wider than the text block shows as an overfull box;
    # a few points are invisible (LaTeX's tolerance), a column's worth is not.
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)",
                                           latex_log())]
    assert not [w for w in widths if w > 20], f"overfull lines (pt): {sorted(widths)[-5:]}"


def test_exercises_are_numbered_as_in_the_html():
    text = normal(" ".join(pages()))
    assert normal("Exercise 1.1 (") in text


def test_math_is_typeset():
    text = " ".join(pages())
    # unicode-math sets math letters from the Mathematical Alphanumeric Symbols block.
    math = [c for c in text if 0x1D400 <= ord(c) <= 0x1D7FF]
    assert len(math) > 500, f"only {len(math)} typeset math letters"
    # (Raw TeX is not searched for in the text: code cells legitimately print r"\nabla".)


def test_figures_are_in_the_pdf():
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    stored = sum("image/png" in o.get("data", {})
                 for nb in BOOK.glob("*.ipynb")
                 for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", []))
    assert len(listing) >= stored, f"{len(listing)} images in the PDF, {stored} in the notebooks"


def test_the_bibliography_is_in_the_pdf():
    text = normal(" ".join(pages()))
    for work in ("Numerical Optimization", "numDeriv: Accurate Numerical Derivatives",
                 "Generalized Linear Models", "https://stats.stackexchange.com/a/548973"):
        assert normal(work) in text, f"{work!r} missing from the PDF's bibliography"


def page_of(heading: str, after: int = 0) -> int:
    """1-based number of the first page after ``after`` whose first lines hold ``heading``."""
    for number, text in enumerate(pages()[after:], start=after + 1):
        if normal(heading) in normal(" ".join(text.strip().splitlines()[:6])):
            return number
    raise AssertionError(f"no page opens with {heading!r}")


def test_two_pages_render_to_png():
    from PIL import Image

    first_chapter = page_of(title(numbered_chapters()[0]), after=3)
    with_figure = first_chapter
    for number in range(first_chapter, len(pages()) + 1):  # a page holding a figure
        out = subprocess.run(["pdfimages", "-list", "-f", str(number), "-l", str(number),
                              str(PDF)], capture_output=True, text=True, check=True).stdout
        if len(out.splitlines()) > 2:
            with_figure = number
            break
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    for name, number in (("first-chapter", first_chapter), ("figure", with_figure)):
        stem = PAGES_DIR / f"{name}-page{number}"
        subprocess.run(["pdftoppm", "-f", str(number), "-l", str(number), "-r", "100",
                        "-png", "-singlefile", str(PDF), str(stem)], check=True)
        png = stem.with_suffix(".png")
        with Image.open(png) as image:
            assert image.width > 500 and image.height > 700, image.size
            lo, hi = image.convert("L").getextrema()
            assert hi - lo > 100, f"{png} is blank"

"""A broken cell fails both the strict book build and nbval.

A throwaway book, built with this project's own ``_config.yml`` and the flags
``make book`` uses, holds one notebook; with a good cell it builds, with a
failing cell the build exits non-zero. nbval likewise fails a notebook whose
stored output a fresh run no longer reproduces.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from support import ROOT

BIN = Path(sys.executable).parent


def make_flags() -> list[str]:
    """The jupyter-book flags of the Makefile's `book` target."""
    # The command may be quoted: "$(BIN)/jupyter-book" build . -W ...
    found = (re.search(r"""jupyter-book["']? build \. (.*)$""", ln)
             for ln in (ROOT / "Makefile").read_text().splitlines())
    return next(m for m in found if m).group(1).split()


def write_book(root: Path, source: str, stored: str) -> None:
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    (root / "book").mkdir()
    # Files the config names: the favicon, the bibliography, the stylesheet folder and the
    # book's own Sphinx extension.
    shutil.copy(ROOT / "book" / "favicon.svg", root / "book" / "favicon.svg")
    shutil.copy(ROOT / "book" / "references.bib", root / "book" / "references.bib")
    for folder in ("_static", "_ext"):
        shutil.copytree(ROOT / "book" / folder, root / "book" / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: chapter\n")
    (root / "index.md").write_text("# A throwaway book\n")
    result = new_output("execute_result", {"text/plain": stored}, execution_count=1)
    cell = new_code_cell(source, execution_count=1, outputs=[result])
    nb = new_notebook(cells=[new_markdown_cell("# Chapter"), cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}
    nbformat.write(nb, root / "chapter.ipynb")


def build(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "jupyter-book"), "build", str(root), *make_flags()],
                          capture_output=True, text=True, timeout=600)


def nbval(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--nbval", "--nbval-current-env", str(root / "chapter.ipynb")],
                          capture_output=True, text=True, timeout=600, cwd=root)


def test_makefile_builds_strictly():
    assert {"-W", "-n", "--keep-going"} <= set(make_flags())


@pytest.mark.parametrize("source, stored, fails", [
    ("1 + 1", "2", False),
    ("1 / 0", "0.5", True),
], ids=["good-cell-builds", "failing-cell-fails"])
def test_build_fails_on_a_failing_cell(tmp_path, source, stored, fails):
    write_book(tmp_path, source, stored)
    result = build(tmp_path)
    log = result.stdout + result.stderr
    assert (result.returncode != 0) == fails, log[-3000:]
    if fails:
        reports = "".join(p.read_text() for p in (tmp_path / "_build/html/reports").rglob("*.log"))
        assert "ZeroDivisionError" in log + reports


@pytest.mark.parametrize("source, stored, fails", [
    ("1 + 1", "2", False),
    ("1 + 2", "2", True),
    ("1 / 0", "0.5", True),
], ids=["matching-output-passes", "changed-output-fails", "raising-cell-fails"])
def test_nbval_fails_on_a_changed_or_failing_cell(tmp_path, source, stored, fails):
    write_book(tmp_path, source, stored)
    result = nbval(tmp_path)
    assert (result.returncode != 0) == fails, result.stdout[-3000:]

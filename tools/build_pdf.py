"""Build the whole book as one PDF and put it beside the HTML, which links to it.

Jupyter Book's LaTeX builder turns the book into ``book.tex`` (xelatex, as ``_config.yml``
says), and latexmk typesets it: numbered chapters, math, figures, the bibliography and
resolved cross-references. The notebooks are NOT re-executed: their stored outputs (checked
by nbval) are what the PDF shows, so the build takes a minute, not the whole book's run time.
The Sphinx step is strict like ``make html`` (-W -n --keep-going).

    python tools/build_pdf.py [--out _build/pdf] [--lax]

``--lax`` lets Sphinx warnings through (to look at a PDF while a chapter is being written).

Writes ``_build/pdf/mathkit-book.pdf`` and copies it to ``_build/html/mathkit-book.pdf``
(the link on the introduction page). Needs TeX Live with xelatex and latexmk.
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NAME = "mathkit-book.pdf"
# Debian packages the LaTeX build needs (named in the error message when a tool is missing).
DEBIAN = ("latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended "
          "texlive-xetex fonts-freefont-otf tex-gyre")


def config_without_execution(out: Path) -> Path:
    """The book's _config.yml with notebook execution off, written under ``out``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    # Jupyter Book finds local extensions relative to the config file: name them absolutely.
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for name, folder in local.items():
        local[name] = str((ROOT / folder).resolve())
    path = out / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# sphinx-jupyterbook-latex's document class loads bbm only for \mathbbm (blackboard bold),
# and Debian ships bbm.sty in texlive-fonts-extra (1.4 GB). Where it is missing, this
# stand-in gives the same macro from amssymb; the book's text does not use \mathbbm.
BBM_STANDIN = r"""\NeedsTeXFormat{LaTeX2e}
\ProvidesPackage{bbm}[2026/12/02 stand-in written by tools/build_pdf.py]
\RequirePackage{amssymb}
\providecommand{\mathbbm}[1]{\mathbb{#1}}
"""


def provide_missing_packages(latex: Path) -> None:
    found = subprocess.run(["kpsewhich", "bbm.sty"], capture_output=True, text=True).stdout
    if not found.strip():
        (latex / "bbm.sty").write_text(BBM_STANDIN)


def run(cmd: list[str], cwd: Path, log: Path) -> None:
    with log.open("w") as f:
        result = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, text=True)
    if result.returncode:
        lines = log.read_text(errors="replace").splitlines()
        # Sphinx's warnings (what -W turned into errors) or LaTeX's "!" errors; else the tail.
        found = [ln for ln in lines if "WARNING" in ln or "ERROR" in ln or ln.startswith("!")]
        sys.exit(f"{' '.join(cmd)} failed (exit {result.returncode}); from {log}:\n"
                 + "\n".join((found or lines)[-40:]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="_build/pdf", help="work folder (default %(default)s)")
    parser.add_argument("--lax", action="store_true", help="do not fail on Sphinx warnings")
    args = parser.parse_args(argv)
    missing = [t for t in ("xelatex", "latexmk") if shutil.which(t) is None]
    if missing:
        sys.exit(f"{', '.join(missing)} not found: install TeX Live (Debian: {DEBIAN})")

    out = (ROOT / args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    # 1. Sphinx: book -> LaTeX, strict, from the stored outputs.
    run([str(jupyter_book), "build", str(ROOT), "--builder", "latex", "--all",
         "--config", str(config_without_execution(out)), "--path-output", str(out),
         *([] if args.lax else ["-W", "-n", "--keep-going"])], cwd=ROOT, log=out / "sphinx.log")
    latex = next(out.rglob("latex/book.tex")).parent
    provide_missing_packages(latex)
    # 2. LaTeX -> PDF with the latexmkrc Sphinx wrote (xelatex, makeindex); stop on an error.
    run(["latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error",
         "book.tex"], cwd=latex, log=out / "latex.log")
    pdf = latex / "book.pdf"
    shutil.copy(pdf, out / NAME)
    html = ROOT / "_build" / "html"
    html.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, html / NAME)
    print(f"wrote {(out / NAME).relative_to(ROOT)} and {(html / NAME).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fail when the built HTML would reach outside the book.

Reads every .html, .css and .js file under the build directory and lists each
URL with a scheme or a protocol-relative '//' prefix that a browser would load
(script, stylesheet, image, font, iframe, CSS url(), JS import). Plain <a href>
links to outside pages (a cited DOI, a licence) are allowed: the reader follows them by
choice, and the page never loads them; everything the page loads must be local.

It also fails when a page loads a local file (script, stylesheet, image, icon)
that the build did not write, and when a page with math does not load the
MathJax bundled by sphinx-mathjax-offline: without it formulas stay raw TeX.
"""

import re
import sys
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

TAG = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*>")
HTML_URL = re.compile(r"""\b(?:src|href|srcset|data|poster|content)\s*=\s*["']\s*"""
                      r"""((?:[a-z][a-z0-9+.-]*:)?//[^"'\s]+)""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?((?:[a-z][a-z0-9+.-]*:)?//[^"')\s]+)""", re.I)
JS_IMPORT = re.compile(r"""(?:import\s*\(?|from)\s*["']((?:https?:)?//[^"']+)""")
# Files a page loads by itself (<a href> is a link the reader follows, not a load).
LOADED = re.compile(r"""<(?:script|img|source|iframe)\b[^>]*?\ssrc\s*=\s*["']([^"']+)["']"""
                    r"""|<link\b[^>]*?\shref\s*=\s*["']([^"']+)["']""", re.I)
HAS_MATH = re.compile(r"""class=["'][^"']*\bmath\b""")
MATHJAX = "_static/mathjax/tex-chtml.js"


@cache
def read(page: Path) -> str:
    """An HTML page's text, kept: four checks scan every page."""
    return page.read_text(errors="replace")


def external_urls(path: Path) -> list[str]:
    # CSS and JS (mostly MathJax, far larger than the pages) are scanned once: not kept.
    text = read(path) if path.suffix == ".html" else path.read_text(errors="replace")
    if path.suffix == ".html":
        # Inline <style> blocks are CSS too; an <a> tag's href is a link, not a load.
        tags = (t.group(0) for t in TAG.finditer(text) if t.group(1).lower() != "a")
        urls = [u for tag in tags for u in HTML_URL.findall(tag)] + CSS_URL.findall(text)
    elif path.suffix == ".css":
        urls = CSS_URL.findall(text)
    else:
        urls = JS_IMPORT.findall(text)
    return urls


def missing_local_files(page: Path) -> list[str]:
    """Files the page loads from inside the book that do not exist."""
    text = read(page)
    missing = []
    for src in (a or b for a, b in LOADED.findall(text)):
        url = urlsplit(src)
        if url.scheme or url.netloc or not url.path:
            continue  # external URLs are external_urls' business; data: is inline
        if not (page.parent / unquote(url.path)).resolve().is_file():
            missing.append(src)
    return missing


def mathjax_problem(page: Path, base: Path) -> str | None:
    """Why formulas on this page would not be typeset offline, or None."""
    text = read(page)
    if not HAS_MATH.search(text):
        return None
    loaded = {(page.parent / urlsplit(a or b).path).resolve()
              for a, b in LOADED.findall(text) if not urlsplit(a or b).scheme}
    if (base / MATHJAX).resolve() not in loaded:
        return f"has math but does not load {MATHJAX} (sphinx-mathjax-offline)"
    return None


def main(root: str = "_build/html") -> int:
    base = Path(root)
    pages = sorted(base.rglob("*.html"))
    if not pages:
        print(f"no HTML under {root}: build the book first")
        return 1
    files = pages + sorted(base.rglob("*.css")) + sorted(base.rglob("*.js"))
    bad = [f"{p.relative_to(base)}: {u}" for p in files for u in external_urls(p)]
    # Pages a reader opens; _static/ also holds theme templates with Jinja in their links.
    pages_read = [p for p in pages if "_static" not in p.relative_to(base).parts]
    bad += [f"{p.relative_to(base)}: missing local file {u}"
            for p in pages_read for u in missing_local_files(p)]
    bad += [f"{p.relative_to(base)}: {why}" for p in pages_read
            if (why := mathjax_problem(p, base))]
    with_math = sum(bool(HAS_MATH.search(read(p))) for p in pages_read)
    print("\n".join(bad) or f"{len(pages)} pages, {len(files)} files: no URL outside the book, "
          f"no missing local file; {with_math} pages with math load the local MathJax")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

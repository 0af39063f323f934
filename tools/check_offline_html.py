"""Fail when the built HTML would reach outside the book.

Reads every .html, .css and .js file under the build directory and lists each
URL with a scheme or a protocol-relative '//' prefix that a browser would load
(script, stylesheet, image, font, iframe, CSS url(), JS import). Plain <a href>
links to outside pages are reported too: the book is meant to be read offline.
"""

import re
import sys
from pathlib import Path

HTML_URL = re.compile(r"""\b(?:src|href|srcset|data|poster|content)\s*=\s*["']\s*((?:[a-z][a-z0-9+.-]*:)?//[^"'\s]+)""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?((?:[a-z][a-z0-9+.-]*:)?//[^"')\s]+)""", re.I)
JS_IMPORT = re.compile(r"""(?:import\s*\(?|from)\s*["']((?:https?:)?//[^"']+)""")


def external_urls(path: Path) -> list[str]:
    text = path.read_text(errors="replace")
    if path.suffix == ".html":
        # Inline <style> blocks are CSS too.
        urls = HTML_URL.findall(text) + CSS_URL.findall(text)
    elif path.suffix == ".css":
        urls = CSS_URL.findall(text)
    else:
        urls = JS_IMPORT.findall(text)
    return urls


def main(root: str = "_build/html") -> int:
    base = Path(root)
    pages = sorted(base.rglob("*.html"))
    if not pages:
        print(f"no HTML under {root}: build the book first")
        return 1
    files = pages + sorted(base.rglob("*.css")) + sorted(base.rglob("*.js"))
    bad = [f"{p.relative_to(base)}: {u}" for p in files for u in external_urls(p)]
    print("\n".join(bad) or f"{len(pages)} pages, {len(files)} files: no URL outside the book")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

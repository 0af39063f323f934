"""The built book as a reader with no network sees it, in a real headless Chromium.

Serves ``_build/html`` on 127.0.0.1 and opens every page: nothing may be fetched
from another host, nothing may fail to load, the console stays free of errors,
every image decodes and MathJax typesets every formula. Then an exercise's
solution must open on click and the search page must find a chapter.

Skipped when Chromium or the built book is missing, unless
``MATHKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns a skip into a failure.
"""

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHAPTER1 = "book/01_symbolic.html"
REQUIRE = os.environ.get("MATHKIT_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Build internals that are not pages a reader opens (reports/ holds failed-cell logs).
NOT_PAGES = {"_static", "_sources", "_images", "reports"}
REFRESH = re.compile(r"""<meta[^>]+http-equiv=["']refresh["'][^>]+url=([^"'>\s]+)""", re.I)


def _pages() -> list[str]:
    if not HTML.is_dir():
        return []
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if not NOT_PAGES & set(p.relative_to(HTML).parts[:-1]))


PAGES = _pages()


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"
    if not (HTML / "index.html").exists():
        return f"no built book at {HTML / 'index.html'} (run `make book` first)"
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site():
    """Base URL of the book served from 127.0.0.1 on a free port."""
    reason = _missing()
    if reason:
        if REQUIRE:
            pytest.fail(f"MATHKIT_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        yield chromium
        chromium.close()


class Visit:
    """A fresh page that records everything a reader's browser would complain about."""

    def __init__(self, browser, site: str):
        self.site = site
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           service_workers="block")
        self.page = self.context.new_page()
        self.external, self.failed, self.errors = [], [], []
        self.context.route("**/*", self._only_local)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(
            f"HTTP {r.status} {r.url}"))

    def _only_local(self, route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or (url.scheme == "http"
                                              and url.hostname == "127.0.0.1"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort("blockedbyclient")

    def _request_failed(self, request):
        if request.url not in self.external:  # blocked on purpose: reported as external
            self.failed.append(f"{request.failure} {request.url}")

    def open(self, path: str) -> None:
        url = urljoin(self.site, path)
        self.page.goto(url, wait_until="load")
        redirect = REFRESH.search((HTML / urlsplit(url).path.lstrip("/")).read_text())
        if redirect:  # index.html only redirects: check the page it lands on
            self.page.wait_for_url(urljoin(url, redirect.group(1)))
            self.page.wait_for_load_state("load")
        self.page.wait_for_load_state("networkidle")
        # MathJax typesets after load; its startup promise settles once every formula is done.
        self.page.evaluate("""() => window.MathJax && MathJax.startup && MathJax.startup.promise
                              ? MathJax.startup.promise.then(() => true) : false""")

    def problems(self) -> list[str]:
        return ([f"request to another host: {u}" for u in self.external]
                + [f"failed request: {f}" for f in self.failed] + self.errors)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, site):
    v = Visit(browser, site)
    yield v
    v.close()


# Text nodes outside code that still hold TeX delimiters: MathJax missed them.
RAW_TEX_JS = r"""() => {
  const skip = new Set(["SCRIPT", "STYLE", "PRE", "CODE", "TEXTAREA", "NOSCRIPT"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let el = node.parentElement, code = false;
    for (; el; el = el.parentElement) if (skip.has(el.tagName)) { code = true; break; }
    const text = node.textContent;
    if (!code && /\\\(|\\\[|\$\$|\\begin\{/.test(text)) found.push(text.trim().slice(0, 120));
  }
  return found;
}"""

IMAGES_JS = """async () => Promise.all([...document.images].map(async img => {
  img.loading = "eager";  // a lazy image below the fold would never load
  try { await img.decode(); } catch (e) { return img.currentSrc || img.src; }
  return img.naturalWidth > 0 ? null : img.currentSrc || img.src;
})).then(bad => bad.filter(Boolean))"""

MATH_JS = """() => {
  const math = [...document.querySelectorAll(".math")];
  return {math: math.length,
          untypeset: math.filter(m => !m.querySelector("mjx-container"))
                         .map(m => m.textContent.trim().slice(0, 120)),
          containers: document.querySelectorAll("mjx-container").length};
}"""


@pytest.mark.parametrize("path", PAGES or ["(no build)"])
def test_page_loads_offline_and_renders(visit, path):
    visit.open(path)
    problems = visit.problems()
    problems += [f"image not decoded: {src}" for src in visit.page.evaluate(IMAGES_JS)]
    problems += [f"raw TeX left on the page: {t!r}" for t in visit.page.evaluate(RAW_TEX_JS)]
    math = visit.page.evaluate(MATH_JS)
    problems += [f"formula not typeset by MathJax: {t!r}" for t in math["untypeset"]]
    if math["math"] and not math["containers"]:
        problems.append(f"{math['math']} formulas but no mjx-container")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_solution_dropdown_opens_on_click(visit):
    visit.open(CHAPTER1)
    solutions = visit.page.locator(".solution.dropdown, details.solution")
    assert solutions.count(), f"{CHAPTER1} has no collapsed exercise solution"
    solution = solutions.first
    content = solution.locator("section, .admonition-title ~ *").first
    assert content.count() and content.is_hidden(), "solution is shown before any click"
    # The title holds a link to the exercise: click the toggle itself, not the title's middle.
    toggle = solution.locator("button.toggle-button")
    (toggle if toggle.count() else solution.locator("summary")).first.click()
    content.wait_for(state="visible", timeout=5000)
    assert content.is_visible()
    assert not visit.problems(), "\n".join(visit.problems())


def test_search_finds_a_chapter(visit):
    visit.open("search.html?q=Hessian")
    results = visit.page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = [a.get_attribute("href") for a in results.all()]
    chapters = [h for h in hrefs if re.match(r"book/\d\d_\w+\.html", h)]
    assert chapters, f"searching 'Hessian' found no chapter page, only {hrefs}"
    assert not visit.problems(), "\n".join(visit.problems())


def test_screenshot_of_chapter_one(visit):
    visit.open(CHAPTER1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "chapter1.png"
    visit.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""The built book as a reader with no network sees it, in a real headless Chromium.

Serves ``_build/html`` on 127.0.0.1 and opens every page: nothing may be fetched
from another host, nothing may fail to load, the console stays free of errors,
every image decodes and MathJax typesets every formula. Then an exercise's
solution must open on click and the search page must find a chapter.

Layout: at 1280 px and at phone width (390 px) no table, display equation or output block
may be wider than its column or scroll inside it. Code INPUT blocks are exempt on purpose:
re-wrapping code would change what the reader copies, so they may scroll sideways.
Plumbing: no visible code cell of a page (folded ``hide-input`` cells count, a reader opens
them) may call ``glue(`` or read a fixture or a file. Search: one search box on every page,
and the quoted text of a search hit is plain text, never TeX source.

Skipped when Chromium or the built book is missing, unless
``MATHKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns a skip into a failure.
"""

import functools
import html
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


WIDTHS = {"desktop": 1280, "phone": 390}
PDF = "mathkit-book.pdf"  # written into _build/html by tools/build_pdf.py (make pdf)


class Visit:
    """A fresh page that records everything a reader's browser would complain about."""

    def __init__(self, browser, site: str, width: int = 1280):
        self.site = site
        self.context = browser.new_context(viewport={"width": width, "height": 900},
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


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_visit(request, browser, site):
    v = Visit(browser, site, WIDTHS[request.param])
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


# Folded content is laid out too: open every solution and <details> before measuring.
UNFOLD_JS = """() => {
  document.querySelectorAll("details").forEach(d => d.open = true);
  document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
}"""

# Every table, display equation and output block: wider than its own box (it scrolls or
# clips), or reaching past the article column. Code inputs (.cell_input) are exempt.
OVERFLOW_JS = """() => {
  const column = document.querySelector("article.bd-article") || document.querySelector("main");
  const right = column.getBoundingClientRect().right;
  const kinds = {
    table: ".bd-article table, .bd-article .pst-scrollable-table-container",
    equation: ".bd-article div.math, .bd-article mjx-container[display='true']",
    output: ".bd-article .cell_output, .bd-article .cell_output pre, .bd-article .output",
  };
  const found = [];
  for (const [kind, selector] of Object.entries(kinds)) {
    for (const el of document.querySelectorAll(selector)) {
      if (el.closest(".cell_input")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;  // not displayed
      const inside = el.scrollWidth - el.clientWidth, past = box.right - right;
      if (inside > 1 || past > 1) {
        const text = (el.innerText || el.textContent).trim().replace(/\\s+/g, " ");
        const how = inside > 1 ? `scrolls ${inside}px` : `sticks out ${Math.round(past)}px`;
        found.push(`${kind} ${how}: ${text.slice(0, 80)}`);
      }
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1)
    found.push(`the page itself scrolls sideways (${page.scrollWidth} > ${page.clientWidth})`);
  return found;
}"""


@pytest.mark.parametrize("path", PAGES or ["(no build)"])
def test_content_fits_its_column(sized_visit, path):
    sized_visit.open(path)
    sized_visit.page.evaluate(UNFOLD_JS)
    overflow = sized_visit.page.evaluate(OVERFLOW_JS)
    width = sized_visit.page.viewport_size["width"]
    assert not overflow, f"{path} at {width}px:\n" + "\n".join(overflow)


# Visible code must teach: no glue() calls, no fixture or file reads (TEAM.md convention 3).
PLUMBING = ("glue(", "r_reference(", "benchmark_results(", "json.loads", "Path(", "open(")
CELL_INPUT = re.compile(r'<div class="cell_input[^"]*">\s*<div class="highlight[^"]*">'
                        r'<div class="highlight"><pre>(.*?)</pre>', re.S)


def visible_code(page: Path) -> list[str]:
    """The source of every code cell whose input the built page shows (folded or not)."""
    return [html.unescape(re.sub(r"<[^>]+>", "", code))
            for code in CELL_INPUT.findall(page.read_text())]


def test_the_plumbing_check_sees_a_glue_call(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<div class="cell_input docutils container">\n<div class="highlight-ipython3 '
                    'notranslate"><div class="highlight"><pre><span class="n">glue</span>'
                    '<span class="p">(</span>&quot;k&quot;)</pre></div></div></div>')
    assert visible_code(page) == ['glue("k")']


@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("book/")] or ["(no build)"])
def test_visible_code_holds_no_plumbing(path):
    if not (HTML / path).exists():
        pytest.skip(f"no built book at {HTML}")
    found = [f"{word!r} in: {code.strip().splitlines()[0][:70]} ..."
             for code in visible_code(HTML / path) for word in PLUMBING if word in code]
    assert not found, (f"{path}: visible code cells hold plumbing; tag them remove-cell or "
                       "remove-input:\n" + "\n".join(found))


SEARCH_BOXES_JS = """() => [...document.querySelectorAll(
    ".search-button__button, .search-button-field, form.bd-search, input[type=search]")]
  .filter(el => !el.closest("dialog") && el.getClientRects().length
                && getComputedStyle(el).visibility !== "hidden")
  .map(el => el.className)"""


def test_one_search_box(sized_visit):
    sized_visit.open(CHAPTER1)
    boxes = sized_visit.page.evaluate(SEARCH_BOXES_JS)
    assert len(boxes) == 1, f"expected one visible search box, found {boxes}"


def test_search_results_quote_plain_text(visit):
    visit.open("search.html?q=gradient")
    visit.page.wait_for_function(
        """() => /Search finished/.test(document.querySelector("#search-results")?.innerText)""",
        timeout=30000)
    quotes = visit.page.locator("#search-results ul.search li p.context").all_inner_texts()
    assert quotes, "no search result quotes any text"
    tex = [q for q in quotes if re.search(r"\\[A-Za-z]+|\\[()\[\]]|\$", q)]
    assert not tex, "search results quote TeX source:\n" + "\n".join(t[:160] for t in tex)
    assert not visit.problems(), "\n".join(visit.problems())


def test_introduction_links_the_pdf(visit):
    visit.open("book/intro.html")
    link = visit.page.locator(f'a[href$="{PDF}"]')
    assert link.count() == 1, f"the introduction has no link to {PDF}"
    href = link.first.evaluate("a => a.href")
    assert urlsplit(href).hostname == "127.0.0.1", f"the PDF link leaves the book: {href}"
    if not (HTML / PDF).exists():
        pytest.fail(f"{HTML / PDF} is missing: run `make pdf` (tools/build_pdf.py)")
    response = visit.page.request.get(href)
    assert response.status == 200 and response.body()[:5] == b"%PDF-", href


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

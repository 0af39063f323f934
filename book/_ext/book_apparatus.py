"""Sphinx extension for the book's apparatus: cross-references in the PDF, plain search text.

1. PDF. Sphinx's LaTeX writer drops the ids of admonitions, so a ``{ref}`` to a named note
   (the erratum notes, ``:name: erratum-...``) points nowhere; and sphinx-exercise labels an
   exercise ``exercise:<label>`` while ``{ref}`` asks for ``<docname>:<label>``, so the PDF
   printed "Exercise ??". Before each such node this writes the label ``{ref}`` uses, for an
   exercise with the number the HTML shows.
2. Equations. MathJax 3 cannot break a long display equation, and at phone width many do not
   fit; on screens up to 720 px an inline script shrinks such an equation to fit its column,
   down to 11 px type at the least. Wider ones, and any that does not fit a wide screen at
   its natural size, must be split in the chapter (tests/test_browser.py fails on them).
3. Search. Sphinx's search page quotes each hit's page text, and a formula's text is its
   TeX source (``\\(\\nabla f\\)``). An inline script (no file under _static: Jupyter Book
   would load a .js there on every page) makes the quoted text plain: formulas become
   their symbols (``∇f``) or are dropped.
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

try:
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node
except ImportError:  # the extension works without sphinx-exercise
    exercise_enumerable_node = exercise_node = solution_node = ()


def _docname(node: nodes.Node, env, root: str) -> str:
    """The document a node of the LaTeX builder's one big tree came from."""
    source = node.source or (node.parent.source if node.parent is not None else None)
    if source and (docname := env.path2doc(source.split(":docstring of")[0])):
        return docname
    while node is not None:
        if isinstance(node, addnodes.start_of_file):
            return node["docname"]
        node = node.parent
    return root


def _label(docname: str, ident: str, number: str | None = None) -> nodes.raw:
    # \ref prints \@currentlabel: the exercise's number, as the HTML shows it.
    current = r"\expandafter\def\csname @currentlabel\endcsname{" + number + "}" if number else ""
    tex = r"\phantomsection" + current + r"\label{\detokenize{" + f"{docname}:{ident}" + "}}"
    return nodes.raw("", tex + "\n", format="latex")


class LatexTargets(SphinxPostTransform):
    """Write the labels ``{ref}`` points at for admonitions and exercises (LaTeX only)."""

    default_priority = 900
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        root = self.config.root_doc
        fignumbers = getattr(self.env, "toc_fignumbers", {})
        for node in list(self.document.findall(nodes.Admonition)):
            if not node["ids"] or isinstance(node, solution_node) or node.parent is None:
                continue  # sphinx-exercise labels solutions itself
            if isinstance(node, (exercise_enumerable_node, exercise_node)):
                docname = node.get("docname") or _docname(node, self.env, root)
                label = node.get("label") or node["ids"][0]
                number = fignumbers.get(docname, {}).get("exercise", {}).get(node["ids"][0])
                shown = ".".join(map(str, number)) if number else None
                targets = [_label(docname, label, shown)]
            else:
                docname = _docname(node, self.env, root)
                targets = [_label(docname, ident) for ident in node["ids"]]
            parent = node.parent
            index = parent.index(node)
            for offset, target in enumerate(targets):
                parent.insert(index + offset, target)


# TeX commands a reader should see as symbols in a plain-text search summary.
SEARCH_JS = r"""
(() => {
  const symbols = {alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε",
    varepsilon: "ε", eta: "η", theta: "θ", lambda: "λ", mu: "μ", nu: "ν", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", psi: "ψ", omega: "ω",
    Delta: "Δ", Gamma: "Γ", Lambda: "Λ", Sigma: "Σ", Omega: "Ω", nabla: "∇",
    partial: "∂", sum: "Σ", prod: "Π", int: "∫", infty: "∞", le: "≤", leq: "≤", ge: "≥",
    geq: "≥", ne: "≠", neq: "≠", approx: "≈", times: "×", cdot: "·", pm: "±", to: "→",
    rightarrow: "→", in: "∈", top: "ᵀ", intercal: "ᵀ", sqrt: "√", ldots: "…",
    cdots: "⋯", dots: "…", mid: "|", lVert: "‖", rVert: "‖", Vert: "‖", ell: "ℓ",
    xi: "ξ", zeta: "ζ", kappa: "κ", chi: "χ", Phi: "Φ", Psi: "Ψ", Theta: "Θ", Pi: "Π",
    sim: "∼", prime: "′", circ: "∘", otimes: "⊗", star: "*", ast: "*", lceil: "⌈",
    rceil: "⌉", lfloor: "⌊", rfloor: "⌋", langle: "⟨", rangle: "⟩", quad: " ", qquad: " ",
    log: "log", exp: "exp", sin: "sin", cos: "cos", min: "min", max: "max", arg: "arg",
    det: "det", lim: "lim"};
  const plain = (tex) => tex
    .replace(/\\\\/g, " ")
    .replace(/\\[()[\]]|\$\$?/g, " ")
    .replace(/\\begin\{[^}]*\}|\\end\{[^}]*\}/g, " ")
    .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)")
    .replace(/\\(?:math[a-z]+|text|operatorname|boldsymbol)\s*\{([^{}]*)\}/g, "$1")
    .replace(/\\([A-Za-z]+)/g, (m, name) => symbols[name] ?? "")
    .replace(/\\[{}|]/g, (m) => m[1] === "|" ? "‖" : m[1])
    .replace(/\\.|&/g, " ")
    .replace(/[{}]/g, "")
    .replace(/\^ᵀ/g, "ᵀ")
    .replace(/\s+/g, " ").trim();
  const patch = () => {
    if (typeof Search === "undefined" || Search._mathkitPlain) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math .headerlink").forEach((el) => el.remove());
      doc.querySelectorAll(".math, span.math, div.math").forEach(
        (el) => el.replaceWith(doc.createTextNode(" " + plain(el.textContent) + " ")));
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search._mathkitPlain = true;
  };
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
"""


FIT_EQUATIONS_JS = r"""
(() => {
  const SMALLEST_PX = 11;  // the smallest math type the script will set
  const narrow = window.matchMedia("(max-width: 720px)");
  const fit = () => {
    for (const eq of document.querySelectorAll('mjx-container[display="true"]')) {
      if (eq.dataset.size === undefined) eq.dataset.size = eq.style.fontSize || "";
      eq.style.fontSize = eq.dataset.size;
      // On a wide screen an equation keeps its size: one that does not fit must be split.
      if (!narrow.matches || eq.scrollWidth <= eq.clientWidth + 1) continue;
      const base = parseFloat(getComputedStyle(eq).fontSize);
      const size = Math.max(SMALLEST_PX, base * (eq.clientWidth - 2) / eq.scrollWidth);
      eq.style.fontSize = `${size}px`;
    }
  };
  const start = () => {
    const ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
    if (ready) MathJax.startup.promise.then(fit);
  };
  document.addEventListener("DOMContentLoaded", start);
  window.addEventListener("resize", fit);
})();
"""


def add_page_scripts(app: Sphinx, pagename: str, templatename: str, context, doctree) -> None:
    if pagename == "search":
        app.add_js_file(None, body=SEARCH_JS, priority=900)
    elif doctree is not None and any(True for _ in doctree.findall(nodes.math_block)):
        app.add_js_file(None, body=FIT_EQUATIONS_JS, priority=900)


def setup(app: Sphinx) -> dict:
    app.add_post_transform(LatexTargets)
    app.connect("html-page-context", add_page_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

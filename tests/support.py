"""Shared by the tests: R reference fixtures and values glued in notebooks."""

import ast
import json
import math
import os
import re
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"  # the R scripts
FIXTURES = ROOT / "mathkit" / "data" / "reference"  # the JSON they write, shipped with mathkit
BOOK = ROOT / "book"


@cache
def reference(name: str) -> dict:
    """The committed JSON that ``tests/reference/<name>.R`` wrote in real R."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def rscript() -> str | None:
    """Path of Rscript, or None; with MATHKIT_REQUIRE_R=1 a missing R is an error."""
    found = shutil.which("Rscript")
    if found is None and os.environ.get("MATHKIT_REQUIRE_R") == "1":
        raise RuntimeError("MATHKIT_REQUIRE_R=1 but Rscript is not on PATH")
    return found


@cache
def _notebook(notebook: str) -> dict:
    """A stored notebook's JSON; several tests read the same one. Do not modify it."""
    return json.loads((BOOK / notebook).read_text())


@cache
def glued(notebook: str) -> dict:
    """Values a stored notebook glued with ``myst_nb.glue``, keyed by name.

    Glued values are Python literals (floats, ints, strings, lists of them), so
    their stored text/plain repr parses back with ``ast.literal_eval``.
    """
    values = {}
    for cell in _notebook(notebook)["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = out["data"]
            text = next(v for k, v in data.items() if k.endswith("text/plain"))
            text = "".join(text) if isinstance(text, list) else text
            try:
                values[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[name] = text
    return values


def same_json(a, b, rtol: float = 0.0, path: str = "") -> list[str]:
    """Differences between two JSON trees; floats equal within ``rtol``."""
    if isinstance(a, dict) and isinstance(b, dict):
        diffs = [f"{path}/{k}: missing on one side" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            diffs += same_json(a[k], b[k], rtol, f"{path}/{k}")
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in same_json(x, y, rtol, f"{path}[{i}]")]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        if a == b or math.isclose(a, b, rel_tol=rtol, abs_tol=0.0):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def cells(notebook: str, kind: str) -> list[str]:
    """The sources of a stored notebook's cells of one kind ("code" or "markdown")."""
    return ["".join(c["source"]) for c in _notebook(notebook)["cells"] if c["cell_type"] == kind]


def notebook_function(notebook: str, name: str, namespace: dict) -> Callable:
    """The function ``name`` exactly as a notebook's code cell defines it.

    Only that ``def`` is executed, in ``namespace`` (the modules it uses), so a test
    runs the chapter's own code rather than a copy of it.
    """
    for source in cells(notebook, "code"):
        if f"def {name}(" not in source:
            continue
        node = next(n for n in ast.parse(source).body
                    if isinstance(n, ast.FunctionDef) and n.name == name)
        scope = dict(namespace)
        code = compile(ast.Module(body=[node], type_ignores=[]), f"<{notebook}:{name}>", "exec")
        exec(code, scope)
        return scope[name]
    raise AssertionError(f"{notebook} defines no function {name}")


def markdown(notebook: str) -> str:
    """All markdown of a stored notebook, cell after cell."""
    return "\n".join(cells(notebook, "markdown"))


def sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant digits, as the book prints such numbers."""
    return float(f"{x:.{digits}g}")


ERRATUM = re.compile(r"```\{admonition\} Source check: [^\n]+\n:class: note erratum\n"
                     r":name: (erratum-[\w-]+)\n(.+)\n```", re.S)


def erratum(notebook: str, name: str) -> str:
    """The text of the erratum note ``name``; fails unless it is in the book's form."""
    notes = [m for m in cells(notebook, "markdown") if f":name: {name}\n" in m]
    assert len(notes) == 1, f"{notebook}: expected one admonition named {name}"
    note = ERRATUM.fullmatch(notes[0])
    assert note and note.group(1) == name, f"{name} is not in the book's erratum form"
    return note.group(2)


HIDDEN_TAGS = {"remove-cell", "remove-input"}
PLUMBING = ("glue(", "r_reference", "benchmark_results", "myst_nb")


def page_problems(notebook: str, prefix: str) -> list[str]:
    """How a stored notebook breaks the book's page conventions (empty when it keeps them).

    Visible code cells hold no plumbing (``glue(``, fixture reads); every figure cell has
    ``mystnb.figure`` metadata named ``fig-<prefix>-...`` with a caption, and the prose
    refers to it by ``{numref}``; every numbered equation ``(eq-...)`` is referred to by
    ``{eq}`` somewhere in the notebook.
    """
    problems, text = [], markdown(notebook)
    for i, cell in enumerate(_notebook(notebook)["cells"]):
        if cell["cell_type"] != "code":
            continue
        source, meta = "".join(cell["source"]), cell.get("metadata", {})
        if not HIDDEN_TAGS & set(meta.get("tags", [])):
            problems += [f"cell {i}: visible code contains {p!r}" for p in PLUMBING
                         if p in source]
        if any("image/png" in out.get("data", {}) for out in cell.get("outputs", [])):
            figure = meta.get("mystnb", {}).get("figure", {})
            name, caption = figure.get("name", ""), figure.get("caption", "")
            if not name.startswith(f"fig-{prefix}-") or not caption.strip():
                problems.append(f"cell {i}: figure without fig-{prefix}- name and caption")
            elif f"{{numref}}`{name}`" not in text:
                problems.append(f"cell {i}: no {{numref}} refers to {name}")
    for label in re.findall(r"^\$\$ \((eq-[\w-]+)\)$", text, re.M):
        if f"{{eq}}`{label}`" not in text:
            problems.append(f"equation {label} is numbered but never referred to")
    return problems

"""Shared by the tests: R reference fixtures and values glued in notebooks."""

import ast
import json
import math
import os
import shutil
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "reference"
BOOK = ROOT / "book"


@cache
def reference(name: str) -> dict:
    """The committed JSON that ``tests/reference/<name>.R`` wrote in real R."""
    return json.loads((REFERENCE / f"{name}.json").read_text())


def rscript() -> str | None:
    """Path of Rscript, or None; with MATHKIT_REQUIRE_R=1 a missing R is an error."""
    found = shutil.which("Rscript")
    if found is None and os.environ.get("MATHKIT_REQUIRE_R") == "1":
        raise RuntimeError("MATHKIT_REQUIRE_R=1 but Rscript is not on PATH")
    return found


@cache
def glued(notebook: str) -> dict:
    """Values a stored notebook glued with ``myst_nb.glue``, keyed by name.

    Glued values are Python literals (floats, ints, strings, lists of them), so
    their stored text/plain repr parses back with ``ast.literal_eval``.
    """
    nb = json.loads((BOOK / notebook).read_text())
    values = {}
    for cell in nb["cells"]:
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

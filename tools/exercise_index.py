"""Write the exercise index, book/exercises.md, from the exercises in the chapters.

Every ``{exercise}`` or ``{exercise-start}`` directive with a ``:label:`` in a notebook of the
table of contents gets one line, under its chapter, in the order of ``_toc.yml``. Run it after
adding an exercise; ``--check`` only reports whether the page is up to date (exit 1 if not).
tests/test_book_index.py fails when a label is missing from the page.

    python tools/exercise_index.py [--check]
"""

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "exercises.md"
# An exercise directive (backtick or colon fence), its title, then its option lines.
EXERCISE = re.compile(r"^(?:`{3,}|:{3,})\{(?:exercise|exercise-start)\}[ \t]*(?P<title>[^\n]*)\n"
                      r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)", re.M)
LABEL = re.compile(r":label:\s*(\S+)")

HEADER = """\
# Exercises

Every exercise in the book, chapter by chapter. Each link opens the exercise; its solution is
folded away under it, and it runs like the rest of the chapter's code.

<!-- Written by tools/exercise_index.py from the notebooks; do not edit by hand. -->
"""


def toc_files(root: Path = ROOT) -> list[str]:
    """The documents of ``_toc.yml`` in reading order, as paths without suffix."""
    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections"))
            yield from walk(entry.get("chapters"))

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [toc["root"], *walk(toc.get("parts")), *walk(toc.get("chapters"))]


def exercises(notebook: Path) -> list[tuple[str, str]]:
    """``(label, title)`` of every labelled exercise in a notebook, in order."""
    found = []
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for m in EXERCISE.finditer("".join(cell["source"]) + "\n"):
            label = LABEL.search(m.group("options"))
            if label:
                found.append((label.group(1), m.group("title").strip()))
    return found


def all_exercises(root: Path = ROOT) -> dict[str, list[tuple[str, str]]]:
    """Exercises per notebook (``book/NAME``): the toc's notebooks first, then any other."""
    listed = [f for f in toc_files(root) if (root / f"{f}.ipynb").exists()]
    others = sorted(p.relative_to(root).with_suffix("").as_posix()
                    for p in (root / "book").glob("*.ipynb"))
    order = listed + [f for f in others if f not in listed]
    return {f: ex for f in order if (ex := exercises(root / f"{f}.ipynb"))}


def page(root: Path = ROOT) -> str:
    lines = [HEADER]
    for doc, found in all_exercises(root).items():
        lines.append(f"- {{doc}}`{Path(doc).name}`")
        lines += [f"  - {{ref}}`{label}`: {title}" if title else f"  - {{ref}}`{label}`"
                  for label, title in found]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = page()
    if "--check" in argv:
        current = PAGE.read_text() if PAGE.exists() else ""
        print("up to date" if current == text else f"{PAGE} is stale: run tools/exercise_index.py")
        return 0 if current == text else 1
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Execute notebooks in place so their stored outputs are fresh.

Usage: python tools/execute_notebooks.py [book | book/02_numeric.ipynb ...]

Each notebook runs in its own directory with the current interpreter's kernel,
exactly as nbval and the book build will run it; a cell that raises, or any
output on stderr, stops with a non-zero exit so a broken notebook is never saved.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def notebooks(args: list[str]) -> list[Path]:
    found = []
    for arg in args or ["book"]:
        p = Path(arg)
        found += sorted(p.rglob("*.ipynb")) if p.is_dir() else [p]
    return [p for p in found if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts]


def execute(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}
    # record_timing=False: no per-cell timestamps, so a re-run only changes what changed.
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    problems = [
        f"{path}: cell {i} wrote to stderr: {''.join(o.get('text', ''))[:200]!r}"
        for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
        for o in cell.get("outputs", []) if o.get("name") == "stderr"
    ]
    if not problems:
        for cell in nb.cells:
            cell.metadata.pop("execution", None)  # timestamps of an earlier run
        nbformat.write(nb, path)
    return problems


def main() -> int:
    problems = []
    for path in notebooks(sys.argv[1:]):
        print(f"executing {path}", flush=True)
        problems += execute(path)
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Fail when a notebook would let nbval pass silently.

nbval runs a cell saved without an execution count but never compares it, and
a stored error or stderr output is a failure frozen into the book. Every code
cell must have been executed and stored cleanly.
"""

import json
import sys
from pathlib import Path


def problems_in(path: Path) -> list[str]:
    found = []
    cells = json.loads(path.read_text())["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        if cell.get("execution_count") is None:
            found.append(f"{path}: code cell {i} has no execution count")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{path}: code cell {i} stores an error ({out.get('ename')})")
            if out.get("name") == "stderr":
                found.append(f"{path}: code cell {i} stores stderr output")
    return found


def main(root: str = "book") -> int:
    paths = [p for p in sorted(Path(root).rglob("*.ipynb"))
             if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts]
    if not paths:
        print(f"no notebooks under {root}")
        return 1
    problems = [msg for p in paths for msg in problems_in(p)]
    ok = f"{len(paths)} notebooks: every code cell executed, no errors, no stderr"
    print("\n".join(problems) or ok)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

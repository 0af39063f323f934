"""A notebook of the book runs wherever mathkit is installed, from any directory.

The R reference values and benchmark results a notebook shows ship with the package
(``mathkit.datasets.r_reference`` and ``benchmark_results``), so no notebook may read a
file by a path relative to the kernel's working directory, and one that does fails here:
its copy is executed with the kernel started in an empty temporary directory.
"""

import re

import nbformat
import pytest
from nbclient import NotebookClient
from support import BOOK, cells

NOTEBOOKS = sorted(p.name for p in BOOK.glob("*.ipynb"))
# A relative path in a string literal: "../x", "./x", or Path("x") with x not absolute.
RELATIVE = re.compile(r"""["']\.{1,2}/|Path\(\s*["'](?!/)""")


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_no_notebook_reads_a_relative_path(nb):
    hits = [line.strip() for source in cells(nb, "code") for line in source.splitlines()
            if RELATIVE.search(line)]
    assert not hits, f"{nb} reads files relative to the kernel's directory: {hits}"


# One chapter that shows R's reference values, and the appendix that draws the benchmarks.
@pytest.mark.parametrize("nb", ["08_newton_is_irls.ipynb", "appendix_performance.ipynb"])
def test_notebook_runs_from_an_empty_directory(nb, tmp_path):
    notebook = nbformat.read(BOOK / nb, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert list(tmp_path.iterdir()) == [], "the notebook wrote files into its working directory"

"""The README's code runs as written, and its commands name targets the Makefile has."""

import re

import pytest
from support import ROOT

README = (ROOT / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.mark.parametrize("block", range(len(PYTHON_BLOCKS)))
def test_python_block_runs(block, capsys):
    exec(compile(PYTHON_BLOCKS[block], f"README.md python block {block}", "exec"), {})
    assert capsys.readouterr().out, "the README's example prints nothing a reader could compare"


def test_readme_has_code():
    assert PYTHON_BLOCKS


def test_make_targets_in_the_readme_exist():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    named = set(re.findall(r"`make ([\w-]+)", README)) | set(re.findall(r"^make ([\w-]+)", README,
                                                                         re.M))
    assert named and named <= targets, f"README names unknown targets: {named - targets}"

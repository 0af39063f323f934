"""Every public name of mathkit documents itself with examples that run.

Each object in ``mathkit.__all__`` needs a NumPy-style docstring with an
``Examples`` section holding at least one example, and every example in it (and
in its methods' docstrings) must reproduce its printed output.
"""

import doctest
import inspect
import re

import pytest

import mathkit

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
EXAMPLES_SECTION = re.compile(r"^Examples\n-{8,}$", re.M)


@pytest.mark.parametrize("name", mathkit.__all__)
def test_public_object_has_runnable_examples(name):
    obj = getattr(mathkit, name)
    doc = inspect.getdoc(obj) or ""
    assert doc, f"mathkit.{name} has no docstring"
    assert EXAMPLES_SECTION.search(doc), f"mathkit.{name}'s docstring has no Examples section"

    module = inspect.getmodule(obj)
    finder = doctest.DocTestFinder(recurse=True)
    tests = finder.find(obj, f"mathkit.{name}", module=module, globs=vars(module).copy())
    own = [t for t in tests if t.name == f"mathkit.{name}"]
    assert own and own[0].examples, f"mathkit.{name}'s docstring has no >>> examples"

    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    failed = sum(runner.run(test, out=report.append).failed for test in tests)
    assert failed == 0, "".join(report)

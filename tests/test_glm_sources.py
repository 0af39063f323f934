"""The data-source interface of mathkit.glm (map and combine), as a Dask source uses it."""

import dataclasses
from functools import partial

import numpy as np
import pytest

from mathkit.glm.families import family
from mathkit.glm.fit import _iterate
from mathkit.glm.irls_pass import PassSpec, block_sums, combine
from mathkit.glm.sources import Block, _Source, make_source


class TreeSource:
    """Blocks combined pairwise in a balanced tree, last block first: any order must do."""

    def __init__(self, inner):
        self.inner, self.p, self.names = inner, inner.p, inner.names

    def map_reduce(self, fn, combine):
        parts = [fn(b) for b in reversed(list(self.inner.blocks()))]
        if not parts:
            return None
        while len(parts) > 1:
            parts = [combine(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                     for i in range(0, len(parts), 2)]
        return parts[0]

    def map_rows(self, fn):
        return np.concatenate([fn(b) for b in self.inner.blocks()])


def data(n=1000, seed=2):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3))])
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ [0.3, 0.5, -0.2, 0.1]))).astype(float)
    return X, y


def test_tree_combine_gives_the_loop_fit():
    X, y = data()
    loop = make_source(X, y, None, np.linspace(-1, 1, 1000), 37)
    fam = family("binomial")
    a = _iterate(loop, fam, 1e-10, 100, null="auto")
    b = _iterate(TreeSource(loop), fam, 1e-10, 100, null="auto")
    assert len(a.history) == len(b.history)
    np.testing.assert_allclose(b.beta, a.beta, rtol=1e-12)
    assert b.last.dev == pytest.approx(a.last.dev, rel=1e-13)


def test_combine_is_associative_and_keeps_the_first_bad_row():
    X, y = data(60)
    y[[17, 45]] = [np.nan, 2.0]
    src = make_source(X, y, None, None, 10)
    fn = partial(block_sums, spec=PassSpec(family("binomial")))
    parts = [fn(b) for b in src.blocks()]
    assert parts[1].error[0] == 17 and parts[4].error[0] == 45
    left = combine(combine(parts[4], parts[1]), parts[0])
    right = combine(parts[4], combine(parts[1], parts[0]))
    assert left.error == right.error and left.error[0] == 17
    good = [fn(b) for b in make_source(X, np.r_[y[:17], 0, y[18:45], 1, y[46:]], None, None,
                                       10).blocks()]
    s1 = combine(combine(good[0], good[1]), good[2])
    s2 = combine(good[0], combine(good[1], good[2]))
    np.testing.assert_allclose(s1.G, s2.G, rtol=1e-14)
    assert s1.n == 30 and s1.ones.tolist() == [True, False, False, False]
    with pytest.raises(ValueError, match="y has a non-finite value nan at row 17"):
        from mathkit import irls
        irls(X, y, block_rows=10)


def test_a_pass_keeps_no_rows():
    X, y = data()
    part = block_sums(Block(0, X, y, None, None), PassSpec(family("binomial")))
    values = [getattr(part, f.name) for f in dataclasses.fields(part)]
    sizes = [np.size(v) for v in values if isinstance(v, np.ndarray)]
    assert max(sizes) == 16  # X'WX of 4 columns; nothing with one entry per row


def test_source_interface_of_the_in_memory_sources():
    X, y = data(50)
    i = np.arange(50)
    for src, first in ((make_source(X, y, None, None, 7), i // 7 * 7),
                       (make_source([(X[:20], y[:20]), (X[20:], y[20:])], None, None, None, 7),
                        np.where(i < 20, i // 7 * 7, 20 + (i - 20) // 7 * 7))):
        assert isinstance(src, _Source) and src.p == 4 and src.names[3] == "x3"
        rows = src.map_rows(lambda b: np.full(len(b.y), b.row0))
        np.testing.assert_array_equal(rows, first)  # global first-row numbers, in row order
        assert src.map_reduce(lambda b: len(b.y), lambda a, b: a + b) == 50

"""mathkit.irls on Dask arrays: the same fit as in memory, on a real two-process cluster.

A ``dask.distributed.LocalCluster`` with two worker processes (``processes=True``: nothing
can travel through shared memory) runs the fits; every result is compared with the
in-memory fit of the same numbers. Bad input on a Dask array must raise the in-memory
error, naming the global row, whichever chunk holds it.
"""

import logging
import subprocess
import sys
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

from mathkit import irls  # noqa: E402
from mathkit.glm import SeparationWarning  # noqa: E402

CHUNK = 1_500  # rows per chunk; the last chunk of every data set below is shorter


@pytest.fixture(scope="module")
def client():
    """Two worker processes on 127.0.0.1, one thread each, small memory limits.

    ``dashboard_address=":0"``: the scheduler's HTTP server takes a free port (``None``
    still binds 8787, and warns when another cluster on the machine holds it).
    """
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=":0", memory_limit="600MiB", silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture
def threads():
    """Dask's threaded scheduler, even while the cluster's Client is the default one:
    for tests of input handling, which need no second process."""
    with dask.config.set(scheduler="threads"):
        yield


def logistic_data(n=7_000, p=4, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ rng.normal(0, scale, p)))).astype(float)
    return X, y


def poisson_data(n=6_100, seed=1):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 2)), rng.random(n) < 0.3])
    offset = np.log(rng.uniform(0.5, 2.0, n))
    weights = rng.integers(1, 4, n).astype(float)
    y = rng.poisson(np.exp(offset + X @ [0.3, 0.2, -0.4, 0.5])).astype(float)
    return X, y, weights, offset


def chunked(*arrays, rows=CHUNK):
    return [None if a is None else da.from_array(a, chunks=(rows,) + a.shape[1:])
            for a in arrays]


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def assert_same_fit(fit, ref):
    """The issue's bar: coefficients within 1e-12 relative; all the rest as in memory."""
    assert rel(fit.coef, ref.coef) < 1e-12
    assert rel(fit.se, ref.se) < 1e-10
    assert fit.nit == ref.nit and fit.converged == ref.converged
    assert fit.message == ref.message and fit.names == ref.names
    assert fit.df_resid == ref.df_resid and fit.df_null == ref.df_null
    for k in ("deviance", "null_deviance", "loglik", "aic"):
        assert abs(getattr(fit, k) - getattr(ref, k)) <= 1e-9 * abs(getattr(ref, k)), k
    np.testing.assert_allclose(np.asarray(fit.fitted), ref.fitted, rtol=1e-10, atol=0)


# ----------------------------------------------------------------------------- same fits
def test_binomial_on_the_cluster(client):
    X, y = logistic_data()
    fit = irls(*chunked(X, y))
    assert_same_fit(fit, irls(X, y))
    # The work ran on the two worker processes, not in this one.
    assert len(client.scheduler_info()["workers"]) == 2
    assert fit.converged and fit.nit >= 3


def test_binomial_proportions_with_weights_and_offset_on_the_cluster(client):
    rng = np.random.default_rng(2)
    X, _ = logistic_data(n=5_000, seed=2)
    trials = rng.integers(1, 6, len(X)).astype(float)
    offset = rng.normal(0, 0.3, len(X))
    y = rng.binomial(trials.astype(int), 1 / (1 + np.exp(-(X @ [0.2, -0.5, 0.3, 0.1] + offset))))
    y = y / trials
    dX, dy, dw, do = chunked(X, y, trials, offset, rows=1_200)
    fit = irls(dX, dy, weights=dw, offset=do)
    assert_same_fit(fit, irls(X, y, weights=trials, offset=offset))


def test_poisson_weights_offset_on_the_cluster(client):
    X, y, w, off = poisson_data()
    dX, dy, do = chunked(X, y, off)  # weights stay in memory: sent to the workers once
    assert_same_fit(irls(dX, dy, "poisson", weights=w, offset=do),
                    irls(X, y, "poisson", weights=w, offset=off))


def test_separation_is_reported_as_in_memory(threads):
    X, y = logistic_data(n=4_000, p=3, seed=3)
    y[X[:, 1] > 1.2] = 1.0  # every row beyond x1 = 1.2 is a success: quasi-separation
    y[X[:, 1] < -1.5] = 0.0
    X = np.column_stack([X, (X[:, 1] > 1.2).astype(float)])
    with pytest.warns(SeparationWarning) as ref_warned:
        ref = irls(X, y)
    with pytest.warns(SeparationWarning) as warned:
        fit = irls(*chunked(X, y, rows=1_100))
    assert not fit.converged and not ref.converged
    assert fit.message == ref.message
    assert str(warned[0].message) == str(ref_warned[0].message)


def test_columns_in_several_chunks_are_joined(threads):
    X, y = logistic_data(n=3_000, p=6, seed=4)
    dX = da.from_array(X, chunks=(1_000, 2))
    assert_same_fit(irls(dX, da.from_array(y, chunks=1_000)), irls(X, y))


def test_numpy_y_weights_offset_with_a_dask_x(threads):
    X, y, w, off = poisson_data(n=2_500, seed=5)
    (dX,) = chunked(X)
    assert_same_fit(irls(dX, y, "poisson", weights=w, offset=off),
                    irls(X, y, "poisson", weights=w, offset=off))


# ----------------------------------------------------------------------------- bad input
def same_error(X, y, rows=CHUNK, **kw):
    """The message of the in-memory error, which the Dask fit must raise word for word."""
    with pytest.raises(ValueError) as ref:
        irls(X, y, **kw)
    dkw = {k: da.from_array(v, chunks=rows) for k, v in kw.items()}
    with pytest.raises(ValueError) as got:
        irls(*chunked(X, y, rows=rows), **dkw)
    assert str(got.value) == str(ref.value)
    return str(got.value)


def test_nan_in_one_chunk_names_the_global_row(client):
    X, y = logistic_data(n=6_000)
    X[4_321, 2] = np.nan  # in the third chunk
    assert "row 4321, column 'x2'" in same_error(X, y)


def test_nan_in_y_names_the_global_row(client):
    X, y = logistic_data(n=6_000)
    y[3_001] = np.inf
    assert "row 3001" in same_error(X, y)


def test_non_binary_y_in_the_last_chunk_names_the_global_row(client):
    X, y = logistic_data(n=6_100)
    y[6_050] = 2.0  # the last chunk holds rows 6000-6099
    msg = same_error(X, y)
    assert "row 6050" in msg and "[0, 1]" in msg


def test_negative_weight_names_the_global_row(client):
    X, y = logistic_data(n=5_000)
    w = np.ones(len(y))
    w[2_999] = -1.0
    assert "row 2999" in same_error(X, y, weights=w)


def test_the_first_bad_row_wins_whichever_chunk_finishes_first(client):
    X, y = logistic_data(n=9_000)
    y[[1_600, 7_000]] = -1.0  # two chunks fail; the in-memory fit reports the earlier row
    assert "row 1600" in same_error(X, y)


def test_rank_deficiency_names_the_column(client):
    X, y = logistic_data(n=4_000)
    X = np.column_stack([X, X[:, 1] - 2 * X[:, 3]])
    assert "'x4'" in same_error(X, y)


def test_mismatched_chunks_are_refused_clearly():
    X, y = logistic_data(n=3_000)
    dX = da.from_array(X, chunks=(1_000, 4))
    with pytest.raises(ValueError, match=r"y is chunked .*1200.* X's rows .*1000.*rechunk"):
        irls(dX, da.from_array(y, chunks=1_200))
    with pytest.raises(ValueError, match=r"offset must have shape \(3000,\)"):
        irls(dX, da.from_array(y, chunks=1_000), offset=da.zeros(2_000, chunks=1_000))
    with pytest.raises(ValueError, match="unknown"):
        irls(dX[dX[:, 1] > 0], y)  # boolean indexing leaves the row counts unknown


# ----------------------------------------------------------------------------- no cluster
def test_threaded_scheduler_without_a_client(threads):
    X, y, w, off = poisson_data(n=3_000, seed=6)
    dX, dy, dw, do = chunked(X, y, w, off, rows=700)
    fit = irls(dX, dy, "poisson", weights=dw, offset=do)
    assert_same_fit(fit, irls(X, y, "poisson", weights=w, offset=off))


def test_one_dask_computation_per_pass(monkeypatch):
    """Each IRLS iteration is one Dask computation (plus the start pass, and the null
    model's fit when there is an offset), not one per chunk."""
    import dask.base

    X, y = logistic_data(n=4_000)
    calls = []
    original = dask.base.compute
    monkeypatch.setattr(dask.base, "compute", lambda *a, **k: calls.append(1) or original(*a, **k))
    monkeypatch.setattr(dask, "compute", dask.base.compute)
    with dask.config.set(scheduler="sync"):
        fit = irls(*chunked(X, y, rows=500))
    assert fit.nit + 1 <= len(calls) <= fit.nit + 2  # start pass; at most one extra X'WX pass


def test_mathkit_imports_dask_only_when_given_a_dask_object():
    code = ("import sys, numpy as np, mathkit\n"
            "X = np.column_stack([np.ones(8), np.arange(8.0)])\n"
            "mathkit.irls(X, [0, 0, 1, 0, 1, 0, 1, 1])\n"
            "print(sorted(m for m in sys.modules if m == 'dask' or m.startswith('dask.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_dask_dataframe_with_a_column_list(threads):
    pytest.importorskip("pyarrow")  # dask.dataframe needs it
    import dask.dataframe as dd
    import pandas as pd

    X, y = logistic_data(n=3_000)
    frame = pd.DataFrame(X[:, 1:], columns=["a", "b", "c"]).assign(one=1.0, y=y)
    ddf = dd.from_pandas(frame, npartitions=4)
    cols = ["one", "a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = irls(ddf[cols], ddf["y"])
    ref = irls(frame[cols], y)
    assert fit.names == tuple(cols)
    assert_same_fit(fit, ref)

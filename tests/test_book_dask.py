"""The Dask page and its performance section state what the code and the committed results say.

- ``08c_irls_on_dask.ipynb``: its map-and-reduce IRLS step, run here as the page defines it,
  gives mathkit's X'WX and mathkit's coefficients; every glued number is recomputed; the
  cell that starts a LocalCluster shuts it down; no stored output came from stderr.
- ``perf_dask.ipynb``: every glued number is recomputed from
  ``mathkit/data/benchmarks/irls_dask.json``, so a page left stale after a new benchmark
  run fails.
"""

import json

import numpy as np
import pytest
from support import ROOT, glued, notebook_function, sig

import mathkit as mk

PAGE, PERF = "08c_irls_on_dask.ipynb", "perf_dask.ipynb"
RUN = json.loads((ROOT / "mathkit" / "data" / "benchmarks" / "irls_dask.json").read_text())
RES = RUN["results"]


def notebook(name):
    return json.loads((ROOT / "book" / name).read_text())


def logistic(n=3_000, seed=3):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3))])
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ [0.3, -0.6, 0.2, 0.9]))).astype(float)
    return X, y


# ----------------------------------------------------------------------------- the page
def page_functions():
    da = pytest.importorskip("dask.array")
    import dask

    ns = {"np": np, "dask": dask, "da": da}
    for name in ("chunk_sums", "add", "tree_sum", "irls_step"):
        ns[name] = notebook_function(PAGE, name, ns)
    return ns


def test_chunk_sums_add_up_to_mathkits_normal_equations():
    ns = page_functions()
    X, y = logistic()
    beta = np.array([0.1, -0.2, 0.3, 0.4])
    parts = [ns["chunk_sums"](X[a:a + 700], y[a:a + 700], beta) for a in range(0, len(y), 700)]
    total = parts[0]
    for part in parts[1:]:
        total = ns["add"](total, part)
    mu = 1 / (1 + np.exp(-X @ beta))
    w = mu * (1 - mu)
    np.testing.assert_allclose(total["XtWX"], X.T @ (w[:, None] * X), rtol=1e-12)
    # The deviance of the page is mathkit's at the same coefficients.
    fit = mk.irls(X, y)
    at_fit = ns["chunk_sums"](X, y, fit.coef)
    assert abs(at_fit["D"] - fit.deviance) < 1e-9 * fit.deviance


def test_tree_sum_adds_every_chunk_once():
    ns = page_functions()
    import dask

    for k in (1, 2, 5, 8, 13):
        parts = [dask.delayed({"a": np.array([2.0**i])}) for i in range(k)]
        (total,) = dask.compute(ns["tree_sum"](parts)) if k > 1 else (parts[0].compute(),)
        assert total["a"][0] == 2.0**k - 1  # every power of two once: an exact sum


def test_page_step_converges_to_mathkit():
    ns = page_functions()
    da = ns["da"]
    X, y = logistic()
    dX, dy = da.from_array(X, chunks=(800, 4)), da.from_array(y, chunks=800)
    beta, dev = np.zeros(4), np.inf
    for _ in range(25):
        beta, new = ns["irls_step"](dX, dy, beta)
        if abs(new - dev) < 1e-10 * (abs(new) + 0.1):
            break
        dev = new
    fit = mk.irls(X, y)
    assert np.max(np.abs(beta - fit.coef) / np.abs(fit.coef)) < 1e-8


def test_page_glue_is_what_the_code_and_the_results_say():
    g = glued(PAGE)
    p, rows = RES["p"], RES["chunk_rows"]
    assert g["dask-bench-p"] == p
    assert g["dask-bench-chunk-rows"] == f"{rows:,}"
    assert g["dask-bench-ratio"] == f"{rows * p * 8 / ((p * p + p + 8) * 8):,.0f}"
    assert g["dask-big-gb"] == round(RES["X_bytes"] / 1e9, 1)
    assert g["dask-big-rows"] == f"{RES['n']:,}"
    assert g["dask-big-limits"] == sig(RES["goals"]["worker_limits_over_data"], 2)
    assert g["dask-demo-adds"] == g["dask-demo-chunks"] - 1
    from mathkit.glm import sources

    assert g["dask-block-mb"] == sources._BLOCK_BYTES // 2**20
    pytest.importorskip("dask")
    from mathkit.glm import dask as mkdask

    assert g["dask-split-every"] == mkdask.SPLIT_EVERY
    # The cost model's numbers follow from its formula.
    F = g["dask-model-gflops"] * 1e9
    large = g["dask-model-p-large"]
    assert g["dask-model-solve-large"] == round(large**3 / (3 * F), 1)
    assert g["dask-model-msg-large-mb"] == int(8 * (large**2 + large) / 1e6)
    # Below p = 8F/R reading a row costs more than its p^2 flops.
    assert g["dask-model-crossover"] == int(8 * F / (g["dask-model-read"] * 1e6))
    assert g["dask-model-p-small"] < g["dask-model-crossover"] < large
    assert g["dask-model-huge-gb"] == int(8 * int(g["dask-model-p-huge"].replace(",", "")) ** 2
                                          / 1e9)
    assert g["dask-model-ratio-small"] < 2 < g["dask-model-ratio-large"]


def test_the_cluster_cell_shuts_the_cluster_down_and_nothing_went_to_stderr():
    nb = notebook(PAGE)
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    starts = [c for c in code if "LocalCluster(" in c]
    assert starts, "the page fits on a LocalCluster"
    for c in starts:
        assert "with LocalCluster(" in c and "Client(cluster) as client" in c
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr", "".join(out.get("text", ""))[:200]


@pytest.mark.parametrize("name", [PAGE, PERF])
def test_visible_code_neither_glues_nor_reads_results(name):
    for cell in notebook(name)["cells"]:
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        src = "".join(cell["source"])
        if "remove-cell" not in tags and "remove-input" not in tags:
            assert "glue(" not in src and "benchmark_results" not in src, src[:200]


# ----------------------------------------------------------------------------- the results
def test_perf_glue_is_what_the_results_say():
    g = glued(PERF)
    m, goals = RES["methods"], RES["goals"]
    mk_, one = m["mathkit"], m["mathkit_1m"]
    assert g["pdask-n"] == f"{RES['n']:,}" and g["pdask-p"] == RES["p"]
    assert g["pdask-gb"] == round(RES["X_bytes"] / 1e9, 1)
    assert g["pdask-limits-over-data"] == sig(goals["worker_limits_over_data"], 2)
    assert g["pdask-fits-in-memory"] == ("cannot" if goals["worker_limits_over_data"] < 1
                                         else "could")
    assert g["pdask-mk-nit"] == mk_["nit"] and g["pdask-mk-passes"] == mk_["passes"]
    assert g["pdask-mk-s-per-iter"] == sig(mk_["seconds"] / mk_["nit"], 2)
    assert g["pdask-one-s-per-pass"] == sig(one["seconds"] / one["passes"], 2)
    assert g["pdask-read-s"] == sig(one["read_pass_seconds"], 2)
    assert g["pdask-pass-over-read"] == sig(one["seconds"] / one["passes"]
                                            / one["read_pass_seconds"], 2)
    assert ("reading the data" in g["pdask-pace"].split(" takes")[0]) == \
        (goals["pass_over_read_floor_1m"] < 2)
    assert g["pdask-throughput"] == sig(goals["throughput_vs_inmemory"], 2)
    assert g["pdask-throughput-verdict"] == ("within" if goals["throughput_vs_inmemory"] >= 0.5
                                             else "not within")
    extra = max(np.subtract(mk_["worker_peak_rss_bytes"], mk_["worker_rss_before_fit_bytes"]))
    assert g["pdask-extra-mib"] == round(extra / 2**20)
    assert g["pdask-extra-chunks"] == sig(extra / (RES["chunk_rows"] * RES["p"] * 8), 2)
    assert g["pdask-one-agrees"] == ("agree" if one["max_rel_coef_diff_vs_inmemory"] < 1e-12
                                     else "do not agree")
    for key, name in (("pdask-newton", "dask_glm_newton"), ("pdask-lbfgs", "dask_glm_lbfgs")):
        r = m.get(name)
        assert ("was not run" in g[key]) == (r is None)
        assert ("did not finish" in g[key]) == (r is not None and "failed" in r)


def test_results_are_internally_consistent():
    m, goals = RES["methods"], RES["goals"]
    ref, mk_ = m["inmemory"], m["mathkit"]
    runs = ref["runs"] + m.get("inmemory_after", {}).get("runs", [])
    rate = RES["inmemory_rows"] * ref["nit"] / float(np.median(runs))
    assert goals["throughput_vs_inmemory"] == pytest.approx(
        RES["n"] * mk_["nit"] / mk_["seconds"] / rate, rel=1e-12)
    assert goals["worker_limits_over_data"] == pytest.approx(
        2 * mk_["worker_memory_limit_bytes"] / RES["X_bytes"], rel=1e-12)
    # One computation per pass: the start pass, one per iteration, at most one extra.
    assert mk_["nit"] + 1 <= mk_["passes"] <= mk_["nit"] + 2
    assert m["mathkit_1m"]["max_rel_coef_diff_vs_inmemory"] < 1e-12
    assert m["mathkit_1m"]["nit"] == ref["nit"]

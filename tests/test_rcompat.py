"""mathkit.rcompat.RNG against real R (tests/reference/rng.R)."""

import numpy as np
import pytest
from support import reference

from mathkit.rcompat import RNG, qnorm

REF = reference("rng")
STREAMS = REF["streams"]
CASES = [(s["seed"], c) for s in STREAMS for c in s["cases"]]


def _ids(case):
    return f"seed{case[0]:g}-n{case[1]['n']}"


def _seed(value: float) -> int:
    return int(value)


def max_rel(a, b) -> float:
    """Largest |a - b| / |b|; where R's value is exactly 0, any difference is inf."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    diff = np.abs(a - b)
    rel = np.divide(diff, np.abs(b), out=np.where(diff > 0, np.inf, 0.0), where=b != 0)
    return float(np.max(rel))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_runif_is_bit_identical_to_r(case):
    seed, c = case
    got = RNG(_seed(seed)).runif(c["n"])
    idx = np.asarray(c["index"], dtype=int) - 1
    np.testing.assert_array_equal(got[idx], c["runif"])
    assert got.shape == (c["n"],)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_rnorm_matches_r(case):
    seed, c = case
    got = RNG(_seed(seed)).rnorm(c["n"])
    idx = np.asarray(c["index"], dtype=int) - 1
    assert max_rel(got[idx], c["rnorm"]) <= 1e-15


def test_rnorm_max_relative_error_over_all_fixtures():
    # Inversion uses only + - * / sqrt and libm's log, the same calls R makes,
    # so in practice the agreement is exact; the issue asks for 1e-15.
    worst = 0.0
    for seed, c in CASES:
        got = RNG(_seed(seed)).rnorm(c["n"])[np.asarray(c["index"], dtype=int) - 1]
        worst = max(worst, max_rel(got, c["rnorm"]))
    assert worst <= 1e-15, worst


def test_rnorm_central_branch_is_bit_identical():
    # |z| < 1.43 means 0.075 < p < 0.925: AS 241's central rational function,
    # pure + - * /, with no libm call, so R's and our bits must agree exactly
    # (a one-ulp slip in a coefficient shows here and nowhere else).
    for seed, c in CASES:
        want = np.asarray(c["rnorm"])
        got = RNG(_seed(seed)).rnorm(c["n"])[np.asarray(c["index"], dtype=int) - 1]
        central = np.abs(want) < 1.43
        np.testing.assert_array_equal(got[central], want[central])


@pytest.mark.parametrize("stream", STREAMS, ids=lambda s: f"seed{s['seed']:g}")
def test_interleaved_calls_share_one_stream(stream):
    m = stream["mixed"]
    rng = RNG(_seed(stream["seed"]))
    np.testing.assert_array_equal(rng.runif(3), m["runif_3"])
    assert max_rel(rng.rnorm(4), m["rnorm_4"]) <= 1e-15
    np.testing.assert_array_equal(rng.runif(700, min=-2, max=5)[-10:], m["runif_700_tail"])
    assert max_rel(rng.rnorm(5, mean=10, sd=0.25), m["rnorm_5"]) <= 1e-15
    np.testing.assert_array_equal(rng.rnorm(2, mean=3, sd=0), m["rnorm_sd0"])
    np.testing.assert_array_equal(rng.runif(2), m["runif_2"])


@pytest.mark.parametrize("i, seed", list(enumerate([0, -5, 2147483647])))
def test_state_after_set_seed_equals_dot_random_seed(i, seed):
    np.testing.assert_array_equal(RNG(seed).random_seed, REF["random_seed_after_set"][i])


def test_state_after_draws_equals_dot_random_seed():
    rng = RNG(42)
    rng.runif(3)
    rng.rnorm(4)
    rng.runif(700, -2, 5)
    np.testing.assert_array_equal(rng.random_seed, REF["random_seed_42_after_mixed"])


def test_qnorm_all_branches_match_r():
    got = qnorm(REF["qnorm_p"])
    assert max_rel(got, REF["qnorm"]) <= 1e-15


def test_qnorm_endpoints_are_infinite():
    assert qnorm([0.0, 1.0]).tolist() == [-np.inf, np.inf]


def test_integral_float_seed_is_r_integer():
    np.testing.assert_array_equal(RNG(2.0**31 - 1).runif(5), RNG(2147483647).runif(5))


def test_generation_is_independent_of_call_sizes():
    whole = RNG(3).runif(1500)
    rng = RNG(3)
    parts = np.concatenate([rng.runif(k) for k in (1, 623, 1, 624, 0, 251)])
    np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize("seed", [7.5, "7", None, True, np.nan, 2**31, -2**31])
def test_bad_seed_raises(seed):
    with pytest.raises(ValueError, match="seed"):
        RNG(seed)


@pytest.mark.parametrize("n", [-1, 2.5, "3", True])
def test_bad_n_raises(n):
    rng = RNG(1)
    with pytest.raises(ValueError, match="non-negative integer"):
        rng.runif(n)
    with pytest.raises(ValueError, match="non-negative integer"):
        rng.rnorm(n)


@pytest.mark.parametrize("kwargs, word", [
    ({"min": 1.0, "max": 0.0}, "min <= max"),
    ({"min": 0.0, "max": np.inf}, "max must be finite"),
])
def test_bad_runif_bounds_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        RNG(1).runif(3, **kwargs)


@pytest.mark.parametrize("kwargs, word", [
    ({"sd": -1.0}, "sd must be >= 0"),
    ({"mean": np.nan}, "mean must be finite"),
])
def test_bad_rnorm_parameters_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        RNG(1).rnorm(3, **kwargs)


def test_qnorm_rejects_probabilities_outside_unit_interval():
    with pytest.raises(ValueError, match="index 1"):
        qnorm([0.5, 1.5])

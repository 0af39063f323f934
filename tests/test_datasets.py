"""mathkit.datasets against R (tests/reference/datasets.R and rng.R)."""

import numpy as np
from support import reference

from mathkit import RNG, load_mtcars, seed7_regression

MTCARS = reference("datasets")["mtcars"]


def test_mtcars_shape_names_and_order_are_rs():
    cars = load_mtcars()
    assert cars.shape == (32, 11)
    assert cars.index.tolist() == MTCARS["rownames"]
    assert cars.columns.tolist() == MTCARS["colnames"]


def test_mtcars_every_value_equals_r():
    np.testing.assert_array_equal(load_mtcars().to_numpy(), np.array(MTCARS["values"]))


def test_mtcars_columns_are_doubles_like_r():
    assert set(MTCARS["storage"]) == {"double"}
    assert all(dtype == np.float64 for dtype in load_mtcars().dtypes)


def test_mtcars_known_values():
    # From R's ?mtcars table, first row and last row.
    cars = load_mtcars()
    assert cars.loc["Mazda RX4", "mpg"] == 21.0
    assert cars.loc["Mazda RX4", "hp"] == 110.0
    assert cars.loc["Volvo 142E", "wt"] == 2.78
    assert cars.index[0] == "Mazda RX4" and cars.index[-1] == "Volvo 142E"


def test_mtcars_returns_a_fresh_copy():
    cars = load_mtcars()
    cars.loc["Mazda RX4", "mpg"] = -1.0
    assert load_mtcars().loc["Mazda RX4", "mpg"] == 21.0


def test_seed7_regression_equals_r_bit_for_bit():
    ref = reference("rng")["seed7"]
    x, y = seed7_regression()
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.shape == y.shape == (20,)
    np.testing.assert_array_equal(x, ref["x_obs"])
    np.testing.assert_array_equal(y, ref["y_obs"])


def test_seed7_noise_is_the_rnorm_stream():
    # y minus the line is rnorm(20, sd = 0.5) after set.seed(7), up to the
    # rounding of the additions.
    x, y = seed7_regression()
    noise = RNG(7).rnorm(20, sd=0.5)
    np.testing.assert_allclose(y - (2 + 0.5 * x), noise, rtol=0, atol=4e-15)

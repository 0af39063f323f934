"""The book's data: R's ``mtcars``, the article's seed-7 regression sample, and the
reference values and benchmark results the book shows.

All are the numbers R (or the benchmark) has, not look-alikes: ``mtcars`` is R's own
table written by ``write.csv`` and shipped as package data, the regression sample is
drawn with :class:`mathkit.rcompat.RNG`, which reproduces R's ``set.seed``/``rnorm``,
and :func:`r_reference` reads the JSON that the R scripts in ``tests/reference/``
wrote. Everything is read through ``importlib.resources``, so a notebook of the
book runs in any directory where mathkit is installed.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd

from .rcompat import RNG

__all__ = ["benchmark_results", "load_mtcars", "load_r_dataset", "r_reference", "seed7_regression"]


def load_mtcars() -> pd.DataFrame:
    """R's ``mtcars``: 32 cars (1973-74 models) by 11 variables.

    Returns
    -------
    pandas.DataFrame
        Indexed by car model (the index is named ``model``; in R these are the
        row names), with R's columns in R's order: ``mpg cyl disp hp drat wt qsec
        vs am gear carb``. Every column is float64, as every column in R is a
        double ("numeric"), so arithmetic gives R's results.

    Examples
    --------
    >>> cars = load_mtcars()
    >>> cars.shape
    (32, 11)
    >>> print(cars.loc["Mazda RX4", ["mpg", "cyl", "wt"]].tolist())
    [21.0, 6.0, 2.62]
    >>> print(round(float(cars["mpg"].mean()), 6))
    20.090625
    """
    with resources.files("mathkit").joinpath("data/mtcars.csv").open("r") as fh:
        cars = pd.read_csv(fh, index_col=0)
    return cars.astype("float64")


def seed7_regression() -> tuple[np.ndarray, np.ndarray]:
    """The article's 20-point regression sample, identical to R's.

    In R::

        set.seed(7)
        x_obs <- 1:20
        y_obs <- 2 + 0.5 * x_obs + rnorm(20, sd = 0.5)

    Returns
    -------
    x_obs, y_obs : numpy.ndarray
        Two float64 arrays of shape (20,): x is 1, ..., 20; y follows the line
        2 + x/2 plus normal noise with standard deviation 0.5.

    Examples
    --------
    >>> x, y = seed7_regression()
    >>> print(x[:3].tolist(), np.round(y[:3], 6).tolist())
    [1.0, 2.0, 3.0] [3.643624, 2.401614, 3.152854]
    """
    x_obs = np.arange(1.0, 21.0)
    # Same operations in the same order as R's expression, so the bits agree.
    y_obs = 2 + 0.5 * x_obs + RNG(7).rnorm(20, sd=0.5)
    return x_obs, y_obs


def _package_json(folder: str, name: str) -> dict:
    path = resources.files("mathkit").joinpath(f"data/{folder}/{name}.json")
    if not path.is_file():
        known = sorted(p.name.removesuffix(".json")
                       for p in resources.files("mathkit").joinpath(f"data/{folder}").iterdir()
                       if p.name.endswith(".json"))
        raise ValueError(f"no {folder} file named {name!r}; known: {', '.join(known)}")
    return json.loads(path.read_text(encoding="utf-8"))


def r_reference(name: str) -> dict:
    """Reference values computed in real R, as ``tests/reference/<name>.R`` wrote them.

    Numbers carry all 17 significant digits; R's ``Inf`` is the string
    ``"Infinity"`` and ``NA`` is ``None``. ``_r_version`` names the R that wrote it.

    Parameters
    ----------
    name : str
        The script's name: ``"numderiv"``, ``"newton"``, ``"glm"``, ...

    Returns
    -------
    dict
        The parsed JSON.

    Examples
    --------
    >>> ref = r_reference("numderiv")
    >>> print(ref["numderiv_version"])
    2016.8.1.1
    """
    return _package_json("reference", name)


def benchmark_results(name: str) -> dict:
    """The committed results of ``benchmarks/bench_<name>.py``, which the performance
    appendix draws.

    Parameters
    ----------
    name : str
        ``"derivatives"``, ``"newton"``, ``"irls"``, ...

    Returns
    -------
    dict
        The parsed JSON, with a ``machine`` entry describing where it was measured.

    Examples
    --------
    >>> sorted(benchmark_results("irls"))
    ['machine', 'results']
    """
    return _package_json("benchmarks", name)


# R's factor levels of the shipped data sets (a CSV keeps the labels, not their order).
# Each data set's factors: column -> R's levels in R's order; ordered factors (which R's
# model.matrix codes by polynomial contrasts, not dummies) are listed in _R_ORDERED.
_R_LEVELS = {
    "housing": {"Sat": ["Low", "Medium", "High"], "Infl": ["Low", "Medium", "High"],
                "Type": ["Tower", "Apartment", "Atrium", "Terrace"], "Cont": ["Low", "High"]},
    "veteran": {"celltype": ["squamous", "smallcell", "adeno", "large"]},
    "lung": {},
    "ovarian": {},
    "ships": {"type": ["A", "B", "C", "D", "E"]},
    "warpbreaks": {"wool": ["A", "B"], "tension": ["L", "M", "H"]},
    "Insurance": {"District": ["1", "2", "3", "4"], "Group": ["<1l", "1-1.5l", "1.5-2l", ">2l"],
                  "Age": ["<25", "25-29", "30-35", ">35"]},
}
_R_ORDERED = {("Insurance", "Group"), ("Insurance", "Age")}


def load_r_dataset(name: str) -> pd.DataFrame:
    """One of R's data sets that the book fits, as R has it.

    ``"lung"``, ``"ovarian"`` and ``"veteran"`` are from the survival package,
    ``"housing"``, ``"ships"`` and ``"Insurance"`` from MASS, ``"warpbreaks"`` from R's
    datasets; each was written by R's ``write.csv``. Column names are R's; ``NA`` is NaN;
    numbers are float64; factors are pandas Categoricals with R's levels in R's order (the
    first level is the baseline of a model). survival's ``lung`` codes ``status`` 1 =
    censored, 2 = dead, as in R. Insurance's ``Group`` and ``Age`` are *ordered* factors,
    which R's ``model.matrix`` codes by polynomial contrasts (``contr.poly``), not dummies;
    a Poisson model of its claim rate uses ``log(Holders)`` as the offset.

    Parameters
    ----------
    name : str
        ``"housing"``, ``"Insurance"``, ``"lung"``, ``"ovarian"``, ``"ships"``,
        ``"veteran"`` or ``"warpbreaks"``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> lung = load_r_dataset("lung")
    >>> lung.shape, int(lung["ph.ecog"].isna().sum())
    ((228, 10), 1)
    >>> load_r_dataset("housing")["Sat"].cat.categories.tolist()
    ['Low', 'Medium', 'High']
    >>> ins = load_r_dataset("Insurance")
    >>> ins.shape, float(ins["Claims"].sum()), ins["Age"].cat.ordered
    ((64, 5), 3151.0, True)
    """
    if name not in _R_LEVELS:
        raise ValueError(f"no R data set named {name!r}; known: {', '.join(sorted(_R_LEVELS))}")
    with resources.files("mathkit").joinpath(f"data/{name}.csv").open("r") as fh:
        df = pd.read_csv(fh, dtype={col: str for col in _R_LEVELS[name]})
    for col in df.columns:
        if col in _R_LEVELS[name]:
            df[col] = pd.Categorical(df[col], categories=_R_LEVELS[name][col],
                                     ordered=(name, col) in _R_ORDERED)
        else:
            df[col] = df[col].astype("float64")
    return df

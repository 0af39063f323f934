"""R's default random numbers, bit for bit, so the book's data equal R's.

R (3.6 and later) draws uniforms with the Mersenne-Twister, seeded the way
``set.seed`` scrambles an integer through a linear congruential generator, and
draws normals by *inversion*: two uniforms make one 59-bit probability that goes
through ``qnorm``, Wichura's algorithm AS 241. This module follows R's C sources
(``src/main/RNG.c``, ``src/nmath/snorm.c``, ``qnorm.c``, ``runif.c``, ``rnorm.c``)
operation by operation, so ``runif`` is bit-identical to R, and ``rnorm`` is too
wherever the C library's ``log`` agrees (Python's ``math.log`` is that function).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["RNG", "qnorm"]

_N, _M = 624, 397
_MATRIX_A = np.uint32(0x9908B0DF)
_UPPER, _LOWER = np.uint32(0x80000000), np.uint32(0x7FFFFFFF)
_TO_UNIT = 2.3283064365386963e-10  # 2^-32: MT_genrand's reals in [0, 1)
_I2_32M1 = 2.328306437080797e-10  # 1/(2^32 - 1): R's fixup keeps u off 0 and 1
_BIG = 134217728  # 2^27: inversion glues two uniforms into one finer probability
# .Random.seed[1]: Mersenne-Twister (3) + 100 * Inversion (3) + 10000 * Rejection (1)
_KINDS = 10403


def _twist(mt: np.ndarray) -> None:
    """Regenerate the 624 state words in place, as MT_genrand does when mti hits N.

    Word k reads word k+1 (still old) and word k+397 mod 624; past k = 227 that
    word is already new, so the serial loop splits into blocks whose inputs are
    all ready: [0, 227) reads old words, [227, 454) and [454, 623) read words the
    block before wrote, and word 623 wraps around to the new word 0.
    """
    for lo, hi in ((0, _N - _M), (_N - _M, 2 * (_N - _M)), (2 * (_N - _M), _N - 1)):
        y = (mt[lo:hi] & _UPPER) | (mt[lo + 1:hi + 1] & _LOWER)
        src = mt[lo + _M:hi + _M] if lo == 0 else mt[lo + _M - _N:hi + _M - _N]
        mt[lo:hi] = src ^ (y >> 1) ^ ((y & 1) * _MATRIX_A)
    y = (mt[_N - 1] & _UPPER) | (mt[0] & _LOWER)
    mt[_N - 1] = mt[_M - 1] ^ (y >> 1) ^ ((y & 1) * _MATRIX_A)


def _temper(y: np.ndarray) -> np.ndarray:
    y = y ^ (y >> 11)
    y = y ^ ((y << 7) & np.uint32(0x9D2C5680))
    y = y ^ ((y << 15) & np.uint32(0xEFC60000))
    return y ^ (y >> 18)


_C = (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853,
      45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
      133.14166789178437745, 3.387132872796366608)
_D = (5226.495278852854561, 28729.085735721942674, 39307.89580009271061,
      21213.794301586595867, 5394.1960214247511077, 687.1870074920579083,
      42.313330701600911252, 1.0)
_E = (7.7454501427834140764e-4, .0227238449892691845833, .24178072517745061177,
      1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
      4.6303378461565452959, 1.42343711074968357734)
_F = (1.05075007164441684324e-9, 5.475938084995344946e-4, .0151986665636164571966,
      .14810397642748007459, .68976733498510000455, 1.6763848301838038494,
      2.05319162663775882187, 1.0)
_G = (2.01033439929228813265e-7, 2.71155556874348757815e-5, .0012426609473880784386,
      .026532189526576123093, .29656057182850489123, 1.7848265399172913358,
      5.4637849111641143699, 6.6579046435011037772)
_H = (2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5,
      7.868691311456132591e-4, .0148753612908506148525, .13692988092273580531,
      .59983220655588793769, 1.0)


def _horner(coef: tuple[float, ...], r: np.ndarray) -> np.ndarray:
    # R writes ((r*c0 + c1)*r + c2)...: the same operations in the same order.
    acc = r * coef[0] + coef[1]
    for c in coef[2:]:
        acc = acc * r + c
    return acc


def qnorm(p: ArrayLike) -> np.ndarray:
    """Standard normal quantiles by Wichura's AS 241, exactly as R's ``qnorm``.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``qnorm(p)`` of R (lower tail, not log), with -inf and inf at 0 and 1.

    Examples
    --------
    >>> print(np.round(qnorm([0.025, 0.5, 0.975]), 6).tolist())
    [-1.959964, 0.0, 1.959964]
    """
    p = np.asarray(p, dtype=float)
    if np.any(~(p >= 0) | (p > 1)):
        bad = np.flatnonzero(~(p.ravel() >= 0) | (p.ravel() > 1))[0]
        raise ValueError(f"qnorm: probability at index {bad} is {p.ravel()[bad]!r}, "
                         "not in [0, 1]")
    q = p - 0.5
    central = np.abs(q) <= 0.425
    out = np.empty_like(p)
    qc = q[central]
    r = 0.180625 - qc * qc
    out[central] = qc * _horner(_C, r) / _horner(_D, r)
    # Tails: r = sqrt(-log(min(p, 1 - p))); libm's log, as R calls it.
    qt, pt = q[~central], p[~central]
    small = np.where(qt > 0, 0.5 - pt + 0.5, pt)
    lg = np.array([math.log(v) if v > 0 else -math.inf for v in small.tolist()])
    r = np.sqrt(-lg)
    near, far = r <= 5.0, (r > 5.0) & (r < np.inf)
    val = np.full_like(r, np.inf)  # p = 0 or 1
    val[near] = _horner(_E, r[near] - 1.6) / _horner(_F, r[near] - 1.6)
    val[far] = _horner(_G, r[far] - 5.0) / _horner(_H, r[far] - 5.0)
    out[~central] = np.where(qt < 0, -val, val)
    return out


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    return int(n)


def _finite(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


class RNG:
    """One stream of R's default random numbers, started like ``set.seed(seed)``.

    Parameters
    ----------
    seed : int
        An R integer: -2147483647 <= seed <= 2147483647 (an integral float such
        as ``2.0**31 - 1`` is accepted, as R does; 7.5 is not).

    Examples
    --------
    In R, ``set.seed(42); runif(3)`` prints 0.914806 0.9370754 0.2861395:

    >>> rng = RNG(42)
    >>> print(np.round(rng.runif(3), 7).tolist())
    [0.914806, 0.9370754, 0.2861395]

    and ``set.seed(7); rnorm(3)`` prints 2.2872472 -1.1967717 -0.6942925:

    >>> print(np.round(RNG(7).rnorm(3), 7).tolist())
    [2.2872472, -1.1967717, -0.6942925]
    """

    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Real) \
                or not float(seed).is_integer():
            raise ValueError(f"seed must be an integer, got {seed!r}")
        seed = int(seed)
        if not -2**31 < seed < 2**31:  # -2^31 is R's NA_integer_
            raise ValueError(f"seed must lie in [-2147483647, 2147483647], got {seed}")
        s = seed & 0xFFFFFFFF  # set.seed passes the int on as an unsigned Int32
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        words = []
        for _ in range(_N + 1):
            s = (69069 * s + 1) & 0xFFFFFFFF
            words.append(s)
        # The first word is the position mti; FixupSeeds overwrites it with N,
        # so the first draw regenerates the whole state.
        self._mt = np.array(words[1:], dtype=np.uint32)
        self._mti = _N

    @property
    def random_seed(self) -> np.ndarray:
        """The state as R's ``.Random.seed``: 626 int32, kinds code first."""
        head = np.array([_KINDS, self._mti], dtype=np.int32)
        return np.concatenate([head, self._mt.view(np.int32)])

    def unif_rand(self, n: int) -> np.ndarray:
        """The next ``n`` raw uniforms of R's ``unif_rand()``, in (0, 1).

        Examples
        --------
        ``runif(3)`` in R after ``set.seed(42)`` draws the same three numbers:

        >>> print(np.round(RNG(42).unif_rand(3), 7).tolist())
        [0.914806, 0.9370754, 0.2861395]
        """
        n = _count(n)
        chunks, need = [], n
        while need > 0:
            if self._mti >= _N:
                _twist(self._mt)
                self._mti = 0
            take = min(need, _N - self._mti)
            chunks.append(self._mt[self._mti:self._mti + take].copy())
            self._mti += take
            need -= take
        y = _temper(np.concatenate(chunks)) if chunks else np.empty(0, np.uint32)
        u = y * _TO_UNIT
        u[u <= 0.0] = 0.5 * _I2_32M1
        u[1.0 - u <= 0.0] = 1.0 - 0.5 * _I2_32M1
        return u

    def runif(self, n: int, min: float = 0.0, max: float = 1.0) -> np.ndarray:
        """``runif(n, min, max)`` of R: ``n`` uniforms on (min, max).

        As in R, ``min == max`` returns ``min`` without drawing.

        Examples
        --------
        >>> print(np.round(RNG(1).runif(2, -1, 1), 6).tolist())
        [-0.468983, -0.255752]
        """
        n = _count(n)
        lo, hi = _finite("min", min), _finite("max", max)
        if hi < lo:
            raise ValueError(f"runif needs min <= max, got min={min!r}, max={max!r}")
        if lo == hi:
            return np.full(n, lo)
        return lo + (hi - lo) * self.unif_rand(n)

    def norm_rand(self, n: int) -> np.ndarray:
        """The next ``n`` standard normals of R's ``norm_rand()`` (Inversion).

        Examples
        --------
        Two uniforms per normal; R's ``set.seed(7); rnorm(3)``:

        >>> print(np.round(RNG(7).norm_rand(3), 7).tolist())
        [2.2872472, -1.1967717, -0.6942925]
        """
        u = self.unif_rand(2 * _count(n))
        # (int)(BIG * u1) + u2: 27 bits from the first draw, the rest from the second.
        p = (np.floor(_BIG * u[0::2]) + u[1::2]) / _BIG
        return qnorm(p)

    def rnorm(self, n: int, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
        """``rnorm(n, mean, sd)`` of R.

        As in R, ``sd == 0`` returns ``mean`` without drawing.

        Examples
        --------
        >>> print(np.round(RNG(1).rnorm(2, mean=10, sd=2), 6).tolist())
        [8.747092, 10.367287]
        """
        n = _count(n)
        mu, sigma = _finite("mean", mean), _finite("sd", sd)
        if sigma < 0:
            raise ValueError(f"sd must be >= 0, got {sd!r}")
        if sigma == 0:
            return np.full(n, mu)
        return mu + sigma * self.norm_rand(n)

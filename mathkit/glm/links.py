"""Link functions, written as R's ``make.link`` and ``binomial()`` write them.

Each link maps a mean to the linear predictor (``link``) and back
(``inverse``, which also returns d mu / d eta), with R's clamps: R keeps
fitted probabilities and rates a few eps away from 0 and 1 and floors d mu /
d eta at eps, so that a fit which runs to the boundary behaves as in R. Each
also gives the second derivative d^2 mu / d eta^2 (``mu_eta2``), which the
observed information of a non-canonical link needs, and counts the rows
where eta is outside the link's domain (R's ``valideta``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

_EPS = float(np.finfo(np.float64).eps)
_THRESH = 30.0  # R's logit link saturates beyond |eta| = 30 (src/library/stats/src/family.c)
_INV_SQRT_2PI = 0.398942280401432677939946059934  # R's M_1_SQRT_2PI


def _dnorm(x: np.ndarray) -> np.ndarray:
    """R's dnorm: beyond |x| = 5 it splits x to keep exp(-x^2/2) accurate."""
    x = np.abs(x)
    out = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    far = x >= 5
    if far.any():
        xf = x[far]
        x1 = np.ldexp(np.rint(np.ldexp(xf, 16)), -16)
        x2 = xf - x1
        out[far] = _INV_SQRT_2PI * (np.exp(-0.5 * x1 * x1) * np.exp((-0.5 * x2 - x1) * x2))
    return out


def _pcauchy(x: np.ndarray) -> np.ndarray:
    """R's pcauchy, with atan(1/x) in the tails where 0.5 + atan(x)/pi cancels."""
    out = 0.5 + np.arctan(x) / np.pi
    tail = np.abs(x) > 1
    if tail.any():
        xt = x[tail]
        y = np.arctan(1 / xt) / np.pi
        out[tail] = np.where(xt > 0, 0.5 - y + 0.5, -y)
    return out


def _qcauchy(p: np.ndarray) -> np.ndarray:
    """R's qcauchy for 0 < p < 1: -1 / tanpi(p), folded at 1/2."""
    upper = p > 0.5
    q = np.where(upper, 1 - p, p)
    t = np.tan(np.pi * q)
    out = np.where(q == 0.5, 0.0, -1 / np.where(q == 0.5, 1.0, t))
    return np.where(upper, -out, out)


_PROBIT_THRESH = -float(ndtri(_EPS))  # R: -qnorm(.Machine$double.eps)
_CAUCHIT_THRESH = -float(_qcauchy(np.array([_EPS]))[0])  # R: -qcauchy(.Machine$double.eps)


class Logit:
    name = "logit"

    def link(self, mu):
        return np.log(mu / (1 - mu))

    def inverse(self, eta):
        """mu and d mu / d eta; beyond |eta| = 30 R freezes them at eps-sized values."""
        inside = -_THRESH <= eta.min() and eta.max() <= _THRESH
        t = np.exp(eta if inside else np.clip(eta, -_THRESH, _THRESH))
        d = 1 + t
        mu, mu_eta = t / d, t / (d * d)
        if not inside:
            out = np.abs(eta) > _THRESH
            t = np.where(eta[out] > 0, 1 / _EPS, _EPS)
            mu[out], mu_eta[out] = t / (1 + t), _EPS
        return mu, mu_eta

    def mu_eta2(self, eta, mu, mu_eta):
        return mu_eta * (1 - 2 * mu)

    def invalid_eta(self, eta) -> int:
        return 0


class Probit:
    name = "probit"

    def link(self, mu):
        return ndtri(mu)

    def inverse(self, eta):
        e = np.clip(eta, -_PROBIT_THRESH, _PROBIT_THRESH)
        return ndtr(e), np.maximum(_dnorm(eta), _EPS)

    def mu_eta2(self, eta, mu, mu_eta):
        return -eta * _dnorm(eta)

    def invalid_eta(self, eta) -> int:
        return 0


class Cloglog:
    name = "cloglog"

    def link(self, mu):
        return np.log(-np.log(1 - mu))

    def inverse(self, eta):
        mu = np.maximum(np.minimum(-np.expm1(-np.exp(eta)), 1 - _EPS), _EPS)
        e = np.minimum(eta, 700)
        return mu, np.maximum(np.exp(e) * np.exp(-np.exp(e)), _EPS)

    def mu_eta2(self, eta, mu, mu_eta):
        e = np.minimum(eta, 700)
        return np.exp(e) * np.exp(-np.exp(e)) * (1 - np.exp(e))

    def invalid_eta(self, eta) -> int:
        return 0


class Cauchit:
    name = "cauchit"

    def link(self, mu):
        return _qcauchy(mu)

    def inverse(self, eta):
        e = np.clip(eta, -_CAUCHIT_THRESH, _CAUCHIT_THRESH)
        return _pcauchy(e), np.maximum(1 / (np.pi * (1 + eta * eta)), _EPS)

    def mu_eta2(self, eta, mu, mu_eta):
        return -2 * eta / (np.pi * (1 + eta * eta) ** 2)

    def invalid_eta(self, eta) -> int:
        return 0


class Log:
    name = "log"

    def link(self, mu):
        return np.log(mu)

    def inverse(self, eta):
        mu = np.maximum(np.exp(eta), _EPS)
        return mu, mu

    def mu_eta2(self, eta, mu, mu_eta):
        return mu

    def invalid_eta(self, eta) -> int:
        return 0


class Identity:
    name = "identity"

    def link(self, mu):
        return mu

    def inverse(self, eta):
        return eta, np.ones_like(eta)

    def mu_eta2(self, eta, mu, mu_eta):
        return np.zeros_like(eta)

    def invalid_eta(self, eta) -> int:
        return 0


class Sqrt:
    name = "sqrt"

    def link(self, mu):
        return np.sqrt(mu)

    def inverse(self, eta):
        return eta * eta, 2 * eta

    def mu_eta2(self, eta, mu, mu_eta):
        return np.full_like(eta, 2.0)

    def invalid_eta(self, eta) -> int:
        """R's sqrt link: eta must be finite and positive."""
        return int(np.count_nonzero(~(np.isfinite(eta) & (eta > 0))))


LINKS = {c.name: c for c in (Logit, Probit, Cloglog, Cauchit, Log, Identity, Sqrt)}

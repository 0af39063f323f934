"""The binomial (logit) and Poisson (log) families, with R's clamps and checks.

Each family supplies what one IRLS pass needs per block of rows: start values,
the inverse link and its derivative, the working weight, the deviance and the
log-likelihood terms, and the checks and diagnostics of y.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, xlogy

_EPS = float(np.finfo(np.float64).eps)
_THRESH = 30.0  # R's logit link saturates beyond |eta| = 30 (src/library/stats/src/family.c)


class _Binomial:
    """Logit link with R's clamps, so that separated data behave as in R."""

    name = "binomial"

    def start(self, y, wt):
        return (wt * y + 0.5) / (wt + 1)

    def link(self, mu):
        return np.log(mu / (1 - mu))

    def inverse(self, eta):
        """mu and d mu / d eta; beyond |eta| = 30 R freezes them at eps-sized values."""
        inside = -_THRESH <= eta.min() and eta.max() <= _THRESH
        t = np.exp(eta if inside else np.clip(eta, -_THRESH, _THRESH))
        d = 1 + t
        mu = t / d
        mu_eta = mu / d
        if not inside:
            out = np.abs(eta) > _THRESH
            t = np.where(eta[out] > 0, 1 / _EPS, _EPS)
            mu[out], mu_eta[out] = t / (1 + t), _EPS
        return mu, mu_eta

    def weight(self, mu, mu_eta):
        """mu_eta**2 / V(mu), which for the logit link is mu_eta itself."""
        return mu_eta

    def deviance(self, y, mu, wt) -> float:
        return 2 * float(np.sum(wt * (xlogy(y, y / mu) + xlogy(1 - y, (1 - y) / (1 - mu)))))

    def terms(self, y, mu, wt, binary: bool) -> tuple[float, float]:
        """Deviance and the mu-dependent part of R's log-likelihood (dbinom, rounded counts)."""
        if binary:  # one log per row: both reduce to the log-probability of what happened
            lq = np.log(np.where(y > 0.5, mu, 1 - mu))
            if np.ndim(wt) == 0:  # no prior weights
                return -2 * float(lq.sum()), float(lq.sum())
            return -2 * float(np.sum(wt * lq)), float(np.sum(np.round(wt) * lq))
        k, m = np.round(wt * y), np.round(wt)
        return self.deviance(y, mu, wt), float(np.sum(xlogy(k, mu) + xlogy(m - k, 1 - mu)))

    def loglik_const(self, y, wt) -> float:
        k, m = np.round(wt * y), np.round(wt)
        return float(np.sum(gammaln(m + 1) - gammaln(k + 1) - gammaln(m - k + 1)))

    def check(self, y, wt, row0: int) -> tuple[int, str] | None:
        bad = np.flatnonzero((y < 0) | (y > 1))
        if bad.size:
            i = bad[0]
            raise ValueError(f"binomial y must lie in [0, 1] (a proportion of successes): "
                             f"row {row0 + i} has y = {y[i]!r}", row0 + i)
        m = wt * y
        if np.any(np.abs(m - np.round(m)) > 1e-3):
            return row0, "non-integer number of successes (weights * y) in a binomial fit"
        return None

    def prepare(self, y, wb):
        return y

    def invalid(self, eta, mu) -> int:
        return 0

    def boundary(self, eta, mu) -> int:
        """Rows with mu within 10 eps of 0 or 1 (R's warning): exactly those beyond the clamps."""
        if -_THRESH <= eta.min() and eta.max() <= _THRESH:
            return 0
        return int(np.count_nonzero((mu < 10 * _EPS) | (mu > 1 - 10 * _EPS)))

    def diverging(self, y, eta, deta, wt) -> int:
        """Rows fitted almost perfectly whose linear predictor still runs away.

        Newton on an exponential tail moves eta by about 1 per step, for ever;
        at a true optimum the last step moves no row by anything near 0.5.
        """
        up = (eta > 3) & (deta > 0.5) & (y == 1)
        down = (eta < -3) & (deta < -0.5) & (y == 0)
        return int(np.count_nonzero((up | down) & (wt > 0)))


class _Poisson:
    """Log link, mu floored at eps as in R's poisson()."""

    name = "poisson"

    def start(self, y, wt):
        return y + 0.1

    def link(self, mu):
        return np.log(mu)

    def inverse(self, eta):
        mu = np.maximum(np.exp(eta), _EPS)
        return mu, mu

    def weight(self, mu, mu_eta):
        return mu_eta**2 / mu

    def deviance(self, y, mu, wt) -> float:
        return 2 * float(np.sum(wt * (xlogy(y, y / mu) - (y - mu))))

    def terms(self, y, mu, wt, binary: bool) -> tuple[float, float]:
        return self.deviance(y, mu, wt), float(np.sum(wt * (xlogy(y, mu) - mu)))

    def loglik_const(self, y, wt) -> float:
        return -float(np.sum(wt * gammaln(y + 1)))

    def check(self, y, wt, row0: int) -> tuple[int, str] | None:
        bad = np.flatnonzero(y < 0)
        if bad.size:
            i = bad[0]
            raise ValueError(f"Poisson y must be a count >= 0: row {row0 + i} has y = {y[i]!r}",
                             row0 + i)
        if np.any(y != np.floor(y)):
            return row0, "non-integer counts in a Poisson fit: log-likelihood and AIC are undefined"
        return None

    def prepare(self, y, wb):
        return y

    def invalid(self, eta, mu) -> int:
        return 0

    def boundary(self, eta, mu) -> int:
        return int(np.count_nonzero(mu < 10 * _EPS)) if mu.min() < 10 * _EPS else 0

    def diverging(self, y, eta, deta, wt) -> int:
        return int(np.count_nonzero((eta < -3) & (deta < -0.5) & (y == 0) & (wt > 0)))


_FAMILIES = {"binomial": _Binomial(), "poisson": _Poisson()}

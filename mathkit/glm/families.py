"""The binomial and Poisson families, with R's links, clamps and checks.

Each family supplies what one IRLS pass needs per block of rows: start values,
the inverse link and its derivative, the working weight, the deviance and the
log-likelihood terms, and the checks and diagnostics of y.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, xlogy

from .links import _EPS, LINKS


class _Family:
    """What a family shares: its link, the working weight, R's validity checks."""

    links: tuple[str, ...] = ()

    def __init__(self, link: str):
        if link not in self.links:
            raise ValueError(f"link must be one of {list(self.links)} for the {self.name} "
                             f"family, got {link!r}")
        self.link_name = link
        self._link = LINKS[link]()
        self.link, self.inverse = self._link.link, self._link.inverse
        self.canonical = link == self.links[0]

    def weight(self, mu, mu_eta):
        """R's working weight mu_eta**2 / V(mu); where the square overflows (Poisson counts
        near 1e160), mu_eta * (mu_eta / V), which does not."""
        V = self.variance(mu)
        w = mu_eta**2 / V
        if not np.isfinite(w).all():
            w = np.where(np.isfinite(w), w, mu_eta * (mu_eta / V))
        return w

    def observed_weight(self, y, eta, mu, mu_eta):
        """Minus d^2 loglik / d eta^2 per unit prior weight: the observed information.

        It is the expected weight less (y - mu) d/d eta (mu_eta / V(mu)), a term
        that vanishes for the canonical link (there Newton is Fisher scoring).
        """
        V = self.variance(mu)
        d2 = self._link.mu_eta2(eta, mu, mu_eta)
        r = mu_eta / V  # so that no square of mu or mu_eta can overflow
        return self.weight(mu, mu_eta) - (y - mu) * (d2 / V - r * r * self.dvariance(mu))

    def invalid(self, eta, mu) -> int:
        """Rows where R's valideta or validmu fails (R halves the step until none is left).

        The clamped links (all but identity and sqrt) keep every mean valid by
        construction; a non-finite eta shows up in the deviance instead.
        """
        if self.link_name not in ("identity", "sqrt"):
            return 0
        return self._link.invalid_eta(eta) + int(np.count_nonzero(~self.valid_mu(mu)))

    def __reduce__(self):  # pickle by name and link, for parallel sources
        return (type(self), (self.link_name,))


class _Binomial(_Family):
    """Binomial proportions with weights = trials; R's clamps keep mu inside (0, 1)."""

    name = "binomial"
    links = ("logit", "probit", "cloglog", "cauchit")

    def start(self, y, wt):
        return (wt * y + 0.5) / (wt + 1)

    def variance(self, mu):
        return mu * (1 - mu)

    def weight(self, mu, mu_eta):
        """R's mu_eta**2 / V(mu); mu_eta is at most 1 here, so nothing overflows."""
        return mu_eta**2 / (mu * (1 - mu))

    def dvariance(self, mu):
        return 1 - 2 * mu

    def valid_mu(self, mu):
        return np.isfinite(mu) & (mu > 0) & (mu < 1)

    def prepare(self, y, wb):
        """R's binomial(): y is set to 0 on rows of weight 0, which then count for nothing."""
        if wb is None or wb.all():
            return y
        return np.where(wb == 0, 0.0, y)

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
                             f"row {row0 + i} has y = {float(y[i])!r}", row0 + i)
        m = wt * y
        if np.any(np.abs(m - np.round(m)) > 1e-3):
            return row0, "non-integer number of successes (weights * y) in a binomial fit"
        return None

    def boundary(self, eta, mu) -> int:
        """Rows with mu within 10 eps of 0 or 1 (R's warning)."""
        if mu.min() >= 10 * _EPS and mu.max() <= 1 - 10 * _EPS:  # the usual case: two reads
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


class _Poisson(_Family):
    """Counts; with the log link mu is floored at eps as in R's poisson()."""

    name = "poisson"
    links = ("log", "identity", "sqrt")

    def start(self, y, wt):
        return y + 0.1

    def variance(self, mu):
        return mu

    def dvariance(self, mu):
        return np.ones_like(mu)

    def valid_mu(self, mu):
        return np.isfinite(mu) & (mu > 0)

    def prepare(self, y, wb):
        return y

    def deviance(self, y, mu, wt) -> float:
        return 2 * float(np.sum(wt * (xlogy(y, y / mu) - (y - mu))))

    def terms(self, y, mu, wt, binary: bool) -> tuple[float, float]:
        return self.deviance(y, mu, wt), float(np.sum(wt * (xlogy(y, mu) - mu)))

    def loglik_const(self, y, wt) -> float:
        """R's dpois is -Inf at a non-integer count, so loglik is -Inf and AIC Inf (NaN
        if such a count has weight 0, as R's -Inf * 0)."""
        with np.errstate(invalid="ignore"):
            return -float(np.sum(wt * np.where(y == np.floor(y), gammaln(y + 1), np.inf)))

    def check(self, y, wt, row0: int) -> tuple[int, str] | None:
        bad = np.flatnonzero(y < 0)
        if bad.size:
            i = bad[0]
            raise ValueError(f"Poisson y must be a count >= 0: row {row0 + i} has "
                             f"y = {float(y[i])!r}", row0 + i)
        if np.any(y != np.floor(y)):
            return row0, ("non-integer counts in a Poisson fit: as in R, the log-likelihood "
                          "is -Inf and the AIC Inf")
        return None

    def boundary(self, eta, mu) -> int:
        return int(np.count_nonzero(mu < 10 * _EPS)) if mu.min() < 10 * _EPS else 0

    def diverging(self, y, eta, deta, wt) -> int:
        return int(np.count_nonzero((eta < -3) & (deta < -0.5) & (y == 0) & (wt > 0)))


_FAMILIES = {"binomial": _Binomial, "poisson": _Poisson}


def family(name: str, link: str | None = None) -> _Family:
    """The family object for ``irls(family=name, link=link)``; link None is the canonical one."""
    cls = _FAMILIES.get(name)
    if cls is None:
        raise ValueError(f"family must be one of {sorted(_FAMILIES)}, got {name!r}")
    return cls(cls.links[0] if link is None else link)

"""The fit loop, R's glm.fit, and the public irls() and logistic_irls()."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import count, tolerance
from .families import family as make_family
from .irls_pass import PassSpec, Sums, run_pass
from .linalg import _check_rank_qr, _needs_qr, _solve, _solve_qr, _symmetric
from .report import _report, _separated, _separating
from .result import GLMResult, _result
from .sources import make_source


@dataclass
class _Fit:
    beta: np.ndarray
    last: Sums  # the pass at beta: the deviance there
    gram: np.ndarray  # the X'WX (or QR factor) that gave beta: its inverse is cov, as in R
    start: Sums  # the first pass: what the data look like
    history: list[float]
    converged: bool
    message: str
    step: np.ndarray | None = None  # the last change of beta
    null_dev: float = 0.0  # the null deviance when it needs no fit of its own
    qr: bool = False  # gram is the R factor of [sqrt(W) X | sqrt(W) z], not X'WX
    separated: bool = False  # the coefficients run off along a separating direction


def _iterate(src: Any, fam, tol: float, max_iter: int, null=None,
             intercept_only: bool = False, mustart_beta: np.ndarray | None = None,
             safeguard: bool = False) -> _Fit:
    """R's glm.fit loop; every iteration is one pass over the data.

    ``safeguard=True`` adds what R lacks (and R's glm2 package adds): from the
    second iteration on, a step that raises the deviance is halved until it does
    not, so the deviance falls at every step and cannot cycle or run away.

    When Newton's own forecast of the deviance decrease, ``step' X'WX step``, is
    below the tolerance, the pass at the new coefficients skips X'WX: R's test
    will stop there (near the optimum the forecast is right to a few digits), and
    R's covariance uses the previous X'WX anyway. A wrong forecast costs one
    more pass, never a different answer.
    """
    def read(**kw: Any) -> Sums:
        return run_pass(src, PassSpec(fam, intercept_only=intercept_only, **kw))

    start = read(mustart_beta=mustart_beta)
    if start.invalid:
        raise ValueError(f"cannot find valid starting values (R's words): the {fam.link_name} "
                         f"link gives {start.invalid} rows a mean outside the {fam.name} range")
    qr = _needs_qr(start.G)
    if qr:  # nearly aliased columns: R's rule decides, and QR solves every step
        first = read(mustart_beta=mustart_beta, qr=True)
        _check_rank_qr(first.R, ("(Intercept)",) if intercept_only else src.names,
                       min(1e-7, tol / 1000))

    def factor(a: Sums) -> np.ndarray | None:
        return a.R if qr else a.G

    def solve(a: Sums) -> np.ndarray:
        return _solve_qr(a.R) if qr else _solve(a.G, a.r)

    if null == "auto":  # R's null model when it needs no fit of its own
        null = start.sum_wy / start.sum_w if start.ones.any() else "offset"
    gram, old, step = factor(first if qr else start), None, None
    beta = solve(first if qr else start)
    devold, history, null_dev = start.dev, [], 0.0
    for it in range(1, max_iter + 1):
        extra = null if it == 1 else None
        forecast = None if step is None else \
            np.sum((gram[:-1, :-1] @ step) ** 2) if qr else _symmetric(gram) @ step @ step
        light = forecast is not None and forecast < tol * (abs(devold) + 0.1)
        acc = read(beta=beta, step=step, null=extra, binary=start.binary, gram=not light, qr=qr)
        for why in ("divergence", "out of bounds"):  # R's two inner loops, in R's order
            bad = (lambda a: not np.isfinite(a.dev)) if why == "divergence" else \
                (lambda a: a.invalid > 0)
            if not bad(acc):
                continue
            if old is None:
                raise ValueError(
                    "no valid set of coefficients has been found (R's words): after the first "
                    "IRLS step " + ("the deviance is infinite: the fitted means overflow; "
                                    "check the scale of X's columns and of y"
                                    if why == "divergence" else
                                    f"{acc.invalid} rows have a mean outside the {fam.name} "
                                    f"range of the {fam.link_name} link"))
            warnings.warn(f"IRLS step size truncated ({why}) at iteration {it}", UserWarning,
                          stacklevel=3)
            for _ in range(max_iter):  # R halves the step back towards the last good beta
                beta = (beta + old) / 2
                step = beta - old
                acc = read(beta=beta, step=step, null=extra, binary=start.binary, qr=qr)
                if not bad(acc):
                    break
            else:
                raise ValueError(f"IRLS cannot correct the step size at iteration {it} "
                                 f"({why} after {max_iter} halvings); check the scale of X "
                                 "and y")
        if safeguard and old is not None and acc.dev > devold and \
                abs(acc.dev - devold) / (abs(acc.dev) + 0.1) >= tol:
            for _ in range(max_iter):
                beta = (beta + old) / 2
                step = beta - old
                acc = read(beta=beta, step=step, null=extra, binary=start.binary, qr=qr)
                if acc.dev <= devold and not acc.invalid:
                    break
        if it == 1:
            null_dev = acc.null_dev
        history.append(acc.dev)
        if abs(acc.dev - devold) / (abs(acc.dev) + 0.1) < tol:
            return _Fit(beta, acc, gram, start, history, True, f"converged in {it} iterations",
                        step, null_dev, qr)
        if it == max_iter:
            break
        if factor(acc) is None:  # the forecast was wrong: read the data again for X'WX
            acc = read(beta=beta, step=step, binary=start.binary, qr=qr)
        try:
            new = solve(acc)
        except np.linalg.LinAlgError:
            if qr:
                return _Fit(beta, acc, gram, start, history, False,
                            f"X'WX became singular at iteration {it} (weights underflowed)",
                            step, null_dev, qr)
            qr = True  # the normal equations lost too much: QR, as R solves, from here on
            acc = read(beta=beta, step=step, binary=start.binary, qr=True)
            try:
                new = solve(acc)
            except np.linalg.LinAlgError:
                return _Fit(beta, acc, gram, start, history, False,
                            f"X'WX became singular at iteration {it} (weights underflowed)",
                            step, null_dev, qr)
        old, step, beta, devold, gram = beta, new - beta, new, acc.dev, factor(acc)
    return _Fit(beta, acc, gram, start, history, False, f"no convergence in {max_iter} iterations",
                step, null_dev, qr)


def _null_deviance(src: Any, fam, fit: _Fit, tol: float, max_iter: int) -> float:
    """R's glm(): with an offset and an intercept the null model is fitted by IRLS too."""
    if not (fit.start.has_offset and fit.start.ones.any()):
        return fit.null_dev
    return _iterate(src, fam, tol, max_iter, intercept_only=True,
                    mustart_beta=fit.beta).last.dev


def _diverged(fit: _Fit, tol: float) -> bool:
    """R's loop went astray: its deviance rose, and it ended above its best or without an
    answer (no convergence, or what looks like separation)."""
    h = np.array(fit.history)
    rose = np.any(np.diff(h) > tol * (np.abs(h[1:]) + 0.1))
    worse = h[-1] > h.min() + tol * (abs(h.min()) + 0.1)
    return bool(rose and (worse or not fit.converged or _separated(fit)))


def _safeguarded(src: Any, fam, plain: _Fit, tol: float, max_iter: int) -> _Fit:
    """Refit with step halving on the deviance; say what R's loop did and what this found."""
    h = plain.history
    if plain.converged and h[-1] > min(h):
        r_did = (f"stops at deviance {h[-1]:.6g} after {len(h)} iterations, above the "
                 f"{min(h):.6g} it passed on the way")
    else:
        r_did = (f"ends at deviance {h[-1]:.6g}, its deviance rising and falling "
                 f"({plain.message})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the plain run already warned about its own halvings
        fit = _iterate(src, fam, tol, max_iter, null="auto", safeguard=True)
    outcome = "converged" if fit.converged else "did not converge either"
    message = (f"R's IRLS (glm.fit) diverges here: it {r_did}. With step halving whenever "
               f"the deviance rose, IRLS {outcome} after {len(fit.history)} iterations at "
               f"deviance {fit.history[-1]:.6g}")
    warnings.warn(message, UserWarning, stacklevel=3)
    return dataclasses.replace(fit, message=message)


def irls(X: Any, y: ArrayLike | None = None, family: str = "binomial", *,
         link: str | None = None, weights: ArrayLike | None = None,
         offset: ArrayLike | None = None,
         tol: float = 1e-10, max_iter: int = 100, block_rows: int | None = None) -> GLMResult:
    """Fit a binomial or Poisson GLM by IRLS, as R's ``glm()``, with any of R's links.

    Parameters
    ----------
    X : array_like (n, p), DataFrame, memmap, or a source of row blocks
        The design matrix, intercept column included. DataFrame column names
        become ``names``. A ``np.memmap`` is read block by block. For data that
        never fits in memory, pass ``y=None`` and either a list of tuples
        ``(X_b, y_b[, weights_b[, offset_b]])`` or a function returning a new
        iterator of such tuples (IRLS reads the data once per iteration).
    y : array_like (n,)
        Binomial: 0/1 outcomes or proportions (with ``weights`` = trials).
        Poisson: counts.
    family : {"binomial", "poisson"}
    link : str, optional
        Binomial: ``"logit"`` (default), ``"probit"``, ``"cloglog"``, ``"cauchit"``.
        Poisson: ``"log"`` (default), ``"identity"``, ``"sqrt"``. As in R, a
        step that leaves the link's domain (a negative Poisson mean with the
        identity link, say) is halved until it does not. For the
        non-canonical links IRLS is Fisher scoring, not Newton: ``se`` is R's
        (expected information), ``se_observed`` Newton's (observed information).
    weights, offset : array_like (n,), optional
        Prior weights and a known part of the linear predictor.
    tol : float
        R's test ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's default is 1e-8).
    max_iter : int
        At most this many iterations (R's ``maxit``).
    block_rows : int, optional
        Rows per block (default: about 2 MB of X).

    Returns
    -------
    GLMResult

    Raises
    ------
    ValueError
        Bad y for the family, non-finite values, mismatched shapes, negative
        weights, or a rank-deficient X (the message names the rows or columns).

    Warns
    -----
    SeparationWarning
        The data are (quasi-)separated: the estimate does not exist, the result
        has ``converged=False`` (R reports convergence with huge coefficients).
    UserWarning
        As R's glm: no convergence in ``max_iter`` iterations, fitted values
        numerically 0 or 1, non-integer successes or counts (a Poisson fit then
        has, as in R, ``loglik = -inf`` and ``aic = inf``), or a step halved
        because the deviance overflowed or the means left the link's range.
        Where R's loop diverges (its deviance rises and it ends above the best
        it passed, or never settles), irls says so and refits with step halving
        whenever the deviance rises, which R's loop lacks; the result is then
        that refit (``message`` tells both stories).

    Notes
    -----
    Where X's columns are close to aliased (a column's relative residual on
    the others below 1e-4), each step is solved by a QR factor of sqrt(W) X,
    combined block by block, as R solves every step; a column whose relative
    residual is below R's QR tolerance ``min(1e-7, tol / 1000)`` is reported
    as aliased (R would set its coefficient to NA).

    Examples
    --------
    >>> x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    >>> fit = irls(np.column_stack([np.ones(8), x]), [0, 0, 1, 0, 1, 0, 1, 1])
    >>> np.round(fit.coef, 6).tolist(), fit.nit, round(fit.deviance, 6)
    ([-2.67338, 0.594084], 4, 8.449581)

    The same fit from row blocks, as data too large for memory would arrive:

    >>> X, y = np.column_stack([np.ones(8), x]), np.array([0, 0, 1, 0, 1, 0, 1, 1.0])
    >>> np.round(irls([(X[:3], y[:3]), (X[3:], y[3:])]).coef, 6).tolist()
    [-2.67338, 0.594084]

    A probit link; its two standard errors differ:

    >>> pf = irls(X, y, link="probit")
    >>> np.round(pf.coef, 4).tolist(), np.round(pf.se, 4).tolist()
    ([-1.682, 0.3738], [1.2075, 0.2441])
    >>> np.round(pf.se_observed, 4).tolist()
    [1.2517, 0.2551]

    Poisson counts:

    >>> counts = [2, 3, 6, 7, 8, 9, 10, 12, 15]
    >>> t = np.arange(1.0, 10)
    >>> np.round(irls(np.column_stack([np.ones(9), t]), counts, "poisson").coef, 6).tolist()
    [0.981845, 0.194838]
    """
    fam = make_family(family, link)
    tolerance(tol)
    count("max_iter", max_iter)
    if block_rows is not None:
        count("block_rows", block_rows)
    src = make_source(X, y, weights, offset, block_rows)
    fit = _iterate(src, fam, float(tol), int(max_iter), null="auto")
    refit = _diverged(fit, tol)
    if refit:
        fit = _safeguarded(src, fam, fit, float(tol), int(max_iter))
    if (refit or not fit.converged) and _separating(src, fam, fit.beta):
        fit = dataclasses.replace(fit, separated=True, message=(
            f"the data are (quasi-)separated: the coefficients grow without bound along a "
            f"direction in which no row's fit gets worse, so the MLE does not exist (stopped "
            f"after {len(fit.history)} iterations: {fit.message})"))
    if fit.start.note:
        warnings.warn(fit.start.note[1], UserWarning, stacklevel=2)
    converged, message = _report(fam, fit, src.names)
    return _result(src, fam, fit, _null_deviance(src, fam, fit, tol, max_iter),
                   converged, message)


def logistic_irls(X: Any, y: ArrayLike | None = None, **kw: Any) -> GLMResult:
    """Logistic regression: :func:`irls` with ``family="binomial"``.

    Examples
    --------
    >>> X = np.column_stack([np.ones(8), np.arange(1.0, 9)])
    >>> fit = logistic_irls(X, [0, 0, 1, 0, 1, 0, 1, 1])
    >>> print(fit.summary().round(4).to_string())
        Estimate  Std. Error  z value  Pr(>|z|)
    x0   -2.6734      2.1207  -1.2606    0.2075
    x1    0.5941      0.4322   1.3744    0.1693
    """
    return irls(X, y, "binomial", **kw)

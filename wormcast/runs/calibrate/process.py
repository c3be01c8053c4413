"""The observed outbreak's own randomness, carried into the fitted values' variance (docs/calibration.md
"Process variance").

The observations are one path of a stochastic process; the fit compares it with the mean over S common
seeds. The path's deviations from the mean (an early phase that ran fast stays ahead) are correlated over
the whole series, so neither the quasi-Poisson dispersion nor its AR(1) factor holds them, and the
deviance surface's interval, which only sees counting noise, is too narrow for them. Linearised at the fit,
the weighted-deviance estimate moves by A (y - mu) for a deviation y - mu of the observed series, with

    A = (J' W J)^-1 J' W,   W = diag(w_i / mu_i)   (the weighted Poisson deviance's Hessian weights),

J the Jacobian of the mean prediction in the fitted keys (the offset included: a path that is merely early
or late moves the offset, not the scan rate). The S seeds' own paths at the fit are S draws of that
deviation; so are more runs there on other seeds (fit.py's PROCESS_PATHS, at least 16 paths in all), and
Var_proc(theta) = (1 + 1/S) cov_p(A (mu_p - mu)) over those P paths (the 1/S: the fit's mean's own Monte
Carlo error), an unbiased estimate on P - 1 degrees of freedom.
"""

from __future__ import annotations

import numpy as np


def sensitivity(jacobian: np.ndarray, mu: np.ndarray, weights) -> np.ndarray:
    """A (p x n): how the weighted-deviance estimate moves per unit change of each observed count."""
    J = np.asarray(jacobian, dtype=float)
    w = np.ones(J.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    wm = w / np.maximum(np.asarray(mu, dtype=float), 1e-9)
    JW = J.T * wm
    return np.linalg.lstsq(JW @ J, JW, rcond=None)[0]


def process_variance(paths: np.ndarray, sens: np.ndarray, n_mean: int) -> np.ndarray:
    """Var_proc per key from P paths' stacked series (P x n, P >= 2) around their mean, times 1 + 1/S for
    the fit's mean over ``n_mean`` = S seeds."""
    paths = np.asarray(paths, dtype=float)
    p = paths.shape[0]
    moves = (paths - paths.mean(axis=0)) @ sens.T  # (P, keys): each path as an error in the estimate
    return (1 + 1 / n_mean) * (moves ** 2).sum(axis=0) / (p - 1)


def widen(value: float, low: float, high: float, var_proc: float, q: float, bounds) -> tuple[float, float]:
    """Each side's half-width h becomes sqrt(h^2 + q Var_proc) (the variances add: counting noise and the
    path's own deviation independent), within the bounds; q: the squared two-sided quantile for Var_proc
    (Student's t on P - 1 degrees of freedom: Var_proc is estimated from P paths)."""
    extra = q * var_proc
    lo = value - np.sqrt((value - low) ** 2 + extra)
    hi = value + np.sqrt((high - value) ** 2 + extra)
    return float(max(lo, bounds[0])), float(min(hi, bounds[1]))

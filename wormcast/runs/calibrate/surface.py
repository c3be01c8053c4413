"""Intervals from a quadratic response surface of the deviance around the optimum.

A stochastic simulator under common random numbers still gives a rough objective: a slightly different scan
rate redraws the runs' Poisson totals, so the deviance jumps by a few units between neighbouring trials,
about as much as a 90% interval's threshold (2.7). Bisection on such a profile stops at the first jump.
Instead: run a grid of trials around the optimum, fit D(theta) = D0 + g'd + d'A d (d = theta - centre, a
full quadratic by least squares, in coordinates scaled per parameter), and read the profile-likelihood
interval of the fitted surface: the profile of a quadratic over the other parameters is
D0* + (theta_j - m_j)^2 / (A^-1)_jj, so the interval is m_j +- sqrt(crit (A^-1)_jj) (m: the surface's
minimum). The grid is re-centred and re-scaled until it spans about two to five half-widths of the
interval (metamodel-based inference: Kleijnen, Design and Analysis of Simulation Experiments, ch. 2-3).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

MAX_ROUNDS = 4


@dataclass(frozen=True)
class Surface:
    minimum: np.ndarray  # the fitted surface's minimum (clipped to the bounds)
    low: np.ndarray
    high: np.ndarray
    curvature_ok: bool  # the fitted quadratic is positive definite
    rounds: int


def _design(k: int) -> np.ndarray:
    levels = np.linspace(-1, 1, 5 if k <= 2 else 3)
    pts = np.array(list(itertools.product(levels, repeat=k)), dtype=float)
    if k >= 3:  # axial points at +-1 along each axis are in the 3^k grid already; add the centre's ring
        pts = np.vstack([pts, 0.5 * np.eye(k), -0.5 * np.eye(k)])
    return pts


def _quadratic_terms(z: np.ndarray) -> np.ndarray:
    k = z.shape[1]
    cols = [np.ones(len(z))] + [z[:, i] for i in range(k)]
    cols += [z[:, i] * z[:, j] for i in range(k) for j in range(i, k)]
    return np.column_stack(cols)


def fit_quadratic(z: np.ndarray, d: np.ndarray):
    """(D0, g, A) of D = D0 + g'z + z'A z fitted by least squares."""
    k = z.shape[1]
    coef, *_ = np.linalg.lstsq(_quadratic_terms(z), d, rcond=None)
    g = coef[1:1 + k]
    A = np.zeros((k, k))
    pos = 1 + k
    for i in range(k):
        for j in range(i, k):
            if i == j:
                A[i, i] = coef[pos]
            else:
                A[i, j] = A[j, i] = coef[pos] / 2
            pos += 1
    return coef[0], g, A


def response_surface(deviance, centre, half_width, bounds, crit: float) -> Surface:
    """``deviance(theta) -> float`` (a trial); ``centre``, ``half_width``: where the first grid goes."""
    centre = np.asarray(centre, dtype=float)
    h = np.maximum(np.asarray(half_width, dtype=float), 1e-12)
    lo_b = np.array([b[0] for b in bounds], dtype=float)
    hi_b = np.array([b[1] for b in bounds], dtype=float)
    k = centre.size
    design = _design(k)
    m, low, high, ok = centre, centre - h, centre + h, False
    for rnd in range(1, MAX_ROUNDS + 1):
        theta = np.clip(centre + design * h, lo_b, hi_b)
        d = np.array([deviance(t) for t in theta])
        z = (theta - centre) / h
        _, g, A = fit_quadratic(z, d)
        ok = bool(np.all(np.linalg.eigvalsh(A) > 0))
        if not ok:  # no minimum in this window: widen it around the best trial
            centre = theta[int(np.argmin(d))]
            h = h * 2
            continue
        zmin = -0.5 * np.linalg.solve(A, g)
        inv = np.linalg.inv(A)
        half_z = np.sqrt(crit * np.diag(inv))
        m = np.clip(centre + zmin * h, lo_b, hi_b)
        half = half_z * h
        low, high = np.maximum(m - half, lo_b), np.minimum(m + half, hi_b)
        span_ratio = h / np.maximum(half, 1e-12)  # the grid spans +-h: want 2 to 5 half-widths
        inside = np.all(np.abs(zmin) <= 1.0)
        if inside and np.all((span_ratio >= 1.5) & (span_ratio <= 6.0)):
            return Surface(m, low, high, True, rnd)
        centre = m
        h = np.clip(3.0 * half, 1e-9 * np.maximum(np.abs(m), 1.0), (hi_b - lo_b) / 2)
    return Surface(m, low, high, ok, MAX_ROUNDS)

"""Closing the loop: fit a simulator's parameters to an observed series (telescope packets or unique
sources per interval, or an audit's timeline counts).

Objective: the Poisson deviance (McCullagh & Nelder, Generalized Linear Models, 2nd ed., section 2.3)
between the observed counts y_i and the simulator's mean prediction mu_i(theta):

    D(theta) = 2 sum_i [ y_i log(y_i / mu_i) - (y_i - mu_i) ]       (y log y = 0 at y = 0)

with mu(theta) = mean over a fixed list of seeds of ``simulate(theta, seed)``: common random numbers, the
same seeds for every trial, so that differences in D between trials come from theta, not from noise
(Law & Kelton, Simulation Modeling and Analysis, "common random numbers"). Minimised with scipy.optimize
(Nelder-Mead by default, which tolerates the piecewise-flat objective a discrete stochastic simulator
gives under common random numbers; "L-BFGS-B" for smooth simulators), within ``bounds``.

Intervals: profile likelihood. For parameter j, the 90% interval is the set of theta_j where
min over the other parameters of D - D_min <= c chi2_1(0.90), chi2_1(0.90) = 2.706 (Wilks), found by
bracketing and bisection on each side. c = 1 + 1/S for a mean over S seeds: y - mu_hat then has variance
mu (1 + 1/S) (observation noise plus the simulator's Monte Carlo noise), so D / c is the deviance to
compare with chi2 (the same scaling a quasi-Poisson dispersion gives; ASSUMPTION: the simulator's counts
are Poisson-like). ``mc_correction=False`` gives the plain profile interval.
For common random numbers to make the objective smooth in theta, the simulator should draw by inversion
from fixed uniforms (or keep one stream per decision: engine-notes.md "Randomness"); a rejection sampler
(numpy's Poisson for large means) redraws everything when a mean moves.
Goodness of fit: D_min / c against chi2 with n - p degrees of freedom (``p_value_``), valid when the
counts are not small.
Convention: scikit-learn's estimator API (``fit`` returns ``self``; learned values end in ``_``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy import optimize, stats


def poisson_deviance(observed, predicted, weights=None) -> float:
    """D; with ``weights`` (one per count) the weighted sum of the unit deviances (quasi-likelihood: a
    weight 1/phi for counts whose variance is phi times their mean)."""
    y = np.asarray(observed, dtype=float)
    mu = np.maximum(np.asarray(predicted, dtype=float), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    unit = 2.0 * (term - (y - mu))
    return float(np.sum(unit if weights is None else unit * np.asarray(weights, dtype=float)))


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Trial:
    params: tuple[float, ...]
    deviance: float


class SimulationFit:
    """Fit ``simulate(params, seed) -> predicted series`` to an observed series.

    ``x0``: starting values; ``bounds``: (low, high) per parameter; ``seeds``: the common random numbers;
    ``level``: interval level (profile likelihood). ``xatol`` (in coordinates scaled to [0, 1] by the bounds)
    and ``fatol`` (deviance): Nelder-Mead's tolerances; ``interval_rtol``: an interval's ends are found to this
    share of the fitted value. Looser ones suit an expensive simulator whose objective is noisy anyway.
    ``weights``: per count, for a quasi-Poisson deviance (see :func:`poisson_deviance`);
    ``scalar_profiles``: minimise one-parameter problems (the profiles of a two-parameter fit) with
    bounded Brent instead of Nelder-Mead (fewer trials)."""

    def __init__(self, simulate: Callable[[np.ndarray, int], np.ndarray], x0: Sequence[float],
                 bounds: Sequence[tuple[float, float]], names: Sequence[str] | None = None,
                 seeds: Sequence[int] = tuple(range(8)), method: str = "Nelder-Mead", level: float = 0.9,
                 intervals: bool = True, mc_correction: bool = True, xatol: float = 1e-5, fatol: float = 1e-4,
                 interval_rtol: float = 1e-3, weights=None, scalar_profiles: bool = False):
        self.simulate, self.x0, self.bounds = simulate, tuple(x0), tuple(bounds)
        self.xatol, self.fatol, self.interval_rtol = xatol, fatol, interval_rtol
        self.weights, self.scalar_profiles = weights, scalar_profiles
        self.names = tuple(names) if names is not None else tuple(f"p{i}" for i in range(len(self.x0)))
        self.seeds, self.method, self.level, self.intervals = tuple(seeds), method, level, intervals
        self.mc_correction = mc_correction

    # -- objective
    def predict(self, params) -> np.ndarray:
        """Mean prediction over the common seeds."""
        p = np.asarray(params, dtype=float)
        return np.mean([np.asarray(self.simulate(p, s), dtype=float) for s in self.seeds], axis=0)

    def _dev(self, params) -> float:
        p = np.asarray(params, dtype=float)
        if any(not lo <= v <= hi for v, (lo, hi) in zip(p, self.bounds)):
            return np.inf
        d = poisson_deviance(self._y, self.predict(p), self.weights)
        self.trials_.append(Trial(tuple(float(v) for v in p), d))
        return d

    def _minimise(self, fun, x0, bounds):
        """Minimise ``fun`` within ``bounds``, in coordinates scaled to [0, 1] per parameter (so that the
        tolerances mean the same for a rate of 1e-4 and a time of 1e4)."""
        if len(x0) == 0:
            return np.zeros(0), fun(np.zeros(0))
        lo = np.array([b[0] for b in bounds], dtype=float)
        span = np.array([b[1] - b[0] for b in bounds], dtype=float)
        g = lambda z: fun(lo + z * span)  # noqa: E731
        z0 = (np.asarray(x0, dtype=float) - lo) / span
        unit = [(0.0, 1.0)] * len(x0)
        if self.scalar_profiles and len(x0) == 1:
            r = optimize.minimize_scalar(lambda z: g(np.array([z])), bounds=(0.0, 1.0), method="bounded",
                                         options={"xatol": self.xatol})
            return lo + np.array([r.x]) * span, float(r.fun)
        if self.method == "Nelder-Mead":
            simplex = np.clip([z0] + [z0 + 0.05 * e for e in np.eye(len(x0))], 0.0, 1.0)
            r = optimize.minimize(g, z0, method="Nelder-Mead", bounds=unit,
                                  options={"initial_simplex": simplex, "xatol": self.xatol, "fatol": self.fatol,
                                           "maxiter": 4000})
        else:
            r = optimize.minimize(g, z0, method=self.method, bounds=unit)
        return lo + r.x * span, float(r.fun)

    def _profile(self, j: int, value: float) -> float:
        """min over the other parameters of D, with parameter j held at ``value``."""
        others = [i for i in range(len(self.x0)) if i != j]

        def fun(sub):
            p = np.array(self.params_array_, dtype=float)
            p[j] = value
            p[others] = sub
            return self._dev(p)

        x0 = np.array(self.params_array_)[others]
        return self._minimise(fun, x0, [self.bounds[i] for i in others])[1]

    def _side(self, j: int, direction: int, crit: float) -> float:
        best = self.params_array_[j]
        lo_b, hi_b = self.bounds[j]
        edge = hi_b if direction > 0 else lo_b
        step = max(abs(best) * 0.01, (hi_b - lo_b) * 1e-3)
        inside, out = best, None
        while out is None:
            cand = best + direction * step
            if (direction > 0 and cand >= edge) or (direction < 0 and cand <= edge):
                if self._profile(j, edge) - self.deviance_ <= crit:
                    return edge
                out = edge
                break
            if self._profile(j, cand) - self.deviance_ > crit:
                out = cand
            else:
                inside = cand
                step *= 2
        for _ in range(30):
            mid = 0.5 * (inside + out)
            if self._profile(j, mid) - self.deviance_ > crit:
                out = mid
            else:
                inside = mid
            if abs(out - inside) <= self.interval_rtol * max(abs(best), 1e-9):
                break
        return 0.5 * (inside + out)

    # -- scikit-learn style
    def fit(self, observed) -> "SimulationFit":
        self._y = np.asarray(observed, dtype=float)
        self.trials_: list[Trial] = []
        x, d = self._minimise(self._dev, np.asarray(self.x0, float), list(self.bounds))
        self.params_array_ = np.asarray(x, dtype=float)
        self.deviance_ = d
        self.dof_ = int(self._y.size - len(self.x0))
        scale = (1 + 1 / len(self.seeds)) if self.mc_correction else 1.0
        self.p_value_ = float(stats.chi2.sf(d / scale, self.dof_)) if self.dof_ > 0 else float("nan")
        crit = float(stats.chi2.ppf(self.level, 1)) * ((1 + 1 / len(self.seeds)) if self.mc_correction else 1.0)
        self.critical_deviance_ = crit
        params = []
        for j, name in enumerate(self.names):
            if self.intervals:
                lo, hi = self._side(j, -1, crit), self._side(j, +1, crit)
            else:
                lo = hi = float("nan")
            params.append(Parameter(name, float(x[j]), float(lo), float(hi)))
        self.params_ = tuple(params)
        self.n_trials_ = len(self.trials_)
        return self

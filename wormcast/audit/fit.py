"""Fit epidemic models to an audit timeline (probes per bin), with parameter uncertainty.

A monitored address receives probes at a rate proportional to the number of infected hosts
scanning, so probes per bin are modelled as Poisson with mean ``C * i(t) * bin_hours``, where
``i(t)`` is the infected fraction of the random constant spread (logistic) model or of the
two-factor model (:mod:`wormcast.analytic.rcs`, :mod:`wormcast.analytic.two_factor`). Fitting is by Poisson maximum likelihood; uncertainty
is given both as standard errors from the observed information (delta method) and as bootstrap
percentile intervals (a Poisson bootstrap: each bin's count redrawn as Poisson with the observed
count as its mean, so the total varies as it would for a Poisson process).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from ..analytic.rcs import rcs_fraction
from ..analytic.two_factor import two_factor
from ..util.timeutil import iso_epoch

_FLOOR = 1e-9


class _PoissonRateFit:
    """Shared fitting machinery; subclasses define the parameters and the infected fraction."""

    names: tuple[str, ...] = ()
    log_params: tuple[bool, ...] = ()

    def __init__(self, n_boot: int = 50, random_state=None):
        self.n_boot = n_boot
        self.random_state = random_state

    # -- to define in subclasses
    def _fraction(self, t: np.ndarray, p: dict) -> np.ndarray:
        raise NotImplementedError

    def _start(self, t: np.ndarray, y: np.ndarray, bin_hours: float) -> np.ndarray:
        raise NotImplementedError

    # -- machinery
    def _natural(self, theta: np.ndarray) -> dict:
        return {n: float(np.exp(v)) if lg else float(v) for n, v, lg in zip(self.names, theta, self.log_params)}

    def _mean(self, theta: np.ndarray, t: np.ndarray, bin_hours: float) -> np.ndarray:
        p = self._natural(theta)
        return np.maximum(p["C"] * self._fraction(t, p) * bin_hours, _FLOOR)

    def _nll(self, theta, t, y, bin_hours) -> float:
        with np.errstate(all="ignore"):
            mu = self._mean(theta, t, bin_hours)
        if not np.all(np.isfinite(mu)):
            return 1e300
        return float(np.sum(mu - y * np.log(mu)))

    def _optimise(self, theta0, t, y, bin_hours) -> np.ndarray:
        best = None
        for method in ("Nelder-Mead", "Powell"):
            res = minimize(self._nll, theta0 if best is None else best.x, args=(t, y, bin_hours), method=method,
                           options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-9} if method == "Nelder-Mead"
                           else {"maxiter": 4000})
            if best is None or res.fun <= best.fun:
                best = res
        return best.x

    def fit(self, t_hours, counts, bin_hours: float = 1.0):
        """Fit to counts per bin observed at bin midpoints ``t_hours``; returns self."""
        t = np.asarray(t_hours, dtype=float)
        y = np.asarray(counts, dtype=float)
        if t.shape != y.shape or t.ndim != 1:
            raise ValueError("t_hours and counts must be 1-d arrays of the same length")
        if len(t) < len(self.names) or y.sum() < len(self.names):
            raise ValueError(f"too few data to fit {len(self.names)} parameters "
                             f"({len(t)} bins, {int(y.sum())} events)")
        self.bin_hours_ = float(bin_hours)
        theta = self._optimise(self._start(t, y, bin_hours), t, y, bin_hours)
        self.theta_ = theta
        self.params_ = self._natural(theta)
        self.loglik_ = -self._nll(theta, t, y, bin_hours)
        mu = self._mean(theta, t, bin_hours)
        dof = max(len(t) - len(self.names), 1)
        self.pearson_chi2_dof_ = float(np.sum((y - mu) ** 2 / mu) / dof)
        self.stderr_ = self._stderr(theta, t, y, bin_hours)
        self.ci_ = self._bootstrap(theta, t, y, bin_hours)
        return self

    def predict(self, t_hours) -> np.ndarray:
        """Expected counts per bin at ``t_hours``."""
        return self._mean(self.theta_, np.asarray(t_hours, dtype=float), self.bin_hours_)

    def _stderr(self, theta, t, y, bin_hours) -> dict:
        k = len(theta)
        h = 1e-4 * np.maximum(np.abs(theta), 1.0)
        H = np.empty((k, k))
        f = lambda th: self._nll(th, t, y, bin_hours)  # noqa: E731
        for i in range(k):
            for j in range(i, k):
                ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
                H[i, j] = H[j, i] = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej)
                                     + f(theta - ei - ej)) / (4 * h[i] * h[j])
        try:
            cov = np.linalg.inv(H)
            var = np.diag(cov)
        except np.linalg.LinAlgError:
            var = np.full(k, np.nan)
        nat = self._natural(theta)
        out = {}
        for n, v, lg in zip(self.names, var, self.log_params):
            se = float(np.sqrt(v)) if v > 0 else float("nan")
            out[n] = nat[n] * se if lg else se  # delta method for log-parameters
        return out

    def _bootstrap(self, theta, t, y, bin_hours) -> dict:
        if not self.n_boot:
            return {}
        rng = np.random.default_rng(self.random_state)
        draws = []
        for _ in range(self.n_boot):
            yb = rng.poisson(y).astype(float)  # each bin's count redrawn: the total varies too
            draws.append(list(self._natural(self._optimise(theta, t, yb, bin_hours)).values()))
        d = np.array(draws)
        return {name: (float(np.percentile(d[:, i], 2.5)), float(np.percentile(d[:, i], 97.5)))
                for i, name in enumerate(self.names)}


class RCSFit(_PoissonRateFit):
    """Random constant spread (logistic): rate = C a(t), a = e^{K(t-T)} / (1 + e^{K(t-T)}).

    Learned: ``params_`` with C (probes per hour once all are infected), K (per hour), T (hours
    after the time origin, the midpoint); ``stderr_``; ``ci_`` (95% bootstrap intervals).
    """

    names = ("C", "K", "T")
    log_params = (True, True, False)

    def _fraction(self, t, p):
        return rcs_fraction(t, p["K"], p["T"])

    def _start(self, t, y, bin_hours):
        cum = np.cumsum(y)
        T0 = float(t[np.searchsorted(cum, cum[-1] / 2)])
        C0 = max(float(y.max()), 1.0) / bin_hours
        return np.array([np.log(C0), np.log(1.0), T0])


class TwoFactorFit(_PoissonRateFit):
    """Two-factor model (Zou, Gong, Towsley 2002): rate = C I(t - t0)/N, with eta fixed.

    Learned ``params_``: C (probes per hour if every host were infected), beta (beta0 N, per
    hour), gamma (removal rate of infected hosts, per hour), mu (mu N, patching rate, per
    hour), t0 (hours after the origin at which I/N = ``i0``).
    """

    names = ("C", "beta", "gamma", "mu", "t0")
    log_params = (True, True, True, True, False)

    def __init__(self, n_boot: int = 20, random_state=None, eta: float = 3.0, i0: float = 1e-4):
        super().__init__(n_boot=n_boot, random_state=random_state)
        self.eta = eta
        self.i0 = i0

    def _fraction(self, t, p):
        dt = t - p["t0"]
        out = np.zeros_like(t)
        live = dt > 0
        if live.any():
            if p["beta"] > 1e3 or p["gamma"] > 1e3 or p["mu"] > 1e3:
                return np.full_like(t, np.nan)
            sol = two_factor(dt[live], 1.0, p["beta"], p["gamma"], p["mu"], self.eta, self.i0)
            out[live] = np.clip(sol["I"], 0.0, 1.0)
        return out

    def _start(self, t, y, bin_hours):
        # Start from the logistic fit: beta ~ K, the midpoint ~ ln(1/i0)/K after t0.
        rcs = RCSFit(n_boot=0).fit(t, y, bin_hours)
        K, T, C = rcs.params_["K"], rcs.params_["T"], rcs.params_["C"]
        t0 = T - np.log(1.0 / self.i0) / K
        return np.array([np.log(C * 1.2), np.log(K), np.log(0.05), np.log(0.05), t0])


def fit_timeline(tl, signature: str, model: str = "rcs", n_boot: int | None = None, random_state=None) -> dict:
    """Fit ``model`` ('rcs' or 'two-factor') to a signature's probes per bin of a
    :class:`~wormcast.audit.timeline.Timeline`; a JSON-ready dict."""
    if signature not in tl or not len(tl[signature]):
        raise ValueError(f"no events for signature {signature!r}")
    sub = tl[signature]
    bin_h = tl.bin_seconds / 3600
    origin = int(sub.starts[0])
    t = (sub.starts - origin) / 3600 + bin_h / 2
    y = sub.probes.astype(float)
    cls = {"rcs": RCSFit, "two-factor": TwoFactorFit}[model]
    est = cls(random_state=random_state) if n_boot is None else cls(n_boot=n_boot, random_state=random_state)
    est.fit(t, y, bin_h)
    out = {
        "model": model, "signature": signature, "quantity": "probes per bin", "bin_hours": bin_h,
        "origin": iso_epoch(origin), "bins": len(y), "events": int(y.sum()),
        "params": est.params_, "stderr": est.stderr_,
        "ci95": {k: list(v) for k, v in est.ci_.items()}, "n_boot": est.n_boot,
        "loglik": est.loglik_, "pearson_chi2_per_dof": est.pearson_chi2_dof_,
    }
    if model == "rcs":
        out["midpoint"] = iso_epoch(origin + est.params_["T"] * 3600)
    out["_estimator"] = est
    return out

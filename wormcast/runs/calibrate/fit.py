"""``Calibration``: fit scenario parameters to observations (``wormcast calibrate``, ``wormcast.calibrate``).

A trial is one set of parameter values; it runs the scenario once per common seed (the same seeds for every
trial: common random numbers), on a backend (local process pool or Dask), and averages what the observer
should have seen (``observers/predict.py``). ``observers/calibration.py``'s :class:`SimulationFit` minimises
the (quasi-)Poisson deviance within the bounds (Nelder-Mead; bounded Brent for one key); each series'
dispersion is estimated there; the intervals come from a quadratic response surface (``surface.py``),
widened by the observed path's own randomness, estimated from the seeds' paths at the fit (``process.py``).
docs/calibration.md says why each step is what it is.
Same scenario, observations, options and seeds: the same trials in the same order, so the same result.
Convention: scikit-learn's (``fit`` returns ``self``; learned values end in ``_``).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from ...errors import PartialResult, WormcastError, flag
from ...observers.calibration import Parameter, SimulationFit, poisson_deviance
from ...observers.predict import Watched
from .observed import SERVER_FIT, TELESCOPE_FIT, Observed, read_observed
from .params import OFFSET, FitKey, fit_keys
from .process import widen
from .surface import response_surface

DEFAULT_TELESCOPE = ("44.0.0.0/8",)  # CAIDA's /8 (IMW 2002)
DEFAULT_SEEDS = 8
# Nelder-Mead's tolerances for simulated trials (SimulationFit's defaults suit a smooth stand-in): 0.1% of a
# bound's span, 0.05 in deviance (the interval's threshold is 2.7).
XATOL, FATOL = 1e-3, 0.05
DISPERSION_ROUNDS = 1  # fit, then each series' dispersion there; the response surface uses it
# The observed path's own variance is estimated from at least this many paths at the fit (the common seeds'
# and more): 15 degrees of freedom where 4 common seeds give 3 (their estimate was half of 16 paths' on the
# server loop, docs/calibration.md "Process variance"); 16 runs, a few trials' cost. CALIBRATED: there.
PROCESS_PATHS = 16
FIRST_HALF_WIDTH = 0.02  # the response surface's first grid: +-2% of the fitted values (0.5% of the span at least)


def dispersions(y, mu, series, sizes, n_params: int) -> dict[str, float]:
    """Each series' quasi-Poisson dispersion: phi = D_series / dof_series (dof shared out in proportion to
    the counts), times (1 + rho) / (1 - rho) for rho the lag-1 autocorrelation of its Pearson residuals
    (clipped to [0, 0.9]), at least 1. An outbreak's own randomness makes neighbouring intervals err
    together (a path ahead of the mean stays ahead), which a per-interval dispersion misses; the factor is
    the variance inflation of AR(1) errors (ASSUMPTION: AR(1) is the shape of that correlation)."""
    out, at, n = {}, 0, sum(sizes)
    for name, size in zip(series, sizes):
        yy, mm = y[at:at + size], np.maximum(mu[at:at + size], 1e-12)
        d = poisson_deviance(yy, mm)
        dof = size - n_params * size / n
        r = (yy - mm) / np.sqrt(mm)
        rho = 0.0
        if size > 2 and np.std(r[:-1]) > 0 and np.std(r[1:]) > 0:
            rho = float(np.clip(np.corrcoef(r[:-1], r[1:])[0, 1], 0.0, 0.9))
        out[name] = max(1.0, (d / dof if dof > 0 else 1.0) * (1 + rho) / (1 - rho))
        at += size
    return out


class _TrialFit(SimulationFit):
    """SimulationFit whose prediction comes from ``vector(params, observed, weights)`` (the caller maps each
    trial over the common seeds on a backend, and may minimise a nuisance offset for it)."""

    def __init__(self, vector, **kw):
        super().__init__(simulate=None, **kw)
        self._vector = vector

    def predict(self, params) -> np.ndarray:
        return self._vector(params, self._y, self.weights)


def step_bins(scenario, obs: Observed) -> tuple[np.ndarray, np.ndarray]:
    """([first step, end step) per kept interval, mask of the kept intervals): the intervals that lie
    within the simulated window; they must fall on the scenario's steps."""
    dt, s0 = scenario.step, scenario.start.timestamp()
    n_steps = int(np.ceil(scenario.duration / dt - 1e-9))
    a = (obs.starts - s0) / dt
    w = obs.width / dt
    if abs(w - round(w)) > 1e-6 or (np.abs(a - np.round(a)) > 1e-6).any():
        raise WormcastError(f"{flag('--observed', obs.path)}: its intervals ({obs.width:g} s) do not fall on the "
                            f"scenario's "
                            f"steps ({dt:g} s from {scenario.start.isoformat()})")
    a = np.round(a).astype(np.int64)
    b = a + int(round(w))
    keep = (a >= 0) & (b <= n_steps)
    if not keep.any():
        raise WormcastError(f"{flag('--observed', obs.path)}: no interval lies within the scenario's window "
                            f"({scenario.start.isoformat()} to {scenario.end.isoformat()})")
    return np.column_stack([a[keep], b[keep]]), keep


def parse_watched(kind: str, telescope=None, monitored=None) -> Watched:
    """A telescope's CIDR blocks (default 44.0.0.0/8), or a server's: a number of addresses or CIDR blocks."""
    from ...world.addresses import merge_ranges, parse_cidr

    def ranges(items, option):
        try:
            return tuple(merge_ranges([parse_cidr(c.strip()) for c in items]))
        except ValueError as exc:
            raise WormcastError(f"{option} {','.join(items)}: {exc}") from None

    if kind == "telescope":
        if monitored is not None:
            raise WormcastError(f"{flag('--monitored')}: for an audit.json; a telescope series takes --telescope CIDR")
        items = DEFAULT_TELESCOPE if telescope is None else ([telescope] if isinstance(telescope, str) else telescope)
        items = [c for t in items for c in str(t).split(",")]
        return Watched(ranges(items, "--telescope"))
    if telescope is not None:
        raise WormcastError(f"{flag('--telescope')}: for a telescope series; an audit.json takes --monitored")
    if monitored is None:
        return Watched(addresses=1)
    if isinstance(monitored, int) or str(monitored).strip().isdigit():
        n = int(monitored)
        if n < 1:
            raise WormcastError(f"{flag('--monitored', monitored)}: must be a positive number of addresses")
        return Watched(addresses=n)
    items = [monitored] if isinstance(monitored, str) else list(monitored)
    return Watched(ranges([c for t in items for c in str(t).split(",")], "--monitored"))


class Calibration:
    """Fit ``fit`` (scenario keys) of ``scenario`` to observations.

    ``seeds``: how many common seeds (derived from ``seed``); ``bounds``: key -> (low, high);
    ``telescope`` / ``monitored``: what the observer watched; ``series``: which observed series to fit
    (default ``new_sources``); ``signature``: an audit timeline's signature; ``align``: a
    share of the hosts: each seed's run is moved in time to reach it infected at the seeds' mean time
    before the mean is taken (``predict.aligned_mean_prediction``; with the ``offset`` key).
    After :meth:`fit`: ``fitted_`` (key -> Parameter), ``deviance_``, ``dof_``, ``p_value_``,
    ``critical_deviance_``, ``trials_`` (one per distinct trial: values and deviance), ``n_runs_``,
    ``observed_``, ``prediction_`` (series -> mean prediction at the fitted values), ``times_``,
    ``process_sd_`` (key -> the observed path's own standard deviation in it) and
    ``counting_intervals_`` (key -> the interval without it: counting noise only)."""

    def __init__(self, scenario, fit, bounds=None, seeds: int = DEFAULT_SEEDS, seed: int = 0, backend=None,
                 workers=None, scheduler=None, telescope=None, monitored=None, series=None, signature=None,
                 level: float = 0.9, overrides=None, align: float | None = None):
        from ...api import resolve
        from ..backends import check_options
        from ..ensemble.seeds import check_root, run_seed

        self.scenario = resolve(scenario, overrides)
        if len(self.scenario.worms) != 1:
            raise WormcastError(f"{self.scenario.name}: calibration fits scenarios with one worm")
        if isinstance(fit, str):
            fit = fit.split(",")
        self.keys: list[FitKey] = fit_keys(self.scenario, list(fit), bounds)
        if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 1000:
            raise WormcastError(f"{flag('--seeds', seeds)}: must be a whole number from 1 to 1000")
        if not 0 < level < 1:
            raise WormcastError(f"level {level}: must be between 0 and 1")
        self.root = check_root(seed)
        self.seeds = [run_seed(self.root, 0, i) for i in range(seeds)]
        self.backend = check_options(backend, scheduler, workers)
        self.scheduler, self.workers = scheduler, workers
        self.telescope, self.monitored, self.signature = telescope, monitored, signature
        self.series, self.level = series, level
        if align is not None and (isinstance(align, bool) or not 0 < align < 1):
            raise WormcastError(f"{flag('--align', align)}: must be a share of the hosts between 0 and 1")
        if align is not None and not any(k.key == OFFSET for k in self.keys):
            raise WormcastError(f"{flag('--align', align)}: needs --fit offset (the aligned mean has no clock of "
                                "its own)")
        self.align = align

    # -- trials
    def _trial_scenario(self, values):
        from ...api import resolve

        return resolve(self.scenario, [k.override(v, self.scenario) for k, v in zip(self.sim_keys, values)])

    def _mean(self, be, values):
        """The mean :class:`~wormcast.observers.predict.RunPrediction` over the common seeds of the trial
        ``values`` (of the scenario keys), run once per distinct trial."""
        key = tuple(k.applied(v) for k, v in zip(self.sim_keys, values))
        if key in self._cache:
            return self._cache[key]
        mean = self._run_trial(be, key)
        self._cache[key] = mean
        self._order.append(key)
        return mean

    def _run_trial(self, be, key, seeds=None):
        """Run the trial ``key`` (applied values) on the common seeds (or ``seeds``); the mean prediction
        (the seeds' own runs are kept for the last trial only: ``_last``)."""
        from ...observers.predict import mean_prediction
        from .trial import TrialRun, run_trial

        seeds = self.seeds if seeds is None else seeds
        sc = self._trial_scenario(key)
        tasks = (TrialRun(i, s, sc, self.watched_, self._bins) for i, s in enumerate(seeds))
        got: list = [None] * len(seeds)
        for task, res in be.map_unordered(run_trial, tasks):
            if res["status"] != "ok":
                raise WormcastError(f"trial {dict(zip(self.sim_names, key))} seed {task.seed} failed: "
                                    f"{res['status'].removeprefix('error: ')}")
            got[task.index] = res["prediction"]
        if be.lost:
            raise PartialResult(f"{len(be.lost)} runs of a trial were lost ({be.lost[0][1]}); nothing written")
        self._last = (key, got)
        # in seed order: reproducible; aligned, each seed's curve moved to the seeds' mean crossing time
        return mean_prediction(self._aligned(got))

    def _aligned(self, runs):
        from ...observers.predict import aligned_runs

        return runs if self.align is None else aligned_runs(runs, self.align)[0]

    def _process(self, be, best, pred, tau, weights) -> dict:
        """Var_proc per fitted key at the fit (``process.py``): PROCESS_PATHS paths there (the common
        seeds' and more from stream 1 of the root seed), and the Jacobian of the mean prediction by
        central differences (half a surface interval each way, the offset one step each way) at the
        fitted offset."""
        from ..ensemble.seeds import run_seed
        from .process import process_variance, sensitivity

        if self._last[0] != best:  # the fit's trial ran earlier: its seeds' paths again (counted in runs)
            self._run_trial(be, best)
            self._extra_runs += len(self.seeds)
        runs = list(self._last[1])
        extra = [run_seed(self.root, 1, i) for i in range(PROCESS_PATHS - len(self.seeds))]
        if extra:
            self._run_trial(be, best, extra)
            self._extra_runs += len(extra)
            runs += self._last[1]
        paths = np.array([self._stack(r.series(self._bins, tau)) for r in self._aligned(runs)])
        mu = self._stack(pred.series(self._bins, tau))
        cols = []
        for k in self.keys:
            if k.key == OFFSET:
                h = self.scenario.step
                cols.append((self._stack(pred.series(self._bins, tau + h))
                             - self._stack(pred.series(self._bins, tau - h))) / (2 * h))
                continue
            j = self.sim_keys.index(k)
            lo, hi = self.surface_.low[j], self.surface_.high[j]
            h = max((hi - lo) / 2, 0.005 * abs(best[j]), 1.0 if k.integer else 0.0)
            ends = []
            for v in (max(best[j] - h, k.low), min(best[j] + h, k.high)):
                t = list(best)
                t[j] = k.applied(v)
                ends.append((t[j], self._stack(self._mean(be, t).series(self._bins, tau))))
            (a, fa), (b, fb) = ends
            cols.append((fb - fa) / (b - a) if b > a else np.zeros_like(mu))
        var = process_variance(paths, sensitivity(np.column_stack(cols), mu, weights), len(self.seeds))
        return {k.key: float(v) for k, v in zip(self.keys, var)}

    def _stack(self, series: dict) -> np.ndarray:
        return np.concatenate([series[n] for n in self.fitted_series_])

    def _offset(self, pred, y, weights) -> float:
        """The offset that minimises the deviance of ``pred`` (within its bounds), or 0 when not fitted."""
        k = self.offset_key
        if k is None:
            return 0.0
        dev = lambda tau: poisson_deviance(y, self._stack(pred.series(self._bins, tau)), weights)  # noqa: E731
        r = optimize.minimize_scalar(dev,
                                     bounds=(k.low, k.high), method="bounded",
                                     options={"xatol": XATOL * (k.high - k.low)})
        return float(r.x)

    def _vector(self, be, values, y, weights) -> np.ndarray:
        pred = self._mean(be, values)
        return self._stack(pred.series(self._bins, self._offset(pred, y, weights)))

    def _offset_interval(self, pred, y, weights, tau: float, crit: float) -> tuple[float, float]:
        """The offset's interval with the scenario keys held at their fitted values (conditional)."""
        k = self.offset_key
        dev = lambda t: poisson_deviance(y, self._stack(pred.series(self._bins, t)), weights)  # noqa: E731
        d0 = dev(tau)
        ends = []
        for edge in (k.low, k.high):
            if dev(edge) - d0 <= crit:
                ends.append(edge)
            else:
                ends.append(optimize.brentq(lambda t: dev(t) - d0 - crit, min(tau, edge), max(tau, edge),
                                            xtol=XATOL * (k.high - k.low)))
        return ends[0], ends[1]

    @property
    def names(self) -> list[str]:
        return [k.key for k in self.keys]

    @property
    def sim_keys(self) -> list[FitKey]:
        return [k for k in self.keys if k.key != OFFSET]

    @property
    def sim_names(self) -> list[str]:
        return [k.key for k in self.sim_keys]

    @property
    def offset_key(self) -> FitKey | None:
        return next((k for k in self.keys if k.key == OFFSET), None)

    # -- scikit-learn style
    def fit(self, observed) -> "Calibration":
        from ..backends import open_backend

        obs = observed if isinstance(observed, Observed) else read_observed(observed, self.signature)
        self.watched_ = parse_watched(obs.kind, self.telescope, self.monitored)
        series = list(self.series or (TELESCOPE_FIT if obs.kind == "telescope" else SERVER_FIT))
        if "unique_sources" in series:
            raise WormcastError(f"{flag('--series', ','.join(series))}: unique_sources is cumulative, its errors add "
                                "up; fit its increments, new_sources (or active_sources, the sources per interval)")
        unknown = [s for s in series if s not in obs.series]
        if unknown or not series:
            raise WormcastError(f"{flag('--series', ','.join(series))}: the observations hold {', '.join(obs.series)}")
        self._bins, keep = step_bins(self.scenario, obs)
        kept = Observed(obs.kind, obs.path, obs.starts[keep], obs.width,
                        {n: v[keep] for n, v in obs.series.items()}, obs.signature)
        self.observed_, self.fitted_series_ = kept, series
        self.dropped_intervals_ = int((~keep).sum())
        y = kept.fitted(series)
        if self.offset_key is not None and "active_sources" in series:
            raise WormcastError(f"{flag('--series', 'active_sources')}: not with --fit offset (sources seen per "
                                "interval do not add up over shifted intervals)")
        self._cache, self._order, self._last, self._extra_runs = {}, [], (None, []), 0
        sizes = [kept.series[n].size for n in series]
        with open_backend(self.backend, self.scheduler, self.workers, persistent=True) as be:
            vector = lambda p, yy, w: self._vector(be, p, yy, w)  # noqa: E731
            common = dict(bounds=[(k.low, k.high) for k in self.sim_keys], names=self.sim_names, seeds=self.seeds,
                          level=self.level, xatol=XATOL, fatol=FATOL, scalar_profiles=True)
            x, weights = [k.start for k in self.sim_keys], None
            for _ in range(DISPERSION_ROUNDS):  # quasi-Poisson: each series' dispersion at the last fit
                f = _TrialFit(vector, x0=x, weights=weights, intervals=False, **common).fit(y)
                x = f.params_array_
                self.dispersion_ = dispersions(y, vector(x, y, weights), series, sizes, len(self.keys))
                weights = np.repeat([1.0 / self.dispersion_[n] for n in series], sizes)
            crit = float(stats.chi2.ppf(self.level, 1)) * (1 + 1 / len(self.seeds))
            if self.sim_keys:
                f.weights = weights
                spans = np.array([k.high - k.low for k in self.sim_keys])
                first = np.maximum(FIRST_HALF_WIDTH * np.abs(x), 0.005 * spans)
                surface = response_surface(lambda t: f._dev(np.asarray(t)), x, first, common["bounds"], crit)
                self.surface_ = surface
                values = [(v, lo, hi) for v, lo, hi in zip(surface.minimum, surface.low, surface.high)]
            else:
                self.surface_, values = None, []
            best = tuple(k.applied(v) for k, (v, _, _) in zip(self.sim_keys, values))
            pred = self._mean(be, best)
            tau = self._offset(pred, y, weights)
            var = self._process(be, best, pred, tau, weights)
        self.prediction_ = pred.series(self._bins, tau)
        self.fit_ = f
        counting = {k.key: (lo, hi) for k, (_, lo, hi) in zip(self.sim_keys, values)}
        self.best_ = dict(zip(self.sim_names, best))
        if self.offset_key is not None:
            counting[OFFSET] = self._offset_interval(pred, y, weights, tau, crit)
            self.best_[OFFSET] = tau
        self.best_ = {k.key: self.best_[k.key] for k in self.keys}
        # the surface's interval (counting noise) widened by the observed path's own variance
        self.counting_intervals_ = {k.key: counting[k.key] for k in self.keys}
        self.process_sd_ = {n: float(np.sqrt(v)) for n, v in var.items()}
        # Var_proc is estimated on P - 1 degrees of freedom (P paths: the common seeds and the extra ones):
        # Student's t quantile for its share
        q = float(stats.t.ppf((1 + self.level) / 2, max(PROCESS_PATHS, len(self.seeds)) - 1)) ** 2
        self.fitted_ = {}
        for k in self.keys:
            lo, hi = counting[k.key]
            lo, hi = widen(self.best_[k.key], lo, hi, var[k.key], q, (k.low, k.high))
            self.fitted_[k.key] = Parameter(k.key, self.best_[k.key], lo, hi)
        self.deviance_ = poisson_deviance(y, self._stack(self.prediction_))
        self.dof_ = int(y.size - len(self.keys))
        scale = 1 + 1 / len(self.seeds)
        self.p_value_ = float(stats.chi2.sf(self.deviance_ / scale, self.dof_)) if self.dof_ > 0 else float("nan")
        self.quasi_deviance_ = poisson_deviance(y, self._stack(self.prediction_), weights)
        self.critical_deviance_ = crit
        deviance = {}
        for t in f.trials_:  # the quasi-deviance of each distinct trial (the last fit and the surface's grid)
            deviance.setdefault(tuple(k.applied(v) for k, v in zip(self.sim_keys, t.params)), t.deviance)
        self.trials_ = [(key, deviance.get(key)) for key in self._order]
        self.n_runs_ = len(self._order) * len(self.seeds) + self._extra_runs
        return self

    def to_dict(self) -> dict:
        from .output import document

        return document(self)

    def write(self, out_dir):
        from .output import write_calibration

        return write_calibration(self, out_dir)


def calibrate(scenario, observed, fit, **options) -> Calibration:
    """Fit ``fit`` (keys) of ``scenario`` (preset, TOML path or Scenario) to ``observed`` (a telescope
    series, a CSV, an audit.json, or an :class:`Observed`); options as :class:`Calibration`'s."""
    return Calibration(scenario, fit, **options).fit(observed)

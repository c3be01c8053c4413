"""What an observer should see, on average, given one run: the simulator's prediction that calibration
(``runs/calibrate/``) compares with observations. One place, so that it can later be switched to the
telescope and server observer components.

An observer watches address ranges ``T`` (a telescope's blocks, or a server's addresses). ``q``, the
landing probability of one probe in ``T``, comes from ``landing.py`` (L) for each vulnerable host and is
averaged over them: exact for uniform scanning (there ``q = |T \\ E| / (2^32 - |E|)`` for every source),
an approximation for localized scanning (the probes of the hosts actually scanning are weighted as the
whole population). A watcher given only a number of addresses ``m`` (``--monitored N``) uses
``q = m / space``: the uniform law.

Per interval ``[a, b)`` of steps, from the run's per-step columns:

    (P1) packets (requests at a server): q * sum_{s in [a, b)} probes_s        (the expected landed probes)
    (P2) new sources: hosts start scanning at step s in number A_s = (E_s - N_s) - (E_{s-1} - N_{s-1})
         (E: ever infected at the end of the step, N: infections at its end, so E - N: hosts infected
         before the step's scans). A scanning host is seen in a step with p = 1 - exp(-r q dt) (its landed
         probes are Poisson(r q dt): the uniform scanner's thinning), so the not-yet-seen hosts
         U_s = (1 - p) U_{s-1} + A_s, and p U_s are first seen in step s.
    (P3) unique (active) sources: with C the hosts that started scanning before the interval,
         C (1 - (1-p)^(b-a)) + sum_{s in [a, b)} A_s (1 - (1-p)^(b-s)).

(P1) and (P2) are kept per step (:class:`RunPrediction`), so that they can be summed over intervals
shifted by any offset (calibration's ``offset``: the observations' clock against the simulation's).

``r``: the worm's scan rate; (P2) and (P3) are averaged over the hosts' rate law (a lognormal by
Gauss-Hermite quadrature, :func:`rate_mixture`). ASSUMPTION of (P2) and (P3): a host scans from its
infection to the end (no calendar phases, clearing or patching of infected hosts: those hosts would be
counted as still scanning); (P1) needs none, since it uses the probes the run counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .landing import ScannerDescription, landing_probability


@dataclass(frozen=True)
class Watched:
    """What an observer watches: half-open address ``ranges``, or (``ranges`` empty) ``addresses``
    addresses somewhere in the worm's target space."""

    ranges: tuple[tuple[int, int], ...] = ()
    addresses: int = 0

    def landing(self, worm, host_addresses) -> float:
        """Mean landing probability of one probe of ``worm`` (a config Worm) over the vulnerable hosts."""
        try:
            scanner = ScannerDescription.from_worm(worm)
        except ValueError as exc:
            from ..errors import WormcastError

            raise WormcastError(f"worm {worm.name!r}: {exc}; cannot predict what an observer sees") from None
        if self.ranges:
            q = landing_probability(host_addresses, list(self.ranges), scanner)
            return float(q.mean()) if q.size else 0.0
        from ..world.addresses import target_ranges, target_size

        space = target_size(target_ranges(worm.exclude)) - (1 if worm.skip_self else 0)
        return self.addresses / space


def scanning_arrivals(ever_infected, new_infections) -> np.ndarray:
    """A_s: hosts that start scanning at step s (see (P2))."""
    before = np.asarray(ever_infected, dtype=float) - np.asarray(new_infections, dtype=float)
    return np.diff(before, prepend=0.0)


def first_seen(arrivals: np.ndarray, p: float) -> np.ndarray:
    """p U_s, with U_s = (1 - p) U_{s-1} + A_s: the hosts first seen in each step (P2)."""
    from scipy.signal import lfilter

    return p * lfilter([1.0], [1.0, -(1.0 - p)], arrivals)


def active_sources(arrivals: np.ndarray, p: float, bins: np.ndarray) -> np.ndarray:
    """(P3) per interval of whole steps ``bins`` ((n, 2): [first step, end step))."""
    cum = np.concatenate([[0.0], np.cumsum(arrivals)])
    out = np.empty(len(bins))
    for i, (a, b) in enumerate(np.asarray(bins, dtype=np.int64)):
        stay = (1.0 - p) ** (b - np.arange(a, b))
        out[i] = cum[a] * (1.0 - (1.0 - p) ** (b - a)) + float(np.dot(arrivals[a:b], 1.0 - stay))
    return out


RATE_NODES = 12  # Gauss-Hermite nodes over a lognormal scan rate


def rate_mixture(scan_rate) -> tuple[np.ndarray, np.ndarray]:
    """(rates, weights): the hosts' scan-rate law as a discrete mixture: one point for a constant rate,
    Gauss-Hermite nodes of the lognormal (config.schema.ScanRate.draw) otherwise. A host's rate is drawn
    once and independently of when it is infected, so the hosts starting to scan have this law too."""
    if scan_rate.distribution == "constant" or scan_rate.cv == 0:
        return np.array([scan_rate.mean]), np.array([1.0])
    z, w = np.polynomial.hermite_e.hermegauss(RATE_NODES)
    sigma = np.sqrt(np.log1p(scan_rate.cv ** 2))
    return np.exp(np.log(scan_rate.mean) - sigma ** 2 / 2 + sigma * z), w / w.sum()


def binned(per_step: np.ndarray, dt: float, edges: np.ndarray, extend: bool = False) -> np.ndarray:
    """Sums of a per-step series over intervals [t0, t1) in seconds from the start (any real times: a step's
    count is spread evenly over it, and nothing falls before the run; past its end nothing, or with
    ``extend`` the last step's count per step)."""
    v = np.asarray(per_step, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(v)])
    e = np.asarray(edges, dtype=float)
    at = np.interp(e, np.arange(cum.size) * dt, cum)
    if extend and v.size:
        at = at + np.maximum(e - v.size * dt, 0.0) * (v[-1] / dt)
    return at[:, 1] - at[:, 0]


@dataclass(frozen=True)
class RunPrediction:
    """One run's prediction: per step, the expected ``packets`` (P1) and ``new_sources`` (P2) (additive, so
    they can be summed over any interval, shifted or not), and (P3) per observed interval; ``infected``
    (hosts ever infected at the end of each step) and ``hosts`` (the run's vulnerable hosts), which
    :func:`aligned_mean_prediction` aligns the runs on."""

    dt: float
    steps: dict
    active_sources: np.ndarray  # (P3): sources seen per observed interval
    infected: np.ndarray | None = None
    hosts: int = 0

    def series(self, bins: np.ndarray, offset: float = 0.0) -> dict[str, np.ndarray]:
        """Per interval of steps ``bins``, the simulation shifted later by ``offset`` seconds (the observed
        interval [a, b) is compared with the simulated [a - offset, b - offset)); (P3) is not shifted."""
        edges = np.asarray(bins, dtype=float) * self.dt - offset
        out = {n: binned(v, self.dt, edges) for n, v in self.steps.items()}
        out["active_sources"] = self.active_sources
        return out

    def crossing(self, fraction: float) -> float | None:
        """The time (seconds from the start, interpolated within the step) at which the hosts ever infected
        first reach ``fraction`` of the vulnerable hosts; None if they never do."""
        if self.infected is None or not self.hosts:
            return None
        level = fraction * self.hosts
        ends = np.asarray(self.infected, dtype=float)
        i = int(np.searchsorted(ends, level, side="left"))  # ever infected is non-decreasing
        if i >= ends.size:
            return None
        before = ends[i - 1] if i else 0.0
        frac = (level - before) / (ends[i] - before) if ends[i] > before else 1.0
        return (i + frac) * self.dt

    def shifted(self, tau: float) -> "RunPrediction":
        """The per-step series read ``tau`` seconds later (the run's curve moved earlier by ``tau``): before
        the start nothing, past the end the last step's count per step (ASSUMPTION: the run's last rate
        holds). (P3) and ``infected`` are left as they are."""
        n = next(iter(self.steps.values())).size
        edges = (np.arange(n)[:, None] + np.array([0.0, 1.0])) * self.dt + tau
        return RunPrediction(self.dt, {k: binned(v, self.dt, edges, extend=True) for k, v in self.steps.items()},
                             self.active_sources, self.infected, self.hosts)


def mean_prediction(preds: list[RunPrediction]) -> RunPrediction:
    """The mean over runs (in list order, so the same runs give the same numbers)."""
    steps = {n: np.mean([p.steps[n] for p in preds], axis=0) for n in preds[0].steps}
    return RunPrediction(preds[0].dt, steps, np.mean([p.active_sources for p in preds], axis=0))


def aligned_mean_prediction(preds: list[RunPrediction], fraction: float) -> tuple[RunPrediction, np.ndarray]:
    """The mean over runs after moving each run in time so that all reach ``fraction`` of their hosts
    infected at the runs' mean crossing time, and the shifts (seconds; 0 for a run that never gets there).

    Why: an outbreak's early phase (a few copies) is random, and it shifts the whole later curve in time;
    the mean of unaligned runs is then a smeared curve, flatter than any one run, which a fit can only
    follow with a wrong scan rate. Aligned, the mean keeps a run's shape; the observations' own timing is
    then the calibration's ``offset`` (so alignment goes with ``--fit offset``)."""
    runs, shifts = aligned_runs(preds, fraction)
    return mean_prediction(runs), shifts


def aligned_runs(preds: list[RunPrediction], fraction: float) -> tuple[list[RunPrediction], np.ndarray]:
    """Each run moved to reach ``fraction`` of its hosts at the runs' mean crossing time, and the shifts
    (what :func:`aligned_mean_prediction` averages; the calibration's process variance reads the runs)."""
    times = [p.crossing(fraction) for p in preds]
    reached = [t for t in times if t is not None]
    ref = float(np.mean(reached)) if reached else 0.0
    shifts = np.array([0.0 if t is None else t - ref for t in times])
    return [p.shifted(tau) if tau else p for p, tau in zip(preds, shifts)], shifts


def predict_run(result, world_addresses, watched: Watched, bins: np.ndarray) -> RunPrediction:
    """(P1)-(P3) from one run's :class:`~wormcast.results.result.Result` (its first worm)."""
    sc = result.scenario
    cols = result.columns(sc.step)
    worm = sc.worms[0]
    q = watched.landing(worm, world_addresses)
    arrivals = scanning_arrivals(cols["ever_infected"], cols["new_infections"])
    rates, weights = rate_mixture(worm.scan_rate)
    ps = -np.expm1(-rates * q * sc.step)
    new = sum(w * first_seen(arrivals, p) for p, w in zip(ps, weights))
    active = sum(w * active_sources(arrivals, p, bins) for p, w in zip(ps, weights))
    steps = {"packets": q * np.asarray(cols["probes"], dtype=float), "new_sources": new}
    return RunPrediction(sc.step, steps, active, np.asarray(cols["ever_infected"], dtype=float),
                         int(np.asarray(world_addresses).size))

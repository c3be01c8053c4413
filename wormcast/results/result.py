"""Results of one run: per-step series (light arrays), the summary, and tables at any interval."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from .. import __version__
from ..util.timeutil import iso, steps_per

STOCKS = ("susceptible", "scanning", "dormant", "patched", "backdoored", "ever_infected")
FLOWS = ("new_infections", "probes", "vulnerable_hits", "cleared", "new_patched", "flood_packets")


def slug(name: str) -> str:
    """A column-friendly form of a worm's name: 'Code Red II' -> 'code_red_ii'."""
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


class StepSeries:
    """Preallocated per-step arrays: stocks at the end of each step, flows during it. With several worms,
    also ``infected_<worm>`` (stock) and ``probes_<worm>`` (flow) per worm."""

    def __init__(self, n_steps: int, worm_names: list[str] = ()):
        self.n_steps = n_steps
        self.data = {name: np.zeros(n_steps, dtype=np.int64) for name in STOCKS + FLOWS}
        self.data["flood_packets"] = np.zeros(n_steps, dtype=float)
        self._cols = [self.data[k] for k in STOCKS + FLOWS]
        self.worm_keys = [slug(w) for w in worm_names]
        self.extra_flows: set[str] = set()  # added columns summed over an interval (others are stocks)
        self._worm_cols = [(self.data.setdefault(f"infected_{k}", np.zeros(n_steps, dtype=np.int64)),
                            self.data.setdefault(f"probes_{k}", np.zeros(n_steps, dtype=np.int64)))
                           for k in self.worm_keys]

    def record(self, s: int, *values) -> None:
        for col, v in zip(self._cols, values):
            col[s] = v

    def record_worms(self, s: int, infected: list[int], probes: list[int]) -> None:
        for (ci, cp), i, p in zip(self._worm_cols, infected, probes):
            ci[s], cp[s] = i, p


class Result:
    """What one run produced. ``summary`` is a plain dict; ``to_df()`` the time series at an interval."""

    def __init__(self, scenario, seed, series: StepSeries, target_addresses: int, vulnerable: int,
                 wall_seconds: float, orgs: dict | None = None):
        self.scenario, self.seed, self.series = scenario, seed, series
        self.target_addresses, self.vulnerable, self.wall_seconds = target_addresses, vulnerable, wall_seconds
        self.summary = self._summarise()
        if orgs is not None:
            self.summary["orgs"] = orgs

    # ------------------------------------------------------------ tables

    def columns(self, interval: float | None = None) -> dict[str, np.ndarray]:
        """Column arrays at ``interval`` seconds (default: the scenario's): stocks at the end of each
        interval, flows summed over it. The last interval may be shorter."""
        dt = self.scenario.step
        interval = self.scenario.interval if interval is None else interval
        k = steps_per(interval, dt)
        if k is None:
            raise ValueError(f"interval {interval:g}s is not a multiple of the step {dt:g}s")
        d = self.series.data
        n = self.series.n_steps
        starts = np.arange(0, n, k)
        ends = np.minimum(starts + k, n) - 1
        out: dict[str, np.ndarray] = {"t_seconds": starts * dt}
        out["susceptible"] = d["susceptible"][ends]
        out["infected"] = d["scanning"][ends] + d["dormant"][ends]
        for name in ("scanning", "dormant", "backdoored", "patched", "ever_infected"):
            out[name] = d[name][ends]
        for name in FLOWS:
            out[name] = np.add.reduceat(d[name], starts)
        for k in self.series.worm_keys:
            out[f"infected_{k}"] = d[f"infected_{k}"][ends]
            out[f"probes_{k}"] = np.add.reduceat(d[f"probes_{k}"], starts)
        for name in d:
            if name.startswith("org_"):  # per-organisation columns
                out[name] = np.add.reduceat(d[name], starts) if name in self.series.extra_flows else d[name][ends]
        return out

    def to_df(self, interval: float | None = None):
        import pandas as pd

        cols = self.columns(interval)
        t = cols.pop("t_seconds")
        start = pd.Timestamp(self.scenario.start)
        times = start + pd.to_timedelta(t, unit="s")
        df = pd.DataFrame({"time": times, **cols})
        return df

    # ------------------------------------------------------------ summary

    def _summarise(self) -> dict:
        sc, d, dt = self.scenario, self.series.data, self.scenario.step
        infected = d["scanning"] + d["dormant"]
        n = self.series.n_steps
        peak_i = int(np.argmax(infected)) if n else 0
        # New infections per minute: per-minute bins when the step divides a minute, else per step scaled.
        per_minute_steps = steps_per(60.0, dt)
        if per_minute_steps is not None:
            per_min = np.add.reduceat(d["new_infections"], np.arange(0, n, per_minute_steps))
        else:
            per_min = d["new_infections"] * (60.0 / dt)
        half = np.flatnonzero(d["ever_infected"] * 2 >= self.vulnerable)
        summary = {
            "scenario": sc.name,
            "seed": self.seed,
            "start": iso(sc.start),
            "end": iso(sc.end),
            "worm": " + ".join(w.name for w in sc.worms),
            "signature": sc.worms[0].signature,
            "signatures": [w.signature for w in sc.worms if w.signature],
            "vulnerable": int(self.vulnerable),
            "target_addresses": int(self.target_addresses),
            "ever_infected": int(d["ever_infected"][-1]) if n else 0,
            "ever_infected_fraction": float(d["ever_infected"][-1] / self.vulnerable) if n else 0.0,
            "peak_infected": int(infected[peak_i]) if n else 0,
            "peak_infected_time": iso(sc.start + timedelta(seconds=(peak_i + 1) * dt)) if n else None,
            "peak_new_infections_per_min": float(per_min.max()) if n else 0.0,
            "time_to_half_infected_h": float((half[0] + 1) * dt / 3600.0) if half.size else None,
            "infected_at_end": int(infected[-1]) if n else 0,
            "backdoored_at_end": int(d["backdoored"][-1]) if n else 0,
            "patched_at_end": int(d["patched"][-1]) if n else 0,
            "probes_total": int(d["probes"].sum()),
            "probes_per_address": float(d["probes"].sum() / self.target_addresses),
            "flood_target": next((w.flood_target for w in sc.worms if w.flood_target), None),
            "flood_packets_total": float(d["flood_packets"].sum()),
            "step_seconds": dt,
            "wall_seconds": round(float(self.wall_seconds), 4),
            "version": __version__,
        }
        if self.series.worm_keys:
            summary["worms"] = {
                w.name: {"peak_infected": int(d[f"infected_{k}"].max(initial=0)),
                         "infected_at_end": int(d[f"infected_{k}"][-1]) if n else 0,
                         "probes_total": int(d[f"probes_{k}"].sum())}
                for w, k in zip(sc.worms, self.series.worm_keys)}
        return summary

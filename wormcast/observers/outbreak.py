"""The outbreak's own time series and headline figures: host states, flows, and (with several worms) each
worm's share."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from ..core.component import Component, Context, StepTotals
from ..core.registry import OBSERVERS
from ..core.states import DORMANT, PATCHED, SCANNING, SUSCEPTIBLE
from ..core.stepsize import step_warning
from ..results.columns import flow, slug, stock
from ..util.timeutil import iso, steps_per


@OBSERVERS.register("outbreak")
class OutbreakSeries(Component):
    """Stocks at the end of each step (susceptible, infected, scanning, dormant, backdoored, patched, ever
    infected) and flows during it (new infections, probes, hits on vulnerable hosts, worms cleared, hosts
    patched, flood packets)."""

    # The numeric figures of every run's summary, in summary order: ensembles and sweeps reduce these
    # (runs/ensemble/stats.py). seed and wall_seconds are not figures: an input, and a measurement.
    FIGURES = (
        "vulnerable", "target_addresses", "ever_infected", "ever_infected_fraction", "peak_infected",
        "peak_new_infections_per_min", "time_to_half_infected_h", "infected_at_end", "backdoored_at_end",
        "patched_at_end", "probes_total", "probes_per_address", "flood_packets_total", "step_seconds",
    )

    def setup(self, ctx: Context):
        self.ctx = ctx
        n = ctx.n_steps
        self.stocks = [
            stock("susceptible", "hosts", "susceptible hosts", n),
            stock("infected", "hosts", "infected hosts (scanning or dormant)", n),
            stock("scanning", "hosts", "infected hosts scanning", n),
            stock("dormant", "hosts", "infected hosts idle (flood or sleep phase)", n),
            stock("backdoored", "hosts", "hosts with an open backdoor", n),
            stock("patched", "hosts", "patched hosts", n),
            stock("ever_infected", "hosts", "hosts infected at least once", n),
        ]
        self.flows = [
            flow("new_infections", "infections", "new infections (re-infections included)", n),
            flow("probes", "probes", "probes sent", n),
            flow("vulnerable_hits", "probes", "probes that reached a vulnerable host", n),
            flow("cleared", "hosts", "worms ended by reboot or lifetime", n),
            flow("new_patched", "hosts", "hosts patched", n),
            flow("flood_packets", "packets", "flood packets sent", n, dtype=float),
        ]
        self.per_worm = []
        if len(ctx.worm_names) > 1:
            for name in ctx.worm_names:
                k = slug(name)
                self.per_worm.append((stock(f"infected_{k}", "hosts", f"hosts running {name}", n),
                                      flow(f"probes_{k}", "probes", f"probes sent by {name}", n)))
        self.target_addresses = ctx.target_addresses
        self.arrays = [col.values for col in self.stocks + self.flows]  # (written every step)

    def record(self, t: StepTotals) -> None:
        s, c = t.step, t.counts.tolist()
        values = (c[SUSCEPTIBLE], c[SCANNING] + c[DORMANT], c[SCANNING], c[DORMANT], t.backdoored, c[PATCHED],
                  t.ever_infected, t.new_infections, t.probes, t.vulnerable_hits, t.cleared, t.patched,
                  t.flood_packets)
        for a, v in zip(self.arrays, values):
            a[s] = v
        for (ci, cp), i, p in zip(self.per_worm, t.worm_infected, t.worm_probes):
            ci.values[s], cp.values[s] = i, p

    def columns(self) -> list:
        return self.stocks + self.flows + [c for pair in self.per_worm for c in pair]

    def summary(self) -> dict:
        sc, dt, n = self.ctx.scenario, self.ctx.dt, self.ctx.n_steps
        d = {c.name: c.values for c in self.columns()}
        vulnerable = self.ctx.hosts.n
        infected = d["infected"]
        peak_i = int(np.argmax(infected)) if n else 0
        # New infections per minute: per-minute bins when the step divides a minute, else per step scaled.
        per_minute_steps = steps_per(60.0, dt)
        if per_minute_steps is not None:
            per_min = np.add.reduceat(d["new_infections"], np.arange(0, n, per_minute_steps))
        else:
            per_min = d["new_infections"] * (60.0 / dt)
        half = np.flatnonzero(d["ever_infected"] * 2 >= vulnerable)
        summary = {
            "scenario": sc.name,
            "start": iso(sc.start),
            "end": iso(sc.end),
            "worm": " + ".join(w.name for w in sc.worms),
            "signature": sc.worms[0].signature,
            "signatures": [w.signature for w in sc.worms if w.signature],
            "vulnerable": int(vulnerable),
            "target_addresses": int(self.target_addresses),
            "ever_infected": int(d["ever_infected"][-1]) if n else 0,
            "ever_infected_fraction": float(d["ever_infected"][-1] / vulnerable) if n else 0.0,
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
        }
        warning = step_warning(sc, vulnerable)
        if warning is not None:  # the step breaks the step rule (core/stepsize.py)
            summary["step_warning"] = warning
        if self.per_worm:
            summary["worms"] = {
                w.name: {"peak_infected": int(ci.values.max(initial=0)),
                         "infected_at_end": int(ci.values[-1]) if n else 0,
                         "probes_total": int(cp.values.sum())}
                for w, (ci, cp) in zip(sc.worms, self.per_worm)}
        return summary

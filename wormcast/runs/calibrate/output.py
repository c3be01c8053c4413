"""A calibration's outputs, all or none: ``calibration.json`` and ``report.html`` (docs/outputs.md).

calibration.json holds no timings and no paths of this machine beyond the observed file as given, so the
same inputs and seeds give the same bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ...util.atomic import staged_dir
from ...util.timeutil import iso_epoch


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _times(starts):
    return [iso_epoch(t) for t in starts]


def document(cal) -> dict:
    from ... import __version__
    from ...world.addresses import format_address

    obs, w = cal.observed_, cal.watched_
    watched = ({"ranges": [f"{format_address(a)}-{format_address(b - 1)}" for a, b in w.ranges]} if w.ranges
               else {"addresses": w.addresses})
    fitted = {}
    for k in cal.keys:
        p = cal.fitted_[k.key]
        sd, (lo, hi) = cal.process_sd_[k.key], cal.counting_intervals_[k.key]
        fitted[k.key] = {"value": cal.best_[k.key], "low": _num(p.low), "high": _num(p.high), "start": k.start,
                         "bounds": [k.low, k.high], "process_sd": _num(sd),
                         "counting_interval": [_num(lo), _num(hi)]}
    return {
        "scenario": cal.scenario.name,
        "observed": {"path": obs.path, "kind": obs.kind, "signature": obs.signature,
                     "fitted_series": cal.fitted_series_,
                     "intervals": int(obs.starts.size), "interval_seconds": obs.width,
                     "first": _times(obs.starts[:1])[0], "last": _times(obs.starts[-1:])[0],
                     "dropped_intervals": cal.dropped_intervals_},
        "watched": watched,
        "level": cal.level,
        "fitted": fitted,
        "goodness_of_fit": {"deviance": _num(cal.deviance_), "dof": cal.dof_, "p_value": _num(cal.p_value_),
                            "dispersion": {n: _num(v) for n, v in cal.dispersion_.items()},
                            "quasi_deviance": _num(cal.quasi_deviance_),
                            "critical_deviance": _num(cal.critical_deviance_)},
        "surface": None if cal.surface_ is None else {"rounds": cal.surface_.rounds,
                                                      "positive_definite": cal.surface_.curvature_ok},
        "seed": cal.root,
        "seeds": cal.seeds,
        **({"align": cal.align} if cal.align is not None else {}),
        "backend": cal.backend,
        "trials": [{"params": dict(zip(cal.sim_names, key)), "deviance": None if d is None else _num(d)}
                   for key, d in cal.trials_],
        "n_trials": len(cal.trials_),
        "runs": cal.n_runs_,
        "series": {"time": _times(obs.starts),
                   "observed": {n: [int(x) for x in v] for n, v in obs.series.items()},
                   "fitted": {n: [round(float(x), 6) for x in cal.prediction_[n]] for n in obs.series
                              if n in cal.prediction_}},
        "version": __version__,
    }


def fit_figure(cal):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    names = cal.fitted_series_
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.6 * len(names)), sharex=True, squeeze=False)
    t = pd.to_datetime(cal.observed_.starts, unit="s", utc=True)
    for ax, n in zip(axes[:, 0], names):
        ax.plot(t, cal.observed_.series[n], "o", ms=3, color="0.3", label="observed")
        ax.plot(t, cal.prediction_[n], "-", color="tab:red", label="fitted (mean over the seeds)")
        ax.set_ylabel(n.replace("_", " ") + " per interval")
        ax.legend(loc="upper left", fontsize=8)
    axes[-1, 0].set_xlabel("time (UTC)")
    fig.tight_layout()
    return fig


def render(cal, doc: dict) -> str:
    from ...reporting import htmlpage as H

    g = doc["goodness_of_fit"]
    rows = [(k, f"{v['value']:.6g}", "-" if v["low"] is None else f"{v['low']:.6g}",
             "-" if v["high"] is None else f"{v['high']:.6g}",
             "-" if v.get("process_sd") is None else f"{v['process_sd']:.3g}",
             f"{v['bounds'][0]:.6g} to {v['bounds'][1]:.6g}")
            for k, v in doc["fitted"].items()]
    o = doc["observed"]
    parts = [
        f"<h1>Calibration of {H.esc(doc['scenario'])}</h1>",
        f"<p>Observed: {H.esc(o['path'])} ({H.esc(o['kind'])}"
        + (f", signature {H.esc(o['signature'])}" if o["signature"] else "")
        + f"), {o['intervals']} intervals of {o['interval_seconds']:g} s from {H.esc(o['first'])}; "
        f"fitted series: {H.esc(', '.join(o['fitted_series']))}.</p>",
        f"<h2>Fitted values ({round(100 * doc['level'])}% intervals: response surface and the observed path's "
        "own variance)</h2>",
        H.table(["key", "value", "low", "high", "observed path's s.d.", "bounds"], rows),
        "<h2>Goodness of fit</h2>",
        f"<p>Poisson deviance {g['deviance']:.4g} on {g['dof']} degrees of freedom, p-value "
        f"{'-' if g['p_value'] is None else format(g['p_value'], '.3g')} (Poisson); dispersion per series "
        f"{H.esc(', '.join(f'{n} {v:.3g}' for n, v in g['dispersion'].items()))} (intervals from the deviance "
        f"scaled by it); {doc['n_trials']} trials, "
        f"{doc['runs']} runs ({len(doc['seeds'])} common seeds).</p>",
        H.png_img(fit_figure(cal), "observed series and the fitted prediction"),
    ]
    return H.page(f"wormcast calibrate: {doc['scenario']}", "\n".join(parts))


def write_calibration(cal, out_dir) -> Path:
    out_dir = Path(out_dir)
    doc = document(cal)
    with staged_dir(out_dir) as stage:
        (stage / "calibration.json").write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        (stage / "report.html").write_text(render(cal, doc), encoding="utf-8")
    return out_dir

"""Figures of one run (matplotlib, Agg backend, no global state left behind)."""

from __future__ import annotations

STATE_LINES = [  # column, label, colour: the hosts-by-state lines of every outbreak plot
    ("ever_infected", "ever infected", "#7f1d1d"),
    ("infected", "infected now", "#dc2626"),
    ("susceptible", "susceptible", "#2563eb"),
    ("patched", "patched", "#16a34a"),
    ("backdoored", "backdoored", "#9333ea"),
]


def thousands(ax, which: str = "y") -> None:
    """Tick labels with thousands separators (1,000,000 rather than 1e6)."""
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:,.2g}")
    (ax.yaxis if which == "y" else ax.xaxis).set_major_formatter(fmt)


def rate_bins(df, per_minute=None):
    """(times, new infections per minute, bin label): ``per_minute`` (a table at 1-minute bins, the bins of
    the summary's fastest minute) when given, else ``df``'s bins divided by their length in minutes."""
    src = per_minute if per_minute is not None else df
    minutes = (src["time"].diff().dt.total_seconds().median() / 60.0) if len(src) > 1 else 1.0
    t = src["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    what = "1-minute bins" if abs(minutes - 1.0) < 1e-9 else f"averaged over {minutes:g}-minute bins"
    return t, src["new_infections"] / minutes, what


def outbreak_figure(df, summary: dict, twin=None, measured=(), per_minute=None):
    """Hosts by state over time, and new infections per minute and probes per second; with the analytic
    twin of the scenario's parameters (``twin``: analytic.twin.overlay's table) and the figures measured in
    the real outbreak (``measured``: analytic.measured.Measurement objects) beside the simulation.
    ``per_minute`` (the run's table at 1-minute bins) draws the rate on the bins of the summary's
    "fastest minute", so that the axis's peak and the text agree."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    t = df["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.4), sharex=True, constrained_layout=True)
    for col, label, color in STATE_LINES:
        if df[col].any():
            ax1.plot(t, df[col], label=label, color=color, lw=1.6)
    if twin is not None:
        tt = twin["time"].dt.tz_convert("UTC").dt.tz_localize(None)
        ax1.plot(tt, twin["ever_infected"], color="#111827", lw=1.2, ls="--",
                 label=f"analytic twin ({twin['model'].iloc[0]}), ever infected")
    rt, rate, what = rate_bins(df, per_minute)
    for m in measured:
        if m.at is not None and m.column in df:
            ax1.plot([m.at.replace(tzinfo=None)], [m.value], marker="^" if m.relation == "at_least" else "o",
                     ms=8, color="#f59e0b", ls="none", label=m.describe())
        elif m.column == "new_infections_per_min":
            ax2.axhline(m.value, color="#f59e0b", lw=1.4, ls=":", label=m.describe())
    ax1.set_ylabel("hosts")
    ax1.set_title(f"{summary['worm']}: {summary['vulnerable']:,} vulnerable hosts (seed {summary['seed']})")
    ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)
    thousands(ax1)
    ax2.plot(rt, rate, color="#dc2626", lw=1.2, label=f"new infections per minute ({what})")
    ax2.set_ylabel("new infections / min")
    ax2.grid(alpha=0.3)
    thousands(ax2)
    ax3 = ax2.twinx()
    minutes = (df["time"].diff().dt.total_seconds().median() / 60.0) if len(df) > 1 else 1.0
    ax3.plot(t, df["probes"] / (minutes * 60.0), color="#6b7280", lw=1.0, ls="--", label="probes per second")
    ax3.set_ylabel("probes / s (all hosts)")
    thousands(ax3)
    lines = ax2.get_legend_handles_labels()[0] + ax3.get_legend_handles_labels()[0]
    ax2.legend(lines, [ln.get_label() for ln in lines], loc="upper left", fontsize=8)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    ax2.set_xlabel("time (UTC)")
    fig.autofmt_xdate()
    return fig


def worms_figure(df, summary: dict):
    """One panel per worm when several run: the hosts running each, on its own axis (None with one worm)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from ..results.columns import slug

    worms = list((summary.get("worms") or {}).items())
    if len(worms) < 2:
        return None
    t = df["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    fig, axes = plt.subplots(len(worms), 1, figsize=(9, 2.4 * len(worms)), sharex=True, constrained_layout=True)
    for ax, (name, w), color in zip(axes, worms, ("#dc2626", "#9333ea", "#b45309", "#0f766e")):
        ax.plot(t, df[f"infected_{slug(name)}"], color=color, lw=1.5, label=f"hosts running {name}")
        ax.set_title(f"{name}: at most {w['peak_infected']:,} hosts at once, {w['probes_total']:,} probes",
                     fontsize=9)
        ax.set_ylabel("hosts")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        thousands(ax)
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    axes[-1].set_xlabel("time (UTC)")
    fig.autofmt_xdate()
    return fig


def flood_figure(df, summary: dict):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    t = df["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    fig, ax = plt.subplots(figsize=(9, 2.8), constrained_layout=True)
    ax.plot(t, df["flood_packets"], color="#b45309")
    ax.set_ylabel("packets per interval")
    thousands(ax)
    ax.set_title(f"Flood aimed at {summary['flood_target']}")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def org_figure(df, name: str, org: dict):
    """An organisation's infected and backdoored servers over time."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    t = df["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    fig, ax = plt.subplots(figsize=(9, 2.8), constrained_layout=True)
    ax.plot(t, df[f"org_{name}_infected"], color="#dc2626", label="infected servers")
    ax.plot(t, df[f"org_{name}_backdoored"], color="#9333ea", label="backdoored servers")
    ax.set_ylabel("servers")
    thousands(ax)
    ax.set_title(f"{name}: {org['servers']:,} front-ends, {org['vulnerable_servers']:,} vulnerable")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig

"""Figures of one run (matplotlib, Agg backend, no global state left behind)."""

from __future__ import annotations


def outbreak_figure(df, summary: dict, twin=None, measured=()):
    """Hosts by state over time, and new infections and probes per interval; with the analytic twin of
    the scenario's parameters (``twin``: analytic.twin.overlay's table) and the figures measured in the
    real outbreak (``measured``: analytic.measured.Measurement objects) beside the simulation."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    t = df["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.4), sharex=True, constrained_layout=True)
    for col, label, color in [
        ("ever_infected", "ever infected", "#7f1d1d"),
        ("infected", "infected now", "#dc2626"),
        ("susceptible", "susceptible", "#2563eb"),
        ("patched", "patched", "#16a34a"),
        ("backdoored", "backdoored", "#9333ea"),
    ]:
        if df[col].any():
            ax1.plot(t, df[col], label=label, color=color, lw=1.6)
    if twin is not None:
        tt = twin["time"].dt.tz_convert("UTC").dt.tz_localize(None)
        ax1.plot(tt, twin["ever_infected"], color="#111827", lw=1.2, ls="--",
                 label=f"analytic twin ({twin['model'].iloc[0]}), ever infected")
    for m in measured:
        if m.column in df:
            at = m.at.replace(tzinfo=None)
            ax1.plot([at], [m.value], marker="^" if m.relation == "at_least" else "o", ms=8, color="#f59e0b",
                     ls="none", label=f"measured: {'at least ' if m.relation == 'at_least' else ''}{m.value:,.0f}")
    ax1.set_ylabel("hosts")
    ax1.set_title(f"{summary['worm']}: {summary['vulnerable']:,} vulnerable hosts (seed {summary['seed']})")
    ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)
    minutes = (df["time"].diff().dt.total_seconds().median() / 60.0) if len(df) > 1 else 1.0
    ax2.plot(t, df["new_infections"] / minutes, color="#dc2626", lw=1.2, label="new infections per minute")
    ax2.set_ylabel("new infections / min")
    ax2.grid(alpha=0.3)
    ax3 = ax2.twinx()
    ax3.plot(t, df["probes"] / (minutes * 60.0), color="#6b7280", lw=1.0, ls="--", label="probes per second")
    ax3.set_ylabel("probes / s (all hosts)")
    lines = ax2.get_legend_handles_labels()[0] + ax3.get_legend_handles_labels()[0]
    ax2.legend(lines, [ln.get_label() for ln in lines], loc="upper left", fontsize=8)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    ax2.set_xlabel("time (UTC)")
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
    ax.set_title(f"{name}: {org['servers']:,} front-ends, {org['vulnerable_servers']:,} vulnerable")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig

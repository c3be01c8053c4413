"""The step rule: how long an engine step may be for a worm's growth rate.

Hosts infected during a step start scanning at the next one (docs/engine.md), which delays a logistic
outbreak by about ``K dt / 2`` of its growth (K the growth rate per second). The rule ``K dt <= 0.01`` keeps
that bias at or below 0.5%. K is the fastest of the scenario's worms as their scanners state it
(:meth:`wormcast.scanners.base.Scanner.growth_rate`: for random scanning the random-constant-spread
``K = mean scan rate x infection success x vulnerable hosts / target addresses``; none for a worm whose growth
is not exponential, such as one shared sequence).

A scenario that gives no ``step`` gets the longest step of at most the former default of 10 s that meets the
rule and divides both its reporting interval and its duration (the schema requires both); a run whose step
breaks the rule says so in one line of its summary (``step_warning``).
"""

from __future__ import annotations

MAX_K_DT = 0.01  # K dt at most this: a delay of at most half of it, 0.5%
DEFAULT_STEP = 10.0  # seconds: the step when the rule allows more (and when K cannot be known beforehand)


def growth_rate(scenario, vulnerable: int) -> float | None:
    """The largest early growth rate (per second) over the scenario's worms, or None when none states one."""
    from ..world.population import target_ranges, target_size
    from .registry import SCANNERS

    rates = []
    for worm in scenario.worms:
        k = SCANNERS.get(worm.scanning.kind).growth_rate(worm, vulnerable, target_size(target_ranges(worm.exclude)))
        if k is not None and k > 0:
            rates.append(k)
    return max(rates) if rates else None


def longest_step(scenario, vulnerable: int) -> float | None:
    """The longest step the rule allows (seconds), or None when no worm states a growth rate."""
    k = growth_rate(scenario, vulnerable)
    return None if k is None else MAX_K_DT / k


def auto_step(scenario, vulnerable: int | None, min_step: float) -> float:
    """The step for a scenario that gives none: interval / m for the smallest whole m that makes it a multiple
    of 0.1 s (when one exists down to ``min_step``), at most both DEFAULT_STEP and the rule's longest step, and
    a divisor of the duration."""
    from ..util.timeutil import steps_per

    limit = DEFAULT_STEP
    if vulnerable is not None:
        longest = longest_step(scenario, vulnerable)
        if longest is not None:
            limit = min(limit, longest)
    fits = []
    m = max(1, int(scenario.interval // limit))
    while scenario.interval / m >= min_step:
        dt = scenario.interval / m
        if dt <= limit * (1 + 1e-12) and steps_per(scenario.duration, dt) is not None:
            if abs(dt * 10 - round(dt * 10)) < 1e-9:
                return dt
            fits.append(dt)
        m += 1
    return fits[0] if fits else DEFAULT_STEP  # none: the default, and the schema's checks say what is wrong


def step_warning(scenario, vulnerable: int) -> str | None:
    """One line when the scenario's step is longer than the rule allows, else None."""
    longest = longest_step(scenario, vulnerable)
    if longest is None or scenario.step <= longest * (1 + 1e-9):
        return None
    k = growth_rate(scenario, vulnerable)
    return (f"step {scenario.step:g}s is longer than the {longest:.3g}s that K*step <= {MAX_K_DT:g} allows "
            f"(K = {k * 3600:.3g}/h): hosts start scanning a step late, which slows growth by about "
            f"{100 * k * scenario.step / 2:.2g}%; a shorter step (or none: the rule then picks one) removes it")

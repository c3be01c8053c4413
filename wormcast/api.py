"""The Python API: load a scenario (preset name, TOML path or object), run it, get a Result.

Errors raised here name the parameters (``seed``, ``overrides['worm.lifetime']``), not the CLI's flags.
"""

from __future__ import annotations

from pathlib import Path

from .config import loading
from .config.loading import preset_names
from .config.schema import Scenario
from .errors import WormcastError, api_names


def resolve(scenario: Scenario | str | Path, overrides=None) -> Scenario:
    """A validated Scenario from a preset name, a TOML path or a Scenario, with ``overrides`` applied:
    ``key=value`` strings (a list, or one string for one setting) or a dict ``{"worm.scan_rate.mean": 10}``."""
    from .config.overrides import as_overrides

    overrides = as_overrides(overrides)
    if isinstance(scenario, Scenario):
        if overrides:
            from .config.loading import from_dict
            from .config.overrides import apply_overrides
            from .config.totoml import scenario_data

            data = scenario_data(scenario)  # durations with units, one worm as worm.x, as in the files
            if "step" not in scenario.model_fields_set:  # the step rule chose it: it chooses again
                data.pop("step", None)
            return from_dict(apply_overrides(data, overrides), scenario.name, scenario.base_dir, overrides)
        return scenario
    if isinstance(scenario, Path):
        scenario = str(scenario)
    if not isinstance(scenario, str):
        raise WormcastError(f"scenario: expected a preset name, a TOML path or a Scenario, not "
                            f"{type(scenario).__name__}")
    return loading.load_scenario(scenario, overrides)


def load_scenario(name_or_path: str | Path, overrides=None) -> Scenario:
    """A preset name or TOML path, with optional overrides (``key=value`` strings, one string, or a dict),
    validated into a :class:`Scenario`; messages name ``overrides['key']``."""
    with api_names():
        return resolve(name_or_path, overrides)


def check_seed(seed) -> int:
    from .errors import flag

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise WormcastError(f"{flag('--seed', seed)}: must be a non-negative integer")
    return int(seed)


def simulate(scenario: Scenario | str | Path, seed: int = 0, overrides=None, progress=None):
    """Run one outbreak and return its :class:`~wormcast.results.result.Result`.

    ``scenario``: a preset name, a TOML path or a :class:`Scenario`; ``overrides``: see :func:`resolve`;
    ``progress``: True draws a bar (terminal or notebook), False/None nothing, a callable gets
    ``(steps done, steps)``. The result keeps the address map's frames (``result.snapshots``), as
    ``wormcast run`` does, so ``result.write(dir)`` writes the same files. ``result.observers`` maps each
    named observer of the scenario to its tables: ``result.observers["caida"]["series"]`` and
    ``["sources"]`` for a telescope, ``["log"]`` for a server (pandas DataFrames, docs/outputs.md)."""
    from .observers.snapshots import run_with_snapshots
    from .util.progress import Progress

    with api_names():
        sc = resolve(scenario, overrides)
        seed = check_seed(seed)
        bar = Progress(progress, desc="simulating", unit=" steps")
        try:
            return run_with_snapshots(sc, seed, bar.callback)
        finally:
            bar.close()


__all__ = ["simulate", "load_scenario", "preset_names", "resolve"]

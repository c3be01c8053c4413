"""The Python API: load a scenario (preset name, TOML path or object), run it, get a Result."""

from __future__ import annotations

from pathlib import Path

from .config.loading import load_scenario, preset_names
from .config.schema import Scenario


def resolve(scenario: Scenario | str | Path, overrides: list[str] | None = None) -> Scenario:
    if isinstance(scenario, Scenario):
        if overrides:
            from .config.loading import from_dict
            from .config.overrides import apply_overrides

            data = scenario.model_dump(by_alias=True, exclude={"base_dir"} | (  # a step the rule chose is chosen again
                set() if "step" in scenario.model_fields_set else {"step"}))
            if len(data["worm"]) == 1:  # so that overrides say worm.x, as in the files
                data["worm"] = data["worm"][0]
            return from_dict(apply_overrides(data, overrides), scenario.name, scenario.base_dir, overrides)
        return scenario
    return load_scenario(str(scenario), overrides)


def simulate(scenario: Scenario | str | Path, seed: int = 0, overrides: list[str] | None = None,
             progress=None):
    """Run one outbreak. ``scenario`` is a preset name, a TOML path or a :class:`Scenario`."""
    from .core.loop import Simulation

    return Simulation(resolve(scenario, overrides), seed).run(progress)


__all__ = ["simulate", "load_scenario", "preset_names", "resolve"]

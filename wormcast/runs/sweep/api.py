"""``wormcast.sweep``: a parameter sweep from Python, and :class:`Sweep`, what a sweep directory holds.

``sweep(scenario, grid={"worm.scan_rate.mean": [3, 6, 12]}, runs=10, out="out/sweep")`` runs (or resumes)
the sweep as ``wormcast sweep`` does and returns a :class:`Sweep`; ``Sweep.load(dir)`` reads one back.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import WormcastError, api_names
from ...results.display import Displayable, figure


def _text(value) -> str:
    """A grid value as the override syntax writes it (text as is: ``"6h"``; numbers, booleans, lists as TOML)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def grid_points(grid) -> tuple[list[str], list]:
    """``{"key": [v1, v2], ...}`` (or ``key=v1,v2`` strings) as the sweep's keys and points."""
    from .grid import parse_grid

    if isinstance(grid, dict):
        options = []
        for key, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise WormcastError(f"grid[{key!r}]: expected a list of values, not {values!r}")
            options.append(f"{key}={','.join(_text(v) for v in values)}")
    elif isinstance(grid, str):
        options = [grid]
    else:
        options = list(grid or [])
    return parse_grid(options)


class Sweep(Displayable):
    """A sweep directory: ``results`` (one row per point and run), ``aggregate`` (per point, percentiles of
    every figure), ``keys`` (the swept keys), ``manifest`` (sweep.json)."""

    def __init__(self, root: str | Path, manifest: dict, records: dict):
        from .aggregate import aggregate_table, manifest_points, results_table

        self.root, self.manifest = Path(root), manifest
        self.keys, _ = manifest_points(manifest)
        self.results = results_table(manifest, records)
        self.aggregate = aggregate_table(manifest, records)
        self.done = len(records)
        self.total = len(manifest["points"]) * manifest["runs"]

    @classmethod
    def load(cls, root: str | Path) -> "Sweep":
        from .store import Store, read_manifest

        root = Path(root)
        manifest = read_manifest(root)
        if manifest is None:
            raise WormcastError(f"{root}: not a sweep directory (no sweep.json)")
        return cls(root, manifest, Store(root, manifest).records())

    def to_df(self, tidy: bool = False):
        """The aggregate table (one row per point); ``tidy=True``: the results table (one row per run)."""
        return (self.results if tidy else self.aggregate).copy()

    def _display(self):
        m = self.manifest
        rows = [("scenario", str(m.get("scenario"))),
                ("swept", ", ".join(self.keys)),
                ("points x runs", f"{len(m['points'])} x {m['runs']} from root seed {m['seed']}"
                 + ("" if self.done == self.total else f"; {figure(self.done)} of {figure(self.total)} done")),
                ("directory", str(self.root))]
        return "wormcast Sweep", rows

    def _display_block(self) -> str:
        from .aggregate import text_table

        return text_table(self.aggregate, self.keys, ["ever_infected_fraction", "peak_infected"])


def sweep(scenario, grid, runs: int = 10, seed: int = 0, out: str | Path | None = None, overrides=None,
          backend: str | None = None, workers: int | None = None, scheduler: str | None = None,
          progress: bool = False) -> Sweep:
    """Run (or resume) ``runs`` runs at every point of ``grid`` (``{"key": [v1, v2, ...]}``, the full factorial)
    into the sweep directory ``out`` and return the :class:`Sweep`. ``overrides`` apply at every point."""
    from ...api import resolve
    from .runner import run_sweep
    with api_names():
        if out is None:
            raise WormcastError("out: a sweep keeps its runs in a directory (so that it can resume); name one")
        keys, points = grid_points(grid)
        base = resolve(scenario, overrides)
        outcome = run_sweep(base, keys, points, runs, seed, out, backend=backend, scheduler=scheduler,
                            workers=workers, progress=bool(progress), option="grid")
        if outcome.lost:
            raise WormcastError(f"{len(outcome.lost)} runs lost to dead workers ({outcome.lost[0][1]}); call "
                                "sweep() again to finish")
        return Sweep.load(out)

"""The largest ensembles and sweeps wormcast accepts, checked before anything is allocated.

Runs and seeds are streamed to the workers (only a few per worker are in flight at once), so a large
allowed count starts at once and the memory for the tasks does not grow with it. What does grow with the
count is what has to be kept: an ensemble keeps every run's interval columns for its exact percentile bands,
and a sweep's final tables hold one row per run. The limits below keep those within a workstation's memory.
"""

from __future__ import annotations

from ..errors import WormcastError, flag

MAX_RUNS = 1_000_000  # runs per point (an ensemble is one point)
MAX_POINTS = 10_000  # points of a sweep grid or --points file (each is validated and kept as a scenario)
MAX_SWEEP_RUNS = 1_000_000  # points x runs: results.parquet holds one row per run
ENSEMBLE_MEMORY = 4 * 2**30  # bytes an ensemble may keep: runs x intervals x columns x 8 bytes
BAND_COLUMNS_AT_LEAST = 13  # the interval columns every run has (more with several worms or organisations)


def check_runs(runs) -> int:
    """``runs`` per point as an int, or one line saying what is wrong."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise WormcastError(f"{flag('--runs', runs)}: must be at least 1")
    if runs > MAX_RUNS:
        raise WormcastError(f"{flag('--runs', runs)}: at most {MAX_RUNS:,} runs per point")
    return runs


def check_points(n_points: int, option: str) -> int:
    if n_points > MAX_POINTS:
        raise WormcastError(f"{option}: {n_points:,} points; a sweep has at most {MAX_POINTS:,} "
                            "(split it into several sweeps)")
    return n_points


def check_sweep_size(n_points: int, runs: int) -> int:
    total = n_points * runs
    if total > MAX_SWEEP_RUNS:
        raise WormcastError(f"{flag('--runs', runs)}: {n_points:,} points x {runs:,} runs = {total:,} runs; a sweep has at "
                            f"most {MAX_SWEEP_RUNS:,} (fewer runs or points, or several sweeps)")
    return total


def check_ensemble_memory(runs: int, intervals: int, columns: int = BAND_COLUMNS_AT_LEAST) -> None:
    """Refuse an ensemble whose kept interval columns would exceed :data:`ENSEMBLE_MEMORY`."""
    need = runs * intervals * columns * 8
    if need > ENSEMBLE_MEMORY:
        most = max(1, ENSEMBLE_MEMORY // max(1, intervals * columns * 8))
        raise WormcastError(f"{flag('--runs', runs)}: an ensemble keeps {intervals:,} intervals x {columns} columns of every "
                            f"run ({need / 2**30:.1f} GiB); at most {most:,} runs at this {flag('--interval')} "
                            f"({ENSEMBLE_MEMORY / 2**30:g} GiB); use a coarser {flag('--interval')} or a sweep")

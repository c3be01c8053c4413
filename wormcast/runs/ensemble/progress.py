"""One progress bar for many runs (done of total, rate, ETA) on a terminal; silent otherwise."""

from __future__ import annotations

from ...util.progress import ProgressBar


def runs_bar(total: int, initial: int = 0, desc: str = "runs", enabled: bool = True) -> ProgressBar:
    return ProgressBar(total, desc=desc, unit=" runs", initial=initial, enabled=None if enabled else False)

"""One progress bar for many runs (done of total, rate, ETA) on a terminal; silent otherwise."""

from __future__ import annotations


class _Bar:
    def __init__(self, bar):
        self.bar = bar

    def update(self, n: int = 1) -> None:
        self.bar.advance(n)

    def close(self) -> None:
        self.bar.close()


def runs_bar(total: int, initial: int = 0, desc: str = "runs", enabled: bool = True):
    from ..progress import ProgressBar

    return _Bar(ProgressBar(total, desc=desc, unit=" runs", initial=initial, enabled=None if enabled else False))

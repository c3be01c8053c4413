"""A small terminal progress bar on stderr: shown on a terminal only, silent otherwise.

(Written here rather than taken from tqdm, whose bar drew nothing on some pseudo-terminals.)
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


class ProgressBar:
    """``desc [#####.....] 42% 21/50 3.1/s ETA 0:09``; redrawn at most ten times a second."""

    def __init__(self, total: int, desc: str = "", unit: str = "", stream: TextIO | None = None,
                 enabled: bool | None = None, initial: int = 0):
        self.total, self.desc, self.unit = max(int(total), 1), desc, unit
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.done = self.initial = int(initial)
        self.t0 = time.monotonic()
        self._last = 0.0

    def update(self, done: int) -> None:
        """Set the number of units done (not an increment)."""
        self.done = min(int(done), self.total)
        now = time.monotonic()
        if self.enabled and (now - self._last >= 0.1 or self.done == self.total):
            self._last = now
            self._draw(now)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.update(self.done + n)

    def _draw(self, now: float) -> None:
        frac = self.done / self.total
        elapsed = max(now - self.t0, 1e-9)
        rate = (self.done - self.initial) / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta_txt = "?" if eta != eta else f"{int(eta // 60)}:{int(eta % 60):02d}"
        tail = f" {100 * frac:3.0f}% {self.done}/{self.total}{self.unit} {rate:.3g}/s ETA {eta_txt}"
        width = max(10, shutil.get_terminal_size().columns - len(self.desc) - len(tail) - 4)
        filled = int(round(frac * width))
        self.stream.write(f"\r{self.desc} [{'#' * filled}{'.' * (width - filled)}]{tail}")
        self.stream.flush()

    def close(self) -> None:
        """Erase the bar so the summary that follows starts on a clean line."""
        if self.enabled:
            self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
            self.stream.flush()

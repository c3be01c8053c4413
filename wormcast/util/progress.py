"""A small terminal progress bar on stderr: shown on a terminal only, silent otherwise.

(The CLI's bar is written here rather than taken from tqdm, whose bar drew nothing on some pseudo-terminals;
the Python API's ``progress=True`` uses tqdm.auto, which also draws in notebooks: :class:`Progress`.)
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


class Progress:
    """What the Python API's ``progress=`` takes, as a ``(done, total)`` callback and a ``close()``:
    ``True`` draws a bar (tqdm.auto: a widget in notebooks, text on terminals and in captured output; the
    :class:`ProgressBar` above, forced on, where tqdm is not installed); ``False`` or ``None`` draws nothing;
    a callable is called as ``progress(done, total)``."""

    def __init__(self, progress, desc: str = "", unit: str = ""):
        self._bar = None
        self._fallback = None
        self.callback = None
        if progress is None or progress is False:
            return
        if progress is True:
            self.desc, self.unit = desc, unit
            self.callback = self._draw
        elif callable(progress):
            self.callback = progress
        else:
            from ..errors import WormcastError

            raise WormcastError(f"progress={progress!r}: expected True, False, None or a callable(done, total)")

    def _draw(self, done: int, total: int) -> None:
        if self._bar is None and self._fallback is None:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self._fallback = ProgressBar(total, desc=self.desc, unit=self.unit, enabled=True)
            else:
                self._bar = tqdm(total=total, desc=self.desc, unit=self.unit.strip() or "it", leave=True,
                                 file=sys.stderr)
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
        else:
            self._fallback.update(done)

    def __call__(self, done: int, total: int) -> None:
        if self.callback is not None:
            self.callback(done, total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._fallback is not None:
            self._fallback.close()
        self._bar = self._fallback = None

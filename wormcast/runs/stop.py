"""SIGTERM stops a sweep or an ensemble as cleanly as Ctrl-C does.

While :func:`sigterm_stops` is active, the first SIGTERM raises :class:`Terminated` (a KeyboardInterrupt,
so every ``finally`` that stops a pool runs) in the main thread; a second one kills the process at once, as
the default would. The commands turn it into one line and exit status 143 (128 + SIGTERM).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

TERMINATED_EXIT = 128 + int(signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM."""


def _raise_terminated(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process straight away
    raise Terminated()


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

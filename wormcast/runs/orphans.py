"""Pool workers never outlive the process that started them.

A worker whose parent is killed (SIGKILL included, which no parent can catch) would otherwise keep running
its simulation, and then wait for work forever, holding its memory. Each local pool worker therefore calls
:func:`die_with_parent` first: on Linux the kernel sends it SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``); everywhere, a daemon thread also checks once a second that the parent is
still there and ends the worker when it is not. Workers only compute (the parent writes every file), so
ending them abruptly loses nothing but the runs in flight.

(Dask's own worker processes already watch their parent through a pipe.)
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_INTERVAL = 1.0  # seconds between the watchdog's checks


def _set_pdeathsig() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent dies; False where that is not offered."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:  # re-parented: the parent is gone
            os._exit(1)


def die_with_parent(parent: int, interval: float = WATCH_INTERVAL) -> None:
    """Make this (worker) process end when process ``parent`` ends."""
    _set_pdeathsig()
    if os.getppid() != parent:  # the parent died before the kernel was asked to tell us
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, interval), name="wormcast-parent-watch", daemon=True).start()


def worker_init(parent: int) -> None:
    """Initializer of every local pool worker: Ctrl-C and SIGTERM are the parent's to handle (it stops the
    pool cleanly), and the worker dies with its parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run the parent's handler
    die_with_parent(parent)

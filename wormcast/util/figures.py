"""Figures handed to callers: the Figure object, with nothing left open in pyplot and the session's matplotlib
backend kept as it was.

The report's figure functions ask matplotlib for the Agg backend (right for the CLI, which has no display).
In a notebook or any session that already uses pyplot, that request would switch pyplot away from the
session's backend (the inline one of Jupyter) and close every figure the user has open; :func:`keep_backend`
makes the request a no-op while such a figure is drawn for the API.
"""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def keep_backend():
    """Inside: ``matplotlib.use(...)`` changes nothing when pyplot is already in use (else it is left alone)."""
    if "matplotlib.pyplot" not in sys.modules:
        yield
        return
    import matplotlib

    use = matplotlib.use
    matplotlib.use = lambda *args, **kwargs: None
    try:
        yield
    finally:
        matplotlib.use = use


def detached(fig):
    """``fig`` closed in pyplot (so a notebook shows it once, as the cell's value, and a loop of plots keeps no
    global state), still drawable: ``fig.savefig(...)``."""
    if getattr(fig.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return fig


def api_figure(draw, *args, **kwargs):
    """``draw(*args, **kwargs)`` (a function returning a Figure) for the API: backend kept, figure detached."""
    with keep_backend():
        return detached(draw(*args, **kwargs))

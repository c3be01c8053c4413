"""Figures handed to callers: the Figure object, with nothing left open in pyplot's list of figures."""

from __future__ import annotations


def detached(fig):
    """``fig`` closed in pyplot (so a notebook or a loop of plots keeps no global state), still drawable:
    ``fig.savefig(...)``, or shown by a notebook as the value of a cell."""
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig

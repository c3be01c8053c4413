"""The analytic models by name (``wormcast model NAME``)."""

from __future__ import annotations

from .aawp import AAWP
from .base import AnalyticModel
from .hitlist import HitList
from .localized import Localized
from .permutation import Permutation
from .rcs import RCS
from .sis import SIS
from .two_factor import TwoFactor

MODELS: dict[str, type[AnalyticModel]] = {m.name: m for m in (RCS, AAWP, TwoFactor, SIS, HitList, Permutation,
                                                        Localized)}


def get_model(name: str) -> type[AnalyticModel]:
    """The model class called ``name``; KeyError lists the known names."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"no analytic model {name!r} (models: {', '.join(MODELS)})") from None

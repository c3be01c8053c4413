"""Nimda (18 September 2001): facts, its web target choice, which hosts it can infect, and its other vectors.

Sources: CERT Advisory CA-2001-26 "Nimda Worm" (18 Sep 2001) [P] for the vectors (IIS Unicode directory
traversal, Code Red II's and sadmind/IIS's backdoors, e-mail, open network shares, infected pages browsed by
clients) and the target choice (50% same /16, 25% same /8, 25% random, as also given in background.md).
Design notes for the engine: docs/worms/nimda.md.

Nimda's web scanning is the existing ``localized`` scanner with :data:`LOCAL_PREFERENCE`. Its target set is a
rule any worm may declare (core/infectability.py): a host is infectable when it is open to the Unicode
traversal (the worm's ``exploit_share``) OR carries a Code Red II backdoor (``root.exe`` in the scripts
directories; ``through_backdoors``), which patching against Code Red does not remove. So Code Red II's
backdoors feed Nimda. Its e-mail and share vectors are an extra infection hazard (core/extra_hazard.py),
not scanning. ASSUMPTION: patching closes the Unicode hole too (the cumulative IIS patch MS01-044 of Aug
2001 fixed both).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..core.extra_hazard import ExtraHazard, HazardKind
from ..core.infectability import infectable

__all__ = ["ExtraHazard", "HazardKind", "infectable", "local_preference_table", "LOCAL_PREFERENCE", "PORT",
           "RELEASE", "WEB_PROBES_PER_SEQUENCE"]

RELEASE = datetime(2001, 9, 18, 12, 0, tzinfo=timezone.utc)  # first reports on the morning of 18 Sep (US
                                                             # Eastern); the hour is an ASSUMPTION
PORT = 80
LOCAL_PREFERENCE = ((16, 0.5), (8, 0.25), (0, 0.25))  # (prefix, probability), CERT CA-2001-26
WEB_PROBES_PER_SEQUENCE = 16  # the fixed request sequence per target (../data/real-logs nimda log)


def local_preference_table() -> list[dict]:
    """The ``[[worm.local_preference]]`` entries of the scenario schema."""
    return [{"prefix": k, "probability": p} for k, p in LOCAL_PREFERENCE]

"""Observers: components that watch the run and declare its outputs (time series, summary figures).

``outbreak.py`` is the outbreak's own series. The other modules are the engine-independent building blocks
of the observers still to be wired as components (issue 11): where a scanner's probes land (``landing``),
how telescope hits are drawn (``sampling``), address churn (``churn``), a telescope's per-interval
accounting (``telescope_counts``), Moore et al.'s estimators (``estimators``), background radiation
(``background``), early-warning detectors (``detectors/``), the log a web server would have written
(``server_log``) and calibration of a simulator to an observed series (``calibration``); docs/observers.md.
"""

from . import outbreak  # noqa: F401  (registers itself)
from . import snapshots  # noqa: F401  (registers itself)

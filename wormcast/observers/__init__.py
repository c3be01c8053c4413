"""Observers of an outbreak, as pure engine-independent building blocks (issue 11).

Each module is one concept: where a scanner's probes land (:mod:`.landing`), how telescope hits are drawn
(:mod:`.sampling`), address churn (:mod:`.churn`), the telescope's per-interval accounting
(:mod:`.telescope_counts`), Moore et al.'s estimators (:mod:`.estimators`), background radiation
(:mod:`.background`), early-warning detectors (:mod:`.detectors`), the log a web server would have written
(:mod:`.server_log`) and calibration of a simulator to an observed series (:mod:`.calibration`).
See docs/observers.md. Importing this package imports nothing else.
"""

"""Early-warning detectors. Each has ``update(t, value) -> Alarm | None`` and ``alarm_time``.

:mod:`.kalman` (Zou, Gao, Gong & Towsley, CCS 2003), :mod:`.threshold` (level above background) and
:mod:`.trend` (Poisson CUSUM, run of increases). :mod:`.alarm` holds the shared :class:`Alarm` record.
"""

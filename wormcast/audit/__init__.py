"""Forensic audit of web-server logs: worm probes, compromise evidence, outbreak timelines and fits.

Entry points: ``wormcast.audit(paths, ...)`` (this package is callable: :func:`wormcast.audit.run.audit`),
:func:`wormcast.audit.run.run_audit` (library) and ``wormcast audit`` (see cli.py).
"""

import sys as _sys
import types as _types


class _CallableModule(_types.ModuleType):
    """This package, callable: ``import wormcast; wormcast.audit(paths)`` works whether or not a submodule
    (``wormcast.audit.run``) was imported, since importing one rebinds ``wormcast.audit`` to this module."""

    def __call__(self, paths, *args, **kwargs):
        from .run import audit

        return audit(paths, *args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule

"""Forensic audit of web-server logs: worm probes, compromise evidence, outbreak timelines and fits.

Entry points: :func:`wormcast.audit.run.run_audit` (library) and ``wormcast audit`` (see cli.py).
"""

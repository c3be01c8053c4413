"""Organisations: server farms in their own blocks, their audits, and their users' exposure."""

from . import audits, ledger  # noqa: F401  (each registers itself)

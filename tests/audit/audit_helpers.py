"""Shared helpers for the audit tests: where the real logs are, and a parser-built CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real-logs"


def real_log(name: str) -> Path:
    p = REAL / name
    if not p.is_file():
        pytest.skip(f"real log {p} is missing (the shared data directory is not checked out beside the repo)")
    return p


def cli(argv: list[str]) -> int:
    """Run `wormcast audit ARGV` through register(), as wormcast/cli.py will."""
    from wormcast.audit.cli import register

    p = argparse.ArgumentParser(prog="wormcast")
    register(p.add_subparsers())
    args = p.parse_args(["audit", *argv])
    return args.func(args)

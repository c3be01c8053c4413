"""What one named observer (a telescope, a monitored server) produced in a run: its tables, its files and
its summary figures. ``Result.observers[name]`` holds one; ``obs["series"]`` is a table (a DataFrame)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ObserverOutput:
    name: str
    kind: str
    tables: dict = field(default_factory=dict)  # table name -> pandas DataFrame (or a function making it)
    files: dict = field(default_factory=dict)  # file name in the run's directory -> writer(path)
    summary: dict = field(default_factory=dict)  # summary.json's observers.<name>

    def __getitem__(self, table: str):
        """A table given as a function (no arguments) is built on first read: runs that never read it skip it."""
        t = self.tables[table]
        if callable(t):
            t = self.tables[table] = t()
        return t

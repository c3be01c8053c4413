"""The durable record of a sweep in its directory: ``sweep.json`` (what the sweep is) and ``runs/`` (one
small JSON file per finished run, written via a temporary file and ``os.replace``, so a kill at any moment
leaves whole files only).

The manifest's hash covers every point's resolved scenario, the swept keys, the runs per point, the root
seed and the wormcast version: re-running the same sweep resumes it; anything else is refused rather than
mixed in.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ... import __version__
from ...errors import WormcastError, flag
from ...util.atomic import write_failure, write_text_atomic

FORMAT = 1


def manifest(scenario, keys: list[str], points, scenarios, runs: int, seed: int) -> dict:
    def dump(sc) -> dict:
        return sc.model_dump(mode="json", by_alias=True, exclude={"base_dir"})

    ident = {"keys": keys, "points": [dump(sc) for sc in scenarios], "runs": runs, "seed": seed,
             "version": __version__}
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return {"format": FORMAT, "hash": digest, "scenario": scenario.name, "keys": keys,
            "points": [dict(p.texts) for p in points], "runs": runs, "seed": seed, "version": __version__,
            "base_scenario": dump(scenario)}


def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text, durable=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def read_manifest(root: Path) -> dict | None:
    """The manifest in ``root`` (None when there is none); refuses a directory that is not a sweep's."""
    path = root / "sweep.json"
    if root.exists() and not root.is_dir():
        raise WormcastError(f"{root}: exists and is not a directory")
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "hash" not in data:
            raise ValueError("no hash")
    except (OSError, ValueError) as exc:
        raise WormcastError(f"{path}: not a readable wormcast sweep manifest ({exc})") from None
    return data


class Store:
    """One sweep directory. ``check`` before any work; ``create`` once the runs are about to start."""

    def __init__(self, root: str | Path, manifest: dict):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.manifest = manifest

    def check(self) -> bool:
        """True when the directory already holds this sweep; raises when it holds anything else."""
        found = read_manifest(self.root)
        if found is not None:
            if found["hash"] != self.manifest["hash"]:
                raise WormcastError(
                    f"{flag('--out', self.root)}: holds a different sweep ({found.get('scenario')}, keys "
                    f"{', '.join(found.get('keys', []))}, {len(found.get('points', []))} points x "
                    f"{found.get('runs')} runs, seed {found.get('seed')}, wormcast {found.get('version')}); "
                    f"use another {flag('--out')}")
            return True
        if self.root.exists() and any(self.root.iterdir()):
            raise WormcastError(f"{flag('--out', self.root)}: exists, is not empty and holds no sweep.json; use another {flag('--out')}")
        return False

    def create(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not (self.root / "sweep.json").exists():
                _write_atomic(self.root / "sweep.json", json.dumps(self.manifest, indent=2) + "\n")
            self.runs_dir.mkdir(exist_ok=True)
            for tmp in self.runs_dir.glob(".*.tmp-*"):
                if not _alive(tmp.name.rsplit("-", 1)[-1]):  # a write cut short by a kill
                    tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise write_failure(self.root, exc) from None

    def path(self, point: int, run: int) -> Path:
        return self.runs_dir / f"p{point:06d}-r{run:06d}.json"

    def write(self, record: dict) -> None:
        """Save one finished run (ok or failed) atomically."""
        keep = {k: record[k] for k in ("point", "run", "seed", "status", "summary")}
        try:
            _write_atomic(self.path(record["point"], record["run"]), json.dumps(keep, separators=(",", ":")))
        except OSError as exc:  # a full disk: one line; the run files already written stay
            raise write_failure(self.root, exc) from None

    def records(self) -> dict[tuple[int, int], dict]:
        """Every readable run file of this sweep, keyed by (point, run)."""
        out = {}
        if not self.runs_dir.is_dir():
            return out
        n_points, runs = len(self.manifest["points"]), self.manifest["runs"]
        for path in self.runs_dir.glob("p*-r*.json"):
            try:
                rec = json.loads(path.read_text(encoding="utf-8"))
                key = (int(rec["point"]), int(rec["run"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # unreadable: that run is simply done again
            if key[0] < n_points and key[1] < runs and path.name == self.path(*key).name:
                out[key] = rec
        return out

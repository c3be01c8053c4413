"""The fingerprint of one preset run: SHA-256 of its timeseries.csv bytes and its summary figures.

Recorded before a restructuring; ``tests/test_golden.py`` checks that the same scenario and seed still give
the same bytes. ``python tests/golden/fingerprint.py NAME ...`` prints the records of those presets (default:
all); ``--into tests/golden/presets.json NAME ...`` writes those presets' records into the file and leaves
every other entry as it was. The file holds one entry per preset and seed, keys sorted, one space of indent
(``dump``), so records of different presets merge without conflicts. Floats are compared exactly: summary
figures as JSON (Python's shortest round-trip repr), the CSV as pandas writes it; the records were checked
to come out the same with numpy's SIMD dispatch turned off (``NPY_DISABLE_CPU_FEATURES``), as on an older CPU.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

SEEDS = (0, 1, 2)
VOLATILE = ("wall_seconds", "version")


def csv_bytes(result) -> bytes:
    """timeseries.csv as `wormcast run` writes it (times as ISO 8601 UTC text)."""
    df = result.to_df().reset_index()
    df["time"] = df["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return df.to_csv(index=False).encode()


def fingerprint(preset: str, seed: int) -> dict:
    import wormcast

    res = wormcast.simulate(preset, seed=seed)
    summary = {k: v for k, v in res.summary.items() if k not in VOLATILE}
    return {"timeseries_sha256": hashlib.sha256(csv_bytes(res)).hexdigest(),
            "summary": json.loads(json.dumps(summary))}


def dump(records: dict) -> str:
    """The file's text: the format every record in it is kept in."""
    return json.dumps(records, indent=1, sort_keys=True)


def main(argv: list[str]) -> None:
    import wormcast

    into = None
    if argv[:1] == ["--into"]:
        into, argv = Path(argv[1]), argv[2:]
    names = argv or wormcast.preset_names()
    out = {f"{name}/{seed}": fingerprint(name, seed) for name in names for seed in SEEDS}
    if into is None:
        print(dump(out))
        return
    records = json.loads(into.read_text())
    records.update(out)
    into.write_text(dump(records))


if __name__ == "__main__":
    main(sys.argv[1:])

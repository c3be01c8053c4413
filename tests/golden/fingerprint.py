"""The fingerprint of one preset run: SHA-256 of its timeseries.csv bytes and its summary figures.

Recorded once (``python tests/golden/fingerprint.py > tests/golden/presets.json``) before a restructuring;
``tests/test_golden.py`` checks that the same scenario and seed still give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import sys

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


def main() -> None:
    import wormcast

    names = sys.argv[1:] or wormcast.preset_names()
    out = {f"{name}/{seed}": fingerprint(name, seed) for name in names for seed in SEEDS}
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()

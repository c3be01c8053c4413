"""The draft presets of wormcast/worms/presets_draft (and the fast ones shipped from them): they parse, they
use the current schema's spelling (with the new scanner table and the extensions removed they validate as a
Scenario), and every value is tagged with its origin (a source [P]/[S], a derivation [D], CALIBRATED or ASSUMPTION)."""

import tomllib
from pathlib import Path

import pytest

from wormcast.config.loading import from_dict

DRAFTS = Path(__file__).resolve().parents[2] / "wormcast" / "worms" / "presets_draft"
OWN = {"blaster", "nimda"}  # slammer, witty, warhol, flash, mirai ship in config/presets
FILES = sorted(f for f in DRAFTS.glob("*.toml") if f.stem in OWN)
UNTAGGED_OK = {"name", "description", "interval", "kind", "prefix", "probability", "distribution"}
TAG = ("[P", "[S", "[D]", "CALIBRATED", "ASSUMPTION", "[P]")


def test_all_drafts_present():
    assert {f.stem for f in FILES} == OWN


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_draft_is_schema_spelled(path):
    data = tomllib.loads(path.read_text())
    kind = data["worm"]["scanning"]["kind"]
    assert kind in {"sequential", "mirai", "localized"}
    data["worm"]["scanning"] = "localized" if kind == "localized" else "uniform"
    data.pop("extensions", None)
    scenario = from_dict(data, path.name)
    assert scenario.name == path.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_value_is_tagged(path):
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        body = line.split("#", 1)[0].strip()
        if "=" not in body or body.startswith("["):
            continue
        key = body.split("=", 1)[0].strip()
        if key in UNTAGGED_OK:
            continue
        # a tag on the line, or on the comment-only continuation line below it
        text = line + (lines[i + 1] if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#") else "")
        assert any(t in text for t in TAG), f"{path.name}:{i + 1}: {line.strip()}"


SHIPPED = Path(__file__).resolve().parents[2] / "wormcast" / "config" / "presets"
FAST = ["slammer", "witty", "warhol", "flash"]


@pytest.mark.parametrize("name", FAST)
def test_shipped_fast_preset_is_tagged_and_loads(name):
    """The presets moved from the drafts load as they are, and every value line still carries its tag."""
    from wormcast.config.loading import load_scenario, preset_names

    assert name in preset_names() and load_scenario(name).name == name
    assert not (DRAFTS / f"{name}.toml").exists()  # moved, not copied
    test_every_value_is_tagged(SHIPPED / f"{name}.toml")

"""The presets of the worms after Code Red (moved from the drafts once their scanners were registered): each
loads as shipped, and every value line carries its origin: a source ([P ...], [S ...]), a derivation [D],
CALIBRATED (against what) or ASSUMPTION."""

from pathlib import Path

import pytest

from wormcast.config.loading import load_scenario, preset_names

SHIPPED = Path(__file__).resolve().parents[2] / "wormcast" / "config" / "presets"
AFTER_CODE_RED = ["slammer", "witty", "blaster", "nimda", "mirai", "mirai-scale", "warhol", "flash"]
UNTAGGED_OK = {"name", "description", "interval", "kind", "prefix", "probability", "distribution"}
TAG = ("[P", "[S", "[D]", "CALIBRATED", "ASSUMPTION")


def untagged(text: str) -> list[str]:
    """Value lines with no tag on the line nor on a comment-only line right below it."""
    lines, out = text.splitlines(), []
    for i, line in enumerate(lines):
        body = line.split("#", 1)[0].strip()
        if "=" not in body or body.startswith("["):
            continue
        if body.split("=", 1)[0].strip() in UNTAGGED_OK:
            continue
        text = line + (lines[i + 1] if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#") else "")
        if not any(t in text for t in TAG):
            out.append(f"{i + 1}: {line.strip()}")
    return out


@pytest.mark.parametrize("name", AFTER_CODE_RED)
def test_preset_loads_and_every_value_is_tagged(name):
    assert name in preset_names() and load_scenario(name).name == name
    assert untagged((SHIPPED / f"{name}.toml").read_text()) == []


def test_an_untagged_value_is_caught():
    """Negative control: the check finds a value without a tag."""
    assert untagged('vulnerable = 5  # ASSUMPTION\nscan_rate = 7\n') == ["2: scan_rate = 7"]

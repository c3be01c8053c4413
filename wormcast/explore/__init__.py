"""``wormcast explore``: a local page (127.0.0.1 only) where a user picks a preset, moves its controls and
sees the outbreak, the address map and an organisation's exposure redrawn (docs/explore.md)."""

"""Example wormcast plugins (see ../pyproject.toml for their entry points)."""

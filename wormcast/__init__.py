"""wormcast: simulate, observe and explain Internet worm outbreaks. It never sends a packet."""

__version__ = "0.1.0"

from .api import load_scenario, preset_names, simulate  # noqa: E402
from .runs.calibrate import calibrate  # noqa: E402
from .runs.ensemble import simulate_many  # noqa: E402

__all__ = ["simulate", "simulate_many", "calibrate", "load_scenario", "preset_names", "__version__"]

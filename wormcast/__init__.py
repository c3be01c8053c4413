"""wormcast: simulate, observe and explain Internet worm outbreaks. It never sends a packet."""

__version__ = "0.1.0"

from . import audit  # noqa: E402  (the package is callable: wormcast.audit(paths, ...))
from .api import load_scenario, preset_names, simulate  # noqa: E402
from .config.schema import Scenario  # noqa: E402
from .runs.calibrate import calibrate  # noqa: E402
from .runs.ensemble import simulate_many  # noqa: E402
from .runs.sweep.api import Sweep, sweep  # noqa: E402

__all__ = ["simulate", "simulate_many", "sweep", "audit", "calibrate", "load_scenario", "preset_names", "Scenario",
           "Sweep", "__version__"]

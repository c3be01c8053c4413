"""The bounds every scenario is checked against before anything is allocated, in one place.

They keep a run's memory and time finite: per-host arrays cost about 80 bytes a host, per-step columns
about 8 bytes a column a step, logins about 30 bytes each. Each bound is far above what the shipped
presets need (codered-v2: 370,000 hosts and 5,040 steps; mirai-scale: 10 million devices).
"""

MAX_HOSTS = 20_000_000  # vulnerable hosts plus organisations' servers: about 1.6 GB of per-host arrays
MAX_STEPS = 2_000_000  # engine steps of one run: ~16 MB per column
MIN_STEP = 1e-3  # seconds
MAX_DURATION = 100 * 365 * 86400.0  # any duration, in seconds
YEARS = (1970, 2100)  # start and end must fall between these years (UTC)
MAX_SCAN_RATE = 1e6  # probes per second per host (Slammer's fastest hosts sent ~3e4)
MAX_CV = 20.0
MAX_FLOOD_RATE = 1e9  # packets per second per host
MAX_USERS = 10_000_000
MAX_LOGINS = 100_000_000  # users x logins per day x days, per organisation

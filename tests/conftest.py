import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_LOGS = ROOT.parent / "shared" / "data" / "real-logs"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def real_logs() -> Path:
    if not REAL_LOGS.is_dir():
        pytest.skip(f"real logs not found at {REAL_LOGS} (../shared/data/real-logs beside the checkout)")
    return REAL_LOGS

"""Hit-list scanning: h = 1 is random constant spread, the list phase, and the paper's fast-worm figures."""

import numpy as np
import pytest

from wormcast.analytic.hitlist import HitList
from wormcast.analytic.rcs import RCS


@pytest.mark.parametrize("list_rate", [0.0, 50.0])
def test_a_hitlist_of_one_host_is_rcs(list_rate):
    t = np.linspace(0, 6 * 3600, 97)
    h = HitList(vulnerable=300000, scan_rate=10.0, hitlist=1, list_rate=list_rate).curve(t)
    r = RCS(vulnerable=300000, scan_rate=10.0, initial_infected=1).curve(t)
    assert np.allclose(h.infected, r.infected, rtol=1e-12, atol=1e-9)
    # negative control: a list of 2 is not
    h2 = HitList(vulnerable=300000, scan_rate=10.0, hitlist=2).curve(t)
    assert np.max(np.abs(h2.infected - r.infected)) > 1000


def test_list_phase_then_random_scanning():
    m = HitList(vulnerable=300000, scan_rate=100.0, hitlist=10000, list_rate=10.0)
    th = np.log(10000) / 10.0
    assert m.list_seconds == pytest.approx(th)
    c = m.curve([0.0, th / 2, th, th + 60.0])
    assert c.infected[0] == pytest.approx(1.0) and c.infected[1] == pytest.approx(100.0)
    assert c.infected[2] == pytest.approx(10000.0)
    assert c.infected[3] == pytest.approx(RCS(300000, 100.0, 2**32, 10000).curve([60.0]).infected[0])


def test_time_to_fraction_and_the_papers_100_scans_per_second_figure():
    m = HitList(vulnerable=300000, scan_rate=100.0, hitlist=1)
    # Staniford et al. 2002, Fig. 7: a 100 scans/s random scanner infects (99.99% of) 300,000 in under an hour
    assert 45 * 60 < m.time_to(0.9999) < 60 * 60
    t = m.time_to(0.99)
    assert m.curve([t]).fraction[0] == pytest.approx(0.99, abs=1e-9)

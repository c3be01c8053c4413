"""Telescope accounting: exact counts on a hand-made series, churn statistics against the Poisson law."""

import numpy as np
import pytest

from wormcast.observers.churn import AddressChurn
from wormcast.observers.telescope_counts import TelescopeCounter


def test_counts_by_hand():
    c = TelescopeCounter()
    r1 = c.observe(0, 60, [7, 3, 7, 9], [2, 1, 1, 0])  # 9 sent nothing: not seen
    r2 = c.observe(60, 120, [3, 11], [4, 1])
    r3 = c.observe(120, 180, [], [])
    assert (r1.packets, r1.active_hosts, r1.new_hosts, r1.unique_hosts) == (4, 2, 2, 2)
    assert (r2.packets, r2.active_hosts, r2.new_hosts, r2.unique_hosts) == (5, 2, 1, 3)
    assert (r3.packets, r3.active_hosts, r3.new_hosts, r3.unique_hosts) == (0, 0, 0, 3)
    s = c.sources()
    rows = {int(i): (f, l, p) for i, f, l, p in zip(s.ids, s.first_seen, s.last_seen, s.packets)}
    assert rows == {7: (0, 60, 3), 3: (0, 120, 5), 11: (60, 120, 1)}
    ser = c.series()
    assert list(ser.new_hosts) == [2, 1, 0] and list(ser.unique_addresses) == [2, 3, 3]
    with pytest.raises(ValueError):
        c.observe(0, 60, [1], [1])  # out of order


def test_random_stream_matches_brute_force():
    rng = np.random.default_rng(2)
    c = TelescopeCounter()
    seen, packets = {}, {}
    for k in range(200):
        ids = rng.integers(0, 5000, size=rng.integers(0, 300))
        cnt = rng.integers(0, 4, size=ids.size)
        row = c.observe(k, k + 1, ids, cnt)
        new = {int(i) for i, n in zip(ids, cnt) if n > 0 and int(i) not in seen}
        assert row.new_hosts == len(new)
        for i, n in zip(ids, cnt):
            if n > 0:
                seen.setdefault(int(i), k)
                packets[int(i)] = packets.get(int(i), 0) + int(n)
    s = c.sources()
    assert dict(zip(s.ids.tolist(), s.packets.tolist())) == packets
    assert dict(zip(s.ids.tolist(), s.first_seen.astype(int).tolist())) == seen
    assert c.n_sources == len(seen)


def test_churn_addresses_per_host():
    """Each host seen once an hour for 100 h with churn rate 0.05/h. The telescope sees a new address in an
    hour where at least one reassignment happened (two in one hour show as one), so addresses per host are
    1 + Binomial(100, p), p = 1 - exp(-0.05). Mean over 2,000 hosts within 4 s.e.; a static network (rate 0)
    gives exactly one address per host; negative control: the law at the wrong rate 0.04/h (1 mean address
    fewer, about 20 s.e.) is rejected."""
    n = 2000
    churn = AddressChurn(np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)], np.array([0.05, 0.0]))
    c = TelescopeCounter(churn, np.random.default_rng(4))
    ids = np.arange(2 * n)
    for k in range(101):
        c.observe(float(k), k + 1.0, ids, np.ones(2 * n, dtype=int))
    s = c.sources()
    dyn = s.addresses[s.ids < n]
    stat = s.addresses[s.ids >= n]
    assert np.all(stat == 1)
    p = 1 - np.exp(-0.05)
    mean, var = 1 + 100 * p, 100 * p * (1 - p)
    se = np.sqrt(var / n)
    assert abs(dyn.mean() - mean) < 4 * se
    assert abs(dyn.var() - var) < 0.1 * var
    assert abs(dyn.mean() - (1 + 100 * (1 - np.exp(-0.04)))) > 10 * se
    ser = c.series()
    assert ser.unique_hosts[-1] == 2 * n
    assert ser.unique_addresses[-1] == int(s.addresses.sum())
    assert ser.unique_addresses[-1] > ser.unique_hosts[-1]


def test_churn_needs_generator():
    with pytest.raises(ValueError):
        TelescopeCounter(AddressChurn.uniform(3, 0.1))

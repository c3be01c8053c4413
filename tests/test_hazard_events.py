import numpy as np
from scipy.stats import kstest

from wormcast.core.events import EventQueue
from wormcast.core.hazard import Hazard


def test_piecewise_hazard_samples_follow_the_survival_function():
    # rate 0 for 1 h, then 2/h for 1 h, then 0.5/h
    hz = Hazard([0, 3600, 7200], [0.0, 2 / 3600, 0.5 / 3600])
    t = hz.sample_after(np.zeros(20_000), np.random.default_rng(5))
    assert t.min() >= 3600

    def cdf(x):
        return 1 - np.exp(-hz.cumulative(x))

    assert kstest(t, cdf).pvalue > 0.001
    # memorylessness from a later start: events only after t0
    later = hz.sample_after(np.full(1000, 5000.0), np.random.default_rng(6))
    assert later.min() >= 5000


def test_zero_hazard_never_fires():
    assert np.all(np.isinf(Hazard.constant(0.0).sample_after(np.zeros(5), np.random.default_rng(0))))


def test_event_queue_pops_each_event_at_its_step():
    rng = np.random.default_rng(0)
    n_steps = 1000
    q = EventQueue(n_steps, width=16)
    expected: dict[int, list[int]] = {}
    seen: dict[int, list[int]] = {}
    next_id = 0
    for step in range(n_steps):
        # push some events from "now" into the future, some far, some within the current bucket
        k = int(rng.integers(0, 6))
        when = step + 1 + rng.integers(0, 200, k)
        ids = np.arange(next_id, next_id + k)
        next_id += k
        q.push(when, ids, np.zeros(k), kind=1)
        for w, i in zip(when, ids):
            if w < n_steps:
                expected.setdefault(int(w), []).append(int(i))
        hosts, _, kinds = q.pop(step + 1) if step + 1 < n_steps else (np.empty(0), None, None)
        if step + 1 < n_steps:
            seen[step + 1] = sorted(hosts.tolist())
    assert {k: sorted(v) for k, v in expected.items()} == {k: v for k, v in seen.items() if v}

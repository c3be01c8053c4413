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


def _queue_trace(width: int, seed: int, shuffle_within: bool = False) -> list:
    """Every pop of a queue fed as the loop feeds it: each step, events pushed before its pop (begin_step:
    due now or later), then after it (infections: due at a later step, some within the bucket, some far, some
    beyond the end, some never: float steps with inf). ``shuffle_within``: a wrong queue for the control."""
    rng, other = np.random.default_rng(seed), np.random.default_rng(seed + 100)
    n_steps, next_id, out = 300, 0, []
    q = EventQueue(n_steps, width=width)
    for step in range(n_steps):
        for lo in (step, step + 1):  # before the pop (may be due now), then after it
            k = int(rng.integers(0, 5))
            when = lo + np.minimum(rng.geometric(rng.choice([0.9, 0.2, 0.01]), k) - 1, 10_000)
            ids = np.arange(next_id, next_id + k)
            next_id += k
            kind = int(rng.integers(0, 3))
            if rng.random() < 0.3:
                steps = when.astype(float)
                steps[rng.random(k) < 0.2] = np.inf
            else:
                steps = when
            q.push(steps, ids, ids * 10, kind)
            if lo == step:
                hosts, epochs, kinds = q.pop(step)
                if shuffle_within:
                    hosts = other.permutation(hosts)
                out.append((hosts.tolist(), epochs.tolist(), kinds.tolist()))
    return out


def test_event_queue_keeps_the_push_order_within_a_step_whatever_its_width():
    """The loop's draws depend on the order events of a step are applied in (sums of scan rates): it is the
    order pushed, so the bucket width (and how pushes split into staged and hot events) changes nothing."""
    for seed in range(3):
        want = None
        for width in (1, 4, 16, 64):
            got = _queue_trace(width, seed)
            assert all(e == [10 * h for h in hs] for hs, e, _ in got)
            flat = [h for hs, _, _ in got for h in hs]
            assert len(flat) == len(set(flat))  # each event popped once
            if want is None:
                want = got
                pushed_order = all(hs == sorted(hs) for hs, _, _ in got)  # ids are pushed in increasing order
                assert pushed_order
            assert got == want
        # negative control: a queue that reorders a step's events is told apart
        assert _queue_trace(16, seed, shuffle_within=True) != want


def test_one_start_time_draws_as_an_array_of_it():
    """sample_after(t, rng, size) (the reboot draw of every step) is sample_after(np.full(size, t), rng)."""
    for hz in (Hazard.constant(1 / 3600), Hazard([0, 3600], [0.0, 2 / 3600]), Hazard.constant(0.0)):
        a = hz.sample_after(np.full(50, 1800.0), np.random.default_rng(3))
        b = hz.sample_after(1800.0, np.random.default_rng(3), 50)
        assert np.array_equal(a, b)
    # negative control: the comparison tells other draws apart
    c = Hazard.constant(1 / 3600)
    assert not np.array_equal(c.sample_after(1800.0, np.random.default_rng(3), 50),
                              c.sample_after(1800.0, np.random.default_rng(4), 50))

"""Who touched a compromised front-end: users' logins through DNS, against servers' compromise intervals.

An organisation's users reach it through DNS. Each login lands on one front-end according to the login
policy: ``round_robin`` (each DNS answer hands out the next address in a rotation shared by all users),
``random`` (a uniform front-end per login) or ``sticky`` (a user always reaches the same front-end).
The policy does not change the spread, so all three are evaluated on the same run, with the same login
times. A front-end is compromised while the worm runs on it or its backdoor is open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POLICIES = ("round_robin", "random", "sticky")


@dataclass
class Intervals:
    """Compromise intervals [start, end) in seconds, per front-end index (disjoint per front-end)."""

    frontend: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def compromised(self, frontend: np.ndarray, t: np.ndarray, horizon: float) -> np.ndarray:
        """Whether each (front-end, time) pair falls inside a compromise interval."""
        if self.frontend.size == 0:
            return np.zeros(t.size, dtype=bool)
        scale = 4.0 * max(horizon, float(self.end[np.isfinite(self.end)].max(initial=0.0)), 1.0)
        order = np.lexsort((self.start, self.frontend))
        keys = self.frontend[order] * scale + self.start[order]
        ends = self.end[order]
        fes = self.frontend[order]
        idx = np.searchsorted(keys, frontend * scale + t, side="right") - 1
        ok = idx >= 0
        idx = np.maximum(idx, 0)
        return ok & (fes[idx] == frontend) & (ends[idx] > t)


def login_times(users: int, logins_per_day: float, start_s: float, end_s: float,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(user, time) of every login, sorted by time: each user logs in ``logins_per_day`` times per day of the
    span (the fractional part of the total by a coin toss), at uniform times over the span."""
    span = end_s - start_s
    expected = logins_per_day * span / 86400.0
    whole = int(np.floor(expected))
    counts = whole + (rng.random(users) < expected - whole)
    user = np.repeat(np.arange(users), counts)
    t = start_s + rng.random(user.size) * span
    order = np.argsort(t, kind="stable")
    return user[order], t[order]


def assign(policy: str, user: np.ndarray, frontends: int, rng: np.random.Generator,
           users: int) -> np.ndarray:
    """Front-end of each login (logins sorted by time) under a login policy."""
    if policy == "round_robin":
        return (int(rng.integers(0, frontends)) + np.arange(user.size)) % frontends
    if policy == "random":
        return rng.integers(0, frontends, user.size)
    if policy == "sticky":
        return rng.integers(0, frontends, users)[user]
    raise ValueError(f"unknown login policy {policy!r} (use one of {', '.join(POLICIES)})")


def exposure(intervals: Intervals, frontends: int, users: int, logins_per_day: float,
             start_s: float, end_s: float, rng: np.random.Generator, step_s: float | None = None) -> dict[str, dict]:
    """Per policy: logins, logins on a compromised front-end (count and fraction), users with at least
    one such session (count and fraction). With ``step_s``, also ``over_time``: per step of that length,
    logins, compromised logins, and users exposed so far."""
    user, t = login_times(users, logins_per_day, start_s, end_s, rng)
    n_steps = int(np.ceil((end_s - start_s) / step_s - 1e-9)) if step_s else 0
    step_of = ((t - start_s) // step_s).astype(np.int64) if step_s else None
    out = {}
    for policy in POLICIES:
        fe = assign(policy, user, frontends, rng, users)
        bad = intervals.compromised(fe, t, end_s)
        exposed = np.zeros(users, dtype=bool)
        exposed[user[bad]] = True
        over_time = None
        if step_s:
            _, first_bad = np.unique(user[bad], return_index=True)  # logins are in time order
            over_time = {
                "logins": np.bincount(step_of, minlength=n_steps)[:n_steps],
                "logins_compromised": np.bincount(step_of[bad], minlength=n_steps)[:n_steps],
                "users_exposed": np.cumsum(np.bincount(step_of[bad][first_bad], minlength=n_steps)[:n_steps]),
            }
        out[policy] = {
            "over_time": over_time,
            "logins": int(user.size),
            "logins_compromised": int(bad.sum()),
            "logins_compromised_fraction": float(bad.mean()) if user.size else 0.0,
            "users_exposed": int(exposed.sum()),
            "users_exposed_fraction": float(exposed.mean()) if users else 0.0,
        }
    return out

"""Mirai's scanning: uniform over the space its source never excludes, then a brute-force session per contact.

Facts and their sources: wormcast/worms/mirai.py and docs/worms/mirai.md (scanner.c [P]). The worm's
``exclude`` should be the source's never-scanned list (:func:`wormcast.worms.mirai.excluded_cidrs`; the
presets list it).
"""

from __future__ import annotations

from typing import Literal, Union

import numpy as np
from pydantic import Field, field_validator

from ..core.registry import SCANNERS
from ..worms.mirai import (PORT_2323_SHARE, TRIES, Listening, credential_classes, draw_device_classes,
                           draw_session, session_success)
from .base import EMPTY, ProbeBatch, ProbeRule, Scanner, ScannerConfig


class MiraiConfig(ScannerConfig):
    kind: str = "mirai"
    credentials: Union[Literal["weights", "even"], list[float]] = Field(
        "weights", description="which of the table's 61 pairs the devices use: in proportion to the table's "
                               "weights, evenly, or one share per pair (credential_classes() order)")
    tries: int = Field(TRIES, ge=1, le=100, description="failed logins before a session is dropped")
    listening: list[float] = Field(
        [1.0, 0.0, 0.0], min_length=3, max_length=3,
        description="shares of devices whose telnet answers on 23 only, 2323 only, both")
    loader_success: float = Field(1.0, gt=0, le=1, description="chance the loader installs the bot once in")

    @field_validator("credentials")
    @classmethod
    def _shares(cls, v):
        if isinstance(v, list):
            n = len(credential_classes().pairs)
            if len(v) != n or min(v) < 0 or sum(v) <= 0:
                raise ValueError(f"needs {n} non-negative shares (one per credential pair), not all zero")
        return v

    @field_validator("listening")
    @classmethod
    def _listening(cls, v):
        if min(v) < 0 or abs(sum(v) - 1.0) > 1e-9:
            raise ValueError("the three shares must be non-negative and sum to 1")
        return v

    def pair_shares(self) -> np.ndarray | None:
        """Shares of the pairs among devices (None: the table's weights, draw_device_classes' default)."""
        if self.credentials == "weights":
            return None
        if self.credentials == "even":
            return np.ones(len(credential_classes().pairs))
        return np.asarray(self.credentials, dtype=float)


class Devices:
    """Each device's credential pair and listening ports, drawn once per run from the config's shares."""

    def __init__(self, config: MiraiConfig, n: int, rng: np.random.Generator):
        self.pair = draw_device_classes(n, rng, config.pair_shares())
        self.listening = rng.choice(3, size=n, p=np.asarray(config.listening) / np.sum(config.listening))

    def contact_success(self, config: MiraiConfig) -> np.ndarray:
        """P(a probe that lands on the device gets the bot installed): the port (23 for 9 probes in 10,
        2323 for 1), the session (``session_success`` of its pair), the loader."""
        weights = credential_classes().weight
        return (Listening.reach_probability(self.listening)
                * session_success(weights[self.pair], config.tries) * config.loader_success)


def mean_contact_success(config: MiraiConfig) -> float:
    """The contact success averaged over the devices the config's shares draw (the mean-field chance)."""
    classes = credential_classes()
    share = config.pair_shares()
    share = classes.weight / classes.weight.sum() if share is None else share / share.sum()
    session = float(np.sum(share * session_success(classes.weight, config.tries)))
    reach = float(np.dot(config.listening, Listening.reach_probability(np.arange(3))))
    return reach * session * config.loader_success


class MiraiRule(ProbeRule):
    """Per probe, as the source does it: a uniform target; port 2323 one time in ten, else 23; a device
    that answers on that port gets a session played try by try (``draw_session``); then the loader."""

    def __init__(self, *args):
        super().__init__(*args)
        self.devices = Devices(self.config, self.addresses.size, self.rng)
        self.listen = np.stack([np.isin(self.devices.listening, [Listening.PORT_23, Listening.BOTH]),
                                np.isin(self.devices.listening, [Listening.PORT_2323, Listening.BOTH])])

    def draw(self, src: np.ndarray) -> np.ndarray:
        return self.targets[self.rng.integers(0, self.targets.size, src.size)]

    def gets_in(self, hosts: np.ndarray) -> np.ndarray:
        port = (self.rng.random(hosts.size) < PORT_2323_SHARE).astype(np.int64)
        ok = self.listen[port, hosts]
        ok[ok] = draw_session(self.devices.pair[hosts[ok]], self.rng, self.config.tries)
        if self.config.loader_success < 1:
            ok[ok] = self.rng.random(int(ok.sum())) < self.config.loader_success
        return ok


@SCANNERS.register("mirai")
class MiraiScanner(Scanner):
    """Per step and delivery class: probes ~ Poisson(rate dt), hits on devices ~ Binomial(probes,
    targetable/space), each on a uniform device. Each hit then answers on its port and gets in with the
    device's chances (port, session, loader): the devices fall into a few classes of equal chances (pair x
    listening), so the hits split Multinomially into got in by class (a class's devices times its chance),
    answered only, and unanswered (stream ``contacts``), and only the hits that got in are placed, each on a
    uniform device of its class (stream ``targets``). That is the same law as placing every
    hit and thinning it, exact per step, at the cost of the few hits that get in (most devices of a big
    world are offline or have poor odds). The vulnerable hits are the probes answered on a port; the
    reached hosts are the devices got into (so the worm's ``infection_success`` should be 1: the per-contact
    chance is here). Delivery filters act on the placed hits (thinning commutes). Devices' pairs and ports
    are drawn once from the ``devices`` stream."""

    Config = MiraiConfig
    Rule = MiraiRule
    streams_used = ("probes", "hits", "targets", "devices", "contacts")

    def __init__(self, *args):
        super().__init__(*args)
        self.devices = Devices(self.config, self.world.n, self.streams["devices"])
        self.p_hit = self.targetable.size / self.space.denominator
        t = self.targetable
        klass = self.devices.pair[t] * 3 + self.devices.listening[t]
        order = np.argsort(klass, kind="stable")
        self.members = t[order]  # targetable devices grouped by class
        counts = np.bincount(klass, minlength=3 * len(credential_classes().pairs))
        self.class_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.class_size = counts
        pair, listening = np.divmod(np.arange(counts.size), 3)
        chance = Listening.reach_probability(listening) * session_success(
            credential_classes().weight[pair], self.config.tries) * self.config.loader_success
        share = counts / max(t.size, 1)
        p_in = share * chance  # a hit lands in the class and gets in
        answered_only = float(np.sum(share * Listening.reach_probability(listening)) - p_in.sum())
        self.outcomes = np.concatenate([p_in, [max(answered_only, 0.0)]])
        self.outcomes = np.concatenate([self.outcomes, [max(1.0 - self.outcomes.sum(), 0.0)]])
        self.classes = np.arange(counts.size)

    def step(self, dt: float, worm: int) -> ProbeBatch:
        s = self.streams
        probes = answered = 0
        found = []
        for c, rate in self._class_rates():
            p = int(s["probes"].poisson(rate * dt))
            h = int(s["hits"].binomial(p, self.p_hit)) if p else 0
            probes += p
            if not h:
                continue
            split = s["contacts"].multinomial(h, self.outcomes)
            got = split[:-2]
            answered += h - int(split[-1])
            if got.any():
                k = np.repeat(self.classes, got)
                pick = self.class_start[k] + (s["targets"].random(k.size) * self.class_size[k]).astype(np.int64)
                found.append(self._delivered(c, self.members[pick]))
        if not found:
            return ProbeBatch(worm, probes, answered, EMPTY)
        return ProbeBatch(worm, probes, answered, found[0] if len(found) == 1 else np.concatenate(found))

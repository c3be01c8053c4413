"""The background level every detector learns first: the mean of its first ``training`` updates
(ASSUMPTION: those intervals are worm-free)."""

from __future__ import annotations


class Baseline:
    def __init__(self, training: int):
        self.training = training
        self.n = 0  # updates seen
        self._sum = 0.0
        self.mean: float | None = None  # known once ``training`` updates were seen

    def learn(self, value: float) -> bool:
        """Count one update; True while it still belongs to the training (the detector does nothing else)."""
        self.n += 1
        if self.n > self.training:
            return False
        self._sum += value
        if self.n == self.training:
            self.mean = self._sum / self.training
        return True

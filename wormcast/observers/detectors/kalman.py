"""Zou, Gao, Gong & Towsley's Kalman-filter early warning ("Monitoring and Early Warning for Internet
Worms", CCS 2003, section 5; journal version IEEE/ACM ToN 13(5), 2005, "detecting the trend, not the burst").

The worm's discrete-time simple epidemic model, in its early phase (I << N, the -beta I^2 term of
I_t = (1 + alpha) I_{t-1} - beta I_{t-1}^2 neglected), says the new infections per interval grow in
proportion to the infections so far: y_t = alpha * I_{t-1} + w_t. The filter's state is the infection
rate alpha (constant: x_t = x_{t-1}); the observation is y_t with "measurement" H_t = I_{t-1}; w_t is
observation noise. The standard Kalman recursion (scalar state, no process noise, so recursive least
squares weighted by 1/R_t):

    K_t = P_{t-1} H_t / (H_t^2 P_{t-1} + R_t);   alpha_t = alpha_{t-1} + K_t (y_t - H_t alpha_{t-1});
    P_t = (1 - K_t H_t) P_{t-1}.

What is fed: ``value`` = new unique sources the telescope saw in the interval (what a telescope counts:
IMW 2002). Background (non-worm) sources arrive at a roughly constant rate lambda, which the pure
``y = alpha I`` form would read as growth. Our addition (Zou et al. run the filter on the monitored counts
once a surge starts): the first ``training`` updates (ASSUMPTION: worm-free) give a background estimate
lambda_0; I_{t-1} is the cumulative excess D_{t-1} = sum_s (value_s - lambda_0); and the state carries the
background level too, x = (lambda, alpha), H_t = (1, D_{t-1}), y_t = value_t:

    K_t = P_{t-1} H_t^T / (H_t P_{t-1} H_t^T + R_t);   x_t = x_{t-1} + K_t (y_t - H_t x_{t-1});
    P_t = (I - K_t H_t) P_{t-1},

so an error in lambda_0 is absorbed by lambda, not mistaken for growth. R_t = max(H_t x_{t-1}, 1): the
Poisson variance of the count.

Alarm (Zou et al.: "if the worm infection rate estimated by the Kalman filter stabilizes and oscillates a
little bit around a constant positive value", the traffic is a worm's; noise gives an estimate that
"oscillate[s] around without a fixed central point, or ... around zero"). Our exact operational rule: the
alarm is raised at the first update t such that, for each of the last ``window`` updates s,
alpha_s - z sqrt(P_s) > 0 (significantly positive) and alpha_s >= ``min_rate``, and
max(alpha) / min(alpha) over those updates <= 1 + ``stability`` (settled). Defaults: window 10, z 3,
stability 0.3, min_rate 0.005 per interval.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from .alarm import Alarm
from .baseline import Baseline


class KalmanDetector:
    name = "kalman"

    def __init__(self, training: int = 120, window: int = 10, z: float = 3.0, stability: float = 0.3,
                 min_rate: float = 0.005, prior_var: float = 1.0):
        self.training, self.window, self.z = training, window, z
        self.stability, self.min_rate, self.prior_var = stability, min_rate, prior_var
        self.baseline = Baseline(training)
        self.alpha, self.P = 0.0, prior_var
        self.x = np.zeros(2)
        self.Pm = np.zeros((2, 2))
        self.cumulative = 0.0
        self._recent: deque = deque(maxlen=window)
        self.alarm_time: float | None = None
        self.history: list[tuple[float, float, float]] = []  # (t, alpha, sd)

    def update(self, t: float, value: float) -> Alarm | None:
        if self.baseline.learn(value):
            return None
        if self.baseline.n == self.training + 1:
            lam = self.baseline.mean
            self.x = np.array([lam, 0.0])
            self.Pm = np.diag([max(lam, 1.0) / self.training, self.prior_var])
        H = np.array([1.0, self.cumulative])
        R = max(float(H @ self.x), 1.0)
        PH = self.Pm @ H
        K = PH / (float(H @ PH) + R)
        self.x = self.x + K * (value - float(H @ self.x))
        self.Pm = self.Pm - np.outer(K, PH)
        self.alpha, self.P = float(self.x[1]), float(self.Pm[1, 1])
        self.cumulative += value - self.baseline.mean
        sd = math.sqrt(max(self.P, 0.0))
        self.history.append((t, self.alpha, sd))
        self._recent.append((self.alpha, sd))
        if self.alarm_time is not None or len(self._recent) < self.window:
            return None
        alphas = [a for a, _ in self._recent]
        ok = all(a - self.z * s > 0 and a >= self.min_rate for a, s in self._recent)
        if ok and max(alphas) <= (1.0 + self.stability) * min(alphas):
            self.alarm_time = t
            return Alarm(t, self.name, self.alpha, "infection-rate estimate settled at a positive value")
        return None

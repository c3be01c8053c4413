"""The process variance of runs/calibrate/process.py against what it stands for: the spread of the
weighted-deviance estimate over single observed paths.

Synthetic, linear and exact: the mean series is mu(theta) = m0 + J theta (two keys, 40 intervals); a path
deviates from it by an AR(1)-correlated Gaussian process (rho 0.9, s.d. 3% of mu), the way an outbreak's
path stays ahead or behind. Truth: the s.d. of A (path - mu) over 4,000 paths (A: the linear estimator
for the Poisson deviance's weights). Tolerance stated: Var_proc from 16 paths (times 1 + 1/S, S = 4)
within 10% of the truth's (1 + 1/S) Var in s.d., averaged over 200 sets of 16 paths (each set's estimate
has 15 degrees of freedom). Negative control: treating the deviations as independent per interval (the
diagonal of their covariance) understates the s.d. by more than a third.
"""

import numpy as np

from wormcast.runs.calibrate.process import process_variance, sensitivity, widen

N, RHO, CV = 40, 0.9, 0.03


def setup():
    t = np.arange(N, dtype=float)
    m0 = 200 + 800 / (1 + np.exp(-(t - 20) / 4))
    J = np.column_stack([m0 * (t - 20) / 40, m0 / 1000])  # a timing-like and a scale-like key
    return m0, J


def paths(rng, m0, n):
    e = np.empty((n, N))
    e[:, 0] = rng.standard_normal(n)
    for i in range(1, N):
        e[:, i] = RHO * e[:, i - 1] + np.sqrt(1 - RHO ** 2) * rng.standard_normal(n)
    return m0 + CV * m0 * e


def test_process_variance_matches_the_spread_over_single_paths():
    rng = np.random.default_rng(11)
    m0, J = setup()
    A = sensitivity(J, m0, None)
    assert np.allclose(A @ J, np.eye(2))  # unbiased for a linear mean
    truth = (1 + 1 / 4) * np.var((paths(rng, m0, 4000) - m0) @ A.T, axis=0)
    est = np.mean([process_variance(paths(rng, m0, 16), A, 4) for _ in range(200)], axis=0)
    assert np.all(np.abs(np.sqrt(est / truth) - 1) < 0.10), (est, truth)
    # negative control: the same deviations taken as independent per interval
    p = paths(rng, m0, 4000) - m0
    diag = (1 + 1 / 4) * np.einsum("ki,i->k", A ** 2, p.var(axis=0))
    assert np.all(np.sqrt(diag / truth) < 2 / 3), (diag, truth)


def test_widen_adds_variances_within_the_bounds():
    lo, hi = widen(10.0, 7.0, 14.0, 4.0, 4.0, (0.0, 13.0))
    assert np.isclose(lo, 10 - 5.0) and hi == 13.0  # sqrt(3^2 + 16) = 5; the high side clipped
    assert widen(10.0, 7.0, 14.0, 0.0, 4.0, (0.0, 100.0)) == (7.0, 14.0)

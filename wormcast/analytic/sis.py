"""Reboot and re-infect: an SIS model with churn, for memory-resident bots (Mirai).

A reboot clears a memory-resident bot but leaves the device vulnerable (Antonakakis et al., "Understanding
the Mirai Botnet", USENIX Security 2017: devices are soon re-infected), so hosts cycle S -> I -> S: the
susceptible-infected-susceptible model of Kermack and McKendrick's tradition (see e.g. Hethcote, "The
Mathematics of Infectious Diseases", SIAM Review 42(4), 2000, which reviews the SIS model with vital dynamics).
With uniform random scanning (beta = r * success / Omega per infected-susceptible pair and second), reboots at
rate rho per infected host, devices arriving at Lambda per hour (susceptible) and leaving at mu per device:

    dS/dt = Lambda - beta S I + rho I - mu S,     dI/dt = beta S I - rho I - mu I.

The device count V = S + I relaxes to V* = Lambda / mu (or stays N without churn). R0 = beta V* / (rho + mu);
for R0 > 1 the endemic equilibrium is

    I* = V* - (rho + mu) / beta,   S* = (rho + mu) / beta,

and when V(0) = V* (or without churn) I(t) is logistic with rate beta V* - rho - mu towards I*:
I(t) = I* / (1 + (I*/I0 - 1) e^{-(beta V* - rho - mu) t}). Otherwise the curve is the ODE's solution
(scipy's solve_ivp). Ever infected here counts the devices present that were ever infected: V - U, with
dU/dt = Lambda - beta U I - mu U the never-infected ones.

Devices that come back (churn, wormcast.dynamics.churn): with ``return_rate`` omega > 0 a device that
leaves goes offline (F, losing its bot) and comes back susceptible at omega; then there are no arrivals
(Lambda = 0) and

    dS/dt = -beta S I + rho I - mu S + omega F,   dF/dt = mu (S + I) - omega F,

so V* = (V(0) + F(0)) omega / (omega + mu); with V(0) = V* the inflow omega F stays mu V* on average and
the closed form above holds. Offline never-infected devices F_U follow dF_U/dt = mu U - omega F_U; ever
infected then counts every device ever infected, online or away: V + F - U - F_U.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import SPACE, AnalyticModel, Curve, _check_times, param


@dataclass(frozen=True)
class SIS(AnalyticModel):
    name = "sis"
    summary = "SIS with churn: reboots clear the bot, the device is re-infected (Mirai); endemic equilibrium"
    default_until = 7 * 86400.0

    vulnerable: float = param(600000.0, "hosts", "vulnerable devices N at t = 0", kind="count")
    scan_rate: float = param(1.0, "probes/s", "mean probes per second per infected device")
    addresses: float = param(float(SPACE), "addresses", "size Omega of the target space")
    initial_infected: float = param(1.0, "hosts", "devices infected at t = 0", kind="count")
    reboot_rate: float = param(0.05, "1/hour", "reboot hazard rho of an infected device")
    arrival_rate: float = param(0.0, "devices/hour", "new vulnerable devices per hour (Lambda)")
    departure_rate: float = param(0.0, "1/hour", "hazard mu that a device leaves (any state)")
    success: float = param(1.0, "probability", "chance that a probe reaching a susceptible device infects it")
    return_rate: float = param(0.0, "1/hour", "hazard omega that a device that left comes back (churn)")
    offline: float = param(0.0, "hosts", "devices offline at t = 0 (they come back at return_rate)", kind="count")

    def __post_init__(self):
        self._check_common()
        if self.arrival_rate > 0:
            self._require(self.departure_rate > 0, "departure_rate",
                          "must be positive when devices arrive (else their number grows without bound)")
        if self.return_rate > 0:
            self._require(self.arrival_rate == 0, "arrival_rate",
                          "must be 0 when devices come back (return_rate > 0): they are the inflow")

    # rates per second
    @property
    def beta(self) -> float:
        return self.scan_rate * self.success / self.addresses

    @property
    def _rho(self) -> float:
        return self.reboot_rate / 3600.0

    @property
    def _mu(self) -> float:
        return self.departure_rate / 3600.0

    @property
    def devices_long_run(self) -> float:
        """V*: the long-run number of devices (online ones, with churn)."""
        if self.return_rate > 0:
            return (self.vulnerable + self.offline) * self.return_rate / (self.return_rate + self.departure_rate)
        return self.arrival_rate / self.departure_rate if self.departure_rate > 0 else self.vulnerable

    @property
    def R0(self) -> float:
        return self.beta * self.devices_long_run / (self._rho + self._mu) if self._rho + self._mu > 0 else np.inf

    def equilibrium(self) -> tuple[float, float]:
        """(S*, I*): the endemic equilibrium, or (V*, 0) when R0 <= 1 (the worm dies out)."""
        V = self.devices_long_run
        if self.R0 <= 1:
            return V, 0.0
        s = (self._rho + self._mu) / self.beta
        return s, V - s

    def _constant_devices(self) -> bool:
        return self.arrival_rate == 0 and self.departure_rate == 0 or \
            np.isclose(self.vulnerable, self.devices_long_run, rtol=1e-12)

    def rhs(self, _t, y):
        """d(S, I, U, F, F_U)/dt, per second (U: devices never infected; F, F_U: offline ones, churn)."""
        s, i, u, f, fu = y
        lam, om = self.arrival_rate / 3600.0, self.return_rate / 3600.0
        return [lam - self.beta * s * i + self._rho * i - self._mu * s + om * f,
                self.beta * s * i - (self._rho + self._mu) * i,
                lam - self.beta * u * i - self._mu * u + om * fu,
                self._mu * (s + i) - om * f if om > 0 else 0.0,
                self._mu * u - om * fu if om > 0 else 0.0]

    def curve(self, times) -> Curve:
        from scipy.integrate import solve_ivp

        t = _check_times(times)
        N, i0 = self.vulnerable, self.initial_infected
        y0 = [N - i0, i0, N - i0, self.offline, self.offline]
        horizon = float(t.max()) if t.size else 0.0
        sol = solve_ivp(self.rhs, (0.0, max(horizon, 1.0)), y0, method="LSODA", dense_output=True,
                        rtol=1e-9, atol=1e-9 * (N + self.offline))
        s, i, u, f, fu = sol.sol(t)
        if self._constant_devices():  # the closed form where it holds; the ODE gives U
            i = self.logistic_infected(t)
        if self.return_rate > 0:  # devices come back: ever infected counts them, online or away
            return Curve(self.name, t, i, np.clip(s + i + f - u - fu, 0.0, None), N + self.offline)
        v = self.devices_long_run + (N - self.devices_long_run) * np.exp(-self._mu * t)
        return Curve(self.name, t, i, np.clip(v - u, 0.0, None), N)

    def logistic_infected(self, times) -> np.ndarray:
        """The closed form I(t) (devices constant at V*): logistic with rate beta V* - rho - mu."""
        t = _check_times(times)
        V, i0 = self.devices_long_run, self.initial_infected
        g = self.beta * V - self._rho - self._mu
        if abs(g) < 1e-300:
            return i0 / (1.0 + self.beta * i0 * t)
        i_star = V - (self._rho + self._mu) / self.beta  # the fixed point of the logistic (negative if R0 < 1)
        return i_star / (1.0 + (i_star / i0 - 1.0) * np.exp(-g * t))

    def figures(self) -> dict[str, float]:
        s, i = self.equilibrium()
        return {"R0": self.R0, "endemic_infected": i, "endemic_susceptible": s,
                "devices_long_run": self.devices_long_run}

#!/usr/bin/env python3
"""Checks that model.stan's log density is the documented trajectory model, term by term.

    .venv-stan/bin/python scripts/peers/trajectory/check-log-density.py [random-NN ...]

For each data set (default: all under Tests/Fixtures/trajectory) it evaluates Stan's log
density of Tests/Fixtures/trajectory/model.stan (PyStan's log_prob, no Jacobian of the
<lower=0> transforms) at random parameter values, and the model as TrajectoryData's doc comment
writes it, coded here directly from that comment (plain math, no Stan): x[1] ~ N(levelCenter,
levelScale), x[t] ~ N(x[t-1], tau), the half-normal hyperparameters, eta and u standard normal,
and each statement's two-component likelihood. Stan's density is over z, so the log Jacobian of
x <- z (log levelScale + (T-1) log tau) is added to the direct one. The two may differ by a
constant only (Stan's `~` drops the normalising constants): the script fails when their
difference varies by more than 1e-9 between parameter values.
"""
import json
import math
import pathlib
import random
import sys

import stan

ROOT = pathlib.Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "trajectory"


def log_normal(y, m, s):
    return -0.5 * ((y - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)


def likelihood(kind, y, low, high, mu, s):
    # P(Y < v) and P(Y > v), each through erfc so that the tails keep their digits.
    below = lambda v: 0.5 * math.erfc(-(v - mu) / (s * math.sqrt(2)))  # noqa: E731
    above = lambda v: 0.5 * math.erfc((v - mu) / (s * math.sqrt(2)))  # noqa: E731
    if kind == 1:
        return math.exp(log_normal(y, mu, s))
    if kind == 2:
        return above(y)
    if kind == 3:
        return below(y)
    return above(low) - above(high) if low > mu else below(high) - below(low)


def documented_log_density(d, x, tau, eta, sigma_b, u, omega):
    lp = log_normal(x[0], d["levelCenter"], d["levelScale"])
    lp += sum(log_normal(x[t], x[t - 1], tau) for t in range(1, d["T"]))
    lp += log_normal(tau, 0, d["smoothnessScale"]) + log_normal(sigma_b, 0, d["biasScale"])
    lp += log_normal(omega, 0, d["errorScale"])
    lp += sum(log_normal(v, 0, 1) for v in eta) + sum(log_normal(v, 0, 1) for v in u)
    b = [sigma_b * v for v in eta]
    if d["reference"] > 0:
        b[d["reference"] - 1] = 0.0
    e = [omega * v for v in u]
    p = d["outlierProbability"]
    for i in range(d["N"]):
        g = d["group"][i]
        mu = x[d["year"][i] - 1] + b[d["series"][i] - 1] + (e[g - 1] if g > 0 else 0.0)
        s = d["sigma"][i] if g > 0 else math.hypot(d["sigma"][i], omega)
        so = math.hypot(s, d["outlierScale"])
        args = (d["kind"][i], d["y"][i], d["low"][i], d["high"][i], mu)
        lp += math.log((1 - p) * likelihood(*args, s) + p * likelihood(*args, so))
    return lp


def main() -> int:
    code = (ROOT / "model.stan").read_text()
    names = sys.argv[1:] or sorted(p.name for p in ROOT.glob("random-*"))
    rng = random.Random(28)
    failed = 0
    for name in names:
        d = json.loads((ROOT / name / "data.json").read_text())
        posterior = stan.build(code, data=d, random_seed=1)
        differences = []
        for _ in range(8):
            z = [rng.gauss(0, 1) for _ in range(d["T"])]
            tau, sigma_b, omega = (math.exp(rng.gauss(-1, 0.7)) for _ in range(3))
            eta = [rng.gauss(0, 1) for _ in range(d["S"])]
            u = [rng.gauss(0, 1) for _ in range(d["G"])]
            x = [d["levelCenter"] + d["levelScale"] * z[0]]
            for t in range(1, d["T"]):
                x.append(x[-1] + tau * z[t])
            unconstrained = z + [math.log(tau)] + eta + [math.log(sigma_b)] + u + [math.log(omega)]
            stan_lp = posterior.log_prob(unconstrained, adjust_transform=False)
            jacobian = math.log(d["levelScale"]) + (d["T"] - 1) * math.log(tau)
            differences.append(stan_lp - (documented_log_density(d, x, tau, eta, sigma_b, u, omega) + jacobian))
        spread = max(differences) - min(differences)
        ok = spread < 1e-9
        failed += not ok
        print(f"{name}: Stan minus documented = {differences[0]:.6f} + at most {spread:.1e}: {'ok' if ok else 'MISMATCH'}")
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Reference values for `reconcile ranges` with bounds pooled as censored observations.

Independent of the Swift code: each case's figures are read as the README's Methods say
(a point v at coverage c: log-mean ln v, log-sd ln(f)/z with f = 2 and z = Φ⁻¹((1 + c)/2); a
range [L, H]: log-mean (ln L + ln H)/2, log-sd (ln H − ln L)/(2z); a bound X: ln X with a
point's log-sd), and the normal–normal random-effects likelihood with the bounds as censored
observations (ln Φ of the standardised distance for a bound, the normal log density for the
rest) is maximised with SciPy: μ̂(τ²) by Brent's root finder on the μ-score, τ̂² by Brent's
root finder on the profile τ²-score (0 when that score is not positive at 0), checked against
a Nelder–Mead search of the full likelihood. SE(μ̂) comes from the observed information,
a central-difference Hessian of the analytic score. With two figures τ² is fixed at 0.

Writes Tests/Fixtures/statistics/censored-pooling-cases.csv (the figures) and
censored-pooling-reference.csv (estimate, tau2, ci_low, ci_high, pi_low, pi_high on the
natural scale, level 0.9). Run: python3 scripts/reference/censored_pooling.py
"""
import csv
import math
import pathlib

import numpy as np
from scipy import optimize, stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "Fixtures" / "statistics"
FACTOR = 2.0
LEVEL = 0.9

# case, id, kind, low, high, value, coverage
CASES = [
    ("mixed", [
        ("p1", "point", None, None, 10000, 0.9),
        ("p2", "point", None, None, 30000, 0.9),
        ("r1", "range", 20000, 90000, None, 0.9),
        ("b1", "at_least", 50000, None, None, 0.9),
        ("b2", "at_most", None, 200000, None, 0.9),
    ]),
    ("binding_lower", [
        ("p1", "point", None, None, 1000, 0.9),
        ("p2", "point", None, None, 1500, 0.9),
        ("r1", "range", 800, 2500, None, 0.95),
        ("b1", "at_least", 20000, None, None, 0.9),
    ]),
    ("binding_upper", [
        ("r1", "range", 50000, 300000, None, 0.9),
        ("p1", "point", None, None, 100000, 0.9),
        ("r2", "range", 100000, 400000, None, 0.8),
        ("b1", "at_most", None, 20000, None, 0.9),
        ("b2", "at_least", 10000, None, None, 0.9),
    ]),
    ("no_heterogeneity", [
        ("p1", "point", None, None, 100, 0.9),
        ("p2", "point", None, None, 110, 0.9),
        ("r1", "range", 90, 130, None, 0.9),
        ("b1", "at_least", 50, None, None, 0.9),
    ]),
    # The seed's nk_in_china as `ranges datasets/nk-in-china.csv` pools it (README worked example):
    # Amnesty 2000's range, Amnesty 2001's "tens of thousands" (the verbal table's 20,000-99,999),
    # the NGOs' "as many as 300,000" (an upper bound) and HRWF 2006's range; HRW's restatement
    # and the Ministry's narrower-scope 10,000 are left out.
    ("nk_in_china_seed", [
        ("ai-2000-range", "range", 50000, 300000, None, 0.9),
        ("ai-2001-tens", "range", 20000, 99999, None, 0.9),
        ("ngo-2002-survey", "at_most", None, 300000, None, 0.9),
        ("hrwf-2006-range", "range", 100000, 300000, None, 0.9),
    ]),
    ("two_figures", [
        ("p1", "point", None, None, 100, 0.9),
        ("b1", "at_least", 300, None, None, 0.9),
    ]),
]


def read(kind, low, high, value, coverage):
    z = stats.norm.ppf(0.5 + coverage / 2)
    if kind == "point":
        return math.log(value), math.log(FACTOR) / z, 0
    if kind == "range":
        return (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * z), 0
    if kind == "at_least":
        return math.log(low), math.log(FACTOR) / z, 1
    return math.log(high), math.log(FACTOR) / z, -1


def loglik(mu, t, obs):
    total = 0.0
    for y, s, side in obs:
        sd = math.sqrt(s * s + t)
        if side == 0:
            total += stats.norm.logpdf(y, loc=mu, scale=sd)
        else:
            total += stats.norm.logcdf(side * (mu - y) / sd)
    return total


def score(mu, t, obs):
    """(∂ℓ/∂μ, ∂ℓ/∂τ²)."""
    gm = gt = 0.0
    for y, s, side in obs:
        v = s * s + t
        if side == 0:
            gm += (y - mu) / v
            gt += -0.5 / v + (y - mu) ** 2 / (2 * v * v)
        else:
            u = side * (mu - y) / math.sqrt(v)
            lam = math.exp(stats.norm.logpdf(u) - stats.norm.logcdf(u))
            gm += lam * side / math.sqrt(v)
            gt += lam * (-0.5 * u / v)
    return gm, gt


def mu_hat(t, obs):
    ys = [o[0] for o in obs]
    lo, hi = min(ys) - 50, max(ys) + 50
    return optimize.brentq(lambda m: score(m, t, obs)[0], lo, hi, xtol=1e-15, rtol=8.9e-16, maxiter=500)


def fit(obs, estimate_tau2):
    t = 0.0
    if estimate_tau2 and score(mu_hat(0.0, obs), 0.0, obs)[1] > 0:
        g = lambda tt: score(mu_hat(tt, obs), tt, obs)[1]
        hi = 1.0
        while g(hi) > 0:
            hi *= 4
        t = optimize.brentq(g, 0.0, hi, xtol=1e-16, rtol=8.9e-16, maxiter=500)
    mu = mu_hat(t, obs)
    # A check by a different route: Nelder–Mead on the full likelihood finds no higher point.
    nm = optimize.minimize(
        lambda p: -loglik(p[0], p[1] ** 2 if estimate_tau2 else 0.0, obs),
        [mu + 0.3, math.sqrt(t) + 0.2 if estimate_tau2 else 0.0], method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 20000})
    assert -nm.fun <= loglik(mu, t, obs) + 1e-9, (nm, mu, t)
    # Observed information: central differences of the analytic score.
    h = 1e-5
    if estimate_tau2 and t > 0:
        H = np.zeros((2, 2))
        for j, (dm, dt) in enumerate([(h, 0.0), (0.0, h * max(t, 1e-3))]):
            plus = score(mu + dm, t + dt, obs)
            minus = score(mu - dm, t - dt, obs)
            step = 2 * (dm + dt)
            H[:, j] = [(plus[0] - minus[0]) / step, (plus[1] - minus[1]) / step]
        H = (H + H.T) / 2
        var = np.linalg.inv(-H)[0, 0]
    else:
        dmm = (score(mu + h, t, obs)[0] - score(mu - h, t, obs)[0]) / (2 * h)
        var = 1 / -dmm
    z = stats.norm.ppf(0.5 + LEVEL / 2)
    se = math.sqrt(var)
    pi = z * math.sqrt(t + var)
    return {
        "estimate": math.exp(mu), "tau2": t, "ci_low": math.exp(mu - z * se), "ci_high": math.exp(mu + z * se),
        "pi_low": math.exp(mu - pi), "pi_high": math.exp(mu + pi),
    }


def cell(x):
    return "" if x is None else repr(float(x)) if isinstance(x, float) else str(x)


def main():
    with open(OUT / "censored-pooling-cases.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "id", "kind", "low", "high", "value", "coverage"])
        for name, figures in CASES:
            for fid, kind, low, high, value, coverage in figures:
                w.writerow([name, fid, kind, cell(low), cell(high), cell(value), coverage])
    with open(OUT / "censored-pooling-reference.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "what", "value"])
        for name, figures in CASES:
            obs = [read(k, lo, hi, v, c) for _, k, lo, hi, v, c in figures]
            r = fit(obs, estimate_tau2=len(obs) > 2)
            for what in ["estimate", "tau2", "ci_low", "ci_high", "pi_low", "pi_high"]:
                w.writerow([name, what, repr(r[what])])
            print(name, r)


if __name__ == "__main__":
    main()

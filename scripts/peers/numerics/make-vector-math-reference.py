#!/usr/bin/env python3
"""Writes Tests/Fixtures/numerics/vector-math.csv: log, exp, erf and erfc at 50 significant
digits (mpmath), rounded to the nearest double, for the arguments the count models meet (ratios
of counts to means, means, θ + μ, linear predictors), those the trajectory model's censored and
interval statements meet (erf and erfc of (bound − μ)/(s√2)), and the ends of the range.

Columns: function,x,exact — x and exact as %.17g (exact round-trips to the nearest double).

Usage (repository root):  python3 scripts/peers/numerics/make-vector-math-reference.py
"""
import random
import mpmath as mp

mp.mp.dps = 50
rng = random.Random(11)
rows = []
# log: 1,500 arguments spread over 10^-300 .. 10^300 in log scale, 1,500 near 1 (ratios y/μ
# and (y + θ)/(μ + θ) close to 1, where log is smallest and cancels most), and the
# subnormals and the largest double.
xs = [10 ** rng.uniform(-300, 300) for _ in range(1500)]
xs += [1 + rng.uniform(-0.1, 0.1) * 10 ** rng.uniform(-12, 0) for _ in range(1500)]
xs += [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1.0, 2.0, 0.5]
for x in xs:
    rows.append(("log", x, float(mp.log(mp.mpf(x)))))
# exp: 2,000 arguments over [-745, 709] (finite, normal or subnormal results) and 1,000 over
# [-30, 30] where linear predictors are.
es = [rng.uniform(-745, 709) for _ in range(2000)] + [rng.uniform(-30, 30) for _ in range(1000)]
es += [0.0, 1.0, -1.0, 709.78, -708.0]
for x in es:
    rows.append(("exp", x, float(mp.exp(mp.mpf(x)))))
# erf and erfc (their own random stream, so the rows above stay as they were): erfc over
# [-6, 26.5] (results from 2 down to about 1e-307, still normal doubles), 500 of them over
# [-1, 1]; erf over [-6, 6] and 500 arguments from 1e-300 to 1 in log scale, either sign.
rng = random.Random(28)
fs = [rng.uniform(-6, 26.5) for _ in range(2500)] + [rng.uniform(-1, 1) for _ in range(500)]
fs += [0.0, 1.0, -1.0, 26.0, 26.5]
for x in fs:
    rows.append(("erfc", x, float(mp.erfc(mp.mpf(x)))))
gs = [rng.uniform(-6, 6) for _ in range(2500)]
gs += [rng.choice([-1, 1]) * 10 ** rng.uniform(-300, 0) for _ in range(500)]
gs += [0.0, 1.0, -1.0, 6.0]
for x in gs:
    rows.append(("erf", x, float(mp.erf(mp.mpf(x)))))
with open("Tests/Fixtures/numerics/vector-math.csv", "w") as f:
    f.write("function,x,exact\n")
    for fn, x, e in rows:
        f.write(f"{fn},{x!r},{e!r}\n")
print(f"{len(rows)} rows")

#!/usr/bin/env python3
"""Writes Tests/Fixtures/statistics/negbin-mle-cases.csv (inputs) and negbin-mle-reference.csv.

Count series on which MASS::glm.nb reports θ → ∞ ("iteration limit reached") although the
negative binomial likelihood has a finite maximum: theta.ml's Newton iteration steps from its
moment start past the maximum to a negative θ, reflects it, and climbs away for good. The
reference is the maximum likelihood fit by statsmodels' NegativeBinomial (NB2, β and α = 1/θ
jointly, Newton, tight tolerance), with R's glm.nb answer beside it for comparison. The series
come from the generators of scripts/bench (part b, seed 7: group g5330) and of the same
generator with seed 11 (h4885, h24427), found by scanning 50,000 series, and from a harsher
generator (4 to 25 counts, gamma shape down to 0.3; "spikes", group g246 of seed 1). Run from the
repository root (needs statsmodels; R with MASS for the glm.nb columns):
  python3 scripts/peers/negbin/make-negbin-mle-reference.py
"""
import csv, math, shutil, subprocess, tempfile, warnings

import numpy as np
import statsmodels.api as sm

CASES = {
    "g5330": ([31, 44, 23, 44, 65, 3, 74, 89, 12, 98, 79], {8: -1.34539737485}),
    "h4885": ([78, 70, 62, 27, 0, 35, 71, 61, 30, 66], {}),
    "h24427": ([5, 7, 0, 11, 0, 12, 2, 11, 0, 11, 19, 10], {5: -0.121888598579, 6: -0.785751490869}),
    # Spikes of thousands among zeros: the maximum (theta about 0.02) lies below 1e-8 of where
    # theta.ml stops (about 8e6), so the search must go down to an absolute floor.
    "spikes": ([0, 0, 0, 0, 0, 0, 0, 0, 1324, 1345, 0, 0, 0, 0, 0, 0, 0, 0, 14271, 8016, 0, 0],
               {4: -1.22927106212, 12: -0.0630288280281, 16: -0.0806382763971}),
}

rows_in, rows_out = [], []
for name, (counts, offsets) in CASES.items():
    year = [2000 + i for i in range(len(counts))]
    off = [offsets.get(i, 0.0) for i in range(len(counts))]
    for yr, y, o in zip(year, counts, off):
        rows_in.append((name, yr, y, repr(o)))
    X = sm.add_constant(np.array(year, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = sm.NegativeBinomial(np.array(counts), X, offset=np.array(off)).fit(
            method="newton", maxiter=200, tol=1e-11, disp=0)
    if not m.mle_retvals["converged"]:
        raise SystemExit(f"statsmodels did not converge on {name}")
    alpha = m.params[2]
    for what, value in [("intercept", m.params[0]), ("slope", m.params[1]), ("theta", 1 / alpha),
                        ("log_likelihood", m.llf)]:
        rows_out.append((name, "statsmodels", what, repr(float(value))))

if shutil.which("Rscript"):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        w = csv.writer(f)
        w.writerow(["case", "year", "y", "log_exposure"])
        w.writerows(rows_in)
    code = f"""d <- read.csv("{f.name}")
for (k in unique(d$case)) {{
  m <- suppressWarnings(MASS::glm.nb(y ~ year + offset(log_exposure), data = d[d$case == k, ]))
  cat(k, sprintf("%.17g", coef(m)[2]), sprintf("%.17g", m$theta), sprintf("%.17g", m$twologlik / 2), "\\n")
}}"""
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        k, slope, theta, ll = line.split()
        rows_out += [(k, "glm.nb", "slope", slope), (k, "glm.nb", "theta", theta), (k, "glm.nb", "log_likelihood", ll)]

with open("Tests/Fixtures/statistics/negbin-mle-cases.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["case", "year", "y", "log_exposure"])
    w.writerows(rows_in)
with open("Tests/Fixtures/statistics/negbin-mle-reference.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["case", "peer", "what", "value"])
    w.writerows(rows_out)
print(f"wrote {len(rows_in)} input rows and {len(rows_out)} reference values")

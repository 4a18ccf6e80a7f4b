#!/usr/bin/env python3
"""Checks reconcile's negative binomial fits against statsmodels' joint maximum likelihood on
random short, overdispersed count series — the kind on which MASS::glm.nb's theta.ml runs away.

For every fit reconcile reports converged: where it found θ by its bracketed search, its
log-likelihood must not be below statsmodels' (Newton, converged) by more than 1e-6; where it
reports θ → ∞ ("θ iteration limit reached"), statsmodels must not find a likelihood higher by
more than 1e-3; and no fit reported converged may carry both, or lack a log-likelihood.
Groups that reconcile refuses (θ diverged) are dropped and rerun without them.
Usage (from the repository root, after `swift build -c release`; needs statsmodels):
  python3 scripts/peers/negbin/check-negbin-maximum.py SEED GROUPS
"""
import json, math, os, random, re, subprocess, sys, tempfile, warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

warnings.filterwarnings("ignore")
seed, count = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
rows = []
for g in range(count):
    n = rng.randint(4, 25)
    a, b = rng.uniform(-1, 6), rng.uniform(-0.3, 0.3)
    shape = rng.choice([0.3, 1, 4, 50, 1e4])
    for i in range(n):
        e = 1.0 if rng.random() > 0.15 else rng.uniform(0.05, 0.95)
        mu = min(1e6, math.exp(a + b * i) * e * rng.gammavariate(shape, 1 / shape))
        k = int(np.random.default_rng(rng.randrange(1 << 30)).poisson(mu))
        rows.append(f"g{g},{2000 + i},{k},{math.log(e):.12g}")
binary = os.path.join(subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], capture_output=True, text=True, check=True).stdout.strip(), "reconcile")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "series.csv")
    dropped = 0
    while True:
        with open(path, "w") as f:
            f.write("group,year,count,log_exposure\n" + "\n".join(rows) + "\n")
        r = subprocess.run([binary, "fit", path, "--y", "count", "--x", "year", "--offset", "log_exposure", "--model", "negbin", "--by", "group", "--format", "json"], capture_output=True, text=True)
        if r.returncode == 0:
            break
        m = re.search(r"group (g\d+)\)", r.stderr)
        if r.returncode != 65 or not m:
            sys.exit(f"reconcile failed: {r.stderr}")
        dropped += 1
        rows = [x for x in rows if not x.startswith(m.group(1) + ",")]
    fits = {f["group"]: f for f in json.loads(r.stdout)}
    data = dict(tuple(pd.read_csv(path).groupby("group", sort=False)))

def statsmodels_llf(k):
    g = data[k]
    try:
        m = sm.NegativeBinomial(g["count"].to_numpy(), sm.add_constant(g["year"].to_numpy(float)), offset=g["log_exposure"].to_numpy()).fit(method="newton", maxiter=200, disp=0)
    except Exception:
        return None
    return m.llf if m.mle_retvals.get("converged") else None

def has(f, text):
    return any(text in w for w in f["warnings"])

nulls = [k for k, f in fits.items() if f["converged"] and f["log_likelihood"] is None]
if nulls:
    print("converged fits without a log-likelihood:", nulls[:5])
converged = {k: f for k, f in fits.items() if f["converged"] and f["log_likelihood"] is not None}
bracketed = [k for k, f in converged.items() if has(f, "bracketed search")]
unbounded = [k for k, f in converged.items() if has(f, "θ iteration limit")]
below = [k for k in bracketed if (ll := statsmodels_llf(k)) is not None and fits[k]["log_likelihood"] < ll - 1e-6]
missed = [k for k in unbounded if (ll := statsmodels_llf(k)) is not None and ll > fits[k]["log_likelihood"] + 1e-3]
both = [k for k, f in converged.items() if has(f, "bracketed search") and has(f, "θ iteration limit")]
for k in both[:3]:
    print(k, list(data[k]["count"]), fits[k]["theta"], fits[k]["warnings"])
print(f"seed {seed}: {len(fits)} fits ({dropped} groups refused: θ diverged), {len(converged)} converged; "
      f"{len(bracketed)} by the bracketed search, {len(below)} of them below statsmodels' maximum; "
      f"{len(unbounded)} with θ unbounded, {len(missed)} of them where statsmodels finds a higher likelihood; "
      f"{len(both)} converged fits with both warnings")
sys.exit(1 if below or missed or both or nulls else 0)

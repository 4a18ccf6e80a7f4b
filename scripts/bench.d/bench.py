"""Benchmark workloads for scripts/bench: one part per call (a, b, c, d, e or f)."""
import json, math, os, pathlib, random, re, resource, shutil, subprocess, sys, time

RECONCILE = os.environ["RECONCILE"]
NIST_LRE = os.environ["NIST_LRE"]
WORK = pathlib.Path(os.environ["WORK"])
ROOT = pathlib.Path(os.environ["ROOT"])
WORK.mkdir(parents=True, exist_ok=True)
# GNU time (the `time` program, not the shell keyword), found on PATH.
GNU_TIME = shutil.which("time") or sys.exit("GNU time not found on PATH (Debian: apt-get install time)")


def timed(cmd, **kw):
    """Wall time, peak RSS (MB), output and CPU seconds (user + system) of a command, via GNU
    time. Standard output goes to a file (as an analyst redirects a batch's results), read back
    afterwards: a pipe would time the reading Python process too."""
    out_path = WORK / "stdout.txt"
    with open(out_path, "w") as out:
        t0 = time.perf_counter()
        r = subprocess.run([GNU_TIME, "-f", "%M %U %S"] + cmd, stdout=out, stderr=subprocess.PIPE, text=True, **kw)
        dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    peak_kb, user, system = r.stderr.strip().splitlines()[-1].split()
    return dt, int(peak_kb) / 1024, out_path.read_text(), float(user) + float(system)


def best_of(cmd, runs=5, **kw):
    """`timed` run `runs` times: the fastest wall time (scheduling noise only adds time), the
    median wall time (for a ratio by it too: the peers' loops are timed once, noise included),
    the largest peak memory, the output of the last run (identical every time: checked) and the
    median CPU seconds."""
    stats, out = [], None
    for _ in range(runs):
        dt, peak, text, cpu = timed(cmd, **kw)
        # Each run's output against the one before: one copy held, not `runs` (a 450 MB CSV in (c)).
        if out is not None and text != out:
            sys.exit(f"output differs between runs: {' '.join(cmd)}")
        out = text
        stats.append((dt, peak, cpu))
    times = sorted(r[0] for r in stats)
    cpu = sorted(r[2] for r in stats)
    return times[0], times[runs // 2], max(r[1] for r in stats), out, cpu[runs // 2]


def rscript(code):
    r = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"R failed:\n{r.stderr[-2000:]}")
    return r.stdout


def rel(a, b):
    return 0.0 if a == b else abs(a - b) / max(abs(b), 1e-300)


def row(label, ours, peer_name, peer, n, median=None):
    by_median = f" (median of 5: {median / n * 1e6:.1f} µs, {peer / median:.0f}×)" if median else ""
    print(f"| {label} | {ours / n * 1e6:.1f} µs | {peer_name} | {peer / n * 1e6:.1f} µs | {peer / ours:.0f}×{by_median} |")


def part_a():
    rng = random.Random(20021130)
    path = WORK / "meta.csv"
    with open(path, "w") as f:
        f.write("group,yi,vi\n")
        for g in range(10000):
            k = rng.randint(5, 30)
            mu, tau = rng.uniform(-1, 1), rng.uniform(0, 0.5)
            for _ in range(k):
                vi = rng.uniform(0.01, 0.5)
                f.write(f"g{g},{rng.gauss(mu, math.sqrt(vi + tau * tau)):.10g},{vi:.10g}\n")
    ours, median, peak, out, _ = best_of([RECONCILE, "meta", str(path), "--by", "group", "--method", "REML", "--format", "json"])
    mine = {r["group"]: r for r in json.loads(out)}
    rout = WORK / "meta-r.csv"
    code = f"""suppressPackageStartupMessages(library(metafor))
d <- read.csv("{path}"); gs <- split(d, factor(d$group, levels = unique(d$group)))
t <- system.time(res <- lapply(gs, function(x) tryCatch({{m <- rma(yi, vi, data = x, method = "REML"); c(m$b[1], m$se, m$tau2)}}, error = function(e) c(NA, NA, NA))))
out <- do.call(rbind, res); write.csv(data.frame(group = names(gs), est = out[,1], se = out[,2], tau2 = out[,3]), "{rout}", row.names = FALSE)
cat(t[["elapsed"]])"""
    peer = float(rscript(code).strip().splitlines()[-1])
    worst = 0.0
    import csv
    for r in csv.DictReader(open(rout)):
        if r["est"] == "NA":
            continue
        m = mine[r["group"]]
        if not m.get("converged", True):
            continue
        worst = max(worst, rel(m["estimate"], float(r["est"])), rel(m["std_error"], float(r["se"])))
    print("\n## (a) 10,000 REML meta-analyses, k = 5..30\n")
    print("| workload | reconcile per analysis | peer | peer per analysis | ratio |\n|---|---|---|---|---|")
    row("REML meta-analysis", ours, "metafor rma() loop", peer, 10000, median)
    print(f"\nreconcile: {ours:.3f} s wall for 10,000 (best of 5 runs; process start, CSV parse and JSON output to a file included), peak {peak:.0f} MB; largest relative difference from metafor in estimate or SE: {worst:.1e}")


def part_b():
    rng = random.Random(7)
    path = WORK / "counts.csv"
    with open(path, "w") as f:
        f.write("group,year,count,log_exposure\n")
        for g in range(10000):
            n = rng.randint(10, 40)
            a, b = rng.uniform(1, 4), rng.uniform(-0.1, 0.15)
            for i in range(n):
                e = 1.0 if rng.random() > 0.1 else rng.uniform(0.2, 0.95)
                mu = math.exp(a + b * i) * e * rng.gammavariate(4, 0.25)
                # Poisson draw (deterministic given the seed): inversion for small means,
                # the normal approximation for large ones (exp(-mu) underflows past ~700).
                if mu < 200:
                    k, p, u = 0, math.exp(-mu), rng.random()
                    s = p
                    while u > s and k < 10000:
                        k += 1; p *= mu / k; s += p
                else:
                    k = max(0, round(rng.gauss(mu, math.sqrt(mu))))
                f.write(f"g{g},{2000 + i},{k},{math.log(e):.12g}\n")
    print("\n## (b) 10,000 Poisson and 10,000 negative binomial fits, 10..40 counts with an offset\n")
    print("| workload | reconcile per fit | peer | peer per fit | ratio |\n|---|---|---|---|---|")
    import pandas as pd, numpy as np, statsmodels.api as sm, warnings
    warnings.filterwarnings("ignore")
    d = pd.read_csv(path)
    groups = [g for _, g in d.groupby("group", sort=False)]
    results = {}
    for model in ["poisson", "negbin"]:
        ours, median, peak, out, _ = best_of([RECONCILE, "fit", str(path), "--y", "count", "--x", "year", "--offset", "log_exposure", "--model", model, "--by", "group", "--format", "json"])
        mine = {r["group"]: r for r in json.loads(out)}
        t0 = time.perf_counter()
        sm_est = {}
        sm_failed = 0
        sm_unconverged = 0
        for g in groups:
            X = sm.add_constant(g["year"].to_numpy(dtype=float))
            try:
                if model == "poisson":
                    m = sm.GLM(g["count"].to_numpy(), X, family=sm.families.Poisson(), offset=g["log_exposure"].to_numpy()).fit()
                    converged = m.converged
                else:
                    # Newton: NegativeBinomial's default (BFGS, 35 iterations) stops short of
                    # the maximum in about five fits of six here and says so in
                    # mle_retvals["converged"]; Newton converges in all but a few, and faster.
                    m = sm.NegativeBinomial(g["count"].to_numpy(), X, offset=g["log_exposure"].to_numpy()).fit(method="newton", maxiter=100, disp=0)
                    converged = m.mle_retvals.get("converged", False)
                if converged:
                    sm_est[g["group"].iloc[0]] = m.params[1]
                else:
                    sm_unconverged += 1
            except Exception:
                sm_failed += 1
        peer_sm = time.perf_counter() - t0
        fam = "glm(count ~ year + offset(log_exposure), family = poisson, data = x)" if model == "poisson" else "MASS::glm.nb(count ~ year + offset(log_exposure), data = x)"
        rout = WORK / f"{model}-r.csv"
        code = f"""d <- read.csv("{path}"); gs <- split(d, factor(d$group, levels = unique(d$group)))
t <- system.time(res <- sapply(gs, function(x) tryCatch(suppressWarnings(coef({fam}))[2], error = function(e) NA)))
write.csv(data.frame(group = names(gs), slope = res), "{rout}", row.names = FALSE); cat(t[["elapsed"]])"""
        peer_r = float(rscript(code).strip().splitlines()[-1])
        import csv
        # Differences in units of the slope's standard error (a relative difference means
        # nothing for slopes that are 0 up to rounding).
        def se_units(m, v):
            p = m["parameters"][1]
            return abs(p["estimate"] - v) / p["std_error"] if p.get("std_error") else 0.0
        # Fits where reconcile says it departs from glm.nb (theta.ml ran away from a finite
        # maximum: README, Methods) are counted apart, with their distance from R.
        def departs(m):
            return any("bracketed search" in w for w in m.get("warnings", []))
        r_rows = [r for r in csv.DictReader(open(rout)) if r["slope"] not in ("NA", "") and mine[r["group"]].get("converged", True)]
        worst_r = max((se_units(mine[r["group"]], float(r["slope"])) for r in r_rows if not departs(mine[r["group"]])), default=0)
        departures = [se_units(mine[r["group"]], float(r["slope"])) for r in r_rows if departs(mine[r["group"]])]
        # statsmodels' NegativeBinomial maximises over (β, α) jointly and stops at its own
        # tolerance: compare where both converged.
        worst_sm = max((se_units(mine[k], v) for k, v in sm_est.items() if mine[k].get("converged", True)), default=0)
        name = "Poisson GLM" if model == "poisson" else "negative binomial"
        row(name, ours, "statsmodels loop", peer_sm, 10000, median)
        row(name, ours, "R glm loop" if model == "poisson" else "R MASS::glm.nb loop", peer_r, 10000, median)
        results[model] = (ours, peak, worst_r, worst_sm, len(sm_est), sm_unconverged + sm_failed, departures)
    for model, (ours, peak, wr, ws, nsm, nsm_not, dep) in results.items():
        print(f"\n{model}: reconcile {ours:.3f} s wall for 10,000 (best of 5 runs, output to a file), peak {peak:.0f} MB; largest difference in the slope, in standard errors: {wr:.1e} from R, {ws:.1e} from statsmodels (over the {nsm} fits statsmodels reports converged; {nsm_not} did not converge or failed)")
        if dep:
            print(f"{model}: {len(dep)} fit(s) where glm.nb's theta runs away from a finite maximum and reconcile finds it (it warns so): {', '.join(f'{d:.2g}' for d in dep)} standard errors from R")


def figures_file(mb, quantities):
    """A generated figures CSV of about `mb` MB whose rows go to `quantities` quantities in turn
    (made once, kept in WORK)."""
    path = WORK / (f"figures-{mb}mb.csv" if quantities == 500 else f"figures-{mb}mb-{quantities}q.csv")
    if not path.exists() or path.stat().st_size < mb * 1_000_000 * 0.95:
        rng = random.Random(3)
        with open(path, "w") as f:
            f.write("id,quantity,value,low,high,text,unit,period,source,published,document,quote\n")
            i = 0
            while f.tell() < mb * 1_000_000:
                lines = []
                for _ in range(10000):
                    q = f"q{i % quantities}"
                    lo = rng.randint(1000, 50000)
                    lines.append(f'f{i},{q},,"{lo:,}","{lo * rng.randint(2, 9):,}",,persons,{1990 + i % 30},"Source {i % 97}",2002-11,doc{i % 13}.txt,"estimates vary between {lo} and more, the report says"\n')
                    i += 1
                f.write("".join(lines))
    return path


def part_c():
    mb = int(os.environ.get("BENCH_MB", "500"))
    path = figures_file(mb, 500)
    # The same rows in 20,000 quantities (about 165 figures each at 500 MB): the per-quantity
    # costs (pooling, summary rows, hand-over) weigh more there.
    many = figures_file(mb, 20000)
    size = path.stat().st_size / 1e6
    print(f"\n## (c) a {size:.0f} MB figures CSV (500 quantities; and the same rows in 20,000)\n")
    # reconcile best of 3 (a 500 MB run is several seconds; on a shared machine the host's
    # steal time only adds to it), with the median beside it and the CPU time a run takes, per
    # 100 MB: 200 MB/s on 2 cores is 1.0 s of CPU per 100 MB.
    print("| tool | wall (best of 3) | MB/s | median of 3 | CPU per 100 MB (median) | peak memory |\n|---|---|---|---|---|---|")
    for cmd, label, file in [([RECONCILE, "validate", str(path)], "reconcile validate", path), ([RECONCILE, "ranges", str(path), "--format", "csv"], "reconcile ranges", path), ([RECONCILE, "ranges", str(many), "--format", "csv"], "reconcile ranges, 20,000 quantities", many)]:
        mbs = file.stat().st_size / 1e6
        best, median, peak, _, cpu = best_of(cmd, runs=3)
        print(f"| {label} | {best:.2f} s | {mbs / best:.0f} | {median:.2f} s ({mbs / median:.0f} MB/s) | {cpu / mbs * 100:.2f} s | {peak:.0f} MB |")
    py = str(pathlib.Path(sys.executable))
    dt, peak, _, cpu = timed([py, "-c", f"import pandas; pandas.read_csv({str(path)!r}, thousands=',')"])
    print(f"| pandas.read_csv (once) | {dt:.2f} s | {size / dt:.0f} | | {cpu / size * 100:.2f} s | {peak:.0f} MB |")


def part_d():
    best, _, peak, _, _ = best_of([RECONCILE, "report", "--out", str(WORK / "seed-report")], cwd=ROOT)
    print("\n## (d) the seed report\n")
    print(f"reconcile report on datasets/: {best * 1000:.0f} ms wall (best of 5), peak {peak:.0f} MB")


def part_e():
    dt, peak, out, _ = timed([NIST_LRE])
    conv = re.search(r"(\d+) of (\d+) nonlinear starts converged", out)
    print("\n## (e) NIST StRD\n")
    print(f"nist-lre (all 11 linear sets incl. Filip, 8 univariate, 54 nonlinear starts): {dt * 1000:.0f} ms wall, peak {peak:.0f} MB; {conv.group(0) if conv else ''}")


def report_input(mb=None, one_figure=None):
    """A figures file for part (f): about `mb` MB in quantities of 200 figures each (so the
    number of quantities grows with the size), or `one_figure` quantities of one figure each.
    Rows are those of part (c). Made once, kept in WORK."""
    name = f"report-{mb}mb.csv" if mb else f"report-{one_figure}x1.csv"
    path = WORK / name
    if path.exists():
        return path
    rng = random.Random(5)
    with open(path, "w") as f:
        f.write("id,quantity,value,low,high,text,unit,period,source,published,document,quote\n")
        i = 0
        while (f.tell() < mb * 1_000_000) if mb else (i < one_figure):
            lines = []
            for _ in range(10000):
                if one_figure and i >= one_figure:
                    break
                q = f"q{i}" if one_figure else f"q{i // 200}"
                lo = rng.randint(1000, 50000)
                lines.append(f'f{i},{q},,"{lo:,}","{lo * rng.randint(2, 9):,}",,persons,{1990 + i % 30},"Source {i % 97}",2002-11,doc{i % 13}.txt,"estimates vary between {lo} and more, the report says"\n')
                i += 1
            f.write("".join(lines))
    return path


def folder_size(path):
    return sum(p.stat().st_size for p in pathlib.Path(path).rglob("*") if p.is_file())


def part_f():
    """`report` at scale: peak memory (GNU time's maximum resident set), wall time and output
    size on generated files of 10, 50 and 200 MB and on 100,000 one-figure quantities. The
    targets (issue #25): peak memory within 20% across the sizes, time linear in size, output
    under 5 times the input."""
    print("\n## (f) report at scale (one run each)\n")
    print("| input | size | wall | s per 100 MB | peak memory | output | output / input |\n|---|---|---|---|---|---|---|")
    peaks = []
    for label, path in [("10 MB, 200 figures per quantity", report_input(mb=10)), ("50 MB", report_input(mb=50)), ("200 MB", report_input(mb=200)), ("100,000 one-figure quantities", report_input(one_figure=100_000))]:
        out = WORK / "report-out"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        dt, peak, _, _ = timed([RECONCILE, "report", str(path), "--out", str(out), "--quiet"])
        size = path.stat().st_size / 1e6
        written = folder_size(out) / 1e6
        peaks.append(peak)
        print(f"| {label} | {size:.1f} MB | {dt:.2f} s | {dt / size * 100:.1f} s | {peak:.0f} MB | {written:.1f} MB | {written / size:.2f}× |")
    print(f"\npeak memory: largest / smallest = {max(peaks) / min(peaks):.2f}")


{"a": part_a, "b": part_b, "c": part_c, "d": part_d, "e": part_e, "f": part_f}[sys.argv[1]]()

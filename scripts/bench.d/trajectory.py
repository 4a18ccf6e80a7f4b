"""Part (g) of scripts/bench: the trajectory model (issue #28), ours against Stan, side by side.

Run by scripts/bench with the Python of .venv-stan (PyStan 3.10, Stan 2.35); environment:
TRAJECTORY_BENCH (the release trajectory-bench binary), WORK, ROOT, and optionally
TRAJECTORY_REPS (repetitions, default 3).

1. trajectory-bench --write-data writes the problem of issue #28's size (50 statements over 22
   years, 4 series, 2 evidence groups; TrajectoryStan.dataJSON) and a small one (10 statements
   over 8 years) as Stan data files.
2. Stan's program (Tests/Fixtures/trajectory/model.stan, the committed copy of
   TrajectoryStan.model) is compiled once, outside the timing.
3. Repetition r (seed r + 1 for both) runs, interleaved: our fit (Trajectory.fit, 4 chains x
   (1000 warmup + 1000 draws), target acceptance 0.8, 2 threads) and Stan's sampling of the
   same data (4 chains x (1000 + 1000), adapt_delta 0.8, PyStan's default of one process per
   core, so 2 at a time here). Wall time, and CPU time: ours the process's, Stan's the sum of
   its worker processes' and the Python process's own (read from /proc around the call).
4. Both sets of draws go through R's `posterior` (the same definition for both): the smallest
   bulk ESS and the largest R-hat over the year log-levels and tau, sigmaB, omega (bulk ESS is
   rank-based, so Stan's level = exp(x) gives the same as x).
5. Reported per side: medians over the repetitions of wall and CPU time, leapfrog steps per
   iteration (warmup included), min bulk ESS, time per effective draw; and the ratio of
   Stan's time per effective draw to ours (CPU and wall), the issue's target being 100x. Our
   sampler also runs as it was before the speed work (Stan's coordinates and a diagonal metric:
   trajectory-bench --walk noncentred --metric diagonal), for the before/after.
6. The small problem: our fit's wall and CPU time (median of 5; the issue's target is 50 ms),
   before and after, and Stan's for scale; then our fit on the 20 reference data sets of
   Tests/Fixtures/trajectory, before and after (their largest R-hat, smallest bulk ESS, time).
"""
import json, os, pathlib, statistics, subprocess, sys, time

import httpstan.cache
import stan

BENCH = os.environ["TRAJECTORY_BENCH"]
WORK = pathlib.Path(os.environ["WORK"]) / "trajectory"
ROOT = pathlib.Path(os.environ["ROOT"])
REPS = int(os.environ.get("TRAJECTORY_REPS", "3"))
WORK.mkdir(parents=True, exist_ok=True)
TICK = os.sysconf("SC_CLK_TCK")


def children_cpu():
    """CPU seconds (user + system) of this process's live child processes (Stan's workers)."""
    me, total = os.getpid(), 0.0
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


# Our sampler as it was before the speed work: Stan's coordinates, diagonal metric.
STAN_LIKE = ["--walk", "noncentred", "--metric", "diagonal"]


def ours(data, seed, threads=2, csv=None, repeats=1, extra=()):
    cmd = [BENCH, str(repeats), str(threads), "--json", "--data", str(data), "--seed", str(seed), *extra]
    if csv:
        cmd += ["--draws-csv", str(csv)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


class quiet_stderr:
    """Sends file descriptors 1 and 2 (Stan's progress and messages) to WORK/stan.log meanwhile."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = [os.dup(1), os.dup(2)]
        log = os.open(WORK / "stan.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)


def stan_sample(code, data_path, seed, csv):
    with quiet_stderr():
        return _stan_sample(code, data_path, seed, csv)


def _stan_sample(code, data_path, seed, csv):
    data = json.loads(data_path.read_text())
    posterior = stan.build(code, data=data, random_seed=seed)  # cached: compiled once
    for fit_file in (httpstan.cache.cache_directory() / "models").glob("*/*.jsonlines.gz"):
        fit_file.unlink()  # a cached fit would be returned without sampling
    cpu0, own0, t0 = children_cpu(), time.process_time(), time.perf_counter()
    fit = posterior.sample(num_chains=4, num_warmup=1000, num_samples=1000, delta=0.8, save_warmup=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - cpu0 + time.process_time() - own0
    names = list(fit.sample_and_sampler_param_names) + list(fit.constrained_param_names)
    draws = fit._draws  # (name, draw, chain); the first 1000 draws of each chain are warmup
    leapfrogs = draws[names.index("n_leapfrog__"), :, :].sum()
    keep = [i for i, n in enumerate(names) if n.startswith("level.") or n in ("tau", "sigmaB", "omega")]
    with open(csv, "w") as f:
        f.write(",".join([".chain", ".iteration"] + [names[i] for i in keep]) + "\n")
        for c in range(draws.shape[2]):
            for d in range(1000, draws.shape[1]):
                f.write(",".join([str(c + 1), str(d - 999)] + [repr(float(draws[i, d, c])) for i in keep]) + "\n")
    return {"wall": wall, "cpu": cpu, "leapfrogs_per_iteration": float(leapfrogs) / (4 * 2000),
            "divergences": int(draws[names.index("divergent__"), 1000:, :].sum())}


def posterior_ess(*csvs):
    """Min bulk ESS and max R-hat of each CSV's columns (R's posterior package)."""
    code = """suppressPackageStartupMessages(library(posterior))
for (f in commandArgs(trailingOnly = TRUE)) {
  d <- as_draws_df(read.csv(f, check.names = FALSE))
  s <- summarise_draws(d, ess_bulk, rhat)
  cat(min(s$ess_bulk), max(s$rhat), "\\n")
}"""
    r = subprocess.run(["Rscript", "-e", code] + [str(c) for c in csvs], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"R failed:\n{r.stderr[-2000:]}")
    return [tuple(float(v) for v in line.split()) for line in r.stdout.strip().splitlines()]


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main():
    large, small = WORK / "large", WORK / "small"
    for folder, extra in [(large, []), (small, ["--small"])]:
        subprocess.run([BENCH, "--write-data", str(folder)] + extra, check=True)
    code = (ROOT / "Tests/Fixtures/trajectory/model.stan").read_text()
    t0 = time.perf_counter()
    with quiet_stderr():
        stan.build(code, data=json.loads((large / "data.json").read_text()), random_seed=1)
    compile_s = time.perf_counter() - t0

    print("\n## (g) trajectory model (issue #28): ours vs Stan 2.35 (PyStan 3.10), same data and model\n")
    print(f"load average before: {loadavg()}; Stan compile (excluded): {compile_s:.1f} s; {REPS} repetitions, interleaved")
    rows = {"ours": [], "before": [], "stan": []}
    for rep in range(REPS):
        seed = rep + 1
        o = ours(large / "data.json", seed, csv=WORK / "ours.csv")
        b = ours(large / "data.json", seed, csv=WORK / "before.csv", extra=STAN_LIKE)
        s = stan_sample(code, large / "data.json", seed, WORK / "stan.csv")
        (oe, orh), (be, brh), (se, srh) = posterior_ess(WORK / "ours.csv", WORK / "before.csv", WORK / "stan.csv")
        for key, r, e, rh in [("ours", o, oe, orh), ("before", b, be, brh)]:
            rows[key].append({"wall": r["wall_ms"][0] / 1e3, "cpu": r["cpu_ms"][0] / 1e3,
                              "leapfrogs_per_iteration": r["leapfrog_steps"] / r["iterations"],
                              "ess": e, "rhat": rh, "divergences": r["divergences"]})
        rows["stan"].append(dict(s, ess=se, rhat=srh))
    med = {k: {f: statistics.median(r[f] for r in v) for f in v[0]} for k, v in rows.items()}
    for k in med:
        med[k]["cpu_per_ess"] = statistics.median(r["cpu"] / r["ess"] for r in rows[k])
        med[k]["wall_per_ess"] = statistics.median(r["wall"] / r["ess"] for r in rows[k])
    print("\n50 statements over 22 years, 4 chains x (1000 warmup + 1000 draws); medians of the repetitions\n")
    print("| sampler | wall | CPU | leapfrog steps / iteration | min bulk ESS | max R-hat | divergences | CPU per ESS | wall per ESS | Stan's CPU per ESS / this |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k, label in [("stan", "Stan 2.35 (PyStan)"), ("before", "ours, Stan's coordinates, diagonal metric"), ("ours", "ours (Trajectory.fit defaults)")]:
        m = med[k]
        print(f"| {label} | {m['wall']:.3f} s | {m['cpu']:.3f} s | {m['leapfrogs_per_iteration']:.1f} | {m['ess']:.0f} |"
              f" {m['rhat']:.4f} | {m['divergences']:.0f} | {m['cpu_per_ess'] * 1e3:.3f} ms | {m['wall_per_ess'] * 1e3:.3f} ms |"
              f" {med['stan']['cpu_per_ess'] / m['cpu_per_ess']:.1f}x |")
    cpu_ratio = med["stan"]["cpu_per_ess"] / med["ours"]["cpu_per_ess"]
    wall_ratio = med["stan"]["wall_per_ess"] / med["ours"]["wall_per_ess"]
    print(f"\nratio of Stan's time per effective draw to ours: CPU {cpu_ratio:.1f}x, wall {wall_ratio:.1f}x (target: 100x)")
    print("per repetition (ours / before / Stan): " + "; ".join(
        f"CPU {o['cpu']:.3f}/{b['cpu']:.3f}/{s['cpu']:.2f} s, ESS {o['ess']:.0f}/{b['ess']:.0f}/{s['ess']:.0f}"
        for o, b, s in zip(rows["ours"], rows["before"], rows["stan"])))

    # Interleaved single fits, five each.
    runs = [(ours(small / "data.json", 1), ours(small / "data.json", 1, extra=STAN_LIKE)) for _ in range(5)]
    o = dict(runs[0][0], wall_ms=[r[0]["wall_ms"][0] for r in runs], cpu_ms=[r[0]["cpu_ms"][0] for r in runs])
    ob = dict(runs[0][1], wall_ms=[r[1]["wall_ms"][0] for r in runs], cpu_ms=[r[1]["cpu_ms"][0] for r in runs])
    s = stan_sample(code, small / "data.json", 1, WORK / "stan-small.csv")
    print(f"\nsmall problem (10 statements over 8 years), 4 x (1000 + 1000): ours median of 5 wall"
          f" {statistics.median(o['wall_ms']):.1f} ms, CPU {statistics.median(o['cpu_ms']):.1f} ms"
          f" (target 50 ms), min bulk ESS {o['min_bulk_ess']:.0f}, max R-hat {o['max_rhat']:.4f};"
          f" before (Stan's coordinates, diagonal metric): wall {statistics.median(ob['wall_ms']):.1f} ms,"
          f" CPU {statistics.median(ob['cpu_ms']):.1f} ms, min bulk ESS {ob['min_bulk_ess']:.0f};"
          f" Stan wall {s['wall'] * 1e3:.0f} ms, CPU {s['cpu'] * 1e3:.0f} ms")

    for label, extra in [("ours", ()), ("before", STAN_LIKE)]:
        worst_rhat, worst_ess, walls, cpus, divergent, centred = 0.0, float("inf"), [], [], 0, 0
        for folder in sorted((ROOT / "Tests/Fixtures/trajectory").glob("random-*")):
            r = ours(folder / "data.json", 1, extra=extra)
            worst_rhat, worst_ess = max(worst_rhat, r["max_rhat"]), min(worst_ess, r["min_bulk_ess"])
            walls.append(r["wall_ms"][0])
            cpus.append(r["cpu_ms"][0])
            divergent += r["divergences"] > 0
            centred += bool(r.get("centred"))
        print(f"20 reference data sets (T 8..24, N 5..39), {label}: wall median {statistics.median(walls):.1f} ms,"
              f" largest {max(walls):.1f} ms; CPU median {statistics.median(cpus):.1f} ms, largest {max(cpus):.1f} ms;"
              f" largest R-hat {worst_rhat:.4f}, smallest bulk ESS {worst_ess:.0f}; {divergent} with divergences;"
              f" {centred} fitted centred")
    print(f"load average after: {loadavg()}")


main()

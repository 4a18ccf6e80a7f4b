#!/usr/bin/env python3
"""Samples the trajectory model in Stan for one data set and writes its summaries.

    .venv-stan/bin/python scripts/peers/trajectory/sample-stan.py DIR [SEED] [MODEL] [ADAPT_DELTA]

Reads DIR/data.json (the format TrajectoryStan.dataJSON writes) and the Stan program MODEL
(default DIR/../model.stan, the committed copy of TrajectoryStan.model), samples 4 chains of
1000 warmup + STAN_DRAWS draws (environment, default 1000; the committed references use 10,000
to 700,000, see make-reference.sh), keeping every STAN_THIN-th (default 1: all), with NUTS (PyStan 3: Stan 2.35), and hands the draws to
summarise-draws.R (R's `posterior` package), which writes DIR/stan-quantiles.csv and the
diagnostics of DIR/stan-run.txt (the draws go to R as binary doubles, bit for bit). The model compiles once; PyStan keeps it in its cache, so
later runs of the same program only sample. Fits cached by PyStan are deleted before sampling,
so that the time written is that of a real run (compiling excluded).
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import aiohttp.client
import httpstan
import httpstan.cache
import stan

CHAINS, WARMUP = 4, 1000
DRAWS = int(os.environ.get("STAN_DRAWS", "1000"))
# Keep every THIN-th draw (STAN_THIN, default 1: all). PyStan's main process holds the draws it is
# sent, several kilobytes each while it parses them: 4 x 700,000 draws of random-19 took 18.5 GB and
# were killed by the kernel. Thinning saves memory but buys little where draws are nearly
# independent: random-19 thinned by 2 at 4 x 700,000 had the Monte Carlo error of 4 x 340,000 kept
# whole in its widest tail; it can pay only where they are strongly autocorrelated (not measured). The
# sampler's diagnostics (divergences, tree depth) are then those of the kept iterations only.
THIN = int(os.environ.get("STAN_THIN", "1"))


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2028
    model_path = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else folder.parent / "model.stan"
    delta = float(sys.argv[4]) if len(sys.argv) > 4 else 0.95
    code = model_path.read_text()
    data = json.loads((folder / "data.json").read_text())  # arrays stay lists, also of length 1

    # PyStan's client gives up on a request after aiohttp's default 5 minutes. httpstan's server
    # shares its event loop and, while a chain's draws keep arriving, reads them without yielding
    # to it, so on runs of 200,000 draws a chain and more a progress poll went unanswered that
    # long (or a connection to it within 30 s) and the run hung with its chains unfinished. No limit
    # on the client's requests:
    aiohttp.client.DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None)
    started = time.monotonic()
    posterior = stan.build(code, data=data, random_seed=seed)
    built = time.monotonic()
    for fit_file in (httpstan.cache.cache_directory() / "models").glob("*/*.jsonlines.gz"):
        fit_file.unlink()
    fit = posterior.sample(num_chains=CHAINS, num_warmup=WARMUP, num_samples=DRAWS, num_thin=THIN, delta=delta)
    sampled = time.monotonic()

    names = list(fit.sample_and_sampler_param_names) + list(fit.constrained_param_names)
    draws = fit._draws  # (name, draw, chain)
    with tempfile.TemporaryDirectory() as work:
        # The draws as little-endian doubles, one row per draw (chain by chain), and beside them
        # the chains, the draws per chain and the column names: R reads the bits exactly, in a
        # second, where a CSV of 640,000 rows took minutes to write and to parse.
        draws_bin = pathlib.Path(work) / "draws.bin"
        draws.transpose(2, 1, 0).astype("<f8").tofile(draws_bin)
        (pathlib.Path(work) / "draws.txt").write_text(
            f"{draws.shape[2]} {draws.shape[1]}\n" + "".join(stan_name(n) + "\n" for n in names))
        run = {
            "model": str(model_path),
            "model_md5": hashlib.md5(code.encode()).hexdigest(),
            "data_md5": hashlib.md5((folder / "data.json").read_bytes()).hexdigest(),
            "stan": f"PyStan {stan.__version__}, httpstan {httpstan.__version__}, {stanc_version()}",
            "seed": seed,
            "chains": CHAINS,
            "warmup": WARMUP,
            "draws_per_chain": DRAWS,
            **({"thin": THIN} if THIN > 1 else {}),
            "adapt_delta": delta,
            "build_seconds": round(built - started, 2),
            "sampling_seconds": round(sampled - built, 2),
        }
        run_txt = pathlib.Path(work) / "run.txt"
        run_txt.write_text("".join(f"{k}: {v}\n" for k, v in run.items()))
        here = pathlib.Path(__file__).resolve().parent
        subprocess.run(["Rscript", str(here / "summarise-draws.R"), str(draws_bin), str(run_txt), str(folder)], check=True)


def stan_name(name: str) -> str:
    """level.3 -> level[3]; PyStan writes indices after dots."""
    head, *index = name.split(".")
    return f"{head}[{','.join(index)}]" if index else head


def stanc_version() -> str:
    stanc = pathlib.Path(httpstan.__file__).parent / "stanc"
    return subprocess.run([str(stanc), "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

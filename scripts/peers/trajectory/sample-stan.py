#!/usr/bin/env python3
"""Samples the trajectory model in Stan for one data set and writes its summaries.

    .venv-stan/bin/python scripts/peers/trajectory/sample-stan.py DIR [SEED] [MODEL] [ADAPT_DELTA]

Reads DIR/data.json (the format TrajectoryStan.dataJSON writes) and the Stan program MODEL
(default DIR/../model.stan, the committed copy of TrajectoryStan.model), samples 4 chains of
1000 warmup + STAN_DRAWS draws (environment, default 1000; the committed references use 10,000
to 800,000, see make-reference.sh), every draw kept, with NUTS
(PyStan 3 compiles it; httpstan's services call samples: Stan 2.35), and hands the draws to
summarise-draws.R (R's `posterior` package), which writes DIR/stan-quantiles.csv and the
diagnostics of DIR/stan-run.txt (the draws go to R as binary doubles, bit for bit). The model
compiles once; PyStan keeps it in its cache, so later runs of the same program only sample.

The chains run as PyStan's `sample` runs them (httpstan's services call on the same arguments, so
the same draws; see run_chains), but their draws are read from the fit files httpstan writes,
line by line, and written straight to the binary file: PyStan's `sample` holds every chain's
messages in memory as text and parses them there, 18.5 GB for 4 x 700,000 draws of random-19,
which the kernel killed. sampling_seconds is the chains' time (compiling and reading the draws
excluded).
"""
import asyncio
import concurrent.futures
import gzip
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import httpstan
import httpstan.cache
import httpstan.fits
import httpstan.schemas
import httpstan.services_stub
import numpy
import simdjson
import stan
import stan.model

CHAINS, WARMUP = 4, 1000
DRAWS = int(os.environ.get("STAN_DRAWS", "1000"))


def main() -> None:
    folder = pathlib.Path(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2028
    model_path = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else folder.parent / "model.stan"
    delta = float(sys.argv[4]) if len(sys.argv) > 4 else 0.95
    code = model_path.read_text()
    data = json.loads((folder / "data.json").read_text())  # arrays stay lists, also of length 1

    started = time.monotonic()
    posterior = stan.build(code, data=data, random_seed=seed)
    built = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        # The draws as little-endian doubles, one row per draw (chain by chain), and beside them
        # the chains, the draws per chain and the column names: R reads the bits exactly, in a
        # second, where a CSV of 640,000 rows took minutes to write and to parse.
        draws_bin = pathlib.Path(work) / "draws.bin"
        fits = run_chains(posterior, delta)
        sampled = time.monotonic()
        names = write_draws(fits, draws_bin)
        (pathlib.Path(work) / "draws.txt").write_text(
            f"{CHAINS} {DRAWS}\n" + "".join(stan_name(n) + "\n" for n in names))
        run = {
            "model": str(model_path),
            "model_md5": hashlib.md5(code.encode()).hexdigest(),
            "data_md5": hashlib.md5((folder / "data.json").read_bytes()).hexdigest(),
            "stan": f"PyStan {stan.__version__}, httpstan {httpstan.__version__}, {stanc_version()}",
            "seed": seed,
            "chains": CHAINS,
            "warmup": WARMUP,
            "draws_per_chain": DRAWS,
            "adapt_delta": delta,
            "build_seconds": round(built - started, 2),
            "sampling_seconds": round(sampled - built, 2),
        }
        run_txt = pathlib.Path(work) / "run.txt"
        run_txt.write_text("".join(f"{k}: {v}\n" for k, v in run.items()))
        here = pathlib.Path(__file__).resolve().parent
        subprocess.run(["Rscript", str(here / "summarise-draws.R"), str(draws_bin), str(run_txt), str(folder)], check=True)


def run_chains(posterior: stan.model.Model, delta: float) -> list:
    """Runs the chains with httpstan's services call, the one its server makes for PyStan's
    `sample`, on the arguments its server would pass (PyStan's request read by httpstan's own
    schema), so the draws are the same; returns the paths of the fit files the calls write
    (gzip-compressed JSON lines, one message a line).

    Not through the server: each call reads its chain's output in a loop that yields to its event
    loop only when no output is waiting, so, with the calls sharing the server's loop, a chain
    writing draws kept the others' output unread and their processes waiting (seen with two runs
    side by side: one chain of each ran, the other's process slept), and the server's replies
    waited minutes (runs of 200,000 draws a chain hung on PyStan's 5-minute request limit). Here
    each chain has its own thread and event loop; httpstan's process pool (two workers on two
    cores) runs them, and its workers are started before the threads, so that no thread is running
    when they fork. random-04 at 4 x 30,000 on idle cores: 104 s through PyStan's `sample`, 74 s
    here (chains 55 s), the same stan-quantiles.csv byte for byte.
    """
    function = "stan::services::sample::hmc_nuts_diag_e_adapt"
    httpstan.services_stub.executor.submit(int).result()

    def chain(number: int) -> pathlib.Path:
        request = {"function": function, "chain": number, "data": posterior.data, "init": {},
                   "random_seed": posterior.random_seed, "num_warmup": WARMUP, "num_samples": DRAWS,
                   "delta": delta}
        args = httpstan.schemas.CreateFitRequest().load(request)
        args.pop("function")
        name = httpstan.fits.calculate_fit_name(function, posterior.model_name, args)
        asyncio.run(httpstan.services_stub.call(function, posterior.model_name, name, None, **args))
        print(f"sample-stan: chain {number} finished", file=sys.stderr, flush=True)
        return httpstan.cache.fit_path(name)

    with concurrent.futures.ThreadPoolExecutor(max_workers=CHAINS) as threads:
        return list(threads.map(chain, range(1, CHAINS + 1)))


def write_draws(fits: list, draws_bin: pathlib.Path) -> list:
    """Reads each chain's draws from its fit file, line by line, appends them to DRAWS_BIN as
    little-endian doubles (one row per draw, chain by chain) and deletes the fit file; the loop of
    PyStan's `Fit`, a block of 10,000 draws in memory at a time instead of every chain's text.
    Returns the column names, as Stan's writer sends them (the sampler's, ending in __, then the
    model's)."""
    names = None
    parser = simdjson.Parser()
    with open(draws_bin, "wb") as out:
        for chain, path in enumerate(fits, start=1):
            rows, count = [], 0
            with gzip.open(path, "rb") as lines:
                for line in lines:
                    if b'"sample"' not in line:
                        continue
                    try:
                        message = parser.parse(line)
                    except ValueError:  # a nan or an infinity, which simdjson does not read
                        message = json.loads(line)
                    values = message["values"]
                    # A draw, not one of the sampler's other messages (its settings, adaptation).
                    if message["topic"] == "sample" and isinstance(values, (simdjson.Object, dict)):
                        names = names or list(values.keys())
                        rows.append(tuple(values.values()))
                    del values, message  # simdjson reuses its buffer only when nothing refers to it
                    if len(rows) == 10_000:
                        numpy.asarray(rows, dtype="<f8").tofile(out)
                        count, rows = count + len(rows), []
            if rows:
                numpy.asarray(rows, dtype="<f8").tofile(out)
                count += len(rows)
            if count != DRAWS:
                raise RuntimeError(f"chain {chain}: {count} draws in {path}, expected {DRAWS}")
            path.unlink()
    if names is None:
        raise RuntimeError(f"no draws in {fits}")
    return names


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

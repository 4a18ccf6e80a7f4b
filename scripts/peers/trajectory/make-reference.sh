#!/usr/bin/env bash
# scripts/peers/trajectory/make-reference.sh — the Stan reference of the trajectory model:
#   1. writes Tests/Fixtures/trajectory/model.stan from TrajectoryStan.model (the Swift test
#      committedModelIsTheEmittedOne with REGENERATE_TRAJECTORY_STAN=1);
#   2. draws the 20 data sets (make-datasets.R: random-NN/data.json, truth.csv) and writes the seed
#      data's (seed-nk/data.json: `reconcile trajectory datasets/nk-in-china.csv --quantity
#      nk_in_china --emit-stan`);
#   3. samples each in Stan (sample-stan.py, PyStan 3.10 / Stan 2.35: 4 chains x (1000 warmup +
#      STAN_DRAWS draws, default 10000; the data sets of `longer` below more: the seed data and
#      18 of the 20 enough that every quantile of their level can be held to the parity
#      comparison's 2% bound — TrajectoryParityTests.heldInFull requires it of five,
#      scripts/trajectory-parity of all 19; random-09 and -16 keep 10,000, not enough),
#      adapt_delta 0.95, again at 0.99 if a run diverged (those of `at99` at 0.99 from the start),
#      writing DIR/stan-quantiles.csv and DIR/stan-run.txt;
#   4. writes Tests/Fixtures/trajectory/reference.txt: the md5 of the model.stan sampled, the
#      versions, the total time and per data set the sampling time, divergences, ESS and R-hat.
# Takes hours: the model compiles once (about 1.5 minutes), then Stan samples 4 x 11,000 to
# 4 x 801,000 iterations per data set; reference.txt's sampling times add up to 7.7 hours, most of
# them taken two or three runs at a time (random-02's 800,000 at 0.99: 53 minutes beside two others);
# a whole run alone on 2 idle cores has not been timed. sample-stan.py streams the draws to disk, so
# long runs are limited by time, not memory.
#
# make-reference.sh NAME ... (for example `make-reference.sh random-15 random-19`) samples only those
# data sets, with the draws and adapt_delta the tables below give them, against the committed
# model.stan and data.json (steps 1 and 2 are skipped; the model must be the one reference.txt names),
# and rewrites reference.txt's rows, keeping its header. To lengthen a reference: raise its entry in
# `longer` (and add it to `at99`), then run this with its name.
# Each data set is sampled in a scratch copy; its stan-quantiles.csv and stan-run.txt replace the
# committed ones only when the run finished on this model and data (after the one retry at 0.99).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/deps.sh"
root=$(reconcile_root)
cd "$root"
ensure_swift
ensure_stan
apt_install g++ make r-base-core r-cran-posterior
fixtures=Tests/Fixtures/trajectory
model=$fixtures/model.stan
here=scripts/peers/trajectory
log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch" "$log"' EXIT
started=$(date +%s)
export STAN_DRAWS=${STAN_DRAWS:-10000}
# Draws per chain where STAN_DRAWS is not enough (see the header).
declare -A longer=([seed-nk]=200000 [random-01]=70000 [random-02]=800000 [random-03]=240000 [random-04]=30000
  [random-05]=140000 [random-06]=300000 [random-07]=600000 [random-08]=150000 [random-10]=360000 [random-11]=160000
  [random-12]=110000 [random-13]=80000 [random-14]=160000 [random-15]=190000 [random-17]=40000
  [random-18]=170000 [random-19]=700000 [random-20]=50000)
# Sampled at adapt_delta 0.99 from the start: at 0.95, runs of 4 x 140,000 draws and more met a
# divergent transition in three data sets of four (random-05, -11, -14; random-10 did not).
declare -A at99=([random-02]=1 [random-03]=1 [random-06]=1 [random-07]=1 [random-08]=1 [random-10]=1 [random-12]=1
  [random-13]=1 [random-15]=1 [random-18]=1 [random-19]=1)

# sample NAME: samples $fixtures/NAME in a scratch copy and, when it finished on $model (md5 $md5)
# and the committed data, puts its stan-quantiles.csv and stan-run.txt in place.
sample() {
  local name=$1 dir=$fixtures/$1 work=$scratch/$1 draws delta
  draws=${longer[$name]:-$STAN_DRAWS}
  delta=0.95
  [ -n "${at99[$name]:-}" ] && delta=0.99
  rm -rf "$work" && mkdir -p "$work" && cp "$dir/data.json" "$work/"
  STAN_DRAWS=$draws .venv-stan/bin/python "$here/sample-stan.py" "$work" 2028 "$model" $delta >>"$log" 2>&1 || true
  if [ $delta = 0.95 ] && [ -f "$work/stan-run.txt" ] && ! grep -qx "divergences: 0" "$work/stan-run.txt"; then
    echo "$name: divergent at adapt_delta 0.95, again at 0.99" >&2
    rm -f "$work/stan-run.txt" "$work/stan-quantiles.csv"
    STAN_DRAWS=$draws .venv-stan/bin/python "$here/sample-stan.py" "$work" 2028 "$model" 0.99 >>"$log" 2>&1 || true
  fi
  [ -f "$work/stan-run.txt" ] && [ -f "$work/stan-quantiles.csv" ] \
    || { cat "$log" >&2; echo "error: $name: Stan did not finish (see above); its reference is unchanged" >&2; exit 1; }
  grep -qx "model_md5: $md5" "$work/stan-run.txt" || { echo "error: $name sampled another model" >&2; exit 1; }
  grep -qx "data_md5: $(md5sum "$dir/data.json" | cut -d' ' -f1)" "$work/stan-run.txt" \
    || { echo "error: $name sampled other data" >&2; exit 1; }
  cp "$work/stan-quantiles.csv" "$work/stan-run.txt" "$dir/"
  echo "$name: $(grep -E '^(adapt_delta|draws_per_chain|sampling_seconds|divergences|min_ess_bulk|max_rhat):' "$dir/stan-run.txt" | tr '\n' ' ')" >&2
}

# rows: reference.txt's table, one row per data set.
rows() {
  echo "data_set,T,N,S,G,reference,adapt_delta,draws_per_chain,sampling_seconds,divergences,treedepth_hits,min_ess_bulk,max_rhat"
  for dir in "$fixtures"/seed-nk/ "$fixtures"/random-*/; do
    dir=${dir%/}
    field() { grep -m1 "^$1:" "$dir/stan-run.txt" | cut -d' ' -f2; }
    dims=$(grep -E '^  "(T|N|S|G|reference)":' "$dir/data.json" | sed -E 's/.*: ([0-9]+),?/\1/' | paste -sd,)
    echo "$(basename "$dir"),$dims,$(field adapt_delta),$(field draws_per_chain),$(field sampling_seconds),$(field divergences),$(field treedepth_hits),$(field min_ess_bulk),$(field max_rhat)"
  done
}

if [ $# -gt 0 ]; then
  md5=$(md5sum "$model" | cut -d' ' -f1)
  grep -qx "model_md5: $md5" "$fixtures/reference.txt" \
    || { echo "error: $model is not the model $fixtures/reference.txt names; run make-reference.sh whole" >&2; exit 1; }
  for name in "$@"; do
    [ -f "$fixtures/$name/data.json" ] || { echo "error: no data set $fixtures/$name (seed-nk, random-01 ... random-20)" >&2; exit 2; }
  done
  for name in "$@"; do sample "$name"; done
  { sed '/^data_set,/,$d' "$fixtures/reference.txt"; rows; } >"$scratch/reference.txt"
  mv "$scratch/reference.txt" "$fixtures/reference.txt"
  echo "reference.txt: rows rewritten; its header (the runs' dates and load) is yours to update" >&2
  exit 0
fi

REGENERATE_TRAJECTORY_STAN=1 swift test --filter 'TrajectoryStanModelTests/committedModelIsTheEmittedOne' >"$log" 2>&1 \
  || { cat "$log" >&2; echo "error: could not write $model from TrajectoryStan.model" >&2; exit 1; }
md5=$(md5sum "$model" | cut -d' ' -f1)
Rscript "$here/make-datasets.R"
swift build --product reconcile >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
seed_out=$(mktemp -d)
"$(swift build --show-bin-path)/reconcile" trajectory datasets/nk-in-china.csv --quantity nk_in_china \
  --emit-stan "$seed_out/emitted" >/dev/null
mkdir -p "$fixtures/seed-nk"
cp "$seed_out/emitted/data.json" "$fixtures/seed-nk/data.json"
rm -rf "$seed_out"

for dir in "$fixtures"/seed-nk/ "$fixtures"/random-*/; do
  sample "$(basename "$dir")"
done
finished=$(date +%s)

{
  echo "# The Stan reference of the trajectory model, written by scripts/peers/trajectory/make-reference.sh"
  echo "model: $model"
  echo "model_md5: $md5"
  grep -m1 '^stan:' "$fixtures/random-01/stan-run.txt"
  grep -m1 '^posterior_package:' "$fixtures/random-01/stan-run.txt"
  echo "R: $(Rscript -e 'cat(R.version.string)')"
  echo "total_seconds: $((finished - started))  (model.stan, data sets, compiling once, sampling and summaries)"
  echo
  rows
} >"$fixtures/reference.txt"
cat "$fixtures/reference.txt"

import Figures
import Statistics

/// The long help (`--help` discussion) of each command, one text per analysis, kept beside the
/// analyses it describes so the command-line target stays a thin parser.
public enum CommandHelp {
  /// The exit codes of the analysis commands.
  public static let exitCodes =
    "Exit codes: 0 success, 64 usage, 65 bad input data, 66 missing input, 73 output not writable."

  /// `reconcile check --help`.
  public static let check = """
    A claims file is a CSV with columns id, claim, formula, op, stated (and tolerance, source, document, quote, note). Each formula is computed from the figures (ids with '-' written as '_') and compared with the stated figure by op (<, <=, >, >=, ≈). Every claim is reported; a claim that cannot be checked (unknown figure, syntax error, division by zero) is printed as an error with a PATH:LINE:COLUMN diagnostic on stderr.

    With only claims files given, the figures files in the same folders are read.

    Examples:
      reconcile check datasets/claims.csv
      reconcile check claims.csv datasets/ --strict
      reconcile check datasets/ --format json

    Exit codes: 0 checked (failures are reported, not fatal), 1 a claim failed or an account contradicted itself under --strict, 65 a claim could not be checked or an input is invalid, 66 missing input.
    """

  /// `reconcile compare --help`.
  public static let compare = """
    Every CSV and JSON file under the two folders is compared. CSV rows are matched by key (quantity, kind, id in ranges.csv; quantity, period in trend.csv; quantity, year in trajectory.csv; otherwise the columns that are not all numbers), JSON objects by member name and arrays of objects by their id, quantity, group, period or name member. Numbers are equal when |current - baseline| <= atol + rtol * |baseline|; text, booleans and null must match exactly. Missing or new files, rows, columns and members are differences. Other files (report.md, index.md, HTML) are derived views: when their text differs it is reported, marked informational, and does not fail the comparison.

    The trajectory's figures (trajectory.csv, summary.json's trajectory) are Monte Carlo estimates: the same seed gives the same bits on one machine, but a CPU that makes glibc's exp or log differ in a last bit gives another realisation of the sampler. They get a Monte Carlo tolerance instead of --rtol: on the log scale, a median or 50% interval end may move by 0.1 of the width of its 90% interval, a 90% interval end by 0.4; a statement's fitted value by 0.15, its outlier probability (and a series' bias-flag probability) by 0.1 (absolute). The sampler's diagnostics (R-hat, ESS, step sizes, divergences, their warnings), outlier verdicts and bias flags are reported when they differ, marked informational. Years, counts, what each statement states, the priors and settings are compared as every other figure.

    The diff goes to stdout, one line per difference, sorted by file, key and column:
      FILE  ROW-KEY  COLUMN  baseline → current  (relative change)
    then a summary line, e.g. "3 differences in 2 files; 14 files compared".

    Exit codes: 0 no differences, 1 differences beyond tolerance, 64 bad option, 65 a malformed CSV or JSON file, 66 a folder is missing.

    Examples:
      reconcile compare Tests/Fixtures/baseline reconcile-report
      reconcile compare old/ new/ --rtol 1e-6 --atol 1e-12
    """

  /// `reconcile describe --help`.
  public static let describe = """
    Numbers are read from their decimal text and summed in double-double arithmetic, so the NIST StRD univariate sets keep all their digits. sd uses the divisor n − 1; autocorrelation is the lag-1 sample coefficient as NIST defines it.

    \(exitCodes)

    Examples:
      reconcile describe data.csv --column y
      reconcile describe figures.csv --column value --by quantity --format json
    """

  /// `reconcile fit --help`.
  public static let fit = """
    \(exitCodes)

    Examples:
      reconcile fit data.csv --y y --x x
      reconcile fit data.csv --y y --x x --degree 3
      reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
      reconcile fit data.csv --y y --x x --by region --format json
      reconcile fit misra1a.csv --y y --model nls --formula 'b1*(1-exp(-b2*x))' --start b1=500,b2=1e-4
    """

  /// `reconcile meta --help`.
  public static let meta = """
    Reads a CSV with an `estimate` column and either `variance` or `se` (metafor's `yi` and `vi`, or `sei`, also work; a variance column wins over a standard-error column).

    Or a figures file (a `quantity` column and no `estimate`): each figure of the quantity with `low` and `high` is a log estimate ln(value), or ln √(low·high) when it states no value, with SE (ln high − ln low)/(2z) at its coverage; points, bounds, verbal figures, and figures superseded, restating others, narrower in scope or sharing evidence already counted are left out with the reason. Results are also given on the natural scale (exp), with each figure's weight.

    Methods (τ² estimators): FE (fixed effect, τ² = 0), DL (DerSimonian–Laird), HE (Hedges), HS (Hunter–Schmidt), SJ (Sidik–Jonkman), ML, REML (default), EB (empirical Bayes), PM (Paule–Mandel). Tests: z (default) or knha (Knapp–Hartung: t with k − 1 df). Every figure is defined as in metafor's rma() and predict().

    An iterative estimator that does not converge is reported with "converged": false, and metafor's message is printed as a warning on stderr.

    \(exitCodes)

    Examples:
      reconcile meta studies.csv --method DL --test knha
      reconcile meta studies.csv --method PM --level 0.9 --format json
      reconcile meta studies.csv --by outcome --format csv
      reconcile meta datasets/nk-in-china.csv --method DL
    """

  /// `reconcile ranges --help`.
  public static let ranges = """
    Each range is read as the central interval of a lognormal at its `coverage` (an empty cell takes --coverage, default \(Figure.defaultCoverage)); a stated value with a range as its centre (a two-piece lognormal); coverage 1 as hard bounds; a point figure (or "about") as right within a factor of 2; a verbal quantity ("tens of thousands") through the documented table; a bound ("at least", "at most") as a censored observation in the random effects (maximum likelihood), left out of the opinion pools. Figures with `derived_from`, superseded figures, figures of narrower `scope` and all but one figure of an `evidence` group are left out of pooling, with the reason. Pooled views: random effects on the log scale (with its prediction interval), the linear opinion pool and the logarithmic opinion pool; leave-one-out for each source (up to \(RangePooling.maxLeaveOneOut) pooled sources). One figure is reported as stated, not reconciled; two are pooled by a common effect (no between-source variance). Every pooled interval is assumption-based: a sensitivity table repeats the random effects with the coverage assumed where none is stated at 0.5, 0.8, 0.9 and 0.95 and the point factor at 1.5, 2 and 3 (each cell equals a run with those options).

    \(exitCodes)

    Examples:
      reconcile ranges datasets/nk-in-china.csv
      reconcile ranges datasets/nk-in-china.csv --interval z --coverage 0.8
      reconcile ranges datasets/nk-in-china.csv --format json
      reconcile ranges datasets/*.csv --quantity nk_in_china --format csv > ranges.csv
    """

  /// `reconcile report --help`.
  public static let report = """
    With no PATH, runs on ./datasets/ and writes ./reconcile-report/. Datasets are the expanded input files sorted by path. For each dataset: DATASET/ranges.csv, DATASET/trend.csv, DATASET/trajectory.csv (each quantity whose statements cover 3 or more years: its level by year, the rows of `reconcile trajectory --format csv` after the quantity; seed 1), DATASET/summary.json, DATASET/report.md, DATASET/report.html and DATASET/datapackage.json, and index.md and index.html over all datasets. Each dataset gets its own folder, named after its file: names that clash (also in letter case alone, or with the claims folder) get a suffix _2, _3, …

    The report is written into a fresh folder beside --out and swapped in only when every file is written: a run that fails (bad input, a full disk) or is interrupted (Ctrl-C, SIGTERM) leaves the previous report whole and no temporary file. --out must be a new folder, an empty one, or an earlier report (it is replaced whole). Each dataset is read one quantity at a time, so memory does not grow with the size of the file.

    --compare-to DIR: after writing, compare the new output with the baseline folder DIR as `reconcile compare DIR OUT` does (--rtol, --atol), print the diff on stdout and exit 1 when a figure moved beyond tolerance. The baseline must exist before anything is written (else exit 66), and must not be --out, inside it or around it, also through a symbolic link (exit 64).

    --shard K/N: compute only shard K (1-based) of N. A dataset belongs to shard FNV-1a(path relative to the current folder) mod N + 1: a hash, not round-robin, so adding a dataset never moves the others to another shard. Folder names are assigned over the whole batch, so the N output folders merge by copying. A shard writes its index as index-K-of-N.md (listing its datasets only); index.md is written when N = 1. With --compare-to, a shard compares only its own dataset folders.

    --no-trajectories leaves out the trajectories: no trajectory.csv, no summary.json entries (an empty trajectory member) and no sections. Each is a Bayesian fit with four prior-sensitivity refits, 0.2 to 3 s of CPU per quantity in a release build: the slowest part of a report of many series.

    Progress ("[3/120] datasets/foo.csv") is shown on stderr only when stderr is a terminal and the batch runs longer than a second; --quiet turns it off, and the "wrote" line.

    Exit codes: 0 success, 1 a figure moved beyond tolerance (--compare-to), 64 usage, 65 bad input data, 66 missing input, 73 output not writable.

    Examples:
      reconcile report
      reconcile report datasets/mou-arrivals.csv --out arrivals-report
      reconcile report --out new-report --compare-to Tests/Fixtures/baseline
      reconcile report --shard 2/4 --out part-2     # on the second of four machines
    """

  /// `reconcile trajectory --help`.
  public static let trajectory = """
    The model: a log-level per year that follows a random walk; each statement observes its year's level times the bias of its series (the series column, else the source), shares an error with the statements of its evidence group, and may be an outlier (a wider error, prior probability 0.1). Biases have mean zero (the level is what a typical series would state) unless --reference names the series whose bias is 0. Sampled by NUTS (4 chains, 1000 warmup iterations, --draws kept per chain); the same seed gives the same output.

    A statement enters by its kind, read as `ranges` reads it: a point or "about" as right within a factor of 2 at 90%; a range at its coverage as a point at its centre with the range's spread; a hard range (coverage 1) as an interval; "at least"/"at most" as bounds; words through the verbal table. Left out, with the reason: superseded and restating figures, narrower scope, no period, flows over part of a year or several years.

    Prints the level by year (median, 50% and 90% intervals), each series' bias and its verdict against the others (flagged as biased, in line, or the statements cannot tell), outliers, diagnostics (R-hat, effective sample sizes, divergences) and the sensitivity to the smoothness and bias priors (each scale halved and doubled). --format csv: year,median,lo50,hi50,lo90,hi90,statements. --emit-stan DIR writes model.stan, data.json and README.txt.

    \(exitCodes)

    Examples:
      reconcile trajectory datasets/nk-in-china.csv --quantity nk_in_china
      reconcile trajectory data.csv --quantity q --to 2010 --year 2008
      reconcile trajectory data.csv --quantity q --format json --emit-stan stan/
    """

  /// `reconcile trend --help`.
  public static let trend = """
    Each series (series column, else source) is fitted apart, superseded figures left out. Where printings of a series disagree about a year, the latest publication wins and the others are listed as conflicts with their sizes; two figures of one publication date covering a year are an error. --vintage YYYY-MM-DD fits the series as it stood then (figures published on or before it).

    A partial year enters count models with offset log(fraction of the year): 2002-01-01/2002-07-30 211/365; bands are for a full year (negbin and quasipoisson prediction intervals: whole counts from the predictive distribution, with the estimates' uncertainty). A count over several years (1999/2001) or a cumulative total (measure cumulative) that no printing as recent counts year by year enters the count models as the sum of the yearly means it covers (composite link): the table gives the yearly values it implies (trend.csv: implied yes), and checks the other cumulative totals against the counts and the fit (PASS/FAIL). The least-squares models (loglinear, linear, and joinpoint's loglinear and weighted) refuse a count over several years. A stock (a level) is never annualised (loglinear).

    --through YEAR projects from the last observed year up to 50 years past it (a usage error otherwise, exit 64); --span FROM:TO must lie within the observed years and cover at least 2 of them; a span too short for negbin or quasipoisson (2 periods) borrows the series' θ or dispersion, with a warning.

    joinpoint: --joinpoint-model poisson or negbin fits the counts by maximum likelihood (hinge terms, exposure offsets, counts over several years in the likelihood) and chooses the number of joinpoints by BIC; loglinear (least squares on log rates) and weighted (weights = counts) choose it by the permutation test of Kim et al. (2000), 4499 permutations, overall level 0.05. Default for counts: negbin when the likelihood-ratio test without joinpoints finds overdispersion, else poisson; for stocks: loglinear. `reconcile report` runs the same default. The search for K joinpoints is exhaustive over the admissible placements; on a long series the default K (up to 3) is lowered, with a warning, to what can be searched in seconds (1.5e9 placement-series pairs for least squares, 4,500 series for the permutation test; 5,000 placements for the count models), and a --joinpoints above it is a usage error that names the largest K allowed.

    \(exitCodes)

    Examples:
      reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals
      reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model quasipoisson --through 2026
      reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --vintage 2003-01-01 --span 1998:2001
      reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --vintage 2003-01-01 --model joinpoint
      reconcile trend datasets/unhcr-bangkok.csv --quantity unhcr_bangkok_persons --format csv
    """

  /// `reconcile validate --help`.
  public static let validate = """
    Figures files and claims files (a CSV with a `formula` column) are both checked: a claims file's formulas must parse and name figures that exist. Exits 0 when every file is valid, 65 when any has an error, 66 when one is missing.

    Figures files are validated in one streaming pass in bounded memory, so a valid file larger than memory can be checked (the automatic size limit of the other commands does not apply; one set with RECONCILE_MAX_FILE_MB still does). A file with errors or warnings is then read whole to report them, as the other commands do; so is a file with a row whose checks only the whole-file reader makes: a filled supersedes cell, a worded text such as "about 30,000", or a scale word such as "12.2 million".

    Example:
      reconcile validate datasets/*.csv
    """
}

import ArgumentParser
import Reports

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every analysis on every dataset and write chart-ready CSV, JSON and Markdown.",
    discussion: """
      With no PATH, runs on ./datasets/ and writes ./reconcile-report/. Datasets are the expanded input files sorted by path. For each dataset: DATASET/ranges.csv, DATASET/trend.csv, DATASET/summary.json, DATASET/report.md, DATASET/report.html and DATASET/datapackage.json, and index.md and index.html over all datasets. Each dataset gets its own folder, named after its file: names that clash (also in letter case alone, or with the claims folder) get a suffix _2, _3, …

      The report is written into a fresh folder beside --out and swapped in only when every file is written: a run that fails (bad input, a full disk) or is interrupted (Ctrl-C, SIGTERM) leaves the previous report whole and no temporary file. --out must be a new folder, an empty one, or an earlier report (it is replaced whole). Each dataset is read one quantity at a time, so memory does not grow with the size of the file.

      --compare-to DIR: after writing, compare the new output with the baseline folder DIR as `reconcile compare DIR OUT` does (--rtol, --atol), print the diff on stdout and exit 1 when a figure moved beyond tolerance. The baseline must exist before anything is written (else exit 66), and must not be --out, inside it or around it, also through a symbolic link (exit 64).

      --shard K/N: compute only shard K (1-based) of N. A dataset belongs to shard FNV-1a(path relative to the current folder) mod N + 1: a hash, not round-robin, so adding a dataset never moves the others to another shard. Folder names are assigned over the whole batch, so the N output folders merge by copying. A shard writes its index as index-K-of-N.md (listing its datasets only); index.md is written when N = 1. With --compare-to, a shard compares only its own dataset folders.

      Progress ("[3/120] datasets/foo.csv") is shown on stderr only when stderr is a terminal and the batch runs longer than a second; --quiet turns it off, and the "wrote" line.

      Exit codes: 0 success, 1 a figure moved beyond tolerance (--compare-to), 64 usage, 65 bad input data, 66 missing input, 73 output not writable.

      Examples:
        reconcile report
        reconcile report datasets/mou-arrivals.csv --out arrivals-report
        reconcile report --out new-report --compare-to Tests/Fixtures/baseline
        reconcile report --shard 2/4 --out part-2     # on the second of four machines
      """)

  @Argument(help: "Figures files or folders (default: datasets).")
  var paths: [String] = []
  @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "dir"))
  var out: String = "reconcile-report"
  @Option(
    name: .customLong("compare-to"),
    help: ArgumentHelp("Baseline folder to compare the new output with.", valueName: "dir"))
  var compareTo: String?
  @OptionGroup var tolerance: ToleranceOptions<ReportTolerance>
  @Option(
    name: .long, help: ArgumentHelp("Compute only shard K of N (1-based), e.g. 2/4.", valueName: "K/N"),
    transform: { text in
      do throws(ShardError) { return try Shard(parsing: text) } catch { throw ValidationError(error.description) }
    })
  var shard: Shard?
  @Flag(name: .long, help: "No progress and no \"wrote\" line; errors and differences are still printed.")
  var quiet = false

  func validate() throws {
    if out.isEmpty { throw ValidationError("--out must name a folder (it is replaced whole by the new report)") }
    if let compareTo {
      if compareTo.isEmpty { throw ValidationError("--compare-to must name a folder") }
      if let overlap = ReportFolder.baselineOverlap(baseline: compareTo, out: out) { throw ValidationError(overlap) }
    }
  }

  func run() throws {
    try guarded {
      let (all, claimPaths) = try ReportBatch.inputs(paths, baseline: compareTo)
      let plan = BatchPlan(paths: all, shard: shard ?? .all)
      var progress = BatchProgress.onStandardError(total: plan.items.count, quiet: quiet)
      defer { progress.finish() }
      let outcome = try ReportBatch.run(
        figures: all, claims: claimPaths, out: out, shard: plan.shard,
        warning: { printError($0.description) }, diagnostics: { printDiagnostics($0, omitted: $1) },
        progress: { progress.step($0, $1) })
      progress.finish()
      if !quiet { StandardOutput.writeShown(outcome.summaryLine(out: out, plan: plan)) }
      guard let compareTo else { return }
      let result = try OutputComparison.compare(
        baseline: compareTo, current: out, tolerance: try tolerance.tolerance,
        include: outcome.comparedFiles(plan: plan))
      StandardOutput.writeShown(result.text)
      if result.hasDifferences { throw ExitCode(1) }
    }
  }
}

import ArgumentParser
import Reports

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every analysis on every dataset and write chart-ready CSV, JSON and Markdown.",
    discussion: CommandHelp.report)

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
  @Flag(
    name: .customLong("no-trajectories"),
    help: "Leave out the trajectories (the Bayesian fits of quantities stated over 3+ years).")
  var noTrajectories = false

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
        progress: { progress.step($0, $1) }, trajectories: !noTrajectories)
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

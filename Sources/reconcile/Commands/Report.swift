import ArgumentParser
import Figures
import FoundationEssentials
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Reports
import Statistics

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every analysis on every dataset and write chart-ready CSV, JSON and Markdown.",
    discussion: """
      With no PATH, runs on ./datasets/ and writes ./reconcile-report/. Datasets are the
      expanded input files sorted by path. For each dataset: DATASET/ranges.csv,
      DATASET/trend.csv, DATASET/summary.json, DATASET/report.md, and an index.md over all
      datasets. Everything is computed before anything is written, and each file is written to
      a temporary name and renamed into place: a failed run leaves no partial file.

      --compare-to DIR: after writing, compare the new output with the baseline folder DIR as
      `reconcile compare DIR OUT` does (--rtol, --atol), print the diff on stdout and exit 1
      when a figure moved beyond tolerance. The baseline must exist before anything is
      written (else exit 66). Write into a fresh --out folder: files left there by an earlier
      run count as new files.

      --shard K/N: compute only shard K (1-based) of N. A dataset belongs to shard
      FNV-1a(path relative to the current folder) mod N + 1: a hash, not round-robin, so adding
      a dataset never moves the others to another shard. Folder names are assigned over the
      whole batch, so the N output folders merge by copying. A shard writes its index as
      index-K-of-N.md (listing its datasets only); index.md is written when N = 1. With
      --compare-to, a shard compares only its own dataset folders.

      Progress ("[3/120] datasets/foo.csv") is shown on stderr only when stderr is a terminal
      and the batch runs longer than a second; --quiet turns it off, and the "wrote" line.

      Examples:
        reconcile report
        reconcile report datasets/mou-arrivals.csv --out /tmp/arrivals-report
        reconcile report --out /tmp/r --compare-to Tests/Fixtures/baseline
        reconcile report --shard 2/4 --out /tmp/r     # on the second of four machines
      """)

  @Argument(help: "Figures files or folders (default: datasets).")
  var paths: [String] = []
  @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "dir"))
  var out: String = "reconcile-report"
  @Option(name: .customLong("compare-to"), help: ArgumentHelp("Baseline folder to compare the new output with.", valueName: "dir"))
  var compareTo: String?
  @Option(name: .long, help: ArgumentHelp("Relative tolerance of --compare-to.", valueName: "x"))
  var rtol: Double = 1e-9
  @Option(name: .long, help: ArgumentHelp("Absolute tolerance of --compare-to.", valueName: "x"))
  var atol: Double = 0
  @Option(
    name: .long, help: ArgumentHelp("Compute only shard K of N (1-based), e.g. 2/4.", valueName: "K/N"),
    transform: { text in
      do {
        return try Shard(parsing: text)
      } catch let e as ShardError {
        throw ValidationError(e.description)
      }
    })
  var shard: Shard?
  @Flag(name: .long, help: "No progress and no \"wrote\" line; errors and differences are still printed.")
  var quiet = false

  func validate() throws {
    _ = try tolerance(rtol: rtol, atol: atol)
    if let compareTo, Report.samePath(compareTo, out) {
      throw ValidationError("--compare-to must not be the --out folder: the baseline would be overwritten")
    }
  }

  static func samePath(_ a: String, _ b: String) -> Bool {
    URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
  }

  func run() throws {
    try guarded {
      let inputs = paths.isEmpty ? ["datasets"] : paths
      if paths.isEmpty && !FileManager.default.fileExists(atPath: "datasets") {
        throw FiguresError.fileNotFound(path: "datasets")
      }
      var isDir = false
      if let compareTo, !(FileManager.default.fileExists(atPath: compareTo, isDirectory: &isDir) && isDir) {
        printError("\(compareTo): error: no such folder")
        throw ExitCode(Exit.noInput)
      }
      let everything = try expand(inputs, includeClaims: true)
      let claimPaths = everything.filter { isClaimsFile($0) }
      let all = everything.filter { !isClaimsFile($0) }
      let plan = BatchPlan(paths: all, shard: shard ?? .all)
      // Every shard fails the same way on a missing input, even one that hashes elsewhere.
      let chosen = Set(plan.items.map(\.path))
      for p in all where !chosen.contains(p) && !FileManager.default.fileExists(atPath: p) {
        throw FiguresError.fileNotFound(path: p)
      }
      let files = try loadFigures(plan.items.map(\.path))
      var progress = BatchProgress(total: plan.items.count, enabled: !quiet && isatty(2) != 0) {
        writeStandardError($0)
      }
      defer { progress.finish() }
      var reports: [DatasetReport] = []
      for (k, (f, item)) in zip(files, plan.items).enumerated() {
        progress.step(k + 1, item.key)
        reports.append(try ReportBuilder.analyse(f, name: item.name))
      }
      progress.finish()
      // Claims are checked against every figures file of the batch (not just this shard's);
      // the claims folder is written once: by the whole batch, or by shard 1. Each dataset gets
      // the claims about its own figures.
      var claimOutputs: [(String, String)] = []
      var claimsIndex = ""
      var claimRows: [HTMLReport.ClaimRow] = []
      if !claimPaths.isEmpty {
        let loaded = try ClaimsAnalysis.load(paths: claimPaths + all)
        let checked = ClaimsAnalysis.run(claims: loaded.claims, figures: loaded.figures)
        if checked.errors > 0 || !checked.diagnostics.isEmpty {
          printDiagnostics(checked.diagnostics)
          throw ExitCode(Exit.data)
        }
        let name = claimPaths.count == 1 ? URL(fileURLWithPath: claimPaths[0]).deletingPathExtension().lastPathComponent : "claims"
        var formulas: [String: String] = [:]
        for c in loaded.claims.flatMap(\.claims) where formulas[c.id] == nil { formulas[c.id] = c.formula + " " + c.stated }
        for k in reports.indices {
          ReportBuilder.attachClaims(&reports[k], checked: checked, formulas: formulas, claimsFolder: name)
        }
        if plan.shard.isWhole || plan.shard.index == 1 {
          claimOutputs = [
            ("\(name)/checks.csv", ClaimsAnalysis.csv(checked).text),
            ("\(name)/summary.json", ClaimsAnalysis.json(checked).serialized() + "\n"),
            ("\(name)/report.md", ClaimsAnalysis.markdown(checked)),
          ]
          claimsIndex = ReportBuilder.claimsSummary(checked, folder: name)
          claimRows = ReportBuilder.claimRows(checked)
        }
      }
      for (rel, text) in claimOutputs { try AtomicWriter.write(text, to: FilePath.appending(out, rel)) }
      for r in reports {
        for (rel, text) in r.outputs { try AtomicWriter.write(text, to: FilePath.appending(out, rel)) }
      }
      try AtomicWriter.write(
        ReportBuilder.index(reports, claims: claimsIndex), to: FilePath.appending(out, plan.indexFileName))
      let htmlIndex = plan.indexFileName.replacing(".md", with: ".html")
      try AtomicWriter.write(
        HTMLReport.index(reports, claims: claimRows), to: FilePath.appending(out, htmlIndex))
      if !quiet {
        let part = plan.shard.isWhole ? "" : " (shard \(plan.shard) of \(plan.total) datasets)"
        emitShown("wrote \(out)/ — \(reports.count) dataset\(reports.count == 1 ? "" : "s")\(part): \(reports.map(\.name).joined(separator: ", "))\n")
      }
      guard let compareTo else { return }
      let names = Set(reports.map(\.name))
      let result = try compareOutputs(
        baseline: compareTo, current: out, tolerance: try tolerance(rtol: rtol, atol: atol),
        include: { rel in
          plan.shard.isWhole || names.contains(String(rel.split(separator: "/").first ?? ""))
        })
      emitShown(result.text)
      if result.hasDifferences { throw ExitCode(1) }
    }
  }
}

import Figures
import FoundationEssentials
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// `reconcile report` as a whole: every dataset of a batch and the claims about them, written
/// into a fresh folder that replaces the output folder only once everything is written
/// (``ReportFolder``).
///
/// Each dataset streams: it is validated in one pass (``StreamingValidator``), its rows are
/// sorted by quantity into a temporary file (``QuantitySpill``), and each quantity is read back,
/// analysed and appended to the dataset's files (``DatasetDocuments``), so memory follows the
/// largest quantity rather than the file and time is linear in its size. A file the streaming
/// validator sends to the whole-file reader (it has warnings) is read whole, then analysed
/// quantity by quantity in the same way.
public enum ReportBatch {
  /// What a finished run wrote.
  public struct Outcome: Sendable {
    /// The datasets' folder names, in order.
    public var datasets: [String]
    /// The claims folder, when the batch had claims files.
    public var claimsFolder: String?
    /// The folder written (symbolic links resolved).
    public var folder: String
  }

  /// Runs the report.
  ///
  /// - Parameters:
  ///   - figures: figures files (folders already expanded), in any order.
  ///   - claims: claims files.
  ///   - out: the output folder.
  ///   - shard: which shard of the batch to compute.
  ///   - warning: receives each warning of reading a file.
  ///   - progress: called before each dataset with its number (1-based) and shard key.
  ///   - trajectories: whether quantities stated over three or more years get their trajectory
  ///     (``ReportBuilder/analyseQuantity(_:in:trajectory:)``; the command always does).
  /// - Throws: `FiguresError` (bad or missing input), `AnalysisError`, `ClaimsCheckError` (a
  ///   claim that cannot be evaluated), `OutputError` (exit 73). Nothing is left of a failed
  ///   run: the output folder keeps its previous report.
  public static func run(
    figures: [String], claims claimPaths: [String], out: String, shard: Shard = .all,
    warning: (Diagnostic) -> Void = { _ in }, diagnostics report: ([Diagnostic], Int) -> Void = { _, _ in },
    progress: (Int, String) -> Void = { _, _ in }, trajectories: Bool = true
  ) throws -> Outcome {
    let claimsName = claimPaths.isEmpty ? nil : claimsFolderName(claimPaths)
    let plan = BatchPlan(paths: figures, shard: shard, reserved: claimsName.map { [$0] } ?? [])
    // Every shard fails the same way on a missing input, even one that hashes elsewhere.
    let chosen = Set(plan.items.map(\.path))
    for p in figures where !chosen.contains(p) && !FileManager.default.fileExists(atPath: p) {
      throw FiguresError.fileNotFound(path: p)
    }
    // Every file is validated before anything is analysed, so that all their problems are
    // reported together.
    let summaries = try readEach(
      plan.items.map(\.path), read: { (path) throws(FiguresError) in try StreamingValidator.validate(path: path) },
      warnings: \.warnings, warning: warning, report: { report($0.diagnostics, $0.omitted) })

    // Claims are checked against every figures file of the batch (not just this shard's); the
    // claims folder is written once: by the whole batch, or by shard 1.
    var checked: ClaimsReport? = nil
    var formulas: [String] = []
    if !claimPaths.isEmpty {
      let loaded = try ClaimsAnalysis.load(paths: claimPaths + figures)
      let result = ClaimsAnalysis.run(claims: loaded.claims, figures: loaded.figures)
      if result.errors > 0 || !result.diagnostics.isEmpty {
        throw ClaimsCheckError(diagnostics: result.diagnostics)
      }
      var byId: [String: String] = [:]
      for c in loaded.claims.flatMap(\.claims) where byId[c.id] == nil { byId[c.id] = c.formula + " " + c.stated }
      formulas = result.results.map { byId[$0.id] ?? "" }
      checked = result
    }

    let folder = try ReportFolder(out)
    var summariesForIndex: [DatasetSummary] = []
    for (k, (item, summary)) in zip(plan.items, summaries).enumerated() {
      progress(k + 1, item.key)
      summariesForIndex.append(
        try writeDataset(
          item: item, summary: summary, into: folder,
          claims: checked.map { ($0, formulas, claimsName ?? "claims") }, trajectories: trajectories))
    }
    var claimsIndex = ""
    var claimRows: [HTMLReport.ClaimRow] = []
    if let checked, let claimsName, plan.shard.isWhole || plan.shard.index == 1 {
      try folder.write(
        String(decoding: CSVWriter.byteOrderMark + ClaimsAnalysis.csv(checked).bytes, as: UTF8.self),
        to: "\(claimsName)/checks.csv")
      try folder.write(ClaimsAnalysis.json(checked).serialized() + "\n", to: "\(claimsName)/summary.json")
      try folder.write(ClaimsAnalysis.markdown(checked), to: "\(claimsName)/report.md")
      claimsIndex = ReportBuilder.claimsSummary(checked, folder: claimsName)
      claimRows = ReportBuilder.claimRows(checked)
    }
    try folder.write(ReportBuilder.index(summariesForIndex, claims: claimsIndex), to: plan.indexFileName)
    try folder.write(
      HTMLReport.index(summariesForIndex, claims: claimRows), to: plan.indexFileName.replacing(".md", with: ".html"))
    try folder.commit()
    return Outcome(datasets: plan.items.map(\.name), claimsFolder: claimsName, folder: folder.destination)
  }

  /// The claims folder's name: the claims file's stem when there is one, else `claims`.
  static func claimsFolderName(_ paths: [String]) -> String {
    paths.count == 1 ? ReportBuilder.folderNames(paths)[0] : "claims"
  }

  /// Analyses one dataset quantity by quantity and writes its files into `folder`.
  static func writeDataset(
    item: BatchPlan.Item, summary: FiguresSummary, into folder: ReportFolder,
    claims: (report: ClaimsReport, formulas: [String], folder: String)?, trajectories: Bool = true
  ) throws -> DatasetSummary {
    let documents = DatasetDocuments(name: item.name, quantityCount: summary.quantities.count)
    var matcher = ClaimMatcher(formulas: claims?.formulas ?? [])
    try forEachQuantity(path: item.path, summary: summary) { quantity, part in
      if claims != nil {
        matcher.see(quantity)
        for f in part.figures { matcher.see(f.id) }
      }
      for analysed in try ReportBuilder.analyseQuantity(quantity, in: part, trajectory: trajectories) {
        try documents.add(analysed, file: part)
      }
    }
    let datasetClaims = claims.map { c in
      DatasetClaims(
        report: ClaimsReport(
          results: c.report.results.indices.filter { matcher.matched.contains($0) }.map { c.report.results[$0] }),
        folder: c.folder)
    }
    for (relative, parts) in try documents.files(
      path: summary.path, figures: summary.figureCount, quantities: summary.quantities, warnings: summary.warnings,
      claims: datasetClaims)
    {
      try folder.write(parts, to: relative)
    }
    return DatasetSummary(
      name: item.name, figures: summary.figureCount, quantities: summary.quantities,
      ranges: documents.rangeQuantities, trends: documents.trendQuantities,
      trajectories: documents.trajectoryQuantities)
  }

  /// The records the sort by quantity holds before writing them out: small, so that the
  /// memory a report takes is nearly the same for a file of 10 MB and of 1 GB.
  static let spillBuffer = 8 << 20

  /// Calls `body` with each quantity of the figures file at `path` and a file of its figures,
  /// in order of first appearance: read back one at a time from a temporary file sorted by
  /// quantity when the file is clean, else from the file read whole.
  static func forEachQuantity(
    path: String, summary: FiguresSummary, _ body: (String, FiguresFile) throws -> Void
  ) throws {
    if summary.warnings.isEmpty, let spill = QuantitySpill.make(path: path, bufferLimit: spillBuffer),
      spill.quantities == summary.quantities, spill.rowCount == summary.figureCount
    {
      for k in spill.quantities.indices {
        let part = try spill.figures(of: k)
        try body(spill.quantities[k], part)
      }
      return
    }
    let file = try FiguresReader.read(path: path)
    for (q, part) in ReportBuilder.byQuantity(file) { try body(q, part) }
  }
}

/// What the index pages show of a dataset.
public struct DatasetSummary: Sendable {
  /// The folder name.
  public var name: String
  /// How many figures the file has.
  public var figures: Int
  /// Its quantities, in order of first appearance.
  public var quantities: [String]
  /// The reconciled quantities.
  public var ranges: [String]
  /// The series.
  public var trends: [String]
  /// The quantities with a trajectory.
  public var trajectories: [String] = []

  /// The summary of a dataset analysed in memory.
  public init(_ r: DatasetReport) {
    self.init(
      name: r.name, figures: r.file.figures.count, quantities: r.file.quantities(), ranges: r.ranges.map(\.quantity),
      trends: r.trends.map(\.quantity), trajectories: r.trajectories.map(\.input.quantity))
  }

  /// Creates a summary.
  public init(
    name: String, figures: Int, quantities: [String], ranges: [String], trends: [String], trajectories: [String] = []
  ) {
    self.name = name
    self.figures = figures
    self.quantities = quantities
    self.ranges = ranges
    self.trends = trends
    self.trajectories = trajectories
  }

  /// The dataset's data files the index links: a CSV only when it has rows.
  public var files: [String] {
    (ranges.isEmpty ? [] : ["ranges.csv"]) + (trends.isEmpty ? [] : ["trend.csv"])
      + (trajectories.isEmpty ? [] : ["trajectory.csv"]) + ["summary.json", "report.md"]
  }
}

/// Claims that could not be evaluated (their diagnostics; exit 65).
public struct ClaimsCheckError: Error, Sendable {
  /// What went wrong, located.
  public var diagnostics: [Diagnostic]
}

import Figures
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension ReportBuilder {
  /// The fewest different years a quantity's statements must cover for the report to fit its
  /// trajectory (issue #28): with two, the walk joins two points and says little.
  public static let trajectoryMinYears = 3

  /// The header of the report's `trajectory.csv`: the quantity, then `reconcile trajectory
  /// --format csv`'s columns.
  public static let trajectoryCSVHeader = ["quantity"] + TrajectoryAnalysis.csvHeader

  /// The report's trajectory of `quantity` (`file` holds its figures): ``TrajectoryAnalysis/run(_:settings:)``
  /// with the command's defaults (seed 1, 1,000 draws per chain, level 0.9), exactly what
  /// `reconcile trajectory FILE --quantity Q` computes, when the statements the model uses
  /// (the same selection: ``TrajectoryAnalysis/input(_:settings:)``) cover at least
  /// ``trajectoryMinYears`` different years; nil otherwise, and nil when the figures cannot be
  /// read as a trajectory at all (fewer than two statements, stocks and flows mixed).
  ///
  /// - Throws: `AnalysisError.file` (65) when the sampler cannot start, as the command does.
  public static func trajectory(_ quantity: String, in file: FiguresFile) throws(AnalysisError)
    -> TrajectoryReport?
  {
    let settings = TrajectorySettings(quantity: quantity)
    guard let input = try? TrajectoryAnalysis.input([file], settings: settings),
      Set(input.sources.map(\.year)).count >= trajectoryMinYears
    else { return nil }
    return try TrajectoryAnalysis.run([file], settings: settings)
  }

  /// The rows of `trajectory.csv` for one quantity: `reconcile trajectory --format csv`'s
  /// rows, each after the quantity.
  public static func trajectoryCSV(_ r: TrajectoryReport) -> CSVWriter {
    var w = CSVWriter(header: trajectoryCSVHeader)
    for row in TrajectoryAnalysis.csv(r).rows { w.append([r.input.quantity] + row) }
    return w
  }

  /// The report.md section of a trajectory: the level by year as a compact table, one
  /// sentence on the series' biases and the outliers, and the sampler's warnings.
  static func markdownTrajectory(_ r: TrajectoryReport) -> String {
    let res = r.result
    let data = r.input.data
    let q = r.input.quantity
    var out = "## \(Markdown.text(q))\(r.input.unit.isEmpty ? "" : " (\(Markdown.text(r.input.unit)))"): trajectory\n\n"
    out +=
      "The level year by year from \(data.statements.count) statements in \(data.series.count) series (a Bayesian random walk with a bias per series; posterior median, 50% and 90% intervals; seed \(r.options.seed)). Chart data in `trajectory.csv`, everything in `summary.json` (`trajectory`).\n\n"
    out += "| year | median | 50% interval | 90% interval | statements |\n|---|---|---|---|---|\n"
    let counts = r.input.statementsPerYear
    for (k, y) in res.years.enumerated() {
      out +=
        "| \(y.year)\(r.isProjected(y.year) ? " (projected)" : "") | \(TrajectoryAnalysis.level(y.level.median)) | \(TrajectoryAnalysis.band(y.level.q25, y.level.q75)) | \(TrajectoryAnalysis.band(y.level.q05, y.level.q95)) | \(counts.indices.contains(k) ? counts[k] : 0) |\n"
    }
    out += "\n" + Markdown.text(trajectorySentence(r)) + "\n"
    for w in res.warnings { out += "\n> warning: \(Markdown.text(w))\n" }
    return out + "\n"
  }

  /// One sentence on the biases and the outliers: "Biases (what each series states over the
  /// level, 90% intervals): A about 0.97× (0.46–1.6), cannot tell against the others; B about
  /// 3.2× (1.6–6.1), flagged as biased …; no statement is an outlier (probability above 0.5)."
  static func trajectorySentence(_ r: TrajectoryReport) -> String {
    let res = r.result
    let hasReference = r.input.data.reference != nil
    let biases = res.biases.map { b in
      b.isReference
        ? "\(b.series) the reference (1×)"
        : "\(b.series) about \(TrajectoryAnalysis.factor(b.factor.median)) (\(TrajectoryAnalysis.ratio(b.factor.low))–\(TrajectoryAnalysis.ratio(b.factor.high)))"
          + TrajectoryAnalysis.verdictClause(b, hasReference: hasReference)
    }
    let threshold = NumberFormat.plain(TrajectoryAnalysis.outlierThreshold)
    let outliers = r.outliers.map { k in
      let s = r.input.sources[k]
      return
        "\(s.id) (\(s.series), \(s.year): \(TrajectoryAnalysis.statedText(s)); probability \(NumberFormat.human(res.statements[k].outlierProbability, significant: 2)))"
    }
    return "Biases (what each series states over the level, \(pct(res.level)) intervals): "
      + biases.joined(separator: "; ") + "; "
      + (outliers.isEmpty
        ? "no statement is an outlier (probability above \(threshold))."
        : "outlier\(outliers.count == 1 ? "" : "s") (probability above \(threshold)): \(outliers.joined(separator: ", ")).")
  }

  /// The head of the table that lists trajectories one per row (a dataset of many quantities).
  static func markdownTrajectoryTableHead(count: Int) -> String {
    "## Trajectories: \(count) quantit\(count == 1 ? "y" : "ies")\n\nOne row per quantity: the last observed year's level; each year is in `trajectory.csv`, everything in `summary.json` (`trajectory`).\n\n"
      + "| quantity | years | statements | last observed | median | 90% interval | outliers | warnings |\n|---|---|---|---|---|---|---|---|\n"
  }

  /// One trajectory as a row of that table.
  static func markdownTrajectoryRow(_ r: TrajectoryReport) -> String {
    "| \(Markdown.text(r.input.quantity)) | "
      + ReportBuilder.trajectoryCells(r).map(Markdown.text).joined(separator: " | ") + " |\n"
  }

  /// The cells after the quantity of a compact page's row: years, statements, the last observed
  /// year, its median and 90% interval, the number of outliers and of warnings.
  static func trajectoryCells(_ r: TrajectoryReport) -> [String] {
    let years = r.input.data.years
    let last = r.result.years.first { $0.year == r.input.lastObserved }?.level
    return [
      "\(years.first ?? 0)–\(years.last ?? 0)", String(r.input.data.statements.count), String(r.input.lastObserved),
      TrajectoryAnalysis.level(last?.median), TrajectoryAnalysis.band(last?.q05, last?.q95), String(r.outliers.count),
      String(r.result.warnings.count),
    ]
  }
}

extension HTMLReport {
  /// A table-of-contents entry for a trajectory.
  static func tocEntry(trajectory quantity: String) -> String {
    "<li><a href=\"#\(anchor("trajectory", quantity))\">\(Markup.escape(quantity))</a>: trajectory</li>\n"
  }

  /// The head of the table that lists trajectories one per row.
  static func trajectoryTableHead(count: Int) -> String {
    "<section id=\"trajectories\"><h2>Trajectories: \(count) quantit\(count == 1 ? "y" : "ies")</h2>\n<p>One row per quantity: the last observed year's level; each year is in <a href=\"trajectory.csv\">trajectory.csv</a>, everything in <a href=\"summary.json\">summary.json</a>.</p>\n"
      + "<table>\n<thead><tr><th>quantity</th><th>years</th><th>statements</th><th>last observed</th><th>median</th><th>90% interval</th><th>outliers</th><th>warnings</th></tr></thead>\n<tbody>\n"
  }

  /// One trajectory as a row of that table.
  static func trajectoryRow(_ r: TrajectoryReport) -> String {
    "<tr><td><code>\(Markup.escape(r.input.quantity))</code></td>"
      + ReportBuilder.trajectoryCells(r).map { "<td class=\"num\">\(Markup.escape($0))</td>" }.joined() + "</tr>\n"
  }
}

/// The trajectory parts of one dataset's report (``DatasetDocuments``), written one quantity at
/// a time: the rows of `trajectory.csv`, the elements of `summary.json`'s `trajectory`, the
/// report.md and report.html sections (rows of a table on a compact page) and the table of
/// contents' entries.
final class TrajectoryDocuments {
  let compact: Bool
  let csv: Spool
  private(set) var types = DataPackage.ColumnTypes(header: ReportBuilder.trajectoryCSVHeader)
  let json: Spool
  let markdown: Spool
  let toc: Spool
  let html: Spool
  /// The quantities with a trajectory, in order.
  private(set) var quantities: [String] = []

  init(compact: Bool, memoryLimit: Int) {
    self.compact = compact
    csv = Spool(memoryLimit: memoryLimit)
    json = Spool(memoryLimit: memoryLimit)
    markdown = Spool(memoryLimit: memoryLimit)
    toc = Spool(memoryLimit: memoryLimit)
    html = Spool(memoryLimit: memoryLimit)
  }

  /// Appends one quantity's trajectory.
  func add(_ r: TrajectoryReport) throws(OutputError) {
    let rows = ReportBuilder.trajectoryCSV(r)
    for row in rows.rows { types.add(row) }
    try csv.append(rows.rowBytes)
    try json.append(
      (quantities.isEmpty ? "" : ",\n") + "    " + TrajectoryAnalysis.json(r).serializedInline(indent: 2))
    if compact {
      try markdown.append(ReportBuilder.markdownTrajectoryRow(r))
      try html.append(HTMLReport.trajectoryRow(r))
    } else {
      try markdown.append(ReportBuilder.markdownTrajectory(r))
      try toc.append(HTMLReport.tocEntry(trajectory: r.input.quantity))
      try html.append(HTMLReport.trajectorySection(r))
    }
    quantities.append(r.input.quantity)
  }

  /// `trajectory.csv`'s entry in `datapackage.json` (nil when no quantity has a trajectory:
  /// the file is then neither written nor described).
  func table(dataset name: String) -> (path: String, types: DataPackage.ColumnTypes, description: String)? {
    quantities.isEmpty
      ? nil
      : (
        "trajectory.csv", types,
        "One row per year of each quantity of \(name) whose statements cover \(ReportBuilder.trajectoryMinYears) or more years: the level's posterior median, 50% and 90% intervals (a Bayesian random walk with a bias per series, seed 1), and how many statements observe that year."
      )
  }
}

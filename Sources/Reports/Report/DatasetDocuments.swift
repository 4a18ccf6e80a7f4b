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

/// The analyses of one quantity, as the report shows them.
public enum QuantityReport: Sendable {
  /// A set of estimates of one thing: its reconciled ranges.
  case ranges(QuantityRanges)
  /// Figures that looked like a series but come from different series: their reconciled
  /// ranges, and the sentence that says why they are not a trend.
  case estimates(QuantityRanges, note: String)
  /// One series of a quantity: its trend, why that model, and the joinpoint fit when it ran.
  case trend(TrendResult, choice: String, segmented: TrendResult?)
  /// A quantity's trajectory, when its statements cover three or more years (issue #28).
  case trajectory(TrajectoryReport)
}

/// The claims about one dataset, ready to be written beside it.
struct DatasetClaims {
  /// The claims whose formula or stated figure names one of the dataset's figures or quantities.
  var report: ClaimsReport
  /// The claims folder, relative to the output folder.
  var folder: String
}

/// The files of one dataset's report, written one quantity at a time.
///
/// Each file is the concatenation of parts (``Spool``): its head, written last since it
/// counts what follows, then one part for the reconciled quantities and one for the series
/// (the report lists all ranges before all trends, whatever the order of the quantities in
/// the file). A quantity's rows, JSON, Markdown and HTML are appended as soon as it is
/// analysed, and then only its name is kept: memory follows one quantity, not the dataset.
final class DatasetDocuments {
  let name: String
  private let memoryLimit: Int
  private let rangesCSV: Spool
  private let trendCSV: Spool
  private var rangesTypes = DataPackage.ColumnTypes(header: RangesAnalysis.csvHeader)
  private var trendTypes = DataPackage.ColumnTypes(header: TrendAnalysis.csv([]).header)
  private let jsonRanges: Spool
  /// `summary.json`'s `ranges.one_figure`: the quantities of one figure, one line each.
  private let jsonOneFigure: Spool
  private var jsonRangeCount = 0
  /// Quantities of one figure in a compact page: counted in a sentence, not one row each.
  private var oneFigureCount = 0
  private let jsonTrends: Spool
  private let jsonChoices: Spool
  private let jsonJoinpoints: Spool
  private let mdRanges: Spool
  private let mdTrends: Spool
  private let tocRanges: Spool
  private let tocTrends: Spool
  private let htmlRanges: Spool
  private let htmlTrends: Spool
  private var joinpointCount = 0
  private let trajectories: TrajectoryDocuments
  /// The reconciled quantities and the series, in order.
  private(set) var rangeQuantities: [String] = []
  private(set) var trendQuantities: [String] = []
  /// The quantities with a trajectory, in order.
  var trajectoryQuantities: [String] { trajectories.quantities }

  /// - Parameter memoryLimit: bytes each part keeps in memory before it moves to a temporary
  ///   file (`Int.max` for a report kept whole in memory).
  /// Whether report.md and report.html give each quantity one table row rather than a
  /// section (a dataset of more than ``compactFrom`` quantities).
  let compact: Bool
  /// The number of quantities from which a dataset's pages are compact.
  static let compactFrom = 201

  init(name: String, quantityCount: Int = 0, memoryLimit: Int = 1 << 20) {
    self.name = name
    compact = quantityCount >= Self.compactFrom
    self.memoryLimit = memoryLimit
    func spool() -> Spool { Spool(memoryLimit: memoryLimit) }
    rangesCSV = spool()
    trendCSV = spool()
    jsonRanges = spool()
    jsonOneFigure = spool()
    jsonTrends = spool()
    jsonChoices = spool()
    jsonJoinpoints = spool()
    mdRanges = spool()
    mdTrends = spool()
    tocRanges = spool()
    tocTrends = spool()
    htmlRanges = spool()
    htmlTrends = spool()
    trajectories = TrajectoryDocuments(compact: compact, memoryLimit: memoryLimit)
  }

  /// Appends one quantity's analyses. `file` holds that quantity's figures (for the unit and
  /// the provenance of a series).
  func add(_ q: QuantityReport, file: FiguresFile) throws(OutputError) {
    switch q {
    case .ranges, .estimates:
      let r: QuantityRanges
      let note: String?
      switch q {
      case .estimates(let ranges, let sentence): (r, note) = (ranges, sentence)
      case .ranges(let ranges): (r, note) = (ranges, nil)
      case .trend, .trajectory: return
      }
      let csv = RangesAnalysis.csv([r])
      for row in csv.rows { rangesTypes.add(row) }
      try rangesCSV.append(csv.rowBytes)
      let oneFigure = RangesAnalysis.oneFigureJSON(r)
      if let one = oneFigure {
        try jsonOneFigure.append((oneFigureCount == 0 ? "" : ",\n") + "      " + one.serializedInline(indent: 3))
        oneFigureCount += 1
      } else {
        try jsonRanges.append(
          (jsonRangeCount == 0 ? "" : ",\n") + "      " + RangesAnalysis.quantityJSON(r).serializedInline(indent: 3))
        jsonRangeCount += 1
      }
      if compact && oneFigure != nil {
        // Listed in ranges.csv and summary.json; the page counts them in one sentence.
      } else if compact {
        try mdRanges.append(ReportBuilder.markdownRangesRow(r))
        try htmlRanges.append(HTMLReport.rangesRow(r))
      } else {
        if let note {
          try mdRanges.append(ReportBuilder.markdownNote(note))
          try htmlRanges.append(HTMLReport.noteParagraph(note))
        }
        try mdRanges.append(ReportBuilder.markdownRanges(r))
        try tocRanges.append(HTMLReport.tocEntry(ranges: r.quantity))
        try htmlRanges.append(HTMLReport.rangesSection(r, index: rangeQuantities.count))
      }
      rangeQuantities.append(r.quantity)
    case .trend(let t, let choice, let segmented):
      let csv = TrendAnalysis.csv([t])
      for row in csv.rows { trendTypes.add(row) }
      try trendCSV.append(csv.rowBytes)
      let first = trendQuantities.isEmpty
      try jsonTrends.append((first ? "" : ",\n") + "    " + TrendAnalysis.json(t).serializedInline(indent: 2))
      try jsonChoices.append(
        (first ? "" : ",\n") + "    " + JSON.quote(t.label) + ": " + JSON.string(choice).serialized(indent: 2))
      if let jp = segmented {
        let value = JSON.object([
          ("selection", .string(TrendAnalysis.joinpointMethod(jp))), ("joinpoints", TrendAnalysis.joinpointsJSON(jp)),
          ("segments", TrendAnalysis.segmentsJSON(jp)),
        ])
        try jsonJoinpoints.append(
          (joinpointCount == 0 ? "" : ",\n") + "    " + JSON.quote(t.label) + ": "
            + value.serializedInline(indent: 2))
        joinpointCount += 1
      }
      if compact {
        try mdTrends.append(ReportBuilder.markdownTrendRow(t))
        try htmlTrends.append(HTMLReport.trendRow(t))
      } else {
        try mdTrends.append(ReportBuilder.markdownTrend(t, choice: choice, segmented: segmented))
        try tocTrends.append(HTMLReport.tocEntry(trend: t.label))
        try htmlTrends.append(
          HTMLReport.trendSection(
            t, unit: HTMLReport.unit(of: t.quantity, in: file), modelChoice: choice.isEmpty ? t.modelChoice : choice,
            joinpoints: segmented?.joinpointFit?.joinpoints ?? [], file: file))
      }
      trendQuantities.append(t.label)
    case .trajectory(let r):
      try trajectories.add(r)
    }
  }

  /// The dataset's files, relative to the output folder, each as the parts to concatenate.
  func files(
    path given: String, figures: Int, quantities: [String], warnings: [Diagnostic], claims: DatasetClaims?
  ) throws(OutputError) -> [(String, [Spool])] {
    // The input as the documents name it: `./datasets/x.csv` and `datasets/x.csv` are one
    // input, so two reports of it compare equal (issue #30).
    let path = normalisedPath(given)
    func text(_ s: String) throws(OutputError) -> Spool {
      let spool = Spool(memoryLimit: memoryLimit)
      try spool.append(s)
      return spool
    }
    func bytes(_ b: [UInt8]) throws(OutputError) -> Spool {
      let spool = Spool(memoryLimit: memoryLimit)
      try spool.append(b)
      return spool
    }
    // A table with no row is not written, described or linked (issue #30: empty trend.csv
    // files were written and linked).
    var tables: [(path: String, types: DataPackage.ColumnTypes, description: String)] = []
    if !rangeQuantities.isEmpty {
      tables.append(
        (
          "ranges.csv", rangesTypes,
          "One row per source figure and per reconciled range of \(name): low, mid, high, label — a floating-bar chart."
        ))
    }
    if !trendQuantities.isEmpty {
      tables.append(
        (
          "trend.csv", trendTypes,
          "One row per period of each yearly series of \(name): observed, annualised, fitted, confidence and prediction bounds."
        ))
    }
    if let table = trajectories.table(dataset: name) { tables.append(table) }
    var checks: CSVWriter? = nil
    if let claims, !claims.report.results.isEmpty {
      let csv = ClaimsAnalysis.csv(claims.report)
      var types = DataPackage.ColumnTypes(header: csv.header)
      for row in csv.rows { types.add(row) }
      tables.append(
        (
          "checks.csv", types,
          "One row per claim about the figures of \(name): status, computed and stated values, the explanation and the quote."
        ))
      checks = csv
    }
    let package = DataPackage.descriptor(name: name, tables: tables)
    let summaryHead =
      "{\n  \"dataset\": \(JSON.quote(name)),\n  \"path\": \(JSON.quote(path)),\n  \"figures\": \(figures),\n"
      + "  \"quantities\": \(JSON.array(quantities.map { .string($0) }).serialized(indent: 1)),\n"
    func list(_ open: String, _ part: Spool, _ close: String, _ empty: String, _ count: Int) throws(OutputError)
      -> [Spool]
    {
      count == 0 ? [try text(empty)] : [try text(open), part, try text(close)]
    }
    var summary = [try text(summaryHead)]
    summary += try list(
      "  \"ranges\": {\n    \"quantities\": [\n", jsonRanges, "\n    ],\n",
      "  \"ranges\": {\n    \"quantities\": [],\n",
      jsonRangeCount)
    summary += try list(
      "    \"one_figure\": [\n", jsonOneFigure, "\n    ]\n  },\n", "    \"one_figure\": []\n  },\n", oneFigureCount)
    summary += try list("  \"trends\": [\n", jsonTrends, "\n  ],\n", "  \"trends\": [],\n", trendQuantities.count)
    summary += try list(
      "  \"model_choice\": {\n", jsonChoices, "\n  },\n", "  \"model_choice\": {},\n", trendQuantities.count)
    summary += try list(
      "  \"joinpoint\": {\n", jsonJoinpoints, "\n  },\n", "  \"joinpoint\": {},\n", joinpointCount)
    summary += try list(
      "  \"trajectory\": [\n", trajectories.json, "\n  ]\n}\n", "  \"trajectory\": []\n}\n",
      trajectories.quantities.count)
    let mine = claims.flatMap { $0.report.results.isEmpty ? nil : $0 }
    let markdownHead = ReportBuilder.markdownHead(
      name: name, path: path, figures: figures,
      claims: mine.map { ReportBuilder.claimsSummary($0.report, folder: "../\($0.folder)") })
    let (before, after) = HTMLReport.pageParts(title: HTMLReport.datasetTitle(name))
    var toc: [Spool] = []
    if rangeQuantities.count + trendQuantities.count + trajectories.quantities.count > 0 {
      toc = [try text("<nav><ul>\n"), tocRanges, tocTrends, trajectories.toc, try text("</ul></nav>\n")]
    }
    let htmlHead = try text(
      before + HTMLReport.datasetHead(name: name, path: path, figures: figures, quantities: quantities))
    let preamble = try text(
      "</header>\n"
        + HTMLReport.datasetPreamble(
          warnings: warnings, claims: claims.map { ReportBuilder.claimRows($0.report) } ?? []))
    var mdParts = [try text(markdownHead), mdRanges, mdTrends, trajectories.markdown]
    var htmlParts = [preamble, htmlRanges, htmlTrends, trajectories.html]
    if compact {
      mdParts = [try text(markdownHead)]
      htmlParts = [preamble]
      let listed = rangeQuantities.count - oneFigureCount
      if listed > 0 {
        mdParts += [try text(ReportBuilder.markdownRangesTableHead(count: listed)), mdRanges, try text("\n")]
        htmlParts += [
          try text(HTMLReport.rangesTableHead(count: listed)), htmlRanges, try text(HTMLReport.tableFoot),
        ]
      }
      if oneFigureCount > 0 {
        mdParts.append(try text(ReportBuilder.markdownOneFigure(count: oneFigureCount)))
        htmlParts.append(try text(HTMLReport.oneFigureParagraph(count: oneFigureCount)))
      }
      if !trendQuantities.isEmpty {
        mdParts += [
          try text(ReportBuilder.markdownTrendTableHead(count: trendQuantities.count)), mdTrends, try text("\n"),
        ]
        htmlParts += [
          try text(HTMLReport.trendTableHead(count: trendQuantities.count)), htmlTrends, try text(HTMLReport.tableFoot),
        ]
      }
      let n = trajectories.quantities.count
      if n > 0 {
        mdParts += [
          try text(ReportBuilder.markdownTrajectoryTableHead(count: n)), trajectories.markdown, try text("\n"),
        ]
        htmlParts += [
          try text(HTMLReport.trajectoryTableHead(count: n)), trajectories.html, try text(HTMLReport.tableFoot),
        ]
      }
    }
    var out: [(String, [Spool])] = []
    if !rangeQuantities.isEmpty {
      out.append(
        ("\(name)/ranges.csv", [try bytes(CSVWriter.byteOrderMark + RangesAnalysis.csv([]).headerBytes), rangesCSV]))
    }
    if !trendQuantities.isEmpty {
      out.append(
        ("\(name)/trend.csv", [try bytes(CSVWriter.byteOrderMark + TrendAnalysis.csv([]).headerBytes), trendCSV]))
    }
    if !trajectories.quantities.isEmpty {
      let header = CSVWriter.byteOrderMark + CSVWriter(header: ReportBuilder.trajectoryCSVHeader).headerBytes
      out.append(("\(name)/trajectory.csv", [try bytes(header), trajectories.csv]))
    }
    out += [
      ("\(name)/datapackage.json", [try text(package.serialized() + "\n")]),
      ("\(name)/summary.json", summary),
      ("\(name)/report.md", mdParts),
      ("\(name)/report.html", [htmlHead] + toc + htmlParts + [try text(after)]),
    ]
    if let checks { out.append(("\(name)/checks.csv", [try bytes(CSVWriter.byteOrderMark + checks.bytes)])) }
    return out
  }
}

/// Which claims are about a dataset: those whose formula or stated figure names one of its
/// figure ids or quantities (an identifier of the expression language, where a hyphen of an
/// id is written as an underscore). The names are looked up as the figures stream past, so
/// nothing of the dataset is kept but the claims it matched.
struct ClaimMatcher {
  private var claimsByName: [String: [Int]] = [:]
  private(set) var matched = Set<Int>()
  let count: Int

  /// - Parameter formulas: each claim's formula and stated figure, in claim order.
  init(formulas: [String]) {
    count = formulas.count
    for (k, formula) in formulas.enumerated() {
      for name in ReportBuilder.identifiers(in: formula) {
        claimsByName[name, default: []].append(k)
        let dashed = name.replacing("_", with: "-")
        if dashed != name { claimsByName[dashed, default: []].append(k) }
      }
    }
  }

  /// Notes a figure id or a quantity of the dataset.
  mutating func see(_ name: String) {
    guard !claimsByName.isEmpty, let claims = claimsByName[name] else { return }
    matched.formUnion(claims)
  }
}

import Figures
import FoundationEssentials
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Statistics

/// The analyses of one dataset, ready to be written.
public struct DatasetReport: Sendable {
  /// Folder name under the output folder.
  public var name: String
  /// The figures file.
  public var file: FiguresFile
  /// Reconciled ranges of the estimate-like quantities.
  public var ranges: [QuantityRanges]
  /// Trends of the series-like quantities.
  public var trends: [TrendResult]
  /// Why each trend uses the model it uses.
  public var modelChoices: [String: String]
  /// Joinpoint fits of each series (BIC selection), by quantity.
  public var segmented: [String: TrendResult] = [:]
  /// The chart CSVs, kept to describe them in `datapackage.json`.
  public var tables: [(path: String, csv: CSVWriter, description: String)] = []
  /// The files, path relative to the output folder → content.
  public var outputs: [(String, String)]
}

/// `reconcile report`: every analysis of every dataset, as CSV, JSON and Markdown.
///
/// A quantity is a *series* when it has at least three figures, each a point value with a
/// period, no two in the same year: it gets a trend. Every other quantity is a set of
/// *estimates* of one thing: its ranges are reconciled. Trends use Poisson regression, or the
/// negative binomial when a likelihood-ratio test finds overdispersion; the choice is written
/// in the report.
public enum ReportBuilder {
  /// Whether the figures of one quantity form a yearly series.
  public static func isSeries(_ figures: [Figure]) -> Bool {
    guard figures.count >= 3 else { return false }
    var years = Set<Int>()
    for f in figures {
      guard f.value != nil, f.low == nil, f.high == nil, let p = f.period else { return false }
      guard years.insert(p.year).inserted else { return false }
    }
    return true
  }

  /// Analyses one figures file.
  public static func analyse(_ file: FiguresFile, name: String) throws(AnalysisError) -> DatasetReport {
    var seriesQ: [String] = []
    var estimateQ: [String] = []
    for q in file.quantities() {
      if isSeries(file.figures.filter { $0.quantity == q }) { seriesQ.append(q) } else { estimateQ.append(q) }
    }
    let ranges = estimateQ.isEmpty ? [] : try RangesAnalysis.run([file], quantities: estimateQ)
    var trends: [TrendResult] = []
    var choices: [String: String] = [:]
    var joinpoints: [String: [Double]] = [:]
    var segmented: [String: TrendResult] = [:]
    for q in seriesQ {
      let t = try TrendAnalysis.run([file], quantity: q)
      trends.append(t)
      choices[q] = t.modelChoice
      // Where the trend changed slope: joinpoint regression with BIC selection (fast and
      // deterministic; `reconcile trend --model joinpoint` runs the permutation test).
      if let jp = try? TrendAnalysis.run([file], quantity: q, model: .joinpoint, selectByBIC: true) {
        joinpoints[q] = jp.joinpointFit?.joinpoints ?? []
        segmented[q] = jp
      }
    }
    var report = DatasetReport(
      name: name, file: file, ranges: ranges, trends: trends, modelChoices: choices, outputs: [])
    report.segmented = segmented
    let rangesCSV = RangesAnalysis.csv(ranges)
    let trendCSV = TrendAnalysis.csv(trends)
    let tables: [(path: String, csv: CSVWriter, description: String)] = [
      ("ranges.csv", rangesCSV, "One row per source figure and per reconciled range of \(name): low, mid, high, label — a floating-bar chart."),
      ("trend.csv", trendCSV, "One row per period of each yearly series of \(name): observed, annualised, fitted, confidence and prediction bounds."),
    ]
    let package = DataPackage.descriptor(name: name, resources: tables)
    report.tables = tables
    report.outputs = [
      ("\(name)/ranges.csv", rangesCSV.text),
      ("\(name)/trend.csv", trendCSV.text),
      ("\(name)/datapackage.json", package.serialized() + "\n"),
      ("\(name)/summary.json", summary(report).serialized() + "\n"),
      ("\(name)/report.md", markdown(report)),
    ]
    report.outputs.append(("\(name)/report.html", HTMLReport.dataset(report, claims: [], joinpoints: joinpoints)))
    return report
  }

  /// Folder names for datasets: the file stem, made unique with a numeric suffix.
  public static func folderNames(_ paths: [String]) -> [String] {
    var used: [String: Int] = [:]
    return paths.map { p in
      let stem = URL(fileURLWithPath: p).deletingPathExtension().lastPathComponent
      let n = used[stem, default: 0]
      used[stem] = n + 1
      return n == 0 ? stem : "\(stem)_\(n + 1)"
    }
  }

  /// The index page over all datasets. Names and quantities are Markdown-escaped
  /// (``Markdown/text(_:)``); each dataset's link is its URL-encoded relative path
  /// (``RelativeLink``).
  public static func index(_ reports: [DatasetReport], claims: String = "") -> String {
    var out = "# reconcile report\n\n" + claims + "| dataset | figures | quantities | files |\n|---|---|---|---|\n"
    for r in reports {
      let quantities = r.file.quantities().map(Markdown.text).joined(separator: ", ")
      out += "| \(Markdown.link(r.name, to: [r.name, "report.md"])) | \(r.file.figures.count) | \(quantities) | `ranges.csv`, `trend.csv`, `summary.json`, `report.md` |\n"
    }
    return out
  }

  /// Adds the claims about a dataset's figures to its outputs: `checks.csv` (header only when no
  /// claim names them), failed claims at the top of `report.md`, and the claims table in
  /// `report.html`. A claim is about a dataset when its formula or stated figure names one of
  /// the dataset's figure ids (hyphens written as underscores) or quantities.
  public static func attachClaims(
    _ report: inout DatasetReport, checked: ClaimsReport, formulas: [String: String], claimsFolder: String
  ) {
    var names = Set(report.file.figures.map(\.id))
    names.formUnion(report.file.figures.map(\.quantity))
    let mine = checked.results.filter { r in
      identifiers(in: formulas[r.id] ?? "").contains { names.contains($0) || names.contains($0.replacing("_", with: "-")) }
    }
    let subset = ClaimsReport(results: mine)
    let name = report.name
    report.outputs.removeAll { ["\(name)/report.html", "\(name)/checks.csv", "\(name)/datapackage.json"].contains($0.0) }
    let checks = ClaimsAnalysis.csv(subset)
    report.outputs.append(("\(name)/checks.csv", checks.text))
    let package = DataPackage.descriptor(
      name: name,
      resources: report.tables + [("checks.csv", checks, "One row per claim about the figures of \(name): status, computed and stated values, the explanation and the quote.")])
    report.outputs.append(("\(name)/datapackage.json", package.serialized() + "\n"))
    if let k = report.outputs.firstIndex(where: { $0.0 == "\(name)/report.md" }), !mine.isEmpty {
      var md = report.outputs[k].1
      let head = md.firstIndex(of: "\n").map { md.index(after: $0) } ?? md.startIndex
      md.insert(contentsOf: "\n" + claimsSummary(subset, folder: "../\(claimsFolder)"), at: head)
      report.outputs[k].1 = md
    }
    let joinpoints = report.segmented.mapValues { $0.joinpointFit?.joinpoints ?? [] }
    report.outputs.append(("\(name)/report.html", HTMLReport.dataset(report, claims: claimRows(subset), joinpoints: joinpoints)))
  }

  /// Names in a formula: identifiers of the expression language (letters, digits, `_`, `.`).
  static func identifiers(in text: String) -> [String] {
    var out: [String] = []
    var current = ""
    for ch in text {
      if ch.isLetter || ch == "_" || (!current.isEmpty && (ch.isNumber || ch == ".")) {
        current.append(ch)
      } else {
        if !current.isEmpty { out.append(current) }
        current = ""
      }
    }
    if !current.isEmpty { out.append(current) }
    return out
  }

  /// Rows for the HTML claims table.
  public static func claimRows(_ report: ClaimsReport) -> [HTMLReport.ClaimRow] {
    report.results.map {
      (
        id: $0.id, claim: $0.claim, status: $0.status.rawValue,
        computed: NumberFormat.human($0.computed), stated: NumberFormat.human($0.stated), detail: $0.detail
      )
    }
  }

  /// The claims section of the index: failed claims first, each with its computed figures.
  /// `folder` is the claims folder's path relative to the page, segments separated by `/`
  /// (`claims`, `../claims`); the links to it are URL-encoded (``RelativeLink``).
  public static func claimsSummary(_ report: ClaimsReport, folder: String) -> String {
    var out = "## Claims: \(report.passed) passed, \(report.failed) failed, \(report.errors) errors\n\n"
    let failed = report.results.filter { $0.status != .pass }
    if !failed.isEmpty {
      out += "| claim | status | why |\n|---|---|---|\n"
      for r in failed {
        out += "| \(Markdown.text(r.id)): \(Markdown.text(r.claim)) | **\(r.status.rawValue)** | \(Markdown.text(r.detail)) |\n"
      }
      out += "\n"
    }
    let segments = folder.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    let links = ["report.md", "checks.csv"].map { Markdown.link("\(folder)/\($0)", to: segments + [$0]) }
    out += "All claims, with their sources: \(links.joined(separator: ", ")).\n\n"
    return out
  }

  /// summary.json of one dataset.
  public static func summary(_ r: DatasetReport) -> JSON {
    .object([
      ("dataset", .string(r.name)),
      ("path", .string(r.file.path)),
      ("figures", .int(r.file.figures.count)),
      ("quantities", .array(r.file.quantities().map { .string($0) })),
      ("ranges", RangesAnalysis.json(r.ranges)),
      ("trends", .array(r.trends.map(TrendAnalysis.json))),
      ("model_choice", .object(r.trends.map { ($0.quantity, .string(r.modelChoices[$0.quantity] ?? "")) })),
      (
        "joinpoint",
        .object(
          r.trends.compactMap { t in
            r.segmented[t.quantity].map { jp in
              (t.quantity, .object([("selection", .string("BIC")), ("joinpoints", TrendAnalysis.joinpointsJSON(jp)), ("segments", TrendAnalysis.segmentsJSON(jp))]))
            }
          })
      ),
    ])
  }

  /// report.md of one dataset. Every text from the data (names, ids, sources, quotes,
  /// documents, periods, warnings) goes through ``Markdown/text(_:)``, the file's path
  /// through ``Markdown/code(_:)``.
  public static func markdown(_ r: DatasetReport) -> String {
    var out = "# \(Markdown.text(r.name))\n\nSource file: \(Markdown.code(r.file.path)) — \(r.file.figures.count) figures.\n\n"
    for q in r.ranges {
      let rec = q.reconciliation
      out += "## \(Markdown.text(q.quantity)): reconciled range\n\n"
      out += "| id | source | published | figure | pooled |\n|---|---|---|---|---|\n"
      for (k, f) in q.figures.enumerated() {
        let textual = q.textual[k]
        let excludedReason = q.pooling(ofFigure: k).excludedReason
        let figure = f.text.map { "\($0) (\(rangeText(textual ? f.verbal?.low : f.low ?? f.value, textual ? f.verbal?.high : f.high ?? f.value)))" } ?? rangeText(f.low ?? f.value, f.high ?? f.value)
        out += "| \(Markdown.text(f.id)) | \(Markdown.text(f.source)) | \(Markdown.text(f.published)) | \(Markdown.text(figure)) | \(excludedReason.map { "no — \(Markdown.text($0))" } ?? "yes") |\n"
      }
      out += "\n- Envelope: \(rangeText(rec.envelope.low, rec.envelope.high))\n"
      if let i = rec.intersection {
        out += "- Intersection: \(rangeText(i.low, i.high))\n"
      } else {
        out += "- Intersection: **none** — these sources contradict each other: "
          + rec.conflictPairs.map { "\(Markdown.text($0.0)) vs \(Markdown.text($0.1))" }.joined(separator: "; ") + "\n"
      }
      if let re = rec.randomEffects {
        out += "- Random effects on the log scale (DerSimonian–Laird): \(NumberFormat.human(re.estimate)), \(pct(rec.level)) CI \(rangeText(re.ciLow, re.ciHigh)), prediction interval \(rangeText(re.piLow, re.piHigh)) (τ² = \(NumberFormat.human(re.tau2, significant: 3)), I² = \(NumberFormat.human(re.i2, significant: 3))%)\n"
      }
      if let lp = rec.linearPool {
        out += "- Linear opinion pool: median \(NumberFormat.human(lp.estimate)), central \(pct(rec.level)) \(rangeText(lp.low, lp.high))\n"
      }
      if let gp = rec.logarithmicPool {
        out += "- Logarithmic opinion pool: median \(NumberFormat.human(gp.estimate)), central \(pct(rec.level)) \(rangeText(gp.low, gp.high))\n"
      }
      out += "\nEach range is read as the central interval of a lognormal at its coverage (0.9 unless stated); a point figure as within a factor of 2. When sources disagree, the prediction interval is the honest answer: the confidence interval only says where their common centre lies.\n\n"
      out += "### Quotes\n\n"
      for f in q.figures { out += "- **\(Markdown.text(f.id))** (\(Markdown.text(f.document))): “\(Markdown.text(f.quote))”\n" }
      out += "\n"
    }
    for t in r.trends {
      out += "## \(Markdown.text(t.quantity)): trend\n\n"
      out += "Model: \(Markdown.text(r.modelChoices[t.quantity] ?? t.model.rawValue))\n\nAssumes: \(t.assumption)\n\n"
      if let g = t.growthFactor.estimate {
        out += "- Growth factor per year: \(NumberFormat.human(g)) (\(pct(t.fit.level)) CI \(rangeText(t.growthFactor.low, t.growthFactor.high)))\n"
        out += "- Annual percent change: \(NumberFormat.human(t.annualPercentChange.estimate, significant: 3))%\n"
      }
      if let d = t.doublingTime.estimate {
        out += "- Doubling time: \(NumberFormat.human(d, significant: 3)) years\n"
      }
      if let jp = r.segmented[t.quantity]?.joinpointFit {
        out += "- Joinpoints (log-linear segments, chosen by BIC): \(jp.joinpoints.isEmpty ? "none — one straight trend" : jp.joinpoints.map { NumberFormat.plain($0) }.joined(separator: ", "))\n"
        for s in jp.segments {
          out += "  - \(NumberFormat.plain(s.from))–\(NumberFormat.plain(s.to)): annual percent change \(NumberFormat.human(s.apc.estimate, significant: 3))% (\(pct(t.fit.level)) CI \(NumberFormat.human(s.apc.low, significant: 3))% to \(NumberFormat.human(s.apc.high, significant: 3))%)\n"
        }
      }
      out += "\n| period | exposure | observed | annualised | fitted | \(pct(t.fit.level)) CI | prediction |\n|---|---|---|---|---|---|---|\n"
      for p in t.points {
        out += "| \(Markdown.text(p.period)) | \(NumberFormat.human(p.exposure, significant: 3)) | \(NumberFormat.human(p.observed, significant: 6)) | \(NumberFormat.human(p.annualized, significant: 4)) | \(NumberFormat.human(p.fitted, significant: 4)) | \(rangeText(p.ciLow, p.ciHigh)) | \(rangeText(p.piLow, p.piHigh)) |\n"
      }
      for w in t.warnings { out += "\n> warning: \(Markdown.text(w))\n" }
      out += "\n"
    }
    return out
  }
}

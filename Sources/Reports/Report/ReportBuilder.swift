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
  /// Why each trend uses the model it uses, by ``TrendResult/label``.
  public var modelChoices: [String: String]
  /// Joinpoint fits of each series (`trend --model joinpoint`'s defaults), by ``TrendResult/label``.
  public var segmented: [String: TrendResult] = [:]
  /// Why a quantity whose figures looked like a series is reconciled instead, by quantity.
  public var notes: [String: String] = [:]
  /// The trajectories of the quantities whose statements cover three or more years (issue #28).
  public var trajectories: [TrajectoryReport] = []
  /// The files, path relative to the output folder → content.
  public var outputs: [(String, String)]
}

/// `reconcile report`: every analysis of every dataset, as CSV, JSON and Markdown.
///
/// A quantity is a *series* when it has at least three figures (superseded ones left out),
/// each a point value with a period, no two of one series covering the same year: it gets a
/// trend for each of its series. Every other quantity is a set of *estimates* of one thing: its
/// ranges are reconciled, and so are those of a quantity whose figures all come from different
/// series (with the sentence that says why it is not a trend). Trends of counts use Poisson
/// regression, or the negative binomial when a likelihood-ratio test finds overdispersion;
/// trends of stocks, least squares on the log levels; the choice is written in the report.
public enum ReportBuilder {
  /// Whether the figures of one quantity form a yearly series: at least three figures
  /// (superseded ones left out), each a point value with a period, and each series' printings
  /// resolvable (``TrendAnalysis/resolve(_:quantity:)``: no stock over several years, no level
  /// among counts, no two figures of one publication date covering a year; cumulative totals
  /// and a later printing's revision of a year are part of a series).
  public static func isSeries(_ figures: [Figure]) -> Bool {
    let superseded = TrendAnalysis.supersededIDsOf(figures)
    let kept = figures.filter { superseded[$0.id] == nil }
    guard kept.count >= 3 else { return false }
    var order: [String] = []
    var groups: [String: [Figure]] = [:]
    for f in kept {
      guard f.value != nil, f.low == nil, f.high == nil, f.period != nil else { return false }
      if groups[f.seriesName] == nil { order.append(f.seriesName) }
      groups[f.seriesName, default: []].append(f)
    }
    for name in order {
      guard (try? TrendAnalysis.resolve(groups[name] ?? [], quantity: "")) != nil else { return false }
    }
    return true
  }

  /// Analyses one quantity: a trend for each of its series when its figures form yearly
  /// series, its reconciled ranges otherwise (with the reason when the figures looked like a
  /// series but come from different series, ``TrendAnalysis/notATrend(_:quantity:minimum:)``);
  /// then its trajectory when its statements cover three or more years (``trajectory(_:in:)``).
  /// `file` holds that quantity's figures; `trajectory: false` leaves the trajectory out (its
  /// sampler is the report's slowest part: tests of other things turn it off).
  public static func analyseQuantity(_ quantity: String, in file: FiguresFile, trajectory withTrajectory: Bool = true)
    throws(AnalysisError) -> [QuantityReport]
  {
    let analysed = try analyseFigures(quantity, in: file)
    guard withTrajectory, let t = try trajectory(quantity, in: file) else { return analysed }
    return analysed + [.trajectory(t)]
  }

  /// A quantity's trends or its reconciled ranges (``analyseQuantity(_:in:trajectory:)``).
  static func analyseFigures(_ quantity: String, in file: FiguresFile) throws(AnalysisError) -> [QuantityReport] {
    var note: String? = nil
    if isSeries(file.figures) {
      note = TrendAnalysis.notATrend(file.figures, quantity: quantity)
    }
    if isSeries(file.figures) && note == nil {
      let all = try TrendAnalysis.run([file], quantity: quantity)
      // Where the trend changed slope: the joinpoint analysis `reconcile trend --model joinpoint`
      // runs without options — the same model and the same rule for the number of joinpoints
      // (``JoinpointSettings``, its defaults).
      let jp = try? TrendAnalysis.run([file], quantity: quantity, model: .joinpoint, joinpoint: JoinpointSettings())
      return all.results.map { t in
        .trend(t, choice: t.modelChoice, segmented: jp?.results.first { $0.series == t.series })
      }
    }
    let ranges = try RangesAnalysis.run([file], quantities: [quantity])
    guard let r = ranges.first else { throw .unknownQuantity(quantity, available: []) }
    return [note.map { .estimates(r, note: $0) } ?? .ranges(r)]
  }

  /// Each quantity's figures as a file of their own, in order of first appearance (one pass).
  static func byQuantity(_ file: FiguresFile) -> [(String, FiguresFile)] {
    var order: [String] = []
    var groups: [String: [Figure]] = [:]
    for f in file.figures {
      if groups[f.quantity] == nil { order.append(f.quantity) }
      groups[f.quantity, default: []].append(f)
    }
    return order.map { q in
      (q, FiguresFile(path: file.path, columns: file.columns, figures: groups[q] ?? [], warnings: []))
    }
  }

  /// Analyses one figures file held in memory (the report writes files as they stream, through
  /// ``ReportBatch``; both render through ``DatasetDocuments``).
  /// `trajectories: false` leaves the trajectories out (``analyseQuantity(_:in:trajectory:)``).
  public static func analyse(_ file: FiguresFile, name: String, trajectories: Bool = true) throws(AnalysisError)
    -> DatasetReport
  {
    var report = DatasetReport(name: name, file: file, ranges: [], trends: [], modelChoices: [:], outputs: [])
    let parts = byQuantity(file)
    for (q, part) in parts {
      for analysed in try analyseQuantity(q, in: part, trajectory: trajectories) {
        switch analysed {
        case .ranges(let r): report.ranges.append(r)
        case .estimates(let r, let note):
          report.ranges.append(r)
          report.notes[q] = note
        case .trend(let t, let choice, let segmented):
          report.trends.append(t)
          report.modelChoices[t.label] = choice
          if let segmented { report.segmented[t.label] = segmented }
        case .trajectory(let t):
          report.trajectories.append(t)
        }
      }
    }
    render(&report, parts: parts, claims: nil)
    return report
  }

  /// Fills `report.outputs` from its analyses; `parts` is ``byQuantity(_:)`` of its file.
  static func render(_ report: inout DatasetReport, parts: [(String, FiguresFile)], claims: DatasetClaims?) {
    let quantities = parts.map(\.0)
    let documents = DatasetDocuments(name: report.name, quantityCount: quantities.count, memoryLimit: Int.max)
    let fileOf = Dictionary(parts, uniquingKeysWith: { a, _ in a })
    func file(_ q: String) -> FiguresFile {
      fileOf[q] ?? FiguresFile(path: report.file.path, columns: report.file.columns, figures: [], warnings: [])
    }
    // In memory (no temporary file), so nothing here can fail to be written.
    do {
      for r in report.ranges {
        try documents.add(
          report.notes[r.quantity].map { .estimates(r, note: $0) } ?? .ranges(r), file: file(r.quantity))
      }
      for t in report.trends {
        try documents.add(
          .trend(t, choice: report.modelChoices[t.label] ?? "", segmented: report.segmented[t.label]),
          file: file(t.quantity))
      }
      for t in report.trajectories { try documents.add(.trajectory(t), file: file(t.input.quantity)) }
      let files = try documents.files(
        path: report.file.path, figures: report.file.figures.count, quantities: quantities,
        warnings: report.file.warnings, claims: claims)
      report.outputs = files.map { ($0.0, String(decoding: $0.1.flatMap(\.bytes), as: UTF8.self)) }
    } catch {
      report.outputs = []
    }
  }

  /// Folder names for datasets: the file stem, made unique with a numeric suffix (`_2`,
  /// `_3`, …), compared without regard to case (so the folders stay distinct on the
  /// case-insensitive disks of macOS and Windows) and against `reserved` (the claims folder).
  /// A stem that is empty, `.` or `..`, or that would be taken for an index page, starts with
  /// `_`.
  public static func folderNames(_ paths: [String], reserved: [String] = []) -> [String] {
    var taken = Set(reserved.map { $0.lowercased() })
    return paths.map { p in
      var stem = URL(fileURLWithPath: p).deletingPathExtension().lastPathComponent
      let lower = stem.lowercased()
      if stem.isEmpty || stem == "." || stem == ".."
        || (lower.hasPrefix("index") && (lower.hasSuffix(".md") || lower.hasSuffix(".html")))
      {
        stem = "_" + stem
      }
      var name = stem
      var n = 1
      while taken.contains(name.lowercased()) {
        n += 1
        name = "\(stem)_\(n)"
      }
      taken.insert(name.lowercased())
      return name
    }
  }

  /// The index page over all datasets. Names and quantities are Markdown-escaped
  /// (``Markdown/text(_:)``); each dataset's link is its URL-encoded relative path
  /// (``RelativeLink``).
  public static func index(_ reports: [DatasetReport], claims: String = "") -> String {
    index(reports.map(DatasetSummary.init), claims: claims)
  }

  /// The most quantity names a row of an index lists; the rest are counted.
  static let indexedQuantities = 50

  /// The index page over datasets.
  public static func index(_ datasets: [DatasetSummary], claims: String = "") -> String {
    var out = "# reconcile report\n\n" + claims + "| dataset | figures | quantities | files |\n|---|---|---|---|\n"
    for r in datasets {
      var names = r.quantities.prefix(indexedQuantities).map(Markdown.text).joined(separator: ", ")
      if r.quantities.count > indexedQuantities { names += " and \(r.quantities.count - indexedQuantities) more" }
      out +=
        "| \(Markdown.link(r.name, to: [r.name, "report.md"])) | \(r.figures) | \(names) | \(r.files.map { "`\($0)`" }.joined(separator: ", ")) |\n"
    }
    return out
  }

  /// Adds the claims about a dataset's figures to its outputs: `checks.csv` (not written when no
  /// claim names them), failed claims at the top of `report.md`, and the claims table in
  /// `report.html`. A claim is about a dataset when its formula or stated figure names one of
  /// the dataset's figure ids (hyphens written as underscores) or quantities.
  public static func attachClaims(
    _ report: inout DatasetReport, checked: ClaimsReport, formulas: [String: String], claimsFolder: String
  ) {
    var matcher = ClaimMatcher(formulas: checked.results.map { formulas[$0.id] ?? "" })
    for f in report.file.figures {
      matcher.see(f.id)
      matcher.see(f.quantity)
    }
    let mine = checked.results.indices.filter { matcher.matched.contains($0) }.map { checked.results[$0] }
    render(
      &report, parts: byQuantity(report.file),
      claims: DatasetClaims(report: ClaimsReport(results: mine), folder: claimsFolder))
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
  /// A row's `quote` is set when other claims come from the same sentence of the same
  /// document (``ClaimsReport/groupedByQuote``): the table shows them under it.
  public static func claimRows(_ report: ClaimsReport) -> [HTMLReport.ClaimRow] {
    let shared = Set(report.groupedByQuote.filter(\.isShared).map { $0.document + "\u{1F}" + $0.quote })
    return report.results.map {
      let quote = $0.quote.trimmingBlanks()
      return (
        id: $0.id, claim: $0.claim, status: $0.status.rawValue,
        computed: NumberFormat.human($0.computed), stated: NumberFormat.human($0.stated), detail: $0.detail,
        quote: shared.contains($0.document + "\u{1F}" + quote) ? quote : ""
      )
    }
  }

  /// The claims section of the index: failed claims first, each with its computed figures.
  /// `folder` is the claims folder's path relative to the page, segments separated by `/`
  /// (`claims`, `../claims`); the links to it are URL-encoded (``RelativeLink``).
  public static func claimsSummary(_ report: ClaimsReport, folder: String) -> String {
    var out = "## Claims: \(report.totals)\n\n"
    let failed = report.results.filter { $0.status != .pass }
    if !failed.isEmpty {
      out += "| claim | status | why |\n|---|---|---|\n"
      for r in failed {
        out +=
          "| \(Markdown.text(r.id)): \(Markdown.text(r.claim)) | **\(r.status.rawValue)** | \(Markdown.text(r.detail)) |\n"
      }
      out += "\n"
    }
    let segments = folder.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    let links = ["report.md", "checks.csv"].map { Markdown.link("\(folder)/\($0)", to: segments + [$0]) }
    out += "All claims, with their sources: \(links.joined(separator: ", ")).\n\n"
    return out
  }

  /// report.md of one dataset.
  public static func markdown(_ r: DatasetReport) -> String {
    var out = markdownHead(name: r.name, path: normalisedPath(r.file.path), figures: r.file.figures.count, claims: nil)
    for q in r.ranges { out += (r.notes[q.quantity].map(markdownNote) ?? "") + markdownRanges(q) }
    for t in r.trends {
      out += markdownTrend(t, choice: r.modelChoices[t.label], segmented: r.segmented[t.label])
    }
    return out
  }

  /// The head of report.md: the title, the claims summary (when the dataset has claims) and
  /// the source file.
  static func markdownHead(name: String, path: String, figures: Int, claims: String?) -> String {
    "# \(Markdown.text(name))\n" + (claims.map { "\n" + $0 } ?? "")
      + "\nSource file: \(Markdown.code(path)) — \(figures) figures.\n\n"
  }

  /// The report.md section of one reconciled quantity.
  static func markdownRanges(_ q: QuantityRanges) -> String {
    var out = ""
    let rec = q.reconciliation
    out += "## \(Markdown.text(q.quantity)): reconciled range\n\n"
    let detailed = q.figures.count <= HTMLReport.detailedSources
    if detailed { out += "| id | source | published | figure | pooled |\n|---|---|---|---|---|\n" }
    if !detailed {
      out +=
        "\(q.figures.count) figures: too many to list one by one here; each figure's range, pooling and quote are in `ranges.csv` and `summary.json`.\n"
    }
    for (k, f) in q.figures.enumerated() where detailed {
      let excludedReason = q.pooling(ofFigure: k).excludedReason
      let (low, high) = RangesAnalysis.statedEnds(f, textual: q.textual[k])
      let words = RangesAnalysis.readingWords(q, k)
      let figure =
        (f.text.map { "\($0) (\(rangeText(low, high)))" } ?? rangeText(low, high)) + (words.map { " — \($0)" } ?? "")
      out +=
        "| \(Markdown.text(f.id)) | \(Markdown.text(f.source)) | \(Markdown.text(f.published)) | \(Markdown.text(figure)) | \(excludedReason.map { "no — \(Markdown.text($0))" } ?? "yes" + (RangesAnalysis.weightWords(q, k).map { " (\($0))" } ?? "")) |\n"
    }
    if let one = RangesAnalysis.reportedWords(rec), q.figures.count == 1 {
      // One figure: reported as stated, the page kept short.
      out += "\n- \(Markdown.text(capitalised(one)))\n\n"
      guard detailed, let f = q.figures.first else { return out }
      return out + "> “\(Markdown.text(f.quote))” (\(Markdown.text(f.document)))\n\n"
    }
    out += "\n- Envelope: \(envelopeText(rec))\n"
    if let i = rec.intersection {
      out += "- Intersection: \(rangeText(i.low, i.high))\n"
    } else {
      out +=
        "- Intersection: **none** — these sources contradict each other"
        + (RangesAnalysis.consistentGroupWords(rec).map { ": \(Markdown.text($0))" } ?? "")
        + " (\(rec.conflictPairCount) conflicting pair\(rec.conflictPairCount == 1 ? "" : "s") in `summary.json`)\n"
    }
    for d in rec.distributions where !d.shape.isBound {
      if let note = d.note { out += "- Reading of \(Markdown.text(d.id)): \(Markdown.text(note))\n" }
    }
    if let one = RangesAnalysis.reportedWords(rec) { out += "- \(Markdown.text(capitalised(one)))\n" }
    if let re = rec.randomEffects {
      out += "- \(Markdown.text(capitalised(RangesAnalysis.pooledWords(re, level: rec.level, scale: rec.scale))))\n"
    }
    for line in RangesAnalysis.poolLines(rec) { out += "- \(Markdown.text(capitalised(line)))\n" }
    if let words = RangesAnalysis.modalityWords(rec) { out += "- \(Markdown.text(capitalised(words)))\n" }
    for note in rec.notes { out += "- \(Markdown.text(capitalised(note)))\n" }
    out += RangesAnalysis.sensitivityMarkdown(rec)
    out +=
      "\nEach range is read as the central interval of a lognormal at its coverage (\(Figure.defaultCoverage) unless stated); a point figure as within a factor of 2: every pooled interval is an assumption-based interval. When sources disagree, the prediction interval is the honest answer: the confidence interval only says where their common centre lies.\n\n"
    guard detailed else { return out }
    out += "### Quotes\n\n"
    for f in q.figures {
      out += "- **\(Markdown.text(f.id))** (\(Markdown.text(f.document))): “\(Markdown.text(f.quote))”\n"
    }
    out += "\n"
    return out
  }

  /// Why a quantity whose figures looked like a series is reconciled instead: a line before
  /// its ranges.
  static func markdownNote(_ sentence: String) -> String {
    "> Not a trend — \(Markdown.text(sentence))\n\n"
  }

  /// The head of the table that lists reconciled quantities one per row (a dataset of many
  /// quantities).
  static func markdownRangesTableHead(count: Int) -> String {
    "## Reconciled ranges: \(count) quantities\n\nOne row per quantity; each figure, with its source and quote, is in `ranges.csv` and `summary.json`.\n\n"
      + "| quantity | figures | envelope | random effects | \(pct(RangePooling.defaultLevel)) CI | \(pct(RangePooling.defaultLevel)) prediction interval |\n|---|---|---|---|---|---|\n"
  }

  /// What a compact page says of the quantities of one figure, instead of a row each.
  static func markdownOneFigure(count: Int) -> String {
    "## One figure each: \(count) quantit\(count == 1 ? "y" : "ies")\n\n"
      + RangesAnalysis.oneFigureSentence(count: count)
      + "\n\n"
  }

  /// One reconciled quantity as a row of that table.
  static func markdownRangesRow(_ q: QuantityRanges) -> String {
    "| \(Markdown.text(q.quantity)) | " + RangesAnalysis.summaryCells(q).joined(separator: " | ") + " |\n"
  }

  /// The head of the table that lists series one per row.
  static func markdownTrendTableHead(count: Int) -> String {
    "## Trends: \(count) series\n\nOne row per series; each period is in `trend.csv` and `summary.json`.\n\n"
      + "| quantity | model | periods | growth factor per year | CI |\n|---|---|---|---|---|\n"
  }

  /// One series as a row of that table.
  static func markdownTrendRow(_ t: TrendResult) -> String {
    "| \(Markdown.text(t.label)) | \(t.model.rawValue) | \(t.points.filter { !$0.projected && !$0.implied }.count) | \(t.growthFactor.estimate.map { NumberFormat.human($0) } ?? "—") | \(rangeText(t.growthFactor.low, t.growthFactor.high)) |\n"
  }

  /// The report.md section of one series.
  static func markdownTrend(_ t: TrendResult, choice: String?, segmented: TrendResult?) -> String {
    var out = ""
    let stock = t.measure == .stock
    out += "## \(Markdown.text(t.label)): trend\(stock ? " of levels (a stock, never annualised)" : "")\n\n"
    out += "Model: \(Markdown.text(choice ?? t.model.rawValue))\n\nAssumes: \(t.assumption)\n\n"
    if let g = t.growthFactor.estimate {
      out +=
        "- Growth factor per year: \(NumberFormat.human(g)) (\(pct(t.fit.level)) CI \(rangeText(t.growthFactor.low, t.growthFactor.high)))\n"
      out += "- Annual percent change: \(NumberFormat.human(t.annualPercentChange.estimate, significant: 3))%\n"
    }
    if let d = t.doublingTime.estimate {
      out += "- Doubling time: \(NumberFormat.human(d, significant: 3)) years\n"
    }
    if let jp = segmented?.joinpointFit {
      out +=
        "- Joinpoints (\(segmented.map { TrendAnalysis.joinpointMethod($0) } ?? "")): \(jp.joinpoints.isEmpty ? "none — one straight trend" : jp.joinpoints.map { NumberFormat.plain($0) }.joined(separator: ", "))\n"
      for s in jp.segments {
        out +=
          "  - \(NumberFormat.plain(s.from))–\(NumberFormat.plain(s.to)): annual percent change \(NumberFormat.human(s.apc.estimate, significant: 3))% (\(pct(t.fit.level)) CI \(NumberFormat.human(s.apc.low, significant: 3))% to \(NumberFormat.human(s.apc.high, significant: 3))%)\n"
      }
    }
    out +=
      stock
      ? "\n| date | level | fitted | \(pct(t.fit.level)) CI | prediction |\n|---|---|---|---|---|\n"
      : "\n| period | exposure | observed | annualised | fitted | \(pct(t.fit.level)) CI | prediction |\n|---|---|---|---|---|---|---|\n"
    for p in t.points {
      let fitted =
        "\(NumberFormat.human(p.fitted, significant: 4)) | \(rangeText(p.ciLow, p.ciHigh)) | \(rangeText(p.piLow, p.piHigh)) |\n"
      out +=
        stock
        ? "| \(Markdown.text(p.period)) | \(NumberFormat.human(p.observed, significant: 6)) | " + fitted
        : "| \(Markdown.text(p.period + (p.implied ? " (implied)" : ""))) | \(NumberFormat.human(p.exposure, significant: 3)) | \(NumberFormat.human(p.observed, significant: 6)) | \(NumberFormat.human(p.annualized, significant: 4)) | "
          + fitted
    }
    let details = TrendAnalysis.detailLines(t)
    if !details.isEmpty { out += "\n" + details.map { "- \(Markdown.text($0))\n" }.joined() }
    for w in t.warnings { out += "\n> warning: \(Markdown.text(w))\n" }
    for n in t.notes { out += "\n> \(Markdown.text(n))\n" }
    out += "\n"
    return out
  }

  /// A sentence's first letter in upper case.
  static func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}

import Dispatch
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

/// What `reconcile meta` was asked to do.
public struct MetaRequest: Sendable {
  /// The τ² estimator.
  public var method: TauSquaredEstimator
  /// z or Knapp–Hartung.
  public var test: MetaTest
  /// Group column for one analysis per group.
  public var by: String?
  /// Confidence level.
  public var level: Double
  /// Figures files: the quantity to pool (needed when the file has several).
  public var quantity: String?
  /// Figures files: the coverage of a range whose row states none (nil: `Figure.defaultCoverage`).
  public var coverage: Double?

  /// Creates a request (defaults as the command line: REML, z, 95%).
  public init(
    method: TauSquaredEstimator = .REML, test: MetaTest = .z, by: String? = nil, level: Double = 0.95,
    quantity: String? = nil, coverage: Double? = nil
  ) {
    self.method = method
    self.test = test
    self.by = by
    self.level = level
    self.quantity = quantity
    self.coverage = coverage
  }
}

/// One analysis of `reconcile meta`: the group label (nil without `--by`), the line of the
/// group's first row (for diagnostics), and the result.
public struct MetaGroupResult: Sendable {
  /// The value of the `--by` column, or nil.
  public var group: String?
  /// The 1-based physical line of the group's first data row.
  public var line: Int
  /// The meta-analysis.
  public var result: MetaResult
}

/// `reconcile meta`: meta-analysis of a CSV of study estimates and their sampling variances.
public enum MetaAnalysisReport {
  /// The columns read: the estimate column and either a variance or a standard-error column.
  public struct Columns: Sendable, Equatable {
    /// Name of the estimate column as written in the header.
    public var estimate: String
    /// Name of the variance column, if the variances are given directly.
    public var variance: String?
    /// Name of the standard-error column, used (squared) when there is no variance column.
    public var standardError: String?
  }

  /// Finds the input columns, case-insensitively: `estimate` or metafor's `yi`; `variance` or
  /// `vi`, else `se` or `sei` (squared). A variance column wins over a standard-error column.
  ///
  /// - Throws: `AnalysisError.unknownColumn` naming what is missing.
  public static func columns(_ table: CSVTable) throws -> Columns {
    func find(_ names: [String]) -> String? {
      for n in names { if let i = table.columnIndex(n) { return table.header[i].value } }
      return nil
    }
    let available = table.header.map(\.value)
    guard let est = find(["estimate", "yi"]) else {
      throw AnalysisError.unknownColumn("estimate (or yi)", path: table.path, available: available)
    }
    let variance = find(["variance", "vi"])
    let se = variance == nil ? find(["se", "sei"]) : nil
    guard variance != nil || se != nil else {
      throw AnalysisError.unknownColumn("se or variance (or vi)", path: table.path, available: available)
    }
    return Columns(estimate: est, variance: variance, standardError: se)
  }

  /// Runs the meta-analysis once, or once per distinct value of `request.by` in order of first
  /// appearance.
  ///
  /// - Throws: `FiguresError.invalid` with a diagnostic per bad cell (missing or malformed
  ///   numbers, a variance or standard error that is not positive), `AnalysisError` for missing
  ///   columns or a failed analysis.
  /// - Complexity: O(n) in the number of rows plus the fits; per group only two reused
  ///   buffers are filled, so batches of many small analyses do not allocate per group.
  public static func run(_ table: CSVTable, _ request: MetaRequest) throws -> [MetaGroupResult] {
    let cols = try columns(table)
    if let by = request.by, table.columnIndex(by) == nil {
      throw AnalysisError.unknownColumn(by, path: table.path, available: table.header.map(\.value))
    }
    guard !table.records.isEmpty else {
      throw AnalysisError.file(table.path, "meta: the file has no data rows")
    }
    let y = try table.numbers(column: cols.estimate)
    let spread: [Double?]
    let spreadName: String
    if let v = cols.variance {
      spread = try table.numbers(column: v)
      spreadName = v
    } else {
      let s = cols.standardError ?? "se"
      spread = try table.numbers(column: s)
      spreadName = s
    }
    // Every value present (numbers() already rejected missing cells); variances positive.
    var diagnostics = DiagnosticCollector()
    let spreadIndex = table.columnIndex(spreadName) ?? 0
    var estimates = [Double](repeating: 0, count: y.count)
    var variances = [Double](repeating: 0, count: y.count)
    for i in 0..<y.count {
      let record = table.records[i]
      guard let yi = y[i], let si = spread[i] else { continue }
      estimates[i] = yi
      if !(si > 0) || !si.isFinite {
        let column = spreadIndex < record.fields.count ? record.fields[spreadIndex].column : nil
        diagnostics.append(
          .error(
            "\(spreadName) must be positive, got \(record.fields.indices.contains(spreadIndex) ? record.fields[spreadIndex].value : "")",
            at: SourceLocation(path: table.path, line: record.line, column: column)))
        continue
      }
      let v = cols.variance == nil ? si * si : si
      if !(v > 0) || !v.isFinite {
        diagnostics.append(
          .error(
            "\(spreadName) \(si) squares to a variance that is not a positive finite number",
            at: SourceLocation(path: table.path, line: record.line)))
        continue
      }
      variances[i] = v
    }
    if !diagnostics.isEmpty { throw diagnostics.invalid }

    // Groups in order of first appearance: a group number per row.
    var groupOfRow = [Int](repeating: 0, count: y.count)
    var labels: [String?] = [nil]
    var firstRow = [0]
    if let by = request.by {
      labels = []
      firstRow = []
      var index: [String: Int] = [:]
      let values = try table.strings(column: by)
      index.reserveCapacity(min(values.count, 1 << 16))
      for (i, g) in values.enumerated() {
        if let k = index[g] {
          groupOfRow[i] = k
        } else {
          let k = labels.count
          index[g] = k
          labels.append(g)
          firstRow.append(i)
          groupOfRow[i] = k
        }
      }
    }
    return try analyse(
      estimates: estimates, variances: variances, groupOfRow: groupOfRow, labels: labels,
      firstLine: firstRow.map { table.records[$0].line }, path: table.path, request)
  }

  /// Runs `reconcile meta` on the file at `path`: a file of study estimates, or a figures
  /// file (``MetaFiguresReport``), told apart by the header: a `quantity` column and no
  /// `estimate` (or `yi`) column make it a figures file. Study estimates are analysed as
  /// `run(_:_:)` does on the table read from the file, with a fast path for plain files
  /// (``CSVColumns``) that gives the same results without a `String` per cell; anything else
  /// (and every error) goes through the general reader.
  ///
  /// - Throws: as `run(_:_:)` and ``MetaFiguresReport/run(_:_:)``; `AnalysisError.usage`
  ///   for options that do not apply to the file (`--by` on a figures file, `--quantity` or
  ///   `--coverage` on study estimates).
  public static func analyse(path: String, _ request: MetaRequest) throws -> MetaOutcome {
    var spreadIsVariance = true
    var variances: [Double] = []
    let input = try CSVColumns.read(path: path) { header -> (numeric: [String], group: String?)? in
      guard !isFiguresHeader(header), let cols = try? columns(header) else { return nil }
      if let by = request.by, header.columnIndex(by) == nil { return nil }
      spreadIsVariance = cols.variance != nil
      guard let spread = cols.variance ?? cols.standardError else { return nil }
      return ([cols.estimate, spread], request.by)
    } accept: { fast in
      // A spread that is not a usable variance: the general path reports it.
      variances = fast.numbers[1].compactMap { variance(fromSpread: $0, isVariance: spreadIsVariance) }
      return variances.count == fast.rowCount
    }
    if case .table(let table) = input, isFiguresHeader(table) {
      return .figures(try MetaFiguresReport.run(try FiguresReader.read(path: path), request))
    }
    if request.quantity != nil || request.coverage != nil {
      throw AnalysisError.usage("--quantity and --coverage apply to figures files; \(path) holds study estimates")
    }
    switch input {
    case .table(let table):
      return .studies(try run(table, request))
    case .columns(let fast):
      var firstLine = [Int](repeating: 0, count: fast.groupLabels.count)
      var seen = [Bool](repeating: false, count: fast.groupLabels.count)
      for (i, g) in fast.groupOfRow.enumerated() where !seen[g] {
        seen[g] = true
        firstLine[g] = fast.lines[i]
      }
      return .studies(
        try analyse(
          estimates: fast.numbers[0], variances: variances, groupOfRow: fast.groupOfRow,
          labels: request.by == nil ? [nil] : fast.groupLabels.map { $0 }, firstLine: firstLine, path: path, request))
    }
  }

  /// Whether a header is a figures file's: a `quantity` column and no `estimate` or `yi`.
  static func isFiguresHeader(_ table: CSVTable) -> Bool {
    table.columnIndex("quantity") != nil && table.columnIndex("estimate") == nil && table.columnIndex("yi") == nil
  }

  /// The sampling variance a spread cell gives (the value itself, or a standard error
  /// squared), or nil when it is not a positive finite number.
  static func variance(fromSpread s: Double, isVariance: Bool) -> Double? {
    let v = isVariance ? s : s * s
    return s > 0 && s.isFinite && v > 0 && v.isFinite ? v : nil
  }

  /// The analyses of validated inputs, one per group (groups numbered from 0 in order of
  /// first appearance; `firstLine` is the line of each group's first row).
  static func analyse(
    estimates: [Double], variances: [Double], groupOfRow: [Int], labels: [String?], firstLine: [Int],
    path: String, _ request: MetaRequest
  ) throws -> [MetaGroupResult] {
    let groupCount = labels.count
    let (start, order) = groupRuns(groupOfRow, groupCount: groupCount)

    // Groups are independent: large batches are split into one contiguous chunk per core.
    // Results land in their group's slot, so the output order (and bytes) never depend on
    // the number of workers.
    let workers = groupCount >= 512 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
    var results = [Result<MetaResult, StatisticsError>?](repeating: nil, count: groupCount)
    let (starts, rows, ests, vars) = (start, order, estimates, variances)
    results.withUnsafeMutableBufferPointer { buffer in
      nonisolated(unsafe) let slots = buffer
      let method = request.method
      let test = request.test
      let level = request.level
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = groupCount * w / workers
        let hi = groupCount * (w + 1) / workers
        var ys: [Double] = []
        var vs: [Double] = []
        for g in lo..<hi {
          ys.removeAll(keepingCapacity: true)
          vs.removeAll(keepingCapacity: true)
          for j in starts[g]..<starts[g + 1] {
            ys.append(ests[rows[j]])
            vs.append(vars[rows[j]])
          }
          slots[g] = Result { () throws(StatisticsError) -> MetaResult in
            try MetaAnalysis.fit(estimates: ys, variances: vs, method: method, test: test, level: level)
          }
        }
      }
    }
    var out: [MetaGroupResult] = []
    out.reserveCapacity(groupCount)
    for g in 0..<groupCount {
      switch results[g] {
      case .success(let r)?:
        out.append(MetaGroupResult(group: labels[g], line: firstLine[g], result: r))
      case .failure(let error)?:
        let what = labels[g].map { "meta (group \($0), from line \(firstLine[g]))" } ?? "meta"
        throw AnalysisError.file(path, "\(what): \(error.description)")
      case nil:
        throw AnalysisError.file(path, "meta: internal error: group \(g) was not analysed")
      }
    }
    return out
  }

  /// The contract's JSON object for one analysis: `method`, `test`, `k`, `estimate`,
  /// `std_error`, `ci_low`, `ci_high`, `pi_low`, `pi_high`, `tau2`, `i2` (percent), `h2`, `q`,
  /// `q_df`, `q_p`, `statistic`, `p_value`, and in addition `group` (first, with `--by`),
  /// `level`, `tau2_se`, `df` (t degrees of freedom, null for z), `converged`, `iterations`,
  /// `warnings`. Values that do not exist are `null`.
  public static func json(_ r: MetaResult, group: String? = nil) -> JSON {
    var members: [(String, JSON)] = []
    members.reserveCapacity(24)
    if let group { members.append(("group", .string(group))) }
    members += [
      ("method", .string(r.method.rawValue)), ("test", .string(r.test.rawValue)), ("k", .int(r.k)),
      ("level", .num(r.level)),
      ("estimate", .num(r.estimate)), ("std_error", .num(r.standardError)),
      ("ci_low", .num(r.ciLow)), ("ci_high", .num(r.ciHigh)),
      ("pi_low", .num(r.piLow)), ("pi_high", .num(r.piHigh)),
      ("tau2", .num(r.tau2)), ("tau2_se", .num(r.tau2StandardError)),
      ("i2", .num(r.i2)), ("h2", .num(r.h2)),
      ("q", .num(r.q)), ("q_df", .int(r.qDF)), ("q_p", .num(r.qP)),
      ("statistic", .num(r.statistic)), ("p_value", .num(r.pValue)),
      ("df", r.df.map { .int($0) } ?? .null),
      ("converged", .bool(r.converged)), ("iterations", .int(r.iterations)),
      ("warnings", .array(r.warnings.map { .string($0) })),
    ]
    return .object(members)
  }

  /// The warnings of `results` (an iterative estimator that did not converge, with metafor's
  /// message) as diagnostics located at each group's first row of the file at `path`:
  /// `PATH:LINE: warning: meta (group G): MESSAGE`.
  public static func warnings(_ results: [MetaGroupResult], path: String) -> [Diagnostic] {
    results.flatMap { g in
      g.result.warnings.map { w in
        let what = g.group.map { "meta (group \($0))" } ?? "meta"
        return Diagnostic.warning("\(what): \(w)", at: SourceLocation(path: path, line: g.line))
      }
    }
  }

  /// The JSON document's bytes: one object, or with `--by` an array of objects with `group`
  /// keys (built and serialised on all cores).
  public static func jsonDocument(_ results: [MetaGroupResult], grouped: Bool) -> [[UInt8]] {
    if grouped {
      return JSON.serializedArrayDocument(count: results.count) { json(results[$0].result, group: results[$0].group) }
    }
    return (results.first.map { json($0.result) } ?? .null).document()
  }

  static let csvHeader = [
    "group", "method", "test", "k", "estimate", "std_error", "ci_low", "ci_high", "pi_low", "pi_high",
    "tau2", "tau2_se", "i2", "h2", "q", "q_df", "q_p", "statistic", "p_value", "converged",
  ]

  /// CSV: one row per analysis, the JSON keys as columns (empty cells for values that do not exist).
  public static func csv(_ results: [MetaGroupResult]) -> CSVWriter {
    var w = CSVWriter(header: csvHeader)
    for g in results {
      let r = g.result
      w.append([
        g.group ?? "", r.method.rawValue, r.test.rawValue, String(r.k),
        CSVWriter.cell(r.estimate), CSVWriter.cell(r.standardError), CSVWriter.cell(r.ciLow),
        CSVWriter.cell(r.ciHigh), CSVWriter.cell(r.piLow), CSVWriter.cell(r.piHigh),
        CSVWriter.cell(r.tau2), CSVWriter.cell(r.tau2StandardError), CSVWriter.cell(r.i2),
        CSVWriter.cell(r.h2), CSVWriter.cell(r.q), String(r.qDF), CSVWriter.probabilityCell(r.qP),
        CSVWriter.cell(r.statistic), CSVWriter.probabilityCell(r.pValue), r.converged ? "true" : "false",
      ])
    }
    return w
  }

  /// A plain-text summary in the manner of metafor's `print.rma`.
  public static func table(_ results: [MetaGroupResult]) -> String {
    TerminalText.escape(results.map { tableBlock($0) + "\n" }.joined())
  }

  /// One analysis of ``table(_:)``, control characters not yet escaped.
  static func tableBlock(_ g: MetaGroupResult) -> String {
    var out = ""
    let r = g.result
    let model = r.method == .FE ? "Fixed-effect model" : "Random-effects model (τ² by \(r.method.rawValue))"
    out +=
      (g.group.map { "group \($0): " } ?? "")
      + "\(model), k = \(r.k), test \(r.test == .z ? "z" : "Knapp–Hartung t(\(r.qDF))")"
    out += r.converged ? "\n" : " — DID NOT CONVERGE\n"
    var rows: [[String]] = [
      ["effect", "estimate", "std. error", r.test == .z ? "z" : "t", "p", "\(pct(r.level)) CI", "\(pct(r.level)) PI"]
    ]
    rows.append([
      "pooled", NumberFormat.human(r.estimate, significant: 6), NumberFormat.human(r.standardError, significant: 5),
      NumberFormat.human(r.statistic, significant: 4), NumberFormat.human(r.pValue, significant: 3),
      rangeText(r.ciLow, r.ciHigh), rangeText(r.piLow, r.piHigh),
    ])
    out += TextTable.render(rows) + "\n"
    out += "  τ² \(NumberFormat.human(r.tau2, significant: 5))"
    if let se = r.tau2StandardError { out += " (SE \(NumberFormat.human(se, significant: 4)))" }
    out += ", I² \(NumberFormat.human(r.i2, significant: 4))%, H² \(NumberFormat.human(r.h2, significant: 4))\n"
    out +=
      "  Q(\(r.qDF)) = \(NumberFormat.human(r.q, significant: 6)), p = \(NumberFormat.human(r.qP, significant: 3))\n"
    for w in r.warnings { out += "  warning: \(w)\n" }
    return out
  }
}

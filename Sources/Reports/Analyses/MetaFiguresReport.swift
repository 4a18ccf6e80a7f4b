import Figures
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `reconcile meta` found in its input: study estimates (one result per `--by` group) or
/// the figures of one quantity of a figures file.
public enum MetaOutcome: Sendable {
  /// A file of study estimates.
  case studies([MetaGroupResult])
  /// A figures file.
  case figures(MetaFiguresResult)
}

/// A figure that entered the meta-analysis: its log-scale estimate and its weight.
public struct MetaFigureEstimate: Sendable {
  /// The figure as read.
  public var figure: Figure
  /// The coverage its interval was read at: its own, else `--coverage`, else the default.
  public var coverage: Double
  /// yᵢ and sᵢ (``LogScaleEstimate``).
  public var log: LogScaleEstimate
  /// Its weight in the pooled estimate, percent (metafor's `weights()`).
  public var weight: Double
}

/// A figure of the quantity left out of the meta-analysis, and why.
public struct MetaLeftOut: Sendable {
  /// The figure as read.
  public var figure: Figure
  /// Why it was left out, for people.
  public var reason: String
}

/// `reconcile meta` on a figures file: one quantity's figures with intervals, pooled on the
/// log scale.
public struct MetaFiguresResult: Sendable {
  /// The file read.
  public var path: String
  /// The quantity pooled.
  public var quantity: String
  /// Its unit (the first figure's that states one; empty when none does).
  public var unit: String
  /// The figures pooled, in file order.
  public var used: [MetaFigureEstimate]
  /// The quantity's other figures, in file order, with the reason each was left out.
  public var leftOut: [MetaLeftOut]
  /// The meta-analysis of the log estimates.
  public var result: MetaResult
  /// The reader's warnings about the file.
  public var fileWarnings: [Diagnostic]

  /// exp of the pooled estimate and of the ends of its confidence and prediction intervals:
  /// the median of the pooled lognormal and its intervals, on the natural scale.
  public var natural: (estimate: Double, ciLow: Double, ciHigh: Double, piLow: Double, piHigh: Double) {
    (exp(result.estimate), exp(result.ciLow), exp(result.ciHigh), exp(result.piLow), exp(result.piHigh))
  }

  /// The result as ``MetaAnalysisReport``'s rows see it (located at the first pooled figure).
  var group: MetaGroupResult {
    MetaGroupResult(group: nil, line: used.first?.figure.location.line ?? 1, result: result)
  }
}

/// `reconcile meta` on a figures file (the format of `datasets/`): every figure of one quantity
/// that states an interval becomes a log-scale estimate (``LogScaleEstimate``) and the
/// estimates are pooled as study estimates are (``MetaAnalysis``).
///
/// A figure is left out, with the reason, when it is superseded by another figure of the file
/// (`supersedes`), restates others (`derived_from`), covers only part of the quantity
/// (`scope`), states no interval (a point, a one-sided bound, a verbal quantity), or has an
/// interval with no logarithm or width; of figures sharing an `evidence` name only the first
/// that qualifies enters.
public enum MetaFiguresReport {
  /// Pools the figures of the request's quantity (the file's only quantity when none is
  /// asked) in `file`.
  ///
  /// - Throws: `AnalysisError.usage` when the file has several quantities and none is asked,
  ///   with `--by`, or with a `--coverage` outside `Figure.coverageRange`;
  ///   `AnalysisError.unknownQuantity` for a quantity not in the file; `AnalysisError.file`
  ///   when no figure of the quantity has an interval, or the fit fails.
  public static func run(_ file: FiguresFile, _ request: MetaRequest) throws -> MetaFiguresResult {
    let path = file.path
    if request.by != nil {
      throw AnalysisError.usage("--by reads files of study estimates; \(path) is a figures file (use --quantity)")
    }
    if let c = request.coverage, !Figure.coverageRange.contains(c) {
      throw AnalysisError.usage(
        "--coverage must be between \(Figure.coverageRange.lowerBound) and \(Figure.coverageRange.upperBound), got \(c)"
      )
    }
    let quantities = file.quantities()
    let quantity: String
    if let q = request.quantity {
      guard quantities.contains(q) else { throw AnalysisError.unknownQuantity(q, available: quantities) }
      quantity = q
    } else if quantities.count == 1, let q = quantities.first {
      quantity = q
    } else {
      throw AnalysisError.usage(
        "\(path) holds \(quantities.count) quantities: choose one with --quantity (\(quantities.joined(separator: ", ")))"
      )
    }

    var supersededBy: [String: String] = [:]
    for f in file.figures { for old in f.supersedes where supersededBy[old] == nil { supersededBy[old] = f.id } }
    var evidenceTaken: [String: String] = [:]
    var used: [MetaFigureEstimate] = []
    var leftOut: [MetaLeftOut] = []
    for f in file.figures where f.quantity == quantity {
      let coverage = f.coverageStated ? f.coverage : request.coverage ?? Figure.defaultCoverage
      switch reading(f, coverage: coverage, supersededBy: supersededBy) {
      case .failure(let reason):
        leftOut.append(MetaLeftOut(figure: f, reason: reason.text))
      case .success(let log):
        if !f.evidence.isEmpty, let first = evidenceTaken[f.evidence] {
          leftOut.append(
            MetaLeftOut(figure: f, reason: "shares the evidence '\(f.evidence)' of \(first), which enters once"))
          continue
        }
        if !f.evidence.isEmpty { evidenceTaken[f.evidence] = f.id }
        used.append(MetaFigureEstimate(figure: f, coverage: coverage, log: log, weight: 0))
      }
    }
    guard !used.isEmpty else {
      let reasons = leftOut.map { "\($0.figure.id): \($0.reason)" }.joined(separator: "; ")
      throw AnalysisError.file(path, "meta: no figure of '\(quantity)' states an interval to pool (\(reasons))")
    }
    let variances = used.map { $0.log.standardError * $0.log.standardError }
    let result: MetaResult
    do {
      result = try MetaAnalysis.fit(
        estimates: used.map(\.log.estimate), variances: variances, method: request.method, test: request.test,
        level: request.level)
    } catch {
      throw AnalysisError.file(path, "meta (\(quantity)): \(error.description)")
    }
    for (i, w) in MetaAnalysis.weights(variances: variances, tau2: result.tau2).enumerated() { used[i].weight = w }
    let unit = used.first { !$0.figure.unit.isEmpty }?.figure.unit ?? ""
    return MetaFiguresResult(
      path: path, quantity: quantity, unit: unit, used: used, leftOut: leftOut, result: result,
      fileWarnings: file.warnings)
  }

  /// Why a figure is left out, as an `Error` for `Result`.
  struct Reason: Error { var text: String }

  /// The figure's log-scale estimate, or why it has none.
  static func reading(_ f: Figure, coverage: Double, supersededBy: [String: String]) -> Result<
    LogScaleEstimate, Reason
  > {
    if let newer = supersededBy[f.id] { return .failure(Reason(text: "superseded by \(newer)")) }
    if !f.derivedFrom.isEmpty {
      let ids = f.derivedFrom.joined(separator: ", ")
      return .failure(Reason(text: "restates \(ids): left out so the same evidence is not counted twice"))
    }
    if f.isScoped { return .failure(Reason(text: "covers only part of the quantity (\(f.scope))")) }
    let bound = f.kindStated && (f.kind == .atLeast || f.kind == .atMost)
    switch (f.low, f.high) {
    case (let low?, let high?) where !bound:
      do throws(LogScaleEstimate.Problem) {
        return .success(try LogScaleEstimate(value: f.value, low: low, high: high, coverage: coverage))
      } catch {
        return .failure(Reason(text: error.description))
      }
    case (_?, nil), (nil, _?), (_?, _?):
      let which = f.kind == .atMost || (f.kind != .atLeast && f.low == nil) ? "an upper" : "a lower"
      return .failure(Reason(text: "\(which) bound: no interval, so no standard error"))
    case (nil, nil):
      if f.value == nil, let text = f.text {
        return .failure(
          Reason(text: "a verbal quantity (\"\(text)\"): the verbal table's range is not a stated interval"))
      }
      return .failure(Reason(text: "a point: no interval, so no standard error"))
    }
  }
}

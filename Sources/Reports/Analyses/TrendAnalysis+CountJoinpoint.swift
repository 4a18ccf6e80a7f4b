import Figures
import FoundationEssentials
import Numerics
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `trend --model joinpoint` fits and how it chooses the number of joinpoints — one rule,
/// which `report` runs too (it calls ``TrendAnalysis/run(_:quantity:model:level:through:span:joinpoint:vintage:)``
/// with the default settings, as `trend` does without options).
public struct JoinpointSettings: Sendable, Equatable {
  /// The joinpoint model; nil: ``TrendAnalysis/defaultJoinpointModel(_:level:)`` for each series.
  public var model: JoinpointModel?
  /// How the number of joinpoints is chosen; nil: ``defaultRule(for:)``.
  public var rule: JoinpointRule?
  /// The most joinpoints tried; nil: up to 3, as many as the series admits.
  public var maxJoinpoints: Int?
  /// Permuted data sets of the permutation test (NCI Joinpoint's default, 4499).
  public var permutations: Int
  /// Seed of the permutation test.
  public var seed: UInt64
  /// Least-squares models: also joinpoints on a grid of this many points per year.
  public var gridPerYear: Int

  /// NCI Joinpoint's default number of permutations (Joinpoint Help, "What does the p-value
  /// mean for Joinpoint?": 4499, so that a p-value near α/3 is stable to about ±0.004).
  public static let defaultPermutations = 4499

  /// Creates settings; the defaults are `trend`'s and `report`'s.
  public init(
    model: JoinpointModel? = nil, rule: JoinpointRule? = nil, maxJoinpoints: Int? = nil,
    permutations: Int = JoinpointSettings.defaultPermutations, seed: UInt64 = 20_021_130, gridPerYear: Int = 0
  ) {
    self.model = model
    self.rule = rule
    self.maxJoinpoints = maxJoinpoints
    self.permutations = permutations
    self.seed = seed
    self.gridPerYear = gridPerYear
  }

  /// The rule used when `--select` is not given: BIC for the count models (a likelihood; the
  /// permutation test of Kim et al. permutes least-squares residuals), the permutation test
  /// (Kim et al. 2000, 4499 permutations, overall level 0.05 with NCI's α/(K_max − k₀)) for the
  /// least-squares models.
  public static func defaultRule(for model: JoinpointModel) -> JoinpointRule {
    model.isCount ? .bic : .permutation
  }

  /// The rule for `model`: the one asked for, else ``defaultRule(for:)``.
  public func rule(for model: JoinpointModel) -> JoinpointRule { rule ?? Self.defaultRule(for: model) }
}

extension TrendAnalysis {
  /// What is wrong with the joinpoint options of `trend` as given (before any data is read), as
  /// a usage message; nil when nothing is. The count models choose the number of joinpoints by
  /// BIC only and place joinpoints at the counts' years only.
  public static func joinpointOptionProblem(
    model: TrendModel?, joinpointModel: JoinpointModel?, select: JoinpointRule?, permutations: Int, grid: Int
  ) -> String? {
    if let jm = joinpointModel, model != .joinpoint {
      return "--joinpoint-model \(jm.rawValue) needs --model joinpoint"
    }
    guard (1...1_000_000).contains(permutations) else {
      return "--permutations must be between 1 and 1000000 (got \(permutations))"
    }
    if let jm = joinpointModel, jm.isCount, select == .permutation {
      return
        "--select permutation: the permutation test of Kim et al. (2000) permutes least-squares residuals; the \(jm.rawValue) joinpoint model chooses the number of joinpoints by BIC (--select bic), or use --joinpoint-model loglinear or weighted for the permutation test"
    }
    if let jm = joinpointModel, jm.isCount, grid != 0 {
      return
        "--grid \(grid): the \(jm.rawValue) joinpoint model places joinpoints at the counts' years only; the grid is for --joinpoint-model loglinear or weighted"
    }
    return nil
  }

  /// The joinpoint model of a series when none is asked for, with why: a stock's levels are
  /// not counts (loglinear); counts that are not whole numbers cannot be Poisson (loglinear);
  /// otherwise the count model the trend's own test picks — the negative binomial when the
  /// likelihood-ratio test of Poisson against it (on the fit without joinpoints, buckets in the
  /// likelihood) rejects Poisson at 5%, else Poisson. Joinpoints can only lower the
  /// overdispersion, so the negative binomial is the safe side: with little overdispersion
  /// left its θ is large and its fit is close to Poisson's.
  static func defaultJoinpointModel(_ series: SeriesToFit, level: Double) -> (model: JoinpointModel, why: String) {
    let rows = series.rows
    if rows.first?.figure.measure == .stock {
      return (.loglinear, "the figures are stocks (levels), not counts: least squares on the log levels")
    }
    if let r = rows.first(where: { !($0.count >= 0 && $0.count == $0.count.rounded()) }) {
      return (
        .loglinear,
        "figure '\(r.figure.id)' (\(NumberFormat.human(r.count))) is not a whole count: least squares on the log rates"
      )
    }
    let d: Overdispersion?
    if rows.contains(where: { $0.spansYears || $0.cumulative }) {
      let years = compositeYears(rows, checks: series.checks)
      let p = try? compositeFit(.poisson, rows: rows, years: years, quantity: "", level: level)
      let nb = try? compositeFit(.negativeBinomial, rows: rows, years: years, quantity: "", level: level)
      d = p.map { compositeOverdispersion($0.fit, nb?.fit) }
    } else {
      d =
        Overdispersion.test(
          years: rows.map(\.time), counts: rows.map(\.count), exposures: rows.map(\.exposure), level: level)?
        .diagnostics
    }
    if let d, let p = d.lrPValue, p < 0.05, d.theta != nil {
      return (
        .negbin,
        "the counts vary more than a Poisson model allows (without joinpoints: likelihood-ratio test of Poisson against negative binomial LR = \(NumberFormat.human(d.lrStatistic, significant: 4)), p = \(NumberFormat.human(p, significant: 2)))"
      )
    }
    return (.poisson, "the likelihood-ratio test finds no overdispersion without joinpoints")
  }

  /// The modelled years of a composite link fit of `rows` and `checks`.
  static func compositeYears(_ rows: [Row], checks: [Row]) -> ClosedRange<Int> {
    let all = rows + checks
    let first = all.map(\.first).min() ?? 0
    let last = all.map(\.last).max() ?? 0
    return first...max(last, first + 1)
  }

  /// A joinpoint fit of counts (``JoinpointCount``): Poisson or negative binomial, hinge terms at
  /// the admissible placements, exposure offsets, counts over several years and cumulative
  /// totals in the likelihood (composite link); the number of joinpoints by BIC.
  static func fitCountJoinpoint(
    quantity: String, series: SeriesToFit, model jm: JoinpointModel, choice: String, level: Double, through: Int?,
    span: ClosedRange<Int>?, settings: JoinpointSettings, spanMayMiss: Bool
  ) throws(AnalysisError) -> TrendResult {
    let rows = series.rows
    guard settings.rule(for: jm) == .bic else {
      throw filesError(
        rows,
        "\(quantity): --select permutation: the permutation test of Kim et al. (2000) permutes least-squares residuals, and the \(jm.rawValue) joinpoint model is a likelihood: it chooses the number of joinpoints by BIC (--select bic); for the permutation test use --joinpoint-model loglinear or weighted"
      )
    }
    guard settings.gridPerYear == 0 else {
      throw filesError(
        rows,
        "\(quantity): --grid \(settings.gridPerYear): the \(jm.rawValue) joinpoint model places joinpoints at the counts' years only; the grid is for --joinpoint-model loglinear or weighted"
      )
    }
    guard rows.count >= 3 else {
      throw .located(
        rows.first?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a joinpoint trend needs at least 3 periods with counts, found \(rows.count)")
    }
    let years = compositeYears(rows, checks: series.checks)
    var exposure = [Double](repeating: 1, count: years.count)
    for r in rows {
      for y in r.first...r.last { exposure[y - years.lowerBound] = r.fraction(of: y) }
    }
    let buckets = rows.map { CompositeBucket(first: $0.first, last: $0.last, count: $0.count) }
    let family: CompositeLinkFamily = jm == .negbin ? .negativeBinomial : .poisson
    var warnings: [String] = []
    let selection: JoinpointCountSelection
    let without: Overdispersion
    var dispersion: JoinpointDispersion? = nil
    do throws(StatisticsError) {
      let cap =
        JoinpointCount.maximumJoinpoints(buckets: buckets, firstYear: years.lowerBound, lastYear: years.upperBound) ?? 0
      let requested = settings.maxJoinpoints ?? min(3, cap)
      selection = try JoinpointCount.select(
        family, buckets: buckets, firstYear: years.lowerBound, lastYear: years.upperBound, exposure: exposure,
        maxJoinpoints: max(0, requested), level: level)
      if selection.maxJoinpoints < selection.requestedMaxJoinpoints {
        warnings.append(
          "at most \(selection.maxJoinpoints) joinpoint(s) fit \(rows.count) counts (2 counts from each end and between joinpoints, at most \(JoinpointCount.maximumPlacements) placements); \(selection.requestedMaxJoinpoints) were asked for"
        )
      }
      without = try countOverdispersion(at: [], buckets: buckets, years: years, exposure: exposure, level: level)
      let taus = selection.best.joinpoints
      if !taus.isEmpty {
        let with = try countOverdispersion(at: taus, buckets: buckets, years: years, exposure: exposure, level: level)
        dispersion = JoinpointDispersion(joinpoints: taus, without: without, with: with)
      }
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    let best = selection.best
    if best.thetaUnbounded {
      warnings.append(
        "negbin: at the chosen joinpoints θ grows without bound — no overdispersion is left — so the negative binomial's limit, the Poisson fit, is reported"
      )
    }
    let asModel: TrendModel = jm == .negbin && !best.thetaUnbounded ? .negbin : .poisson
    var result = try compositeResult(
      quantity: quantity, rows: rows, fitted: (best.composite, best.design), model: asModel, level: level,
      through: through, modelFit: best.modelFit)
    result.warnings = result.warnings.filter { !$0.hasPrefix("overdispersion:") } + warnings
    if jm == .poisson, let d = dispersion?.with ?? Optional(without), d.pearsonDispersion > 1.5 {
      result.warnings.append(
        "overdispersion: Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3)) > 1.5 \(dispersion == nil ? "without joinpoints" : "with the joinpoints") — the Poisson intervals are too narrow, and BIC may take the extra variation for joinpoints; prefer --joinpoint-model negbin"
      )
    }
    let jp = best.segmented
    for i in result.points.indices { result.points[i].segment = jp.segment(of: result.points[i].time) }
    result.model = .joinpoint
    result.joinpointModel = jm
    result.joinpointFit = jp
    result.joinpointDispersion = dispersion
    result.overdispersion = without
    result.compositeLink = !result.buckets.isEmpty
    result.modelChoice = choice
    result.measure = .flow
    result.conflicts = series.conflicts
    result.assumption =
      "log(yearly rate) follows connected straight lines that change slope at 0–K joinpoints (years of the counts); the counts are "
      + (jm == .negbin ? "negative binomial (variance μ + μ²/θ, θ estimated)" : "Poisson (variance = mean)")
      + ", each the sum of the yearly means of the years it covers, partial years by their exposure; the joinpoints' placement maximises the likelihood, their number is chosen by BIC (−2ℓ + (2K + 2\(jm == .negbin ? " + 1" : "")) ln n)."
    if let a = try? Joinpoint.aapc(
      jp, from: Double(years.lowerBound), to: Double(rows.map(\.lastYear).max() ?? years.upperBound), level: level)
    {
      (result.growthFactor, result.annualPercentChange, result.doublingTime) = growth(a)
    }
    result.cumulativeChecks = try series.checks.map { c throws(AnalysisError) in
      try cumulativeCheck(c, fit: best.composite, quantity: quantity)
    }
    guard let span else { return result }
    let periods = rows.filter { span.contains($0.first) && span.contains($0.last) }.count
    result.span = try aapcSpan(jp, span: span, periods: periods, level: level, rows: rows, quantity: quantity)
    return result
  }

  /// Pearson dispersion of the Poisson fit and its likelihood-ratio test against the negative
  /// binomial, both with the joinpoints at `at` (none: the straight-line fit).
  static func countOverdispersion(
    at: [Double], buckets: [CompositeBucket], years: ClosedRange<Int>, exposure: [Double], level: Double
  ) throws(StatisticsError) -> Overdispersion {
    let p = try JoinpointCount.fit(
      .poisson, buckets: buckets, firstYear: years.lowerBound, lastYear: years.upperBound, exposure: exposure,
      at: at, level: level)
    let nb = try? JoinpointCount.fit(
      .negativeBinomial, buckets: buckets, firstYear: years.lowerBound, lastYear: years.upperBound,
      exposure: exposure, at: at, level: level)
    return compositeOverdispersion(p.composite, nb?.composite)
  }

  /// How a joinpoint result was fitted and its number of joinpoints chosen, in words:
  /// "negbin joinpoint model, chosen by BIC".
  public static func joinpointMethod(_ r: TrendResult) -> String {
    let model = r.joinpointModel?.rawValue ?? "loglinear"
    let rule = r.joinpointFit?.selection.map { $0.tests.isEmpty ? "BIC" : "permutation test" } ?? "fixed"
    return "\(model) joinpoint model, chosen by \(rule)"
  }

  /// The lines of a count joinpoint fit's overdispersion without and with its joinpoints.
  static func joinpointDispersionLines(_ d: JoinpointDispersion) -> [String] {
    func figures(_ o: Overdispersion) -> String {
      var s = "Pearson dispersion \(NumberFormat.human(o.pearsonDispersion, significant: 3))"
      if let lr = o.lrStatistic, let p = o.lrPValue {
        s +=
          ", LR test Poisson vs negative binomial \(NumberFormat.human(lr, significant: 3)) (p = \(NumberFormat.human(p, significant: 2)))"
      } else {
        s += ", no overdispersion for the negative binomial to estimate (θ → ∞)"
      }
      return s
    }
    let at = d.joinpoints.map { NumberFormat.plain($0) }.joined(separator: ", ")
    let one = d.joinpoints.count == 1
    var lines = [
      "overdispersion of the Poisson fit without joinpoints: \(figures(d.without))",
      "overdispersion of the Poisson fit with the joinpoint\(one ? "" : "s") at \(at): \(figures(d.with))",
    ]
    if d.removesMost {
      lines.append(
        "the joinpoint\(one ? "" : "s") at \(at) remove\(one ? "s" : "") most of the overdispersion (Pearson dispersion \(NumberFormat.human(d.without.pearsonDispersion, significant: 3)) → \(NumberFormat.human(d.with.pearsonDispersion, significant: 3))): much of the extra variation of the straight-line fit was the change of slope, not noise."
      )
    }
    return lines
  }
}

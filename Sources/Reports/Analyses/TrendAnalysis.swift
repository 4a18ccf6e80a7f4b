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

/// `reconcile trend`: growth of a yearly count with honest intervals.
///
/// Time enters as the calendar year of each period. A partial period (exposure e < 1) enters
/// count models through the offset log e — never by scaling the count; for the OLS models
/// its count is annualised (count / e). Fitted values and bands are for a full year.
/// Confidence bands: exp(η̂ ± q·se(η̂)); prediction bands for count models use the log-scale
/// normal approximation exp(η̂ ± q·√(se(η̂)² + φ/μ̂)) (delta method, Var Y = φμ), and for
/// the log-linear model exp(η̂ ± t·√(se(η̂)² + s²)).
public enum TrendAnalysis {
  /// How many years past the last observed one `through` may project (`--through`): beyond a
  /// few decades a log-linear extrapolation says nothing, and the table would only grow.
  public static let projectionHorizon = 50

  /// What is wrong with `--through` and `--span` for a series observed over `years`
  /// (sorted), as a usage message naming the option; nil when both are fine. `through` must
  /// lie from the last observed year to `projectionHorizon` years after it; the span
  /// `FROM:TO` within the observed years, covering at least 2 of them.
  public static func optionProblem(years: [Int], through: Int?, span: ClosedRange<Int>?) -> String? {
    guard let first = years.first, let last = years.last else { return nil }
    if let through {
      if through < last {
        return
          "--through \(through) is before the last observed year, \(last): give a year from \(last) to \(last + projectionHorizon)"
      }
      if through > last + projectionHorizon {
        return
          "--through \(through) is more than \(projectionHorizon) years after the last observed year, \(last): give a year from \(last) to \(last + projectionHorizon)"
      }
    }
    if let span {
      if span.lowerBound < first || span.upperBound > last {
        return
          "--span \(span.lowerBound):\(span.upperBound) reaches outside the observed years \(first)–\(last): give FROM:TO within them"
      }
      let covered = years.filter { span.contains($0) }.count
      if covered < 2 {
        return
          "--span \(span.lowerBound):\(span.upperBound) covers \(covered) observed period(s); a growth rate needs at least 2"
      }
    }
    return nil
  }

  /// The calendar years of `quantity`'s figures in `files`, sorted (those with a period).
  public static func observedYears(_ files: [FiguresFile], quantity: String) -> [Int] {
    var years: [Int] = []
    for file in files {
      for f in file.figures where f.quantity == quantity {
        if let p = f.period { years.append(p.year) }
      }
    }
    return years.sorted()
  }

  /// Fits the trend of `quantity` over the figures of `files`.
  /// - Throws: `AnalysisError` when the quantity is missing, a figure has no point value or no
  ///   period, two figures share a period, or the fit fails.
  public static func run(
    _ files: [FiguresFile], quantity: String, model: TrendModel? = nil, level: Double = 0.95,
    through: Int? = nil, span: ClosedRange<Int>? = nil, maxJoinpoints: Int? = nil,
    seed: UInt64 = 20_021_130, selectByBIC: Bool = false, gridPerYear: Int = 0
  ) throws(AnalysisError) -> TrendResult {
    let rows = try series(files, quantity: quantity)
    if let through, let last = rows.last?.period.year, through > last + projectionHorizon {
      throw filesError(
        rows,
        "\(quantity): --through \(through) is more than \(projectionHorizon) years after the last observed year, \(last)"
      )
    }
    // The Poisson-vs-negative-binomial diagnostics choose and qualify count models; the
    // segmented log-linear fit does not use them (and the report runs it beside the count fit).
    let test =
      model == .joinpoint
      ? nil
      : Overdispersion.test(
        years: rows.map { Double($0.period.year) }, counts: rows.map(\.count), exposures: rows.map(\.period.exposure),
        level: level)
    let diagnostics = test?.diagnostics
    let chosen: TrendModel
    let choice: String
    if let model {
      chosen = model
      choice = "\(model.rawValue), as asked (--model)."
    } else if let d = diagnostics, let p = d.lrPValue, p < 0.05, d.theta != nil {
      chosen = .negbin
      choice =
        "negbin: the likelihood-ratio test of Poisson against negative binomial rejects Poisson (LR = \(NumberFormat.human(d.lrStatistic, significant: 4)), p = \(NumberFormat.human(p, significant: 2)); Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3))): the counts vary more than a Poisson model allows."
    } else {
      chosen = .poisson
      let why =
        diagnostics.flatMap { d in
          d.lrPValue.map {
            "the likelihood-ratio test finds no overdispersion (p = \(NumberFormat.human($0, significant: 2)); Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3)))"
          }
        } ?? "the negative binomial fit is not available (θ → ∞: no overdispersion)"
      choice = "poisson: \(why)."
    }
    var result: TrendResult
    if chosen == .joinpoint {
      result = try fitJoinpoint(
        quantity: quantity, rows: rows, level: level, through: through, maxJoinpoints: maxJoinpoints, seed: seed,
        selectByBIC: selectByBIC, gridPerYear: gridPerYear)
    } else {
      // The test's fits are the fits of this series: reuse them rather than fit again.
      let prefitted: ModelFit? =
        switch chosen {
        case .poisson: test?.poisson
        case .negbin: test?.negativeBinomial
        default: nil
        }
      result = try fitSeries(
        quantity: quantity, rows: rows, model: chosen, level: level, through: through, prefitted: prefitted)
    }
    result.modelChoice = choice
    result.overdispersion = diagnostics
    if let span, let jp = result.joinpointFit {
      // Joinpoint: the average annual percent change of the fitted segments over the span.
      do throws(StatisticsError) {
        let a = try Joinpoint.aapc(jp, from: Double(span.lowerBound), to: Double(span.upperBound), level: level)
        let g = growth(a)
        result.span = SpanResult(
          from: span.lowerBound, to: span.upperBound, periods: rows.filter { span.contains($0.period.year) }.count,
          growthFactor: g.factor, annualPercentChange: g.percentChange, doublingTime: g.doublingTime)
      } catch {
        throw filesError(rows, "\(quantity): --span: \(error.description)")
      }
    } else if let span {
      let sub = rows.filter { span.contains($0.period.year) }
      guard sub.count >= 2 else {
        throw filesError(
          rows,
          "\(quantity): --span \(span.lowerBound):\(span.upperBound) covers \(sub.count) period(s); a growth rate needs at least 2"
        )
      }
      let fit = try fitSeries(
        quantity: quantity, rows: sub, model: chosen == .joinpoint ? .loglinear : chosen, level: level, through: nil)
      result.warnings += fit.warnings.map { "span \(span.lowerBound)–\(span.upperBound): \($0)" }
      result.span = SpanResult(
        from: span.lowerBound, to: span.upperBound, periods: sub.count, growthFactor: fit.growthFactor,
        annualPercentChange: fit.annualPercentChange, doublingTime: fit.doublingTime)
    }
    return result
  }

  typealias Row = (figure: Figure, period: Period, count: Double)

  /// An error about the series as a whole, named by the file(s) its figures came from.
  static func filesError(_ rows: [Row], _ message: String) -> AnalysisError {
    RangesAnalysis.filesError(rows.map(\.figure), message)
  }

  /// The figures of `quantity` as a yearly series, sorted by year.
  static func series(_ files: [FiguresFile], quantity: String) throws(AnalysisError) -> [Row] {
    let all = files.flatMap(\.figures)
    let figs = all.filter { $0.quantity == quantity }
    if figs.isEmpty {
      // Each name once, in order of first appearance (a set: a file may hold 100,000 names).
      var order: [String] = []
      var seen = Set<String>()
      for f in all where seen.insert(f.quantity).inserted { order.append(f.quantity) }
      throw .unknownQuantity(quantity, available: order)
    }
    var rows: [Row] = []
    var seen: [Int: String] = [:]
    for f in figs {
      guard let p = f.period else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' has no period; a trend needs one per figure")
      }
      guard let v = f.value ?? ((f.low != nil && f.low == f.high) ? f.low : nil) else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' is a range, not a count; a trend needs point values")
      }
      if let other = seen[p.year] {
        throw .located(
          f.location,
          "\(quantity): figures '\(other)' and '\(f.id)' both cover \(p.year); a trend needs one count per year")
      }
      seen[p.year] = f.id
      rows.append((f, p, v))
    }
    return rows.sorted { $0.period.year < $1.period.year }
  }
}

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

/// `reconcile trend`: growth of a yearly count with honest intervals, for each series of a
/// quantity apart (figures from different series are never one trend; superseded figures are
/// left out; where printings of a series disagree, the latest is used and the others are
/// listed as conflicts, ``resolve(_:quantity:)``).
///
/// Time enters as the calendar year of each period. A flow's exposure e (the fraction of a
/// year it covers) enters count models through the offset log e — never by scaling the count;
/// for the OLS models its count is annualised (count / e). A count over several years, or a
/// cumulative total used as a count, enters the count models as the sum of the yearly means it
/// covers (the composite link model, ``fitComposite(quantity:rows:checks:model:level:through:)``);
/// the least-squares models refuse it. A stock is a level: exposure 1, never annualised, and
/// least squares on the log levels by default. Fitted values and bands are for a full year
/// (a stock: the level). Confidence bands: exp(η̂ ± q·se(η̂)); prediction bands: for the negative
/// binomial and quasi-Poisson, whole counts from the predictive distribution
/// (``countBand(model:fit:eta:standardError:critical:per:predictive:thetaNodes:row:)``), for
/// the Poisson the log-scale normal approximation exp(η̂ ± q·√(se(η̂)² + 1/μ̂)), and for the
/// log-linear model exp(η̂ ± t·√(se(η̂)² + s²)).
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

  /// The calendar years of `quantity`'s figures in `files` that a trend uses (superseded
  /// figures, and under `vintage` those published after it, left out), sorted: each period's
  /// year, and the last year of a count over several years or of a cumulative total.
  public static func observedYears(_ files: [FiguresFile], quantity: String, vintage: CalendarDate? = nil) -> [Int] {
    var figures = files.flatMap(\.figures).filter { $0.quantity == quantity }
    if let vintage { figures = figures.filter { published($0, by: vintage) } }
    let superseded = supersededIDsOf(figures)
    var years: [Int] = []
    for f in figures where superseded[f.id] == nil {
      guard let p = f.period else { continue }
      if f.measure != .cumulative { years.append(p.year) }
      if p.spansYears || f.measure == .cumulative { years.append(p.years.upperBound) }
    }
    return years.sorted()
  }

  /// Fits the trend of each series of `quantity` over the figures of `files`: figures from
  /// different series (``Figures/Figure/seriesName``) are never one trend, superseded
  /// figures are left out (``seriesRows(_:quantity:minimum:vintage:)``), and within a series
  /// the latest printing of each year is used (``resolve(_:quantity:)``). With `vintage`, only
  /// the figures published on or before it: the series as it stood then.
  /// - Throws: `AnalysisError` when the quantity is missing, its figures are a set of estimates
  ///   from several series rather than a trend (no series has enough figures), a figure of a
  ///   series has no point value or no period, two figures of a series published on the same
  ///   date cover the same year, a least-squares model is asked to fit a count over several
  ///   years, or a fit fails.
  public static func run(
    _ files: [FiguresFile], quantity: String, model: TrendModel? = nil, level: Double = 0.95,
    through: Int? = nil, span: ClosedRange<Int>? = nil, joinpoint: JoinpointSettings = JoinpointSettings(),
    vintage: CalendarDate? = nil
  ) throws(AnalysisError) -> QuantityTrends {
    let grouped = try seriesRows(files, quantity: quantity, minimum: model == .joinpoint ? 3 : 2, vintage: vintage)
    let several = grouped.series.count + grouped.unfitted.count > 1
    var out = QuantityTrends(
      quantity: quantity, results: [], unfitted: grouped.unfitted, superseded: grouped.superseded)
    out.vintage = vintage
    out.vintageNote = grouped.vintageNote
    for s in grouped.series {
      var r = try fitOne(
        quantity: quantity, series: s, model: model, level: level, through: through, span: span,
        joinpoint: joinpoint, spanMayMiss: grouped.series.count > 1)
      r.series = s.name
      r.ofSeveral = several
      // What was left out of the quantity is said once, after the first series.
      r.notes = (out.results.isEmpty ? out.notes : []) + s.notes
      out.results.append(r)
    }
    return out
  }

  /// Fits one series (its rows sorted by time, all stocks or all counts).
  static func fitOne(
    quantity: String, series: SeriesToFit, model: TrendModel?, level: Double, through: Int?,
    span: ClosedRange<Int>?, joinpoint: JoinpointSettings, spanMayMiss: Bool
  ) throws(AnalysisError) -> TrendResult {
    let rows = series.rows
    let stock = rows.first?.figure.measure == .stock
    if let through, let last = rows.map(\.lastYear).max(), through > last + projectionHorizon {
      throw filesError(
        rows,
        "\(quantity): --through \(through) is more than \(projectionHorizon) years after the last observed year, \(last)"
      )
    }
    // Joinpoint: the model asked for (--joinpoint-model), else the default for the series.
    var joinpointModel: (model: JoinpointModel, why: String)? = nil
    if model == .joinpoint {
      let leastSquaresOnly = joinpoint.rule == .permutation || joinpoint.gridPerYear > 0
      let jm =
        joinpoint.model.map { ($0, "as asked (--joinpoint-model)") }
        ?? (leastSquaresOnly && !stock
          ? (
            .loglinear,
            "the least-squares model, for --select permutation or --grid, which the count models do not offer"
          )
          : defaultJoinpointModel(series, level: level))
      if stock && jm.0 != .loglinear {
        throw filesError(
          rows,
          "\(quantity): --joinpoint-model \(jm.0.rawValue): the figures are stocks (levels at a date), not counts of events; a joinpoint trend of levels is loglinear"
        )
      }
      joinpointModel = jm
      if jm.0.isCount {
        return try fitCountJoinpoint(
          quantity: quantity, series: series, model: jm.0,
          choice: "joinpoint (\(jm.0.rawValue)): \(jm.1); the number of joinpoints by BIC.", level: level,
          through: through, span: span, settings: joinpoint, spanMayMiss: spanMayMiss)
      }
    }
    if usesCompositeLink(series, model: model) {
      var result = try fitComposite(
        quantity: quantity, rows: rows, checks: series.checks, model: model, level: level, through: through)
      result.measure = .flow
      result.conflicts = series.conflicts
      guard let span else { return result }
      let sub = rows.filter { span.contains($0.first) && span.contains($0.last) }
      guard sub.count >= 2 else {
        return try spanMisses(
          result, span: span, periods: sub.count, rows: rows, quantity: quantity, mayMiss: spanMayMiss)
      }
      let (fit, warnings) = compositeSpanFit(quantity: quantity, rows: sub, whole: result, level: level, span: span)
      result.warnings += warnings
      if let fit {
        result.span = SpanResult(
          from: span.lowerBound, to: span.upperBound, periods: sub.count, growthFactor: fit.growthFactor,
          annualPercentChange: fit.annualPercentChange, doublingTime: fit.doublingTime)
      }
      return result
    }
    if let model, model == .loglinear || model == .linear || model == .joinpoint,
      let refusal = bucketRefusal(rows, quantity: quantity, model: model)
    {
      throw refusal
    }
    guard !rows.isEmpty else {
      throw .located(
        series.checks.first?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a trend needs at least 2 periods with counts, found 0")
    }
    // The Poisson-vs-negative-binomial diagnostics choose and qualify count models; the
    // segmented log-linear fit does not use them (and the report runs it beside the count fit),
    // and a stock's levels are not counts of events.
    let test =
      model == .joinpoint || stock
      ? nil
      : Overdispersion.test(
        years: rows.map(\.time), counts: rows.map(\.count), exposures: rows.map(\.exposure), level: level)
    let diagnostics = test?.diagnostics
    let chosen: TrendModel
    let choice: String
    if let model {
      chosen = model
      choice =
        "\(model.rawValue), as asked (--model)."
        + (joinpointModel.map { " Joinpoint model: \($0.model.rawValue), \($0.why)." } ?? "")
    } else if stock {
      chosen = .loglinear
      choice =
        "loglinear: the figures are stocks (levels at a date), not counts of events over a period: least squares on the log levels, which are never annualised."
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
      let jm = joinpointModel?.model ?? .loglinear
      result = try fitJoinpoint(
        quantity: quantity, rows: rows, level: level, through: through, maxJoinpoints: joinpoint.maxJoinpoints,
        seed: joinpoint.seed, selectByBIC: joinpoint.rule(for: jm) == .bic, gridPerYear: joinpoint.gridPerYear,
        weighted: jm == .weighted, permutations: joinpoint.permutations)
      result.joinpointModel = jm
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
    if model == nil, !stock,
      let close = closeCallSentence(
        p: diagnostics?.lrPValue, poisson: test?.poisson, negbin: test?.negativeBinomial, level: level)
    {
      result.modelChoice += " " + close
    }
    result.overdispersion = diagnostics
    result.measure = stock ? .stock : .flow
    result.conflicts = series.conflicts
    result.cumulativeChecks = series.checks.map { observedCheck($0, rows: rows) }
    guard let span else { return result }
    let sub = rows.filter { span.contains($0.period.year) && span.contains($0.lastYear) }
    if let jp = result.joinpointFit {
      result.span = try aapcSpan(jp, span: span, periods: sub.count, level: level, rows: rows, quantity: quantity)
      return result
    }
    guard sub.count >= 2 else {
      return try spanMisses(
        result, span: span, periods: sub.count, rows: rows, quantity: quantity, mayMiss: spanMayMiss)
    }
    let (fit, warnings) = spanFit(
      quantity: quantity, rows: sub, model: chosen == .joinpoint ? .loglinear : chosen, whole: result.fit,
      level: level, span: span)
    result.warnings += warnings
    if let fit {
      result.span = SpanResult(
        from: span.lowerBound, to: span.upperBound, periods: sub.count, growthFactor: fit.growthFactor,
        annualPercentChange: fit.annualPercentChange, doublingTime: fit.doublingTime)
    }
    return result
  }

  /// A joinpoint fit's growth over `span`: the average annual percent change of its fitted
  /// segments (`Joinpoint.aapc`), for the least-squares and the count joinpoint models alike.
  static func aapcSpan(
    _ jp: JoinpointFit, span: ClosedRange<Int>, periods: Int, level: Double, rows: [Row], quantity: String
  ) throws(AnalysisError) -> SpanResult {
    do throws(StatisticsError) {
      let a = try Joinpoint.aapc(jp, from: Double(span.lowerBound), to: Double(span.upperBound), level: level)
      let g = growth(a)
      return SpanResult(
        from: span.lowerBound, to: span.upperBound, periods: periods, growthFactor: g.factor,
        annualPercentChange: g.percentChange, doublingTime: g.doublingTime)
    } catch {
      throw filesError(rows, "\(quantity): --span: \(error.description)")
    }
  }

  /// A span that covers fewer than 2 periods: with several series, a warning on the series it
  /// misses (the others still report it); otherwise an error.
  static func spanMisses(
    _ result: TrendResult, span: ClosedRange<Int>, periods: Int, rows: [Row], quantity: String, mayMiss: Bool
  ) throws(AnalysisError) -> TrendResult {
    let message =
      "--span \(span.lowerBound):\(span.upperBound) covers \(periods) period(s); a growth rate needs at least 2"
    guard mayMiss else { throw filesError(rows, "\(quantity): \(message)") }
    var result = result
    result.warnings.append(message)
    return result
  }
}

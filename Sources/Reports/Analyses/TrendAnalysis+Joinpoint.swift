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

extension TrendAnalysis {
  /// Joinpoint regression of log(count / exposure) on the year by least squares; zero counts
  /// left out. `weighted`: weights wₜ = countₜ (NCI Joinpoint's Poisson-variance weights for a
  /// log rate: Var(log(y/e)) ≈ 1/μ by the delta method, μ estimated by the count y).
  static func fitJoinpoint(
    quantity: String, rows: [Row], level: Double, through: Int?, maxJoinpoints: Int?, seed: UInt64,
    selectByBIC: Bool = false, gridPerYear: Int = 0, weighted: Bool = false,
    permutations: Int = JoinpointSettings.defaultPermutations
  ) throws(AnalysisError) -> TrendResult {
    var warnings: [String] = []
    let used = rows.filter { $0.count > 0 }
    guard used.count >= 3 else {
      throw .located(
        (used.first ?? rows.first)?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a joinpoint trend needs at least 3 periods with positive counts, found \(used.count)")
    }
    if used.count < rows.count {
      warnings.append(
        "joinpoint (\(weighted ? "weighted " : "")log-linear): \(rows.count - used.count) zero count(s) left out because log 0 is undefined"
      )
    }
    let years = used.map(\.time)
    let logRates = used.map { log($0.count / $0.exposure) }
    let weights = weighted ? used.map(\.count) : nil
    let stock = rows.first?.figure.measure == .stock
    let selected: (best: JoinpointFit, report: JoinpointSelection)
    do throws(StatisticsError) {
      var options = JoinpointOptions()
      options.gridPerUnit = max(0, gridPerYear)
      let cap = Joinpoint.maximumJoinpoints(years: years, options: options) ?? 0
      var requested = maxJoinpoints ?? min(3, cap)
      let limit = joinpointSearchLimit(
        years: years, asked: requested, selectByBIC: selectByBIC, gridPerYear: gridPerYear, permutations: permutations)
      if let limit {
        if maxJoinpoints != nil { throw StatisticsError.invalidInput(limit.message) }
        requested = limit.searchable
        warnings.append(limit.message)
      }
      selected = try Joinpoint.select(
        years: years, logRates: logRates, weights: weights, maxJoinpoints: max(0, requested),
        method: selectByBIC ? .bic : .permutation(permutations: permutations, seed: seed), options: options,
        level: level)
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    let jp = selected.best
    let fit = jp.modelFit
    let crit = StudentT.quantile(0.5 + level / 2, df: Double(max(jp.df, 1)))
    func point(
      _ year: Int, time: Double, period: String, exposure: Double, observed: Double?, id: String, projected: Bool
    ) -> TrendPoint {
      let p = jp.predict(time)
      let band = TrendBand(
        eta: p.estimate, standardError: p.standardError, critical: crit, observationVariance: jp.sigma2, logScale: true)
      var tp = TrendPoint(
        period: period, year: year, time: time, exposure: exposure, observed: observed, band: band, stock: stock,
        level: level, projected: projected, id: id)
      tp.segment = jp.segment(of: time)
      return tp
    }
    var points = rows.map {
      point(
        $0.year, time: $0.time, period: $0.period.text, exposure: $0.exposure, observed: $0.count,
        id: $0.figure.id, projected: false)
    }
    if let through, let last = rows.map(\.lastYear).max(), through > last {
      for y in (last + 1)...through {
        points.append(
          point(y, time: Double(y), period: String(y), exposure: 1, observed: nil, id: "", projected: true))
      }
    }
    // Growth over the whole series: the average annual percent change (AAPC).
    var growth = Interval(estimate: nil, low: nil, high: nil)
    var apc = growth
    var doubling = growth
    if let first = years.first, let last = years.last, last > first,
      let a = try? Joinpoint.aapc(jp, from: first, to: last, level: level)
    {
      (growth, apc, doubling) = self.growth(a)
    }
    if let sel = jp.selection ?? Optional(selected.report), sel.maxJoinpoints < sel.requestedMaxJoinpoints {
      warnings.append(
        "at most \(sel.maxJoinpoints) joinpoint(s) fit \(years.count) periods (2 observations from each end and between joinpoints); \(sel.requestedMaxJoinpoints) were asked for"
      )
    }
    var result = TrendResult(
      quantity: quantity, model: .joinpoint, fit: fit, growthFactor: growth, annualPercentChange: apc,
      doublingTime: doubling, points: points, warnings: warnings,
      assumption: (stock ? "log(level)" : "log(yearly rate)")
        + " follows connected straight lines that change slope at 0–K joinpoints (observed years), with normal, "
        + (weighted
          ? "heteroscedastic errors, Var ∝ 1/count (weighted least squares, weights = counts)"
          : "equal-variance errors")
        + "; the number of joinpoints is chosen by "
        + (selectByBIC
          ? "BIC." : "a permutation test (Kim et al. 2000, \(permutations) permutations, fixed seed)."))
    result.joinpointFit = jp
    return result
  }

  /// Growth factor, annual percent change and doubling time from a joinpoint (average)
  /// annual percent change: factor 1 + APC/100; doubling time ln 2 / β for the slope β and
  /// ln 2 / log(1 + APC/100) for the interval's ends (``Growth``).
  static func growth(_ a: PercentChange) -> (factor: Interval, percentChange: Interval, doublingTime: Interval) {
    let d = Growth.doublingTime(slope: a.slope, low: log(1 + a.low / 100), high: log(1 + a.high / 100))
    return (
      Interval(estimate: 1 + a.estimate / 100, low: 1 + a.low / 100, high: 1 + a.high / 100),
      Interval(estimate: a.estimate, low: a.low, high: a.high),
      Interval(estimate: d.estimate, low: d.low, high: d.high)
    )
  }

  /// When `asked` joinpoints are more than an exhaustive search can fit in seconds over these
  /// years (``Joinpoint/searchableJoinpoints(years:options:series:)``, 1 series for BIC,
  /// 1 + 999 for the permutation test), the largest number that can be searched and why;
  /// nil when `asked` can be searched (or is more than the series admits, which the
  /// selection lowers by itself).
  static func joinpointSearchLimit(
    years: [Double], asked: Int, selectByBIC: Bool, gridPerYear: Int,
    permutations: Int = JoinpointSettings.defaultPermutations
  ) -> (searchable: Int, message: String)? {
    var options = JoinpointOptions()
    options.gridPerUnit = max(0, gridPerYear)
    let series = selectByBIC ? 1 : permutations + 1
    guard let cap = Joinpoint.maximumJoinpoints(years: years, options: options),
      let limits = Joinpoint.searchableJoinpoints(years: years, options: options, series: series),
      limits.joinpoints < min(asked, cap)
    else { return nil }
    let k = limits.joinpoints + 1
    let placements = k < limits.placements.count ? limits.placements[k] : .infinity
    let what = selectByBIC ? "" : " for each of the \(series) series of the permutation test"
    return (
      limits.joinpoints,
      "\(k) joinpoints over \(years.count) periods would mean fitting \(NumberFormat.human(placements, significant: 3)) placements\(what); at most \(limits.joinpoints) joinpoint(s) are searched on a series this long (--joinpoints \(limits.joinpoints)\(selectByBIC ? "" : ", or --select bic, which searches the observed series only"))"
    )
  }

  /// What is wrong with `--joinpoints` for `quantity` (more joinpoints than an exhaustive search
  /// can fit in seconds on its series), as a usage message; nil when nothing is.
  public static func joinpointProblem(
    _ files: [FiguresFile], quantity: String, maxJoinpoints: Int?, selectByBIC: Bool, gridPerYear: Int,
    permutations: Int = JoinpointSettings.defaultPermutations
  ) -> String? {
    guard let asked = maxJoinpoints, let grouped = try? seriesRows(files, quantity: quantity, minimum: 3) else {
      return nil
    }
    // The longest series sets the limit (each series is searched on its own).
    for s in grouped.series.sorted(by: { $0.rows.count > $1.rows.count }) {
      let years = s.rows.filter { $0.count > 0 }.map(\.time)
      guard years.count >= 3 else { return nil }
      return joinpointSearchLimit(
        years: years, asked: asked, selectByBIC: selectByBIC, gridPerYear: gridPerYear, permutations: permutations
      )
      .map { "--joinpoints \(asked): \($0.message)" }
    }
    return nil
  }
}

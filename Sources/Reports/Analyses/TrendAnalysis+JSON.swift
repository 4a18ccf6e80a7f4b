import Statistics

extension TrendAnalysis {
  /// The JSON of a quantity's trends: `quantity`; the contract's keys of its series when it has
  /// exactly one fitted series; `series`, one object per series (a fitted one as
  /// ``json(_:)``, with `"fitted": true`; one with too few figures as `series`, `fitted`
  /// false, `ids` and `reason`); `superseded`, the figures left out (`id`, `superseded_by`);
  /// and `vintage`, the `--vintage` date (null without one).
  public static func json(_ q: QuantityTrends) -> JSON {
    var members: [(String, JSON)] = [
      ("quantity", .string(q.quantity)), ("vintage", q.vintage.map { .string($0.description) } ?? .null),
    ]
    if q.results.count == 1, let only = q.results.first {
      members += jsonMembers(only).filter { $0.0 != "quantity" && $0.0 != "series" }
    }
    var series: [JSON] = q.results.map { r in
      var m = jsonMembers(r).filter { $0.0 != "quantity" }
      m.insert(("fitted", .bool(true)), at: 1)  // after "series"
      return .object(m)
    }
    series += q.unfitted.map { u in
      .object([
        ("series", .string(u.series)), ("fitted", .bool(false)), ("ids", .array(u.ids.map { .string($0) })),
        ("reason", .string(u.reason)),
      ])
    }
    members.append(("series", .array(series)))
    members.append(
      (
        "superseded",
        .array(
          q.superseded.map {
            .object([("id", .string($0.id)), ("superseded_by", .array($0.by.map { .string($0) }))])
          })
      ))
    return .object(members)
  }

  /// The contract's JSON object of one series.
  public static func json(_ r: TrendResult) -> JSON { .object(jsonMembers(r)) }

  /// The members of ``json(_:)-(TrendResult)``, in order.
  static func jsonMembers(_ r: TrendResult) -> [(String, JSON)] {
    func interval(_ i: Interval) -> JSON {
      .object([("estimate", .num(i.estimate)), ("ci_low", .num(i.low)), ("ci_high", .num(i.high))])
    }
    return [
      ("quantity", .string(r.quantity)),
      ("series", .string(r.series)),
      ("measure", .string(r.measure.rawValue)),
      ("model", .string(r.model.rawValue)),
      ("n", .int(r.fit.n)),
      ("df_residual", .int(r.fit.dfResidual)),
      ("converged", .bool(r.fit.converged)),
      ("iterations", .int(r.fit.iterations)),
      ("level", .num(r.fit.level)),
      (
        "parameters",
        .array(
          r.fit.parameters.map { p in
            var p = p
            if !r.fit.intervalsUsable {
              // No interval from a fit that did not converge (nor its standard error and test).
              (p.standardError, p.statistic, p.pValue, p.ciLow, p.ciHigh) = (.nan, .nan, .nan, .nan, .nan)
            }
            return FitAnalysis.parameterJSON(p)
          })
      ),
      ("growth_factor", interval(r.growthFactor)),
      ("annual_percent_change", interval(r.annualPercentChange)),
      ("doubling_time", interval(r.doublingTime)),
      ("dispersion", .num(r.fit.dispersion)),
      ("theta", .num(r.fit.theta)),
      ("deviance", .num(r.fit.deviance)),
      ("log_likelihood", .num(r.fit.logLikelihood)),
      ("aic", .num(r.fit.aic)),
      ("assumption", .string(r.assumption)),
      ("model_choice", .string(r.modelChoice)),
      ("joinpoints", joinpointsJSON(r)),
      ("segments", segmentsJSON(r)),
      ("joinpoint_selection", selectionJSON(r)),
      ("joinpoint_model", r.joinpointModel.map { .string($0.rawValue) } ?? .null),
      ("joinpoint_overdispersion", joinpointDispersionJSON(r)),
      (
        "overdispersion",
        r.overdispersion.map {
          .object([
            ("pearson_dispersion", .num($0.pearsonDispersion)), ("lr_statistic", .num($0.lrStatistic)),
            ("lr_p_value", .num($0.lrPValue)), ("theta", .num($0.theta)),
          ])
        } ?? .null
      ),
      (
        "span",
        r.span.map { sp in
          .object([
            ("from", .int(sp.from)), ("to", .int(sp.to)), ("periods", .int(sp.periods)),
            ("growth_factor", interval(sp.growthFactor)),
            ("annual_percent_change", interval(sp.annualPercentChange)),
            ("doubling_time", interval(sp.doublingTime)),
            ("consistent_with_doubling", sp.consistentWithDoubling.map { .bool($0) } ?? .null),
            ("doubling", sp.doubling.map { .string($0.rawValue) } ?? .null),
          ])
        } ?? .null
      ),
      ("composite_link", .bool(r.compositeLink)),
      ("buckets", .array(r.buckets.map(bucketJSON))),
      ("cumulative_checks", .array(r.cumulativeChecks.map(checkJSON))),
      ("conflicts", .array(r.conflicts.map(conflictJSON))),
      ("warnings", .array(r.warnings.map { .string($0) })),
      ("notes", .array(r.notes.map { .string($0) })),
      (
        "points",
        .array(
          r.points.map { p in
            .object([
              ("period", .string(p.period)), ("year", .int(p.year)), ("time", .num(p.time)),
              ("exposure", p.stock ? .null : .num(p.exposure)),
              ("observed", .num(p.observed)), ("annualized", .num(p.annualized)),
              ("annualized_ci_low", .num(p.annualizedLow)), ("annualized_ci_high", .num(p.annualizedHigh)),
              ("fitted", .num(p.fitted)), ("ci_low", .num(p.ciLow)), ("ci_high", .num(p.ciHigh)),
              ("pi_low", .num(p.piLow)), ("pi_high", .num(p.piHigh)),
              ("projected", .bool(p.projected)), ("segment", .int(p.segment)), ("id", .string(p.id)),
              ("implied", .bool(p.implied)),
            ])
          })
      ),
    ]
  }

  /// A count over several years: `id`, `first_year`, `last_year`, `cumulative`, `observed`,
  /// `fitted`, `ci_low`, `ci_high`, and `implied` (per year `year`, `exposure`, `mean`,
  /// `ci_low`, `ci_high`: the implied count of the year at its exposure).
  static func bucketJSON(_ b: TrendBucket) -> JSON {
    .object([
      ("id", .string(b.id)), ("first_year", .int(b.firstYear)), ("last_year", .int(b.lastYear)),
      ("cumulative", .bool(b.cumulative)), ("observed", .num(b.observed)), ("fitted", .num(b.fitted)),
      ("ci_low", .num(b.low)), ("ci_high", .num(b.high)),
      (
        "implied",
        .array(
          b.implied.map { y in
            .object([
              ("year", .int(y.year)), ("exposure", .num(y.exposure)), ("mean", .num(y.mean)),
              ("ci_low", .num(y.low)), ("ci_high", .num(y.high)),
            ])
          })
      ),
    ])
  }

  /// A cumulative check: `id`, `first_year`, `last_year`, `stated`, `tolerance`, `observed`,
  /// `observed_note`, `fitted`, `fitted_ci_low`, `fitted_ci_high`, `basis`, `passed` (null:
  /// not checked) and `line`.
  static func checkJSON(_ c: CumulativeCheck) -> JSON {
    .object([
      ("id", .string(c.id)), ("first_year", .int(c.firstYear)), ("last_year", .int(c.lastYear)),
      ("stated", .num(c.stated)), ("tolerance", .num(c.tolerance)), ("observed", .num(c.observed)),
      ("observed_note", .string(c.observedNote)), ("fitted", .num(c.fitted)), ("fitted_ci_low", .num(c.fittedLow)),
      ("fitted_ci_high", .num(c.fittedHigh)), ("basis", .string(c.basis)),
      ("passed", c.passed.map { .bool($0) } ?? .null), ("line", .string(c.line)),
    ])
  }

  /// A conflict between printings: the figure left out (`id`, `period`, `value`,
  /// `published`), `against` (the figures used for its years, the same keys) and `line`.
  static func conflictJSON(_ c: PrintingConflict) -> JSON {
    func ref(_ r: PrintingRef) -> JSON {
      .object([
        ("id", .string(r.id)), ("period", .string(r.label)), ("value", .num(r.value)),
        ("published", .string(r.published)),
      ])
    }
    return .object([
      ("id", .string(c.figure.id)), ("period", .string(c.figure.label)), ("value", .num(c.figure.value)),
      ("published", .string(c.figure.published)), ("against", .array(c.against.map(ref))),
      ("line", .string(c.line)),
    ])
  }

  /// The Poisson fit's overdispersion without and with the joinpoints of a count joinpoint fit.
  static func joinpointDispersionJSON(_ r: TrendResult) -> JSON {
    guard let d = r.joinpointDispersion else { return .null }
    func one(_ o: Overdispersion) -> JSON {
      .object([
        ("pearson_dispersion", .num(o.pearsonDispersion)), ("lr_statistic", .num(o.lrStatistic)),
        ("lr_p_value", .num(o.lrPValue)), ("theta", .num(o.theta)),
      ])
    }
    return .object([
      ("joinpoints", .array(d.joinpoints.map { JSON.number($0) })), ("without", one(d.without)),
      ("with", one(d.with)), ("removes_most", .bool(d.removesMost)),
    ])
  }

  static func joinpointsJSON(_ r: TrendResult) -> JSON {
    guard let jp = r.joinpointFit else { return .null }
    return .array(jp.joinpoints.map { JSON.number($0) })
  }

  static func segmentsJSON(_ r: TrendResult) -> JSON {
    guard let jp = r.joinpointFit else { return .null }
    var items: [JSON] = []
    for s in jp.segments {
      let apc: JSON = .object([
        ("estimate", .num(s.apc.estimate)), ("ci_low", .num(s.apc.low)), ("ci_high", .num(s.apc.high)),
      ])
      let members: [(String, JSON)] = [
        ("from", .number(s.from)), ("to", .number(s.to)), ("slope", .num(s.slope)),
        ("slope_std_error", .num(s.slopeSE)), ("annual_percent_change", apc),
      ]
      items.append(.object(members))
    }
    return .array(items)
  }

  static func selectionJSON(_ r: TrendResult) -> JSON {
    guard let sel = r.joinpointFit?.selection else { return .null }
    var tests: [JSON] = []
    for t in sel.tests {
      let members: [(String, JSON)] = [
        ("null", .int(t.nullJoinpoints)), ("alternative", .int(t.alternativeJoinpoints)),
        ("p_value", .num(t.pValue)), ("level", .num(t.level)), ("rejected", .bool(t.rejected)),
      ]
      tests.append(.object(members))
    }
    let members: [(String, JSON)] = [
      ("method", .string(String(describing: sel.method))), ("max_joinpoints", .int(sel.maxJoinpoints)),
      ("chosen", .int(sel.chosen)), ("tests", .array(tests)),
    ]
    return .object(members)
  }
}

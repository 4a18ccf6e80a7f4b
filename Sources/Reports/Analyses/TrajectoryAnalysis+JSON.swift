import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension TrajectoryAnalysis {
  /// What the biases in JSON's `series` are.
  public static let biasScaleWords =
    "factor: exp(b), what the series states over the level (1 is no bias; 2 states twice the level), posterior median and central interval at level"

  /// The JSON document: `quantity`, `unit`, `from`, `to`, `last_observed`, `level`,
  /// `settings` (seed, chains, warmup, draws, reference); `years` (per year: `year`,
  /// `median`, `lo50`, `hi50`, `lo90`, `hi90`, and `statements`, `projected`); `bias_scale`
  /// (what the biases are) and `series` (per series: `series`, `bias_median`, `bias_low`,
  /// `bias_high` as factors exp(b) at `level`, `reference`, `relative_median`, `relative_low`,
  /// `relative_high` — what it states over its yardstick, the reference series or else the
  /// median of the other series, as factors at `level` (1 for the reference and a lone series)
  /// —, `flag_probability` and `flagged` (see `TrajectorySeriesBias.flagged`), `verdict`
  /// (`flagged`, `in_line`, `uncertain`, `reference` or `alone`: `TrajectorySeriesBias.Verdict`),
  /// `statements`); `statements` (per
  /// statement: `id`, `line`, `year`, `series`, `kind` — `point`, `lower`, `upper` or
  /// `interval` —, `reading`, `value` (the centre it is read at, natural scale), `low`, `high` (the ends it
  /// states: a range's, a point's value at both, a bound's number at its end), `sigma` (log
  /// scale), `outlier_probability`, `fitted` — the posterior median of what it states, natural
  /// scale — and `outlier`); `left_out` (`id`, `line`, `reason`); `hyperparameters` (`tau`,
  /// `sigma_b`, `omega`: median, low, high at `level`); `diagnostics` (`max_rhat`,
  /// `min_bulk_ess`, `min_tail_ess`, `divergences`, `max_treedepth_hits`, `warnings`, …);
  /// `priors` (every prior value); `consensus` (with `--year`: that year's `median`, `lo50`,
  /// `hi50`, `lo90`, `hi90`, and `low`, `high` at `level`); `prior_sensitivity` (`prior`,
  /// `factor`, `scale`, `year`, `median`, `lo90`, `hi90`, `max_rhat`, `divergences`).
  public static func json(_ r: TrajectoryReport) -> JSON {
    let res = r.result
    let data = r.input.data
    let counts = r.input.statementsPerYear
    func summary(_ s: PosteriorSummary) -> JSON {
      .object([("median", .num(s.median)), ("low", .num(s.low)), ("high", .num(s.high))])
    }
    var members: [(String, JSON)] = [
      ("quantity", .string(r.input.quantity)), ("unit", .string(r.input.unit)),
      ("from", .int(data.years.first ?? 0)), ("to", .int(data.years.last ?? 0)),
      ("last_observed", .int(r.input.lastObserved)), ("level", .num(res.level)),
      (
        "settings",
        .object([
          ("seed", Int(exactly: r.options.seed).map { JSON.int($0) } ?? .string(String(r.options.seed))),
          ("chains", .int(r.options.chains)),
          ("warmup", .int(r.options.warmup)), ("draws", .int(r.options.draws)),
          ("reference", .str(r.settings.reference)),
        ])
      ),
    ]
    members.append(
      (
        "years",
        .array(
          res.years.enumerated().map { k, y in
            .object([
              ("year", .int(y.year)), ("median", .num(y.level.median)), ("lo50", .num(y.level.q25)),
              ("hi50", .num(y.level.q75)), ("lo90", .num(y.level.q05)), ("hi90", .num(y.level.q95)),
              ("statements", .int(counts.indices.contains(k) ? counts[k] : 0)),
              ("projected", .bool(r.isProjected(y.year))),
            ])
          })
      ))
    members.append(("bias_scale", .string(biasScaleWords)))
    members.append(
      (
        "series",
        .array(
          res.biases.enumerated().map { k, b in
            .object([
              ("series", .string(b.series)), ("bias_median", .num(b.factor.median)), ("bias_low", .num(b.factor.low)),
              ("bias_high", .num(b.factor.high)), ("reference", .bool(b.isReference)),
              ("relative_median", .num(exp(b.logContrast.median))), ("relative_low", .num(exp(b.logContrast.low))),
              ("relative_high", .num(exp(b.logContrast.high))),
              ("flag_probability", .num(b.flagProbability)), ("flagged", .bool(b.flagged)),
              ("verdict", .string(b.verdict.rawValue)),
              ("statements", .int(data.statements.filter { $0.series == k }.count)),
            ])
          })
      ))
    members.append(("statements", .array(r.input.sources.indices.map { statementJSON(r, $0) })))
    members.append(
      (
        "left_out",
        .array(
          r.input.leftOut.map {
            .object([("id", .string($0.id)), ("line", .int($0.location.line)), ("reason", .string($0.reason))])
          })
      ))
    members.append(
      (
        "hyperparameters",
        .object([("tau", summary(res.tau)), ("sigma_b", summary(res.sigmaB)), ("omega", summary(res.omega))])
      ))
    let d = res.diagnostics
    members.append(
      (
        "diagnostics",
        .object([
          ("max_rhat", .num(d.maxRHat)), ("min_bulk_ess", .num(d.minBulkESS)), ("min_tail_ess", .num(d.minTailESS)),
          ("divergences", .int(d.divergences)), ("max_treedepth_hits", .int(d.maxTreeDepthHits)),
          ("step_sizes", .array(d.stepSizes.map { .num($0) })), ("leapfrog_steps", .int(d.leapfrogSteps)),
          ("warnings", .array(res.warnings.map { .string($0) })),
        ])
      ))
    let p = data.priors
    members.append(
      (
        "priors",
        .object([
          ("level_center", .num(p.levelCenter)), ("level_scale", .num(p.levelScale)),
          ("smoothness_scale", .num(p.smoothnessScale)), ("bias_scale", .num(p.biasScale)),
          ("error_scale", .num(p.errorScale)), ("outlier_probability", .num(p.outlierProbability)),
          ("outlier_scale", .num(p.outlierScale)),
        ])
      ))
    if let c = r.consensus {
      members.append(
        (
          "consensus",
          .object([
            ("year", .int(c.year)), ("projected", .bool(r.isProjected(c.year))), ("median", .num(c.level.median)),
            ("lo50", .num(c.level.q25)), ("hi50", .num(c.level.q75)), ("lo90", .num(c.level.q05)),
            ("hi90", .num(c.level.q95)), ("level", .num(res.level)), ("low", .num(c.level.low)),
            ("high", .num(c.level.high)),
          ])
        ))
    }
    members.append(
      (
        "prior_sensitivity",
        .array(
          r.sensitivity.map {
            .object([
              ("prior", .string($0.prior)), ("factor", .num($0.factor)), ("scale", .num($0.scale)),
              ("year", .int($0.year)), ("median", .num($0.median)), ("lo90", .num($0.lo90)), ("hi90", .num($0.hi90)),
              ("max_rhat", .num($0.maxRHat)), ("divergences", .int($0.divergences)),
            ])
          })
      ))
    return .object(members)
  }

  /// The `k`-th statement's JSON object.
  static func statementJSON(_ r: TrajectoryReport, _ k: Int) -> JSON {
    let s = r.input.sources[k]
    let t = r.input.data.statements[k]
    let fit = r.result.statements.indices.contains(k) ? r.result.statements[k] : nil
    return .object([
      ("id", .string(s.id)), ("line", .int(s.location.line)), ("year", .int(s.year)), ("series", .string(s.series)),
      ("kind", .string(kindName(t.kind))), ("reading", .string(s.reading.rawValue)), ("value", .num(s.center)),
      ("low", .num(s.stated.low)), ("high", .num(s.stated.high)), ("sigma", .num(t.sigma)),
      ("outlier_probability", .num(fit?.outlierProbability)),
      ("fitted", .num(fit.map { exp($0.fittedLogMedian) })),
      ("outlier", .bool((fit?.outlierProbability ?? 0) > outlierThreshold)),
    ])
  }

  /// The observation kind's name in the outputs.
  public static func kindName(_ k: TrajectoryObservationKind) -> String {
    switch k {
    case .point: return "point"
    case .lower: return "lower"
    case .upper: return "upper"
    case .interval: return "interval"
    }
  }
}

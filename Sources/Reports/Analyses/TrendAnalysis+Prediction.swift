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

/// Prediction intervals of the overdispersed count models, the dispersion of an annualised
/// count, a span too short for its model, and the model choice near its threshold (issue #29).
extension TrendAnalysis {
  /// The band around a linear predictor under a count model: Wald confidence band and, for the
  /// negative binomial and quasi-Poisson, the prediction interval of a new count from its
  /// predictive distribution (``CountPrediction``: the count distribution mixed over the
  /// uncertainty of η̂ and of θ or φ — for the negative binomial fitted year by year, θ
  /// integrated by its likelihood over `thetaNodes`, each node's fit giving η̂ and se at the
  /// design row `row`), its integer ends divided by `per` (a count over several years shown a
  /// year). The Poisson keeps the log-scale normal band exp(η̂ ± q·√(se² + 1/μ̂)): by
  /// `scripts/trend-calibration --model poisson` it covers 95.0% of next-year counts, 2.85%
  /// below and 2.15% above. `predictive` false (a fit that did not converge: no interval is
  /// shown; a span's fit) skips the mixture.
  static func countBand(
    model: TrendModel, fit: ModelFit, eta: Double, standardError se: Double, critical: Double, per: Double = 1,
    predictive: Bool = true, thetaNodes: [ThetaIntegration.Node] = [], row: [Double] = []
  ) -> TrendBand {
    let theta = model == .negbin ? fit.theta ?? .infinity : nil
    let variance = TrendBand.logCountVariance(mean: exp(eta), dispersion: fit.dispersion, theta: theta)
    var band = TrendBand(
      eta: eta - log(per), standardError: se, critical: critical, observationVariance: variance, logScale: true)
    guard predictive else { return band }
    let prediction: CountPrediction?
    if model == .negbin && !thetaNodes.isEmpty {
      prediction = CountPrediction(
        components: thetaNodes.compactMap { node in
          (try? node.fit.linearPredictor(row)).map {
            CountPrediction.Component(
              eta: $0.estimate, standardError: $0.standardError, theta: node.theta, weight: node.weight)
          }
        })
    } else {
      prediction = predictionSpread(model: model, fit: fit).map {
        CountPrediction(eta: eta, standardError: se, spread: $0)
      }
    }
    guard let pi = prediction?.interval(level: fit.level) else { return band }
    band.predictionLow = pi.low / per
    band.predictionHigh = pi.high / per
    return band
  }

  /// The θ grid of a negative binomial series fitted year by year (``ThetaIntegration``), for
  /// its prediction intervals; empty when it cannot be built (the normal approximation of
  /// log θ̂ is used then).
  static func thetaNodes(rows: [Row], level: Double) -> [ThetaIntegration.Node] {
    guard let design = try? Matrix(columns: [Array(repeating: 1, count: rows.count), rows.map(\.time)]) else {
      return []
    }
    return ThetaIntegration.nodes(
      design: design, counts: rows.map(\.count), names: ["(Intercept)", "year"], offset: rows.map { log($0.exposure) },
      level: level)
  }

  /// The count distribution of a model's predictive interval; nil for the Poisson (which keeps
  /// its band) and the least-squares models.
  static func predictionSpread(model: TrendModel, fit: ModelFit) -> CountPrediction.Spread? {
    switch model {
    case .negbin:
      guard let theta = fit.theta else { return nil }
      return .negativeBinomial(theta: theta, logThetaSE: (fit.thetaStandardError ?? 0) / theta)
    case .quasipoisson:
      return .quasiPoisson(dispersion: fit.dispersion, df: fit.dfResidual)
    default: return nil
    }
  }

  /// The variance-to-mean ratio of a count with fitted mean `mean` under a count model:
  /// 1 + μ/θ for the negative binomial, φ for the quasi-Poisson (at least 1), 1 otherwise —
  /// the factor by which an annualised count's exact Poisson interval is widened
  /// (``Statistics/Garwood/interval(count:level:dispersion:)``).
  static func countDispersion(model: TrendModel, fit: ModelFit, mean: Double) -> Double {
    switch model {
    case .negbin:
      guard let theta = fit.theta, theta.isFinite, theta > 0, mean.isFinite, mean > 0 else { return 1 }
      return 1 + mean / theta
    case .quasipoisson: return fit.dispersion.isFinite ? max(1, fit.dispersion) : 1
    default: return 1
    }
  }

  /// The span's fit under `model`. A span the model cannot fit — the negative binomial or the
  /// quasi-Poisson over fewer than 3 periods (θ or φ needs a residual degree of freedom), or a
  /// fit that fails or does not converge — borrows the spread of the series' fit `whole`: the
  /// negative binomial with θ fixed at the series' θ̂, the Poisson with the series' dispersion
  /// φ̂. A warning says so; when even that fails, the span is left out with a warning and
  /// the rest of the trend stands.
  static func spanFit(
    quantity: String, rows: [Row], model: TrendModel, whole: ModelFit, level: Double, span: ClosedRange<Int>
  ) -> (fit: TrendResult?, warnings: [String]) {
    let name = "span \(span.lowerBound)–\(span.upperBound)"
    let reason: String
    switch spanAttempt(
      name: name, rows: rows, model: model,
      {
        () throws(AnalysisError) in
        try fitSeries(quantity: quantity, rows: rows, model: model, level: level, through: nil, predictions: false)
      })
    {
    case .done(let fit, let warnings): return (fit, warnings)
    case .fallback(let why): reason = why
    }
    let borrowed: ModelFit
    let what: String
    do throws(AnalysisError) {
      let design: Matrix
      do {
        design = try Matrix(columns: [Array(repeating: 1, count: rows.count), rows.map(\.time)])
      } catch {
        throw filesError(rows, "\(quantity): \(error.description)")
      }
      let counts = rows.map(\.count)
      let offset = rows.map { log($0.exposure) }
      do throws(StatisticsError) {
        if model == .negbin, let theta = whole.theta, theta.isFinite {
          borrowed = try NegativeBinomial.fit(
            design: design, counts: counts, names: ["(Intercept)", "year"], offset: offset, theta: theta,
            level: level)
          what = "the negative binomial with θ fixed at the series' \(NumberFormat.human(theta, significant: 4))"
        } else {
          let phi = model == .quasipoisson && whole.dispersion.isFinite ? max(1, whole.dispersion) : 1
          var fit = try PoissonRegression.fit(
            design: design, counts: counts, names: ["(Intercept)", "year"], offset: offset, level: level)
          if phi != 1 { fit = fit.withKnownDispersion(phi) }
          borrowed = fit
          what =
            phi != 1
            ? "the Poisson with the series' dispersion \(NumberFormat.human(phi, significant: 3))"
            : "the Poisson"
        }
      } catch {
        throw filesError(rows, "\(quantity): \(error.description)")
      }
      let result = try fitSeries(
        quantity: quantity, rows: rows, model: model, level: level, through: nil, prefitted: borrowed,
        predictions: false)
      return (
        result,
        ["\(name): \(reason): fitted instead as \(what)"] + result.warnings.map { "\(name): \($0)" }
      )
    } catch {
      return (nil, ["\(name): \(reason), and the fallback failed too (\(error.message)): no growth over the span"])
    }
  }

  /// ``spanFit(quantity:rows:model:whole:level:span:)`` for a composite link series: a span the
  /// negative binomial or quasi-Poisson cannot fit is fitted as the Poisson with the series'
  /// dispersion φ̂ (its Pearson dispersion under the negative binomial), with a warning.
  static func compositeSpanFit(
    quantity: String, rows: [Row], whole: TrendResult, level: Double, span: ClosedRange<Int>
  ) -> (fit: TrendResult?, warnings: [String]) {
    let name = "span \(span.lowerBound)–\(span.upperBound)"
    let model = whole.model
    let reason: String
    switch spanAttempt(
      name: name, rows: rows, model: model,
      {
        () throws(AnalysisError) in
        try fitComposite(quantity: quantity, rows: rows, checks: [], model: model, level: level, through: nil)
      })
    {
    case .done(let fit, let warnings): return (fit, warnings)
    case .fallback(let why): reason = why
    }
    let source = model == .quasipoisson ? whole.fit.dispersion : whole.overdispersion?.pearsonDispersion ?? 1
    let phi = source.isFinite ? max(1, source) : 1
    do throws(AnalysisError) {
      var fit = try fitComposite(
        quantity: quantity, rows: rows, checks: [], model: .poisson, level: level, through: nil)
      if phi != 1 {
        fit.fit = fit.fit.withKnownDispersion(phi)
        (fit.growthFactor, fit.annualPercentChange, fit.doublingTime) = growthIntervals(fit.fit, multiplicative: true)
      }
      let what =
        phi != 1
        ? "the Poisson with the series' \(model == .negbin ? "Pearson " : "")dispersion \(NumberFormat.human(phi, significant: 3))"
        : "the Poisson"
      return (fit, ["\(name): \(reason): fitted instead as \(what)"] + fit.warnings.map { "\(name): \($0)" })
    } catch {
      return (nil, ["\(name): \(reason), and the fallback failed too (\(error.message)): no growth over the span"])
    }
  }

  /// How a span's own fit under `model` ended (``spanFit(quantity:rows:model:whole:level:span:)``
  /// and ``compositeSpanFit(quantity:rows:whole:level:span:)``): done (fitted, or left out when
  /// a model without a spread parameter fails), or a reason to fall back on the series' spread.
  enum SpanAttempt {
    case done(TrendResult?, [String])
    case fallback(String)
  }

  /// The first step of both span fits: the negative binomial or quasi-Poisson over fewer than 3
  /// periods falls back at once (θ or φ needs a residual degree of freedom); otherwise `fit`
  /// runs, and a spread model that fails or does not converge falls back with the reason.
  static func spanAttempt(
    name: String, rows: [Row], model: TrendModel, _ fit: () throws(AnalysisError) -> TrendResult
  ) -> SpanAttempt {
    let spread = model == .negbin || model == .quasipoisson
    if spread && rows.count < 3 {
      return .fallback(
        "\(rows.count) periods are too few to estimate the \(model.rawValue) model's \(model == .negbin ? "θ" : "dispersion") (it needs 3)"
      )
    }
    do throws(AnalysisError) {
      let result = try fit()
      if !spread || result.fit.intervalsUsable { return .done(result, result.warnings.map { "\(name): \($0)" }) }
      return .fallback("the \(model.rawValue) fit did not converge (\(result.warnings.joined(separator: "; ")))")
    } catch {
      guard spread else { return .done(nil, ["\(name): left out: \(error.message)"]) }
      return .fallback("the \(model.rawValue) fit failed (\(error.message))")
    }
  }

  /// The sentence added to the default model choice when the likelihood-ratio test's p lies in
  /// ``nearThreshold`` (0.01 to 0.10, around the 0.05 that decides): the choice rests on a
  /// close call, so both fits' annual percent changes are given. Nil outside the band or when a
  /// fit is missing.
  static func closeCallSentence(p: Double?, poisson: ModelFit?, negbin: ModelFit?, level: Double) -> String? {
    guard let p, nearThreshold.contains(p), let poisson, let negbin, poisson.parameters.count == 2,
      negbin.parameters.count == 2
    else { return nil }
    func apc(_ f: ModelFit) -> String {
      let s = f.parameters[1]
      let text = { (x: Double) in NumberFormat.human(100 * (exp(x) - 1), significant: 3) + "%" }
      guard f.intervalsUsable else { return "\(text(s.estimate)) a year (did not converge)" }
      return "\(text(s.estimate)) a year (\(pct(level)) CI \(text(s.ciLow)) to \(text(s.ciHigh)))"
    }
    return
      "The test is close to its 0.05 threshold (p within 0.01–0.10), so the choice rests on a close call: Poisson \(apc(poisson)), negative binomial \(apc(negbin))."
  }

  /// The band of the likelihood-ratio test's p-value within which the default model choice is
  /// called close and both fits are shown.
  public static let nearThreshold: ClosedRange<Double> = 0.01...0.10
}

extension AnalysisError {
  /// The message without its location (for a warning inside a trend's output).
  fileprivate var message: String {
    switch self {
    case .located(_, let m), .file(_, let m), .analysis(_, let m): return m
    default: return description
    }
  }
}

/// How the between-study variance τ² of a random-effects meta-analysis is estimated.
///
/// The raw values are the names metafor's `rma(method = …)` uses, which are also the
/// `--method` values of `reconcile meta`.
public enum TauSquaredEstimator: String, Sendable, CaseIterable, Hashable {
  /// Fixed (common) effect: τ² = 0 by assumption, inverse-variance weights 1/vᵢ.
  case FE
  /// DerSimonian & Laird (1986), "Meta-analysis in clinical trials", *Controlled Clinical
  /// Trials* 7, 177–188: the method of moments on Cochran's Q.
  case DL
  /// Hedges (1983) / Hedges & Olkin (1985): the method of moments on unweighted residuals.
  case HE
  /// Hunter & Schmidt (2004), *Methods of Meta-Analysis*: (Q − k)/Σwᵢ.
  case HS
  /// Sidik & Jonkman (2005), "Simple heterogeneity variance estimation for meta-analysis",
  /// *JRSS C* 54, 367–384, one step from the starting value Σ(yᵢ − ȳ)²/k.
  case SJ
  /// Maximum likelihood by Fisher scoring (Hardy & Thompson 1996; Viechtbauer 2005).
  case ML
  /// Restricted maximum likelihood by Fisher scoring (Raudenbush 2009; Viechtbauer 2005).
  case REML
  /// Empirical Bayes, Morris (1983), "Parametric empirical Bayes inference", *JASA* 78, 47–55
  /// (equivalent to Paule–Mandel at convergence), by Fisher-scoring-like updates.
  case EB
  /// Paule & Mandel (1982), "Consensus values and weighting factors", *J. Res. NBS* 87,
  /// 377–385: the root of the generalised Q statistic Q(τ²) = k − 1.
  case PM

  /// Whether the estimator iterates (and so may fail to converge).
  public var isIterative: Bool {
    switch self {
    case .ML, .REML, .EB, .PM: return true
    default: return false
    }
  }
}

/// The reference distribution for the test of, and the intervals around, the pooled effect.
public enum MetaTest: String, Sendable, CaseIterable, Hashable {
  /// Wald test and intervals from the standard normal distribution.
  case z
  /// Knapp & Hartung (2003), "Improved tests for a random effects meta-regression with a single
  /// covariate", *Statistics in Medicine* 22, 2693–2710: the variance of μ̂ is multiplied by
  /// the weighted residual mean square Σwᵢ(yᵢ − μ̂)²/(k − 1) (not truncated at 1), and the
  /// test, confidence and prediction intervals use t with k − 1 degrees of freedom.
  case knha
}

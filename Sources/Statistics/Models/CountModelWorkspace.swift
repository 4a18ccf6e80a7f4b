import Numerics

/// Reusable buffers for a batch of count-model fits (Poisson, negative binomial) on one
/// thread: the weighted least-squares solver's and the IRLS iterations' arrays, so that the
/// iterations of a fit allocate nothing once the buffers have grown. The results are the
/// same as with fresh buffers. A value type; give each thread its own.
public struct CountModelWorkspace: Sendable {
  /// The weighted least-squares solver's buffers.
  public var solver = WeightedLeastSquaresWorkspace()
  /// The arrays of the fit being reported.
  var current = IRLSBuffers()
  /// The arrays of a trial refit (swapped with `current` when it is accepted).
  var trial = IRLSBuffers()
  /// log yᵢ! of the counts being fitted.
  var logFactorials: [Double] = []
  /// The small-count table of the negative binomial's θ iteration.
  var smallCounts = NegativeBinomial.SmallCounts()

  /// Creates an empty workspace; buffers are sized on first use.
  public init() {}
}

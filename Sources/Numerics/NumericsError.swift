/// Errors thrown by the `Numerics` module.
///
/// Every routine that accepts caller-supplied data validates it and throws one of
/// these cases instead of trapping.
public enum NumericsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Operand shapes or lengths do not agree (e.g. `response.count != design.rows`).
  case dimensionMismatch(String)
  /// A LAPACK routine returned a nonzero `info` that is not a mathematical
  /// condition reported separately (negative `info` means an illegal argument).
  case lapack(routine: String, info: Int)
  /// A matrix is singular or not positive definite to working precision.
  case singular(String)
  /// An argument is out of its domain (non-finite data, negative weight, empty input, ...).
  case invalidArgument(String)

  /// A one-line human readable description of the error.
  public var description: String {
    switch self {
    case .dimensionMismatch(let message): return "dimension mismatch: \(message)"
    case .lapack(let routine, let info): return "LAPACK \(routine) failed with info = \(info)"
    case .singular(let message): return "singular matrix: \(message)"
    case .invalidArgument(let message): return "invalid argument: \(message)"
    }
  }
}

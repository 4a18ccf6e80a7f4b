/// Output that could not be written (exit code 73).
public struct OutputError: Error, Sendable, CustomStringConvertible {
  /// The path that could not be written.
  public var path: String
  /// Why.
  public var reason: String
  /// Creates an error.
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
  public var description: String { "\(path): error: cannot write output: \(reason)" }
}

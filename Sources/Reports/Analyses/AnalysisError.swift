import Figures

/// Errors of the analyses (exit 65: the data do not allow the analysis asked for).
public enum AnalysisError: Error, Sendable, CustomStringConvertible {
  /// A quantity named on the command line is not in the files.
  case unknownQuantity(String, available: [String])
  /// The analysis of a quantity failed.
  case analysis(String, String)
  /// A column named on the command line is missing.
  case unknownColumn(String, path: String, available: [String])
  /// A formula that does not parse, with the 1-based column where it went wrong.
  case formula(String, String, column: Int)
  /// A failure a row of a file caused (or, without a line, the file as a whole):
  /// printed compiler-style, `PATH:LINE[:COLUMN]: error: MESSAGE`.
  case located(SourceLocation, String)
  /// A failure of a file as a whole, when no row is to blame: `PATH: error: MESSAGE`.
  case file(String, String)
  /// An option that does not apply to the input, found once the input is read: a usage
  /// error (exit 64), printed `reconcile: error: MESSAGE`.
  case usage(String)

  public var description: String {
    switch self {
    case .unknownQuantity(let q, let available):
      return "unknown quantity '\(q)'; \(NearestNames.suggestion(for: q, among: available, kind: "quantities"))"
    case .analysis(let q, let m): return "\(q): \(m)"
    case .formula(let text, let message, let column):
      let caret = String(repeating: " ", count: max(0, column - 1)) + "^"
      return "<formula>:1:\(column): error: \(message)\n  \(text)\n  \(caret)"
    case .unknownColumn(let c, let path, let available):
      return "\(path):1: error: no column '\(c)'; the columns are: \(available.joined(separator: ", "))"
    case .located(let location, let message):
      return "\(location): error: \(message)"
    case .file(let path, let message):
      return "\(path): error: \(message)"
    case .usage(let message): return message
    }
  }
}

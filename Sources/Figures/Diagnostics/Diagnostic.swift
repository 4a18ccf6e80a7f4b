/// A place in an input file: a path, a 1-based physical line and, where it applies, a
/// 1-based character column.
///
/// Lines count every physical line of the file, the header included; a quoted field that
/// spans lines counts its embedded newlines. Columns count Unicode scalars (not bytes) from
/// the start of the line; a byte-order mark is not counted.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
  /// The file's path, as given by the caller.
  public var path: String
  /// The 1-based physical line.
  public var line: Int
  /// The 1-based character column, or `nil` when the location is a whole line or file.
  public var column: Int?

  /// Creates a location.
  public init(path: String, line: Int, column: Int? = nil) {
    self.path = path
    self.line = line
    self.column = column
  }

  /// `PATH:LINE:COLUMN`, or `PATH:LINE` when there is no column.
  public var description: String {
    if let column { return "\(path):\(line):\(column)" }
    return "\(path):\(line)"
  }
}

/// How serious a diagnostic is.
public enum Severity: String, Sendable {
  /// The input cannot be used; the run fails with exit code 65.
  case error
  /// The input is usable but suspicious; the run goes on.
  case warning
}

/// One compiler-style message about an input file.
///
/// Its `description` is the line the CLI prints on stderr:
/// `PATH:LINE:COLUMN: error: MESSAGE` (or `warning:`; `:COLUMN` left out when `nil`).
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
  /// Error or warning.
  public var severity: Severity
  /// Where the problem is.
  public var location: SourceLocation
  /// What is wrong, in one line, without a trailing period.
  public var message: String

  /// Creates a diagnostic.
  public init(severity: Severity, location: SourceLocation, message: String) {
    self.severity = severity
    self.location = location
    self.message = message
  }

  /// An error at `location`.
  public static func error(_ message: String, at location: SourceLocation) -> Diagnostic {
    Diagnostic(severity: .error, location: location, message: message)
  }

  /// A warning at `location`.
  public static func warning(_ message: String, at location: SourceLocation) -> Diagnostic {
    Diagnostic(severity: .warning, location: location, message: message)
  }

  /// `PATH:LINE:COLUMN: SEVERITY: MESSAGE`.
  public var description: String {
    "\(location): \(severity.rawValue): \(message)"
  }
}

/// Why an input file could not be read.
///
/// Each case maps to one of the exit codes of the command-line contract (`exitCode`).
public enum FiguresError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No file exists at `path` (exit code 66).
  case fileNotFound(path: String)
  /// The file exists but cannot be read: a directory, no permission, an I/O error
  /// (exit code 66).
  case unreadable(path: String, reason: String)
  /// The file was read but its contents are invalid (exit code 65). Holds the first errors
  /// found, in file order (at most ``DiagnosticCollector/defaultLimit`` from a reader), and
  /// how many more there were.
  case invalid([Diagnostic], omitted: Int = 0)

  /// The process exit code the CLI should use: 66 for a missing or unreadable file,
  /// 65 for invalid data.
  public var exitCode: Int32 {
    switch self {
    case .fileNotFound, .unreadable: return 66
    case .invalid: return 65
    }
  }

  /// The diagnostics held by `invalid`; empty for the file-level cases, which have no line
  /// (print `description` for those).
  public var diagnostics: [Diagnostic] {
    switch self {
    case .invalid(let list, _): return list
    case .fileNotFound, .unreadable: return []
    }
  }

  /// How many diagnostics of `invalid` were found but not kept (see ``DiagnosticCollector``).
  public var omittedDiagnostics: Int {
    switch self {
    case .invalid(_, let omitted): return omitted
    case .fileNotFound, .unreadable: return 0
    }
  }

  /// Compiler-style text, one line per diagnostic.
  public var description: String {
    switch self {
    case .fileNotFound(let path):
      return "\(path): error: no such file"
    case .unreadable(let path, let reason):
      return "\(path): error: cannot read file: \(reason)"
    case .invalid(let list, let omitted):
      return
        (list.map(\.description)
        + (omitted > 0 ? ["\(omitted) more errors not shown (\(list.count + omitted) in all)"] : []))
        .joined(separator: "\n")
    }
  }
}

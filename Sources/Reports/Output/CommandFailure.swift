import Figures

/// How a failed command is told: the lines it prints on standard error and the exit code of
/// the command-line contract (64 usage, 65 input data, 66 missing input, 70 internal error, 73 output
/// not writable; a comparison error carries its own, 65 or 66).
public struct CommandFailure: Sendable, Hashable {
  /// The lines for standard error, without line ends; control characters are escaped when
  /// printed (``TerminalText``), a diagnostic's line ends already here.
  public var lines: [String]
  /// The exit code.
  public var exitCode: Int32

  /// Creates a failure.
  public init(lines: [String], exitCode: Int32) {
    self.lines = lines
    self.exitCode = exitCode
  }

  /// The failure `error` stands for: the project's errors (``FiguresError``, ``AnalysisError``,
  /// ``OutputError``, ``ComparisonError``, ``ClaimsCheckError``) with their diagnostics and
  /// codes; any other error is an internal error (70), a bug.
  public init(_ error: any Error) {
    switch error {
    case let e as FiguresError:
      if case .invalid(let diagnostics, let omitted) = e {
        self.init(lines: Self.lines(diagnostics, omitted: omitted), exitCode: e.exitCode)
      } else {
        self.init(lines: [e.description], exitCode: e.exitCode)
      }
    case let e as AnalysisError:
      let text = e.description
      let code: Int32 = if case .usage = e { 64 } else { 65 }
      self.init(lines: [text.contains(": error: ") ? text : "reconcile: error: \(text)"], exitCode: code)
    case let e as OutputError:
      self.init(lines: [e.description], exitCode: StandardOutput.cannotWriteStatus)
    case let e as ComparisonError:
      self.init(lines: [e.description], exitCode: e.exitCode)
    case let e as ClaimsCheckError:
      self.init(lines: Self.lines(e.diagnostics), exitCode: 65)
    default:
      self.init(lines: ["reconcile: internal error: \(error)"], exitCode: 70)
    }
  }

  /// One line per diagnostic, compiler style (`PATH:LINE:COLUMN: error: MESSAGE`, a line end
  /// in its text escaped), at most ``DiagnosticCollector/defaultLimit`` of them (a file in
  /// the wrong format can produce thousands), then how many more there were (`omitted`
  /// counts those not even kept).
  public static func lines(_ diagnostics: [Diagnostic], omitted: Int = 0) -> [String] {
    let shown = DiagnosticCollector.defaultLimit
    var lines = diagnostics.prefix(shown).map { TerminalText.escape($0.description, keepingNewlines: false) }
    let all = diagnostics.count + max(0, omitted)
    if all > shown {
      lines.append("reconcile: \(all - min(shown, diagnostics.count)) more errors not shown (\(all) in all)")
    }
    return lines
  }
}

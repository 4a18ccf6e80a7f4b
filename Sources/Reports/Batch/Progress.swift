import Figures

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A one-line progress display for long batches: `[3/120] datasets/foo.csv`, rewritten in place.
///
/// It shows nothing unless it is enabled (the CLI enables it only when stderr is a terminal and
/// `--quiet` is not given) and the batch has been running for at least ``delay``: short runs
/// and logs stay clean. Each line starts with `\r` and ends with the erase-to-end-of-line
/// escape `ESC[K`; ``finish()`` erases the line if anything was shown.
public struct BatchProgress: Sendable {
  /// How long a batch runs before progress appears.
  public static let delay: Duration = .seconds(1)

  private let total: Int
  private let enabled: Bool
  private let start: ContinuousClock.Instant
  private let write: @Sendable (String) -> Void
  private var shown = false

  /// A display for `total` steps that writes with `write` (e.g. to stderr) when `enabled`.
  public init(total: Int, enabled: Bool, write: @escaping @Sendable (String) -> Void) {
    self.total = total
    self.enabled = enabled
    self.start = ContinuousClock.now
    self.write = write
  }

  /// The display of the command line: on standard error, enabled when that is a terminal
  /// and the run is not `quiet`.
  public static func onStandardError(total: Int, quiet: Bool) -> BatchProgress {
    BatchProgress(total: total, enabled: !quiet && isatty(2) != 0) { writeStandardError($0) }
  }

  /// The text of step `step` (1-based): `[3/120] label`, the label (a file name) shown
  /// through ``TerminalText`` so that nothing in it acts on the terminal.
  public static func line(step: Int, total: Int, label: String) -> String {
    "[\(step)/\(total)] \(TerminalText.escape(label, keepingNewlines: false))"
  }

  /// Reports that step `step` (1-based) is starting on `label`.
  public mutating func step(_ step: Int, _ label: String) {
    guard enabled, ContinuousClock.now - start >= BatchProgress.delay else { return }
    shown = true
    write("\r" + BatchProgress.line(step: step, total: total, label: label) + "\u{1B}[K")
  }

  /// Erases the progress line, if one was shown.
  public mutating func finish() {
    guard shown else { return }
    shown = false
    write("\r\u{1B}[K")
  }
}

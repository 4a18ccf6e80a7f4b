import ArgumentParser
import Figures
import Numerics
import Reports

@main
struct Reconcile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reconcile",
    abstract: "Reconcile figures that disagree: ranges, trends and chart-ready CSV, every figure tied to its source.",
    discussion: """
      Input is a figures file: CSV with one figure per row (quantity, value or low/high or text, period, and provenance: source, published, document, quote, derived_from).

      Examples:
        reconcile validate datasets/*.csv
        reconcile ranges datasets/nk-in-china.csv
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile trajectory datasets/nk-in-china.csv --quantity nk_in_china
        reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
        reconcile report              # all of datasets/ into ./reconcile-report/

      Exit codes: 0 success, 1 differences found, 64 usage, 65 bad input data, 66 missing input, 70 internal error, 73 output not writable.
      """,
    version: "0.1.0",
    subcommands: [
      Validate.self, Ranges.self, Trend.self, TrajectoryCommand.self, Fit.self, DescribeCommand.self, Meta.self,
      Report.self, Compare.self,
      Check.self,
    ]
  )

  /// Entry point: limits BLAS to one thread (unless `OPENBLAS_NUM_THREADS` is set), then
  /// parses and runs the command.
  static func main() {
    BLASThreads.useOne()
    // After OpenBLAS's threads are gone and before any other starts: SIGINT, SIGTERM, SIGHUP
    // and SIGQUIT are taken by one thread that removes unfinished output first.
    Interruption.install()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      // ArgumentParser's messages quote the arguments (paths, values): shown with control
      // characters escaped, as every other message is. Help and version go out as they are.
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }
      let message = fullMessage(for: error)
      if !message.isEmpty { writeStandardError(TerminalText.escape(message) + "\n") }
      exit(withError: ExitCode(code.rawValue))  // the message is out: exits with the code alone
    }
  }
}

/// Exit codes of the contract not carried by an error (``CommandFailure`` maps those).
enum Exit { static let data: Int32 = 65 }

/// Prints a message on standard error, with a line end. Control, bidirectional and invisible
/// characters (which file names and quoted cells can carry) are shown escaped
/// (``TerminalText``), so nothing from the data acts on the terminal.
func printError(_ s: String) {
  let shown = TerminalText.escape(s)
  writeStandardError(shown.hasSuffix("\n") ? shown : shown + "\n")
}

/// Prints one diagnostic on one line: `PATH:LINE:COLUMN: error: MESSAGE`, with a line end in
/// its text shown escaped like the other control characters.
func printDiagnostic(_ d: Diagnostic) {
  printError(TerminalText.escape(d.description, keepingNewlines: false))
}

/// Prints diagnostics, at most 100 of them, then how many more there were (``CommandFailure/lines(_:omitted:)``).
func printDiagnostics(_ diagnostics: [Diagnostic], omitted: Int = 0) {
  for line in CommandFailure.lines(diagnostics, omitted: omitted) { printError(line) }
}

/// Runs `body`, turning the project's errors into diagnostics and exit codes (``CommandFailure``);
/// ArgumentParser's exit codes and usage errors pass through.
func guarded(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch  where error is ExitCode || error is ValidationError {
    throw error
  } catch {
    let failure = CommandFailure(error)
    for line in failure.lines { printError(line) }
    throw ExitCode(failure.exitCode)
  }
}

/// Expands folders to their `.csv` files (sorted by name) and reads every figures file,
/// reporting the diagnostics of all files before failing.
func loadFigures(_ paths: [String]) throws -> [FiguresFile] {
  try readEach(paths, read: FiguresReader.read(path:), warnings: \.warnings)
}

/// Reads every file of `paths` (folders expanded) with `read`, printing each file's warnings;
/// the diagnostics of all files are reported before failing.
func readEach<T>(
  _ paths: [String], read: (String) throws(FiguresError) -> T, warnings: (T) -> [Diagnostic]
) throws -> [T] {
  try Figures.readEach(
    try InputPaths.expand(paths), read: read, warnings: warnings, warning: { printDiagnostic($0) },
    report: { printDiagnostics($0.diagnostics, omitted: $0.omitted) })
}

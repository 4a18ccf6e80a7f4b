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
      Input is a figures file: CSV with one figure per row (quantity, value or low/high or text,
      period, and provenance: source, published, document, quote, derived_from).

      Examples:
        reconcile validate datasets/*.csv
        reconcile ranges datasets/nk-in-china.csv
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
        reconcile report              # all of datasets/ into ./reconcile-report/

      Exit codes: 0 success, 1 differences found, 64 usage, 65 bad input data,
      66 missing input, 70 internal error, 73 output not writable.
      """,
    version: "0.1.0",
    subcommands: [Validate.self, Ranges.self, Trend.self, Fit.self, DescribeCommand.self, Meta.self, Report.self, Compare.self, Check.self]
  )

  /// Entry point: limits BLAS to one thread (unless `OPENBLAS_NUM_THREADS` is set), then
  /// parses and runs the command.
  static func main() {
    BLASThreads.useOne()
    // After OpenBLAS's threads are gone and before any other starts: SIGINT, SIGTERM, SIGHUP
    // and SIGQUIT are taken by one thread that removes unfinished output first.
    Interruption.install()
    main(nil)
  }
}

/// Exit codes of the contract.
enum Exit {
  static let data: Int32 = 65
  static let noInput: Int32 = 66
  static let software: Int32 = 70
  static let cannotCreate: Int32 = 73
}

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

/// Prints diagnostics, at most 100 of them (a file in the wrong format can produce thousands).
func printDiagnostics(_ diagnostics: [Diagnostic], omitted: Int = 0) {
  let shown = DiagnosticCollector.defaultLimit
  for d in diagnostics.prefix(shown) { printDiagnostic(d) }
  let all = diagnostics.count + max(0, omitted)
  if all > shown {
    printError("reconcile: \(all - min(shown, diagnostics.count)) more errors not shown (\(all) in all)")
  }
}

/// Runs `body`, turning the project's errors into diagnostics and exit codes.
func guarded(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let e as FiguresError {
    switch e {
    case .invalid(let diagnostics, let omitted):
      printDiagnostics(diagnostics, omitted: omitted)
    default:
      printError(e.description)
    }
    throw ExitCode(e.exitCode)
  } catch let e as AnalysisError {
    let text = e.description
    printError(text.contains(": error: ") ? text : "reconcile: error: \(text)")
    throw ExitCode(Exit.data)
  } catch let e as OutputError {
    printError(e.description)
    throw ExitCode(Exit.cannotCreate)
  } catch let e as ExitCode {
    throw e
  } catch let e as ValidationError {
    throw e
  } catch {
    printError("reconcile: internal error: \(error)")
    throw ExitCode(Exit.software)
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

/// Writes CSV or JSON to standard output, exact (``StandardOutput/write(_:)-(String)``).
func emit(_ text: String) { StandardOutput.write(text) }

/// Writes a table or a summary line with control characters shown escaped
/// (``StandardOutput/writeShown(_:)``).
func emitShown(_ text: String) { StandardOutput.writeShown(text) }

/// Writes pieces of bytes to standard output, in order, as they are.
func emit(_ pieces: [[UInt8]]) { StandardOutput.write(pieces) }

import ArgumentParser
import Reports

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare a report folder with a baseline: tell when a computed figure moved.",
    discussion: """
      Every CSV and JSON file under the two folders is compared. CSV rows are matched by key
      (quantity, kind, id in ranges.csv; quantity, period in trend.csv; otherwise the columns
      that are not all numbers), JSON objects by member name and arrays of objects by their
      id, quantity, group, period or name member. Numbers are equal when
      |current - baseline| <= atol + rtol * |baseline|; text, booleans and null must match
      exactly. Missing or new files, rows, columns and members are differences. Other files
      (report.md, index.md, HTML) are derived views: when their text differs it is reported,
      marked informational, and does not fail the comparison.

      The diff goes to stdout, one line per difference, sorted by file, key and column:
        FILE  ROW-KEY  COLUMN  baseline → current  (relative change)
      then a summary line, e.g. "3 differences in 2 files; 14 files compared".

      Exit codes: 0 no differences, 1 differences beyond tolerance, 64 bad option,
      65 a malformed CSV or JSON file, 66 a folder is missing.

      Examples:
        reconcile compare Tests/Fixtures/baseline reconcile-report
        reconcile compare old/ new/ --rtol 1e-6 --atol 1e-12
      """)

  @Argument(help: "The folder of expected outputs.")
  var baselineDir: String
  @Argument(help: "The folder of outputs to check.")
  var currentDir: String
  @Option(name: .long, help: ArgumentHelp("Relative tolerance on numbers.", valueName: "x"))
  var rtol: Double = 1e-9
  @Option(name: .long, help: ArgumentHelp("Absolute tolerance on numbers.", valueName: "x"))
  var atol: Double = 0

  func validate() throws {
    _ = try tolerance(rtol: rtol, atol: atol)
  }

  func run() throws {
    try guarded {
      let result = try compareOutputs(
        baseline: baselineDir, current: currentDir, tolerance: try tolerance(rtol: rtol, atol: atol))
      emitShown(result.text)
      if result.hasDifferences { throw ExitCode(1) }
    }
  }
}

/// The tolerance of `--rtol` / `--atol`, or a usage error (exit code 64).
func tolerance(rtol: Double, atol: Double) throws -> Tolerance {
  guard let t = Tolerance(relative: rtol, absolute: atol) else {
    throw ValidationError("--rtol and --atol must be finite numbers, zero or more (got \(rtol), \(atol))")
  }
  return t
}

/// Compares two output folders, printing a comparison error compiler-style and exiting with
/// its code (66 missing folder or file, 65 malformed CSV or JSON).
func compareOutputs(
  baseline: String, current: String, tolerance: Tolerance, include: (String) -> Bool = { _ in true }
) throws -> ComparisonReport {
  do {
    return try OutputComparison.compare(
      baseline: baseline, current: current, tolerance: tolerance, include: include)
  } catch {
    // OutputComparison.compare throws ComparisonError only.
    printError(error.description)
    throw ExitCode(error.exitCode)
  }
}

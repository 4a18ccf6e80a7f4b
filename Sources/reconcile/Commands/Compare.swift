import ArgumentParser
import Reports

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare a report folder with a baseline: tell when a computed figure moved.",
    discussion: """
      Every CSV and JSON file under the two folders is compared. CSV rows are matched by key (quantity, kind, id in ranges.csv; quantity, period in trend.csv; otherwise the columns that are not all numbers), JSON objects by member name and arrays of objects by their id, quantity, group, period or name member. Numbers are equal when |current - baseline| <= atol + rtol * |baseline|; text, booleans and null must match exactly. Missing or new files, rows, columns and members are differences. Other files (report.md, index.md, HTML) are derived views: when their text differs it is reported, marked informational, and does not fail the comparison.

      The diff goes to stdout, one line per difference, sorted by file, key and column:
        FILE  ROW-KEY  COLUMN  baseline → current  (relative change)
      then a summary line, e.g. "3 differences in 2 files; 14 files compared".

      Exit codes: 0 no differences, 1 differences beyond tolerance, 64 bad option, 65 a malformed CSV or JSON file, 66 a folder is missing.

      Examples:
        reconcile compare Tests/Fixtures/baseline reconcile-report
        reconcile compare old/ new/ --rtol 1e-6 --atol 1e-12
      """)

  @Argument(help: "The folder of expected outputs.")
  var baselineDir: String
  @Argument(help: "The folder of outputs to check.")
  var currentDir: String
  @OptionGroup var tolerance: ToleranceOptions<CompareTolerance>

  func run() throws {
    try guarded {
      let result = try OutputComparison.compare(
        baseline: baselineDir, current: currentDir, tolerance: try tolerance.tolerance)
      StandardOutput.writeShown(result.text)
      if result.hasDifferences { throw ExitCode(1) }
    }
  }
}

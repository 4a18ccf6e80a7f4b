import ArgumentParser
import Figures
import FoundationEssentials
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Reports
import Statistics

struct Ranges: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Reconcile the ranges sources give for a quantity: envelope, intersection, conflicts, pooled views.",
    discussion: """
      Each range is read as the central interval of a lognormal at its `coverage` (default \(Figure.defaultCoverage));
      a point figure as right within a factor of 2; a verbal quantity ("tens of thousands")
      through the documented table. Figures with `derived_from` restate others and are left out
      of pooling. Pooled views: random effects on the log scale (with its prediction interval),
      the linear opinion pool and the logarithmic opinion pool; leave-one-out for each source.

      Examples:
        reconcile ranges datasets/nk-in-china.csv
        reconcile ranges datasets/nk-in-china.csv --format json
        reconcile ranges datasets/*.csv --quantity nk_in_china --format csv > ranges.csv
      """)

  @Argument(help: "Figures files or folders of them.")
  var paths: [String]
  @Option(name: .long, help: "Only this quantity (repeatable).")
  var quantity: [String] = []
  @Option(name: .long, help: "Coverage assumed where a row leaves `coverage` empty.")
  var coverage: Double = Figure.defaultCoverage
  @Option(name: .long, help: "Level of the pooled intervals.")
  var level: Double = RangePooling.defaultLevel
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  func validate() throws {
    if paths.isEmpty { throw ValidationError("give at least one figures file") }
    guard Figure.coverageRange.contains(coverage) else {
      throw ValidationError(
        "--coverage must be between \(Figure.coverageRange.lowerBound) and \(Figure.coverageRange.upperBound), got \(coverage)")
    }
    guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)") }
  }

  func run() throws {
    try guarded {
      if try runByQuantity() { return }
      let files = try loadFigures(paths)
      let results = try RangesAnalysis.run(
        files, quantities: quantity, coverage: coverage, level: level, tableDetails: format != .csv)
      switch format {
      case .json: emit(RangesAnalysis.json(results).serialized() + "\n")
      case .csv: emit(RangesAnalysis.csv(results).text)
      case .table: emitShown(RangesAnalysis.table(results))
      }
    }
  }

  /// One large file (at least `RECONCILE_RANGES_STREAM_MB`, default 64 MB) is reconciled one
  /// quantity at a time, in memory that follows its largest quantity rather than its size. A
  /// run that fails writes nothing: the output goes straight to standard output when that is
  /// a regular file, which a failure cuts back to where it stood, and otherwise to an
  /// unlinked temporary file that reaches standard output only once every quantity is done.
  /// False when the whole-file path should run instead.
  func runByQuantity() throws -> Bool {
    let files = try expand(paths)
    guard files.count == 1, let size = fileSize(atPath: files[0]) else { return false }
    let thresholdMB = ProcessInfo.processInfo.environment["RECONCILE_RANGES_STREAM_MB"].flatMap { Int($0) } ?? 64
    guard thresholdMB >= 0, size >= UInt64(thresholdMB) << 20 else { return false }
    guard let output = pendingOutput() else { return false }
    let streamFormat: RangesAnalysis.StreamFormat = format == .json ? .json : format == .csv ? .csv : .table
    let done: Bool
    do {
      done = try RangesAnalysis.runByQuantity(
        path: files[0], quantities: quantity, coverage: coverage, level: level, format: streamFormat
      ) { bytes in try output.write(bytes) }
    } catch {
      output.retract()
      throw error
    }
    guard done else {
      output.retract()
      return false
    }
    try output.commit()
    return true
  }
}

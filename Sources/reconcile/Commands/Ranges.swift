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
      Each range is read as the central interval of a lognormal at its `coverage` (default 0.9);
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
  var coverage: Double = 0.9
  @Option(name: .long, help: "Level of the pooled intervals.")
  var level: Double = 0.9
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  func validate() throws {
    if paths.isEmpty { throw ValidationError("give at least one figures file") }
    guard coverage > 0 && coverage < 1 else { throw ValidationError("--coverage must be between 0 and 1 (exclusive), got \(coverage)") }
    guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)") }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(paths)
      let results = try RangesAnalysis.run(files, quantities: quantity, coverage: coverage, level: level)
      switch format {
      case .json: emit(RangesAnalysis.json(results).serialized() + "\n")
      case .csv: emit(RangesAnalysis.csv(results).text)
      case .table: emit(RangesAnalysis.table(results))
      }
    }
  }
}

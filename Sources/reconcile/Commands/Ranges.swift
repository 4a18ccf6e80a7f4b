import ArgumentParser
import Figures
import Reports

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

  @OptionGroup var inputs: InputOptions<FiguresInputs>
  @Option(name: .long, help: "Only this quantity (repeatable).")
  var quantity: [String] = []
  @Option(name: .long, help: "Coverage assumed where a row leaves `coverage` empty.")
  var coverage: Double = 0.9
  @Option(name: .long, help: "Level of the pooled intervals.")
  var level: Double = 0.9
  @OptionGroup var output: FormatOptions

  func validate() throws {
    guard Figure.coverageRange.contains(coverage) else {
      throw ValidationError(
        "--coverage must be between \(Figure.coverageRange.lowerBound) and \(Figure.coverageRange.upperBound), got \(coverage)")
    }
    try checkLevel(level)
  }

  func run() throws {
    try guarded {
      let format = output.format
      // One large file goes one quantity at a time, through output that reaches standard
      // output only when every quantity is done (``RangesAnalysis/streamedFile(_:environment:)``).
      if let path = RangesAnalysis.streamedFile(try InputPaths.expand(inputs.paths)), let pending = StandardOutput.pending(),
        try pending.deliver({ write in
          try RangesAnalysis.runByQuantity(
            path: path, quantities: quantity, coverage: coverage, level: level,
            format: format == .json ? .json : format == .csv ? .csv : .table, emit: write)
        })
      {
        return
      }
      let files = try loadFigures(inputs.paths)
      let results = try RangesAnalysis.run(
        files, quantities: quantity, coverage: coverage, level: level, tableDetails: format != .csv)
      switch format {
      case .json: emit(RangesAnalysis.json(results).serialized() + "\n")
      case .csv: emit(RangesAnalysis.csv(results).text)
      case .table: emitShown(RangesAnalysis.table(results))
      }
    }
  }
}

import ArgumentParser
import Figures
import Reports
import Statistics

struct Ranges: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Reconcile the ranges sources give for a quantity: envelope, intersection, conflicts, pooled views.",
    discussion: CommandHelp.ranges)

  @OptionGroup var inputs: InputOptions<FiguresInputs>
  @Option(name: .long, help: "Only this quantity (repeatable).")
  var quantity: [String] = []
  @Option(name: .long, help: "Coverage assumed where a row leaves `coverage` empty.")
  var coverage: Double = Figure.defaultCoverage
  @Option(name: .long, help: "Level of the pooled intervals.")
  var level: Double = RangePooling.defaultLevel
  @Option(
    name: .long,
    help:
      "Significant digits of the pooled figures in the table (default: the digits each interval supports). CSV and JSON keep full precision."
  )
  var digits: Int?
  @Option(
    name: .long,
    help:
      "A point figure (or \"about\") is read as right within this factor at 90% (default \(RangePooling.defaultPointFactor)); every interval rests on this reading."
  )
  var pointFactor: Double = RangePooling.defaultPointFactor
  @Option(
    name: .long,
    help:
      "Random-effects intervals of three or more sources without bounds: knha (Knapp-Hartung CI, t(k-2) prediction interval) or z (Wald CI, z prediction interval)."
  )
  var interval: RangeInterval = .knha
  @OptionGroup var output: FormatOptions

  func validate() throws {
    guard Figure.coverageRange.contains(coverage) else {
      throw ValidationError(
        "--coverage must be between \(Figure.coverageRange.lowerBound) and \(Figure.coverageRange.upperBound), got \(coverage)"
      )
    }
    try checkLevel(level)
    guard pointFactor > 1 && pointFactor.isFinite && pointFactor <= 1000 else {
      throw ValidationError("--point-factor must be greater than 1 (and at most 1000), got \(pointFactor)")
    }
    if let digits, !(1...15).contains(digits) {
      throw ValidationError("--digits must be between 1 and 15, got \(digits)")
    }
  }

  func run() throws {
    try guarded {
      let format = output.format
      if try RangesAnalysis.runByQuantityToStandardOutput(
        files: try InputPaths.expand(inputs.paths), quantities: quantity, coverage: coverage, level: level,
        format: format == .json ? .json : format == .csv ? .csv : .table, digits: digits, pointFactor: pointFactor,
        interval: interval)
      {
        return
      }
      let files = try loadFigures(inputs.paths)
      let results = try RangesAnalysis.run(
        files, quantities: quantity, coverage: coverage, level: level, pointFactor: pointFactor, interval: interval,
        tableDetails: format != .csv)
      switch format {
      case .json: StandardOutput.write(RangesAnalysis.json(results).serialized() + "\n")
      case .csv: StandardOutput.write(RangesAnalysis.csv(results).text)
      case .table: StandardOutput.writeShown(RangesAnalysis.table(results, digits: digits))
      }
    }
  }
}

extension RangeInterval: ExpressibleByArgument {}

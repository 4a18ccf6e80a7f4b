import ArgumentParser
import Reports

struct TrajectoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trajectory",
    abstract:
      "The level of a quantity year by year, from every statement about it: a Bayesian model with series biases and outliers.",
    discussion: CommandHelp.trajectory)

  @OptionGroup var inputs: InputOptions<FiguresInputs>
  @Option(name: .long, help: "The quantity.")
  var quantity: String
  @Option(name: .long, help: "First year of the level (default: the first statement's year).")
  var from: Int?
  @Option(name: .long, help: "Last year (default: the last statement's year); later years are projected.")
  var to: Int?
  @Option(name: .long, help: "Level of the biases' and --year's intervals.")
  var level: Double = 0.9
  @Option(name: .long, help: "Seed of the sampler.")
  var seed: UInt64 = 1
  @Option(name: .long, help: "Draws kept per chain (100 to 100000).")
  var draws: Int = 1000
  @Option(name: .long, help: "Report the consensus for this year (median and intervals).")
  var year: Int?
  @Option(name: .long, help: "The series whose bias is 0 (default: biases of mean zero).")
  var reference: String?
  @Option(
    name: .customLong("emit-stan"),
    help: ArgumentHelp("Also write model.stan, data.json and README.txt here.", valueName: "dir"))
  var emitStan: String?
  @OptionGroup var output: FormatOptions

  var settings: TrajectorySettings {
    TrajectorySettings(
      quantity: quantity, from: from, to: to, level: level, seed: seed, draws: draws, year: year,
      reference: reference)
  }

  func validate() throws {
    if let problem = TrajectoryAnalysis.optionSyntaxProblem(settings) { throw ValidationError(problem) }
    if let emitStan, emitStan.isEmpty { throw ValidationError("--emit-stan must name a folder") }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(inputs.paths)
      let format: TrajectoryFormat = output.format == .json ? .json : output.format == .csv ? .csv : .table
      try TrajectoryAnalysis.runToStandardOutput(files, settings: settings, format: format, emitStan: emitStan)
    }
  }
}

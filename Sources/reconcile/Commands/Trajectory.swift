import ArgumentParser
import Reports

struct TrajectoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trajectory",
    abstract:
      "The level of a quantity year by year, from every statement about it: a Bayesian model with series biases and outliers.",
    discussion: """
      The model: a log-level per year that follows a random walk; each statement observes its year's level times the bias of its series (the series column, else the source), shares an error with the statements of its evidence group, and may be an outlier (a wider error, prior probability 0.1). Biases have mean zero (the level is what a typical series would state) unless --reference names the series whose bias is 0. Sampled by NUTS (4 chains, 1000 warmup iterations, --draws kept per chain); the same seed gives the same output.

      A statement enters by its kind, read as `ranges` reads it: a point or "about" as right within a factor of 2 at 90%; a range at its coverage as a point at its centre with the range's spread; a hard range (coverage 1) as an interval; "at least"/"at most" as bounds; words through the verbal table. Left out, with the reason: superseded and restating figures, narrower scope, no period, flows over part of a year or several years.

      Prints the level by year (median, 50% and 90% intervals), each series' bias, outliers, diagnostics (R-hat, effective sample sizes, divergences) and the sensitivity to the smoothness and bias priors (each scale halved and doubled). --format csv: year,median,lo50,hi50,lo90,hi90,statements. --emit-stan DIR writes model.stan, data.json and README.txt.

      \(exitCodes)

      Examples:
        reconcile trajectory datasets/nk-in-china.csv --quantity nk_in_china
        reconcile trajectory data.csv --quantity q --to 2010 --year 2008
        reconcile trajectory data.csv --quantity q --format json --emit-stan stan/
      """)

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

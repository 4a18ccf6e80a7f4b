import ArgumentParser
import Reports

struct Trend: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a trend to a yearly count: growth factor, annual percent change, doubling time, bands.",
    discussion: """
      Each series (series column, else source) is fitted apart, superseded figures left out. A flow enters count models with offset log(years covered): 2002-01-01/2002-07-30 211/365, 1999/2001 3 (at its middle year); bands are for a full year. A stock (a level) is never annualised (loglinear).

      --through YEAR projects from the last observed year up to 50 years past it (a usage error otherwise, exit 64); --span FROM:TO must lie within the observed years and cover at least 2 of them.

      joinpoint: the search for K joinpoints is exhaustive over the admissible placements; on a long series the default K (up to 3) is lowered, with a warning, to what can be searched in seconds (1.5e9 placement-series pairs: 1,000 series for the permutation test), and a --joinpoints above it is a usage error that names the largest K allowed.

      \(exitCodes)

      Examples:
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model quasipoisson --through 2003
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --span 1998:2001
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model joinpoint --joinpoints 2
        reconcile trend datasets/unhcr-bangkok.csv --quantity unhcr_bangkok_persons --format csv
      """)

  @OptionGroup var inputs: InputOptions<FiguresInputs>
  @Option(name: .long, help: "The quantity to fit.")
  var quantity: String
  @Option(
    name: .long, help: "Model (default: poisson or negbin, chosen by a likelihood-ratio test for overdispersion).")
  var model: TrendModel?
  @Option(name: .long, help: "joinpoint: the most joinpoints tried (default: up to 3, as many as the series allows).")
  var joinpoints: Int?
  @Option(name: .long, help: "joinpoint: how the number of joinpoints is chosen: permutation (Kim et al. 2000) or bic.")
  var select: JoinpointSelection = .permutation
  @Option(name: .long, help: "joinpoint: also try joinpoints on a grid of N points per year (0: observed years only).")
  var grid: Int = 0
  @Option(name: .long, help: "joinpoint: seed of the permutation test.")
  var seed: UInt64 = 20_021_130
  @Option(name: .long, help: "Also report growth over the years FROM:TO (e.g. 1998:2001), within the observed years.")
  var span: String?
  @OptionGroup var confidence: LevelOptions
  @Option(name: .long, help: "Project through this year: from the last observed year to 50 years after it.")
  var through: Int?
  @OptionGroup var output: FormatOptions

  func validate() throws {
    if let problem = TrendAnalysis.optionSyntaxProblem(grid: grid, span: span) { throw ValidationError(problem) }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(inputs.paths)
      let span = span.flatMap(TrendAnalysis.parseSpan)
      // --through and --span against the data's years, before anything is fitted or projected.
      var problem = TrendAnalysis.optionProblem(
        years: TrendAnalysis.observedYears(files, quantity: quantity), through: through, span: span)
      if problem == nil && model == .joinpoint {
        problem = TrendAnalysis.joinpointProblem(
          files, quantity: quantity, maxJoinpoints: joinpoints, selectByBIC: select == .bic, gridPerYear: grid)
      }
      if let problem {
        printError("reconcile trend: error: \(problem)")
        throw ExitCode.validationFailure
      }
      let r = try TrendAnalysis.run(
        files, quantity: quantity, model: model, level: confidence.level, through: through, span: span,
        maxJoinpoints: joinpoints, seed: seed, selectByBIC: select == .bic, gridPerYear: grid)
      switch output.format {
      case .json: StandardOutput.write(TrendAnalysis.json(r).serialized() + "\n")
      case .csv: StandardOutput.write(TrendAnalysis.csv(r.results).text)
      case .table: StandardOutput.writeShown(TrendAnalysis.table(r))
      }
    }
  }
}

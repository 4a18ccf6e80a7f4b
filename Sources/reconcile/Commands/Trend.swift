import ArgumentParser
import Reports

struct Trend: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a trend to a yearly count: growth factor, annual percent change, doubling time, bands.",
    discussion: CommandHelp.trend)

  @OptionGroup var inputs: InputOptions<FiguresInputs>
  @Option(name: .long, help: "The quantity to fit.")
  var quantity: String
  @Option(
    name: .long, help: "Model (default: poisson or negbin, chosen by a likelihood-ratio test for overdispersion).")
  var model: TrendModel?
  @Option(name: .long, help: "joinpoint: the most joinpoints tried (default: up to 3, as many as the series allows).")
  var joinpoints: Int?
  @Option(
    name: .long,
    help:
      "joinpoint: the model of the counts: poisson, negbin (default for counts: negbin when the counts are overdispersed, else poisson), loglinear (least squares on log rates; default for stocks) or weighted (weights = counts)."
  )
  var joinpointModel: JoinpointModel?
  @Option(
    name: .long,
    help:
      "joinpoint: how the number of joinpoints is chosen: bic (default for poisson, negbin) or permutation (Kim et al. 2000; default for loglinear, weighted)."
  )
  var select: JoinpointRule?
  @Option(name: .long, help: "joinpoint: permuted data sets of the permutation test (NCI Joinpoint's default).")
  var permutations: Int = JoinpointSettings.defaultPermutations
  @Option(name: .long, help: "joinpoint: also try joinpoints on a grid of N points per year (0: observed years only).")
  var grid: Int = 0
  @Option(name: .long, help: "joinpoint: seed of the permutation test.")
  var seed: UInt64 = 20_021_130
  @Option(name: .long, help: "Also report growth over the years FROM:TO (e.g. 1998:2001), within the observed years.")
  var span: String?
  @OptionGroup var confidence: LevelOptions
  @Option(name: .long, help: "Project through this year: from the last observed year to 50 years after it.")
  var through: Int?
  @Option(
    name: .long,
    help: ArgumentHelp(
      "Fit the series as it stood on this date: only figures published on or before it.", valueName: "YYYY-MM-DD"))
  var vintage: String?
  @OptionGroup var output: FormatOptions

  func validate() throws {
    if let problem = TrendAnalysis.optionSyntaxProblem(grid: grid, span: span, vintage: vintage) {
      throw ValidationError(problem)
    }
    if let problem = TrendAnalysis.joinpointOptionProblem(
      model: model, joinpointModel: joinpointModel, select: select, permutations: permutations, grid: grid)
    {
      throw ValidationError(problem)
    }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(inputs.paths)
      let span = span.flatMap(TrendAnalysis.parseSpan)
      let vintage = vintage.flatMap(TrendAnalysis.parseVintage)
      // --through and --span against the data's years, before anything is fitted or projected.
      var problem = TrendAnalysis.optionProblem(
        years: TrendAnalysis.observedYears(files, quantity: quantity, vintage: vintage), through: through, span: span)
      let settings = JoinpointSettings(
        model: joinpointModel, rule: select, maxJoinpoints: joinpoints, permutations: permutations, seed: seed,
        gridPerYear: grid)
      if problem == nil && model == .joinpoint && joinpointModel?.isCount != true {
        problem = TrendAnalysis.joinpointProblem(
          files, quantity: quantity, maxJoinpoints: joinpoints,
          selectByBIC: settings.rule(for: joinpointModel ?? .loglinear) == .bic, gridPerYear: grid,
          permutations: permutations)
      }
      if let problem {
        printError("reconcile trend: error: \(problem)")
        throw ExitCode.validationFailure
      }
      let r = try TrendAnalysis.run(
        files, quantity: quantity, model: model, level: confidence.level, through: through, span: span,
        joinpoint: settings, vintage: vintage)
      switch output.format {
      case .json: StandardOutput.write(TrendAnalysis.json(r).serialized() + "\n")
      case .csv: StandardOutput.write(TrendAnalysis.csv(r.results).text)
      case .table: StandardOutput.writeShown(TrendAnalysis.table(r))
      }
    }
  }
}

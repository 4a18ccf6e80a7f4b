import ArgumentParser
import Reports

struct Trend: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a trend to a yearly count: growth factor, annual percent change, doubling time, bands.",
    discussion: """
      Each series (series column, else source) is fitted apart, superseded figures left out. Where printings of a series disagree about a year, the latest publication wins and the others are listed as conflicts with their sizes; two figures of one publication date covering a year are an error. --vintage YYYY-MM-DD fits the series as it stood then (figures published on or before it).

      A partial year enters count models with offset log(fraction of the year): 2002-01-01/2002-07-30 211/365; bands are for a full year. A count over several years (1999/2001) or a cumulative total (measure cumulative) that no printing as recent counts year by year enters the count models as the sum of the yearly means it covers (composite link): the table gives the yearly values it implies (trend.csv: implied yes), and checks the other cumulative totals against the counts and the fit (PASS/FAIL). The least-squares models (loglinear, linear, joinpoint) refuse a count over several years. A stock (a level) is never annualised (loglinear).

      --through YEAR projects from the last observed year up to 50 years past it (a usage error otherwise, exit 64); --span FROM:TO must lie within the observed years and cover at least 2 of them.

      joinpoint: the search for K joinpoints is exhaustive over the admissible placements; on a long series the default K (up to 3) is lowered, with a warning, to what can be searched in seconds (1.5e9 placement-series pairs: 1,000 series for the permutation test), and a --joinpoints above it is a usage error that names the largest K allowed.

      \(exitCodes)

      Examples:
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model quasipoisson --through 2026
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --vintage 2003-01-01 --span 1998:2001
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --vintage 2003-01-01 --model joinpoint
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
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(inputs.paths)
      let span = span.flatMap(TrendAnalysis.parseSpan)
      let vintage = vintage.flatMap(TrendAnalysis.parseVintage)
      // --through and --span against the data's years, before anything is fitted or projected.
      var problem = TrendAnalysis.optionProblem(
        years: TrendAnalysis.observedYears(files, quantity: quantity, vintage: vintage), through: through, span: span)
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
        maxJoinpoints: joinpoints, seed: seed, selectByBIC: select == .bic, gridPerYear: grid, vintage: vintage)
      switch output.format {
      case .json: StandardOutput.write(TrendAnalysis.json(r).serialized() + "\n")
      case .csv: StandardOutput.write(TrendAnalysis.csv(r.results).text)
      case .table: StandardOutput.writeShown(TrendAnalysis.table(r))
      }
    }
  }
}

import ArgumentParser
import Figures
import Reports
import Statistics

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a regression to any CSV's columns: ols, wls, poisson, quasipoisson, negbin, or nls (a formula).",
    discussion: CommandHelp.fit)

  @Argument(help: "A CSV file with a header row.")
  var path: String
  @Option(name: .long, help: "Response column.")
  var y: String
  @Option(name: .long, parsing: .singleValue, help: "Regressor column(s), comma separated.")
  var x: [String] = []
  @Option(name: .long, help: "Polynomial degree in the single --x column.")
  var degree: Int = 1
  @Flag(name: .long, help: "Fit without an intercept.")
  var noIntercept = false
  @Option(name: .long, help: "Model: ols, wls, poisson, quasipoisson, negbin or nls.")
  var model: ModelKind = .ols
  @Option(name: .long, help: "Weights column (wls).")
  var weights: String?
  @Option(name: .long, help: "Offset column, on the log scale (count models).")
  var offset: String?
  @Option(name: .long, help: "One fit per distinct value of this column.")
  var by: String?
  @Option(
    name: .long,
    help:
      "nls: the model formula, e.g. 'b1*(1-exp(-b2*x))' (the response is --y); at most \(Statistics.Expression.maximumLength) characters, nested at most \(Statistics.Expression.maximumDepth) levels deep."
  )
  var formula: String?
  @Option(name: .long, help: "nls: starting values, e.g. b1=500,b2=1e-4.")
  var start: String?
  @OptionGroup var confidence: LevelOptions
  @OptionGroup var output: FormatOptions

  var columns: [String] { x.flatMap { $0.split(separator: ",").map { $0.trimmingBlanks() } }.filter { !$0.isEmpty } }

  func validate() throws {
    let problem = FitRequest.optionProblem(
      model: model, formula: formula, start: start, weights: weights, offset: offset, degree: degree)
    if let problem { throw ValidationError(problem) }
  }

  func run() throws {
    try guarded {
      var request = FitRequest(
        y: y, x: columns, degree: degree, noIntercept: noIntercept, model: formula != nil ? .nls : model,
        weights: weights, offset: offset, by: by, level: confidence.level)
      request.formula = formula
      request.start = start.flatMap(FitRequest.parseStart) ?? []
      // A batch's JSON is written as its chunks of groups are fitted; a failing group takes
      // back what was written.
      if by != nil && output.format == .json, try FitAnalysis.streamGroupedJSONToStandardOutput(path: path, request) {
        return
      }
      let fits = try FitAnalysis.run(path: path, request)
      switch output.format {
      case .json: StandardOutput.write(FitAnalysis.jsonDocument(fits, grouped: by != nil))
      case .csv: StandardOutput.write(FitAnalysis.csv(fits).text)
      case .table: StandardOutput.writeShown(FitAnalysis.table(fits))
      }
    }
  }
}

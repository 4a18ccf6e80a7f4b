import ArgumentParser
import Figures
import Reports
import Statistics

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a regression to any CSV's columns: ols, wls, poisson, quasipoisson, negbin, or nls (a formula).",
    discussion: """
      Examples:
        reconcile fit data.csv --y y --x x
        reconcile fit data.csv --y y --x x --degree 3
        reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
        reconcile fit data.csv --y y --x x --by region --format json
        reconcile fit misra1a.csv --y y --model nls --formula 'b1*(1-exp(-b2*x))' --start b1=500,b2=1e-4
      """)

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
  @Option(name: .long, help: "nls: the model formula, e.g. 'b1*(1-exp(-b2*x))' (the response is --y); at most \(Statistics.Expression.maximumLength) characters, nested at most \(Statistics.Expression.maximumDepth) levels deep.")
  var formula: String?
  @Option(name: .long, help: "nls: starting values, e.g. b1=500,b2=1e-4.")
  var start: String?
  @OptionGroup var confidence: LevelOptions
  @OptionGroup var output: FormatOptions

  var columns: [String] { x.flatMap { $0.split(separator: ",").map { $0.trimmingBlanks() } }.filter { !$0.isEmpty } }

  func validate() throws {
    guard degree >= 1 else { throw ValidationError("--degree must be at least 1, got \(degree)") }
    if model == .nls || formula != nil {
      guard formula != nil, let start, parseStart(start) != nil else {
        throw ValidationError("nls needs --formula EXPR and --start NAME=VALUE[,NAME=VALUE...] with numeric values")
      }
    }
    // A formula too long or too deep to read is a usage error (64); one that does not parse
    // is reported with the data (65), as before.
    if let formula {
      do throws(ExpressionError) {
        _ = try Statistics.Expression(formula)
      } catch {
        if error.kind == .limit {
          throw ValidationError("<formula>:1:\(error.column): error: --formula: \(error.message)")
        }
      }
    }
    if model == .wls && weights == nil { throw ValidationError("--model wls needs --weights COL") }
    if offset != nil && ![.poisson, .quasipoisson, .negbin].contains(model) {
      throw ValidationError("--offset applies to count models (poisson, quasipoisson, negbin)")
    }
  }

  func run() throws {
    try guarded {
      var request = FitRequest(
        y: y, x: columns, degree: degree, noIntercept: noIntercept, model: formula != nil ? .nls : model,
        weights: weights, offset: offset, by: by, level: confidence.level)
      request.formula = formula
      request.start = start.flatMap(parseStart) ?? []
      // A batch's JSON is written as its chunks of groups are fitted; a failing group takes
      // back what was written.
      if by != nil && output.format == .json, let pending = StandardOutput.pending() {
        _ = try pending.deliver { write in
          try FitAnalysis.streamGroupedJSON(path: path, request, emit: write)
          return true
        }
        return
      }
      let fits = try FitAnalysis.run(path: path, request)
      switch output.format {
      case .json: emit(FitAnalysis.jsonDocument(fits, grouped: by != nil))
      case .csv: emit(FitAnalysis.csv(fits).text)
      case .table: emitShown(FitAnalysis.table(fits))
      }
    }
  }
}

/// "b1=500,b2=1e-4" → [("b1", 500), ("b2", 0.0001)]; nil when malformed.
func parseStart(_ s: String) -> [(name: String, value: Double)]? {
  var out: [(name: String, value: Double)] = []
  for part in s.split(separator: ",") {
    let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingBlanks() }
    guard kv.count == 2, !kv[0].isEmpty, let v = Double(kv[1]), v.isFinite else { return nil }
    guard !out.contains(where: { $0.name == kv[0] }) else { return nil }
    out.append((kv[0], v))
  }
  return out.isEmpty ? nil : out
}

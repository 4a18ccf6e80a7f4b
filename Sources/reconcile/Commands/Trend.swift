import ArgumentParser
import Figures
import Foundation
import Reports
import Statistics

struct Trend: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a trend to a yearly count: growth factor, annual percent change, doubling time, bands.",
    discussion: """
      A partial period (e.g. 2002-01-01/2002-07-30) enters count models with exposure offset
      log(211/365); fitted values and bands are for a full year.

      Examples:
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model quasipoisson --through 2003
        reconcile trend datasets/unhcr-bangkok.csv --quantity unhcr_bangkok_persons --format csv
      """)

  @Argument(help: "Figures files or folders of them.")
  var paths: [String]
  @Option(name: .long, help: "The quantity to fit.")
  var quantity: String
  @Option(name: .long, help: "Model: poisson, quasipoisson, negbin, loglinear or linear.")
  var model: String = "poisson"
  @Option(name: .long, help: "Confidence level.")
  var level: Double = 0.95
  @Option(name: .long, help: "Project through this year.")
  var through: Int?
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  func validate() throws {
    if paths.isEmpty { throw ValidationError("give at least one figures file") }
    guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)") }
    if TrendModel(rawValue: model) == nil {
      if model == "joinpoint" {
        throw ValidationError("--model \(model) is not available yet; use one of: \(TrendModel.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      throw ValidationError("unknown --model '\(model)'; use one of: \(TrendModel.allCases.map(\.rawValue).joined(separator: ", "))")
    }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(paths)
      let m = TrendModel(rawValue: model) ?? .poisson
      let r = try TrendAnalysis.run(files, quantity: quantity, model: m, level: level, through: through)
      switch format {
      case .json: emit(TrendAnalysis.json(r).serialized() + "\n")
      case .csv: emit(TrendAnalysis.csv([r]).text)
      case .table: emit(TrendAnalysis.table(r))
      }
    }
  }
}

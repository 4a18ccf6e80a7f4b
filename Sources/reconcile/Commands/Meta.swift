import ArgumentParser
import Figures
import Reports
import Statistics

struct Meta: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Meta-analysis of study estimates with known variances (as metafor's rma()).",
    discussion: CommandHelp.meta)

  @Argument(help: "A CSV of study estimates (estimate and se or variance, or yi and vi), or a figures file.")
  var path: String
  @Option(name: .long, help: "τ² estimator: FE, DL, HE, HS, SJ, ML, REML, EB or PM.")
  var method: TauSquaredEstimator = .REML
  @Option(name: .long, help: "Test and intervals: z or knha (Knapp–Hartung).")
  var test: MetaTest = .z
  @Option(
    name: .long, help: "Study estimates: one meta-analysis per value of this column, in order of first appearance.")
  var by: String?
  @Option(name: .long, help: "Figures file: the quantity to pool (needed when the file has several).")
  var quantity: String?
  @Option(
    name: .long,
    help: "Figures file: coverage where a row leaves `coverage` empty (default: \(Figure.defaultCoverage)).")
  var coverage: Double?
  @OptionGroup var confidence: LevelOptions
  @OptionGroup var output: FormatOptions

  func run() throws {
    try guarded {
      let outcome = try MetaAnalysisReport.analyse(
        path: path,
        MetaRequest(
          method: method, test: test, by: by, level: confidence.level, quantity: quantity, coverage: coverage))
      for w in outcome.warnings(path: path) { printDiagnostic(w) }
      switch output.format {
      case .json: StandardOutput.write(outcome.jsonDocument(grouped: by != nil))
      case .csv: StandardOutput.write(outcome.csv)
      case .table: StandardOutput.writeShown(outcome.table)
      }
    }
  }
}

import ArgumentParser
import Figures
import Reports
import Statistics

struct Meta: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Meta-analysis of study estimates with known variances (as metafor's rma()).",
    discussion: """
      Reads a CSV with an `estimate` column and either `variance` or `se` (metafor's `yi` and `vi`, or `sei`, also work; a variance column wins over a standard-error column).

      Or a figures file (a `quantity` column and no `estimate`): each figure of the quantity with `low` and `high` is a log estimate ln(value), or ln √(low·high) when it states no value, with SE (ln high − ln low)/(2z) at its coverage; points, bounds, verbal figures, and figures superseded, restating others, narrower in scope or sharing evidence already counted are left out with the reason. Results are also given on the natural scale (exp), with each figure's weight.

      Methods (τ² estimators): FE (fixed effect, τ² = 0), DL (DerSimonian–Laird), HE (Hedges), HS (Hunter–Schmidt), SJ (Sidik–Jonkman), ML, REML (default), EB (empirical Bayes), PM (Paule–Mandel). Tests: z (default) or knha (Knapp–Hartung: t with k − 1 df). Every figure is defined as in metafor's rma() and predict().

      An iterative estimator that does not converge is reported with "converged": false, and metafor's message is printed as a warning on stderr.

      \(exitCodes)

      Examples:
        reconcile meta studies.csv --method DL --test knha
        reconcile meta studies.csv --method PM --level 0.9 --format json
        reconcile meta studies.csv --by outcome --format csv
        reconcile meta datasets/nk-in-china.csv --method DL
      """)

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

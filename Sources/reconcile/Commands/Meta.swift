import ArgumentParser
import Figures
import Reports
import Statistics

struct Meta: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Meta-analysis of study estimates with known variances (as metafor's rma()).",
    discussion: """
      Reads a CSV with an `estimate` column and either `variance` or `se` (metafor's `yi` and `vi`, or `sei`, also work; a variance column wins over a standard-error column).

      Methods (τ² estimators): FE (fixed effect, τ² = 0), DL (DerSimonian–Laird), HE (Hedges), HS (Hunter–Schmidt), SJ (Sidik–Jonkman), ML, REML (default), EB (empirical Bayes), PM (Paule–Mandel). Tests: z (default) or knha (Knapp–Hartung: t with k − 1 df). Every figure is defined as in metafor's rma() and predict().

      An iterative estimator that does not converge is reported with "converged": false, and metafor's message is printed as a warning on stderr.

      \(exitCodes)

      Examples:
        reconcile meta studies.csv
        reconcile meta studies.csv --method DL --test knha
        reconcile meta studies.csv --method PM --level 0.9 --format json
        reconcile meta studies.csv --by outcome --format csv
      """)

  @Argument(help: "A CSV file with columns estimate and se (or variance), or yi and vi.")
  var path: String
  @Option(name: .long, help: "τ² estimator: FE, DL, HE, HS, SJ, ML, REML, EB or PM.")
  var method: TauSquaredEstimator = .REML
  @Option(name: .long, help: "Test and intervals: z or knha (Knapp–Hartung).")
  var test: MetaTest = .z
  @Option(name: .long, help: "One meta-analysis per distinct value of this column, in order of first appearance.")
  var by: String?
  @OptionGroup var confidence: LevelOptions
  @OptionGroup var output: FormatOptions

  func run() throws {
    try guarded {
      let results = try MetaAnalysisReport.run(
        path: path, MetaRequest(method: method, test: test, by: by, level: confidence.level))
      for w in MetaAnalysisReport.warnings(results, path: path) { printDiagnostic(w) }
      switch output.format {
      case .json:
        StandardOutput.write(MetaAnalysisReport.jsonDocument(results, grouped: by != nil))
      case .csv: StandardOutput.write(MetaAnalysisReport.csv(results).text)
      case .table: StandardOutput.writeShown(MetaAnalysisReport.table(results))
      }
    }
  }
}

import ArgumentParser
import Reports

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check the claims reports print beside their numbers against the figures.",
    discussion: """
      A claims file is a CSV with columns id, claim, formula, op, stated (and tolerance, source, document, quote, note). Each formula is computed from the figures (ids with '-' written as '_') and compared with the stated figure by op (<, <=, >, >=, ≈). Every claim is reported; a claim that cannot be checked (unknown figure, syntax error, division by zero) is printed as an error with a PATH:LINE:COLUMN diagnostic on stderr.

      With only claims files given, the figures files in the same folders are read.

      Examples:
        reconcile check datasets/claims.csv
        reconcile check claims.csv datasets/ --strict
        reconcile check datasets/ --format json

      Exit codes: 0 checked (failures are reported, not fatal), 1 a claim failed or an account contradicted itself under --strict, 65 a claim could not be checked or an input is invalid, 66 missing input.
      """)

  @OptionGroup var inputs: InputOptions<ClaimsOrFiguresInputs>
  @Flag(name: .long, help: "Exit 1 when any claim fails or any account contradicts itself.")
  var strict = false
  @OptionGroup var output: FormatOptions

  func run() throws {
    try guarded {
      let inputs = try ClaimsAnalysis.load(paths: inputs.paths)
      for w in inputs.warnings { printDiagnostic(w) }
      if inputs.claims.isEmpty {
        printError("reconcile: error: no claims file among the inputs (a claims file has a 'formula' column)")
        throw ExitCode(Exit.data)
      }
      let report = ClaimsAnalysis.run(claims: inputs.claims, figures: inputs.figures)
      switch output.format {
      case .json: StandardOutput.write(ClaimsAnalysis.json(report).serialized() + "\n")
      case .csv: StandardOutput.write(ClaimsAnalysis.csv(report).text)
      case .table: StandardOutput.writeShown(ClaimsAnalysis.table(report))
      }
      for d in report.diagnostics { printDiagnostic(d) }
      if report.errors > 0 { throw ExitCode(Exit.data) }
      if strict && report.failed + report.inconsistentChecks > 0 { throw ExitCode(1) }
    }
  }
}

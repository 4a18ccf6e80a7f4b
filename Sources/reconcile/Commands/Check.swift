import ArgumentParser
import Reports

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check the claims reports print beside their numbers against the figures.",
    discussion: CommandHelp.check)

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

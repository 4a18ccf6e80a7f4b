import ArgumentParser
import Figures
import Reports

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check figures files against the format; print every problem as PATH:LINE:COLUMN.",
    discussion: CommandHelp.validate)

  @OptionGroup var inputs: InputOptions<ClaimsOrFiguresInputs>

  func run() throws {
    try guarded {
      let (figurePaths, claimPaths) = try InputPaths.figuresAndClaims(inputs.paths)
      let files = figurePaths.isEmpty ? [] : try validateFigures(figurePaths)
      for f in files { StandardOutput.writeShown(f.okLine) }
      guard !claimPaths.isEmpty else { return }
      for c in try ClaimsAnalysis.validate(claims: claimPaths, figures: figurePaths) {
        StandardOutput.writeShown(ClaimsAnalysis.okLine(c))
      }
    }
  }
}

/// As `loadFigures`, but streaming: each file's summary (count, quantities, warnings) from
/// `StreamingValidator`, with the same printing and the same errors.
func validateFigures(_ paths: [String]) throws -> [FiguresSummary] {
  try readEach(
    paths, read: { path throws(FiguresError) in try StreamingValidator.validate(path: path) }, warnings: \.warnings)
}

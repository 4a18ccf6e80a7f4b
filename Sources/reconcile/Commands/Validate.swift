import ArgumentParser
import Figures
import Reports

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check figures files against the format; print every problem as PATH:LINE:COLUMN.",
    discussion: """
      Figures files and claims files (a CSV with a `formula` column) are both checked: a claims file's formulas must parse and name figures that exist. Exits 0 when every file is valid, 65 when any has an error, 66 when one is missing.

      Figures files are validated in one streaming pass in bounded memory, so a valid file larger than memory can be checked (the automatic size limit of the other commands does not apply; one set with RECONCILE_MAX_FILE_MB still does). A file with errors or warnings is then read whole to report them, as the other commands do; so is a file with a row whose checks only the whole-file reader makes: a filled supersedes cell, a worded text such as "about 30,000", or a scale word such as "12.2 million".

      Example:
        reconcile validate datasets/*.csv
      """)

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

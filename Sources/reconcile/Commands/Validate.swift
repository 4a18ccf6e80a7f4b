import ArgumentParser
import Figures
import Foundation
import Reports
import Statistics

struct Validate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check figures files against the format; print every problem as PATH:LINE:COLUMN.",
    discussion: """
      Exits 0 when every file is valid, 65 when any has an error, 66 when one is missing.

      Example:
        reconcile validate datasets/*.csv
      """)

  @Argument(help: "Figures files or folders of them.")
  var paths: [String]

  func validate() throws {
    if paths.isEmpty { throw ValidationError("give at least one figures file") }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(paths)
      for f in files {
        emit("\(f.path): ok — \(f.figures.count) figures, quantities: \(f.quantities().joined(separator: ", "))\n")
      }
    }
  }
}

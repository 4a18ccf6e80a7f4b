import ArgumentParser
import Reports

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare a report folder with a baseline: tell when a computed figure moved.",
    discussion: CommandHelp.compare)

  @Argument(help: "The folder of expected outputs.")
  var baselineDir: String
  @Argument(help: "The folder of outputs to check.")
  var currentDir: String
  @OptionGroup var tolerance: ToleranceOptions<CompareTolerance>

  func run() throws {
    try guarded {
      let result = try OutputComparison.compare(
        baseline: baselineDir, current: currentDir, tolerance: try tolerance.tolerance)
      StandardOutput.writeShown(result.text)
      if result.hasDifferences { throw ExitCode(1) }
    }
  }
}

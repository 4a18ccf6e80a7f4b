import ArgumentParser
import Figures
import Reports

struct DescribeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "describe",
    abstract: "n, mean, sd, lag-1 autocorrelation, min, max and median of a CSV column.",
    discussion: CommandHelp.describe)

  @Argument(help: "A CSV file with a header row.")
  var path: String
  @Option(name: .long, help: "The column to describe.")
  var column: String
  @Option(name: .long, help: "One description per distinct value of this column.")
  var by: String?
  @OptionGroup var output: FormatOptions

  func run() throws {
    try guarded {
      let table = try CSVReader.read(path: path)
      let rows = try DescribeAnalysis.run(table, column: column, by: by)
      switch output.format {
      case .json: StandardOutput.write(DescribeAnalysis.jsonDocument(rows, grouped: by != nil))
      case .csv: StandardOutput.write(DescribeAnalysis.csv(rows).text)
      case .table: StandardOutput.writeShown(DescribeAnalysis.table(rows))
      }
    }
  }
}

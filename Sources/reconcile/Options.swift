import ArgumentParser
import Reports
import Statistics

/// What the positional paths of a command are, for their help text.
protocol InputKind { static var help: String { get } }
/// Figures files or folders (the analyses; a folder's claims files are skipped).
enum FiguresInputs: InputKind { static let help = "Figures files or folders of them." }
/// Claims files, figures files or folders (validate and check read both).
enum ClaimsOrFiguresInputs: InputKind { static let help = "Claims files, figures files, or folders of them." }

/// The positional paths of the commands that read figures files: at least one (ArgumentParser
/// requires a non-empty array when there is no default).
struct InputOptions<Kind: InputKind>: ParsableArguments {
  @Argument(help: ArgumentHelp(Kind.help))
  var paths: [String]
}

/// Output formats of the analysis commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

/// `--format` of the analysis commands.
struct FormatOptions: ParsableArguments {
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table
}

/// `--level` of the commands that report confidence intervals.
struct LevelOptions: ParsableArguments {
  @Option(name: .long, help: "Confidence level.")
  var level: Double = 0.95

  func validate() throws { try checkLevel(level) }
}

/// A usage error (64) unless 0 < `level` < 1.
func checkLevel(_ level: Double) throws {
  guard level > 0 && level < 1 else {
    throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)")
  }
}

extension TrendModel: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension TauSquaredEstimator: ExpressibleByArgument {}
extension MetaTest: ExpressibleByArgument {}

extension JoinpointRule: ExpressibleByArgument {}
extension JoinpointModel: ExpressibleByArgument {}

/// The help texts of `--rtol` and `--atol`.
protocol ToleranceHelp {
  static var relative: String { get }
  static var absolute: String { get }
}

/// `compare`'s tolerances.
enum CompareTolerance: ToleranceHelp {
  static let (relative, absolute) = ("Relative tolerance on numbers.", "Absolute tolerance on numbers.")
}
/// `report --compare-to`'s tolerances.
enum ReportTolerance: ToleranceHelp {
  static let (relative, absolute) = ("Relative tolerance of --compare-to.", "Absolute tolerance of --compare-to.")
}

/// `--rtol` and `--atol`: numbers are equal when |current − baseline| <= atol + rtol·|baseline|.
struct ToleranceOptions<Help: ToleranceHelp>: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(Help.relative, valueName: "x"))
  var rtol: Double = 1e-9
  @Option(name: .long, help: ArgumentHelp(Help.absolute, valueName: "x"))
  var atol: Double = 0

  /// The tolerance, or a usage error (64) when either part is negative or not finite.
  var tolerance: Tolerance {
    get throws {
      guard let t = Tolerance(relative: rtol, absolute: atol) else {
        throw ValidationError("--rtol and --atol must be finite numbers, zero or more (got \(rtol), \(atol))")
      }
      return t
    }
  }

  func validate() throws { _ = try tolerance }
}

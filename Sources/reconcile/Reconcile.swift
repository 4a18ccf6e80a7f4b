import ArgumentParser
import Figures
import Foundation
import Reports
import Statistics

@main
struct Reconcile: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reconcile",
    abstract: "Reconcile figures that disagree: ranges, trends and chart-ready CSV, every figure tied to its source.",
    discussion: """
      Input is a figures file: CSV with one figure per row (quantity, value or low/high or text,
      period, and provenance: source, published, document, quote, derived_from).

      Examples:
        reconcile validate datasets/*.csv
        reconcile ranges datasets/nk-in-china.csv
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
        reconcile report              # all of datasets/ into ./reconcile-report/

      Exit codes: 0 success, 1 differences found, 64 usage, 65 bad input data,
      66 missing input, 70 internal error, 73 output not writable.
      """,
    version: "0.1.0",
    subcommands: [Validate.self, Ranges.self, Trend.self, Fit.self, Report.self]
  )
}

/// Output formats of the analysis commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json
}

/// Exit codes of the contract.
enum Exit {
  static let data: Int32 = 65
  static let noInput: Int32 = 66
  static let software: Int32 = 70
  static let cannotCreate: Int32 = 73
}

func printError(_ s: String) {
  FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
}

/// Runs `body`, turning the project's errors into diagnostics and exit codes.
func guarded(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let e as FiguresError {
    switch e {
    case .invalid(let diagnostics):
      for d in diagnostics { printError(d.description) }
    default:
      printError(e.description)
    }
    throw ExitCode(e.exitCode)
  } catch let e as AnalysisError {
    let text = e.description
    printError(text.contains(": error: ") ? text : "reconcile: error: \(text)")
    throw ExitCode(Exit.data)
  } catch let e as OutputError {
    printError(e.description)
    throw ExitCode(Exit.cannotCreate)
  } catch let e as ExitCode {
    throw e
  } catch let e as ValidationError {
    throw e
  } catch {
    printError("reconcile: internal error: \(error)")
    throw ExitCode(Exit.software)
  }
}

/// Expands folders to their `.csv` files (sorted by name) and reads every figures file,
/// reporting the diagnostics of all files before failing.
func loadFigures(_ paths: [String]) throws -> [FiguresFile] {
  var files: [FiguresFile] = []
  var diagnostics: [Diagnostic] = []
  var firstOther: FiguresError? = nil
  for path in try expand(paths) {
    do {
      let f = try FiguresReader.read(path: path)
      for w in f.warnings { printError(w.description) }
      files.append(f)
    } catch {
      if case .invalid(let d) = error { diagnostics += d } else if firstOther == nil { firstOther = error }
    }
  }
  if let e = firstOther {
    for d in diagnostics { printError(d.description) }
    throw e
  }
  if !diagnostics.isEmpty { throw FiguresError.invalid(diagnostics) }
  return files
}

/// Folders become the `.csv` files inside them (not recursive), sorted by name.
func expand(_ paths: [String]) throws -> [String] {
  var out: [String] = []
  for p in paths {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
      let csvs = names.filter { $0.lowercased().hasSuffix(".csv") }.sorted()
      if csvs.isEmpty {
        throw FiguresError.unreadable(path: p, reason: "folder has no .csv files")
      }
      out += csvs.map { (p as NSString).appendingPathComponent($0) }
    } else {
      out.append(p)
    }
  }
  return out
}

func emit(_ text: String) {
  FileHandle.standardOutput.write(Data(text.utf8))
}

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

struct Ranges: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Reconcile the ranges sources give for a quantity: envelope, intersection, conflicts, pooled views.",
    discussion: """
      Each range is read as the central interval of a lognormal at its `coverage` (default 0.9);
      a point figure as right within a factor of 2; a verbal quantity ("tens of thousands")
      through the documented table. Figures with `derived_from` restate others and are left out
      of pooling. Pooled views: random effects on the log scale (with its prediction interval),
      the linear opinion pool and the logarithmic opinion pool; leave-one-out for each source.

      Examples:
        reconcile ranges datasets/nk-in-china.csv
        reconcile ranges datasets/nk-in-china.csv --format json
        reconcile ranges datasets/*.csv --quantity nk_in_china --format csv > ranges.csv
      """)

  @Argument(help: "Figures files or folders of them.")
  var paths: [String]
  @Option(name: .long, help: "Only this quantity (repeatable).")
  var quantity: [String] = []
  @Option(name: .long, help: "Coverage assumed where a row leaves `coverage` empty.")
  var coverage: Double = 0.9
  @Option(name: .long, help: "Level of the pooled intervals.")
  var level: Double = 0.9
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  func validate() throws {
    if paths.isEmpty { throw ValidationError("give at least one figures file") }
    guard coverage > 0 && coverage < 1 else { throw ValidationError("--coverage must be between 0 and 1 (exclusive), got \(coverage)") }
    guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)") }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(paths)
      let results = try RangesAnalysis.run(files, quantities: quantity, coverage: coverage, level: level)
      switch format {
      case .json: emit(RangesAnalysis.json(results).serialized() + "\n")
      case .csv: emit(RangesAnalysis.csv(results).text)
      case .table: emit(RangesAnalysis.table(results))
      }
    }
  }
}

struct Trend: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a trend to a yearly count: growth factor, annual percent change, doubling time, bands.",
    discussion: """
      A partial period (e.g. 2002-01-01/2002-07-30) enters count models with exposure offset
      log(211/365); fitted values and bands are for a full year.

      Examples:
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model poisson
        reconcile trend datasets/mou-arrivals.csv --quantity mou_arrivals --model quasipoisson --through 2003
        reconcile trend datasets/unhcr-bangkok.csv --quantity unhcr_bangkok_persons --format csv
      """)

  @Argument(help: "Figures files or folders of them.")
  var paths: [String]
  @Option(name: .long, help: "The quantity to fit.")
  var quantity: String
  @Option(name: .long, help: "Model: poisson, quasipoisson, loglinear or linear.")
  var model: String = "poisson"
  @Option(name: .long, help: "Confidence level.")
  var level: Double = 0.95
  @Option(name: .long, help: "Project through this year.")
  var through: Int?
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  func validate() throws {
    if paths.isEmpty { throw ValidationError("give at least one figures file") }
    guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)") }
    if TrendModel(rawValue: model) == nil {
      if ["negbin", "joinpoint"].contains(model) {
        throw ValidationError("--model \(model) is not available yet; use one of: \(TrendModel.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      throw ValidationError("unknown --model '\(model)'; use one of: \(TrendModel.allCases.map(\.rawValue).joined(separator: ", "))")
    }
  }

  func run() throws {
    try guarded {
      let files = try loadFigures(paths)
      let m = TrendModel(rawValue: model) ?? .poisson
      let r = try TrendAnalysis.run(files, quantity: quantity, model: m, level: level, through: through)
      switch format {
      case .json: emit(TrendAnalysis.json(r).serialized() + "\n")
      case .csv: emit(TrendAnalysis.csv([r]).text)
      case .table: emit(TrendAnalysis.table(r))
      }
    }
  }
}

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a regression to any CSV's columns: ols, wls, poisson, quasipoisson.",
    discussion: """
      Examples:
        reconcile fit data.csv --y y --x x
        reconcile fit data.csv --y y --x x --degree 3
        reconcile fit data.csv --y count --x year --model poisson --offset log_exposure
        reconcile fit data.csv --y y --x x --by region --format json
      """)

  @Argument(help: "A CSV file with a header row.")
  var path: String
  @Option(name: .long, help: "Response column.")
  var y: String
  @Option(name: .long, parsing: .singleValue, help: "Regressor column(s), comma separated.")
  var x: [String] = []
  @Option(name: .long, help: "Polynomial degree in the single --x column.")
  var degree: Int = 1
  @Flag(name: .long, help: "Fit without an intercept.")
  var noIntercept = false
  @Option(name: .long, help: "Model: ols, wls, poisson or quasipoisson.")
  var model: String = "ols"
  @Option(name: .long, help: "Weights column (wls).")
  var weights: String?
  @Option(name: .long, help: "Offset column, on the log scale (count models).")
  var offset: String?
  @Option(name: .long, help: "One fit per distinct value of this column.")
  var by: String?
  @Option(name: .long, help: "Confidence level.")
  var level: Double = 0.95
  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  var columns: [String] { x.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty } }

  func validate() throws {
    guard degree >= 1 else { throw ValidationError("--degree must be at least 1, got \(degree)") }
    guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1 (exclusive), got \(level)") }
    if ModelKind(rawValue: model) == nil {
      throw ValidationError("--model '\(model)' is not available; use one of: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    if model == "wls" && weights == nil { throw ValidationError("--model wls needs --weights COL") }
    if offset != nil && !(model == "poisson" || model == "quasipoisson") {
      throw ValidationError("--offset applies to count models (poisson, quasipoisson)")
    }
  }

  func run() throws {
    try guarded {
      let table = try CSVReader.read(path: path)
      let request = FitRequest(
        y: y, x: columns, degree: degree, noIntercept: noIntercept,
        model: ModelKind(rawValue: model) ?? .ols, weights: weights, offset: offset, by: by, level: level)
      let fits = try FitAnalysis.run(table, request)
      switch format {
      case .json:
        if by != nil {
          emit(JSON.array(fits.map { FitAnalysis.json($0.fit, group: $0.group) }).serialized() + "\n")
        } else if let f = fits.first {
          emit(FitAnalysis.json(f.fit).serialized() + "\n")
        }
      case .csv: emit(FitAnalysis.csv(fits).text)
      case .table: emit(FitAnalysis.table(fits))
      }
    }
  }
}

struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run every analysis on every dataset and write chart-ready CSV, JSON and Markdown.",
    discussion: """
      With no PATH, runs on ./datasets/ and writes ./reconcile-report/. For each dataset:
      DATASET/ranges.csv, DATASET/trend.csv, DATASET/summary.json, DATASET/report.md, and an
      index.md over all datasets. Everything is computed before anything is written, and each
      file is written to a temporary name and renamed into place: a failed run leaves no partial file.

      Examples:
        reconcile report
        reconcile report datasets/mou-arrivals.csv --out /tmp/arrivals-report
      """)

  @Argument(help: "Figures files or folders (default: datasets).")
  var paths: [String] = []
  @Option(name: .long, help: "Output folder.")
  var out: String = "reconcile-report"

  func run() throws {
    try guarded {
      let inputs = paths.isEmpty ? ["datasets"] : paths
      if paths.isEmpty && !FileManager.default.fileExists(atPath: "datasets") {
        throw FiguresError.fileNotFound(path: "datasets")
      }
      let files = try loadFigures(inputs)
      let names = ReportBuilder.folderNames(files.map(\.path))
      var reports: [DatasetReport] = []
      for (f, n) in zip(files, names) { reports.append(try ReportBuilder.analyse(f, name: n)) }
      for r in reports {
        for (rel, text) in r.outputs { try AtomicWriter.write(text, to: (out as NSString).appendingPathComponent(rel)) }
      }
      try AtomicWriter.write(ReportBuilder.index(reports), to: (out as NSString).appendingPathComponent("index.md"))
      emit("wrote \(out)/ — \(reports.count) datasets: \(reports.map(\.name).joined(separator: ", "))\n")
    }
  }
}

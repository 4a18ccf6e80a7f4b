// NIST StRD reference files: parsing of data, certified values and starting points.
import Foundation

/// One NIST Statistical Reference Dataset (StRD) as read from its `.dat` file.
///
/// The layout is NIST's (https://www.itl.nist.gov/div898/strd/): a header stating where the
/// certified values and the data sit (`Certified Values (lines 41 to 47)`,
/// `Data (lines 61 to 74)`), the model, the certified results, and the data block. The
/// univariate files in this repository use the reformatted layout of mathnet-numerics
/// (`Sample Mean … ybar: value`, data after a line of dashes).
public struct StRDDataset: Sendable {
  /// The four StRD families.
  public enum Kind: String, Sendable, CaseIterable {
    /// Linear least squares regression (Norris, Longley, Filip, …).
    case linear
    /// Nonlinear least squares regression (Misra1a, MGH09, …).
    case nonlinear
    /// Univariate summary statistics (Lew, NumAcc1, …).
    case univariate
    /// One-way analysis of variance (SiRstv, SmLs01, …).
    case anova
  }

  /// A certified parameter: its name as NIST prints it (`B0`, `b1`), the certified estimate
  /// and the certified standard deviation of the estimate.
  public struct Certified: Sendable, Equatable {
    /// Parameter name as in the file (`B0`, `b1`).
    public var name: String
    /// Certified estimate.
    public var estimate: Double
    /// Certified standard deviation of the estimate.
    public var standardError: Double

    /// Creates a certified parameter value.
    public init(name: String, estimate: Double, standardError: Double) {
      self.name = name
      self.estimate = estimate
      self.standardError = standardError
    }
  }

  /// Certified univariate summary statistics.
  public struct Univariate: Sendable, Equatable {
    /// Sample mean ȳ.
    public var mean: Double
    /// Sample standard deviation with divisor n − 1.
    public var sd: Double
    /// Lag-1 sample autocorrelation coefficient r(1) as NIST defines it.
    public var autocorrelation: Double

    /// Creates certified univariate statistics.
    public init(mean: Double, sd: Double, autocorrelation: Double) {
      self.mean = mean
      self.sd = sd
      self.autocorrelation = autocorrelation
    }
  }

  /// One row of a certified ANOVA table (`Between Treatment 8 1.68 0.21 21.0`).
  public struct AnovaRow: Sendable, Equatable {
    /// Source of variation as printed (`Between Treatment`, `Within Instrument`).
    public var source: String
    /// Degrees of freedom.
    public var df: Int
    /// Sum of squares.
    public var sumOfSquares: Double
    /// Mean square.
    public var meanSquare: Double
    /// F statistic (only on the between-groups row).
    public var f: Double?
  }

  /// Dataset name (`MGH09`, `Longley`, `Lew`).
  public var name: String
  /// Which family the file belongs to.
  public var kind: Kind
  /// The model equation(s) as printed, e.g. `y = b1*(1-exp[-b2*x])  +  e` (lines joined by "\n").
  public var modelText: String
  /// Number of model parameters stated in the header (`4 Parameters (b1 to b4)`), if stated.
  public var parameterCount: Int?
  /// Number of observations (rows of `data` for regression and univariate sets).
  public var observationCount: Int
  /// Column names of `data`: the response first (`y`), then the predictors (`x`, `x1`, …).
  /// For ANOVA sets, the group labels of the (wide) data columns.
  public var variables: [String]
  /// The data rows, as printed.
  public var data: [[Double]]
  /// Certified parameter values (regression sets), in file order.
  public var certified: [Certified]
  /// NIST starting values `Start 1` (nonlinear sets), in parameter order; empty otherwise.
  public var start1: [Double]
  /// NIST starting values `Start 2` (nonlinear sets), in parameter order; empty otherwise.
  public var start2: [Double]
  /// Certified residual standard deviation, where given.
  public var residualSD: Double?
  /// Certified residual sum of squares, where given.
  public var residualSS: Double?
  /// Certified R², where given.
  public var rSquared: Double?
  /// Residual degrees of freedom, where given.
  public var degreesOfFreedom: Int?
  /// Certified univariate statistics (univariate sets only).
  public var univariate: Univariate?
  /// Certified ANOVA table rows (ANOVA sets; linear sets' regression/residual rows).
  public var anova: [AnovaRow]

  /// Column `j` of `data` (0 is the response for regression sets); rows too short give NaN.
  public func column(_ j: Int) -> [Double] {
    data.map { j >= 0 && j < $0.count ? $0[j] : .nan }
  }

  /// The response column `y` (first data column).
  public var response: [Double] { column(0) }

  /// The data columns by name (`["y": …, "x": …]`).
  public var columns: [String: [Double]] {
    var out: [String: [Double]] = [:]
    for (j, v) in variables.enumerated() { out[v] = column(j) }
    return out
  }
}

/// An error reading a StRD file, with its location.
public struct StRDError: Error, Sendable, Equatable, CustomStringConvertible {
  /// File path.
  public var path: String
  /// 1-based line number, when the error belongs to a line.
  public var line: Int?
  /// What went wrong.
  public var message: String

  /// Compiler-style `PATH:LINE: error: MESSAGE`.
  public var description: String {
    if let line { return "\(path):\(line): error: \(message)" }
    return "\(path): error: \(message)"
  }
}

/// Reading NIST StRD `.dat` files.
public enum StRD {
  /// The reference folder: `$NIST_STRD_DIR` when set, otherwise `../shared/reference/nist-strd`
  /// relative to the package root (found from this source file's `#filePath`), otherwise
  /// `reference/nist-strd` inside the package root. Returns nil when none exists.
  public static func directory() -> URL? {
    let fm = FileManager.default
    func isDir(_ url: URL) -> Bool {
      var d: ObjCBool = false
      return fm.fileExists(atPath: url.path, isDirectory: &d) && d.boolValue
    }
    if let env = ProcessInfo.processInfo.environment["NIST_STRD_DIR"], !env.isEmpty {
      let u = URL(fileURLWithPath: env)
      return isDir(u) ? u : nil
    }
    // .../<root>/Sources/StRD/StRD.swift → <root>
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [
      root.deletingLastPathComponent().appendingPathComponent("shared/reference/nist-strd"),
      root.appendingPathComponent("reference/nist-strd"),
    ]
    return candidates.first(where: isDir)
  }

  /// The `.dat` files of one family folder (`linear`, `nonlinear`, `univariate`, `anova`),
  /// sorted by name; empty when the folder is missing.
  public static func files(_ kind: StRDDataset.Kind) -> [URL] {
    guard let dir = directory() else { return [] }
    let sub = dir.appendingPathComponent(kind.rawValue)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: sub.path)) ?? []
    return names.filter { $0.hasSuffix(".dat") }.sorted().map { sub.appendingPathComponent($0) }
  }

  /// Loads the named dataset (`"MGH09"`) of a family from `directory()`.
  /// - Throws: `StRDError` when the folder or file is missing or malformed.
  public static func load(_ name: String, kind: StRDDataset.Kind) throws(StRDError) -> StRDDataset {
    guard let dir = directory() else {
      throw StRDError(
        path: "nist-strd", line: nil, message: "reference folder not found (set NIST_STRD_DIR)")
    }
    return try load(
      path: dir.appendingPathComponent(kind.rawValue).appendingPathComponent(name + ".dat").path)
  }

  /// Reads and parses one StRD `.dat` file.
  /// - Throws: `StRDError` when the file cannot be read or is malformed.
  public static func load(path: String) throws(StRDError) -> StRDDataset {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      guard let latin = try? String(contentsOfFile: path, encoding: .isoLatin1) else {
        throw StRDError(
          path: path, line: nil, message: "cannot read file: \(error.localizedDescription)")
      }
      text = latin
    }
    return try parse(text, path: path)
  }

  /// Parses the text of a StRD file; `path` is used in errors only.
  /// - Throws: `StRDError` for a malformed file.
  public static func parse(_ text: String, path: String = "<string>") throws(StRDError)
    -> StRDDataset
  {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }
    var parser = Parser(lines: lines, path: path)
    return try parser.run()
  }
}

/// Line-oriented parser state.
private struct Parser {
  let lines: [String]
  let path: String

  func fail(_ message: String, line: Int? = nil) -> StRDError {
    StRDError(path: path, line: line, message: message)
  }

  /// Whitespace-separated tokens.
  static func tokens(_ s: String) -> [String] {
    s.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
  }

  /// A Fortran-style number (`1.5E-01`, `0.1D+01`).
  static func number(_ s: String) -> Double? {
    if let v = Double(s) { return v }
    return Double(
      s.replacingOccurrences(of: "D", with: "E").replacingOccurrences(of: "d", with: "e"))
  }

  /// `(lines X to Y)` on the header line containing `label`, 1-based inclusive.
  func range(_ label: String) -> ClosedRange<Int>? {
    for line in lines.prefix(20) where line.contains(label) {
      guard let open = line.range(of: "(lines") else { continue }
      let rest = line[open.upperBound...].replacingOccurrences(of: ")", with: " ")
      let t = Parser.tokens(rest)
      guard t.count >= 3, t[1] == "to", let a = Int(t[0]), let b = Int(t[2]), a >= 1, b >= a else {
        continue
      }
      return a...b
    }
    return nil
  }

  /// Value after the last ':' of the first line whose text starts with (trimmed) `prefix`.
  func valueAfterColon(_ prefix: String, in r: Range<Int>? = nil) -> Double? {
    let rr = r ?? 0..<lines.count
    for i in rr where i < lines.count {
      let t = lines[i].trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix(prefix), let c = t.lastIndex(of: ":") else { continue }
      if let v = Parser.tokens(String(t[t.index(after: c)...])).first.flatMap(Parser.number) {
        return v
      }
    }
    return nil
  }

  /// The first integer preceding `word` on any header line (`11 Observations`).
  func count(before word: String) -> Int? {
    for line in lines.prefix(60) {
      let t = Parser.tokens(line)
      for k in t.indices.dropFirst() where t[k].hasPrefix(word) {
        if let v = Int(t[k - 1]) { return v }
      }
    }
    return nil
  }

  func datasetName() -> String {
    for line in lines.prefix(10) where line.hasPrefix("Dataset Name:") {
      let t = Parser.tokens(String(line.dropFirst("Dataset Name:".count)))
      if let first = t.first { return first }
    }
    return (path as NSString).lastPathComponent.replacingOccurrences(of: ".dat", with: "")
  }

  func kind() -> StRDDataset.Kind {
    for line in lines.prefix(40) {
      if line.hasPrefix("Procedure:") {
        if line.contains("Nonlinear") { return .nonlinear }
        if line.contains("Linear") { return .linear }
        if line.contains("Analysis of Variance") { return .anova }
      }
      if line.hasPrefix("Stat Category:") && line.contains("Univariate") { return .univariate }
    }
    return .univariate
  }

  /// The equation lines of the `Model:` block.
  func modelText() -> String {
    guard let start = lines.firstIndex(where: { $0.hasPrefix("Model:") }) else { return "" }
    var out: [String] = []
    var inEquation = false
    var i = start
    while i < lines.count {
      var t = lines[i].trimmingCharacters(in: .whitespaces)
      if i == start { t = String(t.dropFirst("Model:".count)).trimmingCharacters(in: .whitespaces) }
      if i > start, lines[i].hasPrefix(where: { !$0.isWhitespace }) { break }
      if t.contains("Starting") || t.contains("Certified") { break }
      if !inEquation, t.contains("="), !t.contains("Parameters") { inEquation = true }
      if inEquation {
        if t.isEmpty {
          // a blank line ends the equation unless the next line continues it
          if i + 1 < lines.count, lines[i + 1].trimmingCharacters(in: .whitespaces).contains("=") {
            i += 1
            continue
          }
          break
        }
        out.append(t)
      }
      i += 1
    }
    return out.joined(separator: "\n")
  }

  mutating func run() throws(StRDError) -> StRDDataset {
    let kind = kind()
    var ds = StRDDataset(
      name: datasetName(), kind: kind, modelText: modelText(),
      parameterCount: count(before: "Parameters"), observationCount: 0, variables: [], data: [],
      certified: [], start1: [], start2: [], residualSD: nil, residualSS: nil, rSquared: nil,
      degreesOfFreedom: nil, univariate: nil, anova: [])
    switch kind {
    case .univariate: try univariate(&ds)
    case .linear, .nonlinear, .anova: try regression(&ds)
    }
    if let stated = count(before: "Observations")
      ?? valueAfterColon("Number of Observations").map({ Int($0) }),
      kind != .anova, stated != ds.data.count
    {
      throw fail("header states \(stated) observations, the data block has \(ds.data.count)")
    }
    ds.observationCount = kind == .anova ? ds.data.reduce(0) { $0 + $1.count } : ds.data.count
    return ds
  }

  mutating func univariate(_ ds: inout StRDDataset) throws(StRDError) {
    guard let dash = lines.firstIndex(where: { $0.hasPrefix("----") }) else {
      throw fail("no line of dashes before the data")
    }
    if dash > 0, lines[dash - 1].hasPrefix("Data:") {
      ds.variables = Parser.tokens(String(lines[dash - 1].dropFirst(5)))
    }
    if ds.variables.isEmpty { ds.variables = ["y"] }
    for i in (dash + 1)..<lines.count {
      let t = Parser.tokens(lines[i])
      if t.isEmpty { continue }
      var row: [Double] = []
      for tok in t {
        guard let v = Parser.number(tok) else {
          throw fail("'\(tok)' is not a number", line: i + 1)
        }
        row.append(v)
      }
      ds.data.append(row)
    }
    guard let mean = valueAfterColon("Sample Mean"),
      let sd = valueAfterColon("Sample Standard Deviation"),
      let r1 = valueAfterColon("Sample Autocorrelation")
    else { throw fail("certified mean, standard deviation or autocorrelation missing") }
    ds.univariate = .init(mean: mean, sd: sd, autocorrelation: r1)
  }

  mutating func regression(_ ds: inout StRDDataset) throws(StRDError) {
    guard let dataRange = range("Data") else { throw fail("header has no 'Data (lines X to Y)'") }
    guard let certRange = range("Certified Values") else {
      throw fail("header has no 'Certified Values (lines X to Y)'")
    }
    guard dataRange.upperBound <= lines.count else {
      throw fail(
        "data block ends at line \(dataRange.upperBound) but the file has \(lines.count) lines")
    }
    // Variables: the "Data:" line just before the block (regression sets).
    let before = dataRange.lowerBound - 2
    if before >= 0, lines[before].hasPrefix("Data:") {
      ds.variables = Parser.tokens(String(lines[before].dropFirst(5)))
    }
    for ln in dataRange {
      let t = Parser.tokens(lines[ln - 1])
      if t.isEmpty { continue }
      var row: [Double] = []
      for tok in t {
        guard let v = Parser.number(tok) else {
          if ds.kind == .anova {
            row = []
            break
          }  // group-label lines inside ANOVA blocks
          throw fail("'\(tok)' is not a number", line: ln)
        }
        row.append(v)
      }
      if !row.isEmpty { ds.data.append(row) }
    }
    if ds.kind == .anova {
      // Group labels: the last line of integers before the block (e.g. "1 2 3 … 9").
      var i = dataRange.lowerBound - 2
      while i >= 0, i >= dataRange.lowerBound - 8 {
        let t = Parser.tokens(lines[i])
        if !t.isEmpty, t.allSatisfy({ Int($0) != nil }) {
          ds.variables = t
          break
        }
        i -= 1
      }
    } else if ds.variables.isEmpty, let width = ds.data.first?.count {
      ds.variables = ["y"] + (1..<max(1, width)).map { width == 2 ? "x" : "x\($0)" }
    }
    if ds.kind != .anova, let width = ds.data.first?.count {
      guard ds.variables.count == width else {
        throw fail(
          "data has \(width) columns, the 'Data:' line names \(ds.variables.count)",
          line: dataRange.lowerBound - 1)
      }
      for (k, row) in ds.data.enumerated() where row.count != width {
        throw fail("data row \(k + 1) has \(row.count) values, expected \(width)")
      }
    }

    // Certified values and starting points.
    let cert = (certRange.lowerBound - 1)..<min(lines.count, certRange.upperBound)
    for i in cert {
      let line = lines[i]
      let t = Parser.tokens(line)
      if ds.kind == .nonlinear, t.count >= 6, t[1] == "=" {
        let nums = t[2...].compactMap(Parser.number)
        guard nums.count == 4 else {
          throw fail("expected Start 1, Start 2, estimate and SD", line: i + 1)
        }
        ds.start1.append(nums[0])
        ds.start2.append(nums[1])
        ds.certified.append(.init(name: t[0], estimate: nums[2], standardError: nums[3]))
      } else if ds.kind == .linear, t.count == 3, t[0].first?.isLetter == true,
        let e = Parser.number(t[1]), let s = Parser.number(t[2])
      {
        ds.certified.append(.init(name: t[0], estimate: e, standardError: s))
      }
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("Standard Deviation")
        || trimmed.hasPrefix("Residual Standard Deviation"),
        let v = t.last.flatMap(Parser.number)
      {
        ds.residualSD = ds.residualSD ?? v
      }
      if trimmed.contains("R-Squared"), let v = t.last.flatMap(Parser.number) { ds.rSquared = v }
      if trimmed.hasPrefix("Residual Sum of Squares"), let v = t.last.flatMap(Parser.number) {
        ds.residualSS = v
      }
      if trimmed.hasPrefix("Degrees of Freedom"), let v = t.last.flatMap({ Int($0) }) {
        ds.degreesOfFreedom = v
      }
      // ANOVA rows: SOURCE… df SS MS [F]
      if ds.kind != .nonlinear, let k = t.firstIndex(where: { Int($0) != nil }), k >= 1,
        t.count - k >= 3,
        !trimmed.hasPrefix("Source"), t[(k + 1)...].allSatisfy({ Parser.number($0) != nil }),
        let df = Int(t[k]), let ss = Parser.number(t[k + 1]), let ms = Parser.number(t[k + 2])
      {
        let source = t[..<k].joined(separator: " ")
        let f = t.count - k >= 4 ? Parser.number(t[k + 3]) : nil
        ds.anova.append(.init(source: source, df: df, sumOfSquares: ss, meanSquare: ms, f: f))
        if source.hasPrefix("Residual") || source.hasPrefix("Within") {
          ds.residualSS = ds.residualSS ?? ss
          ds.degreesOfFreedom = ds.degreesOfFreedom ?? df
        }
      }
    }
    if ds.kind != .anova, ds.certified.isEmpty {
      throw fail("no certified parameter values found", line: certRange.lowerBound)
    }
    if let p = ds.parameterCount, ds.kind == .nonlinear, p != ds.certified.count {
      throw fail("header states \(p) parameters, \(ds.certified.count) certified values found")
    }
  }
}

extension String {
  fileprivate func hasPrefix(where predicate: (Character) -> Bool) -> Bool {
    first.map(predicate) ?? false
  }
}

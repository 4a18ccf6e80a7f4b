import Foundation
import StanParity
import TestSupport
import Testing

@testable import Statistics

/// The emitted Stan program and its JSON data (`TrajectoryStan`), against the committed
/// `Tests/Fixtures/trajectory/model.stan`, Stan's own parser and the reference data sets.
@Suite("Trajectory model in Stan")
struct TrajectoryStanTests {
  /// Three years, two series (the second the reference), one evidence group, every kind, and
  /// names that would break JSON or HTML if they were written.
  static let sample = TrajectoryData(
    years: [2020, 2021, 2022],
    statements: [
      TrajectoryStatement(id: "a\"b", year: 0, series: 0, kind: .point, y: 4.5, sigma: 0.2),
      TrajectoryStatement(id: "c\\d\n", year: 1, series: 1, group: 0, kind: .lower, y: 4.25, sigma: 0.3),
      TrajectoryStatement(id: "</script>", year: 2, series: 0, group: 0, kind: .upper, y: 5, sigma: 0.125),
      TrajectoryStatement(
        id: "e", year: 2, series: 1, kind: .interval, y: 4.75, low: 4.5, high: 5.0, sigma: 0.4),
    ],
    series: ["Series \"one\"", "two\u{0}"], groups: ["<group>&"], reference: 1,
    priors: TrajectoryPriors(levelCenter: 4.6))

  /// The data file as Stan reads it, decoded by Foundation's `JSONDecoder`, which reads every
  /// double exactly (`JSONSerialization` on Linux does not: it misreads about half of random
  /// doubles by an ulp or more). Integers must be written as integers to decode as `Int`.
  typealias StanData = StanParity.StanData

  static func decode(_ text: String) throws -> StanData {
    try JSONDecoder().decode(StanData.self, from: Data(text.utf8))
  }

  /// The top-level keys of the JSON text, as Foundation's `JSONSerialization` reads them.
  static func jsonKeys(_ text: String) throws -> Set<String> {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return Set(try #require(object as? [String: Any], "not a JSON object").keys)
  }

  /// The keys of the JSON text in the order written (one key per line).
  static func keys(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
      guard line.hasPrefix("  \""), let end = line.dropFirst(3).firstIndex(of: "\"") else { return nil }
      return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
    }
  }

  static let keyOrder = [
    "T", "N", "S", "G", "year", "series", "group", "kind", "y", "low", "high", "sigma", "reference",
    "levelCenter", "levelScale", "smoothnessScale", "biasScale", "errorScale", "outlierProbability",
    "outlierScale",
  ]

  @Test func deterministic() throws {
    let copy = TrajectoryData(
      years: Self.sample.years, statements: Self.sample.statements, series: Self.sample.series,
      groups: Self.sample.groups, reference: Self.sample.reference, priors: Self.sample.priors)
    let text = try TrajectoryStan.dataJSON(Self.sample)
    #expect(try text == TrajectoryStan.dataJSON(Self.sample))
    #expect(try text == TrajectoryStan.dataJSON(copy))
    #expect(Self.keys(text) == Self.keyOrder)
    #expect(text.hasPrefix("{\n") && text.hasSuffix("\n}\n"))
  }

  /// No name, id or other text of the user's reaches the file: only keys, numbers and JSON's
  /// punctuation, all of it printable ASCII.
  @Test func writesNoUserText() throws {
    let text = try TrajectoryStan.dataJSON(Self.sample)
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789{}[]\":,.-+ \n")
    let unexpected = text.filter { !allowed.contains($0) }
    #expect(unexpected.isEmpty, "unexpected characters: \(unexpected.debugDescription)")
    for name in ["a\"b", "c\\d", "</script>", "Series", "<group>", "2020"] {
      #expect(!text.contains(name), "\(name) written")
    }
    #expect(try Self.jsonKeys(text) == Set(Self.keyOrder))
  }

  @Test func oneBasedIndices() throws {
    let d = try Self.decode(try TrajectoryStan.dataJSON(Self.sample))
    #expect([d.T, d.N, d.S, d.G] as [Int] == [3, 4, 2, 1])
    #expect(d.year == [1, 2, 3, 3])
    #expect(d.series == [1, 2, 1, 2])
    #expect(d.group == [0, 1, 1, 0])
    #expect(d.kind == [1, 2, 3, 4])
    #expect(d.reference == 2)
    #expect(d.y == [4.5, 4.25, 5, 4.75])
    #expect(d.low == [0, 0, 0, 4.5])
    #expect(d.high == [0, 0, 0, 5])
    #expect(d.sigma == [0.2, 0.3, 0.125, 0.4])
    #expect(d.levelCenter == 4.6)
    #expect(d.levelScale == TrajectoryPriors.defaultLevelScale)
    #expect(d.smoothnessScale == TrajectoryPriors.defaultSmoothnessScale)
    #expect(d.biasScale == TrajectoryPriors.defaultBiasScale)
    #expect(d.errorScale == TrajectoryPriors.defaultErrorScale)
    #expect(d.outlierProbability == TrajectoryPriors.defaultOutlierProbability)
    #expect(d.outlierScale == TrajectoryPriors.defaultOutlierScale)
  }

  /// One statement, no group, no reference: 0 for both, and every per-statement value still an
  /// array (Stan reads `"year": 1` as a scalar, not as an array of length 1).
  @Test func oneStatementNoGroupNoReference() throws {
    let data = TrajectoryData(
      years: [1999], statements: [TrajectoryStatement(id: "x", year: 0, series: 0, kind: .point, y: 1, sigma: 0.5)],
      series: ["s"], priors: TrajectoryPriors(levelCenter: 1))
    let text = try TrajectoryStan.dataJSON(data)
    for line in ["\"year\": [1]", "\"series\": [1]", "\"group\": [0]", "\"kind\": [1]", "\"y\": [1.0]", "\"G\": 0"] {
      #expect(text.contains(line), "missing \(line)")
    }
    let d = try Self.decode(text)
    #expect(d.G == 0 && d.reference == 0 && d.group == [0] && d.sigma == [0.5])
  }

  /// Every double reads back as the same double, at the edges of the format too.
  @Test func doublesRoundTripExactly() throws {
    var values: [Double] = [
      0.1, 1.0 / 3, -2.5e-7, 1e-5, 123_456_789.125, .pi, 1.0.nextUp, -1e300, 1.7976931348623157e308,
      2.2250738585072014e-308, 5e-324, -0.0, 0, 1e22, 4.35,
    ]
    var generator = SplitMix64(state: 28)
    for _ in 0..<200 {
      let magnitude = Double.random(in: -30...30, using: &generator)
      values.append(Double.random(in: -1...1, using: &generator) * pow(10, magnitude))
    }
    // Valid data (dataJSON validates): points, whose low and high are written but not read,
    // and positive sds; the priors' scales from the positive values.
    let sigma = { (v: Double) in v == 0 ? 1 : abs(v) }
    let statements = values.enumerated().map { i, v in
      TrajectoryStatement(id: "\(i)", year: 0, series: 0, kind: .point, y: v, low: -v, high: v * 0.5, sigma: sigma(v))
    }
    let priorValues = [values[2], values[0], 0, values[1], values[3], values[4], values[5], values[6], values[7]]
    let priors = TrajectoryPriors(
      levelCenter: priorValues[0], levelScale: priorValues[1], smoothnessScale: priorValues[3],
      biasScale: priorValues[4], errorScale: priorValues[5], outlierProbability: 0.1, outlierScale: priorValues[7])
    let data = TrajectoryData(years: [0], statements: statements, series: ["s"], priors: priors)
    let d = try Self.decode(try TrajectoryStan.dataJSON(data))
    let checks: [(String, [Double], [Double])] = [
      ("y", d.y, values), ("low", d.low, values.map { -$0 }), ("high", d.high, values.map { $0 * 0.5 }),
      ("sigma", d.sigma, values.map(sigma)),
    ]
    for (key, read, expected) in checks {
      #expect(read.count == expected.count)
      for (r, e) in zip(read, expected) where r != e {
        Issue.record("\(key): wrote \(e), read back \(r)")
      }
    }
    let readPriors = [
      d.levelCenter, d.levelScale, d.smoothnessScale, d.biasScale, d.errorScale, d.outlierProbability, d.outlierScale,
    ]
    #expect(
      readPriors == [
        priorValues[0], priorValues[1], priorValues[3], priorValues[4], priorValues[5], 0.1, priorValues[7],
      ])
  }

  /// A NaN or an infinity is an error, never a file.
  @Test func refusesNonFinite() throws {
    for (y, sigma) in [(Double.nan, 0.5), (.infinity, 0.5), (1, -.infinity), (1, 0)] {
      #expect(throws: StatisticsError.self, "y \(y), sigma \(sigma)") {
        try TrajectoryStanTests.emit(y: y, sigma: sigma)
      }
    }
    #expect(try TrajectoryStanTests.emit(y: 1).contains("\"y\": [1.0]"))
  }

  /// `dataJSON` of one statement.
  static func emit(y: Double, sigma: Double = 0.5) throws -> String {
    let statement = TrajectoryStatement(id: "x", year: 0, series: 0, kind: .point, y: y, sigma: sigma)
    let data = TrajectoryData(
      years: [0], statements: [statement], series: ["s"], priors: TrajectoryPriors(levelCenter: 0))
    return try TrajectoryStan.dataJSON(data)
  }
}

/// The Stan program's text: its blocks read what `dataJSON` writes and declare what the issue
/// asks for; the committed `model.stan` is its exact copy; Stan's parser accepts it; the
/// reference data sets are in the format `dataJSON` writes.
@Suite("Trajectory Stan program")
struct TrajectoryStanModelTests {
  /// The lines of the program's top-level block `name` (e.g. "generated quantities").
  static func block(_ name: String) throws -> [Substring] {
    let lines = TrajectoryStan.model.split(separator: "\n", omittingEmptySubsequences: false)
    let start = try #require(lines.firstIndex(of: Substring(name + " {")), "no block \(name)")
    let end = try #require(lines[start...].firstIndex(of: "}"), "block \(name) not closed")
    return Array(lines[(start + 1)..<end])
  }

  /// The names a block declares at its top level: `type name;` or `type name = …;` lines.
  static func declared(_ name: String) throws -> [String] {
    try block(name).compactMap { line in
      guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  //") else { return nil }
      let code = String(line.split(separator: "//")[0])
      guard code.contains(";") else { return nil }
      let declaration = code.components(separatedBy: " = ")[0]
      let words = declaration.split(whereSeparator: { $0 == " " || $0 == ";" })
      return words.last.map(String.init)
    }
  }

  @Test func dataBlockReadsTheKeysDataJSONWrites() throws {
    #expect(try Self.declared("data") == TrajectoryStanTests.keyOrder)
  }

  @Test func parameters() throws {
    #expect(try Self.declared("parameters") == ["z", "tau", "eta", "sigmaB", "u", "omega"])
    let lines = try Self.block("parameters").map { $0.split(separator: "//")[0] }
    for positive in ["tau", "sigmaB", "omega"] {
      #expect(lines.contains { $0.contains("real<lower=0> \(positive);") }, "\(positive) is not <lower=0>")
    }
  }

  /// The issue asks for a generated quantity named `level`, on the natural scale.
  @Test func generatedQuantities() throws {
    #expect(try Self.declared("generated quantities") == ["level", "bias", "outlier"])
    let text = try Self.block("generated quantities").joined(separator: "\n")
    #expect(text.contains("vector[T] level;"))
    #expect(text.contains("level = exp(x);"))
  }

  /// `Tests/Fixtures/trajectory/model.stan`, the program the reference runs sampled, is the
  /// emitted text byte for byte. With REGENERATE_TRAJECTORY_STAN=1 in the environment this test
  /// writes it instead (see scripts/peers/trajectory/README.md).
  @Test func committedModelIsTheEmittedOne() throws {
    let url = Fixtures.url("trajectory/model.stan")
    if ProcessInfo.processInfo.environment["REGENERATE_TRAJECTORY_STAN"] == "1" {
      try Data(TrajectoryStan.model.utf8).write(to: url)
    }
    let committed = try String(contentsOf: url, encoding: .utf8)
    #expect(
      committed == TrajectoryStan.model,
      "model.stan differs from TrajectoryStan.model: regenerate it and the references")
  }

  /// Stan's own parser (stanc3, from PyStan's httpstan in `.venv-stan`) translates the emitted
  /// program, and rejects a broken copy of it (so a failure would show).
  @Test func stancAcceptsTheProgram() throws {
    let stanc = Fixtures.repositoryRoot.appendingPathComponent(".venv-stan/bin/stanc")
    guard FileManager.default.isExecutableFile(atPath: stanc.path) else {
      Issue.record(
        "no Stan parser at \(stanc.path): run `source scripts/lib/deps.sh && ensure_stan` (PyStan in .venv-stan)")
      return
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trajectory-stanc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    func stancStatus(_ program: String) throws -> (status: Int32, message: String) {
      let file = folder.appendingPathComponent("model.stan")
      try Data(program.utf8).write(to: file)
      let process = Process()
      process.executableURL = stanc
      process.arguments = [file.path, "--o", folder.appendingPathComponent("model.hpp").path]
      let messages = Pipe()
      process.standardOutput = messages
      process.standardError = messages
      try process.run()
      let text = messages.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }
    let accepted = try stancStatus(TrajectoryStan.model)
    #expect(accepted.status == 0, "stanc rejected the program: \(accepted.message)")
    #expect(accepted.message.isEmpty, "stanc warned: \(accepted.message)")
    let broken = TrajectoryStan.model.replacingOccurrences(of: "vector[T] level;", with: "vector[T] level")
    #expect(broken != TrajectoryStan.model)
    #expect(try stancStatus(broken).status != 0, "stanc accepted a broken program")
  }

  /// Every reference data set, read into `TrajectoryData` and written again by `dataJSON`,
  /// gives the committed file byte for byte: the generator writes exactly the emitted format.
  @Test func referenceDataSetsHaveTheEmittedFormat() throws {
    let folders = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("trajectory"))
      .filter { $0.hasPrefix("random-") }.sorted()
    #expect(folders.count == 20)
    for folder in folders {
      let text = try String(contentsOf: Fixtures.url("trajectory/\(folder)/data.json"), encoding: .utf8)
      let data = try StanParity.trajectoryData(Data(text.utf8))
      #expect(try TrajectoryStan.dataJSON(data) == text, "\(folder)/data.json is not what dataJSON writes")
      let levels = try Fixtures.csv("trajectory/\(folder)/stan-quantiles.csv").filter { $0["quantity"] == "level" }
      #expect(levels.count == data.years.count, "\(folder): level rows")
    }
  }
}

import Foundation
import Numerics
import StRD
import TestSupport
import Testing

@testable import Statistics

/// The NIST StRD univariate sets, read at test time: certified values from the .dat files.
@Suite("describe on NIST StRD univariate sets")
struct DescribeNISTTests {
  static let files: [URL] = StRD.files(.univariate)

  /// The data block as decimal text: the lines after the dashes under "Data:".
  static func decimalData(_ url: URL) throws -> [String] {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    guard let data = lines.firstIndex(where: { $0.hasPrefix("Data:") }),
      let dash = lines[data...].firstIndex(where: { $0.hasPrefix("----") })
    else { return [] }
    return lines[(dash + 1)...].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
  }

  @Test func allNineSetsArePresent() {
    #expect(Self.files.count >= 8)
  }

  @Test("mean and sd LRE ≥ 13, lag-1 autocorrelation ≥ 11", arguments: files)
  func certifiedDigits(_ url: URL) throws {
    let set = try StRD.load(path: url.path)
    let certified = try #require(set.univariate)
    let text = try Self.decimalData(url)
    #expect(text.count == set.observationCount)
    let values = try text.map { try #require(DoubleDouble(decimal: $0), "\($0)") }
    let d = try Describe.describe(values)
    #expect(d.n == set.observationCount)
    #expect(logRelativeError(d.mean, certified.mean) >= 13, "\(set.name) mean \(d.mean) vs \(certified.mean)")
    #expect(
      logRelativeError(try #require(d.sd), certified.sd) >= 13, "\(set.name) sd \(d.sd ?? .nan) vs \(certified.sd)")
    #expect(
      logRelativeError(try #require(d.autocorrelation), certified.autocorrelation) >= 11,
      "\(set.name) r1 \(d.autocorrelation ?? .nan) vs \(certified.autocorrelation)")
  }

  @Test func decimalParsing() throws {
    let x = try #require(DoubleDouble(decimal: "10000000.2"))
    let y = try #require(DoubleDouble(decimal: "10000000.1"))
    // The difference of the decimal values is 0.1 to ~1e-25, not 0.1 ± 1e-9 as in doubles.
    #expect(abs((x - y).value - 0.1) < 1e-16)
    #expect(DoubleDouble(decimal: "1.5e-3")?.value == 0.0015)
    #expect(DoubleDouble(decimal: "-300000")?.value == -300000)
    #expect(DoubleDouble(decimal: "abc") == nil)
    #expect(DoubleDouble(decimal: "1e") == nil)
    #expect(DoubleDouble(decimal: "") == nil)
  }
}

import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import Statistics

/// A figure that is left out of pooling must not change what is pooled: a point figure of 0
/// added to the North Korea estimates once switched the whole quantity to the natural scale
/// (random effects 78,081 → 107,729, a prediction interval from −23,348 people).
@Suite("ranges: a figure left out changes nothing")
struct RangesExcludedFigureTests {
  static let root = Fixtures.repositoryRoot

  static func analyse(_ text: String) throws -> QuantityRanges {
    let file = try FiguresReader.parse(Array(text.utf8), path: "t.csv")
    let results = try RangesAnalysis.run([file], quantities: ["nk_in_china"], coverage: 0.9, level: 0.9)
    return try #require(results.first)
  }

  static func key(_ re: LogRandomEffects?) -> [Double] {
    guard let re else { return [] }
    return [re.estimate, re.ciLow, re.ciHigh, re.piLow, re.piHigh, re.tau2, re.i2, Double(re.k)]
  }

  static func key(_ p: PooledRange?) -> [Double] { p.map { [$0.estimate, $0.low, $0.high] } ?? [] }

  @Test("nk-in-china with an extra row of value 0 pools exactly as without it", arguments: ["0", "0.0", "0e5"])
  func zeroRowChangesNothing(_ zero: String) throws {
    let text = try String(contentsOf: Self.root.appendingPathComponent("datasets/nk-in-china.csv"), encoding: .utf8)
    let columns = text.prefix { $0 != "\n" }.split(separator: ",", omittingEmptySubsequences: false).count
    // id x, quantity nk_in_china, value 0, every other cell empty.
    let extra = "x,nk_in_china,\(zero)" + String(repeating: ",", count: columns - 3) + "\n"
    let without = try Self.analyse(text)
    let with = try Self.analyse(text + extra)
    let a = without.reconciliation
    let b = with.reconciliation
    #expect(b.scale == .log)
    #expect(a.scale == .log)
    #expect(Self.key(b.randomEffects) == Self.key(a.randomEffects))
    #expect(Self.key(b.linearPool) == Self.key(a.linearPool))
    #expect(Self.key(b.logarithmicPool) == Self.key(a.logarithmicPool))
    #expect(b.leaveOneOut.map { $0.id } == a.leaveOneOut.map { $0.id })
    #expect(b.leaveOneOut.map { Self.key($0.pooled) } == a.leaveOneOut.map { Self.key($0.pooled) })
    #expect(b.distributions == a.distributions)
    #expect(b.envelope.low == a.envelope.low && b.envelope.high == a.envelope.high)
    #expect(b.intersection == nil && a.intersection == nil)
    #expect(b.conflicts == a.conflicts)
    #expect(b.conflictPairCount == a.conflictPairCount)
    #expect(
      with.byYear.map { Self.key($0.reconciliation.randomEffects) }
        == without.byYear.map { Self.key($0.reconciliation.randomEffects) })
    // The README's figure, from the independent SciPy computation behind it
    // (scripts/reference/censored_pooling.py, case nk_in_china_seed: 104,794.44).
    #expect(abs((b.randomEffects?.estimate ?? 0) - 104_794.44) < 0.01)
    #expect((b.randomEffects?.piLow ?? -1) > 0)
    // Only the listing of figures left out grows, by the zero row, with its reason.
    #expect(b.excluded.map(\.id) == a.excluded.map(\.id) + ["x"])
    #expect(b.excluded.last?.reason == "a point figure of zero gives no scale for its uncertainty")
  }

  @Test("A figure whose spread underflows on the natural scale is left out, and other quantities still report")
  func underflowingSpread() throws {
    let text = "id,quantity,value\na,q,1e-300\nb,q,-4\nc,r,5\n"
    let file = try FiguresReader.parse(Array(text.utf8), path: "t.csv")
    let results = try RangesAnalysis.run([file], quantities: [], coverage: 0.9, level: 0.9)
    #expect(results.map(\.quantity) == ["q", "r"])
    let q = results[0].reconciliation
    #expect(q.scale == .natural)
    #expect(q.distributions.map(\.id) == ["b"])
    #expect(q.excluded.map(\.id) == ["a"])
    #expect(q.excluded.first?.reason.contains("σ² underflows") == true)
    // b alone: −4 read as −8 to −2 at 90%, reported as read (not reconciled).
    #expect(abs((q.reported?.low ?? 0) + 8) < 1e-12)
    #expect(abs((q.reported?.high ?? 0) + 2) < 1e-12)
    #expect(q.randomEffects == nil && q.logarithmicPool == nil)
    #expect(results[1].reconciliation.reported?.estimate == 5)
  }
}

import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import Statistics

/// What `ranges` makes of a statement's meaning — superseded, narrower scope, shared evidence,
/// kinds, stated centres — with Figure values built directly (the reader fills these fields on
/// another branch).
@Suite("ranges: statements as published")
struct RangesStatementTests {
  static func figure(
    _ id: String, value: Double? = nil, low: Double? = nil, high: Double? = nil, line: Int,
    edit: (inout Figure) -> Void = { _ in }
  ) -> Figure {
    var f = Figure(
      id: id, quantity: "q", value: value, low: low, high: high, source: "S \(id)", published: "2005",
      location: SourceLocation(path: "t.csv", line: line))
    f.kind = Figure.inferredKind(value: value, low: low, high: high)
    edit(&f)
    return f
  }

  static func run(_ figures: [Figure]) throws -> QuantityRanges {
    let file = FiguresFile(path: "t.csv", columns: [], figures: figures, warnings: [])
    return try #require(try RangesAnalysis.run([file], coverage: 0.9, level: 0.9).first)
  }

  static func json(_ q: QuantityRanges) throws -> [String: Any] {
    let text = RangesAnalysis.json([q]).serialized()
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    return try #require((doc["quantities"] as? [[String: Any]])?.first)
  }

  @Test("Superseded and narrower-scope figures are left out, with the reason, and out of the envelope")
  func supersededAndScoped() throws {
    let q = try Self.run([
      Self.figure("old", value: 30_000, line: 2),
      Self.figure("new", value: 40_000, line: 3) { $0.supersedes = ["old"] },
      Self.figure("yanbian", value: 5_000, line: 4) { $0.scope = "Yanbian only" },
      Self.figure("b", low: 20_000, high: 90_000, line: 5),
      Self.figure("c", value: 60_000, line: 6),
    ])
    let rec = q.reconciliation
    #expect(rec.distributions.map(\.id) == ["new", "b", "c"])
    #expect(q.pooling(ofFigure: 0).excludedReason == "superseded by new")
    #expect(q.pooling(ofFigure: 2).excludedReason == "narrower scope (Yanbian only): not pooled as the whole")
    #expect(rec.envelope.low == 20_000 && rec.envelope.high == 90_000)
    let table = RangesAnalysis.table([q])
    #expect(table.contains("not pooled: old — superseded by new"))
    #expect(table.contains("not pooled: yanbian — narrower scope (Yanbian only): not pooled as the whole"))
  }

  @Test("An evidence group enters once: three copies pool exactly as one")
  func evidenceGroup() throws {
    let others = [
      Self.figure("a", low: 10_000, high: 40_000, line: 2), Self.figure("b", value: 15_000, line: 3),
      Self.figure("c", low: 5_000, high: 60_000, line: 4),
    ]
    let copies = (1...3).map { k in
      Self.figure("ngo-\(k)", value: 300_000, line: 4 + k) { $0.evidence = "ngo-extrapolation" }
    }
    let once = try Self.run(others + [copies[0]]).reconciliation
    let thrice = try Self.run(others + copies)
    #expect(thrice.reconciliation.distributions == once.distributions)
    #expect(thrice.reconciliation.randomEffects == once.randomEffects)
    #expect(thrice.reconciliation.linearPool == once.linearPool)
    #expect(thrice.reconciliation.logarithmicPool == once.logarithmicPool)
    #expect(thrice.pooling(ofFigure: 4).excludedReason == "shares evidence ngo-extrapolation with ngo-1: pooled once")
  }

  @Test("JSON gives each source's reading and centre; a stated centre is kept in JSON and CSV")
  func readingsAndCentres() throws {
    let q = try Self.run([
      Self.figure("lancet", value: 98_000, low: 8_000, high: 194_000, line: 2) {
        $0.coverage = 0.95
        $0.coverageStated = true
      },
      Self.figure("floor", low: 100_000, line: 3),
      Self.figure("cap", value: 300_000, line: 4) {
        $0.kind = .atMost
        $0.kindStated = true
      },
      Self.figure("about", value: 30_000, line: 5) {
        $0.kind = .about
        $0.kindStated = true
      },
      Self.figure("r", low: 20_000, high: 80_000, line: 6),
    ])
    let json = try Self.json(q)
    let sources = try #require(json["sources"] as? [[String: Any]])
    #expect(sources.map { $0["reading"] as? String } == ["range", "at_least", "at_most", "about", "range"])
    #expect(sources[0]["center"] as? Double == 98_000)
    #expect(sources[1]["center"] is NSNull && sources[2]["center"] is NSNull)
    #expect(sources[3]["center"] as? Double == 30_000)
    #expect(relativeDifference(sources[4]["center"] as? Double, (20_000.0 * 80_000).squareRoot()) < 1e-15)
    // "as many as 300,000": low open, high 300,000 — not 150,000–600,000.
    #expect(sources[2]["low"] is NSNull && sources[2]["high"] as? Double == 300_000)
    let pooled = try #require(json["pooled"] as? [String: Any])
    #expect(pooled["censored"] as? Int == 2)
    #expect((pooled["method"] as? String)?.contains("maximum likelihood") == true)
    // ranges.csv: mid is the stated centre.
    let csv = String(decoding: RangesAnalysis.csvBytes([q]), as: UTF8.self)
    #expect(csv.contains("q,source,lancet,\"S lancet 2005: 8,000–194,000\",8000,98000,194000,98000,yes,"))
    #expect(csv.contains("q,source,cap,\"S cap 2005: up to 300,000\",,300000,300000,300000,yes,"))
  }

  @Test("One figure: no random effects, no pools; table, CSV and JSON say it is reported as stated")
  func oneFigure() throws {
    let q = try Self.run([Self.figure("rate", value: 8.3, line: 2)])
    #expect(q.reconciliation.randomEffects == nil)
    let table = RangesAnalysis.table([q])
    #expect(!table.contains("random effects"))
    #expect(
      table.contains(
        "one figure, reported as stated (not reconciled): 8.3 (rate, point; its own 90% interval 4.15–16.6)"))
    let json = try Self.json(q)
    #expect(json["pooled"] is NSNull && json["linear_pool"] is NSNull && json["log_pool"] is NSNull)
    let reported = try #require(json["reported"] as? [String: Any])
    #expect(reported["center"] as? Double == 8.3)
    let csv = String(decoding: RangesAnalysis.csvBytes([q]), as: UTF8.self)
    #expect(!csv.contains("random_effects"))
    #expect(csv.contains("q,reported,one_figure,"))
    // Its own rows only: an envelope or intersection row would restate the source row.
    #expect(!csv.contains(",envelope,") && !csv.contains(",intersection,"))
    #expect(csv.split(separator: "\n").count == 3)
    // A range read at the level of its coverage is reported with its stated ends exactly.
    let range = try Self.run([Self.figure("r", low: 41_822, high: 250_932, line: 2)])
    let own = try #require(try Self.json(range)["reported"] as? [String: Any])
    #expect(own["low"] as? Double == 41_822 && own["high"] as? Double == 250_932)
  }

  @Test("Fifty conflicting sources fit one screen: the consistent group, not every pair, in under 80 lines")
  func fiftySources() throws {
    var figures: [Figure] = []
    var x: UInt64 = 7
    for k in 0..<50 {
      x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let low = Double(5 + (x >> 33) % 300) * 1000
      figures.append(Self.figure("s\(k)", low: low, high: low * Double(2 + (x >> 20) % 4), line: k + 2))
    }
    let q = try Self.run(figures)
    let table = RangesAnalysis.table([q])
    #expect(table.split(separator: "\n", omittingEmptySubsequences: false).count < 80)
    #expect(table.contains("the largest group of mutually consistent sources, "))
    #expect(!table.contains("do not overlap"))
    let group = try #require(try Self.json(q)["consistent_group"] as? [String: Any])
    let ids = try #require(group["ids"] as? [String])
    let outside = try #require(group["outside"] as? [String])
    #expect(ids.count + outside.count == 50 && ids.count > 1)
  }

  @Test("Two figures: a common effect, labelled so, with no τ² or I²")
  func twoFigures() throws {
    let q = try Self.run([Self.figure("a", low: 100, high: 400, line: 2), Self.figure("b", value: 300, line: 3)])
    let table = RangesAnalysis.table([q])
    #expect(table.contains("common effect (log scale, inverse-variance; two figures give no between-source variance)"))
    #expect(!table.contains("tau2"))
    let pooled = try #require(try Self.json(q)["pooled"] as? [String: Any])
    #expect(pooled["model"] as? String == "common_effect")
    #expect(pooled["tau2"] is NSNull && pooled["i2"] is NSNull)
  }
}

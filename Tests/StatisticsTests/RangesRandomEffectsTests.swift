import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// The Knapp–Hartung CI, the HTS prediction interval and τ²'s Q-profile interval against
/// metafor 3.8.1 (`scripts/peers/ranges/make-knha-reference.R`).
@Suite("ranges' random effects against metafor: Knapp–Hartung, t(k−2) prediction, Q-profile τ²")
struct RangesRandomEffectsTests {
  @Test("Five sets of stated ranges: CI and PI to 1e-7, τ²'s interval to 1e-6")
  func againstMetafor() throws {
    let rows = try Fixtures.csv("meta/ranges-knha-reference.csv")
    #expect(rows.count == 5)
    let z = Normal.quantile(0.95)
    for row in rows {
      let lows = (row["lows"] ?? "").split(separator: ";").compactMap { Double($0) }
      let highs = (row["highs"] ?? "").split(separator: ";").compactMap { Double($0) }
      #expect(lows.count == highs.count && lows.count >= 3)
      let y = zip(lows, highs).map { (log($0) + log($1)) / 2 }
      let v = zip(lows, highs).map { pow((log($1) - log($0)) / (2 * z), 2) }
      let r = try RangesRandomEffects.fit(estimates: y, variances: v, level: 0.9)
      func expected(_ key: String) -> Double { Double(row[key] ?? "") ?? .nan }
      let name = row["case"] ?? "?"
      for (key, got, tolerance) in [
        ("estimate", r.estimate, 1e-9), ("se", r.standardError, 1e-7), ("ci_low", r.ciLow, 1e-7),
        ("ci_high", r.ciHigh, 1e-7), ("pi_low", r.piLow, 1e-7), ("pi_high", r.piHigh, 1e-7), ("tau2", r.tau2, 1e-7),
        ("tau2_low", r.tau2Interval?.low ?? .nan, 1e-6), ("tau2_high", r.tau2Interval?.high ?? .nan, 1e-6),
      ] {
        let want = expected(key)
        #expect(abs(got - want) <= tolerance * max(1, abs(want)), "\(name) \(key): \(got) vs metafor \(want)")
      }
    }
  }

  @Test("--interval z: the Wald CI and z prediction interval equal metafor's rma(test = \"z\") and predict() to 1e-7")
  func zAgainstMetafor() throws {
    let rows = try Fixtures.csv("meta/ranges-knha-reference.csv")
    let z = Normal.quantile(0.95)
    for row in rows {
      let lows = (row["lows"] ?? "").split(separator: ";").compactMap { Double($0) }
      let highs = (row["highs"] ?? "").split(separator: ";").compactMap { Double($0) }
      let y = zip(lows, highs).map { (log($0) + log($1)) / 2 }
      let v = zip(lows, highs).map { pow((log($1) - log($0)) / (2 * z), 2) }
      let r = try RangesRandomEffects.fit(estimates: y, variances: v, level: 0.9, interval: .z)
      let name = row["case"] ?? "?"
      for (key, got) in [
        ("estimate", r.estimate), ("tau2", r.tau2), ("z_ci_low", r.ciLow), ("z_ci_high", r.ciHigh),
        ("z_pi_low", r.piLow), ("z_pi_high", r.piHigh),
      ] {
        let want = try #require(Double(row[key] ?? ""), "\(name): no \(key)")
        #expect(abs(got - want) <= 1e-7 * max(1, abs(want)), "\(name) \(key): \(got) vs metafor \(want)")
      }
      // Not the Knapp–Hartung interval: the options differ on these cases.
      let knha = try RangesRandomEffects.fit(estimates: y, variances: v, level: 0.9)
      #expect(knha.piLow != r.piLow)
    }
  }

  @Test("The pooling's arithmetic is MetaAnalysis.fit's, bit for bit (DL, z and Knapp–Hartung), on 200 random sets")
  func sameBitsAsMetaAnalysis() throws {
    var g = SplitMix64(seed: 30)
    for _ in 0..<200 {
      let k = 3 + Int(g.next() % 20)
      let y = (0..<k).map { _ in 10 + 3 * (Double(g.next() % 10_000) / 10_000 - 0.5) }
      let v = (0..<k).map { _ in 0.01 + Double(g.next() % 10_000) / 5_000 }
      for interval in RangeInterval.allCases {
        let r = try RangesRandomEffects.fit(estimates: y, variances: v, level: 0.9, interval: interval)
        let m = try MetaAnalysis.fit(
          estimates: y, variances: v, method: .DL, test: interval == .knha ? .knha : .z, level: 0.9)
        let z = try MetaAnalysis.fit(estimates: y, variances: v, method: .DL, test: .z, level: 0.9)
        #expect(r.estimate == m.estimate && r.tau2 == m.tau2 && r.i2 == m.i2)
        #expect(r.ciLow == m.ciLow && r.ciHigh == m.ciHigh)
        #expect(r.standardError == z.standardError)
        if interval == .z { #expect(r.piLow == m.piLow && r.piHigh == m.piHigh) }
      }
    }
  }

  @Test("Each source's share of the weight, as ranges reports it, equals metafor's weights()")
  func weights() throws {
    for row in try Fixtures.csv("meta/ranges-knha-reference.csv") {
      let lows = (row["lows"] ?? "").split(separator: ";").compactMap { Double($0) }
      let highs = (row["highs"] ?? "").split(separator: ";").compactMap { Double($0) }
      let expected = (row["weights"] ?? "").split(separator: ";").compactMap { Double($0) }
      let inputs = zip(lows, highs).enumerated().map {
        RangeInput(id: "s\($0.offset)", low: $0.element.0, high: $0.element.1, value: nil, coverage: 0.9)
      }
      let rec = try RangePooling.reconcile(inputs, level: 0.9)
      let got = try #require(rec.weights)
      #expect(got.count == expected.count)
      for (g, e) in zip(got, expected) { #expect(abs(g - e) <= 1e-9, "\(row["case"] ?? "?"): \(g) vs \(e)") }
    }
  }

  @Test("A centre outside most sources' figures is said: three points and a wide range (issue #30)")
  func centreOutsideMostSources() throws {
    let points = [11.0e6, 12.0e6, 10.8e6].enumerated().map {
      RangeInput(id: "p\($0.offset)", low: nil, high: nil, value: $0.element, coverage: 0.9)
    }
    let wide = RangeInput(id: "wide", low: 16.2e6, high: 29.5e6, value: nil, coverage: 0.9)
    let rec = try RangePooling.reconcile(points + [wide], level: 0.9)
    #expect(rec.notes.contains { $0.contains("lies outside the stated figures of 4 of 4 sources (above 3, below 1)") })
    // Sources that agree: no such note.
    let agree = try RangePooling.reconcile(
      [(100.0, 200.0), (120, 220), (90, 180)].enumerated().map {
        RangeInput(id: "a\($0.offset)", low: $0.element.0, high: $0.element.1, value: nil, coverage: 0.9)
      }, level: 0.9)
    #expect(!agree.notes.contains { $0.contains("lies outside") })
  }

  @Test("Fewer than three estimates is an error")
  func tooFew() {
    #expect(throws: StatisticsError.self) {
      try RangesRandomEffects.fit(estimates: [1, 2], variances: [0.1, 0.1], level: 0.9)
    }
  }
}

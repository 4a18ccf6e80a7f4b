import Foundation
import Testing

@testable import Statistics

/// The sensitivity table's shorter path for plain figures against reconciling each cell
/// (issue #30), and the linear pool's modes.
@Suite("Ranges: the sensitivity table and the linear pool's modes")
struct RangesSensitivityTests {
  /// Plain figures: points and ranges, some with a stated coverage.
  static func plainInputs(_ g: inout SplitMix64, count: Int) -> [RangeInput] {
    (0..<count).map { i in
      let centre = 1000 * (1 + Double(g.next() % 1000))
      let stated = g.next() % 4 == 0
      let coverage = stated ? [0.5, 0.75, 0.99][Int(g.next() % 3)] : 0.9
      if g.next() % 3 == 0 {
        return RangeInput(
          id: "p\(i)", low: nil, high: nil, value: centre, coverage: coverage, coverageStated: stated)
      }
      let width = 1.05 + Double(g.next() % 100) / 20
      return RangeInput(
        id: "r\(i)", low: centre / width, high: centre * width, value: nil, coverage: coverage,
        coverageStated: stated)
    }
  }

  /// Each cell reconciled on its own, as a run with `--coverage C --point-factor F` does.
  static func eachCell(_ inputs: [RangeInput], interval: RangeInterval) throws -> [LogRandomEffects?] {
    var out: [LogRandomEffects?] = []
    for c in RangePooling.sensitivityCoverages {
      let cellInputs = inputs.map { s -> RangeInput in
        var s = s
        if !s.coverageStated { s.coverage = c }
        return s
      }
      for f in RangePooling.sensitivityPointFactors {
        out.append(try RangePooling.reconcile(cellInputs, level: 0.9, pointFactor: f, interval: interval).randomEffects)
      }
    }
    return out
  }

  @Test("Plain figures: the shorter path gives each cell's numbers bit for bit", arguments: RangeInterval.allCases)
  func plainPathIsExact(_ interval: RangeInterval) throws {
    var g = SplitMix64(seed: 3030)
    for round in 0..<40 {
      let inputs = Self.plainInputs(&g, count: 3 + round % 25)
      let rec = try RangePooling.reconcile(inputs, level: 0.9, interval: interval, sensitivity: true)
      // The shorter path applies here (it returns the table).
      let plain = try #require(RangePooling.plainSensitivity(inputs, level: 0.9, interval: interval))
      #expect(plain == rec.sensitivity)
      let expected = try Self.eachCell(inputs, interval: interval)
      #expect(rec.sensitivity.count == 12)
      for (cell, want) in zip(rec.sensitivity, expected) {
        let got = try #require(cell.pooled)
        let w = try #require(want)
        #expect(got.estimate == w.estimate && got.ciLow == w.ciLow && got.ciHigh == w.ciHigh)
        #expect(got.piLow == w.piLow && got.piHigh == w.piHigh && got.tau2 == w.tau2)
      }
    }
  }

  @Test("The cells differ from one another, and the run's own reading is one of them")
  func cellsMove() throws {
    let inputs = [
      RangeInput(id: "p1", low: nil, high: nil, value: 11e6, coverage: 0.9),
      RangeInput(id: "p2", low: nil, high: nil, value: 12e6, coverage: 0.9),
      RangeInput(id: "r1", low: 10e6, high: 30e6, value: nil, coverage: 0.9),
      RangeInput(id: "r2", low: 16e6, high: 29e6, value: nil, coverage: 0.9),
    ]
    let rec = try RangePooling.reconcile(inputs, level: 0.9, sensitivity: true)
    let widths = rec.sensitivity.compactMap { $0.pooled.map { $0.piHigh / $0.piLow } }
    #expect(Set(widths).count == 12)
    let own = try #require(rec.sensitivity.first { $0.coverage == 0.9 && $0.pointFactor == 2 }?.pooled)
    #expect(own.estimate == rec.randomEffects?.estimate && own.piLow == rec.randomEffects?.piLow)
  }

  @Test("Figures that are not plain (a bound) are reconciled per cell; one figure has no table")
  func otherFigures() throws {
    let inputs = [
      RangeInput(id: "a", low: 50_000, high: 300_000, value: nil, coverage: 0.9),
      RangeInput(id: "b", low: 20_000, high: 99_999, value: nil, coverage: 0.9),
      RangeInput(id: "c", low: nil, high: 300_000, value: nil, coverage: 0.9, kind: .atMost),
      RangeInput(id: "d", low: nil, high: nil, value: 80_000, coverage: 0.9),
    ]
    #expect(RangePooling.plainSensitivity(inputs, level: 0.9, interval: .knha) == nil)
    let rec = try RangePooling.reconcile(inputs, level: 0.9, sensitivity: true)
    let expected = try Self.eachCell(inputs, interval: .knha)
    #expect(rec.sensitivity.map(\.pooled) == expected)
    #expect(rec.sensitivity.allSatisfy { $0.pooled?.censored == 1 })
    let one = try RangePooling.reconcile([inputs[0]], level: 0.9, sensitivity: true)
    #expect(one.sensitivity.isEmpty)
  }

  @Test("Two far-apart sources make a bimodal linear pool; three that overlap, one mode")
  func modes() throws {
    let apart = try RangePooling.reconcile(
      [
        RangeInput(id: "a", low: 1_000, high: 2_000, value: nil, coverage: 0.9),
        RangeInput(id: "b", low: 100_000, high: 200_000, value: nil, coverage: 0.9),
      ], level: 0.9)
    let density = try #require(RangePooling.linearPoolDensity(apart.distributions))
    #expect(density.modes.count == 2)
    // Each mode lies at its source's centre (log scale), to the grid's step.
    let step = density.grid[1] - density.grid[0]
    for (mode, d) in zip(density.modes, apart.distributions) { #expect(abs(mode - d.mu) <= step) }
    // The density integrates to 1 and is the sum of its components.
    let area = density.density.reduce(0, +) * step
    #expect(abs(area - 1) < 1e-3)
    let overlapping = try RangePooling.reconcile(
      [(100.0, 200.0), (120, 220), (90, 180)].enumerated().map {
        RangeInput(id: "s\($0.offset)", low: $0.element.0, high: $0.element.1, value: nil, coverage: 0.9)
      }, level: 0.9)
    #expect(try #require(RangePooling.linearPoolDensity(overlapping.distributions)).modes.count == 1)
  }
}

import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// The property tests' seeded generator: the library's own SplitMix64, started at `state`
/// (the same sequences the tests' private copy gave).
typealias SplitMix = SplitMix64

extension RangeInput {
  /// An input at the figures table's default coverage (`Figure.defaultCoverage`, which this
  /// target does not see): the library asks every caller to state the coverage.
  init(id: String, low: Double?, high: Double?, value: Double?, weight: Double = 1, excludedReason: String? = nil) {
    self.init(id: id, low: low, high: high, value: value, coverage: 0.9, weight: weight, excludedReason: excludedReason)
  }
}

@Suite("Range pooling")
struct RangePoolingTests {
  @Test("One range read at its own coverage gives back its ends")
  func singleRangeRoundTrip() throws {
    // Two copies: their pools and their common effect are the one range's own reading.
    let r = try RangePooling.reconcile(
      [
        RangeInput(id: "a", low: 50_000, high: 300_000, value: nil, coverage: 0.9),
        RangeInput(id: "b", low: 50_000, high: 300_000, value: nil, coverage: 0.9),
      ], level: 0.9)
    let lp = try #require(r.linearPool)
    let gp = try #require(r.logarithmicPool)
    let re = try #require(r.randomEffects)
    let mid = (50_000.0 * 300_000).squareRoot()
    #expect(relativeDifference(lp.estimate, mid) < 1e-9)
    #expect(relativeDifference(lp.low, 50_000) < 1e-9)
    #expect(relativeDifference(lp.high, 300_000) < 1e-9)
    #expect(relativeDifference(gp.low, 50_000) < 1e-12)
    #expect(relativeDifference(gp.high, 300_000) < 1e-12)
    #expect(relativeDifference(re.estimate, mid) < 1e-12)
    #expect(re.tau2 == 0)
    // σ = (ln H − ln L) / (2 z₀.₉₅) with z₀.₉₅ = 1.6448536269514722 (qnorm(0.95) in R).
    let sigma = (log(300_000.0) - log(50_000.0)) / (2 * 1.6448536269514722)
    #expect(relativeDifference(try #require(r.distributions.first).sigma, sigma) < 1e-14)
  }

  @Test("A figure that restates others is left out of pooling, with the reason")
  func derivedExcluded() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "mou", low: nil, high: nil, value: 10_000),
      RangeInput(id: "ngo", low: nil, high: nil, value: 300_000),
      RangeInput(id: "hrw", low: 10_000, high: 300_000, value: nil, excludedReason: "restates mou, ngo"),
    ])
    #expect(r.distributions.map(\.id) == ["mou", "ngo"])
    #expect(r.excluded.map(\.id) == ["hrw"])
    #expect(r.randomEffects?.k == 2)
    #expect(r.envelope.low == 10_000 && r.envelope.high == 300_000)
    #expect(r.distributions.first?.reading == "point")
    #expect(r.distributions.first?.low == 5_000 && r.distributions.first?.high == 20_000)
  }

  @Test("Disjoint ranges: no intersection and the conflicting pair is named")
  func conflicts() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "tens", low: 20_000, high: 99_999, value: nil),
      RangeInput(id: "hrwf", low: 100_000, high: 300_000, value: nil),
      RangeInput(id: "ai", low: 50_000, high: 300_000, value: nil),
    ])
    #expect(r.intersection == nil)
    #expect(r.conflictPairs.count == 1)
    #expect(r.conflictPairs.first.map { [$0.0, $0.1] } == ["tens", "hrwf"])
    #expect(r.conflicts == ["tens", "hrwf"])
    #expect(r.leaveOneOut.map(\.id) == ["tens", "hrwf", "ai"])
  }

  @Test("Overlapping ranges intersect")
  func intersection() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "a", low: 10, high: 100, value: nil),
      RangeInput(id: "b", low: 50, high: 300, value: nil),
      RangeInput(id: "c", low: 60, high: nil, value: nil),
    ])
    #expect(r.intersection?.low == 60 && r.intersection?.high == 100)
    // The envelope spans the stated numbers; "at least 60" leaves it open above.
    #expect(r.envelope.low == 10 && r.envelope.high == 300 && r.envelopeOpen == (false, true))
    // "At least 60" is pooled as a censored observation, not left out.
    #expect(r.excluded.isEmpty)
    #expect(r.distributions.last?.reading == "at_least")
    #expect(r.randomEffects?.censored == 1)
    #expect(r.conflicts.isEmpty)
  }

  static func randomInputs(_ g: inout SplitMix) -> [RangeInput] {
    let k = Int.random(in: 2...12, using: &g)
    return (0..<k).map { i in
      let low = Double.random(in: 1...1_000, using: &g)
      if Bool.random(using: &g) {
        return RangeInput(id: "s\(i)", low: nil, high: nil, value: low)
      }
      return RangeInput(
        id: "s\(i)", low: low, high: low * Double.random(in: 1.01...50, using: &g), value: nil,
        coverage: Double.random(in: 0.5...0.99, using: &g), weight: Double.random(in: 0.5...2, using: &g))
    }
  }

  /// Conflicts as they were found before they went by position: every pooled input's bounds,
  /// the conflicting ids, then as candidates every bound whose id is among them.
  static func referenceConflicts(_ inputs: [RangeInput])
    -> (conflicts: [String], pairCount: Int, pairs: [(String, String)])
  {
    var bounds: [(id: String, low: Double, high: Double)] = []
    for s in inputs where s.excludedReason == nil {
      bounds.append((s.id, s.low ?? s.value ?? -.infinity, s.high ?? s.value ?? .infinity))
    }
    var conflicts: [String] = []
    for (i, b) in bounds.enumerated() {
      let others = bounds.indices.filter { $0 != i }
      let otherMaxLow = others.map { bounds[$0].low }.filter { !$0.isNaN }.max() ?? -.infinity
      let otherMinHigh = others.map { bounds[$0].high }.filter { !$0.isNaN }.min() ?? .infinity
      if b.high < otherMaxLow || b.low > otherMinHigh { conflicts.append(b.id) }
    }
    let involved = Set(conflicts)
    let candidates = bounds.filter { involved.contains($0.id) }
    let lows = candidates.map(\.low).sorted()
    var count = 0
    for c in candidates {
      var lo = 0
      var hi = lows.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if lows[mid] > c.high { hi = mid } else { lo = mid + 1 }
      }
      count += lows.count - lo
    }
    var pairs: [(String, String)] = []
    listing: for i in candidates.indices {
      for j in candidates.indices where j > i {
        if candidates[i].high < candidates[j].low || candidates[j].high < candidates[i].low {
          pairs.append((candidates[i].id, candidates[j].id))
          if pairs.count == RangePooling.maxListedPairs { break listing }
        }
      }
    }
    return (conflicts, count, pairs)
  }

  @Test("Conflicts, their count and the listed pairs match finding them by id")
  func conflictsAgainstReference() throws {
    var g = SplitMix(state: 4242)
    for trial in 0..<400 {
      let k = Int.random(in: 1...(trial % 4 == 0 ? 80 : 15), using: &g)
      // Ids from a small pool (so that some are shared), reversed and one-sided ranges, point
      // figures, NaN ends and left-out inputs now and then.
      let inputs: [RangeInput] = (0..<k).map { _ in
        let id = "s\(Int.random(in: 0..<max(2, k / 2), using: &g))"
        // Whole numbers in every other trial: ends that tie.
        let raw = Double.random(in: 1...1_000, using: &g)
        let a = trial % 2 == 0 ? raw.rounded(.down) : raw
        var b = a * Double.random(in: 1.01...4, using: &g)
        if trial % 2 == 0 { b = b.rounded(.up) }
        switch Int.random(in: 0..<20, using: &g) {
        case 0: return RangeInput(id: id, low: b, high: a, value: nil)
        case 1: return RangeInput(id: id, low: a, high: nil, value: nil)
        case 2: return RangeInput(id: id, low: nil, high: b, value: nil)
        case 3: return RangeInput(id: id, low: nil, high: nil, value: a)
        case 4: return RangeInput(id: id, low: trial % 8 == 1 ? .nan : a, high: b, value: nil)
        case 5: return RangeInput(id: id, low: a, high: b, value: nil, excludedReason: "restates")
        default: return RangeInput(id: id, low: a, high: b, value: nil)
        }
      }
      let r = try RangePooling.reconcile(inputs, detail: false)
      let reference = Self.referenceConflicts(inputs)
      #expect(r.conflicts == reference.conflicts, "trial \(trial)")
      #expect(r.conflictPairCount == reference.pairCount, "trial \(trial)")
      #expect(r.conflictPairs.map(\.0) == reference.pairs.map(\.0), "trial \(trial)")
      #expect(r.conflictPairs.map(\.1) == reference.pairs.map(\.1), "trial \(trial)")
    }
  }

  @Test("Leaving out the conflicts or leave-one-out changes nothing else")
  func withoutConflictsOrLeaveOneOut() throws {
    var g = SplitMix(state: 7)
    for trial in 0..<300 {
      // Half the trials with disjoint ranges, one-sided bounds and exclusions among them.
      var inputs = Self.randomInputs(&g)
      if trial % 2 == 1 {
        inputs.append(RangeInput(id: "far", low: 1e6, high: 2e6, value: nil))
        inputs.append(RangeInput(id: "floor", low: 5, high: nil, value: nil))
        inputs.append(RangeInput(id: "copy", low: 1, high: 2, value: nil, excludedReason: "restates"))
      }
      let full = try RangePooling.reconcile(inputs, level: 0.8)
      if trial % 2 == 1 { #expect(!full.conflicts.isEmpty, "trial \(trial)") }
      if full.distributions.count > 2 { #expect(!full.leaveOneOut.isEmpty, "trial \(trial)") }
      for (conflicts, leaveOneOut) in [(false, true), (true, false), (false, false)] {
        let lean = try RangePooling.reconcile(inputs, level: 0.8, conflicts: conflicts, leaveOneOut: leaveOneOut)
        let label = "trial \(trial), conflicts \(conflicts), leave-one-out \(leaveOneOut)"
        if conflicts {
          #expect(lean.conflicts == full.conflicts && lean.conflictPairCount == full.conflictPairCount, "\(label)")
          #expect(lean.conflictPairs.map(\.0) == full.conflictPairs.map(\.0), "\(label)")
          #expect(lean.conflictPairs.map(\.1) == full.conflictPairs.map(\.1), "\(label)")
        } else {
          #expect(lean.conflicts.isEmpty && lean.conflictPairs.isEmpty && lean.conflictPairCount == 0, "\(label)")
        }
        #expect(lean.leaveOneOut == (leaveOneOut ? full.leaveOneOut : []), "\(label)")
        #expect(lean.distributions == full.distributions, "\(label)")
        #expect(lean.excluded.map(\.id) == full.excluded.map(\.id), "\(label)")
        #expect(lean.excluded.map(\.reason) == full.excluded.map(\.reason), "\(label)")
        #expect(lean.outcomes == full.outcomes, "\(label)")
        #expect(lean.envelope.low == full.envelope.low && lean.envelope.high == full.envelope.high, "\(label)")
        #expect(lean.intersection?.low == full.intersection?.low, "\(label)")
        #expect(lean.intersection?.high == full.intersection?.high, "\(label)")
        #expect(lean.randomEffects == full.randomEffects, "\(label)")
        #expect(lean.linearPool == full.linearPool, "\(label)")
        #expect(lean.logarithmicPool == full.logarithmicPool, "\(label)")
        #expect(lean.scale == full.scale, "\(label)")
      }
    }
  }

  @Test("Pooled results do not depend on the order of the sources")
  func permutationInvariance() throws {
    var g = SplitMix(state: 42)
    for _ in 0..<200 {
      let inputs = Self.randomInputs(&g)
      let a = try RangePooling.reconcile(inputs)
      let b = try RangePooling.reconcile(inputs.shuffled(using: &g))
      for (x, y) in [
        (a.randomEffects?.estimate, b.randomEffects?.estimate), (a.randomEffects?.piHigh, b.randomEffects?.piHigh),
        (a.linearPool?.estimate, b.linearPool?.estimate), (a.linearPool?.high, b.linearPool?.high),
        (a.logarithmicPool?.estimate, b.logarithmicPool?.estimate),
      ] {
        #expect(relativeDifference(try #require(x), try #require(y)) < 1e-9)
      }
    }
  }

  @Test("Pooled results scale with the unit")
  func scaleEquivariance() throws {
    var g = SplitMix(state: 7)
    for _ in 0..<200 {
      let inputs = Self.randomInputs(&g)
      let c = Double.random(in: 0.001...1000, using: &g)
      let scaled = inputs.map { s in
        var t = s
        t.low = s.low.map { $0 * c }
        t.high = s.high.map { $0 * c }
        t.value = s.value.map { $0 * c }
        return t
      }
      let a = try RangePooling.reconcile(inputs)
      let b = try RangePooling.reconcile(scaled)
      #expect(
        relativeDifference(try #require(b.randomEffects?.estimate), c * (try #require(a.randomEffects?.estimate)))
          < 1e-9)
      #expect(relativeDifference(try #require(b.linearPool?.low), c * (try #require(a.linearPool?.low))) < 1e-9)
      #expect(
        relativeDifference(try #require(b.logarithmicPool?.high), c * (try #require(a.logarithmicPool?.high))) < 1e-9)
      #expect(abs(b.randomEffects!.tau2 - a.randomEffects!.tau2) < 1e-9)
    }
  }

  @Test("Pooled centres lie inside the envelope of the pooled sources")
  func insideEnvelope() throws {
    var g = SplitMix(state: 99)
    for _ in 0..<200 {
      let inputs = Self.randomInputs(&g)
      let r = try RangePooling.reconcile(inputs)
      let lo = r.distributions.map(\.low).min() ?? 0
      let hi = r.distributions.map(\.high).max() ?? 0
      for x in [r.randomEffects?.estimate, r.linearPool?.estimate, r.logarithmicPool?.estimate] {
        let v = try #require(x)
        #expect(v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12))
      }
    }
  }

  @Test("The logarithmic pool's median matches a numerical integration of the pooled density")
  func logPoolByQuadrature() throws {
    let inputs = [
      RangeInput(id: "a", low: 50_000, high: 300_000, value: nil),
      RangeInput(id: "b", low: 100_000, high: 300_000, value: nil, coverage: 0.8),
    ]
    let r = try RangePooling.reconcile(inputs)
    let d = r.distributions
    // Unnormalised pooled log-density on t = log x: Σ wᵢ log φ((t − μᵢ)/σᵢ) with wᵢ = 1/2.
    let lo = 9.0
    let hi = 14.0
    let steps = 200_000
    let h = (hi - lo) / Double(steps)
    var cdf = [Double](repeating: 0, count: steps + 1)
    var total = 0.0
    for i in 0...steps {
      let t = lo + Double(i) * h
      var s = 0.0
      for x in d { s += -0.5 * ((t - x.mu) / x.sigma) * ((t - x.mu) / x.sigma) / 2 }
      total += exp(s) * h
      cdf[i] = total
    }
    let half = total / 2
    let idx = cdf.firstIndex(where: { $0 >= half }) ?? 0
    let median = exp(lo + Double(idx) * h)
    #expect(relativeDifference(try #require(r.logarithmicPool?.estimate), median) < 1e-4)
  }

  /// The linear pool's quantiles are roots of the mixture CDF: evaluated here independently
  /// (Foundation's erfc, each source weighted as stated), the mixture CDF at the reported
  /// median and interval ends must equal 0.5 and 0.5 ± level/2 to 1e-13, over random sets of
  /// 1 to 300 ranges, levels 0.5 to 0.99 and unequal weights.
  @Test("Linear pool quantiles are the mixture's quantiles to 1e-13")
  func linearPoolQuantilesAreRoots() throws {
    var state: UInt64 = 20_261_123
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    for trial in 0..<200 {
      let k = 1 + Int(uniform() * 300)
      var inputs: [RangeInput] = []
      for i in 0..<k {
        let low = 100 * exp(uniform() * 8)
        var input = RangeInput(
          id: "s\(i)", low: low, high: low * (1.2 + uniform() * 20), value: nil, coverage: 0.5 + 0.45 * uniform())
        input.weight = 0.5 + 3 * uniform()
        inputs.append(input)
      }
      let level = 0.5 + 0.49 * uniform()
      let r = try RangePooling.reconcile(inputs, level: level)
      let lp = try #require(r.linearPool)
      let total = r.distributions.reduce(0) { $0 + $1.weight }
      func mixture(_ x: Double) -> Double {
        r.distributions.reduce(0) {
          $0 + $1.weight / total * 0.5 * erfc(-(log(x) - $1.mu) / $1.sigma / 2.0.squareRoot())
        }
      }
      for (q, p) in [(lp.low, 0.5 - level / 2), (lp.estimate, 0.5), (lp.high, 0.5 + level / 2)] {
        #expect(abs(mixture(q) - p) < 1e-13, "trial \(trial), k = \(k): F(\(q)) = \(mixture(q)), want \(p)")
      }
    }
  }

  @Test("A quantity that can be negative is pooled on the natural scale with normal sources")
  func naturalScale() throws {
    let r = try RangePooling.reconcile(
      [
        RangeInput(id: "a", low: -10, high: 10, value: nil, coverage: 0.9),
        RangeInput(id: "a2", low: -10, high: 10, value: nil, coverage: 0.9),
      ], level: 0.9)
    #expect(r.scale == .natural)
    let lp = try #require(r.linearPool)
    #expect(abs(lp.estimate) < 1e-9)
    #expect(relativeDifference(lp.low, -10) < 1e-9 && relativeDifference(lp.high, 10) < 1e-9)
    let two = try RangePooling.reconcile([
      RangeInput(id: "a", low: -10, high: 10, value: nil), RangeInput(id: "b", low: 0, high: 20, value: nil),
    ])
    #expect(two.scale == .natural)
    // Equal spreads: the logarithmic pool of two normals is centred halfway.
    #expect(abs(try #require(two.logarithmicPool).estimate - 5) < 1e-12)
    #expect(abs(try #require(two.randomEffects).estimate - 5) < 1e-12)
    let positive = try RangePooling.reconcile([RangeInput(id: "a", low: 1, high: 10, value: nil)])
    #expect(positive.scale == .log)
  }

  @Test("A weight of 2 counts like the same source given twice in the opinion pools")
  func weightsAreReplication() throws {
    let a = RangeInput(id: "a", low: 20_000, high: 99_999, value: nil)
    let b = RangeInput(id: "b", low: 100_000, high: 300_000, value: nil)
    var a2 = a
    a2.weight = 2
    var aCopy = a
    aCopy.id = "a-copy"
    let weighted = try RangePooling.reconcile([a2, b])
    let duplicated = try RangePooling.reconcile([a, aCopy, b])
    for (x, y) in [
      (weighted.linearPool?.estimate, duplicated.linearPool?.estimate),
      (weighted.linearPool?.low, duplicated.linearPool?.low),
      (weighted.logarithmicPool?.estimate, duplicated.logarithmicPool?.estimate),
      (weighted.logarithmicPool?.high, duplicated.logarithmicPool?.high),
    ] {
      #expect(relativeDifference(try #require(x), try #require(y)) < 1e-9)
    }
  }

  @Test("Conflicts found in O(k log k) equal the brute-force pairwise check")
  func conflictsMatchBruteForce() throws {
    var g = SplitMix(state: 2024)
    for _ in 0..<100 {
      let k = Int.random(in: 2...60, using: &g)
      let inputs = (0..<k).map { i -> RangeInput in
        let lo = Double.random(in: 1...1000, using: &g)
        return RangeInput(id: "s\(i)", low: lo, high: lo * Double.random(in: 1...3, using: &g), value: nil)
      }
      let r = try RangePooling.reconcile(inputs)
      var pairs: [(String, String)] = []
      for i in inputs.indices {
        for j in inputs.indices where j > i {
          if (inputs[i].high ?? 0) < (inputs[j].low ?? 0) || (inputs[j].high ?? 0) < (inputs[i].low ?? 0) {
            pairs.append((inputs[i].id, inputs[j].id))
          }
        }
      }
      let involved = Set(pairs.flatMap { [$0.0, $0.1] })
      #expect(r.conflicts == inputs.map(\.id).filter { involved.contains($0) })
      #expect(r.conflictPairCount == pairs.count)
      #expect(r.conflictPairs.count == min(pairs.count, RangePooling.maxListedPairs))
      #expect(zip(r.conflictPairs, pairs).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 })
    }
  }

  @Test("Thousands of sources: leave-one-out is skipped and said so, pairs are capped")
  func manySources() throws {
    let inputs = (0..<3000).map { i in
      RangeInput(id: "s\(i)", low: Double(i + 1), high: Double(i + 1) * 1.5, value: nil)
    }
    let r = try RangePooling.reconcile(inputs)
    #expect(r.leaveOneOutOmitted && r.leaveOneOut.isEmpty)
    #expect(r.conflictPairs.count == RangePooling.maxListedPairs)
    #expect(r.conflictPairCount > RangePooling.maxListedPairs)
    #expect(r.randomEffects?.k == 3000)
  }

  /// Every input ends up either pooled or excluded, and `outcomes` says which, by position:
  /// checked on random inputs that take every exclusion route (restated, one-sided, weight 0,
  /// a point at zero, a zero-width range at zero), with ids repeated on purpose.
  @Test("Each input's outcome points at its own distribution or exclusion")
  func outcomesFollowTheInputs() throws {
    var rng = SplitMix(state: 77)
    for trial in 0..<200 {
      let k = Int(rng.next() % 12) + 1
      var inputs: [RangeInput] = []
      for i in 0..<k {
        let id = "s\(i % 4)"  // repeated ids
        let low = Double(rng.next() % 1000 + 1)
        switch rng.next() % 7 {
        case 0: inputs.append(RangeInput(id: id, low: low, high: low * 3, value: nil, excludedReason: "restates x"))
        case 1: inputs.append(RangeInput(id: id, low: low, high: nil, value: nil))
        case 2: inputs.append(RangeInput(id: id, low: low, high: low * 2, value: nil, weight: 0))
        case 3: inputs.append(RangeInput(id: id, low: nil, high: nil, value: rng.next() % 2 == 0 ? 0 : low))
        case 4: inputs.append(RangeInput(id: id, low: 0, high: 0, value: nil))
        default: inputs.append(RangeInput(id: id, low: low, high: low * Double(rng.next() % 5 + 2), value: nil))
        }
      }
      let r = try RangePooling.reconcile(inputs, level: 0.9)
      #expect(r.outcomes.count == inputs.count, "trial \(trial)")
      var pooled: [Int] = []
      var left: [Int] = []
      for (input, outcome) in zip(inputs, r.outcomes) {
        if outcome >= 0 {
          #expect(r.distributions[outcome].id == input.id)
          #expect(input.excludedReason == nil)
          pooled.append(outcome)
        } else {
          #expect(r.excluded[-1 - outcome].id == input.id)
          if let reason = input.excludedReason { #expect(r.excluded[-1 - outcome].reason == reason) }
          left.append(-1 - outcome)
        }
      }
      // In order, each entry once.
      #expect(pooled == Array(r.distributions.indices), "trial \(trial)")
      #expect(left == Array(r.excluded.indices), "trial \(trial)")
    }
  }

  /// The linear pool of 1,500 lognormal sources against 50-digit mpmath (Newton on the exact
  /// mixture CDF, with these exact log-scale means and SDs, all binary fractions), independent
  /// of this code: each quantile within 4e-15 relative, about two units in the last place of its
  /// logarithm. (With a plain sum of the CDF, rounding near the root made Newton wander and the
  /// upper end came out 2-3e-14 off on mixtures like this one.)
  @Test("Linear pool of 1,500 sources: quantiles to 4e-15 of 50-digit mpmath")
  func linearPoolAgainstMpmath() throws {
    let n = 1500
    var sources: [SourceDistribution] = []
    for k in 0..<n {
      let mu: Double = 8 + Double((k * 37) % 1000) / 256
      let sigma: Double = Double(13 + (k * 11) % 64) / 128
      sources.append(
        SourceDistribution(id: "s\(k)", low: 0, high: 0, mid: 0, mu: mu, sigma: sigma, reading: "range", weight: 1))
    }
    let lp = try #require(RangePooling.linearPool(sources, level: 0.9, scale: .log))
    // mpmath (mp.dps = 50): exp of the roots of F(t) = p, p = 0.5 - 0.9/2 (the double
    // 0.04999999999999999), 0.5 and 0.5 + 0.9/2.
    let low: Double = 3309.1385204684650028865858354
    let median: Double = 20887.5269428624631012942882157
    let high: Double = 135202.249117726594553807606963
    #expect(relativeDifference(lp.low, low) < 4e-15, "low \(lp.low)")
    #expect(relativeDifference(lp.estimate, median) < 4e-15, "median \(lp.estimate)")
    #expect(relativeDifference(lp.high, high) < 4e-15, "high \(lp.high)")
  }
}

/// Figures that cannot be pooled are left out with the right reason, and never decide the scale.
@Suite("Range pooling: figures left out")
struct RangePoolingExclusionTests {
  @Test("Only pooled figures decide the scale: a point figure of 0 leaves the others on the log scale")
  func zeroPointDoesNotDecideTheScale() throws {
    let base = [
      RangeInput(id: "a", low: 50_000, high: 300_000, value: nil),
      RangeInput(id: "b", low: 10_000, high: nil, value: nil),
      RangeInput(id: "c", low: nil, high: nil, value: 20_000),
    ]
    let with = try RangePooling.reconcile(base + [RangeInput(id: "z", low: nil, high: nil, value: 0)])
    let without = try RangePooling.reconcile(base)
    #expect(with.scale == .log)
    #expect(with.distributions == without.distributions)
    #expect(with.randomEffects == without.randomEffects)
    #expect(with.logarithmicPool == without.logarithmicPool)
    #expect(with.linearPool == without.linearPool)
    #expect(
      with.intersection?.low == without.intersection?.low && with.intersection?.high == without.intersection?.high)
    // A range reaching 0 is pooled, so it does decide: the natural scale.
    let reaching = try RangePooling.reconcile(base + [RangeInput(id: "r", low: 0, high: 40_000, value: nil)])
    #expect(reaching.scale == .natural)
    // A restated (excluded) negative figure does not.
    let restated = try RangePooling.reconcile(
      base + [RangeInput(id: "n", low: -5, high: 5, value: nil, excludedReason: "restates a")])
    #expect(restated.scale == .log)
  }

  @Test("A point figure whose factor-of-2 reading overflows is left out for that reason")
  func overflowingPoint() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "big", low: nil, high: nil, value: 1e308), RangeInput(id: "b", low: nil, high: nil, value: 5),
    ])
    #expect(r.distributions.map(\.id) == ["b"])
    #expect(r.excluded.first?.id == "big")
    #expect(r.excluded.first?.reason.contains("overflows") == true)
    #expect(r.excluded.first?.reason.contains("zero") == false)
    // 1e307 still reads as 5e306 to 2e307.
    let fine = try RangePooling.reconcile([RangeInput(id: "x", low: nil, high: nil, value: 1e307)])
    #expect(fine.distributions.first?.high == 2e307)
  }

  @Test("A coverage outside 0.001–0.999999 is not pooled, with the reason", arguments: [1e-300, 0.0, 1.5, .nan])
  func insaneCoverage(_ coverage: Double) throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "a", low: 1, high: 10, value: nil, coverage: coverage),
      RangeInput(id: "b", low: 5, high: 20, value: nil),
    ])
    #expect(r.distributions.map(\.id) == ["b"])
    #expect(r.excluded.first?.reason.contains("coverage") == true)
  }

  @Test("1e-300 and −4 in one quantity: the tiny figure is left out, the pooling goes on")
  func underflowingVariance() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "tiny", low: nil, high: nil, value: 1e-300), RangeInput(id: "neg", low: nil, high: nil, value: -4),
    ])
    #expect(r.scale == .natural)
    #expect(r.distributions.map(\.id) == ["neg"])
    #expect(r.excluded.map(\.id) == ["tiny"])
    #expect(r.excluded.first?.reason.contains("underflows") == true)
    // One figure left: reported as read, not reconciled.
    #expect(r.randomEffects == nil && r.reported?.id == "neg")
  }
}

import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One cell of the sensitivity table: the random effects when figures without a stated
/// coverage are read at `coverage` and point figures as right within a factor of `pointFactor`.
public struct SensitivityCell: Sendable, Equatable {
  /// The coverage assumed where a figure states none (`ranges --coverage`).
  public var coverage: Double
  /// The point factor (`ranges --point-factor`).
  public var pointFactor: Double
  /// The pooling with those readings; nil when it gives none (bounds on one side only) or
  /// fails.
  public var pooled: LogRandomEffects?
}

extension RangePooling {
  /// The coverages and point factors of the sensitivity table (issue #30).
  public static let sensitivityCoverages = [0.5, 0.8, 0.9, 0.95]
  public static let sensitivityPointFactors = [1.5, 2.0, 3.0]

  /// The random effects of `inputs` under every reading of the table: for each coverage of
  /// ``sensitivityCoverages`` (given to the inputs that state none) and each point factor of
  /// ``sensitivityPointFactors``, in that order (coverage first), the random effects
  /// ``reconcile(_:level:pointFactor:detail:conflicts:leaveOneOut:tau2Interval:interval:pools:sensitivity:)``
  /// gives with those options — the same numbers, bit for bit, as a run with them.
  ///
  /// Quantities of plain figures (points and ranges without a stated centre, all pooled on
  /// the log scale, three or more) take a shorter path with the same arithmetic: each range's
  /// logarithms are taken once, and the four coverages of a point factor are pooled at once
  /// (``RangesRandomEffects/lanes(_:_:level:interval:)``); any other quantity is reconciled
  /// once per cell, without the opinion pools. Complexity: O(12 k).
  public static func sensitivity(_ inputs: [RangeInput], level: Double, interval: RangeInterval)
    -> [SensitivityCell]
  {
    sensitivity(inputs, level: level, interval: interval, base: nil)
  }

  /// `sensitivity(_:level:interval:)`, told the main pooling's distributions, count of left-out
  /// figures and scale (which decide whether the shorter path applies).
  static func sensitivity(
    _ inputs: [RangeInput], level: Double, interval: RangeInterval,
    base: (dists: [SourceDistribution], excluded: Int, scale: PoolingScale)?
  ) -> [SensitivityCell] {
    if let base, base.scale == .log, base.excluded == 0, base.dists.count >= 3,
      base.dists.allSatisfy({ $0.shape == .normal }),
      let cells = plainSensitivity(inputs, level: level, interval: interval)
    {
      return cells
    }
    var cells: [SensitivityCell] = []
    for c in sensitivityCoverages {
      var cellInputs = inputs
      for i in cellInputs.indices where !cellInputs[i].coverageStated { cellInputs[i].coverage = c }
      for f in sensitivityPointFactors {
        let rec = try? reconcile(
          cellInputs, level: level, pointFactor: f, detail: false, conflicts: false, leaveOneOut: false,
          tau2Interval: false, interval: interval, pools: false)
        cells.append(SensitivityCell(coverage: c, pointFactor: f, pooled: rec?.randomEffects))
      }
    }
    return cells
  }

  /// The table of a quantity of plain figures — every input a point (a value alone) or a range
  /// (both ends, no value), none left out, none in an evidence group — computed as
  /// `reconcile` computes each cell (the reading of ``reading(_:pointFactor:)``, the μ and σ
  /// of ``spread(_:_:z:pointFactor:log:)``, the random effects of
  /// ``RangesRandomEffects``), with each range's logarithms taken once and four coverages
  /// pooled at once. Nil when an input is not plain, or a cell would read an input otherwise
  /// (a point whose reading overflows, a spread that cannot be pooled): the caller then
  /// reconciles each cell.
  static func plainSensitivity(_ inputs: [RangeInput], level: Double, interval: RangeInterval)
    -> [SensitivityCell]?
  {
    let n = inputs.count
    guard n >= 3 else { return nil }
    // Per input: a point's value (nil for a range), a range's logarithms, the z of a stated
    // coverage (nil: the cell's).
    var points: [Double?] = []
    var logs: [(low: Double, high: Double)] = []
    var statedZ: [Double?] = []
    points.reserveCapacity(n)
    logs.reserveCapacity(n)
    statedZ.reserveCapacity(n)
    // The inputs read in place: binding one to a local copies its strings (retained and
    // released), a third of this function's time on a large file.
    let plain = inputs.withUnsafeBufferPointer { s -> Bool in
      for i in s.indices {
        guard s[i].excludedReason == nil, s[i].evidence.isEmpty, s[i].weight > 0, s[i].weight.isFinite else {
          return false
        }
        let kind = s[i].kind ?? .inferred(value: s[i].value, low: s[i].low, high: s[i].high)
        guard kind != .atLeast && kind != .atMost else { return false }
        if s[i].coverageStated {
          guard coverageRange.contains(s[i].coverage) else { return false }
          statedZ.append(Normal.quantile(0.5 + s[i].coverage / 2))
        } else {
          statedZ.append(nil)
        }
        guard let (point, low, high) = plainEnds(s[i].value, s[i].low, s[i].high) else { return false }
        points.append(point)
        logs.append((low, high))
      }
      return true
    }
    guard plain else { return nil }
    let zs = sensitivityCoverages.map { Normal.quantile(0.5 + $0 / 2) }
    let laneZ = SIMD4<Double>(zs[0], zs[1], zs[2], zs[3])
    let t = interval == .knha ? RangesRandomEffects.tQuantiles(k: n, level: level) : nil
    var byFactor: [[LogRandomEffects]] = []
    var mu = [Double](repeating: 0, count: n)
    var variances = [SIMD4<Double>](repeating: .zero, count: n)
    for f in sensitivityPointFactors {
      for i in 0..<n {
        var (fl, fh) = logs[i]
        if let v = points[i] {
          let a = v / f
          let b = v * f
          guard a.isFinite, b.isFinite, min(a, b) > 0 else { return nil }
          fl = log(min(a, b))
          fh = log(max(a, b))
          guard fl < fh else { return nil }
        }
        mu[i] = (fl + fh) / 2
        let z = statedZ[i].map { SIMD4(repeating: $0) } ?? laneZ
        let sigma = (fh - fl) / (2 * z)
        let v = sigma * sigma
        // `spreadProblem` is nil on every lane: μ finite, σ > 0, σ² finite and normal (σ then
        // finite too; NaN fails every comparison).
        let usable = (sigma .> 0) .& (v .< .infinity) .& (v .>= SIMD4(repeating: Double.leastNormalMagnitude))
        guard mu[i].isFinite, all(usable) else { return nil }
        variances[i] = v
      }
      let pooled = RangesRandomEffects.lanes(mu, variances, level: level, interval: interval, tQuantiles: t)
      byFactor.append(pooled.map { randomEffects($0, scale: .log, interval: interval) })
    }
    var cells: [SensitivityCell] = []
    for (j, c) in sensitivityCoverages.enumerated() {
      for (m, f) in sensitivityPointFactors.enumerated() {
        cells.append(SensitivityCell(coverage: c, pointFactor: f, pooled: byFactor[m][j]))
      }
    }
    return cells
  }

  /// A plain input's numbers: a point's value (with NaN logarithms), or a range's two
  /// logarithms (nil value); nil for anything else.
  private static func plainEnds(_ value: Double?, _ low: Double?, _ high: Double?) -> (Double?, Double, Double)? {
    if let v = value, low == nil, high == nil {
      return v > 0 && v.isFinite ? (v, .nan, .nan) : nil
    }
    guard value == nil, let l = low, let h = high, l > 0, l < h, h.isFinite else { return nil }
    let fl = log(l)
    let fh = log(h)
    return fl < fh ? (nil, fl, fh) : nil
  }
}

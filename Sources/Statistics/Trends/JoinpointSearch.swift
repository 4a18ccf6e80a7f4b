import CLAPACK
import Numerics

/// The candidate joinpoint positions of a series and the admissibility rule that decides which
/// sets of them may be fitted together.
///
/// **Positions.** The observed periods `t₁ < … < tₙ` (`gridPerUnit == 0`), or in addition the
/// points `tⱼ + i/m` (`i = 1, 2, …` while `< tⱼ₊₁`) between consecutive observations
/// (`gridPerUnit == m ≥ 1`) — the grid search of Lerman (1980), "Fitting segmented regression
/// models by grid search", Appl. Stat. 29:77–84, as used by NCI Joinpoint.
///
/// **Rule** (NCI Joinpoint's grid-search defaults, "number of observations from a joinpoint to
/// either end" and "between two joinpoints", counted excluding a joinpoint that sits on an
/// observation): at least `minEnd` observations strictly before the first joinpoint and strictly
/// after the last, at least `minBetween` strictly between consecutive joinpoints, and joinpoints
/// strictly increasing.
struct JoinpointCandidates: Sendable {
  /// Positions that can hold at least one joinpoint (each has `≥ minEnd` observations on either
  /// side), increasing.
  let positions: [Double]
  /// Observations strictly before each position.
  let before: [Int]
  /// Observations strictly after each position.
  let after: [Int]
  let n: Int
  let minEnd: Int
  let minBetween: Int

  init(years: [Double], gridPerUnit: Int, minEnd: Int, minBetween: Int) {
    var all: [Double] = []
    for (j, t) in years.enumerated() {
      all.append(t)
      if gridPerUnit > 0, j + 1 < years.count {
        var i = 1
        while true {
          let g = t + Double(i) / Double(gridPerUnit)
          guard g < years[j + 1] else { break }
          all.append(g)
          i += 1
        }
      }
    }
    var p: [Double] = []
    var b: [Int] = []
    var a: [Int] = []
    for x in all {
      let lo = years.lazy.filter { $0 < x }.count
      let hi = years.lazy.filter { $0 > x }.count
      if lo >= minEnd && hi >= minEnd {
        p.append(x)
        b.append(lo)
        a.append(hi)
      }
    }
    positions = p
    before = b
    after = a
    n = years.count
    self.minEnd = minEnd
    self.minBetween = minBetween
  }

  /// Observations strictly between positions `i < j`.
  @inline(__always)
  func between(_ i: Int, _ j: Int) -> Int { before[j] - (n - after[i]) }

  @inline(__always)
  func compatible(_ i: Int, _ j: Int) -> Bool {
    positions[j] > positions[i] && between(i, j) >= minBetween
  }

  /// The largest `k` with an admissible `k`-set: the greedy chain that takes the first
  /// position, then each time the first position compatible with the last one taken, is a
  /// longest one (compatibility with `i` only grows with `j`). O(P), where asking `count(k)`
  /// for every `k` would be O(K² P²).
  func longestChain() -> Int {
    guard !positions.isEmpty else { return 0 }
    var length = 1
    var last = 0
    var j = 1
    while j < positions.count {
      if compatible(last, j) {
        length += 1
        last = j
      }
      j += 1
    }
    return length
  }

  /// Whether `k` joinpoints can be searched: at least `2k + 3` observations, an admissible
  /// placement, and at most `maximum` placements to fit.
  func admits(_ k: Int, maximum: Int) -> Bool {
    guard n >= 2 * k + 3 else { return false }
    let placements = count(k)
    return placements >= 1 && placements <= Double(maximum)
  }

  /// Throws unless `admits(k, maximum:)`, saying which condition fails. `unit` names the
  /// observations ("observations", "counts"); `hint` ends the message when no placement exists.
  func checkAdmissible(
    _ k: Int, maximum: Int, unit: String, hint: @autoclosure () -> String = ""
  ) throws(StatisticsError) {
    guard n >= 2 * k + 3 else {
      throw .invalidInput("\(k) joinpoint(s) need at least \(2 * k + 3) \(unit), got \(n)")
    }
    let placements = count(k)
    guard placements >= 1 else {
      throw .invalidInput(
        "\(n) \(unit) admit no placement of \(k) joinpoint(s) with at least \(minEnd) \(unit) from either end and "
          + "\(minBetween) between joinpoints\(hint())")
    }
    guard placements <= Double(maximum) else {
      throw .invalidInput(
        "\(k) joinpoint(s) over \(n) \(unit) have \(Int(placements)) admissible placements, more than the "
          + "\(maximum) fits one exhaustive search may make: ask for fewer joinpoints")
    }
  }

  /// Number of admissible `k`-sets (as `Double`, so that large counts cannot overflow).
  ///
  /// Dynamic programming over the last position, O(k · P²) for P positions.
  func count(_ k: Int) -> Double {
    if k == 0 { return 1 }
    let m = positions.count
    var ways = [Double](repeating: 1, count: m)
    if k > 1 {
      for _ in 2...k {
        var next = [Double](repeating: 0, count: m)
        for j in 0..<m {
          var s = 0.0
          for i in 0..<j where compatible(i, j) { s += ways[i] }
          next[j] = s
        }
        ways = next
      }
    }
    return ways.reduce(0, +)
  }

  /// Calls `body` with every admissible `k`-set of position indices, in lexicographic order.
  func forEach(_ k: Int, _ body: ([Int]) throws(StatisticsError) -> Void) throws(StatisticsError) {
    var chosen = [Int](repeating: 0, count: k)
    func place(_ level: Int, _ start: Int) throws(StatisticsError) {
      if level == k {
        try body(chosen)
        return
      }
      var i = start
      while i < positions.count {
        if level == 0 || compatible(chosen[level - 1], i) {
          chosen[level] = i
          try place(level + 1, i + 1)
        }
        i += 1
      }
    }
    try place(0, 0)
  }
}

/// Batched exhaustive search: for every admissible joinpoint set, the weighted least-squares fit
/// of the hinge design to `r` responses at once, keeping each response's smallest RSS.
///
/// For a candidate `τ` the weighted design `A = W^{1/2} [1, t − c, (t − τ₁)₊, …]` is factored by
/// LAPACK `dgeqrf` (Householder QR, `A = QR`), `Qᵀ Z` is formed by `dormqr` for all response
/// columns together, and `RSS = ‖(QᵀZ)_{p+1…n}‖²` — the sum of squares of the trailing part, free
/// of the cancellation of `‖z‖² − ‖Q₁ᵀz‖²` (Golub & Van Loan, *Matrix Computations*, 4th ed.,
/// §5.3.3). The design buffer, `tau`, the right-hand sides and the LAPACK workspace are allocated
/// once (workspace query `lwork = −1`) and reused for every candidate.
struct HingeSearch {
  let n: Int
  /// Centred periods `t − c`.
  let centred: [Double]
  /// Centre `c` subtracted from the periods.
  let centre: Double
  let sqrtWeights: [Double]
  let periods: [Double]
  /// Weighted responses `W^{1/2} y`, `n × r` column-major.
  let responses: [Double]
  let r: Int
  let maxColumns: Int
  var design: [Double]
  var tau: [Double]
  var rhs: [Double]
  var work: [Double]

  /// A candidate is skipped as rank deficient when a diagonal element of `R` is below this
  /// fraction of its column's norm (the criterion of R's `lm`, `tol = 1e-7`).
  static let rankTolerance = 1e-7

  init(periods: [Double], sqrtWeights: [Double], responses: [Double], r: Int, maxJoinpoints: Int)
    throws(StatisticsError)
  {
    n = periods.count
    self.periods = periods
    centre = Summation.mean(periods)
    centred = periods.map { $0 - Summation.mean(periods) }
    self.sqrtWeights = sqrtWeights
    self.responses = responses
    self.r = r
    maxColumns = maxJoinpoints + 2
    guard n >= maxColumns, responses.count == n * r, r >= 1 else {
      throw .invalidInput("internal: search of \(maxJoinpoints) joinpoints on \(n) observations")
    }
    design = [Double](repeating: 0, count: n * maxColumns)
    tau = [Double](repeating: 0, count: maxColumns)
    rhs = [Double](repeating: 0, count: n * r)
    work = [Double](repeating: 0, count: 1)
    // Workspace query for the largest problem.
    let m = try Self.lapackInt(n)
    let p = try Self.lapackInt(maxColumns)
    let nr = try Self.lapackInt(r)
    var q1 = 0.0
    var q2 = 0.0
    var info = design.withUnsafeMutableBufferPointer { a in
      tau.withUnsafeMutableBufferPointer { t in
        LAPACKE_dgeqrf_work(Int32(LAPACK_COL_MAJOR), m, p, a.baseAddress, m, t.baseAddress, &q1, -1)
      }
    }
    guard info == 0 else { throw .numerical("dgeqrf workspace query failed with info = \(info)") }
    info = design.withUnsafeBufferPointer { a in
      tau.withUnsafeBufferPointer { t in
        rhs.withUnsafeMutableBufferPointer { c in
          LAPACKE_dormqr_work(
            Int32(LAPACK_COL_MAJOR), CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")), m, nr, p,
            a.baseAddress, m, t.baseAddress, c.baseAddress, m, &q2, -1)
        }
      }
    }
    guard info == 0 else { throw .numerical("dormqr workspace query failed with info = \(info)") }
    work = [Double](repeating: 0, count: max(1, Int(max(q1, q2)), n * r))
  }

  static func lapackInt(_ v: Int) throws(StatisticsError) -> clapack_int {
    guard v >= 0, v <= Int(Int32.max) else { throw .invalidInput("problem too large for LAPACK (\(v))") }
    return clapack_int(v)
  }

  /// Weighted RSS of each response column for the joinpoints `taus`, written to `out` (length `r`).
  /// Returns `false` (and leaves `out` alone) when the design is numerically rank deficient.
  mutating func evaluate(_ taus: [Double], into out: inout [Double]) throws(StatisticsError) -> Bool {
    let p = taus.count + 2
    guard p <= maxColumns, out.count == r else { throw .invalidInput("internal: too many joinpoints") }
    var norms = [Double](repeating: 0, count: p)
    for i in 0..<n {
      let s = sqrtWeights[i]
      design[i] = s
      design[n + i] = s * centred[i]
      for (k, t) in taus.enumerated() { design[(k + 2) * n + i] = s * max(periods[i] - t, 0) }
    }
    for j in 0..<p {
      var s = 0.0
      for i in 0..<n { s += design[j * n + i] * design[j * n + i] }
      norms[j] = s.squareRoot()
    }
    let m = clapack_int(n)
    let pp = clapack_int(p)
    let nr = clapack_int(r)
    let lwork = clapack_int(min(work.count, Int(Int32.max)))
    var info = design.withUnsafeMutableBufferPointer { a in
      tau.withUnsafeMutableBufferPointer { t in
        work.withUnsafeMutableBufferPointer { w in
          LAPACKE_dgeqrf_work(Int32(LAPACK_COL_MAJOR), m, pp, a.baseAddress, m, t.baseAddress, w.baseAddress, lwork)
        }
      }
    }
    guard info == 0 else { throw .numerical("dgeqrf failed with info = \(info)") }
    for j in 0..<p where !(abs(design[j * n + j]) > Self.rankTolerance * norms[j]) { return false }
    let count = n * r
    responses.withUnsafeBufferPointer { src in
      rhs.withUnsafeMutableBufferPointer { dst in
        if let from = src.baseAddress, let to = dst.baseAddress, src.count >= count, dst.count >= count {
          to.update(from: from, count: count)
        }
      }
    }
    info = design.withUnsafeBufferPointer { a in
      tau.withUnsafeBufferPointer { t in
        rhs.withUnsafeMutableBufferPointer { c in
          work.withUnsafeMutableBufferPointer { w in
            LAPACKE_dormqr_work(
              Int32(LAPACK_COL_MAJOR), CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")), m, nr, pp,
              a.baseAddress, m, t.baseAddress, c.baseAddress, m, w.baseAddress, lwork)
          }
        }
      }
    }
    guard info == 0 else { throw .numerical("dormqr failed with info = \(info)") }
    // RSS of column c: the squared norm of rows p…n−1 of Qᵀz_c (BLAS ddot).
    let tail = clapack_int(n - p)
    rhs.withUnsafeBufferPointer { c in
      guard let base = c.baseAddress, c.count >= count else { return }
      for col in 0..<r { out[col] = cblas_ddot(tail, base + (col * n + p), 1, base + (col * n + p), 1) }
    }
    return true
  }

  /// For each response column, the smallest RSS over all admissible `k`-sets and the first
  /// (lexicographic) set attaining it. A later set replaces the incumbent only when its RSS is
  /// smaller by more than `1e-12` relative, so ties are broken towards the first set.
  mutating func best(_ k: Int, candidates: JoinpointCandidates) throws(StatisticsError)
    -> (rss: [Double], sets: [[Int]])
  {
    var bestRSS = [Double](repeating: .infinity, count: r)
    var bestSet = [[Int]](repeating: [], count: r)
    var current = [Double](repeating: 0, count: r)
    var taus = [Double](repeating: 0, count: k)
    try candidates.forEach(k) { (set: [Int]) throws(StatisticsError) in
      for (i, idx) in set.enumerated() { taus[i] = candidates.positions[idx] }
      guard try self.evaluate(taus, into: &current) else { return }
      for c in 0..<r where current[c] < bestRSS[c] * (1 - 1e-12) || bestRSS[c] == .infinity {
        bestRSS[c] = current[c]
        bestSet[c] = set
      }
    }
    return (bestRSS, bestSet)
  }
}
